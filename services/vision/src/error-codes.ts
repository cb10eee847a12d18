// The vision service's one error registry: every ErrorCode with its description, in the order of the
// README's error table (a test keeps the registry, the README and the ErrorCode union in step). The FRAME_*
// decoder codes come from the frame envelope in the MQTT contract.

import type { ErrorSpec } from '@servo-edge/common/errors';
import { FRAME_ERRORS } from '@servo-edge/common/mqtt';
import type { ErrorCode } from './errors.js';

export const ERROR_CODES = {
  ...FRAME_ERRORS,
  FRAME_TOO_LARGE: { description: 'The payload is larger than `limits.maxPayloadBytes`.' },
  IMAGE_FORMAT_MISMATCH: {
    description: 'The image bytes do not carry the signature of the declared format.',
  },
  IMAGE_DECODE_FAILED: { description: 'The PNG or JPEG decoder failed (truncated or corrupt data).' },
  IMAGE_TOO_LARGE: {
    description: 'The image dimensions exceed `limits.maxImageWidthPx` / `maxImageHeightPx`.',
  },
  IMAGE_DIMENSION_MISMATCH: { description: 'A raw gray8 payload is not `widthPx * heightPx` bytes long.' },
  WORKER_CRASHED: { description: 'The decode worker died while handling the frame; it is replaced.' },
  DECODE_TIMEOUT: {
    description: 'Decoding took longer than `inspection.decodeTimeoutMs`; the worker is replaced.',
  },
  QUEUE_WAIT_EXCEEDED: { description: 'The frame waited in the queue longer than `inspection.deadlineMs`.' },
  GS1_EMPTY: { description: 'A GS1 code carries no element string.' },
  GS1_UNKNOWN_AI: {
    description: 'A GS1 element string contains an Application Identifier this parser does not know.',
  },
  GS1_BAD_LENGTH: { description: 'A GS1 element is shorter or longer than its AI allows.' },
  GS1_BAD_VALUE: { description: 'A GS1 element has characters or a date its AI does not allow.' },
  GS1_DUPLICATE_AI: {
    description: 'A GS1 element string repeats an Application Identifier with another value.',
  },
  WORKER_INIT_FAILED: { description: 'A decode worker could not load the decoder.' },
  MQTT_CONNECT_FAILED: { description: 'The first MQTT connection failed or timed out.' },
  SERVICE_CLOSED: { description: '`start()` was called after `close()`.' },
} as const satisfies Record<ErrorCode, ErrorSpec>;
