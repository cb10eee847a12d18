// Finds the label (bright paper on a darker product) near its expected region: presence, centre, rotation.

import { clampRect, type GrayImage, type RectPx } from '../image/gray-image.js';

/** Side of the analysis cells, px. Each cell keeps its brightest sample, so bars and modules vanish. */
const CELL_PX = 8;
/** Samples per cell side (stride 2): enough to catch paper between 2 px bars, at a quarter of the cost. */
const SAMPLE_STRIDE_PX = 2;
/** Where a cell's samples are centred: samples at 0, 2, 4, 6 average 3, plus half a pixel. */
const SAMPLE_CENTRE_PX = (CELL_PX - SAMPLE_STRIDE_PX) / 2 + 0.5;
/** Paper must be this much brighter than the product around it to count as a label (gray levels). */
const MIN_LABEL_STEP = 50;
/** A bright blob smaller than this share of the expected label area is not a label. */
const MIN_AREA_SHARE = 0.3;
/**
 * Bright blobs at least this share of the expected label area count as pieces of it: a smear or a
 * tear can cut a label in two, and the halves are still one label.
 */
const MIN_PIECE_SHARE = 0.03;
/** Below this ratio of principal axes the blob is too round to tell its rotation. */
const MIN_AXIS_RATIO = 1.15;

export interface LabelGeometry {
  present: boolean;
  /** Label centre on the frame, px (undefined when absent). */
  centerXPx?: number;
  centerYPx?: number;
  /** Rotation of the label's long axis from the region's long axis, degrees in (-90, 90], clockwise positive. */
  angleDeg?: number;
  /** False when the blob is too square for its moments to give a rotation. */
  angleReliable?: boolean;
  areaPx?: number;
  /** Axis-aligned bounds of the label on the frame, px. */
  boundsPx?: RectPx;
  /** Cells well inside the label, as frame rectangles: where paper and print can be measured. */
  interiorCellsPx?: RectPx[];
}

/** Where to look: the expected region grown by half its long side plus the position tolerance. */
export function searchWindow(region: RectPx & { positionTolerancePx: number }, frame: GrayImage): RectPx {
  const marginPx = Math.max(region.widthPx, region.heightPx) / 2 + region.positionTolerancePx;
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

export function findLabel(frame: GrayImage, region: RectPx & { positionTolerancePx: number }): LabelGeometry {
  const window = searchWindow(region, frame);
  const cols = Math.floor(window.widthPx / CELL_PX);
  const rows = Math.floor(window.heightPx / CELL_PX);
  if (cols < 2 || rows < 2) return { present: false };

  // 1. Max-pool the window into cells.
  const cells = new Uint8Array(cols * rows);
  const means = new Uint8Array(cols * rows);
  const histogram = new Uint32Array(256);
  const samplesPerCell = (CELL_PX / SAMPLE_STRIDE_PX) ** 2;
  for (let row = 0; row < rows; row++) {
    for (let col = 0; col < cols; col++) {
      let max = 0;
      let sum = 0;
      const x0 = window.xPx + col * CELL_PX;
      const y0 = window.yPx + row * CELL_PX;
      for (let y = y0; y < y0 + CELL_PX; y += SAMPLE_STRIDE_PX) {
        const rowStart = y * frame.widthPx;
        for (let x = x0; x < x0 + CELL_PX; x += SAMPLE_STRIDE_PX) {
          const v = frame.data[rowStart + x]!;
          sum += v;
          if (v > max) max = v;
        }
      }
      cells[row * cols + col] = max;
      means[row * cols + col] = Math.round(sum / samplesPerCell);
      histogram[max]!++;
    }
  }

  // 2. Split paper from product with Otsu's threshold; a flat window has no label.
  const split = otsu(histogram, cols * rows);
  if (split.brightMean - split.darkMean < MIN_LABEL_STEP) return { present: false };

  // 3. The bright connected blobs of a useful size, together, are the label.
  const minPieceCells = (MIN_PIECE_SHARE * region.widthPx * region.heightPx) / (CELL_PX * CELL_PX);
  const blob = withHolesFilled(labelPieces(cells, cols, rows, split.threshold, minPieceCells), cols, rows);
  const cellAreaPx = CELL_PX * CELL_PX;
  const areaPx = blob.length * cellAreaPx;
  if (areaPx < MIN_AREA_SHARE * region.widthPx * region.heightPx) return { present: false };

  // 4. Centroid and orientation from weighted second moments. Edge cells count by how much of them
  //    is paper (their mean between product and paper level), which resolves the edge to sub-cell
  //    precision; without it a rotation under a degree would not move a single cell.
  const inBlob = new Uint8Array(cols * rows);
  for (const index of blob) inBlob[index] = 1;
  const span = Math.max(1, split.brightMean - split.darkMean);
  const weights = new Float64Array(blob.length);
  let sumW = 0;
  let sumX = 0;
  let sumY = 0;
  blob.forEach((index, i) => {
    const col = index % cols;
    const onEdge =
      col === 0 ||
      col === cols - 1 ||
      index < cols ||
      index >= cols * (rows - 1) ||
      !inBlob[index - 1] ||
      !inBlob[index + 1] ||
      !inBlob[index - cols] ||
      !inBlob[index + cols];
    const w = onEdge ? Math.min(1, Math.max(0, (means[index]! - split.darkMean) / span)) : 1;
    weights[i] = w;
    sumW += w;
    sumX += w * col;
    sumY += w * Math.floor(index / cols);
  });
  const meanCol = sumX / sumW;
  const meanRow = sumY / sumW;
  let mu20 = 0;
  let mu02 = 0;
  let mu11 = 0;
  let minCol = cols;
  let maxCol = 0;
  let minRow = rows;
  let maxRow = 0;
  blob.forEach((index, i) => {
    const col = index % cols;
    const row = Math.floor(index / cols);
    const w = weights[i]!;
    mu20 += w * (col - meanCol) ** 2;
    mu02 += w * (row - meanRow) ** 2;
    mu11 += w * (col - meanCol) * (row - meanRow);
    minCol = Math.min(minCol, col);
    maxCol = Math.max(maxCol, col);
    minRow = Math.min(minRow, row);
    maxRow = Math.max(maxRow, row);
  });
  // Image y points down, so a positive angle is a clockwise turn on screen.
  let angleDeg = (0.5 * Math.atan2(2 * mu11, mu20 - mu02) * 180) / Math.PI;
  const spread = Math.sqrt((mu20 - mu02) ** 2 + 4 * mu11 ** 2);
  const major = (mu20 + mu02 + spread) / 2;
  const minor = (mu20 + mu02 - spread) / 2;
  const angleReliable = minor > 0 && Math.sqrt(major / minor) >= MIN_AXIS_RATIO;
  // A portrait region's long axis is vertical: measure rotation from there.
  if (region.heightPx > region.widthPx) angleDeg -= 90;
  angleDeg = normalizeHalfTurn(angleDeg);

  return {
    present: true,
    centerXPx: window.xPx + meanCol * CELL_PX + SAMPLE_CENTRE_PX,
    centerYPx: window.yPx + meanRow * CELL_PX + SAMPLE_CENTRE_PX,
    angleDeg,
    angleReliable,
    areaPx,
    boundsPx: {
      xPx: window.xPx + minCol * CELL_PX,
      yPx: window.yPx + minRow * CELL_PX,
      widthPx: (maxCol - minCol + 1) * CELL_PX,
      heightPx: (maxRow - minRow + 1) * CELL_PX,
    },
    interiorCellsPx: interiorCells(blob, cols, rows, window),
  };
}

/** Folds an angle into (-90, 90]: a label's long axis has no direction. */
export function normalizeHalfTurn(angleDeg: number): number {
  let a = angleDeg % 180;
  if (a <= -90) a += 180;
  if (a > 90) a -= 180;
  return a;
}

function otsu(
  histogram: Uint32Array,
  total: number,
): { threshold: number; darkMean: number; brightMean: number } {
  let sumAll = 0;
  for (let v = 0; v < 256; v++) sumAll += v * histogram[v]!;
  let weightDark = 0;
  let sumDark = 0;
  let best = { threshold: 0, variance: -1, darkMean: 0, brightMean: 0 };
  for (let t = 0; t < 256; t++) {
    weightDark += histogram[t]!;
    if (weightDark === 0) continue;
    const weightBright = total - weightDark;
    if (weightBright === 0) break;
    sumDark += t * histogram[t]!;
    const darkMean = sumDark / weightDark;
    const brightMean = (sumAll - sumDark) / weightBright;
    const variance = weightDark * weightBright * (darkMean - brightMean) ** 2;
    if (variance > best.variance) best = { threshold: t, variance, darkMean, brightMean };
  }
  return best;
}

/** Indices of every 4-connected set of cells brighter than `threshold` with at least `minCells` cells. */
function labelPieces(
  cells: Uint8Array,
  cols: number,
  rows: number,
  threshold: number,
  minCells: number,
): number[] {
  const seen = new Uint8Array(cells.length);
  const pieces: number[] = [];
  const stack: number[] = [];
  for (let start = 0; start < cells.length; start++) {
    if (seen[start] || cells[start]! <= threshold) continue;
    const blob: number[] = [];
    seen[start] = 1;
    stack.push(start);
    while (stack.length > 0) {
      const index = stack.pop()!;
      blob.push(index);
      const col = index % cols;
      const neighbours = [
        col > 0 ? index - 1 : -1,
        col < cols - 1 ? index + 1 : -1,
        index >= cols ? index - cols : -1,
        index < cols * (rows - 1) ? index + cols : -1,
      ];
      for (const next of neighbours) {
        if (next < 0 || seen[next] || cells[next]! <= threshold) continue;
        seen[next] = 1;
        stack.push(next);
      }
    }
    if (blob.length >= minCells) pieces.push(...blob);
  }
  return pieces;
}

/**
 * Adds the cells the blob encloses (dense print, a smear) to it: they are label too, and leaving
 * them out would pull the centroid and the axis towards wherever the print happens to be.
 */
function withHolesFilled(blob: number[], cols: number, rows: number): number[] {
  const inBlob = new Uint8Array(cols * rows);
  for (const index of blob) inBlob[index] = 1;
  // Flood the outside from the window border; whatever it cannot reach is enclosed.
  const outside = new Uint8Array(cols * rows);
  const stack: number[] = [];
  const visit = (index: number) => {
    if (inBlob[index] || outside[index]) return;
    outside[index] = 1;
    stack.push(index);
  };
  for (let col = 0; col < cols; col++) {
    visit(col);
    visit((rows - 1) * cols + col);
  }
  for (let row = 0; row < rows; row++) {
    visit(row * cols);
    visit(row * cols + cols - 1);
  }
  while (stack.length > 0) {
    const index = stack.pop()!;
    const col = index % cols;
    if (col > 0) visit(index - 1);
    if (col < cols - 1) visit(index + 1);
    if (index >= cols) visit(index - cols);
    if (index < cols * (rows - 1)) visit(index + cols);
  }
  const filled = [...blob];
  for (let index = 0; index < cols * rows; index++) if (!inBlob[index] && !outside[index]) filled.push(index);
  return filled;
}

/** Blob cells whose 8 neighbours are all in the blob: safely away from the product background. */
function interiorCells(blob: number[], cols: number, rows: number, window: RectPx): RectPx[] {
  const inBlob = new Uint8Array(cols * rows);
  for (const index of blob) inBlob[index] = 1;
  const out: RectPx[] = [];
  for (const index of blob) {
    const col = index % cols;
    const row = Math.floor(index / cols);
    if (col === 0 || row === 0 || col === cols - 1 || row === rows - 1) continue;
    let inside = true;
    for (let dy = -1; dy <= 1 && inside; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        if (!inBlob[index + dy * cols + dx]) {
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
