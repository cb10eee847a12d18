// Parsing and formatting of the value types declared in messages.ts (§Framing: tokens; §v2 Positions).

import { type ProtocolVersion, type ValueType, VERSIONED_TYPES } from './messages.js';

const INT32_MAX = 2 ** 31 - 1;
/** §v2 Positions: the largest magnitude a 64-bit field may have on the wire. */
const INT64_MAX = 2n ** 63n - 1n;
const UINT_RE = /^(0|[1-9][0-9]{0,9})$/;
const INT_RE = /^(0|-?[1-9][0-9]{0,9})$/;
const UINT64_RE = /^(0|[1-9][0-9]{0,18})$/;
const INT64_RE = /^(0|-?[1-9][0-9]{0,18})$/;
const TOKEN_RE = /^[A-Z][A-Z0-9_]*$/;
const SEMVER_RE = /^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?$/;
/** tokenList: the word that stands for the empty list (a value is never empty on the wire). */
const EMPTY_TOKEN_LIST = 'NONE';

/**
 * The outcome of reading one token. `form`: the token is not written as the type says (SYNTAX or
 * ARGS). `range`: it is, but the value is beyond ±(2^53-1), which a JavaScript number cannot hold
 * exactly (§v2 Positions): the line is refused rather than rounded.
 */
export type ParsedValue = { ok: true; value: unknown } | { ok: false; problem: 'form' | 'range' };

const FORM: ParsedValue = { ok: false, problem: 'form' };
const RANGE: ParsedValue = { ok: false, problem: 'range' };

/** The wire type of `type` in a session of `version` (resolves the versioned types). */
export function wireType(type: ValueType, version: ProtocolVersion): ValueType {
  if (typeof type === 'string' && Object.hasOwn(VERSIONED_TYPES, type)) {
    return VERSIONED_TYPES[type as keyof typeof VERSIONED_TYPES][version];
  }
  return type;
}

function int32(text: string, re: RegExp): ParsedValue {
  if (!re.test(text)) return FORM;
  const n = Number(text);
  return Math.abs(n) <= INT32_MAX ? { ok: true, value: n } : FORM;
}

function int64(text: string, re: RegExp): ParsedValue {
  if (!re.test(text)) return FORM;
  // Digits alone allow up to 10^19 - 1: the exact bound needs a BigInt, and only for 19 digits.
  if (
    text.replace('-', '').length === 19 &&
    (text.startsWith('-') ? -BigInt(text) : BigInt(text)) > INT64_MAX
  ) {
    return FORM;
  }
  const n = Number(text);
  return Number.isSafeInteger(n) ? { ok: true, value: n } : RANGE;
}

function list(text: string, item: (part: string) => ParsedValue): ParsedValue {
  const out: number[] = [];
  let worst: ParsedValue | undefined;
  for (const part of text.split(',')) {
    const parsed = item(part);
    if (!parsed.ok) {
      if (parsed.problem === 'form') return FORM;
      worst = parsed;
      continue;
    }
    out.push(parsed.value as number);
  }
  return worst ?? { ok: true, value: out };
}

/** Reads one token as `type` in a session of `version`. */
export function readValue(type: ValueType, text: string, version: ProtocolVersion = 1): ParsedValue {
  const wire = wireType(type, version);
  switch (wire) {
    case 'uint':
      return int32(text, UINT_RE);
    case 'posint': {
      const parsed = int32(text, UINT_RE);
      return parsed.ok && parsed.value === 0 ? FORM : parsed;
    }
    case 'int':
      return int32(text, INT_RE);
    case 'semver':
      return SEMVER_RE.test(text) ? { ok: true, value: text } : FORM;
    case 'intList':
      return list(text, (part) => int32(part, INT_RE));
    case 'i64':
      return int64(text, INT64_RE);
    case 'u64':
      return int64(text, UINT64_RE);
    case 'i64List':
      return list(text, (part) => int64(part, INT64_RE));
    case 'bound64': {
      // A bound beyond what a JS number holds exactly is as good as the largest one that it does.
      const parsed = int64(text, UINT64_RE);
      return parsed.ok || parsed.problem === 'form' ? parsed : { ok: true, value: Number.MAX_SAFE_INTEGER };
    }
    case 'tokenList': {
      if (text === EMPTY_TOKEN_LIST) return { ok: true, value: [] };
      const tokens = text.split(',');
      return tokens.every((t) => TOKEN_RE.test(t) && t !== EMPTY_TOKEN_LIST)
        ? { ok: true, value: tokens }
        : FORM;
    }
    case 'direction':
      return text === '1' ? { ok: true, value: 1 } : text === '-1' ? { ok: true, value: -1 } : FORM;
    case 'position':
    case 'positionList':
    case 'deviceTime':
      return FORM; // resolved by wireType above; unreachable
    default:
      return wire.enum.includes(text) ? { ok: true, value: text } : FORM;
  }
}

/** Parse one token as `type`; undefined if the token does not match exactly or cannot be held. */
export function parseValue(type: ValueType, text: string, version: ProtocolVersion = 1): unknown {
  const parsed = readValue(type, text, version);
  return parsed.ok ? parsed.value : undefined;
}

/** Format a value as `type`; undefined if the value is not representable (caller reports it). */
export function formatValue(
  type: ValueType,
  value: unknown,
  version: ProtocolVersion = 1,
): string | undefined {
  const wire = wireType(type, version);
  let text: string;
  if (wire === 'intList' || wire === 'i64List') {
    if (!Array.isArray(value) || value.length === 0) return undefined;
    text = value.map((v) => (typeof v === 'number' ? String(v) : '')).join(',');
  } else if (wire === 'tokenList') {
    if (!Array.isArray(value)) return undefined;
    text =
      value.length === 0 ? EMPTY_TOKEN_LIST : value.map((v) => (typeof v === 'string' ? v : '')).join(',');
  } else {
    text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value : '';
  }
  // Round-trip through the parser so encode accepts exactly what decode accepts.
  const parsed = readValue(type, text, version);
  if (!parsed.ok) return undefined;
  // bound64 reads a huge bound as 2^53-1: only a value that reads back as itself is representable.
  return wire === 'bound64' && parsed.value !== value ? undefined : text;
}
