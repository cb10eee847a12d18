// BarcodeDecoder on zxing-wasm (ZXing-C++), with the .wasm loaded from node_modules, never from a CDN.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Symbology } from '@servo-edge/common/mqtt';
import { prepareZXingModule, type ReaderOptions, readBarcodes, ZXING_WASM_SHA256 } from 'zxing-wasm/reader';
import type { GrayImage } from '../image/gray-image.js';
import type { BarcodeDecoder, DecodedSymbol } from './barcode-decoder.js';

const FORMAT: Record<Symbology, 'DataMatrix' | 'Code128' | 'EAN13'> = {
  'gs1-datamatrix': 'DataMatrix',
  'gs1-128': 'Code128',
  'ean-13': 'EAN13',
};

/** Every recipe symbology (FORMAT is a Record over them all), as a list the decode workers warm up with. */
export const WASM_SYMBOLOGIES = Object.keys(FORMAT) as Symbology[];

/** Symbology identifiers that announce GS1 data [ISO/IEC 15424]. */
const GS1_IDENTIFIERS = new Set([']d2', ']C1', ']E0']);

/**
 * The path of the reader .wasm inside the installed package, through the package's own export map
 * (`zxing-wasm/reader/zxing_reader.wasm`), so it follows whatever version npm installed.
 */
export function zxingWasmPath(): string {
  return createRequire(import.meta.url).resolve('zxing-wasm/reader/zxing_reader.wasm');
}

let ready: Promise<void> | undefined;

/**
 * Instantiates the ZXing module once per thread. By default zxing-wasm's `locateFile` points at
 * jsDelivr; we hand Emscripten the bytes instead (`wasmBinary`) and make `locateFile` return the
 * local path, so nothing is fetched even if Emscripten asks. The file's SHA-256 is checked against
 * the one the package was built with, so a mismatched binary fails loudly at start-up.
 */
export function loadZxingWasm(): Promise<void> {
  ready ??= (async () => {
    const wasmPath = zxingWasmPath();
    const bytes = await readFile(wasmPath);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (sha256 !== ZXING_WASM_SHA256)
      throw new Error(`zxing_reader.wasm at ${wasmPath} does not match its package`);
    const wasmBinary = bytes.buffer.slice(
      bytes.byteOffset,
      bytes.byteOffset + bytes.byteLength,
    ) as ArrayBuffer;
    await prepareZXingModule({
      overrides: { wasmBinary, locateFile: (path: string) => (path.endsWith('.wasm') ? wasmPath : path) },
      fireImmediately: true,
    });
  })();
  return ready;
}

export async function createZxingWasmDecoder(): Promise<BarcodeDecoder> {
  await loadZxingWasm();
  return {
    name: 'zxing-wasm',
    async decode(image: GrayImage, symbology: Symbology): Promise<DecodedSymbol | null> {
      const options: ReaderOptions = {
        formats: [FORMAT[symbology]],
        tryHarder: true,
        // A DataMatrix's finder pattern is found at any angle (ISO/IEC 16022 5.2); rotated retries only
        // cost time on a miss. Linear codes need them for a code turned past the scan lines.
        tryRotate: symbology !== 'gs1-datamatrix',
        // Labels are dark on light; skipping the inverted pass halves the work on a miss.
        tryInvert: false,
        tryDownscale: true,
        // Plain: the raw data, FNC1 separators as GS, no brackets.
        textMode: 'Plain',
        maxNumberOfSymbols: 1,
      };
      const results = await readBarcodes(toImageData(image), options);
      const result = results.find((r) => r.isValid);
      if (!result) return null;
      const p = result.position;
      return {
        symbology,
        text: result.text,
        isGs1: GS1_IDENTIFIERS.has(result.symbologyIdentifier),
        rotationDeg: result.rotation,
        corners: [
          { xPx: p.topLeft.x, yPx: p.topLeft.y },
          { xPx: p.topRight.x, yPx: p.topRight.y },
          { xPx: p.bottomRight.x, yPx: p.bottomRight.y },
          { xPx: p.bottomLeft.x, yPx: p.bottomLeft.y },
        ],
      };
    },
  };
}

/** What readBarcodes accepts; this package builds without the DOM lib, so ImageData is not named. */
type ReadInput = Parameters<typeof readBarcodes>[0];

/** zxing-wasm takes an ImageData-shaped RGBA buffer (it converts back to luma inside). */
function toImageData(image: GrayImage): ReadInput {
  const rgba = new Uint8ClampedArray(image.widthPx * image.heightPx * 4);
  const words = new Uint32Array(rgba.buffer);
  // One 32-bit store per pixel: R = G = B = gray, A = 255 (little-endian byte order).
  for (let i = 0; i < image.data.length; i++) words[i] = 0xff000000 | (image.data[i]! * 0x010101);
  return { data: rgba, width: image.widthPx, height: image.heightPx, colorSpace: 'srgb' } as ReadInput;
}
