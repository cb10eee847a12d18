// Encoders: typed messages -> wire lines with checksum and LF (§Framing), as a session of a given
// version writes them (v1 unless told otherwise).

import { ProtocolError } from '../errors.js';
import { MAX_LINE_BYTES } from './constants.js';
import { crc16, formatCrc } from './crc16.js';
import {
  type ArgSpec,
  type ArgsOf,
  ERROR_FIELDS,
  EVENTS,
  type EventFieldsOf,
  type EventName,
  eventSince,
  type FieldSpec,
  fieldRule,
  type ProtocolVersion,
  type Reply,
  type ValueType,
  VERBS,
  type Verb,
  verbSince,
  type WireErrorCode,
} from './messages.js';
import { isValidSeq } from './seq.js';
import { formatValue } from './values.js';

/** '65535 ' */
const MAX_SEQ_PREFIX_BYTES = 6;
/** '*' + 4 hex digits + LF */
const CHECKSUM_SUFFIX_BYTES = 6;
const PRINTABLE_BODY_RE = /^[\x20-\x29\x2b-\x7e]+$/; // printable ASCII without '*'

/** `<body>*<CRC>\n` as bytes. The body must be printable ASCII without '*'. */
export function encodeLine(body: string): Buffer {
  if (!PRINTABLE_BODY_RE.test(body)) {
    throw new ProtocolError('PROTO_INVALID_ARGUMENT', 'Line bodies are printable ASCII without "*".');
  }
  const length = body.length + CHECKSUM_SUFFIX_BYTES;
  if (length > MAX_LINE_BYTES) {
    throw new ProtocolError('PROTO_LINE_TOO_LONG', `${length} bytes: ${body.slice(0, 24)}...`);
  }
  const line = Buffer.allocUnsafe(length);
  line.write(body, 0, 'latin1');
  line.write(`*${formatCrc(crc16(line, 0, body.length))}\n`, body.length, 'latin1');
  return line;
}

function formatOrThrow(type: ValueType, value: unknown, what: string, version: ProtocolVersion): string {
  const text = formatValue(type, value, version);
  if (text === undefined) {
    throw new ProtocolError('PROTO_INVALID_ARGUMENT', `${what}=${JSON.stringify(value)}`);
  }
  return text;
}

/**
 * ` k=v...` in table order. A field the session's version does not have is left out, so a v1
 * session gets exactly the v1 line even from a v2 handler (§v2 Negotiation); an optional field is
 * written only when given.
 */
function formatFields(
  spec: Record<string, FieldSpec>,
  fields: Record<string, unknown>,
  what: string,
  version: ProtocolVersion,
): string {
  let out = '';
  for (const [key, fieldSpec] of Object.entries(spec)) {
    const rule = fieldRule(fieldSpec, version);
    if (!rule.present || (!rule.required && fields[key] === undefined)) continue;
    out += ` ${key}=${formatOrThrow(rule.type, fields[key], `${what} ${key}`, version)}`;
  }
  return out;
}

function checkSeq(seq: number): void {
  if (!isValidSeq(seq)) throw new ProtocolError('PROTO_INVALID_ARGUMENT', `seq=${seq}`);
}

/**
 * `<VERB>[ <arg>]...`: a command without its seq, as a session of `version` writes it. Validates
 * every argument against the table, so a host can refuse a bad request before it takes a seq (see
 * encodeCommand). A verb or an argument the version does not have is PROTO_NOT_SUPPORTED: dropping
 * an argument silently (a jog's lease) would change what the command means.
 */
export function encodeCommandBody<V extends Verb>(
  verb: V,
  args: ArgsOf<V>,
  version: ProtocolVersion = 1,
): string {
  if (verbSince(verb) > version) {
    throw new ProtocolError('PROTO_NOT_SUPPORTED', `${verb} is protocol v${verbSince(verb)}`);
  }
  let body: string = verb;
  const values = args as Record<string, unknown>;
  for (const arg of VERBS[verb].args as readonly ArgSpec[]) {
    const present = (arg.since ?? 1) <= version;
    if (!present) {
      if (values[arg.name] !== undefined) {
        throw new ProtocolError('PROTO_NOT_SUPPORTED', `${verb} ${arg.name} is protocol v${arg.since}`);
      }
      continue;
    }
    // Optional arguments come last in the table: the first absent one ends the line.
    if (arg.optional && values[arg.name] === undefined) break;
    body += ` ${formatOrThrow(arg.type, values[arg.name], `${verb} ${arg.name}`, version)}`;
  }
  if (body.length + MAX_SEQ_PREFIX_BYTES + CHECKSUM_SUFFIX_BYTES > MAX_LINE_BYTES) {
    throw new ProtocolError('PROTO_LINE_TOO_LONG', verb);
  }
  return body;
}

/** `<seq> <VERB>[ <arg>]...` */
export function encodeCommand<V extends Verb>(
  seq: number,
  verb: V,
  args: ArgsOf<V>,
  version: ProtocolVersion = 1,
): Buffer {
  checkSeq(seq);
  return encodeLine(`${seq} ${encodeCommandBody(verb, args, version)}`);
}

/** `<seq> OK[ k=v]...` or `<seq> ERR <CODE>[ k=v]...`, with the fields of the session's version. */
export function encodeReply<V extends Verb>(
  seq: number,
  verb: V,
  reply: Reply<V>,
  version: ProtocolVersion = 1,
): Buffer {
  checkSeq(seq);
  if (reply.ok) {
    return encodeLine(
      `${seq} OK${formatFields(VERBS[verb].reply, reply.fields as Record<string, unknown>, verb, version)}`,
    );
  }
  return encodeLine(`${seq} ERR ${reply.code}${formatErrorFields(reply.code, reply.fields)}`);
}

/** ERR replies to lines that were not executed (CRC, SYNTAX, TOO_LONG, SEQ, HELLO) have no verb. */
export function encodeErrorReply(
  seq: number,
  code: WireErrorCode,
  fields: Record<string, string | number> = {},
): Buffer {
  checkSeq(seq);
  return encodeLine(`${seq} ERR ${code}${formatErrorFields(code, fields)}`);
}

function formatErrorFields(code: WireErrorCode, fields: Record<string, unknown>): string {
  const spec = (ERROR_FIELDS as Partial<Record<WireErrorCode, Record<string, ValueType>>>)[code];
  return spec ? formatFields(spec, fields, `ERR ${code}`, 1) : '';
}

export interface EventEncoding {
  /** The session's version; default 1. */
  version?: ProtocolVersion;
  /** §v2 Events: the event's eseq. Required for a sequenced event in v2, refused otherwise. */
  eseq?: number;
}

/** `! <EVENT>[ k=v]...`, or in v2 for a sequenced event `!<eseq> <EVENT>[ k=v]...` (§v2 Events). */
export function encodeEvent<E extends EventName>(
  event: E,
  fields: EventFieldsOf<E>,
  encoding: EventEncoding = {},
): Buffer {
  const version = encoding.version ?? 1;
  if (eventSince(event) > version) {
    throw new ProtocolError('PROTO_NOT_SUPPORTED', `${event} is protocol v${eventSince(event)}`);
  }
  const sequenced = version >= 2 && EVENTS[event].sequenced;
  if (sequenced !== (encoding.eseq !== undefined)) {
    throw new ProtocolError(
      'PROTO_INVALID_ARGUMENT',
      sequenced ? `${event} needs an eseq in v2` : `${event} carries no eseq in v${version}`,
    );
  }
  if (encoding.eseq !== undefined) checkSeq(encoding.eseq);
  const mark = encoding.eseq === undefined ? '! ' : `!${encoding.eseq} `;
  return encodeLine(
    `${mark}${event}${formatFields(EVENTS[event].fields, fields as Record<string, unknown>, event, version)}`,
  );
}
