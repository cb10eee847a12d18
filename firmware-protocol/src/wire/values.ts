// Parsing and formatting of the value types declared in messages.ts (§Framing: tokens).

import type { ValueType } from './messages.js';

const INT32_MAX = 2 ** 31 - 1;
const UINT_RE = /^(0|[1-9][0-9]{0,9})$/;
const INT_RE = /^(0|-?[1-9][0-9]{0,9})$/;
const SEMVER_RE = /^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?$/;

function parseInt32(text: string, re: RegExp): number | undefined {
  if (!re.test(text)) return undefined;
  const n = Number(text);
  return Math.abs(n) <= INT32_MAX ? n : undefined;
}

/** Parse one token as `type`; undefined if the token does not match exactly. */
export function parseValue(type: ValueType, text: string): unknown {
  switch (type) {
    case 'uint':
      return parseInt32(text, UINT_RE);
    case 'posint': {
      const n = parseInt32(text, UINT_RE);
      return n === undefined || n === 0 ? undefined : n;
    }
    case 'int':
      return parseInt32(text, INT_RE);
    case 'semver':
      return SEMVER_RE.test(text) ? text : undefined;
    case 'intList': {
      const parts = text.split(',');
      const out: number[] = [];
      for (const part of parts) {
        const n = parseInt32(part, INT_RE);
        if (n === undefined) return undefined;
        out.push(n);
      }
      return out;
    }
    default:
      return type.enum.includes(text) ? text : undefined;
  }
}

/** Format a value as `type`; undefined if the value is not representable (caller reports it). */
export function formatValue(type: ValueType, value: unknown): string | undefined {
  let text: string;
  if (type === 'intList') {
    if (!Array.isArray(value) || value.length === 0) return undefined;
    text = value.map((v) => String(v)).join(',');
  } else {
    text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value : '';
  }
  // Round-trip through the parser so encode accepts exactly what decode accepts.
  return parseValue(type, text) === undefined ? undefined : text;
}
