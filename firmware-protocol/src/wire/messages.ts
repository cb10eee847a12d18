// The one table of protocol v1 (§Commands, §Events, §Error codes): every verb, argument,
// reply field, event and error code is declared here once. Types, validation and the
// encoders/decoders are all derived from it.

/** How a value is written on the wire. */
export type ValueType =
  | 'uint' // decimal, no leading zeros, 0..2^31-1
  | 'posint' // uint > 0
  | 'int' // optional '-', no leading zeros, |x| <= 2^31-1
  | 'semver' // MAJOR.MINOR.PATCH
  | 'intList' // comma-separated ints, e.g. POS p=1,-2,3
  | { readonly enum: readonly string[] };

export const AXIS_STATES = ['DISABLED', 'IDLE', 'MOVING', 'HOMING', 'FAULT', 'ESTOP'] as const;
export const LIMIT_KEYS = ['MIN', 'MAX', 'VMAX', 'AMAX', 'FERR'] as const;
export const FAULT_CODES = ['FERR', 'LIMIT', 'WATCHDOG', 'HOME', 'DRIVE'] as const;
export const ESTOP_SOURCES = ['host', 'input'] as const;

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

/**
 * §Commands. `args` are positional, in this order. `motion` verbs are refused with ERR ESTOP
 * while the e-stop latch is set (§Device rule 5). `reply` lists the fields of the OK reply.
 */
export const VERBS = {
  HELLO: {
    args: [],
    reply: { proto: 'uint', fw: 'semver', axes: 'uint', rx: 'uint', win: 'uint', qd: 'uint', wd: 'uint' },
    motion: false,
    summary: 'Start a session; advertises the device limits.',
  },
  PING: { args: [], reply: {}, motion: false, summary: 'Heartbeat.' },
  ENABLE: { args: [axis], reply: {}, motion: true, summary: 'Enable the drive of an axis.' },
  DISABLE: { args: [axis], reply: {}, motion: false, summary: 'Disable the drive of an axis.' },
  MOVE: {
    args: [
      axis,
      { name: 'pos', type: 'int' },
      { name: 'vel', type: 'posint' },
      { name: 'acc', type: 'posint' },
    ],
    reply: {},
    motion: true,
    summary: 'Queue a point-to-point move; completion is reported by DONE or ABORTED.',
  },
  JOG: {
    args: [axis, { name: 'vel', type: 'int' }, { name: 'acc', type: 'posint' }],
    reply: {},
    motion: true,
    summary: 'Run at a signed velocity until STOP.',
  },
  STOP: { args: [axis], reply: {}, motion: false, summary: 'Controlled stop of one axis, or 0 for all.' },
  HOME: { args: [axis], reply: {}, motion: true, summary: 'Start homing; reported by HOMED or FAULT.' },
  GET: {
    args: [axis],
    reply: { pos: 'int', vel: 'int', tgt: 'int', st: { enum: AXIS_STATES }, q: 'uint' },
    motion: false,
    summary: 'Read back one axis.',
  },
  SET: {
    args: [axis, { name: 'key', type: { enum: LIMIT_KEYS } }, { name: 'value', type: 'int' }],
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
} as const satisfies Record<
  string,
  {
    args: readonly { name: string; type: ValueType }[];
    reply: Record<string, ValueType>;
    motion: boolean;
    summary: string;
  }
>;

/** Extra fields that some ERR replies carry. */
export const ERROR_FIELDS = {
  SEQ: { next: 'uint' },
  STATE: { st: { enum: AXIS_STATES } },
} as const satisfies Partial<Record<WireErrorCode, Record<string, ValueType>>>;

/** §Events: device -> host lines that start with `!`. */
export const EVENTS = {
  BOOT: { fields: { fw: 'semver', proto: 'uint', axes: 'uint' }, summary: 'The device booted or reset.' },
  DONE: { fields: { axis: 'uint', seq: 'uint', pos: 'int' }, summary: 'A MOVE finished.' },
  ABORTED: { fields: { axis: 'uint', seq: 'uint', pos: 'int' }, summary: 'A MOVE was cut short or dropped.' },
  HOMED: { fields: { axis: 'uint', pos: 'int' }, summary: 'Homing finished.' },
  FAULT: {
    fields: { axis: 'uint', code: { enum: FAULT_CODES } },
    summary: 'A latched fault (axis 0 = device).',
  },
  ESTOP: { fields: { src: { enum: ESTOP_SOURCES } }, summary: 'E-stop latched.' },
  POS: { fields: { t: 'uint', p: 'intList', v: 'intList' }, summary: 'Streamed positions and velocities.' },
  BADFRAME: { fields: {}, summary: 'A line arrived whose seq could not be read.' },
} as const satisfies Record<string, { fields: Record<string, ValueType>; summary: string }>;

// ---- Types derived from the table ----

export type Verb = keyof typeof VERBS;
export type EventName = keyof typeof EVENTS;
export type AxisState = (typeof AXIS_STATES)[number];
export type LimitKey = (typeof LIMIT_KEYS)[number];
export type FaultCode = (typeof FAULT_CODES)[number];
export type EstopSource = (typeof ESTOP_SOURCES)[number];

export type ValueOf<T> = T extends 'semver'
  ? string
  : T extends 'intList'
    ? number[]
    : T extends { readonly enum: readonly (infer E)[] }
      ? E
      : number;

export type FieldsOf<F> = { -readonly [K in keyof F]: ValueOf<F[K]> };

export type ArgsOf<V extends Verb> = {
  -readonly [A in (typeof VERBS)[V]['args'][number] as A['name']]: ValueOf<A['type']>;
};
export type ReplyFieldsOf<V extends Verb> = FieldsOf<(typeof VERBS)[V]['reply']>;
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
