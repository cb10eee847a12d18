// The gateway config schema: every key once, as TypeBox, with bounds, default and the doc line the README
// shows (`description`; a test compares the README's table with configKeyRows() of this schema). The
// common walker (@servo-edge/common/config) checks a file against it; resolve.ts does the cross-field checks.

import { MotionConfigSchema } from '@servo-edge/motion-api';
import { type Static, Type } from '@sinclair/typebox';
import { ROLES } from '../auth/roles.js';
import { GUARDED_COMMANDS } from '../line/axis-ownership.js';
import { FAULT_SEVERITIES } from '../line/stations/station.js';

/** Unknown keys are typos: the common walker refuses them unless an object sets additionalProperties: true. */
const strict = { additionalProperties: false } as const;

const port = (description: string, defaultPort: number) =>
  Type.Integer({ minimum: 0, maximum: 65535, default: defaultPort, description });
const host = (description: string, defaultHost: string) =>
  Type.String({
    minLength: 1,
    maxLength: 253,
    pattern: '^[A-Za-z0-9.:_-]+$',
    patternDoc: 'a host name or IP address',
    default: defaultHost,
    description,
  });
const envName = (description: string) =>
  Type.Optional(
    Type.String({
      pattern: '^[A-Z_][A-Z0-9_]*$',
      patternDoc: 'an environment variable name (A-Z, 0-9, _)',
      description,
    }),
  );
/** Names that become MQTT topic levels or axis names: no `/`, `+`, `#` or spaces. */
const name = (description: string, defaultName?: string) =>
  Type.String({
    pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$',
    patternDoc: '1-64 characters of A-Z a-z 0-9 _ . - (starting with a letter or digit)',
    description,
    ...(defaultName === undefined ? {} : { default: defaultName }),
  });
const number = (description: string, minimum: number, maximum: number, defaultValue: number) =>
  Type.Number({ minimum, maximum, default: defaultValue, description });
const integer = (description: string, minimum: number, maximum: number, defaultValue: number) =>
  Type.Integer({ minimum, maximum, default: defaultValue, description });

/** What a station fault does to the line (PackML): Aborting or Holding. */
const severity = (defaultSeverity: (typeof FAULT_SEVERITIES)[number]) =>
  Type.Union(
    FAULT_SEVERITIES.map((s) => Type.Literal(s)),
    {
      default: defaultSeverity,
      description:
        'A fault of this station (a following error, an aborted move) stops the line: `abort` (Aborting) or `hold` (Holding).',
    },
  );

export const HttpSchema = Type.Object(
  {
    host: host('Address the HTTP API listens on.', '0.0.0.0'),
    port: port('HTTP port; 0 picks a free one. Env: SERVO_EDGE_PORT.', 8080),
    rateLimitPerMin: integer('Requests per minute per API key.', 1, 100_000, 600),
  },
  { ...strict, description: 'The REST API.' },
);

export const ApiKeyEntrySchema = Type.Object(
  {
    name: name('Key name; also the MQTT username.'),
    key: Type.Optional(
      Type.String({
        minLength: 16,
        maxLength: 256,
        description: 'The secret itself (prefer `keyEnv`). Also the MQTT password.',
      }),
    ),
    keyEnv: envName('Environment variable holding the secret (at least 16 characters).'),
    sha256: Type.Optional(
      Type.String({
        pattern: '^[0-9a-f]{64}$',
        patternDoc: '64 lower-case hex digits',
        description:
          'Or only the SHA-256 digest of the secret, in lower-case hex (what `sha256sum` prints for it): the secret stays out of the file.',
      }),
    ),
    role: Type.Union(
      ROLES.map((role) => Type.Literal(role)),
      { description: 'What the key may do: see [Roles](#roles-and-the-mqtt-acl).' },
    ),
  },
  { ...strict, description: 'One API key.' },
);

export const AuthSchema = Type.Object(
  {
    devModeNoAuth: Type.Boolean({
      default: false,
      description: 'Disable auth on HTTP and MQTT. Only with loopback hosts; logs a warning at start.',
    }),
    keys: Type.Array(ApiKeyEntrySchema, {
      minItems: 0,
      maxItems: 64,
      default: [],
      description: 'API keys for HTTP (Bearer) and MQTT (username = name, password = key).',
    }),
  },
  { ...strict, description: 'Who may do what.' },
);

export const MqttEmbeddedSchema = Type.Object(
  {
    host: host('Address the embedded broker listens on.', '0.0.0.0'),
    portTcp: port('MQTT over TCP; 0 picks a free one. Env: SERVO_EDGE_MQTT_PORT.', 1883),
    portWs: port('MQTT over WebSocket; 0 picks a free one. Env: SERVO_EDGE_MQTT_WS_PORT.', 9001),
    drainTimeoutMs: integer(
      'A subscriber that cannot take more data for this long is disconnected.',
      100,
      60_000,
      5000,
    ),
    connectTimeoutMs: integer(
      'A socket that has not sent CONNECT within this time is closed.',
      100,
      60_000,
      10_000,
    ),
  },
  { ...strict, description: 'Run aedes in the gateway.' },
);

export const MqttExternalSchema = Type.Object(
  {
    url: Type.String({
      pattern: '^(mqtt|mqtts|ws|wss)://[^/@\\s]+(:\\d+)?(/\\S*)?$',
      patternDoc: 'an mqtt://, mqtts://, ws:// or wss:// URL without user:password@',
      description: '`mqtt://`, `mqtts://`, `ws://` or `wss://` URL, without `user:password@`.',
    }),
    username: Type.Optional(
      Type.String({ minLength: 1, maxLength: 256, description: "The gateway's username on that broker." }),
    ),
    passwordEnv: envName("Environment variable holding the gateway's password (needs `username`)."),
    connectTimeoutMs: integer('Give up on the first connection after this long.', 100, 120_000, 10_000),
  },
  { ...strict, description: 'Use an external broker (Mosquitto, EMQX) instead.' },
);

export const MqttSchema = Type.Object(
  {
    embedded: Type.Optional(MqttEmbeddedSchema),
    external: Type.Optional(MqttExternalSchema),
  },
  {
    ...strict,
    description: 'Exactly one of `embedded` or `external`; neither means `embedded` with defaults.',
  },
);

export const LineSchema = Type.Object(
  {
    name: name('Line name; part of the default topic prefix.', 'line-1'),
    productSpacingMm: number('Pitch between products on the conveyor.', 1, 10_000, 250),
    stations: Type.Object(
      {
        cameraMm: number('Conveyor position of the camera, from the infeed.', 0, 100_000, 1000),
        rejectMm: number(
          'Conveyor position of the reject arm; must be downstream of the camera.',
          0,
          100_000,
          1600,
        ),
      },
      { ...strict, description: 'Station positions along the conveyor.' },
    ),
    axes: Type.Object(
      {
        conveyor: name('Axis name of the conveyor (continuous velocity).', 'conveyor'),
        rejectArm: name('Axis name of the reject arm (point to point).', 'reject-arm'),
        infeed: Type.Optional(name('Axis name of the infeed, if the line has one (needs `line.infeed`).')),
        filler: Type.Optional(name('Axis name of the filler, if the line has one (needs `line.filler`).')),
        sealer: Type.Optional(name('Axis name of the sealer, if the line has one (needs `line.sealer`).')),
        labeler: Type.Optional(name('Axis name of the labeler, if the line has one (needs `line.labeler`).')),
      },
      {
        ...strict,
        description: 'Which `motion.axes` play which part (names must differ and be declared there).',
      },
    ),
    rates: Type.Object(
      {
        productsPerMin: integer('Target production rate.', 1, 6000, 600),
        rateWindowMs: integer(
          'Sliding window of the measured rate (resolution: window / 60).',
          1000,
          3_600_000,
          60_000,
        ),
        oeeWindowMs: integer(
          'Sliding window of OEE (availability × performance × quality; resolution: window / 60). Performance is measured against `productsPerMin`.',
          60_000,
          7 * 24 * 3_600_000,
          3_600_000,
        ),
      },
      { ...strict, description: 'Production rates.' },
    ),
    camera: name('Camera name in `<prefix>/camera/<camera>/trigger` and `/frame`.', 'cam1'),
    conveyorAccelerationMmPerS2: number(
      'Conveyor ramp when the line starts and stops.',
      1,
      1_000_000,
      10_000,
    ),
    rejectArm: Type.Object(
      {
        homePosition: number("Rest position, in the arm axis's units.", -1e6, 1e6, 0),
        outPosition: number('Fully out across the lane.', -1e6, 1e6, 90),
        velocityUnitsPerS: number('Stroke velocity.', 0.001, 1e7, 4000),
        accelerationUnitsPerS2: number('Stroke acceleration.', 0.001, 1e9, 200_000),
      },
      {
        ...strict,
        description: 'The reject stroke: out and back, timed so the arm is fully out as the product arrives.',
      },
    ),
    infeed: Type.Optional(
      Type.Object(
        {
          indexUnits: number(
            "One index (one pocket, one product), in the infeed axis's units.",
            0.001,
            1e6,
            90,
          ),
          velocityUnitsPerS: number('Index velocity.', 0.001, 1e7, 2000),
          accelerationUnitsPerS2: number('Index acceleration.', 0.001, 1e9, 100_000),
          faultSeverity: severity('hold'),
        },
        {
          ...strict,
          description:
            "The infeed station: spaces products one `productSpacingMm` apart, one index per product; the line's product clock (the other stations need it).",
        },
      ),
    ),
    filler: Type.Optional(
      Type.Object(
        {
          positionMm: number('Conveyor position of the filling nozzle, from the infeed.', 0, 100_000, 100),
          fillVolumeMl: number("The recipe's fill volume per product.", 0.001, 1e6, 10),
          unitsPerMl: number(
            "Piston travel per ml, in the filler axis's units (the dose's move is volume × this).",
            1e-6,
            1e6,
            1,
          ),
          restPosition: number('Where the piston rests, drawn back.', -1e6, 1e6, 0),
          velocityUnitsPerS: number('Dosing velocity.', 0.001, 1e7, 2000),
          accelerationUnitsPerS2: number('Dosing acceleration.', 0.001, 1e9, 100_000),
          faultSeverity: severity('abort'),
        },
        { ...strict, description: 'The filler station: one dose per product, centred on its passage.' },
      ),
    ),
    sealer: Type.Optional(
      Type.Object(
        {
          positionMm: number('Conveyor position of the sealing head, from the infeed.', 0, 100_000, 150),
          openPosition: number("Head up, in the sealer axis's units.", -1e6, 1e6, 0),
          closedPosition: number('Head on the product.', -1e6, 1e6, 10),
          dwellMs: number('How long the head stays closed on a product.', 0, 10_000, 15),
          velocityUnitsPerS: number('Stroke velocity.', 0.001, 1e7, 2000),
          accelerationUnitsPerS2: number('Stroke acceleration.', 0.001, 1e9, 200_000),
          faultSeverity: severity('hold'),
        },
        { ...strict, description: 'The sealer station: one stroke with a dwell per product.' },
      ),
    ),
    labeler: Type.Optional(
      Type.Object(
        {
          positionMm: number('Conveyor position of the peel plate, from the infeed.', 0, 100_000, 200),
          labelLengthMm: number(
            'Label length: the web the labeler feeds per product, at the belt speed.',
            0.1,
            10_000,
            40,
          ),
          accelerationUnitsPerS2: number("The web's ramp to the belt speed.", 0.001, 1e9, 500_000),
          faultSeverity: severity('hold'),
        },
        {
          ...strict,
          description: 'The labeler station: one label per product, its web synchronised to the belt.',
        },
      ),
    ),
    modes: Type.Object(
      {
        reducedSpeedPercent: number(
          "Outside Production, REST moves and jogs are capped at this % of each axis's `maxVelocityUnitsPerS` (set-up speed).",
          1,
          100,
          25,
        ),
        maintenanceAllows: Type.Array(Type.Union(GUARDED_COMMANDS.map((c) => Type.Literal(c))), {
          default: ['home', 'enable', 'disable'],
          uniqueItems: true,
          description:
            "What a REST client may do to the line's axes in Maintenance mode (`move`, `jog`, `home`, `enable`, `disable`); stop is always allowed.",
        }),
      },
      { ...strict, description: 'PackML unit modes: what outside clients may do to the axes the line owns.' },
    ),
    rejectTiming: Type.Union([Type.Literal('auto'), Type.Literal('position'), Type.Literal('host')], {
      default: 'auto',
      description:
        "How the reject stroke is timed: `position`, armed on the controller and started when the conveyor passes the product (protocol v2 TMOVE); `host`, sent by the gateway's timer; `auto`, position where the controller can, else host with a warning.",
    }),
    rejectWithoutVerdict: Type.Boolean({
      default: true,
      description: 'Reject a product that reaches the reject station without a verdict (fail-safe).',
    }),
    commandLatencyMs: number(
      'One-way command latency to the controller, added to the stroke lead time.',
      0,
      1000,
      3,
    ),
    samplePeriodMs: integer('How often the belt position is read for reject timing.', 1, 100, 2),
    stationArmAheadMs: integer(
      "How far ahead of its start, in ms of belt travel, each station cycle is handed out (armed on the controller, or put on the gateway's timer). More tolerates a busier host; it costs the controller event buffer and queue (edge-gateway/README.md, Stations: sizing the controller).",
      50,
      2000,
      300,
    ),
    recentInspectionsMax: integer('How many verdicts `GET /api/v1/inspections` can return.', 1, 10_000, 500),
  },
  {
    ...strict,
    description:
      'The packaging line (`line: {}` for one with every default). Leave it out for a gateway that only drives axes: the motion API, the broker and the dashboard, no PackML line.',
  },
);

export const BridgeSchema = Type.Object(
  {
    publishIntervalMs: integer(
      'At most one state message per axis (and per link, and for counter-only line changes) per interval; the last value wins.',
      10,
      60_000,
      100,
    ),
    maxInspectionBytes: integer('Larger verdict messages are dropped unread.', 256, 1_048_576, 65_536),
  },
  { ...strict, description: 'The MQTT bridge.' },
);

/**
 * The motion API's own config (its schema, declared once in @servo-edge/motion-api) without `http` and
 * `auth`: the gateway serves the motion routes on its own HTTP server with its own keys, so those two
 * keys are refused here as unknown, with a hint to the top-level section.
 */
export const MotionSectionSchema = Type.Omit(MotionConfigSchema, ['http', 'auth'], {
  description:
    "Required. The motion API's config (`controllers`, `axes`, `reconnect`, `stream`, `moves`, `metrics`, `logLevel`; see [its reference](../services/motion-api/README.md#configuration-reference)) without `http` and `auth`: the gateway's own, above, serve the motion routes too.",
});

export const GatewayConfigSchema = Type.Object(
  {
    http: HttpSchema,
    auth: AuthSchema,
    mqtt: MqttSchema,
    topicPrefix: Type.Optional(
      Type.String({
        pattern: '^(?!\\$)[^/+#\\s]+(/[^/+#\\s]+)*$',
        patternDoc: 'topic levels separated by `/`, without wildcards, spaces, empty levels or a leading `$`',
        description:
          'Root of every MQTT topic: levels separated by `/`, no wildcards, no leading `$`. Default `servo-edge/<line.name>`, or `servo-edge` without a line.',
      }),
    ),
    // Optional, as a Moonraker or OctoPrint section is: absent means no line (a servo on a desk needs none).
    line: Type.Optional(LineSchema),
    bridge: BridgeSchema,
    motion: MotionSectionSchema,
  },
  strict,
);

/** The file as the schema checked it: defaults filled, secrets not yet read, env overrides not applied. */
export type GatewayConfigDocument = Static<typeof GatewayConfigSchema>;
