// GS1 helpers of the generator: check digits against published GS1 examples.

import { hasValidCheckDigit } from '@servo-edge/common/mqtt';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  elementString,
  encodedFor,
  gs1CheckDigit,
  gtin14,
  PRODUCTS,
  withWrongCheckDigit,
} from './gs1-data.js';

describe('gs1CheckDigit', () => {
  it.each([
    ['0950600013435', 2],
    ['590123412345', 7],
    ['400638133393', 1],
    ['0000000000000', 0],
  ])('%s -> %i', (digits, check) => {
    expect(gs1CheckDigit(digits)).toBe(check);
  });
  it("agrees with the contract's rule, written independently (property)", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{7,17}$/), (body) => {
        expect(hasValidCheckDigit(body + String(gs1CheckDigit(body)))).toBe(true);
      }),
    );
  });
});

describe('gtin14', () => {
  it('appends the check digit', () => {
    expect(gtin14('0950600013435')).toBe('09506000134352');
  });
  it('rejects anything but 13 digits', () => {
    expect(() => gtin14('123')).toThrow(RangeError);
  });
  it('withWrongCheckDigit changes only the last digit', () => {
    const bad = withWrongCheckDigit('09506000134352');
    expect(bad.slice(0, 13)).toBe('0950600013435');
    expect(bad).not.toBe('09506000134352');
  });
});

describe('element strings', () => {
  it('puts the variable-length lot last', () => {
    expect(elementString({ gtin: '09506000134352', lot: 'A1', expiryYymmdd: '271130' })).toBe(
      '(01)09506000134352(17)271130(10)A1',
    );
  });
  it('EAN-13 carries the GTIN without its leading zero', () => {
    const product = PRODUCTS[1]!;
    expect(encodedFor('ean-13', product).humanReadable).toBe(product.gtin.slice(1));
    expect(encodedFor('ean-13', product).lot).toBeUndefined();
  });
  it('catalogue GTINs start with 0 so they fit an EAN-13', () => {
    for (const product of PRODUCTS) expect(product.gtin).toMatch(/^0\d{13}$/);
  });
});
