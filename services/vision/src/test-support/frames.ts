// Test frames: generated labels wrapped in the SVF1 frame format, and a few broken payloads.

import { encodeFrame } from '@servo-edge/common/mqtt';
import { encodePng, type GeneratedLabel } from '@servo-edge/simulator/labels';
import jpeg from 'jpeg-js';

export function gray8Frame(
  label: GeneratedLabel,
  productId: string,
  capturedAtMs = 1_767_225_600_000,
): Uint8Array {
  return encodeFrame(
    {
      productId,
      capturedAtMs,
      format: 'gray8',
      widthPx: label.image.widthPx,
      heightPx: label.image.heightPx,
    },
    label.image.data,
  );
}

export function pngFrame(
  label: GeneratedLabel,
  productId: string,
  capturedAtMs = 1_767_225_600_000,
): Uint8Array {
  return encodeFrame({ productId, capturedAtMs, format: 'png' }, encodePng(label.image));
}

export function jpegFrame(
  label: GeneratedLabel,
  productId: string,
  capturedAtMs = 1_767_225_600_000,
): Uint8Array {
  const { widthPx, heightPx, data } = label.image;
  const rgba = new Uint8Array(widthPx * heightPx * 4);
  for (let i = 0; i < data.length; i++) {
    rgba[i * 4] = data[i]!;
    rgba[i * 4 + 1] = data[i]!;
    rgba[i * 4 + 2] = data[i]!;
    rgba[i * 4 + 3] = 255;
  }
  const jpegBytes = jpeg.encode({ width: widthPx, height: heightPx, data: rgba }, 90).data;
  return encodeFrame({ productId, capturedAtMs, format: 'jpeg', widthPx, heightPx }, jpegBytes);
}

/** A frame whose PNG is cut off halfway through its image data. */
export function truncatedPngFrame(label: GeneratedLabel, productId: string): Uint8Array {
  const png = encodePng(label.image);
  return encodeFrame(
    { productId, capturedAtMs: 1, format: 'png' },
    png.subarray(0, Math.floor(png.length / 2)),
  );
}

/** A frame whose JSON header is not JSON. */
export function badJsonFrame(): Uint8Array {
  const header = new TextEncoder().encode('{"productId": "P-1", oops');
  const out = new Uint8Array(6 + header.length + 4);
  out.set(new TextEncoder().encode('SVF1'));
  new DataView(out.buffer).setUint16(4, header.length);
  out.set(header, 6);
  return out;
}
