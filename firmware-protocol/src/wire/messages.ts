// The one table of the protocol, v1 and v2 (§Commands, §Events, §Error codes, §v2 New commands,
// §v2 New events): every verb, argument, reply field, event and error code is declared here once,
// v2 additions marked `since: 2`. Types, validation and the encoders/decoders are derived from it.

/** A protocol version a session can speak (§v2 Negotiation). */
export type ProtocolVersion = 1 | 2;
/** The highest version this package speaks. */
export const MAX_PROTOCOL_VERSION = 2 satisfies ProtocolVersion;

/** How a value is written on the wire. */
export type ValueType =
  | 'uint' // decimal, no leading zeros, 0..2^31-1
  | 'posint' // uint > 0
  | 'int' // optional '-', no leading zeros, |x| <= 2^31-1
  | 'semver' // MAJOR.MINOR.PATCH
  | 'intList' // comma-separated ints, e.g. POS p=1,-2,3
  | 'i64' // §v2 Positions: like int, |x| <= 2^63-1 on the wire; read only within ±(2^53-1)
  | 'u64' // like uint, 0..2^63-1 on the wire; read only up to 2^53-1
  | 'i64List' // comma-separated i64
  | 'bound64' // a u64 bound (pmax): read as min(value, 2^53-1), since a bigger bound is no use to a JS host
  | 'tokenList' // comma-separated upper-case tokens, NONE for the empty list (HELLO feat=)
  | 'direction' // 1 or -1 (TMOVE dir)
  // Versioned (§v2 Positions): the wire type depends on the session's version.
  | 'position' // int in v1, i64 in v2
  | 'positionList' // intList in v1, i64List in v2
  | 'deviceTime' // uint in v1, u64 in v2 (ms since boot)
  | { readonly enum: readonly string[] };

/** The wire type of a versioned value type in a session of `version` (§v2 Positions). */
export const VERSIONED_TYPES = {
  position: { 1: 'int', 2: 'i64' },
  positionList: { 1: 'intList', 2: 'i64List' },
  deviceTime: { 1: 'uint', 2: 'u64' },
} as const satisfies Record<string, Record<ProtocolVersion, ValueType>>;

/**
 * A reply or event field: a bare ValueType is a v1 field, always present. `since: 2` fields exist
 * only in v2 sessions (a v1 encoder leaves them out, a v1 decoder ignores them); `optional` fields
 * may be absent.
 */
export type FieldSpec =
  | ValueType
  | { readonly type: ValueType; readonly since?: 2; readonly optional?: true };
/** A positional command argument; `since` and `optional` as for FieldSpec. Optional args come last. */
export interface ArgSpec {
  readonly name: string;
  readonly type: ValueType;
  readonly since?: 2;
  readonly optional?: true;
}

/** §v2 Negotiation: the optional v2 features a device may advertise in HELLO's `feat=`. */
export const FEATURES = ['TRIG', 'TSTEP', 'LEASE'] as const;
export type Feature = (typeof FEATURES)[number];

export const AXIS_STATES = ['DISABLED', 'IDLE', 'MOVING', 'HOMING', 'FAULT', 'ESTOP'] as const;
export const LIMIT_KEYS = ['MIN', 'MAX', 'VMAX', 'AMAX', 'FERR'] as const;
export const FAULT_CODES = ['FERR', 'LIMIT', 'WATCHDOG', 'HOME', 'DRIVE'] as const;
export const ESTOP_SOURCES = ['host', 'input'] as const;
/** §v2 Triggered moves: why a move was ABORTED (v2, optional). */
export const ABORT_REASONS = ['STOP', 'ESTOP', 'FAULT', 'LATE', 'LIMIT'] as const;

/** §Error codes: every code a device may put after ERR. */
export const WIRE_ERROR_CODES = [
  'CRC',
  'SYNTAX',
  'TOO_LONG',
  'SEQ',
  'HELLO',
  'VERB',
  'ARGS',
  'AXIS',
  'RANGE',
  'STATE',
  'ESTOP',
  'QFULL',
] as const;
export type WireErrorCode = (typeof WIRE_ERROR_CODES)[number];
/** Errors about the line itself: not executed, not cached, never seen by an application. */
export const LINK_ERROR_CODES = [
  'CRC',
  'SYNTAX',
  'TOO_LONG',
  'SEQ',
  'HELLO',
] as const satisfies readonly WireErrorCode[];

const axis = { name: 'axis', type: 'uint' } as const;

/** A triggered move's profile and trigger, the same for TMOVE and TSTEP (§v2 Triggered moves). */
const triggerArgs = [
  { name: 'vel', type: 'posint' },
  { name: 'acc', type: 'posint' },
  { name: 'src', type: 'uint' },
  { name: 'at', type: 'position' },
  { name: 'dir', type: 'direction' },
] as const;

/**
 * §Commands and §v2 New commands. `args` are positional, in this order. `motion` verbs are refused
 * with ERR ESTOP while the e-stop latch is set (§Device rule 5). `reply` lists the fields of the OK
 * reply. `since: 2` verbs exist only in v2 sessions (ERR VERB in v1); `feature` names the HELLO
 * `feat=` token a device must advertise for the verb (ERR VERB without it).
 */
export const VERBS = {
  HELLO: {
    // §v2 Negotiation: the highest version the host speaks; without it, a v1 HELLO.
    args: [{ name: 'max', type: 'posint', since: 2, optional: true }],
    reply: {
      proto: 'uint',
      fw: 'semver',
      axes: 'uint',
      rx: 'uint',
      win: 'uint',
      qd: 'uint',
      wd: 'uint',
      ev: { type: 'uint', since: 2 },
      pmax: { type: 'bound64', since: 2 },
      feat: { type: 'tokenList', since: 2 },
    },
    motion: false,
    summary: 'Start a session; negotiates the version and advertises the device limits.',
  },
  PING: { args: [], reply: {}, motion: false, summary: 'Heartbeat.' },
  ENABLE: { args: [axis], reply: {}, motion: true, summary: 'Enable the drive of an axis.' },
  DISABLE: { args: [axis], reply: {}, motion: false, summary: 'Disable the drive of an axis.' },
  MOVE: {
    args: [
      axis,
      { name: 'pos', type: 'position' },
      { name: 'vel', type: 'posint' },
      { name: 'acc', type: 'posint' },
    ],
    reply: {},
    motion: true,
    summary: 'Queue a point-to-point move; completion is reported by DONE or ABORTED.',
  },
  JOG: {
    args: [
      axis,
      { name: 'vel', type: 'int' },
      { name: 'acc', type: 'posint' },
      // §v2 Jog lease: required in v2, ms (50..5000).
      { name: 'lease', type: 'uint', since: 2 },
    ],
    reply: {},
    motion: true,
    summary: 'Run at a signed velocity until STOP (v2: while the lease is renewed).',
  },
  STOP: { args: [axis], reply: {}, motion: false, summary: 'Controlled stop of one axis, or 0 for all.' },
  HOME: { args: [axis], reply: {}, motion: true, summary: 'Start homing; reported by HOMED or FAULT.' },
  GET: {
    args: [axis],
    reply: {
      pos: 'position',
      vel: 'int',
      tgt: 'position',
      st: { enum: AXIS_STATES },
      q: 'uint',
      run: { type: 'uint', since: 2 },
    },
    motion: false,
    summary: 'Read back one axis (§v2 Fields).',
  },
  SET: {
    // MIN and MAX are positions (§v2 Positions); the device bounds VMAX, AMAX and FERR to 2^31-1.
    args: [axis, { name: 'key', type: { enum: LIMIT_KEYS } }, { name: 'value', type: 'position' }],
    reply: {},
    motion: false,
    summary: 'Set a limit of an axis.',
  },
  STREAM: {
    args: [{ name: 'hz', type: 'uint' }],
    reply: {},
    motion: false,
    summary: 'POS telemetry at this rate (0 = off, at most 200).',
  },
  RESET: { args: [], reply: {}, motion: false, summary: 'Clear the ESTOP and FAULT latches.' },
  WDOG: {
    args: [{ name: 'ms', type: 'uint' }],
    reply: {},
    motion: false,
    summary: 'Set the watchdog period.',
  },
  ACK: {
    args: [
      // 0 = nothing yet: lets a host that missed the first event of a session ask for it.
      { name: 'eseq', type: 'uint' },
      // §v2 Events, fast retransmission: the host holds later events and misses the one after eseq.
      { name: 'resend', type: { enum: ['RESEND'] }, optional: true },
    ],
    reply: {},
    motion: false,
    since: 2,
    summary:
      'Acknowledge every event up to and including eseq; RESEND asks for the next one at once (§v2 Events).',
  },
  TMOVE: {
    args: [axis, { name: 'pos', type: 'position' }, ...triggerArgs],
    reply: {},
    motion: true,
    since: 2,
    feature: 'TRIG',
    summary: 'Queue a move that starts when axis src crosses at in direction dir (§v2 Triggered moves).',
  },
  TSTEP: {
    args: [
      axis,
      // A distance, bounded like a position (§v2 Positions).
      { name: 'dist', type: 'position' },
      ...triggerArgs,
    ],
    reply: {},
    motion: true,
    since: 2,
    feature: 'TSTEP',
    summary:
      'Queue a step of dist from where the axis is commanded to stand when axis src crosses at (§v2 Triggered steps).',
  },
  RENEW: {
    args: [axis, { name: 'lease', type: 'uint' }],
    reply: {},
    motion: true,
    since: 2,
    feature: 'LEASE',
    summary: 'Extend the lease of a running jog (§v2 Jog lease).',
  },
} as const satisfies Record<
  string,
  {
    args: readonly ArgSpec[];
    reply: Record<string, FieldSpec>;
    motion: boolean;
    since?: 2;
    feature?: Feature;
    summary: string;
  }
>;

/** Extra fields that some ERR replies carry. */
export const ERROR_FIELDS = {
  SEQ: { next: 'uint' },
  STATE: { st: { enum: AXIS_STATES } },
} as const satisfies Partial<Record<WireErrorCode, Record<string, ValueType>>>;

/**
 * §Events and §v2 New events: device -> host lines that start with `!`. `sequenced` events carry an
 * eseq in v2 sessions and are acknowledged (§v2 Events); the others keep the v1 form in every session.
 */
export const EVENTS = {
  BOOT: {
    // §v2 Negotiation: a device that speaks v2 adds max= (BOOT precedes any session: v1 form).
    fields: { fw: 'semver', proto: 'uint', axes: 'uint', max: { type: 'posint', optional: true } },
    sequenced: false,
    summary: 'The device booted or reset.',
  },
  DONE: {
    fields: { axis: 'uint', seq: 'uint', pos: 'position' },
    sequenced: true,
    summary: 'A MOVE finished.',
  },
  ABORTED: {
    fields: {
      axis: 'uint',
      seq: 'uint',
      pos: 'position',
      why: { type: { enum: ABORT_REASONS }, since: 2, optional: true },
    },
    sequenced: true,
    summary: 'A MOVE was cut short or dropped.',
  },
  HOMED: { fields: { axis: 'uint', pos: 'position' }, sequenced: true, summary: 'Homing finished.' },
  FAULT: {
    fields: { axis: 'uint', code: { enum: FAULT_CODES } },
    sequenced: true,
    summary: 'A latched fault (axis 0 = device).',
  },
  ESTOP: { fields: { src: { enum: ESTOP_SOURCES } }, sequenced: true, summary: 'E-stop latched.' },
  POS: {
    fields: {
      t: 'deviceTime',
      // §v2 Positions: a sample too long for one line is split; a= is its first axis.
      a: { type: 'posint', since: 2, optional: true },
      p: 'positionList',
      v: 'intList',
    },
    sequenced: false,
    summary: 'Streamed positions and velocities.',
  },
  BADFRAME: { fields: {}, sequenced: false, summary: 'A line arrived whose seq could not be read.' },
  STARTED: {
    fields: { axis: 'uint', seq: 'uint', t: 'deviceTime' },
    sequenced: true,
    since: 2,
    summary: 'A triggered move or step fired at device time t (§v2 Triggered moves).',
  },
  LEASE: {
    fields: { axis: 'uint', pos: 'position' },
    sequenced: true,
    since: 2,
    summary: 'A jog lease ran out; the axis is stopping (§v2 Jog lease).',
  },
  OVERFLOW: {
    fields: { lost: 'uint' },
    sequenced: true,
    since: 2,
    summary: 'The event buffer was full; lost events were not stored (§v2 Events).',
  },
} as const satisfies Record<
  string,
  { fields: Record<string, FieldSpec>; sequenced: boolean; since?: 2; summary: string }
>;

// ---- Table helpers ----

/** The ValueType of a field spec, and whether it exists and is required in a session of `version`. */
export function fieldRule(
  spec: FieldSpec,
  version: ProtocolVersion,
): { type: ValueType; present: boolean; required: boolean } {
  if (typeof spec === 'string' || 'enum' in spec) return { type: spec, present: true, required: true };
  const present = (spec.since ?? 1) <= version;
  return { type: spec.type, present, required: present && spec.optional !== true };
}

/** The arguments a verb takes in a session of `version`, in order. */
export function argsIn(verb: Verb, version: ProtocolVersion): readonly ArgSpec[] {
  return (VERBS[verb].args as readonly ArgSpec[]).filter((a) => (a.since ?? 1) <= version);
}

/** The version a verb or event first exists in. */
export function verbSince(verb: Verb): ProtocolVersion {
  return (VERBS[verb] as { since?: 2 }).since ?? 1;
}
export function eventSince(event: EventName): ProtocolVersion {
  return (EVENTS[event] as { since?: 2 }).since ?? 1;
}
/** The feature a verb needs (§v2 Negotiation), if any. */
export function verbFeature(verb: Verb): Feature | undefined {
  return (VERBS[verb] as { feature?: Feature }).feature;
}

// ---- Types derived from the table ----

export type Verb = keyof typeof VERBS;
export type EventName = keyof typeof EVENTS;
/** The verbs and events of v1 (§Commands, §Events). */
export type V1Verb = { [V in Verb]: (typeof VERBS)[V] extends { since: 2 } ? never : V }[Verb];
export type V1EventName = {
  [E in EventName]: (typeof EVENTS)[E] extends { since: 2 } ? never : E;
}[EventName];
export type AxisState = (typeof AXIS_STATES)[number];
export type LimitKey = (typeof LIMIT_KEYS)[number];
export type FaultCode = (typeof FAULT_CODES)[number];
export type EstopSource = (typeof ESTOP_SOURCES)[number];
export type AbortReason = (typeof ABORT_REASONS)[number];

export type ValueOf<T> = T extends 'semver'
  ? string
  : T extends 'intList' | 'i64List' | 'positionList'
    ? number[]
    : T extends 'tokenList'
      ? string[]
      : T extends { readonly enum: readonly (infer E)[] }
        ? E
        : number;

type TypeOf<S> = S extends { readonly type: infer T } ? T : S;
/** Absent from some session: since v2, or optional. */
type MayBeAbsent<S> = S extends { readonly since: 2 }
  ? true
  : S extends { readonly optional: true }
    ? true
    : false;
/** Absent from a v2 session: optional only. */
type MayBeAbsentV2<S> = S extends { readonly optional: true } ? true : false;
type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The fields of a spec as a v1 or v2 host may see them: since-v2 and optional fields are optional. */
export type FieldsOf<F> = F extends unknown
  ? Simplify<
      { -readonly [K in keyof F as MayBeAbsent<F[K]> extends true ? never : K]: ValueOf<TypeOf<F[K]>> } & {
        -readonly [K in keyof F as MayBeAbsent<F[K]> extends true ? K : never]?: ValueOf<TypeOf<F[K]>>;
      }
    >
  : never;
/** The fields of a spec in a v2 session: only optional fields are optional. */
export type FieldsV2Of<F> = F extends unknown
  ? Simplify<
      { -readonly [K in keyof F as MayBeAbsentV2<F[K]> extends true ? never : K]: ValueOf<TypeOf<F[K]>> } & {
        -readonly [K in keyof F as MayBeAbsentV2<F[K]> extends true ? K : never]?: ValueOf<TypeOf<F[K]>>;
      }
    >
  : never;

type ArgList<V extends Verb> = (typeof VERBS)[V]['args'][number];
/** A verb's arguments in any session: v2-only and optional arguments are optional. */
export type ArgsOf<V extends Verb> = Simplify<
  { -readonly [A in ArgList<V> as MayBeAbsent<A> extends true ? never : A['name']]: ValueOf<A['type']> } & {
    -readonly [A in ArgList<V> as MayBeAbsent<A> extends true ? A['name'] : never]?: ValueOf<A['type']>;
  }
>;
/** A verb's arguments in a v2 session (JOG's lease is required there). */
export type ArgsV2Of<V extends Verb> = Simplify<
  { -readonly [A in ArgList<V> as MayBeAbsentV2<A> extends true ? never : A['name']]: ValueOf<A['type']> } & {
    -readonly [A in ArgList<V> as MayBeAbsentV2<A> extends true ? A['name'] : never]?: ValueOf<A['type']>;
  }
>;
export type ReplyFieldsOf<V extends Verb> = FieldsOf<(typeof VERBS)[V]['reply']>;
export type ReplyFieldsV2Of<V extends Verb> = FieldsV2Of<(typeof VERBS)[V]['reply']>;
export type EventFieldsOf<E extends EventName> = FieldsOf<(typeof EVENTS)[E]['fields']>;

/** A typed command: one member per verb. */
export type Command = { [V in Verb]: { verb: V; args: ArgsOf<V> } }[Verb];
/** A typed event: one member per event name. */
export type DeviceEvent = { [E in EventName]: { event: E; fields: EventFieldsOf<E> } }[EventName];

/** What a device answers to a command (the line minus its seq and checksum). */
export type Reply<V extends Verb = Verb> =
  | { ok: true; fields: ReplyFieldsOf<V> }
  | { ok: false; code: WireErrorCode; fields: Record<string, string | number> };

export function isVerb(token: string): token is Verb {
  return Object.hasOwn(VERBS, token);
}
export function isEventName(token: string): token is EventName {
  return Object.hasOwn(EVENTS, token);
}
export function isWireErrorCode(token: string): token is WireErrorCode {
  return (WIRE_ERROR_CODES as readonly string[]).includes(token);
}
