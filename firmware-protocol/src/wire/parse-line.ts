// Line -> typed frame (§Framing, §Device rule 1): checksum and syntax first, then the table.

import { SEQ_MAX, STAR } from './constants.js';
import { crc16 } from './crc16.js';
import type { CommandFrame, DecodeError, EventFrame, InvalidCommandFrame, ReplyFrame } from './frames.js';
import {
  ERROR_FIELDS,
  EVENTS,
  isEventName,
  isVerb,
  isWireErrorCode,
  type ReplyFieldsOf,
  type ValueType,
  VERBS,
  type Verb,
  type WireErrorCode,
} from './messages.js';
import { parseValue } from './values.js';

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

/** host -> device line. */
export function parseCommandLine(bytes: Uint8Array): CommandFrame | InvalidCommandFrame | DecodeError {
  const checked = checkLine(bytes);
  if ('kind' in checked) return checked;
  const [seqToken, verbToken, ...argTokens] = checked.tokens;
  const seq = parseSeqToken(seqToken!);
  if (seq === undefined) return { kind: 'error', code: 'SYNTAX', detail: 'no seq' };
  if (verbToken === undefined) return { kind: 'error', code: 'SYNTAX', seq, detail: 'no verb' };
  if (!isVerb(verbToken)) {
    return { kind: 'invalid-command', seq, code: 'VERB', verbToken, detail: `unknown verb ${verbToken}` };
  }
  const spec = VERBS[verbToken].args as readonly { name: string; type: ValueType }[];
  if (argTokens.length !== spec.length) {
    return {
      kind: 'invalid-command',
      seq,
      code: 'ARGS',
      verbToken,
      detail: `${verbToken} takes ${spec.length} argument(s), got ${argTokens.length}`,
    };
  }
  const args: Record<string, unknown> = {};
  for (let i = 0; i < spec.length; i++) {
    const { name, type } = spec[i]!;
    const value = parseValue(type, argTokens[i]!);
    if (value === undefined) {
      return {
        kind: 'invalid-command',
        seq,
        code: 'ARGS',
        verbToken,
        detail: `bad ${name}: ${argTokens[i]}`,
      };
    }
    args[name] = value;
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

/**
 * Types raw fields against a spec. Keys the spec does not know are ignored, so a newer
 * firmware may add fields without breaking older hosts (PROTOCOL.md §Compatibility).
 */
export function typeFields(
  spec: Record<string, ValueType>,
  raw: Record<string, string>,
): Record<string, unknown> | string {
  const out: Record<string, unknown> = {};
  for (const [key, type] of Object.entries(spec)) {
    const text = raw[key];
    if (text === undefined) return `missing ${key}`;
    const value = parseValue(type, text);
    if (value === undefined) return `bad ${key}=${text}`;
    out[key] = value;
  }
  return out;
}

/** Types the fields of an OK reply once the verb of the request is known. */
export function parseReplyFields<V extends Verb>(
  verb: V,
  raw: Record<string, string>,
): ReplyFieldsOf<V> | string {
  return typeFields(VERBS[verb].reply, raw) as ReplyFieldsOf<V> | string;
}

/** device -> host line. */
export function parseDeviceLine(bytes: Uint8Array): ReplyFrame | EventFrame | DecodeError {
  const checked = checkLine(bytes);
  if ('kind' in checked) return checked;
  const { tokens } = checked;
  if (tokens[0] === '!') {
    const name = tokens[1];
    if (name === undefined || !isEventName(name)) {
      return { kind: 'error', code: 'SYNTAX', detail: `unknown event ${name ?? ''}` };
    }
    const raw = parseKeyValues(tokens, 2);
    const fields = raw && typeFields(EVENTS[name].fields, raw);
    if (!fields || typeof fields === 'string') {
      return { kind: 'error', code: 'SYNTAX', detail: `event ${name}: ${fields || 'bad key=value'}` };
    }
    return { kind: 'event', event: name, fields } as EventFrame;
  }
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
  const fields = raw && typeFields(spec, raw);
  if (!fields || typeof fields === 'string') {
    return { kind: 'error', code: 'SYNTAX', seq, detail: `ERR ${code}: ${fields || 'bad key=value'}` };
  }
  return {
    kind: 'reply',
    seq,
    ok: false,
    code,
    fields: { ...raw, ...fields } as Record<string, string | number>,
  };
}
