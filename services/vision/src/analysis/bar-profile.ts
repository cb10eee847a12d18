// A linear code seen across its bars: the label deskewed along its measured axis, the bars' band found, its rows averaged into one clean scan line.
//
// A linear code carries its data in one dimension; the bars' height is redundancy. A scanner's single
// scan line sees a fine bar (1.5-2 px) through the sensor's noise, the JPEG's 8x8 blocks and the
// blur, and a narrow space between two wide bars may not rise above the threshold on any one line.
// Averaging the line over the bar height (tens of rows) divides the noise by the square root of the
// row count and leaves the bars, provided the average runs exactly along them: so the label is
// resampled along its measured axis, and the remaining tilt (the outline's error, a code printed
// slightly askew, a keystone) is found by trying a few shears and keeping the sharpest profile. The
// profile is then resampled at twice the frame's resolution (cubic), so a decoder's edge finder has
// two samples per pixel to place edges between, and handed over as a small image of identical rows.

import type { GrayImage } from '../image/gray-image.js';

/** The label as an oriented rectangle on the frame. */
export interface OrientedLabel {
  centerXPx: number;
  centerYPx: number;
  /** Direction of the long axis on the frame, degrees clockwise from +x. */
  axisDeg: number;
  lengthPx: number;
  breadthPx: number;
}

export interface BarProfile {
  /** Identical rows of the averaged scan line, upsampled by PROFILE_UPSAMPLE. */
  image: GrayImage;
  /** The averaged scan line itself, one sample per frame pixel along the scan (for `sharpenedLine`). */
  line: Float64Array;
  /**
   * The band's rows, deskewed (bars upright) at the frame's resolution along the scan, one row every
   * ROW_PITCH_PX along the bars: what a decoder searching line by line needs, without its rotations.
   */
  bandImage: GrayImage;
  /** Direction on the frame of the profile's left-to-right, degrees clockwise from +x. */
  scanDeg: number;
  /** Corners of the bars' band on the frame (start-top, end-top, end-bottom, start-bottom). */
  cornersPx: [Point, Point, Point, Point];
  /** Print contrast signal (Rmax - Rmin) / Rmax on the averaged line, read locally over the bars. */
  printContrast: number;
  /**
   * The bars' swing stands clear of the line's own noise (measured in the quiet zones): there is
   * print on the label, however faint, and not just noise that the extent search took for bars.
   */
  printAboveNoise: boolean;
  /** The bars' extent along `bandImage`'s rows: columns [barsFromPx, barsToPx). */
  barsFromPx: number;
  barsToPx: number;
}

interface Point {
  xPx: number;
  yPx: number;
}

/** Paper beyond the measured outline that is sampled too: the outline may cut the quiet zone, px. */
const MARGIN_PX = 6;
/** Pitch of the coarse pass that tells which way the bars run, px. */
const COARSE_PITCH_PX = 2;
/** Rows along the bars are sampled this far apart, px: bars are tens of pixels tall. */
const ROW_PITCH_PX = 2;
/** A row belongs to the bars' band when its edge energy reaches this share of the strongest row's. */
const BAND_ENERGY_SHARE = 0.45;
/** Fewest rows in a band: fewer than this and averaging buys nothing. */
const MIN_BAND_ROWS = 4;
/** Rows at each end of the band left out: the bars' ends are blurred into the paper. */
const BAND_TRIM_ROWS = 1;
/**
 * Shears tried, in steps of the bars' drift in px along the scan per px across it (0.01 = 0.57
 * degree), up to MAX_SHEAR_STEPS either way (±1.7 degrees).
 */
const SHEAR_STEP = 0.01;
const MAX_SHEAR_STEPS = 3;
/** The profile is resampled at this many samples per frame pixel. */
export const PROFILE_UPSAMPLE = 2;
/** A step is clear at this share of the reference step (REFERENCE_STEP_SHARE). */
const EXTENT_STEP_SHARE = 0.3;
/** The label's outline blurs this far inwards; the bars' extent is searched inside it, px. */
const OUTLINE_CLEARANCE_PX = 4;
/**
 * How far inside the sampled end the outline may lie, px: the fitted outline's error plus a keystone's
 * lean over the band (the band is a rectangle, the label's image need not be). Stays under a quiet
 * zone (10 modules, at least 15 px at 1.5 px modules), so the bars are never taken for the outline.
 */
const OUTLINE_SEARCH_PX = 6;
/** Steps are clear against this percentile of the inside's steps (a code covers far more than 10 %). */
const REFERENCE_STEP_SHARE = 0.9;
/**
 * Fewest clear steps in a code's extent: an EAN-13 has 59 bars and spaces, 60 edges (ISO/IEC 15420),
 * a GS1-128 with a GTIN alone more; 20 leaves room for the narrow spaces that blur merges.
 */
const MIN_EXTENT_STEPS = 20;
/** Steps further apart than this are not in one code: a 4-module bar at 3 px modules, px. */
const MAX_BAR_GAP_PX = 12;
/** Windows along the averaged line in which contrast is read locally, px (about a dozen 2 px modules). */
const PCS_WINDOW_PX = 24;
const PCS_WINDOW_STEP_PX = 6;
/** The contrast is this percentile of the windows'. */
const PCS_WINDOW_SHARE = 0.8;
/** Quiet zone taken in beside the bars for the paper level, px. */
const PCS_PAPER_PX = 4;
/** Print is there when its swing reaches this many sigmas of the line's noise (noise alone: 3-4). */
const PRINT_OVER_NOISE_SIGMAS = 6;
/** Quiet zone read for the line's noise on each side of the bars, px, and kept clear of them, px. */
const NOISE_ZONE_PX = 12;
const NOISE_ZONE_CLEARANCE_PX = 2;
/** Rows of the image handed to the decoders (ZXing wants a few lines to agree). */
const PROFILE_ROWS = 8;

/**
 * The averaged scan line across a linear code on `label`, or undefined when the label shows no band
 * of bars. The bars may run across the label's long axis or along it; the direction with more edge
 * energy across it wins.
 */
export function barProfile(frame: GrayImage, label: OrientedLabel): BarProfile | undefined {
  const a = (label.axisDeg * Math.PI) / 180;
  const along = { x: Math.cos(a), y: Math.sin(a) };
  const across = { x: -along.y, y: along.x };
  const halfL = label.lengthPx / 2 + MARGIN_PX;
  const halfB = label.breadthPx / 2 + MARGIN_PX;
  // 1. Which way do the bars run? Edge energy along each axis of a coarse grid.
  const barsAcrossAxis =
    energyAlong(frame, label, along, across, halfL, halfB) >=
    energyAlong(frame, label, across, along, halfB, halfL);
  const u = barsAcrossAxis ? along : across;
  const v = barsAcrossAxis ? across : { x: -along.x, y: -along.y };
  const halfU = barsAcrossAxis ? halfL : halfB;
  const halfV = barsAcrossAxis ? halfB : halfL;
  const scanDeg = barsAcrossAxis ? label.axisDeg : label.axisDeg + 90;

  // 2. Edge energy of rows across the bars, every ROW_PITCH_PX along them, sampled bilinear: it
  // only has to tell the bars' rows from the rest, and that costs less than the cubic (the rows are
  // sampled properly once the band is known, below; on the development split about half of them
  // are in it).
  const widthPx = Math.floor(2 * halfU);
  const rowCount = Math.floor((2 * halfV) / ROW_PITCH_PX);
  if (widthPx < 16 || rowCount < MIN_BAND_ROWS) return undefined;
  // Where row r starts on the frame (the centre of its first sample): plain numbers, not an object,
  // so the loops below allocate nothing per row.
  const startX0 = label.centerXPx - v.x * halfV - u.x * halfU + u.x * 0.5;
  const startY0 = label.centerYPx - v.y * halfV - u.y * halfU + u.y * 0.5;
  const rowStepX = v.x * ROW_PITCH_PX;
  const rowStepY = v.y * ROW_PITCH_PX;
  const energy = new Float64Array(rowCount);
  for (let r = 0; r < rowCount; r++) {
    const x = startX0 + rowStepX * (r + 0.5);
    const y = startY0 + rowStepY * (r + 0.5);
    energy[r] = lineEnergy(frame, x, y, u.x, u.y, widthPx);
  }

  // 3. The band: the run of rows around the strongest whose energy stays high. Only rows inside the
  // label's outline count: bars are printed on the paper, and a row along the outline (paper against
  // the product, or the product's printed clutter) must never be taken for them.
  const smooth = new Float64Array(rowCount);
  for (let r = 0; r < rowCount; r++)
    smooth[r] = (energy[Math.max(0, r - 1)]! + energy[r]! + energy[Math.min(rowCount - 1, r + 1)]!) / 3;
  const innerHalfV = halfV - MARGIN_PX - OUTLINE_CLEARANCE_PX;
  const inside = (r: number) => Math.abs(-halfV + (r + 0.5) * ROW_PITCH_PX) <= innerHalfV;
  let peak = -1;
  for (let r = 0; r < rowCount; r++) if (inside(r) && (peak < 0 || smooth[r]! > smooth[peak]!)) peak = r;
  if (peak < 0) return undefined;
  const floor = BAND_ENERGY_SHARE * smooth[peak]!;
  let r0 = peak;
  let r1 = peak;
  while (r0 > 0 && inside(r0 - 1) && smooth[r0 - 1]! >= floor) r0--;
  while (r1 < rowCount - 1 && inside(r1 + 1) && smooth[r1 + 1]! >= floor) r1++;
  r0 += BAND_TRIM_ROWS;
  r1 -= BAND_TRIM_ROWS;
  if (r1 - r0 + 1 < MIN_BAND_ROWS) return undefined;
  const vMid = (r0 + r1) / 2;

  // The band's rows at full resolution. Across the bars the sampling must keep a 1.5 px module:
  // cubic along the scan's main axis on the frame, linear along the other (the bars' direction,
  // where nothing changes quickly). One buffer for all rows, each row a view on it: an array per
  // row (hundreds of them) cost a fifth of this function's time in allocation and collection.
  const samples = new Float32Array((r1 - r0 + 1) * widthPx);
  const rows: Float32Array[] = [];
  for (let r = r0; r <= r1; r++) {
    const row = samples.subarray((r - r0) * widthPx, (r - r0 + 1) * widthPx);
    sampleCubicRow(frame, startX0 + rowStepX * (r + 0.5), startY0 + rowStepY * (r + 0.5), u.x, u.y, row);
    rows[r] = row;
  }

  // 4. The shear that lines the average up with the bars: the sharpest profile. Judged on every
  // second row of the band (the bars are tens of rows tall, and which shear lines them up shows as
  // clearly on half of them), coarse to fine: sharpness falls off on either side of the right shear,
  // so the best of three shears two steps apart, then its two neighbours, find the best of all seven
  // in five trials. The winner's sum over the even rows is kept, and the odd rows are added to it.
  const evenRowsAt = (shear: number, out: Float64Array): number => {
    out.fill(0);
    for (let r = r0; r <= r1; r += 2) addShifted(out, rows[r]!, shear * (r - vMid) * ROW_PITCH_PX);
    let sharpness = 0;
    for (let i = 1; i < widthPx; i++) sharpness += (out[i]! - out[i - 1]!) ** 2;
    return sharpness;
  };
  let profile = new Float64Array(widthPx);
  let trial = new Float64Array(widthPx);
  let bestShear = 0;
  let bestSharpness = -1;
  const tryShear = (step: number): void => {
    const shear = step * SHEAR_STEP;
    const sharpness = evenRowsAt(shear, trial);
    if (sharpness > bestSharpness) {
      bestSharpness = sharpness;
      bestShear = shear;
      [profile, trial] = [trial, profile];
    }
  };
  for (const step of [0, -2, 2]) tryShear(step);
  const coarse = Math.round(bestShear / SHEAR_STEP);
  for (const step of [coarse - 1, coarse + 1]) if (Math.abs(step) <= MAX_SHEAR_STEPS) tryShear(step);
  for (let r = r0 + 1; r <= r1; r += 2) addShifted(profile, rows[r]!, bestShear * (r - vMid) * ROW_PITCH_PX);
  const n = r1 - r0 + 1;
  for (let i = 0; i < widthPx; i++) profile[i]! /= n;

  // 5. Stretch to the full gray range (paper white, ink black) and upsample.
  const image = lineImage(profile);
  // The band's rows themselves, sheared straight: for the decoders' own line-by-line search. Built
  // on first use: most codes are read from the averaged line, and the band image is a fifth of
  // this function's time.
  let bandImage: GrayImage | undefined;
  const bandOnce = (): GrayImage => {
    bandImage ??= shearedBand(rows, r0, r1, bestShear, vMid, widthPx);
    return bandImage;
  };

  const at = (uOff: number, vOff: number): Point => ({
    xPx: label.centerXPx + u.x * uOff + v.x * vOff,
    yPx: label.centerYPx + u.y * uOff + v.y * vOff,
  });
  const vTop = -halfV + (r0 + 0.5) * ROW_PITCH_PX;
  const vBottom = -halfV + (r1 + 0.5) * ROW_PITCH_PX;
  // The bars' extent: the longest run of clear steps no further apart than the widest bar, inside the
  // label. The label's own edges lie beyond the quiet zone, at least 10 modules away (GS1 GenSpecs
  // 5.4.4.4), but the measured outline is a rectangle and the label may be a keystone or its edge
  // blurred: so each end of the outline is found again on this line (its strongest step near the
  // expected place) and the search stays OUTLINE_CLEARANCE_PX inside it. A step is clear against a
  // high percentile of the inside's steps, not against the largest one, so no single step (an outline
  // that still reaches in, a speck) decides what counts as a bar.
  const inFrom = outlineEnd(profile, 1, MARGIN_PX + OUTLINE_SEARCH_PX) + OUTLINE_CLEARANCE_PX;
  const inTo =
    outlineEnd(profile, widthPx - 2, widthPx - 2 - MARGIN_PX - OUTLINE_SEARCH_PX) - OUTLINE_CLEARANCE_PX;
  if (inTo - inFrom < 16) return undefined;
  const steps = new Float64Array(inTo - inFrom);
  for (let i = inFrom; i < inTo; i++) steps[i - inFrom] = Math.abs(profile[i]! - profile[i - 1]!);
  steps.sort();
  const referenceStep = steps[Math.floor(REFERENCE_STEP_SHARE * (steps.length - 1))]!;
  let first = inFrom;
  let last = inTo - 1;
  let bestCount = 0;
  for (let i = inFrom, runStart = -1, runEnd = -1, count = 0; i <= inTo; i++) {
    const clear = i < inTo && Math.abs(profile[i]! - profile[i - 1]!) >= EXTENT_STEP_SHARE * referenceStep;
    if (clear && runStart >= 0 && i - runEnd <= MAX_BAR_GAP_PX) {
      runEnd = i;
      count++;
    } else if (clear || i === inTo) {
      if (count > bestCount) {
        bestCount = count;
        first = Math.max(inFrom, runStart - 1);
        last = runEnd;
      }
      runStart = i;
      runEnd = i;
      count = 1;
    }
  }
  // Fewer clear steps than any code of these symbologies has edges: what was found is not a code's
  // bars (a blank label, clutter, a smear), and a contrast read on it would judge something else.
  if (bestCount < MIN_EXTENT_STEPS) return undefined;
  const uStart = -halfU + first;
  const uEnd = -halfU + last + 1;
  // Print contrast on the averaged line over the bars and a little quiet zone each side: ISO/IEC
  // 15416 measures reflectance on a scan profile taken through an aperture, not on single pixels,
  // and the average along the bars is such an aperture. On single pixels the sensor noise widens
  // the 5th-95th percentile spread and lifts a faint print's PCS by up to 0.1 at sigma 6.
  // Its Rmin and Rmax, as the standard takes them: the average has already removed the noise that
  // makes percentiles necessary on pixels, and a percentile would miss the few widest bars that
  // alone reach full ink under blur.
  // Read through a 3 px aperture (the standard's is 0.8 module or so), which also absorbs the cubic
  // resampling's overshoot at a sharp edge: it would otherwise lift the contrast. And read locally,
  // in windows a few bars wide: light that falls off along the code (a gradient, vignetting) would
  // otherwise pair the paper at its bright end with the ink at its dark end. The contrast is the
  // 80th percentile of the windows' (a window of narrow bars under blur reads low).
  // The windows never leave the inside: paper against the product beyond the outline is no print.
  const from = Math.max(inFrom, first - PCS_PAPER_PX);
  const to = Math.min(inTo, last + 1 + PCS_PAPER_PX);
  const windowContrasts: number[] = [];
  for (let w0 = from; w0 < to; w0 += PCS_WINDOW_STEP_PX) {
    const w1 = Math.min(to, w0 + PCS_WINDOW_PX);
    let ink = Number.POSITIVE_INFINITY;
    let paper = 0;
    for (let i = w0; i < w1; i++) {
      const level = (profile[i - 1]! + profile[i]! + profile[i + 1]!) / 3;
      ink = Math.min(ink, level);
      paper = Math.max(paper, level);
    }
    if (paper > 0) windowContrasts.push((paper - ink) / paper);
    if (w1 === to) break;
  }
  windowContrasts.sort((x, y) => x - y);
  const printContrast =
    windowContrasts.length > 0
      ? Math.max(0, windowContrasts[Math.floor(PCS_WINDOW_SHARE * (windowContrasts.length - 1))]!)
      : 0;
  // Is there print at all? The line's noise, read in the quiet zones beside the bars (paper only),
  // against the swing the contrast was read from: a faint print's bars stand well clear of it,
  // while the "bars" found on blank paper are the noise itself (a window's swing is 3-4 of its
  // sigma). Relative to the measured noise, so no fixed floor decides it.
  const noise = quietZoneSigma(profile, inFrom, first, last, inTo);
  const paperLevel = profile.reduce((m, v) => Math.max(m, v), 0);
  const printAboveNoise =
    noise !== undefined && printContrast * paperLevel >= PRINT_OVER_NOISE_SIGMAS * Math.max(noise, 0.5);
  return {
    image,
    line: profile,
    printAboveNoise,
    get bandImage() {
      return bandOnce();
    },
    scanDeg,
    cornersPx: [at(uStart, vTop), at(uEnd, vTop), at(uEnd, vBottom), at(uStart, vBottom)],
    printContrast,
    barsFromPx: first,
    barsToPx: last + 1,
  };
}

/**
 * The averaged line stretched to the full gray range (2nd to 98th percentile: paper white, ink
 * black), resampled at PROFILE_UPSAMPLE samples per pixel (cubic) and repeated as PROFILE_ROWS rows.
 */
function lineImage(profile: Float64Array): GrayImage {
  const widthPx = profile.length;
  const sorted = Float64Array.from(profile).sort();
  const dark = sorted[Math.floor(0.02 * widthPx)]!;
  const light = sorted[Math.floor(0.98 * widthPx)]!;
  const span = Math.max(1, light - dark);
  const outWidth = widthPx * PROFILE_UPSAMPLE;
  const line = new Uint8Array(outWidth);
  for (let j = 0; j < outWidth; j++) {
    const value = cubic(profile, (j + 0.5) / PROFILE_UPSAMPLE - 0.5);
    line[j] = Math.max(0, Math.min(255, Math.round(((value - dark) / span) * 255)));
  }
  const data = new Uint8Array(outWidth * PROFILE_ROWS);
  for (let r = 0; r < PROFILE_ROWS; r++) data.set(line, r * outWidth);
  return { widthPx: outWidth, heightPx: PROFILE_ROWS, data };
}

/**
 * The averaged line with its blur partly undone (unsharp masking: the line plus `amount` times its
 * difference from a Gaussian blur of `sigmaPx`), as `lineImage` renders it. Defocus and motion blur
 * of half a module lower a narrow bar's or space's swing far below a wide one's, and a decoder's
 * threshold then merges it with its neighbours; the averaged line is nearly free of noise, so it
 * can be sharpened without raising noise into false edges. Only ever a further look after the plain
 * line read nothing expected: every reading still passes the symbology's check characters.
 */
export function sharpenedLine(profile: BarProfile, sigmaPx: number, amount: number): GrayImage {
  const line = profile.line;
  const n = line.length;
  const radius = Math.ceil(3 * sigmaPx);
  const kernel = new Float64Array(2 * radius + 1);
  let total = 0;
  for (let t = -radius; t <= radius; t++) {
    const weight = Math.exp(-(t * t) / (2 * sigmaPx * sigmaPx));
    kernel[t + radius] = weight;
    total += weight;
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let blurred = 0;
    for (let t = -radius; t <= radius; t++) {
      const k = i + t;
      blurred += kernel[t + radius]! * line[k < 0 ? 0 : k >= n ? n - 1 : k]!;
    }
    out[i] = line[i]! + amount * (line[i]! - blurred / total);
  }
  return lineImage(out);
}

/**
 * Standard deviation of the averaged line about a straight fit in the quiet zones either side of
 * the bars (paper only; the fit takes out light that falls off along the line). Undefined when
 * neither quiet zone has room.
 */
function quietZoneSigma(
  profile: Float64Array,
  inFrom: number,
  first: number,
  last: number,
  inTo: number,
): number | undefined {
  const zones: Array<[number, number]> = [
    [Math.max(inFrom, first - NOISE_ZONE_CLEARANCE_PX - NOISE_ZONE_PX), first - NOISE_ZONE_CLEARANCE_PX],
    [last + 1 + NOISE_ZONE_CLEARANCE_PX, Math.min(inTo, last + 1 + NOISE_ZONE_CLEARANCE_PX + NOISE_ZONE_PX)],
  ];
  let sum = 0;
  let count = 0;
  for (const [from, to] of zones) {
    if (to - from < 5) continue;
    // Residuals about the zone's own line (least squares over i = from..to-1).
    const n = to - from;
    let mi = 0;
    let mv = 0;
    for (let i = from; i < to; i++) {
      mi += i;
      mv += profile[i]!;
    }
    mi /= n;
    mv /= n;
    let sii = 0;
    let siv = 0;
    for (let i = from; i < to; i++) {
      sii += (i - mi) ** 2;
      siv += (i - mi) * (profile[i]! - mv);
    }
    const slope = sii > 0 ? siv / sii : 0;
    for (let i = from; i < to; i++) {
      sum += (profile[i]! - mv - slope * (i - mi)) ** 2;
      count++;
    }
  }
  return count > 0 ? Math.sqrt(sum / count) : undefined;
}

/**
 * Where the label's outline crosses the averaged line near one end: the strongest step between `end`
 * (the sampled end, outside the label) and `inner`. Returns the index on the label's side of it.
 */
function outlineEnd(profile: Float64Array, end: number, inner: number): number {
  const dir = inner > end ? 1 : -1;
  let best = end;
  let bestStep = -1;
  for (let i = end; i !== inner; i += dir) {
    // The step between i and its outer neighbour.
    const step = Math.abs(profile[i]! - profile[i - dir]!);
    if (step > bestStep) {
      bestStep = step;
      best = i;
    }
  }
  return best;
}

/** Mean absolute step along `step` on a coarse grid over the label: large across bars, small along them. */
function energyAlong(
  frame: GrayImage,
  label: OrientedLabel,
  step: { x: number; y: number },
  side: { x: number; y: number },
  halfStep: number,
  halfSide: number,
): number {
  const samples = Math.floor(2 * halfStep) + 1;
  if (samples < 2) return 0;
  let sum = 0;
  let count = 0;
  for (let s = -halfSide; s <= halfSide; s += 4 * COARSE_PITCH_PX) {
    const x = label.centerXPx - step.x * halfStep + side.x * s;
    const y = label.centerYPx - step.y * halfStep + side.y * s;
    sum += lineEnergy(frame, x, y, step.x, step.y, samples);
    count += samples - 1;
  }
  return count > 0 ? sum / count : 0;
}

/**
 * Sum of absolute steps along a line of `count` samples from (x, y) in steps of (dx, dy), each
 * sample bilinear (clamped to the frame). Interpolating between pixels averages their noise, as the
 * cubic samplers do; the nearest pixels alone carried 1.4 times the noise, and the band's threshold,
 * relative to the strongest row, then took in paper beyond the bars' ends.
 */
function lineEnergy(frame: GrayImage, x: number, y: number, dx: number, dy: number, count: number): number {
  const w = frame.widthPx;
  const d = frame.data;
  const maxX = w - 1.001;
  const maxY = frame.heightPx - 1.001;
  let sum = 0;
  let previous = 0;
  for (let i = 0; i < count; i++) {
    let fx = x + dx * i - 0.5;
    let fy = y + dy * i - 0.5;
    fx = fx < 0 ? 0 : fx > maxX ? maxX : fx;
    fy = fy < 0 ? 0 : fy > maxY ? maxY : fy;
    const x0 = Math.floor(fx);
    const y0 = Math.floor(fy);
    const tx = fx - x0;
    const ty = fy - y0;
    const k = y0 * w + x0;
    const value =
      (d[k]! * (1 - tx) + d[k + 1]! * tx) * (1 - ty) + (d[k + w]! * (1 - tx) + d[k + w + 1]! * tx) * ty;
    if (i > 0) sum += Math.abs(value - previous);
    previous = value;
  }
  return sum;
}

/** The band's rows r0..r1, each shifted by its shear, as an image at the frame's resolution. */
function shearedBand(
  rows: readonly Float32Array[],
  r0: number,
  r1: number,
  shear: number,
  vMid: number,
  widthPx: number,
): GrayImage {
  const band = new Uint8Array(widthPx * (r1 - r0 + 1));
  const shifted = new Float64Array(widthPx);
  for (let r = r0; r <= r1; r++) {
    shifted.fill(0);
    addShifted(shifted, rows[r]!, shear * (r - vMid) * ROW_PITCH_PX);
    const offset = (r - r0) * widthPx;
    // Clamped: the cubic overshoots past 0 and 255 at sharp edges, and a Uint8Array wraps (256 -> 0),
    // which put black specks on the paper and white ones in the bars.
    for (let i = 0; i < widthPx; i++) {
      const level = Math.round(shifted[i]!);
      band[offset + i] = level < 0 ? 0 : level > 255 ? 255 : level;
    }
  }
  return { widthPx, heightPx: r1 - r0 + 1, data: band };
}

/**
 * Adds `row` sampled at i + shiftPx to out[i], for every i: `sampleRow` at each sample, with the
 * interpolation's index and weight worked out once per row (the shift is the same all along it),
 * which is most of the shear search's time.
 */
function addShifted(out: Float64Array, row: Float32Array, shiftPx: number): void {
  const n = out.length;
  const last = row.length - 1;
  const whole = Math.floor(shiftPx);
  const f = shiftPx - whole;
  // Samples whose position i + shiftPx lies strictly inside (0, last) interpolate; the rest clamp.
  let from = Math.max(0, -whole);
  if (from + shiftPx <= 0) from++;
  let to = Math.min(n, last - whole);
  if (to > from && to - 1 + shiftPx >= last) to--;
  for (let i = 0; i < Math.min(from, n); i++) out[i]! += sampleRow(row, i + shiftPx);
  for (let i = from, k = from + whole; i < to; i++, k++) out[i]! += row[k]! * (1 - f) + row[k + 1]! * f;
  for (let i = Math.max(from, to); i < n; i++) out[i]! += sampleRow(row, i + shiftPx);
}

/** Linear interpolation along a row, clamped at its ends. */
function sampleRow(row: Float32Array, x: number): number {
  if (x <= 0) return row[0]!;
  const last = row.length - 1;
  if (x >= last) return row[last]!;
  const i = Math.floor(x);
  const f = x - i;
  return row[i]! * (1 - f) + row[i + 1]! * f;
}

/** Catmull-Rom cubic through the samples, at fractional index `x`, clamped at the ends. */
function cubic(p: Float64Array, x: number): number {
  const last = p.length - 1;
  const i = Math.floor(x);
  const f = x - i;
  const at = (k: number) => p[k < 0 ? 0 : k > last ? last : k]!;
  const p0 = at(i - 1);
  const p1 = at(i);
  const p2 = at(i + 1);
  const p3 = at(i + 2);
  return p1 + 0.5 * f * (p2 - p0 + f * (2 * p0 - 5 * p1 + 4 * p2 - p3 + f * (3 * (p1 - p2) + p3 - p0)));
}

/**
 * Fills `out` with samples from (x, y) in steps of (dx, dy): `cubicAlongX` for a scan closer to the
 * frame's x axis, `cubicAlongY` otherwise. One call site for each sampler, so the compiler inlines
 * it (through a function-valued variable it did not, and every sample's result was boxed on the
 * heap: half a megabyte of garbage per frame).
 */
function sampleCubicRow(
  frame: GrayImage,
  x: number,
  y: number,
  dx: number,
  dy: number,
  out: Float32Array,
): void {
  if (Math.abs(dx) >= Math.abs(dy)) {
    for (let i = 0; i < out.length; i++) out[i] = cubicAlongX(frame, x + dx * i, y + dy * i);
  } else {
    for (let i = 0; i < out.length; i++) out[i] = cubicAlongY(frame, x + dx * i, y + dy * i);
  }
}

/**
 * Catmull-Rom along x, linear along y, at pixel-centre coordinates; clamped to the frame. Bilinear
 * sampling halfway between two pixels averages them, which wipes out a 1.5 px module; the cubic
 * keeps most of its contrast.
 */
function cubicAlongX(frame: GrayImage, x: number, y: number): number {
  const w = frame.widthPx;
  const fx0 = x - 0.5;
  const fy0 = y - 0.5;
  const xc = fx0 < 1 ? 1 : fx0 > w - 3.001 ? w - 3.001 : fx0;
  const yc = fy0 < 0 ? 0 : fy0 > frame.heightPx - 1.001 ? frame.heightPx - 1.001 : fy0;
  const x0 = Math.floor(xc);
  const y0 = Math.floor(yc);
  const t = xc - x0;
  const fy = yc - y0;
  const d = frame.data;
  const i = y0 * w + x0;
  const a = catmullRom(d[i - 1]!, d[i]!, d[i + 1]!, d[i + 2]!, t);
  const b = catmullRom(d[i + w - 1]!, d[i + w]!, d[i + w + 1]!, d[i + w + 2]!, t);
  return a * (1 - fy) + b * fy;
}

/** Catmull-Rom along y, linear along x: `cubicAlongX` for bars that run across the frame. */
function cubicAlongY(frame: GrayImage, x: number, y: number): number {
  const w = frame.widthPx;
  const fx0 = x - 0.5;
  const fy0 = y - 0.5;
  const xc = fx0 < 0 ? 0 : fx0 > w - 1.001 ? w - 1.001 : fx0;
  const yc = fy0 < 1 ? 1 : fy0 > frame.heightPx - 3.001 ? frame.heightPx - 3.001 : fy0;
  const x0 = Math.floor(xc);
  const y0 = Math.floor(yc);
  const fx = xc - x0;
  const t = yc - y0;
  const d = frame.data;
  const i = y0 * w + x0;
  const a = catmullRom(d[i - w]!, d[i]!, d[i + w]!, d[i + 2 * w]!, t);
  const b = catmullRom(d[i - w + 1]!, d[i + 1]!, d[i + w + 1]!, d[i + 2 * w + 1]!, t);
  return a * (1 - fx) + b * fx;
}

function catmullRom(p0: number, p1: number, p2: number, p3: number, t: number): number {
  return p1 + 0.5 * t * (p2 - p0 + t * (2 * p0 - 5 * p1 + 4 * p2 - p3 + t * (3 * (p1 - p2) + p3 - p0)));
}
