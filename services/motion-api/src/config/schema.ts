// The configuration schema of the motion API (motion.yaml): every key, its bounds and its default.
// Unknown keys are refused (additionalProperties: false) so a typo is an error, not a silent default.

import { type Static, Type } from '@sinclair/typebox';

const strict = { additionalProperties: false } as const;
const Id = Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,62}$', description: 'lower-case id' });
const Int = (min: number, max: number, def?: number) =>
  Type.Integer({ minimum: min, maximum: max, ...(def === undefined ? {} : { default: def }) });

export const RoleSchema = Type.Union([
  Type.Literal('viewer'),
  Type.Literal('operator'),
  Type.Literal('admin'),
]);
export type Role = Static<typeof RoleSchema>;

export const ApiKeySchema = Type.Object(
  {
    /** Shown in logs and metrics instead of the key. */
    id: Id,
    /** The key itself (at least 16 characters), or use sha256 to keep it out of the file. */
    key: Type.Optional(Type.String({ minLength: 16, maxLength: 256 })),
    /** Lower-case hex SHA-256 of the key. */
    sha256: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$' })),
    role: RoleSchema,
  },
  strict,
);

export const HttpSchema = Type.Object(
  {
    host: Type.String({ default: '127.0.0.1', minLength: 1 }),
    port: Int(0, 65535, 8080),
    bodyLimitBytes: Int(256, 1_048_576, 16_384),
    /** Behind a reverse proxy, trust X-Forwarded-For for the client address. */
    trustProxy: Type.Boolean({ default: false }),
  },
  strict,
);

export const AuthSchema = Type.Object(
  {
    /** Dev mode: no API keys. Only allowed when http.host is a loopback address; logs a warning. */
    disabled: Type.Boolean({ default: false }),
    keys: Type.Array(ApiKeySchema, { default: [], maxItems: 256 }),
    rateLimit: Type.Object(
      {
        maxRequests: Int(1, 1_000_000, 600),
        windowMs: Int(100, 3_600_000, 60_000),
      },
      { ...strict, default: {} },
    ),
  },
  { ...strict, default: {} },
);

export const ControllerSchema = Type.Object(
  {
    id: Id,
    /** /dev/ttyACM0, /dev/serial/by-id/..., or sim://<id> for a simulated controller. */
    path: Type.String({ minLength: 1, maxLength: 512 }),
    baud: Int(1200, 4_000_000, 115_200),
    /** Reply wait beyond the wire time of the bytes ahead (HostSession replyTimeoutMs). */
    replyTimeoutMs: Int(20, 10_000, 250),
    /** Retransmissions of one frame before the link is declared lost. */
    maxRetransmits: Int(0, 20, 5),
    /** POS telemetry rate requested from the controller (STREAM; 0 = off, at most 200). */
    streamHz: Int(0, 200, 20),
    /** Watchdog period sent with WDOG after HELLO; the controller's default when absent. */
    watchdogMs: Type.Optional(Int(100, 60_000)),
    /** Requests waiting for window space on this link. */
    maxPendingRequests: Int(1, 4096, 256),
  },
  strict,
);

export const AxisSchema = Type.Object(
  {
    name: Id,
    controller: Id,
    /** Axis number on the controller, 1-based. */
    axis: Int(1, 64),
    /** User unit shown in the API, e.g. mm or deg. */
    unit: Type.String({ minLength: 1, maxLength: 16 }),
    countsPerUnit: Type.Number({ exclusiveMinimum: 0, maximum: 1e9 }),
    minUnits: Type.Number(),
    maxUnits: Type.Number(),
    maxVelocityUnitsPerS: Type.Number({ exclusiveMinimum: 0 }),
    maxAccelerationUnitsPerS2: Type.Number({ exclusiveMinimum: 0 }),
    defaultVelocityUnitsPerS: Type.Number({ exclusiveMinimum: 0 }),
    defaultAccelerationUnitsPerS2: Type.Number({ exclusiveMinimum: 0 }),
    /** Following-error limit (SET FERR); the controller's default when absent. */
    followingErrorLimitUnits: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    /** Moves are refused until the axis has been homed since start-up or since a controller reboot. */
    homingRequired: Type.Boolean({ default: true }),
  },
  strict,
);

export const ReconnectSchema = Type.Object(
  {
    initialDelayMs: Int(10, 60_000, 200),
    maxDelayMs: Int(10, 600_000, 10_000),
    multiplier: Type.Number({ minimum: 1, maximum: 10, default: 2 }),
    /** Bound on opening the port and probing the device, per attempt. */
    connectTimeoutMs: Int(100, 60_000, 3_000),
  },
  { ...strict, default: {} },
);

export const StreamSchema = Type.Object(
  {
    /** Default WebSocket update rate; a client may ask for less with ?rateHz=. */
    rateHz: Int(1, 100, 10),
    /** A client whose unsent data exceeds this is dropped (close code 1013). */
    maxBufferedBytes: Int(1024, 16_777_216, 262_144),
    /** Events held for one client between two updates; overflow drops the client. */
    maxQueuedEvents: Int(1, 100_000, 512),
    maxClients: Int(1, 1024, 32),
  },
  { ...strict, default: {} },
);

export const MovesSchema = Type.Object(
  {
    /** Finished moves kept for GET /moves/:id. */
    historySize: Int(1, 1_000_000, 1000),
    /** Longest ?wait=true; after it the answer is 202 with the move's current status. */
    maxWaitMs: Int(100, 3_600_000, 120_000),
    /**
     * While moves are queued on an axis, it is read (GET) this often when no event came, so a
     * DONE/ABORTED lost on the line is noticed (the move is then reported unknown).
     */
    pollIntervalMs: Int(50, 60_000, 1000),
  },
  { ...strict, default: {} },
);

export const MetricsSchema = Type.Object(
  {
    /** Serve /metrics without an API key (for a scraper on a trusted network). */
    public: Type.Boolean({ default: false }),
  },
  { ...strict, default: {} },
);

export const MotionConfigSchema = Type.Object(
  {
    http: Type.Object(HttpSchema.properties, { ...strict, default: {} }),
    auth: AuthSchema,
    controllers: Type.Array(ControllerSchema, { minItems: 1, maxItems: 32 }),
    axes: Type.Array(AxisSchema, { minItems: 1, maxItems: 256 }),
    reconnect: ReconnectSchema,
    stream: StreamSchema,
    moves: MovesSchema,
    metrics: MetricsSchema,
    /** pino level. */
    logLevel: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
      { default: 'info' },
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
