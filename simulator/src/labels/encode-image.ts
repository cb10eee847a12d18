// Encodes a grayscale frame as PNG (what cameras and tests publish) or PGM (what zbarimg reads fastest).

import { PNG } from 'pngjs';
import type { GrayImage } from './types.js';

/** An 8-bit grayscale PNG. */
export function encodePng(image: GrayImage): Buffer {
  const png = new PNG({
    width: image.widthPx,
    height: image.heightPx,
    colorType: 0,
    inputColorType: 0,
    inputHasAlpha: false,
  });
  png.data = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false });
}

/** A binary PGM (P5), 8 bits per pixel. */
export function encodePgm(image: GrayImage): Buffer {
  const header = Buffer.from(`P5\n${image.widthPx} ${image.heightPx}\n255\n`, 'ascii');
  return Buffer.concat([
    header,
    Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength),
  ]);
}
