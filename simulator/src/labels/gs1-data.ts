// GS1 data for generated labels: GTIN check digits, products, and the element strings bwip-js encodes.

import type { EncodedData, LabelSymbology } from './types.js';

/** GS1 General Specifications §7.9.1, the check digit table: the weights of positions 1..17, left to right. */
const GS1_POSITION_WEIGHTS = [3, 1, 3, 1, 3, 1, 3, 1, 3, 1, 3, 1, 3, 1, 3, 1, 3] as const;

/**
 * The GS1 mod-10 check digit of up to 17 digits, in the table form of GS1 General Specifications
 * §7.9.1: right-align the digits in the 17 positions, multiply each by its position's weight, and the
 * check digit is what takes the sum up to the nearest equal or higher multiple of ten.
 *
 * Deliberately not the vision service's rule (`hasValidCheckDigit` in @servo-edge/common/mqtt): this
 * generator is the oracle that checks the product, and an oracle that shared the product's code would
 * agree with any bug in it (STYLE.md lesson 16). It is written in a different form on purpose, so a
 * slip in one is caught by the other.
 */
export function gs1CheckDigit(digitsWithoutCheck: string): number {
  if (!/^\d{0,17}$/.test(digitsWithoutCheck))
    throw new RangeError('a GS1 key has at most 17 digits before its check');
  const positions = digitsWithoutCheck.padStart(GS1_POSITION_WEIGHTS.length, '0');
  let sum = 0;
  GS1_POSITION_WEIGHTS.forEach((weight, position) => {
    sum += weight * Number(positions[position]);
  });
  return Math.ceil(sum / 10) * 10 - sum;
}

/** Completes 13 digits into a valid GTIN-14. */
export function gtin14(first13: string): string {
  if (!/^\d{13}$/.test(first13)) throw new RangeError('GTIN-14 needs 13 leading digits');
  return first13 + String(gs1CheckDigit(first13));
}

/** The same GTIN with its check digit deliberately wrong. */
export function withWrongCheckDigit(gtin: string): string {
  const check = Number(gtin.slice(-1));
  return gtin.slice(0, -1) + String((check + 3) % 10);
}

/** A product as the recipe knows it. */
export interface Product {
  gtin: string;
  lot: string;
  /** The product's own expiry (YYMMDD); the recipe's minimum expiry lies before it. */
  expiryYymmdd: string;
  /** Earliest allowed expiry, ISO date. */
  minExpiry: string;
}

/**
 * A small fixed catalogue. EAN-13 products start with 0 so their GTIN-14 is the EAN-13 with a
 * leading zero, as GS1 prescribes.
 */
export const PRODUCTS: readonly Product[] = [
  { gtin: gtin14('0950600013435'), lot: 'L24A17', expiryYymmdd: '271130', minExpiry: '2027-06-30' },
  { gtin: gtin14('0590123412345'), lot: 'B7731X', expiryYymmdd: '280315', minExpiry: '2027-12-31' },
  { gtin: gtin14('0400638133393'), lot: 'K-0042', expiryYymmdd: '270900', minExpiry: '2027-03-01' },
];

/** Builds the human-readable element string, e.g. `(01)09506000134352(17)271130(10)L24A17`. */
export function elementString(data: { gtin: string; lot?: string; expiryYymmdd?: string }): string {
  // Variable-length (10) goes last so that no FNC1 separator is needed after it.
  let text = `(01)${data.gtin}`;
  if (data.expiryYymmdd !== undefined) text += `(17)${data.expiryYymmdd}`;
  if (data.lot !== undefined) text += `(10)${data.lot}`;
  return text;
}

/** What a label for `symbology` encodes for this data. EAN-13 carries only the GTIN. */
export function encodedFor(
  symbology: LabelSymbology,
  data: { gtin: string; lot: string; expiryYymmdd: string },
): EncodedData {
  if (symbology === 'ean-13') return { gtin: data.gtin, humanReadable: data.gtin.slice(1) };
  return {
    gtin: data.gtin,
    lot: data.lot,
    expiryYymmdd: data.expiryYymmdd,
    humanReadable: elementString(data),
  };
}
