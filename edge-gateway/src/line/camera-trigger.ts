// The camera trigger on `<prefix>/camera/<camera>/trigger`: which product crossed the camera, and where
// the belt was then (an encoder latch). Checked field by field; garbage is refused, never half-trusted.

export interface CameraTrigger {
  productId: string;
  capturedAtMs: number;
  conveyorPositionMm: number;
}

const PRODUCT_ID = /^[A-Za-z0-9._:-]{1,64}$/;
const MAX_TRIGGER_BYTES = 1024;

export function parseCameraTrigger(
  payload: Uint8Array,
): { ok: true; value: CameraTrigger } | { ok: false; reason: string } {
  if (payload.byteLength > MAX_TRIGGER_BYTES) return { ok: false, reason: `over ${MAX_TRIGGER_BYTES} bytes` };
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8'));
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  if (typeof value !== 'object' || value === null) return { ok: false, reason: 'not an object' };
  const { productId, capturedAtMs, conveyorPositionMm } = value as Record<string, unknown>;
  if (typeof productId !== 'string' || !PRODUCT_ID.test(productId))
    return { ok: false, reason: 'bad productId' };
  if (typeof capturedAtMs !== 'number' || !Number.isFinite(capturedAtMs))
    return { ok: false, reason: 'bad capturedAtMs' };
  if (typeof conveyorPositionMm !== 'number' || !Number.isFinite(conveyorPositionMm)) {
    return { ok: false, reason: 'bad conveyorPositionMm' };
  }
  return { ok: true, value: { productId, capturedAtMs, conveyorPositionMm } };
}
