// Judges findings against the recipe: GS1 data, geometry and contrast become reason codes. Pure.

import {
  type DecodedData,
  hasValidCheckDigit,
  type LabelReport,
  orderReasons,
  type ReasonCode,
  type Recipe,
} from '@servo-edge/common/mqtt';
import { normalizeHalfTurn } from '../analysis/label-geometry.js';
import type { Findings } from './inspect-image.js';
import { readData } from './read-data.js';

export { readData } from './read-data.js';

export interface Judgement {
  verdict: 'pass' | 'reject';
  reasons: ReasonCode[];
  decoded: DecodedData | null;
  label: LabelReport;
}

/** Below this PCS an unread label is blank paper rather than faint print: NO_CODE alone says it. */
const BLANK_PAPER_PCS = 0.1;

/**
 * `nowEpochMs` (wall time) only picks the century of two-digit expiry years (GS1 GenSpecs 7.12); the
 * expiry itself is compared with the recipe's fixed minimum date.
 */
export function judge(findings: Findings, recipe: Recipe, nowEpochMs: number): Judgement {
  const reasons: ReasonCode[] = [];
  const region = recipe.labelRegion;
  const label: LabelReport = { present: findings.label.present };
  if (
    !findings.label.present ||
    findings.label.centerXPx === undefined ||
    findings.label.centerYPx === undefined
  ) {
    return { verdict: 'reject', reasons: ['NO_LABEL'], decoded: null, label };
  }

  // Geometry.
  label.centerXPx = round(findings.label.centerXPx);
  label.centerYPx = round(findings.label.centerYPx);
  const offsetPx = Math.hypot(
    findings.label.centerXPx - (region.xPx + region.widthPx / 2),
    findings.label.centerYPx - (region.yPx + region.heightPx / 2),
  );
  label.offsetPx = round(offsetPx);
  if (offsetPx > region.positionTolerancePx) reasons.push('MISPLACED');
  const skewDeg = skewOf(findings);
  if (skewDeg !== undefined) {
    label.skewDeg = round(skewDeg);
    if (Math.abs(skewDeg) > region.skewToleranceDeg) reasons.push('SKEWED');
  }
  if (findings.printContrast !== null) label.printContrast = round(findings.printContrast, 3);

  // The code.
  const symbol = findings.symbol;
  if (!symbol) {
    reasons.push('NO_CODE');
    const pcs = findings.printContrast ?? 0;
    // Faint print, not blank paper: above the floor, or a band of bars that stands clear of noise.
    const print = pcs >= BLANK_PAPER_PCS || findings.printAboveNoise === true;
    if (print && pcs < region.minPrintContrast) reasons.push('LOW_CONTRAST');
    return { verdict: 'reject', reasons: orderReasons(reasons), decoded: null, label };
  }
  if ((findings.printContrast ?? 0) < region.minPrintContrast) reasons.push('LOW_CONTRAST');
  const decoded = readData(symbol.symbology, symbol.text, symbol.isGs1, nowEpochMs);
  reasons.push(...dataReasons(decoded, recipe));
  return {
    verdict: reasons.length === 0 ? 'pass' : 'reject',
    reasons: orderReasons(reasons),
    decoded,
    label,
  };
}

/** Content checks. A missing element counts as a mismatch: what cannot be verified is rejected. */
function dataReasons(decoded: DecodedData, recipe: Recipe): ReasonCode[] {
  const reasons: ReasonCode[] = [];
  const gtin = decoded.gtin;
  if (gtin === undefined) {
    reasons.push('WRONG_GTIN');
  } else {
    if (!hasValidCheckDigit(gtin)) reasons.push('BAD_CHECK_DIGIT');
    // Compare without the check digit, so a misprinted check digit alone is not also WRONG_GTIN.
    if (gtin.length !== recipe.gtin.length || gtin.slice(0, -1) !== recipe.gtin.slice(0, -1))
      reasons.push('WRONG_GTIN');
  }
  if (recipe.lot !== undefined && decoded.lot !== recipe.lot) reasons.push('WRONG_LOT');
  // ISO dates compare correctly as strings.
  if (recipe.minExpiry !== undefined && (decoded.expiry === undefined || decoded.expiry < recipe.minExpiry)) {
    reasons.push('EXPIRED');
  }
  return reasons;
}

/**
 * The label's rotation. Moments give the long axis modulo 180 degrees; the decoder's rotation tells
 * an upside-down label from an upright one. Without a reliable axis the decoder's angle is used alone.
 */
function skewOf(findings: Findings): number | undefined {
  const axisDeg = findings.label.angleReliable ? findings.label.angleDeg : undefined;
  const decoderDeg = findings.symbol?.rotationDeg;
  if (axisDeg === undefined) return decoderDeg === undefined ? undefined : normalizeFullTurn(decoderDeg);
  if (decoderDeg === undefined) return normalizeHalfTurn(axisDeg);
  const candidates = [axisDeg, axisDeg + 180, axisDeg - 180];
  let best = axisDeg;
  for (const candidate of candidates) {
    if (angularDistance(candidate, decoderDeg) < angularDistance(best, decoderDeg)) best = candidate;
  }
  return normalizeFullTurn(best);
}

function normalizeFullTurn(angleDeg: number): number {
  let a = angleDeg % 360;
  if (a <= -180) a += 360;
  if (a > 180) a -= 360;
  return a;
}

function angularDistance(a: number, b: number): number {
  return Math.abs(normalizeFullTurn(a - b));
}

function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
