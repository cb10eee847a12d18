// zxing-wasm loads its .wasm from node_modules: no network, and the file is the package's own.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { createZxingWasmDecoder, zxingWasmPath } from './zxing-wasm-decoder.js';

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('zxing-wasm decoder', () => {
  it('resolves the reader .wasm inside the installed package', () => {
    expect(zxingWasmPath()).toMatch(
      /node_modules[\\/]zxing-wasm[\\/]dist[\\/]reader[\\/]zxing_reader\.wasm$/,
    );
  });

  it('instantiates and decodes without touching the network', async () => {
    const fetchSpy = vi.fn(() => Promise.reject(new Error('network access in a test')));
    vi.stubGlobal('fetch', fetchSpy);
    const decoder = await createZxingWasmDecoder();
    // A blank image: the decoder runs and finds nothing.
    const blank = { widthPx: 64, heightPx: 64, data: new Uint8Array(64 * 64).fill(255) };
    await expect(decoder.decode(blank, 'gs1-datamatrix')).resolves.toBeNull();
    expect(fetchSpy).not.toHaveBeenCalled();
  });
});
