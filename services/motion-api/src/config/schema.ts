// The configuration schema of the motion API (motion.yaml): every key, its bounds and its default.
// Unknown keys are refused (no object sets additionalProperties: true) so a typo is an error, not a
// silent default. `description` is the doc line of the README's configuration reference. Sections have
// no `default: {}`: the common walker fills a section that is left out key by key, from its keys' defaults.

import { LOG_LEVELS } from '@servo-edge/common/log';
import { type Static, Type } from '@sinclair/typebox';

const strict = { additionalProperties: false } as const;
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

export const ControllerSchema = Type.Object(
  {
    id: Id('controller name'),
    path: Type.String({
      minLength: 1,
      maxLength: 512,
      description: '`/dev/ttyACM0`, `/dev/serial/by-id/...`, or `sim://<id>`',
    }),
    baud: Int(1200, 4_000_000, 115_200, 'line rate'),
    replyTimeoutMs: Int(20, 10_000, 250, 'reply wait beyond the wire time of the bytes queued ahead'),
    maxRetransmits: Int(0, 20, 5, 'retransmissions of one frame before the link is declared lost'),
    streamHz: Int(0, 200, 20, 'POS telemetry rate asked of the controller (0 off, at most 200)'),
    watchdogMs: Type.Optional(Int(100, 60_000, undefined, 'sent with WDOG after HELLO (100 to 60000)')),
    maxPendingRequests: Int(1, 4096, 256, 'requests waiting for window space on the link'),
  },
  strict,
);

export const AxisSchema = Type.Object(
  {
    name: Id("the axis's name in the API"),
    controller: Id("the controller's id"),
    axis: Int(1, 64, undefined, 'axis number on that controller, from 1'),
    unit: Type.String({ minLength: 1, maxLength: 16, description: 'user unit, e.g. `mm` or `deg`' }),
    countsPerUnit: Type.Number({ exclusiveMinimum: 0, maximum: 1e9, description: 'encoder counts per unit' }),
    minUnits: Type.Number({ description: 'lower soft limit (sent as SET MIN)' }),
    maxUnits: Type.Number({ description: 'upper soft limit (sent as SET MAX)' }),
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
      description: 'moves are refused until the axis is homed (since start-up or a controller reboot)',
    }),
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
export type AxisConfig = Static<typeof AxisSchema>;
export type AuthConfig = Static<typeof AuthSchema>;
export type ApiKeyConfig = Static<typeof ApiKeySchema>;
export type ReconnectConfig = Static<typeof ReconnectSchema>;
export type StreamConfig = Static<typeof StreamSchema>;
export type MovesConfig = Static<typeof MovesSchema>;
