// Renders a code with bwip-js into a grayscale bitmap (black modules on white), cached per content.

import bwipjs from 'bwip-js';
import { PNG } from 'pngjs';
import type { GrayImage, LabelSymbology } from './types.js';

/** bwip-js options per symbology, chosen so modules are several pixels wide on a 1280x960 frame. */
const BWIP_OPTIONS: Record<
  LabelSymbology,
  { bcid: string; scale: number; height?: number; includetext?: boolean }
> = {
  'gs1-datamatrix': { bcid: 'gs1datamatrix', scale: 3 },
  'gs1-128': { bcid: 'gs1-128', scale: 2, height: 22, includetext: true },
  'ean-13': { bcid: 'ean13', scale: 3, height: 22, includetext: true },
};

const cache = new Map<string, Promise<GrayImage>>();

/**
 * Renders `text` (an element string for GS1 symbologies, 13 digits for EAN-13).
 * `skipChecks` turns off bwip-js's GS1 lint so a wrong (01) check digit can be printed on purpose.
 */
export function renderSymbol(
  symbology: LabelSymbology,
  text: string,
  skipChecks = false,
  /** Pixels per module; the symbology's default when absent (the randomised generator passes 1). */
  scale?: number,
): Promise<GrayImage> {
  const key = `${symbology}\u0000${text}\u0000${skipChecks}\u0000${scale ?? ''}`;
  let rendered = cache.get(key);
  if (rendered === undefined) {
    rendered = renderUncached(symbology, text, skipChecks, scale);
    cache.set(key, rendered);
    // A failed render must not poison the cache.
    rendered.catch(() => cache.delete(key));
  }
  return rendered;
}

async function renderUncached(
  symbology: LabelSymbology,
  text: string,
  skipChecks: boolean,
  scale: number | undefined,
): Promise<GrayImage> {
  const options = {
    ...BWIP_OPTIONS[symbology],
    ...(scale === undefined ? {} : { scale }),
    text,
    // bwip-js renders transparent by default; the label paper is white.
    backgroundcolor: 'FFFFFF',
    ...(skipChecks ? { dontlint: true } : {}),
  };
  const png = PNG.sync.read(await bwipjs.toBuffer(options as bwipjs.RenderOptions));
  const data = new Uint8Array(png.width * png.height);
  for (let i = 0; i < data.length; i++) data[i] = png.data[i * 4]!;
  return { widthPx: png.width, heightPx: png.height, data };
}
