// The gateway config schema: every key once, with type, bounds, default and the doc line the README shows.

import { ROLES } from '../auth/roles.js';
import { bool, type InferFields, int, keyPaths, list, num, obj, oneOf, opaque, str } from './schema-dsl.js';

const port = (doc: string, defaultPort: number) => int({ doc, min: 0, max: 65535, default: defaultPort });
const host = (doc: string, defaultHost: string) =>
  str({
    doc,
    minLength: 1,
    maxLength: 253,
    pattern: /^[A-Za-z0-9.:_-]+$/,
    patternDoc: 'a host name or IP address',
    default: defaultHost,
  });
const envName = (doc: string) =>
  str({
    doc,
    optional: true,
    pattern: /^[A-Z_][A-Z0-9_]*$/,
    patternDoc: 'an environment variable name (A-Z, 0-9, _)',
  });
/** Names that become MQTT topic levels or axis names: no `/`, `+`, `#` or spaces. */
const name = (doc: string, extra: { default?: string; optional?: true } = {}) =>
  str({
    doc,
    pattern: /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/,
    patternDoc: '1-64 characters of A-Z a-z 0-9 _ . - (starting with a letter or digit)',
    ...extra,
  });

export const CONFIG_SCHEMA = {
  http: obj(
    {
      host: host('Address the HTTP API listens on.', '0.0.0.0'),
      port: port('HTTP port; 0 picks a free one. Env: SERVO_EDGE_PORT.', 8080),
      rateLimitPerMin: int({ doc: 'Requests per minute per API key.', min: 1, max: 100_000, default: 600 }),
    },
    { doc: 'The REST API.' },
  ),
  auth: obj(
    {
      devModeNoAuth: bool({
        doc: 'Disable auth on HTTP and MQTT. Only with loopback hosts; logs a warning at start.',
        default: false,
      }),
      keys: list(
        obj(
          {
            name: name('Key name; also the MQTT username.'),
            key: str({
              doc: 'The secret itself (prefer `keyEnv`). Also the MQTT password.',
              optional: true,
              minLength: 16,
              maxLength: 256,
            }),
            keyEnv: envName('Environment variable holding the secret.'),
            role: oneOf({ doc: 'viewer, operator, admin or service.', values: ROLES }),
          },
          { doc: 'One API key.' },
        ),
        {
          doc: 'API keys for HTTP (Bearer) and MQTT (username = name, password = key).',
          minItems: 0,
          maxItems: 64,
          default: [],
        },
      ),
    },
    { doc: 'Who may do what.' },
  ),
  mqtt: obj(
    {
      embedded: obj(
        {
          host: host('Address the embedded broker listens on.', '0.0.0.0'),
          portTcp: port('MQTT over TCP; 0 picks a free one. Env: SERVO_EDGE_MQTT_PORT.', 1883),
          portWs: port('MQTT over WebSocket; 0 picks a free one. Env: SERVO_EDGE_MQTT_WS_PORT.', 9001),
          drainTimeoutMs: int({
            doc: 'A subscriber that cannot take more data for this long is disconnected.',
            min: 100,
            max: 60_000,
            default: 5000,
          }),
          connectTimeoutMs: int({
            doc: 'A socket that has not sent CONNECT within this time is closed.',
            min: 100,
            max: 60_000,
            default: 10_000,
          }),
        },
        { doc: 'Run aedes in the gateway (the default when neither is given).', optional: true },
      ),
      external: obj(
        {
          url: str({
            doc: 'Broker URL, e.g. mqtt://broker.plant:1883 (no credentials in it).',
            pattern: /^(mqtt|mqtts|ws|wss):\/\/[^/@\s]+(:\d+)?(\/\S*)?$/,
            patternDoc: 'an mqtt://, mqtts://, ws:// or wss:// URL without user:password@',
          }),
          username: str({
            doc: "The gateway's username on that broker.",
            optional: true,
            minLength: 1,
            maxLength: 256,
          }),
          passwordEnv: envName("Environment variable holding the gateway's password."),
          connectTimeoutMs: int({
            doc: 'Give up on the first connection after this long.',
            min: 100,
            max: 120_000,
            default: 10_000,
          }),
        },
        { doc: 'Use an external broker (Mosquitto, EMQX) instead.', optional: true },
      ),
    },
    { doc: 'Exactly one of `embedded` or `external`.' },
  ),
  topicPrefix: str({
    doc: 'Root of every MQTT topic. Default `servo-edge/<line.name>`.',
    optional: true,
    pattern: /^(?!\$)[^/+#\s]+(\/[^/+#\s]+)*$/,
    patternDoc: 'topic levels separated by `/`, without wildcards, spaces, empty levels or a leading `$`',
  }),
  line: obj(
    {
      name: name('Line name; part of the default topic prefix.', { default: 'line-1' }),
      productSpacingMm: num({
        doc: 'Pitch between products on the conveyor.',
        min: 1,
        max: 10_000,
        default: 250,
      }),
      stations: obj(
        {
          cameraMm: num({
            doc: 'Conveyor position of the camera, from the infeed.',
            min: 0,
            max: 100_000,
            default: 1000,
          }),
          rejectMm: num({
            doc: 'Conveyor position of the reject arm; must be after the camera.',
            min: 0,
            max: 100_000,
            default: 1600,
          }),
        },
        { doc: 'Station positions along the conveyor.' },
      ),
      axes: obj(
        {
          conveyor: name('Axis name of the conveyor (continuous velocity).', { default: 'conveyor' }),
          rejectArm: name('Axis name of the reject arm (point to point).', { default: 'reject-arm' }),
          filler: name('Axis name of the filler, if the line has one.', { optional: true }),
          sealer: name('Axis name of the sealer, if the line has one.', { optional: true }),
        },
        { doc: 'Which motion API axes play which part.' },
      ),
      rates: obj(
        {
          productsPerMin: int({ doc: 'Target production rate.', min: 1, max: 6000, default: 600 }),
          rateWindowMs: int({
            doc: 'Sliding window of the measured rate.',
            min: 1000,
            max: 3_600_000,
            default: 60_000,
          }),
        },
        { doc: 'Production rates.' },
      ),
      camera: name('Camera name in `<prefix>/camera/<camera>/trigger` and `/frame`.', { default: 'cam1' }),
      conveyorAccelerationMmPerS2: num({
        doc: 'Conveyor ramp when the line starts and stops.',
        min: 1,
        max: 1_000_000,
        default: 10_000,
      }),
      rejectArm: obj(
        {
          homePosition: num({
            doc: "Rest position, in the arm axis's units.",
            min: -1e6,
            max: 1e6,
            default: 0,
          }),
          outPosition: num({ doc: 'Fully out across the lane.', min: -1e6, max: 1e6, default: 90 }),
          velocityUnitsPerS: num({ doc: 'Stroke velocity.', min: 0.001, max: 1e7, default: 4000 }),
          accelerationUnitsPerS2: num({
            doc: 'Stroke acceleration.',
            min: 0.001,
            max: 1e9,
            default: 200_000,
          }),
        },
        { doc: 'The reject stroke: out and back, timed so the arm is fully out as the product arrives.' },
      ),
      rejectWithoutVerdict: bool({
        doc: 'Reject a product that reaches the reject station without a verdict (fail-safe).',
        default: true,
      }),
      commandLatencyMs: num({
        doc: 'One-way command latency to the controller, added to the stroke lead time.',
        min: 0,
        max: 1000,
        default: 3,
      }),
      samplePeriodMs: int({
        doc: 'How often the belt position is read for reject timing.',
        min: 1,
        max: 100,
        default: 2,
      }),
      recentInspectionsMax: int({
        doc: 'How many verdicts `GET /api/v1/inspections` can return.',
        min: 1,
        max: 10_000,
        default: 500,
      }),
    },
    { doc: 'The packaging line.' },
  ),
  bridge: obj(
    {
      publishIntervalMs: int({
        doc: 'At most one axis-state message per axis per interval (the last value wins).',
        min: 10,
        max: 60_000,
        default: 100,
      }),
      maxInspectionBytes: int({
        doc: 'Larger verdict messages are dropped unread.',
        min: 256,
        max: 1_048_576,
        default: 65_536,
      }),
    },
    { doc: 'The MQTT bridge.' },
  ),
  motion: opaque({ doc: 'Passed to the motion API; its own loader validates it.' }),
} as const;

export type RawConfig = InferFields<typeof CONFIG_SCHEMA>;

/** Every key path, for the README sync test. */
export const CONFIG_KEY_PATHS: readonly string[] = keyPaths(CONFIG_SCHEMA);
