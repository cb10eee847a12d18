// The JSON published on `<prefix>/inspection` for every frame, pass or reject.

import type { ErrorCode, ReasonCode } from '../errors.js';
import type { DecodedData, LabelReport } from './verdict.js';

export interface VerdictMessage {
  /** From the frame header; null when the header was unreadable. */
  productId: string | null;
  camera: string;
  /** The service instance that judged the frame. */
  instance: string;
  verdict: 'pass' | 'reject';
  /** Empty for a pass; registry order otherwise. */
  reasons: ReasonCode[];
  /** Machine-readable cause for UNREADABLE_IMAGE and DEADLINE_EXCEEDED. */
  detail?: ErrorCode;
  decoded: DecodedData | null;
  label: LabelReport | null;
  capturedAtMs: number | null;
  inspectedAtMs: number;
  timings: {
    /** Arrival to the start of decoding. */
    queueWaitMs: number;
    /** Image decode + label analysis + barcode decode, in the worker. */
    decodeMs: number;
    /** Arrival to publication of this verdict. */
    totalMs: number;
  };
}

const round = (ms: number) => Math.round(ms * 100) / 100;

export function roundTimings(timings: VerdictMessage['timings']): VerdictMessage['timings'] {
  return {
    queueWaitMs: round(timings.queueWaitMs),
    decodeMs: round(timings.decodeMs),
    totalMs: round(timings.totalMs),
  };
}
