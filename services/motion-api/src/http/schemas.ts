// TypeBox schemas of every request and response of the REST API: fastify validates and serialises
// with them, handler types are inferred from them, and the OpenAPI document is generated from them.

import { type Static, Type } from '@sinclair/typebox';
import { DRIVER_KINDS } from '../drivers/driver.js';
import { MOTION_ERROR_CODES } from '../errors.js';
import { DEFAULT_LEASE_MS, LEASE_MAX_MS, LEASE_MIN_MS } from '../motion/jog-leases.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

export const ProblemSchema = Type.Object(
  {
    type: Type.String({ description: 'urn:servo-edge:motion-api:error:<code>' }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    instance: Type.String(),
    code: Type.Union(
      MOTION_ERROR_CODES.map((c) => Type.Literal(c)),
      { description: 'Stable error code; see the README.' },
    ),
  },
  { $id: 'Problem', additionalProperties: true, description: 'RFC 9457 problem details' },
);

const AxisState = Type.Union(
  ['DISABLED', 'IDLE', 'MOVING', 'HOMING', 'FAULT', 'ESTOP', 'UNKNOWN'].map((s) => Type.Literal(s)),
);

export const AxisStatusSchema = Type.Object(
  {
    name: Type.String(),
    controller: Type.String(),
    axis: Type.Integer(),
    unit: Type.String(),
    connected: Type.Boolean(),
    state: AxisState,
    position: Nullable(Type.Number()),
    velocity: Nullable(Type.Number()),
    target: Nullable(Type.Number()),
    enabled: Nullable(Type.Boolean()),
    homed: Type.Boolean(),
    homingRequired: Type.Boolean(),
    positionUncertain: Type.Boolean(),
    fault: Nullable(Type.String()),
    estop: Type.Boolean(),
    queue: Type.Object({ device: Type.Integer(), open: Type.Integer() }),
    limits: Type.Object({
      min: Type.Number(),
      max: Type.Number(),
      maxVelocity: Type.Number(),
      maxAcceleration: Type.Number(),
    }),
    defaults: Type.Object({ velocity: Type.Number(), acceleration: Type.Number() }),
  },
  { $id: 'AxisStatus' },
);

const MoveStatus = Type.Union(
  ['sending', 'queued', 'done', 'aborted', 'failed', 'unknown'].map((s) => Type.Literal(s)),
  {
    description:
      'unknown: sight was lost after the command was written; it is never re-sent and may still turn into done/aborted.',
  },
);
const MoveProblem = Nullable(
  Type.Object({
    code: Type.String(),
    detail: Type.String(),
    reason: Type.Optional(
      Type.String({
        description:
          'a stable token where there is more to say than the code: ABORTED why= on v2 links (STOP, ESTOP, FAULT, LATE, LIMIT), or EVENTS_LOST',
      }),
    ),
  }),
);

export const MoveRecordSchema = Type.Object(
  {
    moveId: Type.String(),
    kind: Type.Union([Type.Literal('single'), Type.Literal('coordinated')]),
    status: MoveStatus,
    createdAt: Type.String(),
    settledAt: Nullable(Type.String()),
    legs: Type.Array(
      Type.Object({
        axis: Type.String(),
        controller: Type.String(),
        targetPosition: Type.Number(),
        velocity: Type.Number(),
        acceleration: Type.Number(),
        status: MoveStatus,
        finalPosition: Nullable(Type.Number()),
        error: MoveProblem,
        trigger: Type.Optional(
          Type.Object(
            {
              axis: Type.String(),
              position: Type.Number(),
              direction: Type.Union([Type.Literal('increasing'), Type.Literal('decreasing')]),
              distanceFrom: Type.Optional(Type.Literal('trigger')),
            },
            { description: 'a position-triggered move: it starts when this axis passes this position' },
          ),
        ),
        started: Type.Optional(
          Nullable(
            Type.Object(
              {
                deviceTimeMs: Type.Number({
                  description: "the controller's clock at the crossing (STARTED t=)",
                }),
                at: Type.String({ description: 'when the API heard it, ISO 8601' }),
              },
              { description: 'when a triggered move fired; null while it is armed' },
            ),
          ),
        ),
      }),
    ),
    error: MoveProblem,
  },
  { $id: 'MoveRecord' },
);

export const MoveAcceptedSchema = Type.Object(
  { moveId: Type.String(), status: MoveStatus },
  { description: 'The controller accepted the move (or ?wait=true timed out before it finished).' },
);

/** JSON numbers are exact to ±(2^53-1) (PROTOCOL.md §v2 Positions); beyond that a position would be rounded. */
const finite = { minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER };
export const MoveBodySchema = Type.Object(
  {
    position: Type.Optional(Type.Number({ ...finite, description: 'Absolute target, axis units' })),
    distance: Type.Optional(
      Type.Number({
        ...finite,
        description: 'Relative to the end of the moves still open on the axis, else to the current position',
      }),
    ),
    velocity: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1e12, description: 'units/s' })),
    acceleration: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1e12, description: 'units/s²' })),
  },
  { additionalProperties: false, description: 'Exactly one of position and distance.' },
);

export const TriggerSchema = Type.Object(
  {
    axis: Type.String({ minLength: 1, maxLength: 64, description: 'another axis of the same controller' }),
    position: Type.Optional(Type.Number({ ...finite, description: "where it fires, in that axis's units" })),
    positionCounts: Type.Optional(
      Type.Integer({ ...finite, description: "where it fires, in that axis's counts (instead of position)" }),
    ),
    direction: Type.Union([Type.Literal('increasing'), Type.Literal('decreasing')], {
      description: 'the trigger axis passes the position while its position increases, or decreases',
    }),
    distanceFrom: Type.Optional(
      Type.Union([Type.Literal('queue'), Type.Literal('trigger')], {
        description:
          'what distance counts from: queue (default), the end of the moves open when this one is sent; trigger, where the axis stands when it fires (PROTOCOL.md §v2 Triggered steps; 409 NOT_SUPPORTED_BY_CONTROLLER without positionTriggeredSteps)',
      }),
    ),
  },
  {
    additionalProperties: false,
    description:
      'Position-triggered move (servo-edge v2, PROTOCOL.md §v2 Triggered moves): armed on the controller, started when the trigger axis crosses the position. 409 NOT_SUPPORTED_BY_CONTROLLER where the controller cannot.',
  },
);

export const SingleMoveBodySchema = Type.Object(
  { ...MoveBodySchema.properties, trigger: Type.Optional(TriggerSchema) },
  {
    additionalProperties: false,
    description:
      'Exactly one of position and distance; with trigger, the move waits for it on the controller.',
  },
);

export const CoordinatedMoveBodySchema = Type.Object(
  {
    axes: Type.Array(
      Type.Object(
        { axis: Type.String({ minLength: 1, maxLength: 64 }), ...MoveBodySchema.properties },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 64 },
    ),
  },
  { additionalProperties: false },
);

export const JogBodySchema = Type.Object(
  {
    velocity: Type.Number({ minimum: -1e12, maximum: 1e12, description: 'Signed, units/s; 0 stops' }),
    acceleration: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1e12 })),
    leaseMs: Type.Integer({
      minimum: LEASE_MIN_MS,
      maximum: LEASE_MAX_MS,
      default: DEFAULT_LEASE_MS,
      description:
        'Hold-to-run: the axis stops unless POST /axes/:name/jog/renew comes within this many ms (PROTOCOL.md §v2 Jog lease)',
    }),
  },
  { additionalProperties: false },
);

export const JogLeaseSchema = Type.Object(
  {
    id: Type.String({ description: 'renew with POST /axes/:name/jog/renew {leaseId}' }),
    leaseMs: Type.Integer(),
    expiresAt: Type.String({ description: 'when the axis stops if not renewed, ISO 8601' }),
    enforcedBy: Type.Union([Type.Literal('controller'), Type.Literal('host')], {
      description: 'controller: the controller stops the axis itself (servo-edge v2); host: the API does',
    }),
  },
  { description: "A jog's lease" },
);

export const JogResultSchema = Type.Object(
  { ...AxisStatusSchema.properties, lease: Type.Optional(JogLeaseSchema) },
  { description: 'The axis after the jog, and its lease (none for velocity 0, which stops)' },
);

export const JogRenewBodySchema = Type.Object(
  { leaseId: Type.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
);

export const WaitQuerySchema = Type.Object(
  {
    wait: Type.Boolean({ default: false, description: 'Answer when the move or homing has finished' }),
    timeoutMs: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 3_600_000,
        description: 'Longest wait; capped by moves.maxWaitMs',
      }),
    ),
  },
  { additionalProperties: false },
);

export const AxisParamsSchema = Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }) });
export const MoveParamsSchema = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export const HomeResultSchema = Type.Object({
  axis: Type.String(),
  status: Type.Union([Type.Literal('homing'), Type.Literal('homed')]),
});

export const EstopResultSchema = Type.Object({
  delivered: Type.Boolean(),
  controllers: Type.Array(Type.Object({ id: Type.String(), delivered: Type.Boolean() })),
});

export const ResetResultSchema = Type.Object({
  ok: Type.Boolean(),
  controllers: Type.Array(
    Type.Object({ id: Type.String(), ok: Type.Boolean(), code: Nullable(Type.String()) }),
  ),
});

const LinkState = Type.Union(
  ['idle', 'connecting', 'probing', 'handshaking', 'configuring', 'ready', 'backoff', 'closed'].map((s) =>
    Type.Literal(s),
  ),
);

const Support = Type.Union([Type.Literal('native'), Type.Literal('host'), Type.Literal('none')]);

export const CapabilitiesSchema = Type.Object(
  {
    protocol: Type.String({
      description: 'the protocol and version spoken: servo-edge/1, maestro-compact, dynamixel/2.0',
    }),
    moveQueue: Type.Union([Type.Literal('device'), Type.Literal('host')], {
      description: "moves wait in the device's queue, or in the driver's",
    }),
    completion: Type.Union([Type.Literal('event'), Type.Literal('polling')], {
      description: 'the end of a move is reported by the device, or found by polling its position',
    }),
    position: Type.Union([Type.Literal('homing'), Type.Literal('absolute')], {
      description: 'axes are homed (MC_Home), or know their position without homing',
    }),
    hardwareWatchdog: Type.Boolean({ description: 'the device stops its axes when the host goes quiet' }),
    positionTriggeredMoves: Type.Boolean({
      description:
        'moves that the controller starts when another of its axes passes a position (servo-edge v2 TRIG)',
    }),
    positionTriggeredSteps: Type.Boolean({
      description:
        'triggered moves by a distance from where the axis stands when they fire (servo-edge v2 TSTEP)',
    }),
    eventDelivery: Type.Optional(
      Type.Union([Type.Literal('exactly-once'), Type.Literal('best-effort')], {
        description:
          'exactly-once: move outcomes are acknowledged and retransmitted (servo-edge v2), so a move ends done or aborted unless the controller is lost',
      }),
    ),
    jogLease: Type.Optional(
      Type.Union([Type.Literal('native'), Type.Literal('host'), Type.Literal('none')], {
        description:
          "a jog's dead-man: native, the controller stops the axis when the lease is not renewed; host, the API's timer does",
      }),
    ),
    maxPositionCounts: Type.Optional(
      Type.Integer({ description: 'the largest |position| in counts the controller takes on this link' }),
    ),
    realtimeStop: Type.Boolean({
      description: 'the software stop overtakes queued commands on the wire (else it is the fastest command)',
    }),
    commands: Type.Object(
      { power: Support, home: Support, jog: Support, coordinatedStart: Support },
      {
        description:
          'native: the device does it; host: emulated by the driver; none: NOT_SUPPORTED_BY_CONTROLLER',
      },
    ),
  },
  { description: "What the controller's driver can do" },
);

export const ControllerStatusSchema = Type.Object(
  {
    id: Type.String(),
    path: Type.String(),
    driver: Type.Union(DRIVER_KINDS.map((kind) => Type.Literal(kind))),
    capabilities: CapabilitiesSchema,
    state: LinkState,
    connected: Type.Boolean(),
    rttMs: Nullable(Type.Number()),
    retransmits: Type.Integer(),
    timeouts: Type.Integer(),
    crcErrors: Type.Integer(),
    linkErrorReplies: Type.Integer(),
    duplicateReplies: Type.Integer(),
    framesSent: Type.Integer(),
    bytesIn: Type.Integer(),
    bytesOut: Type.Integer(),
    pendingRequests: Type.Integer(),
    sessions: Type.Integer(),
    reconnects: Type.Integer(),
    device: Nullable(
      Type.Object({
        proto: Type.Integer(),
        fw: Type.String(),
        axes: Type.Integer(),
        rx: Type.Integer(),
        win: Type.Integer(),
        qd: Type.Integer(),
        wd: Type.Integer(),
        ev: Type.Optional(Type.Integer()),
        pmax: Type.Optional(Type.Integer()),
        feat: Type.Optional(Type.Array(Type.String())),
      }),
    ),
    proto: Nullable(
      Type.Integer({ description: 'the protocol version negotiated on the link (servo-edge 1 or 2)' }),
    ),
    features: Type.Array(Type.String(), {
      description:
        "the newest protocol version's optional features this link has (servo-edge v2: TRIG, LEASE)",
    }),
    missingFeatures: Type.Array(Type.String(), {
      description: 'the features it lacks (all of them on a v1 link)',
    }),
    events: Type.Optional(
      Type.Object(
        {
          delivered: Type.Integer(),
          duplicates: Type.Integer(),
          gaps: Type.Integer(),
          acks: Type.Integer(),
          overflows: Type.Integer(),
        },
        {
          description:
            'servo-edge v2 event delivery: events delivered, copies sent again by the device, events that arrived ahead of a missing one (a resend was asked for), ACKs sent, OVERFLOWs',
        },
      ),
    ),
    lastError: Nullable(Type.Object({ code: Type.String(), message: Type.String(), at: Type.String() })),
    estopLatched: Type.Boolean(),
    axes: Type.Array(Type.String()),
  },
  { $id: 'ControllerStatus' },
);

export const StreamQuerySchema = Type.Object(
  { rateHz: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })) },
  { additionalProperties: false },
);

export const HealthSchema = Type.Object({ status: Type.Literal('ok') });
export const ReadySchema = Type.Object({
  status: Type.Literal('ready'),
  controllers: Type.Array(Type.Object({ id: Type.String(), state: LinkState })),
});

/** The error responses every route may give, for the OpenAPI document and serialisation. */
export const problemResponses = {
  '4xx': Type.Ref(ProblemSchema),
  '5xx': Type.Ref(ProblemSchema),
};

/** Schemas referenced by $id: registered once with addSchema, listed as OpenAPI components. */
export const SHARED_SCHEMAS = [ProblemSchema, AxisStatusSchema, MoveRecordSchema, ControllerStatusSchema];

export type MoveBody = Static<typeof MoveBodySchema>;
export type CoordinatedMoveBody = Static<typeof CoordinatedMoveBodySchema>;
