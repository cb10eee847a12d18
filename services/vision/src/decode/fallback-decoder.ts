// Two decoders as one: the second is asked only where the first found nothing, and only for the symbologies it reads.

import type { Symbology } from '@servo-edge/common/mqtt';
import type { GrayImage } from '../image/gray-image.js';
import type { BarcodeDecoder, DecodedSymbol } from './barcode-decoder.js';

/**
 * `primary` first; when it finds nothing and `symbology` is one `secondary` reads, `secondary` on the
 * same image. A failure of either rejects (a library fault is not "no code").
 */
export function withFallback(
  primary: BarcodeDecoder,
  secondary: BarcodeDecoder,
  secondarySymbologies: readonly Symbology[],
): BarcodeDecoder {
  return {
    name: `${primary.name}+${secondary.name}`,
    async decode(image: GrayImage, symbology: Symbology): Promise<DecodedSymbol | null> {
      const first = await primary.decode(image, symbology);
      if (first || !secondarySymbologies.includes(symbology)) return first;
      return secondary.decode(image, symbology);
    },
  };
}
