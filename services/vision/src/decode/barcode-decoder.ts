// The seam between inspection and barcode libraries: one interface, two implementations (zxing-wasm, zxing-js).

import type { Symbology } from '@servo-edge/common/mqtt';
import type { GrayImage } from '../image/gray-image.js';

export interface PointPx {
  xPx: number;
  yPx: number;
}

/** One decoded code, in the coordinates of the image that was passed in. */
export interface DecodedSymbol {
  symbology: Symbology;
  /**
   * The data with the symbology's framing removed. GS1 element strings use ASCII 29 (GS) for
   * separator FNC1s and carry no leading FNC1.
   */
  text: string;
  /** The code announced GS1 data (FNC1 in first position: `]d2`, `]C1`). Always true for EAN-13. */
  isGs1: boolean;
  /**
   * Rotation of the symbol, degrees clockwise, when the library reports it. Matrix codes give any
   * angle; linear codes only multiples of 90.
   */
  rotationDeg?: number;
  /** Corners of the symbol (matrix) or of the scan lines that read it (linear). */
  corners?: [PointPx, PointPx, PointPx, PointPx];
}

/** The axis-aligned box around the points a library reports for a symbol, as DecodedSymbol.corners. */
export function boundingCorners(
  xs: readonly number[],
  ys: readonly number[],
): [PointPx, PointPx, PointPx, PointPx] {
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  return [
    { xPx: x0, yPx: y0 },
    { xPx: x1, yPx: y0 },
    { xPx: x1, yPx: y1 },
    { xPx: x0, yPx: y1 },
  ];
}

/** What the caller knows about the code it expects; a single decoder ignores it. */
export interface DecodeHint {
  /**
   * True when a reading carries the data the caller expects. A combined decoder asks its second
   * engine for a second opinion on a reading that fails this (a misread), and prefers one that
   * passes; it never turns a reading that fails into one that passes on its own.
   */
  expected?(symbol: DecodedSymbol): boolean;
  /**
   * The image is a linear code's band with its bars upright (running top to bottom), as the
   * inspection hands over: only the rows are scan lines worth reading, and an engine may skip its
   * rotated or column-wise passes (a reversed code still reads along the rows).
   */
  barsUpright?: boolean;
}

export interface BarcodeDecoder {
  /** Which library, for reports. */
  readonly name: string;
  /**
   * Looks for one code of `symbology` in `image`. Resolves null when none is found. Rejects only on
   * a library failure, never because the image holds no code.
   */
  decode(image: GrayImage, symbology: Symbology, hint?: DecodeHint): Promise<DecodedSymbol | null>;
}
