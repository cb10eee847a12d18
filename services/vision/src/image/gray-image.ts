// The grayscale image every analysis step works on, and helpers to crop and convert it.

/** 8-bit grayscale, row-major, one byte per pixel (0 = black). */
export interface GrayImage {
  readonly widthPx: number;
  readonly heightPx: number;
  readonly data: Uint8Array;
}

/** An axis-aligned rectangle in pixels. */
export interface RectPx {
  xPx: number;
  yPx: number;
  widthPx: number;
  heightPx: number;
}

/** Clamps `rect` to the image; may return an empty rectangle. */
export function clampRect(rect: RectPx, image: { widthPx: number; heightPx: number }): RectPx {
  const x0 = Math.max(0, Math.floor(rect.xPx));
  const y0 = Math.max(0, Math.floor(rect.yPx));
  const x1 = Math.min(image.widthPx, Math.ceil(rect.xPx + rect.widthPx));
  const y1 = Math.min(image.heightPx, Math.ceil(rect.yPx + rect.heightPx));
  return { xPx: x0, yPx: y0, widthPx: Math.max(0, x1 - x0), heightPx: Math.max(0, y1 - y0) };
}

/** Copies a (clamped) rectangle out of `image`. */
export function crop(image: GrayImage, rect: RectPx): GrayImage {
  const r = clampRect(rect, image);
  const data = new Uint8Array(r.widthPx * r.heightPx);
  for (let y = 0; y < r.heightPx; y++) {
    const from = (r.yPx + y) * image.widthPx + r.xPx;
    data.set(image.data.subarray(from, from + r.widthPx), y * r.widthPx);
  }
  return { widthPx: r.widthPx, heightPx: r.heightPx, data };
}

/** Words are read and written as bytes in memory order only on a little-endian machine. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Luma from interleaved RGB(A) samples, Rec. 601 weights in 10-bit fixed point. */
export function lumaFromInterleaved(data: Uint8Array, pixelCount: number, channels: number): Uint8Array {
  const gray = new Uint8Array(pixelCount);
  if (channels === 1) {
    gray.set(data.subarray(0, pixelCount));
    return gray;
  }
  let i = 0;
  if (channels === 3 && LITTLE_ENDIAN && data.byteOffset % 4 === 0)
    i = rgbLumaByWords(data, gray, pixelCount);
  for (let j = i * channels; i < pixelCount; i++, j += channels) {
    gray[i] = (306 * data[j]! + 601 * data[j + 1]! + 117 * data[j + 2]! + 512) >> 10;
  }
  return gray;
}

/**
 * The RGB case of `lumaFromInterleaved` four pixels at a time: three 32-bit words in (R0 G0 B0 R1,
 * G1 B1 R2 G2, B2 R3 G3 B3 in memory order), one word out. A 1280x960 camera frame (a JPEG decodes
 * to RGB) took 2.6 ms byte by byte, 1.8 ms so. Returns how many pixels it converted.
 */
function rgbLumaByWords(data: Uint8Array, gray: Uint8Array, pixelCount: number): number {
  const quads = pixelCount >> 2;
  const words = new Uint32Array(data.buffer, data.byteOffset, quads * 3);
  const out = new Uint32Array(gray.buffer, gray.byteOffset, quads);
  for (let q = 0, k = 0; q < quads; q++, k += 3) {
    const a = words[k]!;
    const b = words[k + 1]!;
    const c = words[k + 2]!;
    const y0 = (306 * (a & 255) + 601 * ((a >>> 8) & 255) + 117 * ((a >>> 16) & 255) + 512) >> 10;
    const y1 = (306 * (a >>> 24) + 601 * (b & 255) + 117 * ((b >>> 8) & 255) + 512) >> 10;
    const y2 = (306 * ((b >>> 16) & 255) + 601 * (b >>> 24) + 117 * (c & 255) + 512) >> 10;
    const y3 = (306 * ((c >>> 8) & 255) + 601 * ((c >>> 16) & 255) + 117 * (c >>> 24) + 512) >> 10;
    out[q] = y0 | (y1 << 8) | (y2 << 16) | (y3 << 24);
  }
  return quads * 4;
}

/** Bilinear sample at pixel-centre coordinates (pixel (x, y) covers [x, x+1)); clamped to the frame. */
export function sampleBilinear(frame: GrayImage, x: number, y: number): number {
  const fx0 = x - 0.5;
  const fy0 = y - 0.5;
  const xc = fx0 < 0 ? 0 : fx0 > frame.widthPx - 1.001 ? frame.widthPx - 1.001 : fx0;
  const yc = fy0 < 0 ? 0 : fy0 > frame.heightPx - 1.001 ? frame.heightPx - 1.001 : fy0;
  const x0 = Math.floor(xc);
  const y0 = Math.floor(yc);
  const fx = xc - x0;
  const fy = yc - y0;
  const i = y0 * frame.widthPx + x0;
  const d = frame.data;
  return (
    (d[i]! * (1 - fx) + d[i + 1]! * fx) * (1 - fy) +
    (d[i + frame.widthPx]! * (1 - fx) + d[i + frame.widthPx + 1]! * fx) * fy
  );
}
