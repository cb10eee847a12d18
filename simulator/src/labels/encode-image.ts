// Encodes a grayscale frame as PNG or JPEG (what cameras publish), raw gray8, or PGM (what zbarimg reads fastest).

import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import type { FrameFormat } from './conditions.js';
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

/**
 * A baseline JPEG at `quality` (1..100), as a colour camera sends it: jpeg-js writes three
 * components (YCbCr), so the decoder pays for chroma planes too.
 */
export function encodeJpeg(image: GrayImage, quality: number): Buffer {
  const rgba = new Uint8Array(image.widthPx * image.heightPx * 4);
  const words = new Uint32Array(rgba.buffer);
  for (let i = 0; i < image.data.length; i++) words[i] = 0xff000000 | (image.data[i]! * 0x010101);
  return jpeg.encode({ data: rgba, width: image.widthPx, height: image.heightPx }, quality).data;
}

/** The image bytes of a frame in `format` (gray8 is the pixels themselves). */
export function encodeFrameImage(image: GrayImage, format: FrameFormat, jpegQuality = 90): Uint8Array {
  switch (format) {
    case 'gray8':
      return image.data;
    case 'png':
      return encodePng(image);
    case 'jpeg':
      return encodeJpeg(image, jpegQuality);
  }
}
