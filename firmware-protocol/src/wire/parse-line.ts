// Line -> typed frame (§Framing, §Device rule 1): checksum and syntax first, then the table, read
// as a session of a given version reads it (v1 unless told otherwise).

import { SEQ_MAX, STAR } from './constants.js';
import { crc16 } from './crc16.js';
import type { CommandFrame, DecodeError, EventFrame, InvalidCommandFrame, ReplyFrame } from './frames.js';
import {
  argsIn,
  ERROR_FIELDS,
  EVENTS,
  eventSince,
  type FieldSpec,
  fieldRule,
  isEventName,
  isVerb,
  isWireErrorCode,
  type ProtocolVersion,
  type ReplyFieldsOf,
  type ValueType,
  VERBS,
  type Verb,
  verbSince,
  type WireErrorCode,
} from './messages.js';
import { readValue } from './values.js';

const SEQ_TOKEN_RE = /^[1-9][0-9]{0,4}(?= |\*|$)/;
const KEY_RE = /^[a-z][a-z0-9_]*$/;

/** The seq at the start of a line, if it can be read (§Device rule 1). */
export function readableSeq(bytes: Uint8Array): number | undefined {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 6)).toString('latin1');
  const match = SEQ_TOKEN_RE.exec(head);
  if (!match) return undefined;
  const seq = Number(match[0]);
  return seq <= SEQ_MAX ? seq : undefined;
}

function isHexUpper(byte: number): boolean {
  return (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x46);
}

function syntaxError(bytes: Uint8Array, detail: string): DecodeError {
  const seq = readableSeq(bytes);
  return seq === undefined
    ? { kind: 'error', code: 'SYNTAX', detail }
    : { kind: 'error', code: 'SYNTAX', seq, detail };
}

/**
 * Checks `<body>*<CRC>` and returns the body's tokens, or the error for the line.
 * Order matters: a line whose structure is broken is a SYNTAX error even if its checksum
 * would also fail, because the checksum field itself cannot be trusted then.
 */
export function checkLine(bytes: Uint8Array): { tokens: string[] } | DecodeError {
  const n = bytes.length;
  const star = n - 5;
  if (star < 1 || bytes[star] !== STAR) return syntaxError(bytes, 'expected <body>*<4 hex digits>');
  let expected = 0;
  for (let i = star + 1; i < n; i++) {
    const byte = bytes[i]!;
    if (!isHexUpper(byte)) return syntaxError(bytes, 'checksum is not 4 uppercase hex digits');
    expected = (expected << 4) | (byte <= 0x39 ? byte - 0x30 : byte - 0x37);
  }
  for (let i = 0; i < star; i++) {
    const byte = bytes[i]!;
    if (byte < 0x20 || byte > 0x7e || byte === STAR)
      return syntaxError(bytes, 'non-printable byte or "*" in body');
  }
  if (crc16(bytes, 0, star) !== expected) {
    const seq = readableSeq(bytes);
    return seq === undefined
      ? { kind: 'error', code: 'CRC', detail: 'checksum mismatch' }
      : { kind: 'error', code: 'CRC', seq, detail: 'checksum mismatch' };
  }
  const tokens = Buffer.from(bytes.buffer, bytes.byteOffset, star).toString('latin1').split(' ');
  for (const token of tokens) {
    if (token.length === 0) return syntaxError(bytes, 'tokens are separated by exactly one space');
  }
  return { tokens };
}

function parseSeqToken(token: string): number | undefined {
  if (!/^[1-9][0-9]{0,4}$/.test(token)) return undefined;
  const seq = Number(token);
  return seq <= SEQ_MAX ? seq : undefined;
}

/**
 * host -> device line, as a device in a session of `version` reads it. HELLO starts a session
 * whatever the current one is, so its argument is read as the device's highest version
 * `helloVersion` allows (§v2 Negotiation); a v1-only device refuses `HELLO 2` as ARGS.
 */
export function parseCommandLine(
  bytes: Uint8Array,
  version: ProtocolVersion = 1,
  helloVersion: ProtocolVersion = version,
): CommandFrame | InvalidCommandFrame | DecodeError {
  const checked = checkLine(bytes);
  if ('kind' in checked) return checked;
  const [seqToken, verbToken, ...argTokens] = checked.tokens;
  const seq = parseSeqToken(seqToken!);
  if (seq === undefined) return { kind: 'error', code: 'SYNTAX', detail: 'no seq' };
  if (verbToken === undefined) return { kind: 'error', code: 'SYNTAX', seq, detail: 'no verb' };
  const lineVersion = verbToken === 'HELLO' ? helloVersion : version;
  // §v2 Negotiation: a v2 verb in a v1 session is an unknown verb (v1 rule 1).
  if (!isVerb(verbToken) || verbSince(verbToken) > lineVersion) {
    return { kind: 'invalid-command', seq, code: 'VERB', verbToken, detail: `unknown verb ${verbToken}` };
  }
  const spec = argsIn(verbToken, lineVersion);
  const required = spec.filter((a) => !a.optional).length;
  if (argTokens.length < required || argTokens.length > spec.length) {
    return {
      kind: 'invalid-command',
      seq,
      code: 'ARGS',
      verbToken,
      detail: `${verbToken} takes ${required === spec.length ? required : `${required}..${spec.length}`} argument(s), got ${argTokens.length}`,
    };
  }
  const args: Record<string, unknown> = {};
  let outOfRange: string | undefined;
  for (let i = 0; i < argTokens.length; i++) {
    const { name, type } = spec[i]!;
    const parsed = readValue(type, argTokens[i]!, lineVersion);
    if (!parsed.ok) {
      const detail = `bad ${name}: ${argTokens[i]}`;
      if (parsed.problem === 'form') return { kind: 'invalid-command', seq, code: 'ARGS', verbToken, detail };
      outOfRange ??= detail;
      continue;
    }
    args[name] = parsed.value;
  }
  // A well-formed argument beyond ±(2^53-1) is beyond any pmax this device can advertise (§v2 Positions).
  if (outOfRange !== undefined) {
    return { kind: 'invalid-command', seq, code: 'RANGE', verbToken, detail: outOfRange };
  }
  return { kind: 'command', seq, verb: verbToken, args } as CommandFrame;
}

function parseKeyValues(tokens: string[], from: number): Record<string, string> | undefined {
  const fields: Record<string, string> = {};
  for (let i = from; i < tokens.length; i++) {
    const token = tokens[i]!;
    const eq = token.indexOf('=');
    if (eq <= 0 || eq === token.length - 1) return undefined;
    const key = token.slice(0, eq);
    if (!KEY_RE.test(key)) return undefined;
    fields[key] = token.slice(eq + 1);
  }
  return fields;
}

/** Why fields could not be typed: `range` when only values beyond ±(2^53-1) were wrong. */
export interface FieldProblem {
  problem: string;
  range: boolean;
}

/**
 * Types raw fields against a spec, for a session of `version`. Keys the spec does not know, and
 * fields of a later version, are ignored, so a newer firmware may add fields without breaking
 * older hosts (PROTOCOL.md §Compatibility).
 */
export function typeFields(
  spec: Record<string, FieldSpec>,
  raw: Record<string, string>,
  version: ProtocolVersion = 1,
): Record<string, unknown> | FieldProblem {
  const out: Record<string, unknown> = {};
  let rangeProblem: FieldProblem | undefined;
  for (const [key, fieldSpec] of Object.entries(spec)) {
    const rule = fieldRule(fieldSpec, version);
    if (!rule.present) continue;
    const text = raw[key];
    if (text === undefined) {
      if (rule.required) return { problem: `missing ${key}`, range: false };
      continue;
    }
    const parsed = readValue(rule.type, text, version);
    if (!parsed.ok) {
      if (parsed.problem === 'form') return { problem: `bad ${key}=${text}`, range: false };
      rangeProblem ??= { problem: `${key}=${text} is beyond ±(2^53-1)`, range: true };
      continue;
    }
    out[key] = parsed.value;
  }
  return rangeProblem ?? out;
}

function isFieldProblem(value: Record<string, unknown> | FieldProblem): value is FieldProblem {
  return typeof value.problem === 'string' && typeof value.range === 'boolean';
}

/** Types the fields of an OK reply once the verb of the request is known. */
export function parseReplyFields<V extends Verb>(
  verb: V,
  raw: Record<string, string>,
  version: ProtocolVersion = 1,
): ReplyFieldsOf<V> | string {
  const typed = typeFields(VERBS[verb].reply, raw, version);
  return isFieldProblem(typed) ? typed.problem : (typed as ReplyFieldsOf<V>);
}

/** `!` then an eseq (§v2 Events), or `!` alone; undefined if the token is neither. */
function readEventMark(token: string, version: ProtocolVersion): { eseq: number | undefined } | undefined {
  if (token === '!') return { eseq: undefined };
  if (version < 2 || token[0] !== '!') return undefined;
  const eseq = parseSeqToken(token.slice(1));
  return eseq === undefined ? undefined : { eseq };
}

function parseEvent(tokens: string[], version: ProtocolVersion): EventFrame | DecodeError | undefined {
  const mark = readEventMark(tokens[0]!, version);
  if (!mark) return undefined;
  const { eseq } = mark;
  const name = tokens[1];
  if (name === undefined || !isEventName(name) || eventSince(name) > version) {
    return { kind: 'error', code: 'SYNTAX', detail: `unknown event ${name ?? ''}` };
  }
  // §v2 Events: in v2 a sequenced event carries an eseq and the others do not.
  if (version >= 2 && EVENTS[name].sequenced !== (eseq !== undefined)) {
    const detail = eseq === undefined ? `${name} without eseq` : `${name} carries no eseq`;
    return { kind: 'error', code: 'SYNTAX', detail };
  }
  const raw = parseKeyValues(tokens, 2);
  const fields = raw
    ? typeFields(EVENTS[name].fields, raw, version)
    : { problem: 'bad key=value', range: false };
  if (isFieldProblem(fields)) {
    const detail = `event ${name}: ${fields.problem}`;
    if (!fields.range) return { kind: 'error', code: 'SYNTAX', detail };
    return eseq === undefined
      ? { kind: 'error', code: 'RANGE', detail }
      : { kind: 'error', code: 'RANGE', eseq, detail };
  }
  return (
    eseq === undefined ? { kind: 'event', event: name, fields } : { kind: 'event', eseq, event: name, fields }
  ) as EventFrame;
}

/** device -> host line, as a host in a session of `version` reads it. */
export function parseDeviceLine(
  bytes: Uint8Array,
  version: ProtocolVersion = 1,
): ReplyFrame | EventFrame | DecodeError {
  const checked = checkLine(bytes);
  if ('kind' in checked) return checked;
  const { tokens } = checked;
  const event = parseEvent(tokens, version);
  if (event) return event;
  const seq = parseSeqToken(tokens[0]!);
  if (seq === undefined) return { kind: 'error', code: 'SYNTAX', detail: 'no seq' };
  if (tokens[1] === 'OK') {
    const fields = parseKeyValues(tokens, 2);
    if (!fields) return { kind: 'error', code: 'SYNTAX', seq, detail: 'bad key=value' };
    return { kind: 'reply', seq, ok: true, fields };
  }
  const code = tokens[2];
  if (tokens[1] !== 'ERR' || code === undefined || !isWireErrorCode(code)) {
    return { kind: 'error', code: 'SYNTAX', seq, detail: 'expected OK or ERR <code>' };
  }
  const raw = parseKeyValues(tokens, 3);
  const spec = (ERROR_FIELDS as Partial<Record<WireErrorCode, Record<string, ValueType>>>)[code] ?? {};
  const fields = raw ? typeFields(spec, raw) : { problem: 'bad key=value', range: false };
  if (isFieldProblem(fields)) {
    return { kind: 'error', code: 'SYNTAX', seq, detail: `ERR ${code}: ${fields.problem}` };
  }
  return {
    kind: 'reply',
    seq,
    ok: false,
    code,
    fields: { ...raw, ...fields } as Record<string, string | number>,
  };
}
