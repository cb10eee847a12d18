// The decode workers' image decoder: JPEG through libjpeg-turbo (sharp), PNG and gray8 as decodeImage does.
//
// jpeg-js, pure JavaScript, needs 40-200 ms for a 1280x960 camera JPEG; libjpeg-turbo (SIMD, in
// sharp's prebuilt libvips) needs about a tenth of that. sharp is loaded on first use, so a process
// that imports only `@servo-edge/vision/image` (the gateway's thumbnail worker) never loads it.

import type { ImageFormat } from '@servo-edge/common/mqtt';
import { VisionError } from '../errors.js';
import { checkJpegHeader, decodeImage, type ImageLimits } from './decode-image.js';
import { type GrayImage, lumaFromInterleaved } from './gray-image.js';

type Sharp = typeof import('sharp').default;
let sharpModule: Promise<Sharp> | undefined;

function loadSharp(): Promise<Sharp> {
  sharpModule ??= import('sharp').then((m) => {
    const sharp = m.default;
    // One libvips thread per decode: the pool already runs one worker per core, and a frame is
    // small. No operation cache: every frame is new, and the cache would only hold memory.
    sharp.concurrency(1);
    sharp.cache(false);
    return sharp;
  });
  return sharpModule;
}

/**
 * Like `decodeImage`, with JPEG decoded by libjpeg-turbo. The same checks run first (signature,
 * frame header, limits, declared size), so a small payload cannot make the decoder allocate a huge
 * bitmap; the same codes come out.
 */
export async function decodeFrameImage(
  format: ImageFormat,
  bytes: Uint8Array,
  declared: { widthPx?: number; heightPx?: number },
  limits: ImageLimits,
): Promise<GrayImage> {
  if (format !== 'jpeg') return decodeImage(format, bytes, declared, limits);
  const size = checkJpegHeader(bytes, declared, limits);
  const sharp = await loadSharp();
  let decoded: { data: Buffer; info: { width: number; height: number; channels: number } };
  try {
    decoded = await sharp(bytes, {
      limitInputPixels: limits.maxImageWidthPx * limits.maxImageHeightPx,
      // A truncated or corrupt JPEG is an error, not a half-gray frame.
      failOn: 'truncated',
    })
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw new VisionError('IMAGE_DECODE_FAILED', 'JPEG decoder failed', { cause: error });
  }
  const { width, height, channels } = decoded.info;
  if (width !== size.widthPx || height !== size.heightPx) {
    throw new VisionError('IMAGE_DECODE_FAILED', 'JPEG decoded to an unexpected size');
  }
  const pixelCount = width * height;
  const data =
    channels === 1
      ? new Uint8Array(decoded.data.buffer, decoded.data.byteOffset, pixelCount)
      : lumaFromInterleaved(decoded.data, pixelCount, channels);
  return { widthPx: width, heightPx: height, data };
}

/**
 * Loads sharp and decodes one small JPEG, so the first camera frame does not pay for loading
 * libvips (the workers call this before they report ready).
 */
export async function warmFrameImageDecoder(): Promise<void> {
  const sharp = await loadSharp();
  const tiny = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#ffffff' } })
    .jpeg()
    .toBuffer();
  await decodeFrameImage('jpeg', tiny, {}, { maxImageWidthPx: 64, maxImageHeightPx: 64 });
}
