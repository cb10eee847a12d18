// The MQTT topic tree under a prefix (by default `servo-edge/<line>`), for every publisher and subscriber.
// The gateway's ACL (edge-gateway/src/broker/acl.ts) and the READMEs document the same tree.

/** Retained payloads of the status topics (gateway and vision instances); `offline` is also the Last Will. */
export const STATUS_ONLINE = 'online';
export const STATUS_OFFLINE = 'offline';

export interface TopicTree {
  prefix: string;
  /** Retained `online` / `offline` of the gateway; also its Last Will. */
  gatewayStatus: string;
  /** Retained JSON state of one axis, rate-limited. */
  axisState(axis: string): string;
  /** Retained JSON state of one serial link. */
  linkState(controller: string): string;
  /** Retained JSON line state (PackML state and counters). */
  lineState: string;
  /** JSON `{ "command": "Start" }` from operators. */
  lineCommand: string;
  /** Verdicts from the vision service, QoS 1 JSON (verdict.ts). */
  inspection: string;
  /** Retained JSON recipe the vision service checks against (recipe.ts); empty clears it. */
  recipe: string;
  /** The camera trigger (trigger.ts), QoS 1, sent before the frame. */
  cameraTrigger(camera: string): string;
  /** A station's own check of each product (station-check.ts), QoS 1. */
  stationCheck(station: string): string;
  /** Filter for every station's checks: `<prefix>/stations/+/check`. */
  stationChecks: string;
  /** The station level of a check topic, or undefined for any other topic. */
  stationOf(topic: string): string | undefined;
  /** One camera's SVF1 frames (frame-envelope.ts). */
  cameraFrame(camera: string): string;
  /** Filter for every camera's frames: `<prefix>/camera/+/frame`. */
  cameraFrames: string;
  /** The camera level of a frame topic (as it appears in the topic), or undefined for any other topic. */
  cameraOf(topic: string): string | undefined;
  /** Retained `online` / `offline` of one vision instance; also its Last Will. */
  visionStatus(instance: string): string;
  /** Filter for every vision instance's status. */
  visionStatusAll: string;
}

/**
 * Names from other components (axis, controller, camera, instance) become single topic levels:
 * characters that would split a level or act as a wildcard are percent-encoded [MQTT-4.7.1-1].
 */
export function topicLevel(name: string): string {
  return name.replace(
    /[%/+#\u0000]/g,
    (char) => `%${char.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase()}`,
  );
}

/** `$share/<group>/<filter>`: the broker hands each message to one member of the group [MQTT-4.8.2]. */
export function sharedSubscription(group: string, filter: string): string {
  return `$share/${group}/${filter}`;
}

export function topicTree(prefix: string): TopicTree {
  const framePrefix = `${prefix}/camera/`;
  const stationPrefix = `${prefix}/stations/`;
  return {
    prefix,
    gatewayStatus: `${prefix}/gateway/status`,
    axisState: (axis) => `${prefix}/axes/${topicLevel(axis)}/state`,
    linkState: (controller) => `${prefix}/links/${topicLevel(controller)}/state`,
    lineState: `${prefix}/line/state`,
    lineCommand: `${prefix}/line/command`,
    inspection: `${prefix}/inspection`,
    recipe: `${prefix}/recipe`,
    cameraTrigger: (camera) => `${framePrefix}${topicLevel(camera)}/trigger`,
    cameraFrame: (camera) => `${framePrefix}${topicLevel(camera)}/frame`,
    cameraFrames: `${framePrefix}+/frame`,
    stationCheck: (station) => `${stationPrefix}${topicLevel(station)}/check`,
    stationChecks: `${stationPrefix}+/check`,
    stationOf(topic) {
      if (!topic.startsWith(stationPrefix) || !topic.endsWith('/check')) return undefined;
      const station = topic.slice(stationPrefix.length, -'/check'.length);
      return station.length > 0 && !station.includes('/') ? station : undefined;
    },
    cameraOf(topic) {
      if (!topic.startsWith(framePrefix) || !topic.endsWith('/frame')) return undefined;
      const camera = topic.slice(framePrefix.length, -'/frame'.length);
      return camera.length > 0 && !camera.includes('/') ? camera : undefined;
    },
    visionStatus: (instance) => `${prefix}/vision/${topicLevel(instance)}/status`,
    visionStatusAll: `${prefix}/vision/+/status`,
  };
}
