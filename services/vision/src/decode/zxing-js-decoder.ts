// BarcodeDecoder on @zxing/library (pure JavaScript); kept for the benchmark comparison with zxing-wasm.

import type { Symbology } from '@servo-edge/common/mqtt';
import {
  BarcodeFormat,
  BinaryBitmap,
  DecodeHintType,
  HybridBinarizer,
  MultiFormatReader,
  NotFoundException,
  RGBLuminanceSource,
} from '@zxing/library';
import type { GrayImage } from '../image/gray-image.js';
import { type BarcodeDecoder, boundingCorners, type DecodedSymbol } from './barcode-decoder.js';

const FORMAT: Record<Symbology, BarcodeFormat> = {
  'gs1-datamatrix': BarcodeFormat.DATA_MATRIX,
  'gs1-128': BarcodeFormat.CODE_128,
  'ean-13': BarcodeFormat.EAN_13,
};

const GS = '\u001d';

export function createZxingJsDecoder(): BarcodeDecoder {
  const readers = new Map<Symbology, MultiFormatReader>();
  const readerFor = (symbology: Symbology): MultiFormatReader => {
    let reader = readers.get(symbology);
    if (!reader) {
      reader = new MultiFormatReader();
      reader.setHints(
        new Map<DecodeHintType, unknown>([
          [DecodeHintType.POSSIBLE_FORMATS, [FORMAT[symbology]]],
          [DecodeHintType.TRY_HARDER, true],
          // Makes the Code 128 reader keep FNC1: "]C1" first, GS between elements.
          [DecodeHintType.ASSUME_GS1, true],
        ]),
      );
      readers.set(symbology, reader);
    }
    return reader;
  };
  return {
    name: 'zxing-js',
    async decode(image: GrayImage, symbology: Symbology): Promise<DecodedSymbol | null> {
      const luminance = new Uint8ClampedArray(
        image.data.buffer,
        image.data.byteOffset,
        image.data.byteLength,
      );
      const source = new RGBLuminanceSource(luminance, image.widthPx, image.heightPx);
      let text: string;
      let points: Array<{ getX(): number; getY(): number }>;
      try {
        const result = readerFor(symbology).decodeWithState(new BinaryBitmap(new HybridBinarizer(source)));
        text = result.getText();
        points = result.getResultPoints() ?? [];
      } catch (error) {
        if (error instanceof NotFoundException || isZxingMiss(error)) return null;
        throw error;
      }
      // Normalise to the zxing-wasm convention: no leading FNC1 marker, GS1 flagged separately.
      let isGs1 = symbology === 'ean-13';
      if (text.startsWith(']C1')) {
        text = text.slice(3);
        isGs1 = true;
      } else if (text.startsWith(GS)) {
        text = text.slice(1);
        isGs1 = true;
      }
      const decoded: DecodedSymbol = { symbology, text, isGs1 };
      if (points.length >= 2) {
        decoded.corners = boundingCorners(
          points.map((p) => p.getX()),
          points.map((p) => p.getY()),
        );
      }
      return decoded;
    },
  };
}

/** ChecksumException and FormatException also mean "no valid code here". */
function isZxingMiss(error: unknown): boolean {
  const name = (error as { constructor?: { name?: string } })?.constructor?.name ?? '';
  return name === 'ChecksumException' || name === 'FormatException' || name === 'NotFoundException';
}
