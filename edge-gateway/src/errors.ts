// The closed set of error codes of @servo-edge/edge-gateway; README.md lists the same codes (a test checks).

export const GATEWAY_ERRORS = {
  EDGE_CONFIG_INVALID: 'The config has problems; `problems` lists every one with its path, code and hint.',
  EDGE_CONFIG_UNREADABLE: 'The config file could not be read.',
  EDGE_CONFIG_PARSE: 'The config file is not valid YAML (syntax error or a key given twice).',
  EDGE_CONFIG_UNKNOWN_KEY:
    'A key the schema does not know, usually a typo; the hint names the nearest valid key.',
  EDGE_CONFIG_MISSING_KEY: 'A required key is absent.',
  EDGE_CONFIG_WRONG_TYPE: 'A value has the wrong type (e.g. a string where a number is expected).',
  EDGE_CONFIG_OUT_OF_RANGE: 'A number or length is outside its bounds.',
  EDGE_CONFIG_BAD_VALUE: 'A value has the right type but is not allowed (pattern, enum, URL).',
  EDGE_CONFIG_CONFLICT: 'Two settings contradict each other (e.g. both `mqtt.embedded` and `mqtt.external`).',
  EDGE_CONFIG_DUPLICATE: 'A name that must be unique is used twice (key names, axis names).',
  EDGE_CONFIG_SECRET_MISSING: 'A `keyEnv` / `passwordEnv` names an environment variable that is not set.',
  EDGE_CONFIG_ENV_INVALID: 'An override environment variable (SERVO_EDGE_*) has a value that is not allowed.',
  EDGE_CONFIG_MOTION_INVALID: "The motion API's own loader refused the `motion` section.",
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

/** One problem found in a config; `EDGE_CONFIG_INVALID` carries all of them. */
export interface ConfigProblem {
  code: ConfigProblemCode;
  /** Dotted path of the offending key, e.g. `mqtt.embedded.portTcp` or `auth.keys[1].role`; `$env.NAME` for env vars. */
  path: string;
  message: string;
  /** What to do about it, e.g. "did you mean `portTcp`?". */
  hint?: string;
  /** Valid names close to a typo, best first; the hint says the same in words. */
  suggestions?: readonly string[];
  /** 1-based position in the YAML file, when the path exists in it. */
  line?: number;
  column?: number;
  /** For `EDGE_CONFIG_MOTION_INVALID`: the motion API's own code. */
  sourceCode?: string;
}

/** The codes a single config problem can carry (all registry members: `satisfies` checks it). */
export const CONFIG_PROBLEM_CODES = [
  'EDGE_CONFIG_PARSE',
  'EDGE_CONFIG_UNKNOWN_KEY',
  'EDGE_CONFIG_MISSING_KEY',
  'EDGE_CONFIG_WRONG_TYPE',
  'EDGE_CONFIG_OUT_OF_RANGE',
  'EDGE_CONFIG_BAD_VALUE',
  'EDGE_CONFIG_CONFLICT',
  'EDGE_CONFIG_DUPLICATE',
  'EDGE_CONFIG_SECRET_MISSING',
  'EDGE_CONFIG_ENV_INVALID',
  'EDGE_CONFIG_MOTION_INVALID',
] as const satisfies readonly GatewayErrorCode[];

export type ConfigProblemCode = (typeof CONFIG_PROBLEM_CODES)[number];

export interface GatewayErrorDetails {
  /** For EDGE_CONFIG_INVALID: every problem, in document order. */
  problems?: readonly ConfigProblem[];
  /** For EDGE_PACKML_COMMAND_NOT_ALLOWED: what the current state accepts. */
  allowedCommands?: readonly string[];
  /** For EDGE_PACKML_*: the state the model was in. */
  state?: string;
  cause?: unknown;
}

/** An error with a stable `code`; branch on `code`, never on `message`. */
export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  readonly code: GatewayErrorCode;
  readonly problems: readonly ConfigProblem[];
  readonly allowedCommands: readonly string[] | undefined;
  readonly state: string | undefined;

  constructor(code: GatewayErrorCode, detail?: string, details: GatewayErrorDetails = {}) {
    super(
      detail ? `${GATEWAY_ERRORS[code]} ${detail}` : GATEWAY_ERRORS[code],
      details.cause === undefined ? undefined : { cause: details.cause },
    );
    this.code = code;
    this.problems = details.problems ?? [];
    this.allowedCommands = details.allowedCommands;
    this.state = details.state;
  }
}

export function isGatewayError(error: unknown): error is GatewayError {
  return error instanceof GatewayError;
}
