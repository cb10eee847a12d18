// The closed set of error codes of @servo-edge/edge-gateway; README.md lists the same codes (a test checks).
// Config problems are not here: they carry @servo-edge/common/config's codes (CONFIG_*), as in every package,
// and a config that does not load throws common's ConfigError (CONFIG_INVALID / CONFIG_UNREADABLE).

export const GATEWAY_ERRORS = {
  EDGE_BROKER_LISTEN_FAILED: 'The embedded broker could not listen on its TCP or WebSocket port.',
  EDGE_BROKER_NOT_STARTED: 'The embedded broker was asked for its ports or credentials before `start()`.',
  EDGE_BROKER_CLOSED: '`start()` was called after `close()`.',
  EDGE_MQTT_CONNECT_TIMEOUT: 'The first MQTT connection did not complete within `connectTimeoutMs`.',
  EDGE_MQTT_CONNECT_REFUSED:
    'The broker refused the credentials (CONNACK not authorized / bad user or password).',
  EDGE_MQTT_CONNECT_FAILED: 'The first MQTT connection failed for another reason (DNS, TLS, protocol).',
  EDGE_MQTT_NOT_CONNECTED: 'A publish or subscribe was attempted while the connection is down.',
  EDGE_MQTT_CLOSED: 'The connection was used after `close()`.',
  EDGE_MQTT_AUTH_REFUSED:
    'Log code: the embedded broker refused a client (unknown name, wrong key, anonymous).',
  EDGE_MQTT_PUBLISH_DENIED:
    'Log code: a client published to a topic its role may not publish to; it is disconnected.',
  EDGE_MQTT_SUBSCRIBE_DENIED: 'Log code: a client subscribed to a filter its role may not read; SUBACK 0x80.',
  EDGE_INSPECTION_INVALID:
    'Log code: a message on `<prefix>/inspection` was not a valid verdict and was dropped.',
  EDGE_COMMAND_INVALID:
    'Log code: a message on `<prefix>/line/command` was not a valid command and was dropped.',
  EDGE_PACKML_UNKNOWN_COMMAND: 'The command is not one of the nine PackML commands.',
  EDGE_PACKML_COMMAND_NOT_ALLOWED:
    'The command is not allowed in the current state; `allowedCommands` lists those that are.',
  EDGE_PACKML_NOT_ACTING: '`stateComplete()` was called in a wait state, which only a command can leave.',
  EDGE_UNIT_MODE_UNKNOWN: 'The unit mode is not one of Production, Maintenance, Manual.',
  EDGE_UNIT_MODE_CHANGE_NOT_ALLOWED:
    'The unit mode can change only while the line is Stopped, Idle or Aborted; `allowedStates` lists them.',
  EDGE_COMMAND_NOT_ALLOWED_IN_MODE:
    'The PackML command is not used in the current unit mode (e.g. Start in Manual); switch to Production.',
  EDGE_LINE_NOT_CONFIGURED:
    'The config has no `line` section, so there is no packaging line to read or command; the axes work as ever.',
  EDGE_LINE_RESET_REFUSED:
    'A controller refused RESET while the line was resetting or clearing (e-stop input still active?).',
  EDGE_THUMBNAIL_NOT_FOUND:
    'No thumbnail for this product: only the newest frames are kept, while a dashboard is open.',
  EDGE_THUMBNAIL_BUSY: 'Too many thumbnails are being rendered; try again shortly.',
  EDGE_PORTS_LIST_FAILED:
    'The serial port enumeration failed (e.g. no udevadm); the fallback listing was used.',
  EDGE_CLI_USAGE: 'The command line was not understood.',
} as const;

export type GatewayErrorCode = keyof typeof GATEWAY_ERRORS;

export interface GatewayErrorDetails {
  /** For EDGE_PACKML_COMMAND_NOT_ALLOWED: what the current state accepts. */
  allowedCommands?: readonly string[];
  /** For EDGE_PACKML_* and EDGE_UNIT_MODE_*: the state the model was in. */
  state?: string;
  /** For EDGE_UNIT_MODE_CHANGE_NOT_ALLOWED: the states in which the mode may change. */
  allowedStates?: readonly string[];
  cause?: unknown;
}

/** An error with a stable `code`; branch on `code`, never on `message`. */
export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  readonly code: GatewayErrorCode;
  readonly allowedCommands: readonly string[] | undefined;
  readonly state: string | undefined;
  readonly allowedStates: readonly string[] | undefined;

  constructor(code: GatewayErrorCode, detail?: string, details: GatewayErrorDetails = {}) {
    super(
      detail ? `${GATEWAY_ERRORS[code]} ${detail}` : GATEWAY_ERRORS[code],
      details.cause === undefined ? undefined : { cause: details.cause },
    );
    this.code = code;
    this.allowedCommands = details.allowedCommands;
    this.state = details.state;
    this.allowedStates = details.allowedStates;
  }
}

export function isGatewayError(error: unknown): error is GatewayError {
  return error instanceof GatewayError;
}
