// Parses a GS1 element string (FNC1 as ASCII 29, or the bracketed human-readable form) into AIs.

import type { ErrorCode } from '../errors.js';
import { aiFormat, aiLength } from './ai-table.js';

/** ASCII GS: how decoders transmit FNC1 separators inside GS1 data [ISO/IEC 15417 / 16022]. */
export const GS = '\u001d';

export interface Gs1Element {
  ai: string;
  value: string;
}

export type Gs1ParseResult =
  | { ok: true; elements: Gs1Element[]; byAi: ReadonlyMap<string, string> }
  | { ok: false; code: Extract<ErrorCode, `GS1_${string}`>; offset: number };

// GS1 AI encodable character set 82.
const CSET82 = /^[!"%-?A-Z_a-z]*$/;

/**
 * Parses `text`. A leading GS (some decoders emit the first FNC1) and a trailing GS are tolerated.
 * Never throws: malformed input yields `{ ok: false, code }`.
 */
export function parseElementString(text: string): Gs1ParseResult {
  if (text.startsWith('(')) return parseHumanReadable(text);
  const elements: Gs1Element[] = [];
  let pos = text.startsWith(GS) ? 1 : 0;
  if (pos >= text.length) return { ok: false, code: 'GS1_EMPTY', offset: pos };
  while (pos < text.length) {
    const start = pos;
    const length = aiLength(text.slice(pos, pos + 2));
    const ai = length === undefined ? '' : text.slice(pos, pos + length);
    const format = length === undefined || ai.length < length ? undefined : aiFormat(ai);
    if (!format) return { ok: false, code: 'GS1_UNKNOWN_AI', offset: start };
    pos += ai.length;
    let value: string;
    if (format.fixed) {
      value = text.slice(pos, pos + format.length);
      if (value.length < format.length || value.includes(GS))
        return { ok: false, code: 'GS1_BAD_LENGTH', offset: start };
      pos += format.length;
      // A separator after a fixed-length element is redundant but legal.
      if (text[pos] === GS) pos++;
    } else {
      const end = text.indexOf(GS, pos);
      value = text.slice(pos, end === -1 ? text.length : end);
      pos = end === -1 ? text.length : end + 1;
      if (value.length === 0 || value.length > format.length)
        return { ok: false, code: 'GS1_BAD_LENGTH', offset: start };
    }
    const problem = checkValue(format.charset, value);
    if (problem) return { ok: false, code: problem, offset: start };
    elements.push({ ai, value });
  }
  return finish(elements);
}

/** `(01)09506000134352(17)271130(10)L24A17`. Brackets inside values cannot be told apart; see README. */
function parseHumanReadable(text: string): Gs1ParseResult {
  const elements: Gs1Element[] = [];
  const pattern = /\((\d{2,4})\)([^()]*)/gy;
  let match: RegExpExecArray | null;
  let consumed = 0;
  // biome-ignore lint/suspicious/noAssignInExpressions: the usual sticky-regex scan
  while ((match = pattern.exec(text)) !== null) {
    const [, ai = '', value = ''] = match;
    const format = aiLength(ai.slice(0, 2)) === ai.length ? aiFormat(ai) : undefined;
    if (!format) return { ok: false, code: 'GS1_UNKNOWN_AI', offset: match.index };
    if (
      value.length === 0 ||
      (format.fixed ? value.length !== format.length : value.length > format.length)
    ) {
      return { ok: false, code: 'GS1_BAD_LENGTH', offset: match.index };
    }
    const problem = checkValue(format.charset, value);
    if (problem) return { ok: false, code: problem, offset: match.index };
    elements.push({ ai, value });
    consumed = pattern.lastIndex;
  }
  if (elements.length === 0) return { ok: false, code: 'GS1_EMPTY', offset: 0 };
  if (consumed !== text.length) return { ok: false, code: 'GS1_BAD_VALUE', offset: consumed };
  return finish(elements);
}

function checkValue(charset: 'n' | 'x' | 'date', value: string): 'GS1_BAD_VALUE' | undefined {
  if (charset === 'x') return CSET82.test(value) ? undefined : 'GS1_BAD_VALUE';
  if (!/^\d+$/.test(value)) return 'GS1_BAD_VALUE';
  if (charset === 'date') {
    const month = Number(value.slice(2, 4));
    const day = Number(value.slice(4, 6));
    // Day 00 is legal: it means the last day of the month (GenSpecs 3.4.x).
    if (month < 1 || month > 12 || day > 31) return 'GS1_BAD_VALUE';
  }
  return undefined;
}

function finish(elements: Gs1Element[]): Gs1ParseResult {
  const byAi = new Map<string, string>();
  for (const element of elements) {
    const previous = byAi.get(element.ai);
    if (previous !== undefined && previous !== element.value)
      return { ok: false, code: 'GS1_DUPLICATE_AI', offset: 0 };
    byAi.set(element.ai, element.value);
  }
  return { ok: true, elements, byAi };
}
