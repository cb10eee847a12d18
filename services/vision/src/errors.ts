// The vision service's error codes: the codes of VisionError, which are also the `detail` of
// UNREADABLE_IMAGE / DEADLINE_EXCEEDED verdicts. Their descriptions, the one registry the README's table
// follows, are in error-codes.ts. This file has no runtime dependency on the MQTT contract: the gateway's
// thumbnail worker loads it through `@servo-edge/vision/image`, and every module there costs memory.
// The reason codes are the contract's (@servo-edge/common/mqtt); config and recipe problems use the common
// CONFIG_* codes.

import { CodedError, type CodedErrorOptions } from '@servo-edge/common/errors';
import type { FrameErrorCode } from '@servo-edge/common/mqtt';

export type ErrorCode =
  | FrameErrorCode
  | 'FRAME_TOO_LARGE'
  | 'IMAGE_FORMAT_MISMATCH'
  | 'IMAGE_DECODE_FAILED'
  | 'IMAGE_TOO_LARGE'
  | 'IMAGE_DIMENSION_MISMATCH'
  | 'WORKER_CRASHED'
  | 'DECODE_TIMEOUT'
  | 'QUEUE_WAIT_EXCEEDED'
  | 'GS1_EMPTY'
  | 'GS1_UNKNOWN_AI'
  | 'GS1_BAD_LENGTH'
  | 'GS1_BAD_VALUE'
  | 'GS1_DUPLICATE_AI'
  | 'WORKER_INIT_FAILED'
  | 'MQTT_CONNECT_FAILED'
  | 'SERVICE_CLOSED';

/** An error with a stable `code`; branch on `code`, never on `message` (which is the detail). */
export class VisionError extends CodedError<ErrorCode> {
  override readonly name = 'VisionError';

  constructor(code: ErrorCode, detail?: string, options: CodedErrorOptions = {}) {
    super(code, detail ?? code, undefined, options);
  }
}

export function isVisionError(error: unknown): error is VisionError {
  return error instanceof VisionError;
}
