// The reject strokes' start error in one line of numbers, so a bench can set host timing beside
// position triggering: how far, in mm of belt, each stroke's product was from where it should have been.

import type { LineStroke } from './virtual-line.js';

export interface StrokeErrorStats {
  /** Strokes with an error (a product was on the belt and strokeLeadMm is configured). */
  count: number;
  /** Mean signed error, mm (positive: late). */
  meanMm: number;
  /** 99th percentile of |error| (nearest rank), mm. */
  p99AbsMm: number;
  maxAbsMm: number;
}

export function strokeErrorStats(strokes: readonly LineStroke[]): StrokeErrorStats {
  const errors = strokes.map((s) => s.errorMm).filter((e): e is number => e !== undefined);
  if (errors.length === 0) return { count: 0, meanMm: 0, p99AbsMm: 0, maxAbsMm: 0 };
  const abs = errors.map(Math.abs).sort((a, b) => a - b);
  return {
    count: errors.length,
    meanMm: errors.reduce((sum, e) => sum + e, 0) / errors.length,
    p99AbsMm: abs[Math.ceil(0.99 * abs.length) - 1]!,
    maxAbsMm: abs.at(-1)!,
  };
}
