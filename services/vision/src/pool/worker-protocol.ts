// Messages between the pool (main thread) and a decode worker. Plain data: structured-clone safe.

import type { ImageFormat } from '@servo-edge/common/mqtt';
import type { ErrorCode } from '../errors.js';
import type { ImageLimits } from '../image/decode-image.js';
import type { Findings, InspectionPlan } from '../inspect/inspect-image.js';

/** Main -> worker: inspect one image. `image` is transferred, not copied. */
export interface InspectRequest {
  type: 'inspect';
  jobId: number;
  format: ImageFormat;
  widthPx?: number;
  heightPx?: number;
  image: Uint8Array;
  plan: InspectionPlan;
  limits: ImageLimits;
}

/** Worker -> main. */
export type WorkerMessage =
  /** Sent once the decoder is loaded; the pool sends no work before it. */
  | { type: 'ready' }
  | { type: 'init-failed'; message: string }
  | {
      type: 'result';
      jobId: number;
      findings: Findings;
      decodeMs: number;
      /** The worker thread's own CPU time on the job, where the system says (thread-cpu.ts). */
      decodeCpuMs?: number;
    }
  | { type: 'failed'; jobId: number; code: ErrorCode; message: string; decodeMs: number };
