// A vision verdict from `<prefix>/inspection`, checked field by field: garbage is refused, never half-trusted.

/**
 * The vision service's VerdictMessage (services/vision/src/inspect/verdict-message.ts), as far as
 * the gateway reads it. A type test keeps the two assignable.
 */
export interface InspectionVerdict {
  /** null when the vision service could not read the frame header. */
  productId: string | null;
  camera: string;
  instance: string;
  verdict: 'pass' | 'reject';
  /** Stable reason codes (NO_LABEL, WRONG_GTIN, ...); empty for a pass, non-empty for a reject. */
  reasons: string[];
  detail?: string;
  /** The decoded code data, passed through unchecked beyond "an object". */
  decoded: object | null;
  label: object | null;
  capturedAtMs: number | null;
  inspectedAtMs: number;
  timings: { queueWaitMs: number; decodeMs: number; totalMs: number };
}

export type VerdictParse = { ok: true; verdict: InspectionVerdict } | { ok: false; reason: string };

const REASON_CODE = /^[A-Z][A-Z0-9_]{0,47}$/;
const MAX_REASONS = 32;
const MAX_NAME_LENGTH = 256;

/** Parses an MQTT payload; `maxBytes` bounds the work done on hostile input. */
export function parseInspectionVerdict(payload: Uint8Array, maxBytes: number): VerdictParse {
  if (payload.byteLength > maxBytes)
    return { ok: false, reason: `payload of ${payload.byteLength} bytes > ${maxBytes}` };
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8'));
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  return checkInspectionVerdict(value);
}

/** Checks an already-parsed value. Unknown extra fields are ignored (the schema may grow). */
export function checkInspectionVerdict(value: unknown): VerdictParse {
  const fail = (reason: string): VerdictParse => ({ ok: false, reason });
  if (!isRecord(value)) return fail('not a JSON object');
  const {
    productId,
    camera,
    instance,
    verdict,
    reasons,
    detail,
    decoded,
    label,
    capturedAtMs,
    inspectedAtMs,
    timings,
  } = value;
  if (!(productId === null || isName(productId))) return fail('productId must be a string or null');
  if (!isName(camera)) return fail('camera must be a string');
  if (!isName(instance)) return fail('instance must be a string');
  if (verdict !== 'pass' && verdict !== 'reject') return fail('verdict must be pass or reject');
  if (!Array.isArray(reasons) || reasons.length > MAX_REASONS) return fail('reasons must be a list');
  if (!reasons.every((reason) => typeof reason === 'string' && REASON_CODE.test(reason))) {
    return fail('reasons must be reason codes');
  }
  if (verdict === 'pass' && reasons.length > 0) return fail('a pass has no reasons');
  if (verdict === 'reject' && reasons.length === 0) return fail('a reject needs a reason');
  if (!(detail === undefined || (typeof detail === 'string' && REASON_CODE.test(detail))))
    return fail('detail must be a code');
  if (!(decoded === null || isRecord(decoded))) return fail('decoded must be an object or null');
  if (!(label === null || isRecord(label))) return fail('label must be an object or null');
  if (!(capturedAtMs === null || isFiniteNumber(capturedAtMs)))
    return fail('capturedAtMs must be a number or null');
  if (!isFiniteNumber(inspectedAtMs)) return fail('inspectedAtMs must be a number');
  if (
    !isRecord(timings) ||
    !isFiniteNumber(timings['queueWaitMs']) ||
    !isFiniteNumber(timings['decodeMs']) ||
    !isFiniteNumber(timings['totalMs'])
  ) {
    return fail('timings must hold queueWaitMs, decodeMs and totalMs');
  }
  return {
    ok: true,
    verdict: {
      productId,
      camera,
      instance,
      verdict,
      reasons: reasons as string[],
      ...(detail === undefined ? {} : { detail }),
      decoded,
      label,
      capturedAtMs,
      inspectedAtMs,
      timings: {
        queueWaitMs: timings['queueWaitMs'],
        decodeMs: timings['decodeMs'],
        totalMs: timings['totalMs'],
      },
    },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isName(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_NAME_LENGTH;
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
