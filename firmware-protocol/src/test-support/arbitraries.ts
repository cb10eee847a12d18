// fast-check arbitraries for every message in the table, derived from the table itself, per version.

import fc from 'fast-check';
import {
  type ArgSpec,
  argsIn,
  type Command,
  type DeviceEvent,
  EVENTS,
  type EventName,
  eventSince,
  FEATURES,
  type FieldSpec,
  fieldRule,
  type ProtocolVersion,
  type ValueType,
  VERBS,
  type Verb,
  verbSince,
} from '../wire/messages.js';
import { wireType } from '../wire/values.js';

const INT32 = 2 ** 31 - 1;
const SAFE = Number.MAX_SAFE_INTEGER;

/** Integers up to `max` in magnitude, biased toward both small values and the bounds. */
function wideInteger(min: number, max: number): fc.Arbitrary<number> {
  return fc.oneof(
    fc.integer({ min: Math.max(min, -1000), max: Math.min(max, 1000) }),
    fc.integer({ min, max }),
    fc.constantFrom(min, max),
  );
}

export function valueArb(type: ValueType, version: ProtocolVersion = 1): fc.Arbitrary<unknown> {
  const wire = wireType(type, version);
  switch (wire) {
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
    case 'i64':
      return wideInteger(-SAFE, SAFE);
    case 'u64':
    case 'bound64':
      return wideInteger(0, SAFE);
    case 'i64List':
      // Four axes of up to 16 digits fit a POS line; longer samples are split (§v2 Positions).
      return fc.array(wideInteger(-(2 ** 47 - 1), 2 ** 47 - 1), { minLength: 1, maxLength: 3 });
    case 'tokenList':
      return fc.subarray([...FEATURES, 'FUTURE_X']);
    case 'direction':
      return fc.constantFrom(1, -1);
    case 'position':
    case 'positionList':
    case 'deviceTime':
      throw new Error('resolved by wireType');
    default:
      return fc.constantFrom(...wire.enum);
  }
}

/** A record of the fields a session of `version` carries; optional fields sometimes left out. */
function fieldsArb(
  spec: Record<string, FieldSpec>,
  version: ProtocolVersion,
): fc.Arbitrary<Record<string, unknown>> {
  const required: Record<string, fc.Arbitrary<unknown>> = {};
  const optional: string[] = [];
  for (const [key, fieldSpec] of Object.entries(spec)) {
    const rule = fieldRule(fieldSpec, version);
    if (!rule.present) continue;
    required[key] = valueArb(rule.type, version);
    if (!rule.required) optional.push(key);
  }
  return fc.record(required, { requiredKeys: Object.keys(required).filter((k) => !optional.includes(k)) });
}

export const seqArb = fc.integer({ min: 1, max: 65535 });

export function commandArbFor(version: ProtocolVersion): fc.Arbitrary<Command> {
  return fc.oneof(
    ...(Object.keys(VERBS) as Verb[])
      .filter((verb) => verbSince(verb) <= version)
      .map((verb) => {
        const spec: readonly ArgSpec[] = argsIn(verb, version);
        const args = Object.fromEntries(spec.map((a) => [a.name, valueArb(a.type, version)]));
        const requiredKeys = spec.filter((a) => !a.optional).map((a) => a.name);
        return fc.record(args, { requiredKeys }).map((a) => ({ verb, args: a }) as Command);
      }),
  );
}

export function eventArbFor(version: ProtocolVersion): fc.Arbitrary<DeviceEvent> {
  return fc.oneof(
    ...(Object.keys(EVENTS) as EventName[])
      .filter((event) => eventSince(event) <= version)
      .map((event) =>
        fieldsArb(EVENTS[event].fields, version).map((fields) => ({ event, fields }) as DeviceEvent),
      ),
  );
}

export function okReplyArbFor(version: ProtocolVersion) {
  return fc.oneof(
    ...(Object.keys(VERBS) as Verb[])
      .filter((verb) => verbSince(verb) <= version)
      .map((verb) => fieldsArb(VERBS[verb].reply, version).map((fields) => ({ verb, fields }))),
  );
}

/** v1 messages, as the v1 tests have always used them. */
export const commandArb: fc.Arbitrary<Command> = commandArbFor(1);
export const eventArb: fc.Arbitrary<DeviceEvent> = eventArbFor(1);
export const okReplyArb = okReplyArbFor(1);
