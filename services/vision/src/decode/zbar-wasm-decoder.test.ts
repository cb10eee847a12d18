// ZBar in wasm: loads from node_modules without the network, reads GS1-128 (with its GS1 flag) and EAN-13.

import { generateLabel } from '@servo-edge/simulator/labels';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createZbarWasmDecoder, zbarWasmPath } from './zbar-wasm-decoder.js';

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('zbar-wasm decoder', () => {
  it('resolves the .wasm inside the installed package', () => {
    expect(zbarWasmPath()).toMatch(/node_modules[\\/]@undecaf[\\/]zbar-wasm[\\/]dist[\\/]zbar\.wasm$/);
  });

  it('instantiates and reads without touching the network', async () => {
    const fetchSpy = vi.fn(() => Promise.reject(new Error('network access in a test')));
    vi.stubGlobal('fetch', fetchSpy);
    const decoder = await createZbarWasmDecoder();
    const blank = { widthPx: 64, heightPx: 64, data: new Uint8Array(64 * 64).fill(255) };
    await expect(decoder.decode(blank, 'gs1-128')).resolves.toBeNull();
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it('reads a GS1-128 label: the element string with GS separators, flagged GS1, upright', async () => {
    const decoder = await createZbarWasmDecoder();
    const { image, truth } = await generateLabel({ symbology: 'gs1-128', defect: 'none', seed: 3 });
    const symbol = await decoder.decode(image, 'gs1-128');
    expect(symbol).not.toBeNull();
    expect(symbol!.isGs1).toBe(true);
    expect(symbol!.text.startsWith(`01${truth.encoded!.gtin}`)).toBe(true);
    expect(symbol!.text).toContain(`10${truth.encoded!.lot}`);
    expect(symbol!.rotationDeg).toBe(0);
    expect(symbol!.corners).toHaveLength(4);
  });

  it('reads an EAN-13 and does not report it for another symbology', async () => {
    const decoder = await createZbarWasmDecoder();
    const { image, truth } = await generateLabel({ symbology: 'ean-13', defect: 'none', seed: 4 });
    const symbol = await decoder.decode(image, 'ean-13');
    expect(symbol?.text).toBe(truth.encoded!.gtin.slice(1));
    await expect(decoder.decode(image, 'gs1-128')).resolves.toBeNull();
    // No DataMatrix reader: it says so with null, not an error.
    await expect(decoder.decode(image, 'gs1-datamatrix')).resolves.toBeNull();
  });
});

describe('zbar-wasm decoder keeps nothing between images', () => {
  it('half an EAN-13 after a whole one of the same product reads as nothing', async () => {
    const decoder = await createZbarWasmDecoder();
    const { image } = await generateLabel({ symbology: 'ean-13', defect: 'none', seed: 4 });
    const left = (from: number, to: number) => {
      const widthPx = to - from;
      const data = new Uint8Array(widthPx * image.heightPx);
      for (let y = 0; y < image.heightPx; y++)
        data.set(image.data.subarray(y * image.widthPx + from, y * image.widthPx + to), y * widthPx);
      return { widthPx, heightPx: image.heightPx, data };
    };
    // The label's code spans the frame's middle; the right 55 % of it alone is no EAN-13.
    const whole = await decoder.decode(image, 'ean-13');
    expect(whole).not.toBeNull();
    const xs = whole!.corners!.map((p) => p.xPx);
    const cut = Math.round(Math.min(...xs) + 0.45 * (Math.max(...xs) - Math.min(...xs)));
    for (let i = 0; i < 3; i++) {
      await decoder.decode(image, 'ean-13');
      await expect(decoder.decode(left(cut, image.widthPx), 'ean-13')).resolves.toBeNull();
    }
  });
});
