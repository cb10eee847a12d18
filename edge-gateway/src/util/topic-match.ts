// MQTT topic filter matching (`+`, `#`, `$`-topics, shared subscriptions), per MQTT 3.1.1 section 4.7.

/** `$share/<group>/<filter>` -> `<filter>`; other filters unchanged [MQTT-5 4.8.2]. */
export function stripSharePrefix(filter: string): string {
  if (!filter.startsWith('$share/')) return filter;
  const afterGroup = filter.indexOf('/', '$share/'.length);
  return afterGroup === -1 ? '' : filter.slice(afterGroup + 1);
}

/** Whether `filter` matches the concrete `topic`. */
export function topicMatches(filter: string, topic: string): boolean {
  const filterLevels = stripSharePrefix(filter).split('/');
  const topicLevels = topic.split('/');
  // Wildcards at the first level never match topics starting with `$` [MQTT-4.7.2-1].
  if (topic.startsWith('$') && (filterLevels[0] === '+' || filterLevels[0] === '#')) return false;
  for (let i = 0; i < filterLevels.length; i++) {
    const level = filterLevels[i];
    // `#` also matches the parent level: `a/#` matches `a` [MQTT-4.7.1-2].
    if (level === '#') return i === filterLevels.length - 1;
    if (i >= topicLevels.length) return false;
    if (level !== '+' && level !== topicLevels[i]) return false;
  }
  return filterLevels.length === topicLevels.length;
}

/**
 * Whether every topic `filter` can match lies under `prefix` (which has no wildcards): the filter's
 * first levels must spell out the prefix literally.
 */
export function filterWithinPrefix(filter: string, prefix: string): boolean {
  const filterLevels = stripSharePrefix(filter).split('/');
  const prefixLevels = prefix.split('/');
  if (filterLevels.length <= prefixLevels.length) return false;
  return prefixLevels.every((level, i) => filterLevels[i] === level);
}
