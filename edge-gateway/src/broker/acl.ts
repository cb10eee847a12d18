// Who may publish and subscribe where: one table, used by the broker hooks and checked against the README.

import type { Role } from '../auth/roles.js';
import { filterWithinPrefix, topicMatches } from '../util/topic-match.js';

/** A configured role, or the gateway's own connection (internal, random credentials per process). */
export type Principal = Role | 'gateway';

export interface PublishRule {
  /** Topic filter relative to the prefix. */
  topic: string;
  publish: readonly Principal[];
  /** For the README table. */
  doc: string;
}

/**
 * Publish rights under the prefix; the first matching rule decides. Admin may publish anywhere
 * except `$`-topics; everyone may subscribe to any filter inside the prefix (see `maySubscribe`).
 */
export const PUBLISH_RULES: readonly PublishRule[] = [
  {
    topic: 'gateway/status',
    publish: ['gateway', 'admin'],
    doc: 'Gateway online/offline, retained, Last Will.',
  },
  { topic: 'axes/+/state', publish: ['gateway', 'admin'], doc: 'Axis state JSON, retained, rate-limited.' },
  { topic: 'links/+/state', publish: ['gateway', 'admin'], doc: 'Serial link state JSON, retained.' },
  { topic: 'line/state', publish: ['gateway', 'admin'], doc: 'PackML state and counters JSON, retained.' },
  { topic: 'line/command', publish: ['operator', 'admin'], doc: 'PackML command `{"command":"Start"}`.' },
  { topic: 'recipe', publish: ['operator', 'admin'], doc: 'Label recipe JSON, retained.' },
  { topic: 'camera/+/frame', publish: ['service', 'admin'], doc: 'Camera frames (vision frame format).' },
  {
    topic: 'camera/+/trigger',
    publish: ['service', 'admin'],
    doc: 'Camera trigger `{productId, capturedAtMs, conveyorPositionMm}`, QoS 1, sent before the frame.',
  },
  {
    topic: 'stations/+/check',
    publish: ['service', 'admin'],
    doc: "A station's check of one product `{ok, conveyorPositionMm, checkedAtMs, reason?}`, QoS 1.",
  },
  { topic: 'inspection', publish: ['service', 'admin'], doc: 'Verdicts, QoS 1 JSON.' },
  {
    topic: 'vision/+/status',
    publish: ['service', 'admin'],
    doc: 'Vision instance online/offline, retained, Last Will.',
  },
  { topic: '#', publish: ['admin'], doc: 'Anything else under the prefix.' },
];

export function mayPublish(principal: Principal, topic: string, prefix: string): boolean {
  // `$`-topics belong to the broker [MQTT-4.7.2-1]; nobody publishes there.
  if (topic.startsWith('$')) return false;
  if (principal === 'admin') return true;
  if (!topic.startsWith(`${prefix}/`)) return false;
  const relative = topic.slice(prefix.length + 1);
  const rule = PUBLISH_RULES.find((candidate) => topicMatches(candidate.topic, relative));
  return rule?.publish.includes(principal) ?? false;
}

/** Everyone reads inside the prefix (plain or `$share/<group>/`); only admin reads outside it, `$SYS` included. */
export function maySubscribe(principal: Principal, filter: string, prefix: string): boolean {
  if (principal === 'admin') return true;
  return filterWithinPrefix(filter, prefix);
}
