// fast-check arbitraries for every message in the table, derived from the table itself.

import fc from 'fast-check';
import {
  type Command,
  type DeviceEvent,
  EVENTS,
  type EventName,
  type ValueType,
  VERBS,
  type Verb,
} from '../wire/messages.js';

const INT32 = 2 ** 31 - 1;

export function valueArb(type: ValueType): fc.Arbitrary<unknown> {
  switch (type) {
    case 'uint':
      return fc.integer({ min: 0, max: INT32 });
    case 'posint':
      return fc.integer({ min: 1, max: INT32 });
    case 'int':
      return fc.integer({ min: -INT32, max: INT32 });
    case 'semver':
      return fc.tuple(fc.nat(999), fc.nat(999), fc.nat(999)).map(([a, b, c]) => `${a}.${b}.${c}`);
    case 'intList':
      return fc.array(fc.integer({ min: -99999, max: 99999 }), { minLength: 1, maxLength: 4 });
    default:
      return fc.constantFrom(...type.enum);
  }
}

function recordArb(spec: Record<string, ValueType>): fc.Arbitrary<Record<string, unknown>> {
  return fc.record(Object.fromEntries(Object.entries(spec).map(([k, t]) => [k, valueArb(t)])));
}

export const seqArb = fc.integer({ min: 1, max: 65535 });

export const commandArb: fc.Arbitrary<Command> = fc.oneof(
  ...(Object.keys(VERBS) as Verb[]).map((verb) => {
    const spec = Object.fromEntries(
      (VERBS[verb].args as readonly { name: string; type: ValueType }[]).map((a) => [a.name, a.type]),
    );
    return recordArb(spec).map((args) => ({ verb, args }) as Command);
  }),
);

export const eventArb: fc.Arbitrary<DeviceEvent> = fc.oneof(
  ...(Object.keys(EVENTS) as EventName[]).map((event) =>
    recordArb(EVENTS[event].fields).map((fields) => ({ event, fields }) as DeviceEvent),
  ),
);

export const okReplyArb = fc.oneof(
  ...(Object.keys(VERBS) as Verb[]).map((verb) =>
    recordArb(VERBS[verb].reply).map((fields) => ({ verb, fields })),
  ),
);
