// The configuration schema of the motion API (motion.yaml): every key, its bounds and its default.
// Unknown keys are refused (no object sets additionalProperties: true) so a typo is an error, not a
// silent default. `description` is the doc line of the README's configuration reference. Sections have
// no `default: {}`: the common walker fills a section that is left out key by key, from its keys' defaults.

import { LOG_LEVELS } from '@servo-edge/common/log';
import { type Static, Type } from '@sinclair/typebox';
import type { XSeriesModel } from '../drivers/dynamixel/control-table.js';
import { DRIVER_KINDS, SOFTWARE_STOP_MODES } from '../drivers/kinds.js';
import { MAESTRO_DEFAULT_DEVICE_NUMBER, type MaestroChannelCount } from '../drivers/maestro/commands.js';

const strict = { additionalProperties: false } as const;

// Literal lists, not the codecs' constants: the schema's type is part of the package's declarations (the
// gateway embeds it), and must not name a codec module. `satisfies` keeps them within the codecs' types;
// drivers-config.test.ts checks they list the same values.
/** The Maestro models by channel count (MAESTRO_CHANNEL_COUNTS). */
export const MAESTRO_CHANNEL_CHOICES = [6, 12, 18, 24] as const satisfies readonly MaestroChannelCount[];
/** The X-series models the Dynamixel driver knows (X_SERIES_MODEL_NUMBERS). */
export const DYNAMIXEL_MODEL_CHOICES = [
  'XL430-W250',
  'XM430-W210',
  'XM430-W350',
] as const satisfies readonly XSeriesModel[];
const Id = (description: string) =>
  Type.String({
    pattern: '^[a-z0-9][a-z0-9_-]{0,62}$',
    patternDoc: 'a lower-case id: a-z, 0-9, _ and -, starting with a letter or digit, at most 63 characters',
    description,
  });
const Int = (min: number, max: number, def: number | undefined, description: string) =>
  Type.Integer({ minimum: min, maximum: max, description, ...(def === undefined ? {} : { default: def }) });

export const RoleSchema = Type.Union(
  [Type.Literal('viewer'), Type.Literal('operator'), Type.Literal('admin')],
  { description: '`viewer`, `operator` or `admin`' },
);
export type Role = Static<typeof RoleSchema>;

export const ApiKeySchema = Type.Object(
  {
    id: Id('name of the key in logs and metrics (the key itself is never logged)'),
    key: Type.Optional(
      Type.String({ minLength: 16, maxLength: 256, description: 'the key, 16 to 256 printable characters' }),
    ),
    sha256: Type.Optional(
      Type.String({
        pattern: '^[0-9a-f]{64}$',
        patternDoc: '64 lower-case hex digits',
        description: 'or its SHA-256 digest in lower-case hex, to keep the key out of the file',
      }),
    ),
    role: RoleSchema,
  },
  strict,
);

export const HttpSchema = Type.Object(
  {
    host: Type.String({ default: '127.0.0.1', minLength: 1, description: 'address to listen on' }),
    port: Int(0, 65535, 8080, '0 picks a free port'),
    bodyLimitBytes: Int(256, 1_048_576, 16_384, 'largest request body'),
    trustProxy: Type.Boolean({
      default: false,
      description: 'take the client address from X-Forwarded-For (behind a reverse proxy)',
    }),
  },
  strict,
);

export const RateLimitSchema = Type.Object(
  {
    maxRequests: Int(1, 1_000_000, 600, 'requests per key per window'),
    windowMs: Int(100, 3_600_000, 60_000, 'the window'),
  },
  strict,
);

export const AuthSchema = Type.Object(
  {
    disabled: Type.Boolean({
      default: false,
      description:
        'dev mode: no keys, every request is admin. Only allowed when `http.host` is a loopback address; logs a warning at start',
    }),
    keys: Type.Array(ApiKeySchema, { default: [], maxItems: 256 }),
    rateLimit: RateLimitSchema,
  },
  strict,
);

/** Settings of a `driver: maestro` controller (Pololu Maestro User's Guide §5.a-5.e). */
export const MaestroSettingsSchema = Type.Object(
  {
    channels: Type.Union(
      MAESTRO_CHANNEL_CHOICES.map((n) => Type.Literal(n)),
      { description: 'the model: `6` (Micro Maestro), `12`, `18` or `24` (Mini Maestro)' },
    ),
    protocol: Type.Union([Type.Literal('compact'), Type.Literal('pololu')], {
      default: 'compact',
      description:
        '`compact` (one Maestro on the port), or `pololu` (0xAA and the device number: several Maestros on one TTL line)',
    }),
    deviceNumber: Int(
      0,
      127,
      MAESTRO_DEFAULT_DEVICE_NUMBER,
      "the Maestro's device number, for the Pololu protocol (the Control Center's Serial Settings)",
    ),
    crc7: Type.Boolean({
      default: false,
      description: 'append the CRC-7 byte to every command; needs "Enable CRC" in the Serial Settings',
    }),
    errorPollMs: Int(100, 60_000, 1000, 'Get Errors is read this often (and on connect)'),
  },
  strict,
);

/** Settings of a `driver: dynamixel` controller (ROBOTIS e-Manual, Protocol 2.0). */
export const DynamixelSettingsSchema = Type.Object(
  {
    protocol: Type.Union([Type.Literal('2.0')], {
      default: '2.0',
      description:
        'the DYNAMIXEL protocol: `2.0` (the only one this driver speaks; set Protocol Type 13 to 2)',
    }),
  },
  strict,
);

export const ControllerSchema = Type.Object(
  {
    id: Id('controller name'),
    driver: Type.Union(
      DRIVER_KINDS.map((kind) => Type.Literal(kind)),
      {
        default: 'servo-edge',
        description:
          "the controller's protocol: `servo-edge`, `maestro` (Pololu Maestro) or `dynamixel` (Protocol 2.0)",
      },
    ),
    path: Type.String({
      minLength: 1,
      maxLength: 512,
      description: '`/dev/ttyACM0`, `/dev/serial/by-id/...`, or `sim://<id>`',
    }),
    baud: Int(
      1200,
      4_500_000,
      115_200,
      'line rate; a Dynamixel bus takes 9600, 57600 (the X-series factory setting), 115200, 1M, 2M, 3M, 4M or 4.5M',
    ),
    replyTimeoutMs: Int(20, 10_000, 250, 'reply wait beyond the wire time of the bytes queued ahead'),
    maxRetransmits: Int(
      0,
      20,
      5,
      'servo-edge v1: retransmissions of one frame before the link is declared lost (a v2 link is lost only on evidence: BOOT, unplug, silence past the watchdog, PROTOCOL.md §v2 Liveness)',
    ),
    maxProtocol: Type.Union([Type.Literal(1), Type.Literal(2)], {
      default: 2,
      description:
        'servo-edge: the highest protocol version to ask for in HELLO (PROTOCOL.md §v2 Negotiation); a v1 device answers v1 either way. 1 forces v1',
    }),
    streamHz: Int(
      0,
      200,
      20,
      'telemetry rate: POS asked of a servo-edge controller, the position polls of a Maestro or Dynamixel (0 off, at most 200)',
    ),
    watchdogMs: Type.Optional(
      Int(
        20,
        60_000,
        undefined,
        'servo-edge: sent with WDOG after HELLO (100 to 60000). Dynamixel: the Bus Watchdog (20 to 2540, in 20 ms steps; 500 if absent). Not for a Maestro',
      ),
    ),
    maxPendingRequests: Int(1, 4096, 256, 'requests waiting for window space on the link'),
    maestro: Type.Optional(MaestroSettingsSchema),
    dynamixel: Type.Optional(DynamixelSettingsSchema),
  },
  strict,
);

/** Settings of an axis on a `driver: dynamixel` controller. */
export const DynamixelAxisSchema = Type.Object(
  {
    model: Type.Union(
      DYNAMIXEL_MODEL_CHOICES.map((m) => Type.Literal(m)),
      { description: 'the servo model the ID must answer as (its Model Number, checked at discovery)' },
    ),
    operatingMode: Type.Union([Type.Literal('position'), Type.Literal('extended-position')], {
      default: 'position',
      description:
        '`position` (one turn, 0-4095) or `extended-position` (multi-turn, ±256 rev); written while torque is off',
    }),
  },
  strict,
);

export const AxisSchema = Type.Object(
  {
    name: Id("the axis's name in the API"),
    controller: Id("the controller's id"),
    axis: Int(
      0,
      252,
      undefined,
      "the axis's address in its driver's numbering: servo-edge axis number (1-64), Maestro channel as printed on the board (0-23), Dynamixel ID (0-252)",
    ),
    unit: Type.String({ minLength: 1, maxLength: 16, description: 'user unit, e.g. `mm` or `deg`' }),
    countsPerUnit: Type.Number({
      exclusiveMinimum: 0,
      maximum: 1e9,
      description:
        "the driver's counts per unit: encoder counts, Maestro quarter-µs, Dynamixel pulses (4096 a turn)",
    }),
    countAtZero: Int(
      -2_147_483_647,
      2_147_483_647,
      0,
      "the count at user-unit zero: position = (count - countAtZero) / countsPerUnit (a hobby servo's 1500 µs centre is 6000 quarter-µs)",
    ),
    minUnits: Type.Number({
      description: 'lower soft limit (refused on the host; sent as SET MIN to servo-edge)',
    }),
    maxUnits: Type.Number({
      description: 'upper soft limit (refused on the host; sent as SET MAX to servo-edge)',
    }),
    maxVelocityUnitsPerS: Type.Number({ exclusiveMinimum: 0, description: 'SET VMAX' }),
    maxAccelerationUnitsPerS2: Type.Number({ exclusiveMinimum: 0, description: 'SET AMAX' }),
    defaultVelocityUnitsPerS: Type.Number({
      exclusiveMinimum: 0,
      description: 'velocity of a move that gives none',
    }),
    defaultAccelerationUnitsPerS2: Type.Number({
      exclusiveMinimum: 0,
      description: 'acceleration of a move that gives none',
    }),
    followingErrorLimitUnits: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, description: "SET FERR; the controller's default when absent" }),
    ),
    homingRequired: Type.Boolean({
      default: true,
      description:
        'moves are refused until the axis is homed (since start-up or a controller reboot); a Maestro or Dynamixel axis knows its position and is always homed',
    }),
    softwareStop: Type.Optional(
      Type.Union(
        SOFTWARE_STOP_MODES.map((mode) => Type.Literal(mode)),
        {
          description:
            'Maestro and Dynamixel: what the software stop does to this axis: `hold` (stop where it is, powered; the default) or `limp` (outputs off: it may drop a load). See the drivers section',
        },
      ),
    ),
    dynamixel: Type.Optional(DynamixelAxisSchema),
  },
  strict,
);

export const ReconnectSchema = Type.Object(
  {
    initialDelayMs: Int(10, 60_000, 200, 'first reconnect delay'),
    maxDelayMs: Int(10, 600_000, 10_000, 'cap of the exponential backoff'),
    multiplier: Type.Number({
      minimum: 1,
      maximum: 10,
      default: 2,
      description: 'growth per failed attempt',
    }),
    connectTimeoutMs: Int(
      100,
      60_000,
      3_000,
      'bound on opening the port and probing the device, per attempt',
    ),
  },
  strict,
);

export const StreamSchema = Type.Object(
  {
    rateHz: Int(1, 100, 10, 'WebSocket updates per second (a client may ask for fewer with ?rateHz=)'),
    maxBufferedBytes: Int(
      1024,
      16_777_216,
      262_144,
      'a client with more unsent bytes is dropped (close code 1013)',
    ),
    maxQueuedEvents: Int(
      1,
      100_000,
      512,
      'events held for one client between two updates; overflow drops it',
    ),
    maxClients: Int(1, 1024, 32, 'WebSocket clients at once'),
  },
  strict,
);

export const MovesSchema = Type.Object(
  {
    historySize: Int(1, 1_000_000, 1000, 'finished moves kept for `GET /moves/:id`'),
    maxWaitMs: Int(
      100,
      3_600_000,
      120_000,
      "longest `?wait=true`; after it the answer is 202 with the move's status",
    ),
    pollIntervalMs: Int(
      50,
      60_000,
      1000,
      'while moves are queued, a quiet axis is read this often, so a DONE/ABORTED lost on the line is noticed',
    ),
  },
  strict,
);

export const MetricsSchema = Type.Object(
  {
    public: Type.Boolean({ default: false, description: 'serve `/metrics` without a key' }),
  },
  strict,
);

export const MotionConfigSchema = Type.Object(
  {
    http: HttpSchema,
    auth: AuthSchema,
    controllers: Type.Array(ControllerSchema, { minItems: 1, maxItems: 32 }),
    axes: Type.Array(AxisSchema, { minItems: 1, maxItems: 256 }),
    reconnect: ReconnectSchema,
    stream: StreamSchema,
    moves: MovesSchema,
    metrics: MetricsSchema,
    logLevel: Type.Union(
      LOG_LEVELS.map((level) => Type.Literal(level)),
      {
        default: 'info',
        description: "`debug`, `info`, `warn`, `error` or `silent` (the common logger's levels)",
      },
    ),
  },
  strict,
);

export type MotionConfig = Static<typeof MotionConfigSchema>;
export type ControllerConfig = Static<typeof ControllerSchema>;
export type MaestroSettings = Static<typeof MaestroSettingsSchema>;
export type DynamixelSettings = Static<typeof DynamixelSettingsSchema>;
export type DynamixelAxisSettings = Static<typeof DynamixelAxisSchema>;
export type AxisConfig = Static<typeof AxisSchema>;
export type AuthConfig = Static<typeof AuthSchema>;
export type ApiKeyConfig = Static<typeof ApiKeySchema>;
export type ReconnectConfig = Static<typeof ReconnectSchema>;
export type StreamConfig = Static<typeof StreamSchema>;
export type MovesConfig = Static<typeof MovesSchema>;
