// Finds the label as the paper near its expected region: a bright rectangle of the recipe's size, measured from its outline.
//
// Two stages. (1) Where: the frame around the region is max-pooled into 8 px cells (bars and
// modules vanish, paper stays) and thresholded at every level between the product and the paper;
// at each level the bright connected pieces are candidates, scored by how rectangular they are
// (area over their minimum-area rectangle) and how well their size and aspect match the recipe's
// label. No single threshold has to split paper from product, so a product brighter or darker
// than the belt, any belt, and light that falls off across the frame all leave some level at which
// the label stands alone. (2) How exactly: each side of the winning rectangle is found again at
// full resolution, as the strongest dark-to-bright step on short profiles across it, and a line is
// fitted through those edge points; the four lines give the corners, the diagonals the centre and
// the short sides' midpoints the long axis. That is what a ruler on the outline would measure, to a
// fraction of a pixel, whatever is printed inside.

import { clampRect, type GrayImage, type RectPx, sampleBilinear } from '../image/gray-image.js';
import { minAreaRect, type OrientedRect, type Point, rectCorners } from './min-area-rect.js';

/**
 * Side of the analysis cells, px. Each cell keeps its brightest sample, so bars and modules vanish.
 * 16 px: the smallest label (about 250 x 180 px) is still 15 x 11 cells, and the search costs a
 * quarter of what 8 px cells cost; the outline's precision comes from the full-resolution pass.
 */
const CELL_PX = 16;
/**
 * Sampling stride inside a cell, px: every second column (paper between bars of a linear code
 * shows in some column), every fourth row (bars run down the label; enclosed dark cells are
 * filled in anyway).
 */
const SAMPLE_STRIDE_X_PX = 2;
const SAMPLE_STRIDE_Y_PX = 4;
/** A candidate smaller than this share of the expected label area is not a label (a torn one keeps more). */
const MIN_AREA_SHARE = 0.3;
/** A candidate larger than this share is the product, not the label (perspective and blur add little). */
const MAX_AREA_SHARE = 1.5;
/** Pieces of at least this share of the label area may be paired into one candidate. */
const MIN_PIECE_SHARE = 0.05;
/** Only the largest pieces at a level are paired (pairs grow with the square of this). */
const MAX_PAIRED_PIECES = 6;
/** Area over minimum-area rectangle below which a blob is not a label's outline. */
const MIN_RECTANGULARITY = 0.55;
/** Threshold levels tried between the frame's median cell and its brightest paper. */
const THRESHOLD_LEVELS = 32;
/**
 * The lowest level tried is this quantile of the cells: paper is brighter than what surrounds it,
 * and the label with everything brighter than its surround never covers more than this share of
 * the search window (the window is several label areas).
 */
const LOWEST_LEVEL_QUANTILE = 0.4;
/** Paper must stand at least this far above what surrounds it at the outline, gray levels. */
const MIN_PAPER_STEP = 18;
/** Edge profiles start this far outside the coarse outline and end this far inside, px. */
const PROFILE_OUT_PX = 12;
const PROFILE_IN_PX = 26;
/**
 * On every side of a label at least this share of the profiles must find an edge: a torn side
 * still has one (the box shows through), a patch of belt bounded by light fall-off has none.
 */
const MIN_EDGE_SHARE = 0.5;
/** The fourth side (torn, smeared) needs at least this share of profiles with an edge. */
const MIN_WEAK_SIDE_EDGE_SHARE = 0.15;
/** Candidates checked at full resolution, best score first. */
const MAX_VERIFIED_CANDIDATES = 4;
/** Then candidates that run up to the frame's border, best score first. */
const MAX_VERIFIED_BORDER_CANDIDATES = 2;
/** A profile's strongest step, over 2 px, must reach this to count as an edge point. */
const MIN_EDGE_STEP = 8;
/** A step's sides are read this far from its centre, px (past a blurred edge's ramp). */
const PAPER_LEVEL_OFFSET_PX = 3;
/**
 * The level just inside a paper edge may lie this far under the brightest level further in, gray
 * levels: noise on a 3-sample average and a blurred edge's shoulder.
 */
const PAPER_LEVEL_SLACK = 12;
/**
 * Growing a candidate along its paper (grownCandidate): a neighbouring cell joins when it is at
 * most this share of the candidate's step over its surround below the cell it is reached from,
 * and never more than GROW_TOLERANCE_MAX gray levels below it.
 */
const GROW_TOLERANCE_SHARE = 0.25;
const GROW_TOLERANCE_MAX = 8;
/** Below this ratio of long to short side the label is too square to tell its axis. */
const MIN_AXIS_RATIO = 1.15;

export interface LabelGeometry {
  present: boolean;
  /** Label centre on the frame, px (undefined when absent). */
  centerXPx?: number;
  centerYPx?: number;
  /** Rotation of the label's long axis from the region's long axis, degrees in (-90, 90], clockwise positive. */
  angleDeg?: number;
  /** Direction of the long axis on the frame, degrees clockwise from +x (either way along it). */
  axisDeg?: number;
  /** False when the label is too square for its outline to give a rotation. */
  angleReliable?: boolean;
  areaPx?: number;
  /** Measured long and short side, px. */
  lengthPx?: number;
  breadthPx?: number;
  /** Axis-aligned bounds of the label on the frame, px. */
  boundsPx?: RectPx;
  /**
   * The frame cuts the label: one side lies along the frame's border and was placed from the
   * opposite side by the recipe's size. A patch of belt at the border can show three such sides,
   * so such a label counts only with its code read (inspectImage).
   */
  cutByFrame?: boolean;
  /** Cells well inside the label, as frame rectangles: where paper and print can be measured. */
  interiorCellsPx?: RectPx[];
}

type Region = RectPx & { positionTolerancePx: number };

/** Where to look: the region grown by 3/4 of its long side plus five position tolerances. */
export function searchWindow(region: Region, frame: GrayImage): RectPx {
  const marginPx = 0.75 * Math.max(region.widthPx, region.heightPx) + 5 * region.positionTolerancePx;
  return clampRect(
    {
      xPx: region.xPx - marginPx,
      yPx: region.yPx - marginPx,
      widthPx: region.widthPx + 2 * marginPx,
      heightPx: region.heightPx + 2 * marginPx,
    },
    frame,
  );
}

interface Candidate {
  score: number;
  rect: OrientedRect;
  cells: Int32Array;
  /** The threshold level the piece stood above (its filled holes may be darker). */
  level: number;
  /** The piece runs up to the frame's border (checked only after every candidate clear of it). */
  atBorder: boolean;
}

export function findLabel(frame: GrayImage, region: Region): LabelGeometry {
  const window = searchWindow(region, frame);
  const cols = Math.floor(window.widthPx / CELL_PX);
  const rows = Math.floor(window.heightPx / CELL_PX);
  if (cols < 3 || rows < 3) return { present: false };
  const cells = poolCells(frame, window, cols, rows);
  // Window sides that are the frame's own border: paper may run up to them (a label near the edge
  // of the view, or cut by it), where at any other side of the window it would go on outside it.
  const border: Border = {
    left: window.xPx === 0,
    top: window.yPx === 0,
    right: window.xPx + window.widthPx >= frame.widthPx,
    bottom: window.yPx + window.heightPx >= frame.heightPx,
  };

  // The best-scoring candidates in turn, until one has the outline of paper on all four sides.
  let candidate: Candidate | undefined;
  let outline: Outline | undefined;
  const ranked = rankedCandidates(cells, cols, rows, region, border);
  // Candidates clear of the frame's border first; then the few that run up to it (a label at the
  // edge of the view, or cut by it), which would otherwise crowd out a torn label's pieces.
  const toVerify = [
    ...ranked.filter((c) => !c.atBorder).slice(0, MAX_VERIFIED_CANDIDATES),
    ...ranked.filter((c) => c.atBorder).slice(0, MAX_VERIFIED_BORDER_CANDIDATES),
  ];
  for (const next of toVerify) {
    const found = refineOutline(frame, toFrame(next.rect, window), region);
    if (isPaperOutline(found)) {
      candidate = next;
      outline = found;
      break;
    }
  }
  if (!candidate || !outline) return { present: false };

  const [c0, c1, c2, c3] = outline.corners;
  const centre = intersect(c0, c2, c1, c3) ?? {
    x: (c0.x + c1.x + c2.x + c3.x) / 4,
    y: (c0.y + c1.y + c2.y + c3.y) / 4,
  };
  const sideA = (dist(c0, c1) + dist(c2, c3)) / 2;
  const sideB = (dist(c1, c2) + dist(c3, c0)) / 2;
  // The long axis joins the midpoints of the two short sides.
  const [from, to] = sideA >= sideB ? [mid(c3, c0), mid(c1, c2)] : [mid(c0, c1), mid(c2, c3)];
  const axisDeg = (Math.atan2(to.y - from.y, to.x - from.x) * 180) / Math.PI;
  let angleDeg = axisDeg;
  // A portrait region's long axis is vertical: measure rotation from there.
  if (region.heightPx > region.widthPx) angleDeg -= 90;
  angleDeg = normalizeHalfTurn(angleDeg);
  const lengthPx = Math.max(sideA, sideB);
  const breadthPx = Math.min(sideA, sideB);
  const xs = outline.corners.map((p) => p.x);
  const ys = outline.corners.map((p) => p.y);
  const x0 = Math.floor(Math.min(...xs));
  const y0 = Math.floor(Math.min(...ys));
  return {
    present: true,
    centerXPx: centre.x,
    centerYPx: centre.y,
    angleDeg,
    axisDeg,
    angleReliable: breadthPx > 0 && lengthPx / breadthPx >= MIN_AXIS_RATIO,
    areaPx: quadArea(outline.corners),
    lengthPx,
    breadthPx,
    boundsPx: clampRect(
      {
        xPx: x0,
        yPx: y0,
        widthPx: Math.ceil(Math.max(...xs)) - x0,
        heightPx: Math.ceil(Math.max(...ys)) - y0,
      },
      frame,
    ),
    ...(outline.sides.some((side) => side.cut) ? { cutByFrame: true } : {}),
    interiorCellsPx: interiorCells(candidate.cells, cols, rows, window),
  };
}

/** Cell units to frame pixels: cell (c, r) covers [c, c+1) x CELL_PX from the window's corner. */
function toFrame(rect: OrientedRect, window: RectPx): OrientedRect {
  return {
    centerX: window.xPx + rect.centerX * CELL_PX,
    centerY: window.yPx + rect.centerY * CELL_PX,
    width: rect.width * CELL_PX,
    height: rect.height * CELL_PX,
    angleDeg: rect.angleDeg,
  };
}

/**
 * Paper has an outline all round: on its sides most profiles cross a clear dark-to-bright step.
 * A patch of belt between a box and the vignetted frame corner has one such side at most.
 */
function isPaperOutline(outline: Outline): boolean {
  const seen = outline.sides.filter((side) => !side.cut);
  const clear = seen.filter(isClearSide).length;
  // A label the frame cuts: its three other sides all clear.
  if (seen.length < 4) return seen.length === 3 && clear === 3;
  const weakest = Math.min(...seen.map((side) => side.edgeShare));
  // A torn or smeared side may show its edge only in part; three clear sides and some of the
  // fourth are still a label.
  return clear >= 3 && weakest >= MIN_WEAK_SIDE_EDGE_SHARE;
}

function isClearSide(side: SideEvidence): boolean {
  return side.edgeShare >= MIN_EDGE_SHARE && side.medianStep >= MIN_PAPER_STEP;
}

/** Folds an angle into (-90, 90]: a label's long axis has no direction. */
export function normalizeHalfTurn(angleDeg: number): number {
  let a = angleDeg % 180;
  if (a <= -90) a += 180;
  if (a > 90) a -= 180;
  return a;
}

/** Max-pools the window into cells of CELL_PX. */
function poolCells(frame: GrayImage, window: RectPx, cols: number, rows: number): Uint8Array {
  const cells = new Uint8Array(cols * rows);
  for (let row = 0; row < rows; row++) {
    for (let col = 0; col < cols; col++) {
      let max = 0;
      const x0 = window.xPx + col * CELL_PX;
      const y0 = window.yPx + row * CELL_PX;
      for (let y = y0 + 1; y < y0 + CELL_PX; y += SAMPLE_STRIDE_Y_PX) {
        const rowStart = y * frame.widthPx;
        for (let x = x0; x < x0 + CELL_PX; x += SAMPLE_STRIDE_X_PX) {
          const v = frame.data[rowStart + x]!;
          if (v > max) max = v;
        }
      }
      cells[row * cols + col] = max;
    }
  }
  return cells;
}

/**
 * Thresholds the cells at THRESHOLD_LEVELS levels and scores every bright 4-connected piece that
 * does not touch the window's edge: rectangularity x size match x aspect match against the recipe.
 */
/** Which sides of the search window are the frame's border. */
interface Border {
  left: boolean;
  top: boolean;
  right: boolean;
  bottom: boolean;
}

/** Whether a cell lies on a side of the window that is not the frame's border (paper there goes on outside). */
function onOpenEdge(col: number, row: number, cols: number, rows: number, border: Border): boolean {
  return (
    (col === 0 && !border.left) ||
    (row === 0 && !border.top) ||
    (col === cols - 1 && !border.right) ||
    (row === rows - 1 && !border.bottom)
  );
}

function rankedCandidates(
  cells: Uint8Array,
  cols: number,
  rows: number,
  region: Region,
  border: Border,
): Candidate[] {
  const histogram = new Uint32Array(256);
  for (const v of cells) histogram[v]!++;
  const lo = levelAt(histogram, cells.length, LOWEST_LEVEL_QUANTILE);
  const hi = levelAt(histogram, cells.length, 0.998);
  if (hi - lo < MIN_PAPER_STEP) return [];
  const expectedCells = (region.widthPx * region.heightPx) / (CELL_PX * CELL_PX);
  const expectedAspect =
    Math.max(region.widthPx, region.heightPx) / Math.max(1, Math.min(region.widthPx, region.heightPx));
  const minCells = MIN_AREA_SHARE * expectedCells;
  const maxCells = MAX_AREA_SHARE * expectedCells + (2 * (region.widthPx + region.heightPx)) / CELL_PX;

  const stamp = new Int32Array(cells.length);
  const stack = new Int32Array(cells.length);
  const members = new Int32Array(cells.length);
  const seen = new Map<string, Candidate | null>();
  const pieces: Array<{ key: number; cells: Int32Array; c0: number; c1: number; r0: number; r1: number }> =
    [];
  const minPieceCells = MIN_PIECE_SHARE * expectedCells;
  const maxSpanCells = (1.25 * Math.hypot(region.widthPx, region.heightPx)) / CELL_PX + 2;
  const step = Math.max(1, (hi - lo) / THRESHOLD_LEVELS);
  let level = 0;
  for (let t = hi - step; t >= lo; t -= step) {
    level++;
    for (let start = 0; start < cells.length; start++) {
      if (stamp[start] === level || cells[start]! <= t) continue;
      // Flood the piece, noting its bounds and whether it reaches the window edge.
      let count = 0;
      let touchesEdge = false;
      let touchesBorder = false;
      let c0 = cols;
      let c1 = 0;
      let r0 = rows;
      let r1 = 0;
      let sp = 0;
      stack[sp++] = start;
      stamp[start] = level;
      while (sp > 0) {
        const index = stack[--sp]!;
        members[count++] = index;
        const col = index % cols;
        const row = (index - col) / cols;
        if (col < c0) c0 = col;
        if (col > c1) c1 = col;
        if (row < r0) r0 = row;
        if (row > r1) r1 = row;
        if (col === 0 || row === 0 || col === cols - 1 || row === rows - 1) {
          touchesBorder = true;
          if (onOpenEdge(col, row, cols, rows, border)) touchesEdge = true;
        }
        if (col > 0 && stamp[index - 1] !== level && cells[index - 1]! > t) {
          stamp[index - 1] = level;
          stack[sp++] = index - 1;
        }
        if (col < cols - 1 && stamp[index + 1] !== level && cells[index + 1]! > t) {
          stamp[index + 1] = level;
          stack[sp++] = index + 1;
        }
        if (row > 0 && stamp[index - cols] !== level && cells[index - cols]! > t) {
          stamp[index - cols] = level;
          stack[sp++] = index - cols;
        }
        if (row < rows - 1 && stamp[index + cols] !== level && cells[index + cols]! > t) {
          stamp[index + cols] = level;
          stack[sp++] = index + cols;
        }
      }
      if (touchesEdge || count < minPieceCells || count > maxCells) continue;
      // The same piece recurs at neighbouring levels (same first cell and size means the same
      // set, since a lower level only adds cells): score it once.
      const key = start * 65536 + count;
      const piece = { key, cells: members.slice(0, count), c0, c1, r0, r1 };
      // Pieces at the frame's border stand alone: paired, the belt along the border would crowd a
      // torn label's two halves out of the largest pieces.
      if (!touchesBorder) pieces.push(piece);
      if (count >= minCells / 2 && !seen.has(String(key)))
        seen.set(String(key), scorePiece(piece.cells, cols, rows, expectedCells, expectedAspect, t));
    }
    // A smear or a tear can cut a label in two: pairs of pieces that together span no more than
    // a label are candidates too (their gap stays unfilled, so a real gap costs rectangularity).
    pieces.sort((a, b) => b.cells.length - a.cells.length);
    const largest = pieces.slice(0, MAX_PAIRED_PIECES);
    for (let i = 0; i < largest.length; i++) {
      for (let j = i + 1; j < largest.length; j++) {
        const a = largest[i]!;
        const b = largest[j]!;
        if (a.cells.length + b.cells.length < minCells) continue;
        const spanCols = Math.max(a.c1, b.c1) - Math.min(a.c0, b.c0) + 1;
        const spanRows = Math.max(a.r1, b.r1) - Math.min(a.r0, b.r0) + 1;
        if (Math.hypot(spanCols, spanRows) > maxSpanCells) continue;
        const key = `${a.key}+${b.key}`;
        if (seen.has(key)) continue;
        const union = new Int32Array(a.cells.length + b.cells.length);
        union.set(a.cells);
        union.set(b.cells, a.cells.length);
        seen.set(key, scorePiece(union, cols, rows, expectedCells, expectedAspect, t));
      }
    }
    pieces.length = 0;
  }
  const ranked: Candidate[] = [];
  for (const c of seen.values()) if (c) ranked.push(c);
  ranked.sort((a, b) => b.score - a.score);
  // Light that falls off along a long label can leave its dim end under every level at which the
  // label stands apart from a product lit brighter elsewhere: the best candidates grown along the
  // paper (see grownCandidate) compete too, and are checked first where they score better.
  const out: Candidate[] = [];
  const grownOnes = [
    ...ranked.filter((c) => !c.atBorder).slice(0, MAX_VERIFIED_CANDIDATES),
    ...ranked.filter((c) => c.atBorder).slice(0, MAX_VERIFIED_BORDER_CANDIDATES),
  ];
  for (const c of ranked) {
    if (!grownOnes.includes(c)) {
      out.push(c);
      continue;
    }
    // Only a candidate smaller than the label can gain by growing.
    const grown =
      c.cells.length < expectedCells
        ? grownCandidate(c, cells, cols, rows, border, lo, maxCells, expectedCells, expectedAspect)
        : undefined;
    if (grown && grown.score > c.score) out.push(grown);
    out.push(c);
  }
  return out.sort((a, b) => b.score - a.score);
}

/**
 * A candidate grown into neighbouring cells that continue its paper: a cell joins when it is within
 * a small tolerance of the cell it is reached from (light changes by a level or two per cell,
 * noise on a max-pooled cell by about as much), so growth follows a gradient across the paper and
 * stops at the step down to the product or the belt. Grown only from cells above the candidate's
 * level (its filled holes are print). The tolerance is a fraction of the candidate's own step over
 * what surrounds it, so a faint label grows more cautiously. Undefined when nothing was added, or
 * the growth reached the window's edge or outgrew a label (it leaked into the product).
 */
function grownCandidate(
  candidate: Candidate,
  cells: Uint8Array,
  cols: number,
  rows: number,
  border: Border,
  lo: number,
  maxCells: number,
  expectedCells: number,
  expectedAspect: number,
): Candidate | undefined {
  const inPiece = new Uint8Array(cells.length);
  for (const index of candidate.cells) inPiece[index] = 1;
  // The candidate's step: its bright cells against the cells just outside it.
  const inside: number[] = [];
  const outside: number[] = [];
  const stack = new Int32Array(cells.length);
  let sp = 0;
  for (const index of candidate.cells) {
    if (cells[index]! <= candidate.level) continue;
    inside.push(cells[index]!);
    stack[sp++] = index;
    const col = index % cols;
    // A candidate may run up to the frame's border: no neighbours past it.
    if (col > 0 && !inPiece[index - 1]) outside.push(cells[index - 1]!);
    if (col < cols - 1 && !inPiece[index + 1]) outside.push(cells[index + 1]!);
    if (index >= cols && !inPiece[index - cols]) outside.push(cells[index - cols]!);
    if (index < cells.length - cols && !inPiece[index + cols]) outside.push(cells[index + cols]!);
  }
  if (inside.length === 0 || outside.length === 0) return undefined;
  const step = median(inside) - median(outside);
  const tolerance = Math.min(GROW_TOLERANCE_MAX, GROW_TOLERANCE_SHARE * step);
  if (tolerance < 1) return undefined;
  let added = 0;
  let count = candidate.cells.length;
  while (sp > 0) {
    const index = stack[--sp]!;
    const col = index % cols;
    const row = (index - col) / cols;
    const floor = Math.max(lo, cells[index]! - tolerance);
    for (let k = 0; k < 4; k++) {
      if (
        (k === 0 && col === 0) ||
        (k === 1 && col === cols - 1) ||
        (k === 2 && row === 0) ||
        (k === 3 && row === rows - 1)
      )
        continue;
      const n = k === 0 ? index - 1 : k === 1 ? index + 1 : k === 2 ? index - cols : index + cols;
      if (inPiece[n] || cells[n]! < floor) continue;
      const nCol = n % cols;
      const nRow = (n - nCol) / cols;
      // Reaching the window's edge (not the frame's) or outgrowing a label: the growth leaked.
      if (onOpenEdge(nCol, nRow, cols, rows, border)) return undefined;
      if (++count > maxCells) return undefined;
      inPiece[n] = 1;
      added++;
      stack[sp++] = n;
    }
  }
  if (added === 0) return undefined;
  const grown = new Int32Array(count);
  for (let i = 0, k = 0; i < inPiece.length; i++) if (inPiece[i]) grown[k++] = i;
  return scorePiece(grown, cols, rows, expectedCells, expectedAspect, candidate.level) ?? undefined;
}

function median(values: number[]): number {
  values.sort((a, b) => a - b);
  return values[Math.floor(values.length / 2)]!;
}

/**
 * Scores one piece: its holes (a code's dark cells, a smear) count as label, so the piece is
 * judged by its outline. Null when it is not label-like at all.
 */
function scorePiece(
  piece: Int32Array,
  cols: number,
  rows: number,
  expectedCells: number,
  expectedAspect: number,
  level: number,
): Candidate | null {
  const filled = withHolesFilled(piece, cols, rows);
  if (filled.length < MIN_AREA_SHARE * expectedCells) return null;
  const rect = pieceRect(filled, cols);
  if (!rect) return null;
  const rectangularity = filled.length / (rect.width * rect.height);
  if (rectangularity < MIN_RECTANGULARITY) return null;
  // Max-pooling grows paper by up to a cell on every side; compare sizes without that.
  const sizeShare = ((rect.width - 1) * (rect.height - 1)) / expectedCells;
  if (sizeShare > MAX_AREA_SHARE) return null;
  const sizeMatch = Math.min(sizeShare, 1 / sizeShare);
  const aspect = Math.max(rect.width, rect.height) / Math.max(1, Math.min(rect.width, rect.height));
  const aspectMatch = Math.min(aspect / expectedAspect, expectedAspect / aspect);
  let atBorder = false;
  for (const index of filled) {
    const col = index % cols;
    if (col === 0 || col === cols - 1 || index < cols || index >= cols * (rows - 1)) {
      atBorder = true;
      break;
    }
  }
  return {
    score: Math.min(1, rectangularity) * sizeMatch * aspectMatch,
    rect,
    cells: filled,
    level,
    atBorder,
  };
}

/** The piece plus every cell it encloses, found by flooding its bounding box from outside. */
function withHolesFilled(piece: Int32Array, cols: number, rows: number): Int32Array {
  let c0 = cols;
  let c1 = 0;
  let r0 = rows;
  let r1 = 0;
  for (const index of piece) {
    const col = index % cols;
    const row = (index - col) / cols;
    if (col < c0) c0 = col;
    if (col > c1) c1 = col;
    if (row < r0) r0 = row;
    if (row > r1) r1 = row;
  }
  // A box one cell larger than the piece on every side, so the outside is connected.
  const w = c1 - c0 + 3;
  const h = r1 - r0 + 3;
  const state = new Uint8Array(w * h); // 1 = piece, 2 = outside
  for (const index of piece) {
    const col = index % cols;
    const row = (index - col) / cols;
    state[(row - r0 + 1) * w + (col - c0 + 1)] = 1;
  }
  // The outside, flooded from the box's corner (a typed stack: this runs for every scored piece).
  const stack = new Int32Array(w * h);
  let sp = 0;
  stack[sp++] = 0;
  state[0] = 2;
  while (sp > 0) {
    const i = stack[--sp]!;
    const x = i % w;
    if (x > 0 && state[i - 1] === 0) {
      state[i - 1] = 2;
      stack[sp++] = i - 1;
    }
    if (x < w - 1 && state[i + 1] === 0) {
      state[i + 1] = 2;
      stack[sp++] = i + 1;
    }
    if (i >= w && state[i - w] === 0) {
      state[i - w] = 2;
      stack[sp++] = i - w;
    }
    if (i < w * (h - 1) && state[i + w] === 0) {
      state[i + w] = 2;
      stack[sp++] = i + w;
    }
  }
  let inside = 0;
  for (let i = 0; i < state.length; i++) if (state[i] !== 2) inside++;
  const out = new Int32Array(inside);
  for (let i = 0, k = 0; i < state.length; i++) {
    if (state[i] === 2) continue;
    const x = i % w;
    const y = (i - x) / w;
    out[k++] = (y + r0 - 1) * cols + (x + c0 - 1);
  }
  return out;
}

function levelAt(histogram: Uint32Array, count: number, share: number): number {
  const target = share * count;
  let seen = 0;
  for (let v = 0; v < 256; v++) {
    seen += histogram[v]!;
    if (seen >= target) return v;
  }
  return 255;
}

/**
 * Minimum-area rectangle (in cell units) around a piece: the hull of a set of cells is the hull of
 * the outer corners of each row's first and last cell, so only those go in.
 */
function pieceRect(piece: Int32Array, cols: number): OrientedRect | undefined {
  // Each row's first and last column, in arrays over the piece's rows (-1: no cell in that row).
  let rowMin = Number.POSITIVE_INFINITY;
  let rowMax = -1;
  for (const index of piece) {
    const row = (index - (index % cols)) / cols;
    if (row < rowMin) rowMin = row;
    if (row > rowMax) rowMax = row;
  }
  if (rowMax < 0) return minAreaRect([]);
  const first = new Int32Array(rowMax - rowMin + 1).fill(-1);
  const last = new Int32Array(rowMax - rowMin + 1).fill(-1);
  for (const index of piece) {
    const col = index % cols;
    const k = (index - col) / cols - rowMin;
    if (first[k]! < 0 || col < first[k]!) first[k] = col;
    if (col > last[k]!) last[k] = col;
  }
  // The outer corners of each row's first and last cell (the hull sorts them: order does not matter).
  const points: Point[] = [];
  for (let k = 0; k < first.length; k++) {
    const col = first[k]!;
    if (col >= 0) points.push({ x: col, y: k + rowMin }, { x: col, y: k + rowMin + 1 });
  }
  for (let k = 0; k < last.length; k++) {
    const col = last[k]!;
    if (col >= 0) points.push({ x: col + 1, y: k + rowMin }, { x: col + 1, y: k + rowMin + 1 });
  }
  return minAreaRect(points);
}

/**
 * Finds each side of `coarse` again at full resolution and returns the corners of the four fitted
 * lines, plus the median paper step across the outline (inside minus outside).
 */
function refineOutline(frame: GrayImage, coarse: OrientedRect, region: RectPx): Outline {
  const corners = rectCorners(coarse);
  const centre = { x: coarse.centerX, y: coarse.centerY };
  const lines: Line[] = [];
  const sides: SideEvidence[] = [];
  for (let side = 0; side < 4; side++) {
    const a = corners[side]!;
    const b = corners[(side + 1) % 4]!;
    const steps: number[] = [];
    const { line, profiles } = fitSide(frame, a, b, centre, steps);
    lines.push(line);
    steps.sort((x, y) => x - y);
    const evidence: SideEvidence = {
      edgeShare: profiles > 0 ? steps.length / profiles : 0,
      medianStep: steps.length > 0 ? steps[Math.floor(steps.length / 2)]! : 0,
      cut: false,
    };
    // Along the frame's border and without a clear edge: the frame cuts the label here.
    evidence.cut = alongBorder(a, b, frame) && !isClearSide(evidence);
    sides.push(evidence);
  }
  // A side the frame hides is placed from the one opposite by the recipe's size: the side of the
  // region across that direction (the other side's length tells which of the two it is).
  for (let side = 0; side < 4; side++) {
    if (!sides[side]!.cut) continue;
    const opposite = lines[(side + 2) % 4]!;
    const n = { x: -opposite.dir.y, y: opposite.dir.x };
    const m = mid(corners[side]!, corners[(side + 1) % 4]!);
    const along = (m.x - opposite.point.x) * n.x + (m.y - opposite.point.y) * n.y;
    // The cut side's own length is the label's other, whole dimension.
    const other = dist(corners[side]!, corners[(side + 1) % 4]!);
    const long = Math.max(region.widthPx, region.heightPx);
    const short = Math.min(region.widthPx, region.heightPx);
    const expected = Math.abs(other - long) < Math.abs(other - short) ? short : long;
    const extent = Math.max(Math.abs(along), expected) * (along < 0 ? -1 : 1);
    lines[side] = {
      point: { x: opposite.point.x + extent * n.x, y: opposite.point.y + extent * n.y },
      dir: opposite.dir,
    };
  }
  const out: Point[] = [];
  for (let i = 0; i < 4; i++) {
    const prev = lines[(i + 3) % 4]!;
    const next = lines[i]!;
    out.push(intersectLines(prev, next) ?? corners[i]!);
  }
  return { corners: out as [Point, Point, Point, Point], sides };
}

/** How clearly one side of a candidate shows an edge: share of profiles with one, and their median step. */
interface SideEvidence {
  edgeShare: number;
  medianStep: number;
  /** The side runs along the frame's border and shows no clear edge: the frame cuts the label. */
  cut: boolean;
}

/** Whether both ends of a side lie within a cell of the same border of the frame. */
function alongBorder(a: Point, b: Point, frame: GrayImage): boolean {
  const near = (p: Point) => ({
    left: p.x <= CELL_PX,
    right: p.x >= frame.widthPx - CELL_PX,
    top: p.y <= CELL_PX,
    bottom: p.y >= frame.heightPx - CELL_PX,
  });
  const na = near(a);
  const nb = near(b);
  return (na.left && nb.left) || (na.right && nb.right) || (na.top && nb.top) || (na.bottom && nb.bottom);
}

interface Outline {
  corners: [Point, Point, Point, Point];
  sides: SideEvidence[];
}

/** A line through `point` along the unit vector `dir`. */
interface Line {
  point: Point;
  dir: Point;
}

function fitSide(
  frame: GrayImage,
  a: Point,
  b: Point,
  centre: Point,
  steps: number[],
): { line: Line; profiles: number } {
  const length = dist(a, b);
  const d = { x: (b.x - a.x) / length, y: (b.y - a.y) / length };
  // Outward normal: away from the centre.
  let n = { x: -d.y, y: d.x };
  const m = mid(a, b);
  if ((m.x - centre.x) * n.x + (m.y - centre.y) * n.y < 0) n = { x: -n.x, y: -n.y };
  const spacing = Math.max(2, length / 60);
  const points: Point[] = [];
  const profile = new Float64Array(PROFILE_OUT_PX + PROFILE_IN_PX + 1);
  let profiles = 0;
  for (let t = 0.1 * length; t <= 0.9 * length; t += spacing) {
    profiles++;
    const p = { x: a.x + d.x * t, y: a.y + d.y * t };
    // s is the distance inward from the coarse side; the profile runs from outside to inside.
    for (let k = 0; k < profile.length; k++) {
      const s = k - PROFILE_OUT_PX;
      const qx = p.x - s * n.x;
      const qy = p.y - s * n.y;
      profile[k] =
        (sampleBilinear(frame, qx - d.x, qy - d.y) +
          sampleBilinear(frame, qx, qy) +
          sampleBilinear(frame, qx + d.x, qy + d.y)) /
        3;
    }
    const bestK = paperEdge(profile);
    if (bestK < 0) continue;
    const bestStep = profile[bestK + 1]! - profile[bestK - 1]!;
    // Sub-pixel: vertex of the parabola through the step at bestK and its neighbours.
    const before = bestK > 1 ? profile[bestK]! - profile[bestK - 2]! : bestStep;
    const after = bestK < profile.length - 2 ? profile[bestK + 2]! - profile[bestK]! : bestStep;
    const denom = before - 2 * bestStep + after;
    const offset = denom < 0 ? Math.max(-0.5, Math.min(0.5, (0.5 * (before - after)) / denom)) : 0;
    const s = bestK + offset - PROFILE_OUT_PX;
    points.push({ x: p.x - s * n.x, y: p.y - s * n.y });
    const outside = profile[Math.max(0, bestK - 4)]!;
    const inside = profile[Math.min(profile.length - 1, bestK + 4)]!;
    steps.push(inside - outside);
  }
  const fitted = fitLine(points);
  // Too few edge points (a torn side): keep the coarse side, moved in by the half cell that
  // max-pooling adds on average.
  return {
    line: fitted ?? { point: { x: m.x - (n.x * CELL_PX) / 2, y: m.y - (n.y * CELL_PX) / 2 }, dir: d },
    profiles,
  };
}

/**
 * The edge of the paper on a profile running from outside the label inwards: the outermost
 * dark-to-bright step after which the profile is already at the paper's level, or, where no step
 * qualifies, the strongest. A product box brighter than the belt gives a second rise outside the
 * label (belt to box, then box to paper), often the larger one; after it the profile still climbs
 * to the paper, so it is not the paper's edge. "At the paper's level" is relative to the rise
 * itself: within a fifth of the step from the outside to the level just inside, and never less
 * than PAPER_LEVEL_SLACK (noise and blur), so it holds under any light. Index of the step's
 * centre, or -1 where no step reaches MIN_EDGE_STEP.
 */
function paperEdge(profile: Float64Array): number {
  const last = profile.length - 1;
  // The brightest level from each index inwards.
  const brightestInward = new Float64Array(profile.length);
  brightestInward[last] = profile[last]!;
  for (let k = last - 1; k >= 0; k--) brightestInward[k] = Math.max(profile[k]!, brightestInward[k + 1]!);
  let strongest = -1;
  let strongestStep = MIN_EDGE_STEP;
  for (let k = 1; k < last; k++) {
    const step = profile[k + 1]! - profile[k - 1]!;
    if (step < MIN_EDGE_STEP) continue;
    if (step > strongestStep) {
      strongestStep = step;
      strongest = k;
    }
    // Only the peak of a rise: the next sample's step is not larger.
    if (k + 2 <= last && profile[k + 2]! - profile[k]! > step) continue;
    const outside = profile[Math.max(0, k - PAPER_LEVEL_OFFSET_PX)]!;
    const inside = profile[Math.min(last, k + PAPER_LEVEL_OFFSET_PX)]!;
    const slack = Math.max(PAPER_LEVEL_SLACK, 0.2 * (inside - outside));
    if (brightestInward[Math.min(last, k + 1)]! - inside <= slack) return k;
  }
  return strongest;
}

/** Total least squares with two rounds of outlier rejection; undefined below 5 points. */
function fitLine(points: Point[]): Line | undefined {
  let current = points;
  let line: Line | undefined;
  for (let round = 0; round < 3; round++) {
    if (current.length < 5) return line;
    let mx = 0;
    let my = 0;
    for (const p of current) {
      mx += p.x;
      my += p.y;
    }
    mx /= current.length;
    my /= current.length;
    let sxx = 0;
    let syy = 0;
    let sxy = 0;
    for (const p of current) {
      sxx += (p.x - mx) ** 2;
      syy += (p.y - my) ** 2;
      sxy += (p.x - mx) * (p.y - my);
    }
    const theta = 0.5 * Math.atan2(2 * sxy, sxx - syy);
    line = { point: { x: mx, y: my }, dir: { x: Math.cos(theta), y: Math.sin(theta) } };
    const residual = (p: Point) => Math.abs(-(p.x - mx) * line!.dir.y + (p.y - my) * line!.dir.x);
    const sorted = current.map(residual).sort((x, y) => x - y);
    const limit = Math.max(1, 3 * sorted[Math.floor(sorted.length / 2)]!);
    const kept = current.filter((p) => residual(p) <= limit);
    if (kept.length === current.length) break;
    current = kept;
  }
  return line;
}

function intersectLines(l1: Line, l2: Line): Point | undefined {
  const det = l1.dir.x * l2.dir.y - l1.dir.y * l2.dir.x;
  if (Math.abs(det) < 1e-6) return undefined;
  const dx = l2.point.x - l1.point.x;
  const dy = l2.point.y - l1.point.y;
  const t = (dx * l2.dir.y - dy * l2.dir.x) / det;
  return { x: l1.point.x + t * l1.dir.x, y: l1.point.y + t * l1.dir.y };
}

/** Intersection of segment lines p1-p2 and p3-p4. */
function intersect(p1: Point, p2: Point, p3: Point, p4: Point): Point | undefined {
  const l1 = { point: p1, dir: unit(p1, p2) };
  const l2 = { point: p3, dir: unit(p3, p4) };
  return intersectLines(l1, l2);
}

function unit(a: Point, b: Point): Point {
  const l = dist(a, b) || 1;
  return { x: (b.x - a.x) / l, y: (b.y - a.y) / l };
}

function dist(a: Point, b: Point): number {
  return Math.hypot(b.x - a.x, b.y - a.y);
}

function mid(a: Point, b: Point): Point {
  return { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
}

function quadArea(c: readonly Point[]): number {
  let area = 0;
  for (let i = 0; i < c.length; i++) {
    const p = c[i]!;
    const q = c[(i + 1) % c.length]!;
    area += p.x * q.y - q.x * p.y;
  }
  return Math.abs(area) / 2;
}

/** Piece cells whose 8 neighbours are all in it: safely away from the product background. */
function interiorCells(piece: Int32Array, cols: number, rows: number, window: RectPx): RectPx[] {
  const inPiece = new Uint8Array(cols * rows);
  for (const index of piece) inPiece[index] = 1;
  const out: RectPx[] = [];
  for (const index of piece) {
    const col = index % cols;
    const row = (index - col) / cols;
    if (col === 0 || row === 0 || col === cols - 1 || row === rows - 1) continue;
    let inside = true;
    for (let dy = -1; dy <= 1 && inside; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        if (!inPiece[index + dy * cols + dx]) {
          inside = false;
          break;
        }
      }
    }
    if (inside)
      out.push({
        xPx: window.xPx + col * CELL_PX,
        yPx: window.yPx + row * CELL_PX,
        widthPx: CELL_PX,
        heightPx: CELL_PX,
      });
  }
  return out;
}
