// Camera image bytes -> a small grayscale PNG: vision's decoder, a box-filter downscale, a minimal PNG
// writer. Pure and CPU-bound: it runs in the thumbnail worker, never on the gateway's event loop.

import { crc32, deflateSync } from 'node:zlib';
import type { ImageFormat } from '@servo-edge/common/mqtt';
import { decodeImage, type GrayImage } from '@servo-edge/vision/image';

export interface ThumbnailJob {
  format: ImageFormat;
  image: Uint8Array;
  /** From the frame header, checked against the image by the decoder. */
  widthPx?: number;
  heightPx?: number;
  /** Width of the thumbnail; the height keeps the aspect ratio. */
  thumbWidthPx: number;
}

/** Frames larger than this are refused before any pixel is decoded (same idea as vision's own limits). */
const LIMITS = { maxImageWidthPx: 8192, maxImageHeightPx: 8192 };

export function renderThumbnail(job: ThumbnailJob): Uint8Array {
  const declared = {
    ...(job.widthPx === undefined ? {} : { widthPx: job.widthPx }),
    ...(job.heightPx === undefined ? {} : { heightPx: job.heightPx }),
  };
  const image = decodeImage(job.format, job.image, declared, LIMITS);
  return encodeGrayPng(downscaleGray(image, job.thumbWidthPx));
}

/**
 * Area-average (box filter) downscale to `widthPx` wide; never upscales. Each output pixel is the
 * mean of the source block it covers, so thin label print stays visible instead of aliasing away.
 */
export function downscaleGray(image: GrayImage, widthPx: number): GrayImage {
  const outW = Math.max(1, Math.min(image.widthPx, Math.round(widthPx)));
  const outH = Math.max(1, Math.round((image.heightPx * outW) / image.widthPx));
  if (outW === image.widthPx && outH === image.heightPx) return image;
  const out = new Uint8Array(outW * outH);
  const xStarts = new Uint32Array(outW + 1);
  for (let x = 0; x <= outW; x++) xStarts[x] = Math.floor((x * image.widthPx) / outW);
  for (let y = 0; y < outH; y++) {
    const y0 = Math.floor((y * image.heightPx) / outH);
    const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * image.heightPx) / outH));
    for (let x = 0; x < outW; x++) {
      const x0 = xStarts[x]!;
      const x1 = Math.max(x0 + 1, xStarts[x + 1]!);
      let sum = 0;
      for (let sy = y0; sy < y1; sy++) {
        const row = sy * image.widthPx;
        for (let sx = x0; sx < x1; sx++) sum += image.data[row + sx]!;
      }
      out[y * outW + x] = Math.round(sum / ((y1 - y0) * (x1 - x0)));
    }
  }
  return { widthPx: outW, heightPx: outH, data: out };
}

const PNG_SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

/** An 8-bit grayscale, non-interlaced PNG [PNG 11.2.2 colour type 0], filter type 0 on every row. */
export function encodeGrayPng(image: GrayImage): Buffer {
  const { widthPx, heightPx, data } = image;
  const raw = Buffer.alloc((widthPx + 1) * heightPx);
  for (let y = 0; y < heightPx; y++) {
    // Each scanline starts with its filter type byte, 0 (None) [PNG 9.2].
    raw.set(data.subarray(y * widthPx, (y + 1) * widthPx), y * (widthPx + 1) + 1);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(widthPx, 0);
  header.writeUInt32BE(heightPx, 4);
  header[8] = 8; // bit depth
  header[9] = 0; // colour type: gray
  // compression 0, filter method 0, interlace 0: already zero.
  return Buffer.concat([
    PNG_SIGNATURE,
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 6 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** length, type, data, CRC over type and data [PNG 5.3]. */
function chunk(type: string, body: Buffer): Buffer {
  const out = Buffer.alloc(12 + body.length);
  out.writeUInt32BE(body.length, 0);
  out.write(type, 4, 'ascii');
  body.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + body.length)), 8 + body.length);
  return out;
}
