// The decoder the service inspects with: one factory, used by the decode workers and the benchmark alike.

import type { BarcodeDecoder } from './barcode-decoder.js';
import { withFallback } from './fallback-decoder.js';
import { createZbarWasmDecoder, ZBAR_SYMBOLOGIES } from './zbar-wasm-decoder.js';
import { createZxingWasmDecoder } from './zxing-wasm-decoder.js';

/**
 * ZXing-C++ for every symbology, and ZBar for GS1-128 and EAN-13 where ZXing read nothing (the
 * README says why a fallback rather than agreement). Both load their wasm from node_modules.
 */
export async function createServiceDecoder(): Promise<BarcodeDecoder> {
  const [zxing, zbar] = await Promise.all([createZxingWasmDecoder(), createZbarWasmDecoder()]);
  return withFallback(zxing, zbar, ZBAR_SYMBOLOGIES);
}
