// BarcodeDecoder on ZBar built to wasm (@undecaf/zbar-wasm), with the .wasm loaded from node_modules.
//
// ZBar reads linear codes by scanning every line of the image and decoding runs of bar widths,
// which copes with fine bars (a 1.5-2 px module) where ZXing's line sampling misses them; it has no
// DataMatrix reader. The package's symbol objects drop ZBar's `modifiers` word, which carries the
// GS1 flag (FNC1 in first position), so results are read from the wasm heap directly, following
// zbar_symbol_s of ZBar 0.23 as built into @undecaf/zbar-wasm 0.11 (zbar/symbol.h): type at word 0,
// modifiers at 2, datalen at 4, data at 5, npts at 7, pts at 8, orient at 9, next at 11, quality at 15.

import { createRequire } from 'node:module';
import type { Symbology } from '@servo-edge/common/mqtt';
import {
  getInstance,
  setModuleArgs,
  ZBarConfigType,
  ZBarImage,
  ZBarScanner,
  ZBarSymbolType,
} from '@undecaf/zbar-wasm';
import type { GrayImage } from '../image/gray-image.js';
import {
  type BarcodeDecoder,
  boundingCorners,
  type DecodedSymbol,
  type DecodeHint,
} from './barcode-decoder.js';

/** The symbologies ZBar reads for us; DataMatrix is not among them. */
export const ZBAR_SYMBOLOGIES: readonly Symbology[] = ['gs1-128', 'ean-13'];

const SYMBOL_TYPE: Partial<Record<Symbology, ZBarSymbolType>> = {
  'gs1-128': ZBarSymbolType.ZBAR_CODE128,
  'ean-13': ZBarSymbolType.ZBAR_EAN13,
};

const ROW_DENSITY = 2;
const COLUMN_DENSITY = 4;

/** zbar_modifier_e: ZBAR_MOD_GS1 = 0 (bit 0 of `modifiers`). */
const MOD_GS1_BIT = 1;
/** zbar_orientation_e UP, RIGHT, DOWN, LEFT, as clockwise degrees. */
const ORIENTATION_DEG = [0, 90, 180, 270];

/** The .wasm inside the installed package, through its export map. */
export function zbarWasmPath(): string {
  return createRequire(import.meta.url).resolve('@undecaf/zbar-wasm/dist/zbar.wasm');
}

type Instance = Awaited<ReturnType<typeof getInstance>>;
let ready: Promise<Instance> | undefined;

/** Instantiates ZBar once per thread, from the local file (Emscripten asks `locateFile` for it). */
export function loadZbarWasm(): Promise<Instance> {
  ready ??= (async () => {
    const wasmPath = zbarWasmPath();
    setModuleArgs({ locateFile: (file: string) => (file.endsWith('.wasm') ? wasmPath : file) });
    return getInstance();
  })();
  return ready;
}

export async function createZbarWasmDecoder(): Promise<BarcodeDecoder> {
  const inst = await loadZbarWasm();
  return {
    name: 'zbar-wasm',
    async decode(image: GrayImage, symbology: Symbology, hint?: DecodeHint): Promise<DecodedSymbol | null> {
      const type = SYMBOL_TYPE[symbology];
      if (type === undefined || image.widthPx === 0 || image.heightPx === 0) return null;
      const pixels =
        image.data.byteOffset === 0 && image.data.byteLength === image.data.buffer.byteLength
          ? image.data.buffer
          : image.data.slice().buffer;
      // A fresh scanner per image: ZBar's EAN decoder keeps half-symbols between scan lines to
      // assemble them, and a reused scanner was seen to complete the right half of one frame's
      // EAN-13 with the left half of an earlier frame's (a torn-off code read as whole).
      const scanner = await ZBarScanner.create();
      const zimage = await ZBarImage.createFromGrayBuffer(
        image.widthPx,
        image.heightPx,
        pixels as ArrayBuffer,
      );
      try {
        configure(scanner, type, hint?.barsUpright ?? false);
        if (scanner.scan(zimage) <= 0) return null;
        return firstSymbol(inst, inst._ImageScanner_get_results(scanner.getPointer()), symbology);
      } finally {
        zimage.destroy();
        scanner.destroy();
      }
    },
  };
}

function configure(scanner: ZBarScanner, type: ZBarSymbolType, barsUpright: boolean): void {
  // Only the recipe's symbology: nothing else can be mistaken for it, and the scan is cheaper.
  scanner.setConfig(ZBarSymbolType.ZBAR_NONE, ZBarConfigType.ZBAR_CFG_ENABLE, 0);
  scanner.setConfig(type, ZBarConfigType.ZBAR_CFG_ENABLE, 1);
  // Scan every second row and every fourth column (zbar/img_scanner.c: Y density spaces the
  // horizontal scan lines, X density the vertical ones). Bars are tens of pixels tall, so one
  // row in two loses nothing, and a label's code runs along its long axis, close to horizontal;
  // columns only matter for a code turned near 90 degrees. About a third of the full scan's cost.
  scanner.setConfig(ZBarSymbolType.ZBAR_NONE, ZBarConfigType.ZBAR_CFG_Y_DENSITY, ROW_DENSITY);
  // A band with its bars upright has nothing to read down its columns: no column scans at all.
  scanner.setConfig(
    ZBarSymbolType.ZBAR_NONE,
    ZBarConfigType.ZBAR_CFG_X_DENSITY,
    barsUpright ? 0 : COLUMN_DENSITY,
  );
}

/**
 * Reads the symbol of the expected type with the highest quality from a zbar_symbol_set_t (head at
 * word 2). ZBar reports a Code 128 read by a single scan line (its uncertainty for Code 128 is 0,
 * zbar/img_scanner.c), and merges the lines that read the same data into one symbol whose `quality`
 * counts them; a misread that slipped through the mod-103 check on one line of a fine, blurred code
 * is then a second symbol of quality 1 beside the true one read by many lines. The first symbol is
 * whichever was read first, so the most-read one is taken instead.
 */
function firstSymbol(inst: Instance, setPtr: number, symbology: Symbology): DecodedSymbol | null {
  if (setPtr === 0) return null;
  const u32 = inst.HEAPU32;
  const i32 = inst.HEAP32;
  let best = 0;
  let bestQuality = Number.NEGATIVE_INFINITY;
  for (let ptr = u32[(setPtr >> 2) + 2]!; ptr !== 0; ptr = u32[(ptr >> 2) + 11]!) {
    const w = ptr >> 2;
    if (u32[w] !== SYMBOL_TYPE[symbology]) continue;
    const quality = i32[w + 15]!;
    if (quality > bestQuality) {
      bestQuality = quality;
      best = ptr;
    }
  }
  if (best === 0) return null;
  const w = best >> 2;
  const modifiers = u32[w + 2]!;
  const length = u32[w + 4]!;
  const dataPtr = u32[w + 5]!;
  const npts = u32[w + 7]!;
  const ptsWord = u32[w + 8]! >> 2;
  const orientation = i32[w + 9]!;
  const text = new TextDecoder('latin1').decode(inst.HEAPU8.subarray(dataPtr, dataPtr + length));
  const xs: number[] = [];
  const ys: number[] = [];
  for (let k = 0; k < npts; k++) {
    xs.push(i32[ptsWord + 2 * k]!);
    ys.push(i32[ptsWord + 2 * k + 1]!);
  }
  const decoded: DecodedSymbol = {
    symbology,
    text,
    isGs1: symbology === 'ean-13' || (modifiers & MOD_GS1_BIT) !== 0,
  };
  const rotationDeg = ORIENTATION_DEG[orientation];
  if (rotationDeg !== undefined) decoded.rotationDeg = rotationDeg;
  if (xs.length > 0) decoded.corners = boundingCorners(xs, ys);
  return decoded;
}
