// Turns a frame's image bytes (PNG, JPEG or raw gray8) into a GrayImage, within size limits.

import type { ImageFormat } from '@servo-edge/common/mqtt';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { VisionError } from '../errors.js';
import { decodePngFast } from './fast-png.js';
import { type GrayImage, lumaFromInterleaved } from './gray-image.js';

export type { GrayImage } from './gray-image.js';

export interface ImageLimits {
  maxImageWidthPx: number;
  maxImageHeightPx: number;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * Decodes `bytes`. Throws VisionError IMAGE_FORMAT_MISMATCH, IMAGE_TOO_LARGE, IMAGE_DIMENSION_MISMATCH
 * or IMAGE_DECODE_FAILED. Dimensions are checked before any pixel is decoded, so a small compressed
 * payload cannot make the worker allocate a huge bitmap.
 */
export function decodeImage(
  format: ImageFormat,
  bytes: Uint8Array,
  declared: { widthPx?: number; heightPx?: number },
  limits: ImageLimits,
): GrayImage {
  switch (format) {
    case 'gray8':
      return decodeGray8(bytes, declared, limits);
    case 'png':
      return decodePng(bytes, declared, limits);
    case 'jpeg':
      return decodeJpeg(bytes, declared, limits);
  }
}

function checkSize(widthPx: number, heightPx: number, limits: ImageLimits): void {
  if (widthPx < 1 || heightPx < 1) throw new VisionError('IMAGE_DECODE_FAILED', 'image has no pixels');
  if (widthPx > limits.maxImageWidthPx || heightPx > limits.maxImageHeightPx) {
    throw new VisionError('IMAGE_TOO_LARGE', `image ${widthPx}x${heightPx} exceeds the limits`);
  }
}

function checkDeclared(
  widthPx: number,
  heightPx: number,
  declared: { widthPx?: number; heightPx?: number },
): void {
  if (
    (declared.widthPx !== undefined && declared.widthPx !== widthPx) ||
    (declared.heightPx !== undefined && declared.heightPx !== heightPx)
  ) {
    throw new VisionError('IMAGE_DIMENSION_MISMATCH', 'image size differs from the frame header');
  }
}

function decodeGray8(
  bytes: Uint8Array,
  declared: { widthPx?: number; heightPx?: number },
  limits: ImageLimits,
): GrayImage {
  const widthPx = declared.widthPx ?? 0;
  const heightPx = declared.heightPx ?? 0;
  checkSize(widthPx, heightPx, limits);
  if (bytes.byteLength !== widthPx * heightPx) {
    throw new VisionError(
      'IMAGE_DIMENSION_MISMATCH',
      `gray8 payload is ${bytes.byteLength} bytes, not ${widthPx}x${heightPx}`,
    );
  }
  return { widthPx, heightPx, data: bytes };
}

function decodePng(
  bytes: Uint8Array,
  declared: { widthPx?: number; heightPx?: number },
  limits: ImageLimits,
): GrayImage {
  if (bytes.byteLength < 24 || PNG_SIGNATURE.some((b, i) => bytes[i] !== b)) {
    throw new VisionError('IMAGE_FORMAT_MISMATCH', 'not a PNG');
  }
  // IHDR is the first chunk [PNG 11.2.2]: length, "IHDR", width, height.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(12) !== 0x49484452)
    throw new VisionError('IMAGE_DECODE_FAILED', 'PNG does not start with IHDR');
  const widthPx = view.getUint32(16);
  const heightPx = view.getUint32(20);
  checkSize(widthPx, heightPx, limits);
  checkDeclared(widthPx, heightPx, declared);
  const fast = decodePngFast(bytes);
  if (fast) return fast;
  let png: PNG;
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (error) {
    throw new VisionError('IMAGE_DECODE_FAILED', 'PNG decoder failed', { cause: error });
  }
  return { widthPx, heightPx, data: lumaFromInterleaved(png.data, widthPx * heightPx, 4) };
}

function decodeJpeg(
  bytes: Uint8Array,
  declared: { widthPx?: number; heightPx?: number },
  limits: ImageLimits,
): GrayImage {
  const size = checkJpegHeader(bytes, declared, limits);
  let decoded: { width: number; height: number; data: Uint8Array };
  try {
    decoded = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      tolerantDecoding: false,
      maxResolutionInMP: (limits.maxImageWidthPx * limits.maxImageHeightPx) / 1e6,
      maxMemoryUsageInMB: 512,
    });
  } catch (error) {
    throw new VisionError('IMAGE_DECODE_FAILED', 'JPEG decoder failed', { cause: error });
  }
  const pixelCount = decoded.width * decoded.height;
  if (decoded.width !== size.widthPx || decoded.height !== size.heightPx || pixelCount === 0) {
    throw new VisionError('IMAGE_DECODE_FAILED', 'JPEG decoded to an unexpected size');
  }
  return {
    widthPx: decoded.width,
    heightPx: decoded.height,
    data: lumaFromInterleaved(decoded.data, pixelCount, decoded.data.byteLength / pixelCount),
  };
}

/**
 * The JPEG's size from its frame header, checked against the limits and the declared size before
 * any pixel is decoded. Throws IMAGE_FORMAT_MISMATCH, IMAGE_DECODE_FAILED, IMAGE_TOO_LARGE or
 * IMAGE_DIMENSION_MISMATCH.
 */
export function checkJpegHeader(
  bytes: Uint8Array,
  declared: { widthPx?: number; heightPx?: number },
  limits: ImageLimits,
): { widthPx: number; heightPx: number } {
  if (bytes.byteLength < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8 || bytes[2] !== 0xff) {
    throw new VisionError('IMAGE_FORMAT_MISMATCH', 'not a JPEG');
  }
  const size = jpegSize(bytes);
  if (!size) throw new VisionError('IMAGE_DECODE_FAILED', 'JPEG has no frame header');
  checkSize(size.widthPx, size.heightPx, limits);
  checkDeclared(size.widthPx, size.heightPx, declared);
  return size;
}

/** Finds the first SOFn marker and reads the frame size [ITU T.81 B.2.2]. */
function jpegSize(bytes: Uint8Array): { widthPx: number; heightPx: number } | undefined {
  let pos = 2;
  while (pos + 9 < bytes.byteLength) {
    if (bytes[pos] !== 0xff) return undefined;
    const marker = bytes[pos + 1]!;
    // Fill bytes and standalone markers carry no length.
    if (marker === 0xff) {
      pos++;
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      pos += 2;
      continue;
    }
    const length = (bytes[pos + 2]! << 8) | bytes[pos + 3]!;
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof)
      return {
        heightPx: (bytes[pos + 5]! << 8) | bytes[pos + 6]!,
        widthPx: (bytes[pos + 7]! << 8) | bytes[pos + 8]!,
      };
    if (length < 2) return undefined;
    pos += 2 + length;
  }
  return undefined;
}
