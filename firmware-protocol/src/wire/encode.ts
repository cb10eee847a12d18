// Encoders: typed messages -> wire lines with checksum and LF (§Framing).

import { ProtocolError } from '../errors.js';
import { MAX_LINE_BYTES } from './constants.js';
import { crc16, formatCrc } from './crc16.js';
import {
  type ArgsOf,
  ERROR_FIELDS,
  EVENTS,
  type EventFieldsOf,
  type EventName,
  type Reply,
  type ValueType,
  VERBS,
  type Verb,
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

function formatOrThrow(type: ValueType, value: unknown, what: string): string {
  const text = formatValue(type, value);
  if (text === undefined) {
    throw new ProtocolError('PROTO_INVALID_ARGUMENT', `${what}=${JSON.stringify(value)}`);
  }
  return text;
}

function formatFields(
  spec: Record<string, ValueType>,
  fields: Record<string, unknown>,
  what: string,
): string {
  let out = '';
  for (const [key, type] of Object.entries(spec)) {
    out += ` ${key}=${formatOrThrow(type, fields[key], `${what} ${key}`)}`;
  }
  return out;
}

function checkSeq(seq: number): void {
  if (!isValidSeq(seq)) throw new ProtocolError('PROTO_INVALID_ARGUMENT', `seq=${seq}`);
}

/**
 * `<VERB>[ <arg>]...`: a command without its seq. Validates every argument against the table,
 * so a host can refuse a bad request before it takes a seq (see encodeCommand).
 */
export function encodeCommandBody<V extends Verb>(verb: V, args: ArgsOf<V>): string {
  let body: string = verb;
  const values = args as Record<string, unknown>;
  for (const arg of VERBS[verb].args as readonly { name: string; type: ValueType }[]) {
    body += ` ${formatOrThrow(arg.type, values[arg.name], `${verb} ${arg.name}`)}`;
  }
  if (body.length + MAX_SEQ_PREFIX_BYTES + CHECKSUM_SUFFIX_BYTES > MAX_LINE_BYTES) {
    throw new ProtocolError('PROTO_LINE_TOO_LONG', verb);
  }
  return body;
}

/** `<seq> <VERB>[ <arg>]...` */
export function encodeCommand<V extends Verb>(seq: number, verb: V, args: ArgsOf<V>): Buffer {
  checkSeq(seq);
  return encodeLine(`${seq} ${encodeCommandBody(verb, args)}`);
}

/** `<seq> OK[ k=v]...` or `<seq> ERR <CODE>[ k=v]...` */
export function encodeReply<V extends Verb>(seq: number, verb: V, reply: Reply<V>): Buffer {
  checkSeq(seq);
  if (reply.ok) {
    return encodeLine(`${seq} OK${formatFields(VERBS[verb].reply, reply.fields, verb)}`);
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
  return spec ? formatFields(spec, fields, `ERR ${code}`) : '';
}

/** `! <EVENT>[ k=v]...` */
export function encodeEvent<E extends EventName>(event: E, fields: EventFieldsOf<E>): Buffer {
  return encodeLine(
    `! ${event}${formatFields(EVENTS[event].fields, fields as Record<string, unknown>, event)}`,
  );
}
