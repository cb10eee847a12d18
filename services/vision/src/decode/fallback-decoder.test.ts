// The fallback: the second decoder only where the first found nothing, and only for the symbologies it reads.

import type { Symbology } from '@servo-edge/common/mqtt';
import { describe, expect, it } from 'vitest';
import type { BarcodeDecoder, DecodedSymbol } from './barcode-decoder.js';
import { withFallback } from './fallback-decoder.js';

const image = { widthPx: 4, heightPx: 4, data: new Uint8Array(16) };

function fake(name: string, finds: boolean | 'throws'): BarcodeDecoder & { calls: Symbology[] } {
  const calls: Symbology[] = [];
  return {
    name,
    calls,
    async decode(_image, symbology): Promise<DecodedSymbol | null> {
      calls.push(symbology);
      if (finds === 'throws') throw new Error(`${name} failed`);
      return finds ? { symbology, text: name, isGs1: true } : null;
    },
  };
}

describe('withFallback', () => {
  it('keeps the first reading and never asks the second', async () => {
    const first = fake('first', true);
    const second = fake('second', true);
    const decoder = withFallback(first, second, ['gs1-128']);
    expect((await decoder.decode(image, 'gs1-128'))?.text).toBe('first');
    expect(second.calls).toEqual([]);
    expect(decoder.name).toBe('first+second');
  });

  it('asks the second when the first finds nothing', async () => {
    const first = fake('first', false);
    const second = fake('second', true);
    const decoder = withFallback(first, second, ['gs1-128', 'ean-13']);
    expect((await decoder.decode(image, 'ean-13'))?.text).toBe('second');
    expect(second.calls).toEqual(['ean-13']);
  });

  it('does not ask the second for a symbology it does not read', async () => {
    const first = fake('first', false);
    const second = fake('second', true);
    const decoder = withFallback(first, second, ['gs1-128']);
    await expect(decoder.decode(image, 'gs1-datamatrix')).resolves.toBeNull();
    expect(second.calls).toEqual([]);
  });

  it('null when neither reads; a library failure rejects', async () => {
    await expect(
      withFallback(fake('a', false), fake('b', false), ['gs1-128']).decode(image, 'gs1-128'),
    ).resolves.toBeNull();
    await expect(
      withFallback(fake('a', false), fake('b', 'throws'), ['gs1-128']).decode(image, 'gs1-128'),
    ).rejects.toThrow('b failed');
  });
});

describe('withFallback with an expectation (second opinion on a misread)', () => {
  const reading = (text: string): DecodedSymbol => ({ symbology: 'ean-13', text, isGs1: true });
  const fixed = (name: string, symbol: DecodedSymbol | null) => {
    const calls: Symbology[] = [];
    const decoder: BarcodeDecoder & { calls: Symbology[] } = {
      name,
      calls,
      decode: async (_image, symbology) => {
        calls.push(symbology);
        return symbol;
      },
    };
    return decoder;
  };
  const expected = { expected: (s: DecodedSymbol) => s.text === 'RIGHT' };

  it('an expected first reading is kept without asking the second', async () => {
    const second = fixed('second', reading('RIGHT'));
    const decoder = withFallback(fixed('first', reading('RIGHT')), second, ['ean-13']);
    expect((await decoder.decode(image, 'ean-13', expected))?.text).toBe('RIGHT');
    expect(second.calls).toEqual([]);
  });

  it('a misread is replaced by an expected second reading', async () => {
    const decoder = withFallback(fixed('first', reading('MISREAD')), fixed('second', reading('RIGHT')), [
      'ean-13',
    ]);
    expect((await decoder.decode(image, 'ean-13', expected))?.text).toBe('RIGHT');
  });

  it('two readings that are both unexpected keep the first: no pass is invented', async () => {
    const decoder = withFallback(fixed('first', reading('WRONG-A')), fixed('second', reading('WRONG-B')), [
      'ean-13',
    ]);
    expect((await decoder.decode(image, 'ean-13', expected))?.text).toBe('WRONG-A');
    const silent = withFallback(fixed('first', reading('WRONG-A')), fixed('second', null), ['ean-13']);
    expect((await silent.decode(image, 'ean-13', expected))?.text).toBe('WRONG-A');
  });

  it('an unexpected reading of a symbology the second does not read stays as it is', async () => {
    const second = fixed('second', reading('RIGHT'));
    const decoder = withFallback(fixed('first', reading('WRONG')), second, ['gs1-128']);
    expect((await decoder.decode(image, 'ean-13', expected))?.text).toBe('WRONG');
    expect(second.calls).toEqual([]);
  });
});
