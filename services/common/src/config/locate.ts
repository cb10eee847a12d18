// Finds where a config path sits in the YAML source, so each problem can say "line 12".

import { type Document, isMap, isScalar, isSeq, type LineCounter, type Node } from 'yaml';
import type { PathSegment } from './problems.js';

export interface SourcePosition {
  line: number;
  column: number;
}

/**
 * The position of the deepest node on `segments` that exists: the key itself when `atKey`, else its
 * value. A missing key points at its parent section, which is where it has to be added; a path
 * with no part in the file has no position.
 */
export function locate(
  document: Document,
  lineCounter: LineCounter,
  segments: readonly PathSegment[],
  atKey = false,
): SourcePosition | undefined {
  let node: unknown = document.contents;
  let position: number | undefined;
  for (let index = 0; index < segments.length; index++) {
    const segment = segments[index];
    const last = index === segments.length - 1;
    if (isMap(node) && typeof segment === 'string') {
      const pair = node.items.find((item) => isScalar(item.key) && item.key.value === segment);
      if (!pair) break;
      if (last && atKey) return toPosition(lineCounter, offsetOf(pair.key));
      node = pair.value;
      position = offsetOf(pair.value) ?? offsetOf(pair.key) ?? position;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      if (item === undefined) break;
      node = item;
      position = offsetOf(item) ?? position;
    } else break;
  }
  return toPosition(lineCounter, position);
}

function offsetOf(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : undefined;
}

function toPosition(lineCounter: LineCounter, offset: number | undefined): SourcePosition | undefined {
  if (offset === undefined) return undefined;
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}
