// A realistic verdict message as the vision service publishes it, for tests of its readers.

import type { VerdictMessage } from '../mqtt/verdict.js';

export const sampleVerdict = (overrides: Partial<VerdictMessage> = {}): VerdictMessage => ({
  productId: 'p-000042',
  camera: 'cam-1',
  instance: 'vision-a',
  verdict: 'reject',
  reasons: ['WRONG_GTIN', 'SKEWED'],
  decoded: { symbology: 'gs1-datamatrix', text: '0109506000134352', gtin: '09506000134352' },
  label: { present: true, skewDeg: 7.5 },
  capturedAtMs: 1_700_000_000_000,
  inspectedAtMs: 1_700_000_000_012,
  timings: { queueWaitMs: 0.5, decodeMs: 9.1, totalMs: 11.2 },
  ...overrides,
});
