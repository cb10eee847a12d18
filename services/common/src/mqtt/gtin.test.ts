// GS1 mod-10 check digits on published examples.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gs1CheckDigit, hasValidCheckDigit } from './gtin.js';

describe('GS1 check digit', () => {
  it.each(['09506000134352', '05901234123457', '04006381333931', '96385074', '00012345600012'])(
    '%s is valid',
    (gtin) => {
      expect(hasValidCheckDigit(gtin)).toBe(true);
    },
  );
  it.each(['09506000134353', '0950600013435', '0950600013435X', ''])('%j is not', (gtin) => {
    expect(hasValidCheckDigit(gtin)).toBe(false);
  });
  it('exactly one digit completes any body (property)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{13}$/), (body) => {
        const valid = [...'0123456789'].filter((d) => hasValidCheckDigit(body + d));
        expect(valid).toEqual([String(gs1CheckDigit(body))]);
      }),
    );
  });
});
