// The topic tree under the configured prefix; the README documents the same tree.

export interface VisionTopics {
  /** Filter for every camera's frames: `<prefix>/camera/+/frame`. */
  frames: string;
  /** What to subscribe to: `frames`, or `$share/<group>/<frames>` to split frames between instances. */
  frameSubscription: string;
  /** Retained JSON recipe. */
  recipe: string;
  /** Verdicts, QoS 1. */
  inspection: string;
  /** Retained `online` / `offline` of this instance; also the Last Will topic. */
  status: string;
  /** The camera name in a frame topic, or undefined when the topic is not a frame topic. */
  cameraOf(topic: string): string | undefined;
}

export function visionTopics(prefix: string, instance: string, shareGroup?: string): VisionTopics {
  const frames = `${prefix}/camera/+/frame`;
  const framePrefix = `${prefix}/camera/`;
  return {
    frames,
    // Shared subscriptions: the broker hands each message to one member of the group [MQTT-4.8.2].
    frameSubscription: shareGroup === undefined ? frames : `$share/${shareGroup}/${frames}`,
    recipe: `${prefix}/recipe`,
    inspection: `${prefix}/inspection`,
    status: `${prefix}/vision/${instance}/status`,
    cameraOf(topic) {
      if (!topic.startsWith(framePrefix) || !topic.endsWith('/frame')) return undefined;
      const camera = topic.slice(framePrefix.length, -'/frame'.length);
      return camera.length > 0 && !camera.includes('/') ? camera : undefined;
    },
  };
}

/** Payloads of the status topic. */
export const STATUS_ONLINE = 'online';
export const STATUS_OFFLINE = 'offline';
