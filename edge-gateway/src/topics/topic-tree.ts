// The MQTT topic tree under the configured prefix; the README documents the same tree.

export const STATUS_ONLINE = 'online';
export const STATUS_OFFLINE = 'offline';

export interface GatewayTopics {
  prefix: string;
  /** Retained `online` / `offline`; also the gateway's Last Will. */
  gatewayStatus: string;
  /** Retained JSON axis state, rate-limited. */
  axisState(axis: string): string;
  /** Operator commands to one axis (reserved for the motion composition). */
  axisCommand(axis: string): string;
  /** Retained JSON state of one serial link. */
  linkState(controller: string): string;
  /** Retained JSON line state (PackML state and counters). */
  lineState: string;
  /** JSON `{ "command": "Start" }` from operators. */
  lineCommand: string;
  /** Verdicts from the vision service, QoS 1 JSON. */
  inspection: string;
  /** Retained JSON recipe the vision service checks against. */
  recipe: string;
  cameraFrame(camera: string): string;
  /** Retained `online` / `offline` of one vision instance. */
  visionStatus(instance: string): string;
  /** Filter for every vision instance's status. */
  visionStatusAll: string;
}

/**
 * Names from other components (axis, controller, camera) become single topic levels: characters
 * that would split or wildcard a level are percent-encoded.
 */
export function topicLevel(name: string): string {
  return name.replace(
    /[%/+#\u0000]/g,
    (char) => `%${char.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase()}`,
  );
}

export function gatewayTopics(prefix: string): GatewayTopics {
  return {
    prefix,
    gatewayStatus: `${prefix}/gateway/status`,
    axisState: (axis) => `${prefix}/axes/${topicLevel(axis)}/state`,
    axisCommand: (axis) => `${prefix}/axes/${topicLevel(axis)}/command`,
    linkState: (controller) => `${prefix}/links/${topicLevel(controller)}/state`,
    lineState: `${prefix}/line/state`,
    lineCommand: `${prefix}/line/command`,
    inspection: `${prefix}/inspection`,
    recipe: `${prefix}/recipe`,
    cameraFrame: (camera) => `${prefix}/camera/${topicLevel(camera)}/frame`,
    visionStatus: (instance) => `${prefix}/vision/${topicLevel(instance)}/status`,
    visionStatusAll: `${prefix}/vision/+/status`,
  };
}
