// Two decoders as one: the second is asked where the first found nothing or read what was not expected, only for the symbologies it reads.

import type { Symbology } from '@servo-edge/common/mqtt';
import type { GrayImage } from '../image/gray-image.js';
import type { BarcodeDecoder, DecodedSymbol, DecodeHint } from './barcode-decoder.js';

/**
 * `primary` first. When it finds nothing, or reads something `hint.expected` refuses (a blurred,
 * JPEG-compressed EAN-13 can be misread on every scan line into another number with a valid check
 * digit), and `symbology` is one `secondary` reads, `secondary` reads the same image: its reading
 * replaces the first only if it is the expected one, or if the first found nothing. So a second
 * opinion can clear a misread, never invent a pass where both engines read a wrong code. A failure
 * of either rejects (a library fault is not "no code").
 */
export function withFallback(
  primary: BarcodeDecoder,
  secondary: BarcodeDecoder,
  secondarySymbologies: readonly Symbology[],
): BarcodeDecoder {
  return {
    name: `${primary.name}+${secondary.name}`,
    async decode(image: GrayImage, symbology: Symbology, hint?: DecodeHint): Promise<DecodedSymbol | null> {
      const first = await primary.decode(image, symbology, hint);
      const firstExpected = first !== null && (hint?.expected?.(first) ?? true);
      if (firstExpected || !secondarySymbologies.includes(symbology)) return first;
      const second = await secondary.decode(image, symbology, hint);
      if (!first) return second;
      return second && (hint?.expected?.(second) ?? false) ? second : first;
    },
  };
}
