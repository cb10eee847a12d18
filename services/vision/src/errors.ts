// The vision service's closed sets of codes: verdict reasons and error codes, each in one registry.

/** Why a label was rejected. Published in `reasons` of every reject on `<prefix>/inspection`. */
export type ReasonCode =
  | 'NO_LABEL'
  | 'NO_CODE'
  | 'WRONG_GTIN'
  | 'WRONG_LOT'
  | 'EXPIRED'
  | 'BAD_CHECK_DIGIT'
  | 'MISPLACED'
  | 'SKEWED'
  | 'LOW_CONTRAST'
  | 'UNREADABLE_IMAGE'
  | 'DEADLINE_EXCEEDED'
  | 'QUEUE_FULL'
  | 'NO_RECIPE';

export interface ReasonInfo {
  /** `label`: the product's label is wrong. `service`: the service could not judge the frame in time. */
  kind: 'label' | 'service';
  description: string;
}

/**
 * Reasons in the order they are reported. `satisfies` makes the compiler check that this table and
 * the `ReasonCode` union list exactly the same codes; a test checks the README against it.
 */
export const REASON_CODES = {
  NO_LABEL: { kind: 'label', description: 'No label in or near the expected region.' },
  NO_CODE: {
    kind: 'label',
    description: 'A label is present but no code of the recipe symbology could be read.',
  },
  WRONG_GTIN: {
    kind: 'label',
    description: 'The code carries no GTIN (01) or a different GTIN from the recipe.',
  },
  WRONG_LOT: { kind: 'label', description: 'The lot (10) is missing or differs from the recipe.' },
  EXPIRED: { kind: 'label', description: 'The expiry (17) is missing or earlier than the recipe minimum.' },
  BAD_CHECK_DIGIT: { kind: 'label', description: 'The GTIN check digit is wrong.' },
  MISPLACED: {
    kind: 'label',
    description: 'The label centre is further from the region centre than the tolerance.',
  },
  SKEWED: { kind: 'label', description: 'The label is rotated by more than the tolerance.' },
  LOW_CONTRAST: { kind: 'label', description: 'The print contrast signal is below the recipe minimum.' },
  UNREADABLE_IMAGE: {
    kind: 'label',
    description: 'The frame or its image could not be decoded; see `detail`.',
  },
  DEADLINE_EXCEEDED: {
    kind: 'service',
    description: 'The frame waited or decoded longer than the deadline and was not judged.',
  },
  QUEUE_FULL: { kind: 'service', description: 'The bounded work queue was full when the frame arrived.' },
  NO_RECIPE: { kind: 'service', description: 'No valid recipe has been received yet.' },
} as const satisfies Record<ReasonCode, ReasonInfo>;

export const REASON_ORDER = Object.keys(REASON_CODES) as ReasonCode[];

/** Codes of `VisionError`s, and the `detail` of UNREADABLE_IMAGE / DEADLINE_EXCEEDED verdicts. */
export type ErrorCode =
  | 'FRAME_TOO_SHORT'
  | 'FRAME_BAD_MAGIC'
  | 'FRAME_HEADER_TOO_LONG'
  | 'FRAME_BAD_JSON'
  | 'FRAME_BAD_HEADER'
  | 'FRAME_TOO_LARGE'
  | 'FRAME_EMPTY_IMAGE'
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
  | 'PARSE_FAILED'
  | 'UNKNOWN_KEY'
  | 'MISSING_KEY'
  | 'INVALID_VALUE'
  | 'OUT_OF_RANGE'
  | 'WORKER_INIT_FAILED'
  | 'MQTT_CONNECT_FAILED'
  | 'SERVICE_CLOSED';

export interface ErrorInfo {
  description: string;
}

export const ERROR_CODES = {
  FRAME_TOO_SHORT: { description: 'The frame is shorter than its fixed header.' },
  FRAME_BAD_MAGIC: { description: 'The frame does not start with `SVF1`.' },
  FRAME_HEADER_TOO_LONG: { description: 'The JSON header length is 0, over 4096 bytes, or past the end.' },
  FRAME_BAD_JSON: { description: 'The JSON header is not valid UTF-8 JSON object text.' },
  FRAME_BAD_HEADER: { description: 'A header field is missing or invalid (see the frame format).' },
  FRAME_TOO_LARGE: { description: 'The payload is larger than `limits.maxPayloadBytes`.' },
  FRAME_EMPTY_IMAGE: { description: 'The frame has a header but no image bytes.' },
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
  PARSE_FAILED: { description: 'A config file or recipe is not valid YAML / JSON.' },
  UNKNOWN_KEY: { description: 'A config or recipe key is not known (a typo); `path` names it.' },
  MISSING_KEY: { description: 'A required config or recipe key is absent; `path` names it.' },
  INVALID_VALUE: { description: 'A config or recipe value has the wrong type or format; `path` names it.' },
  OUT_OF_RANGE: { description: 'A config or recipe number is outside its bounds; `path` names it.' },
  WORKER_INIT_FAILED: { description: 'A decode worker could not load the decoder.' },
  MQTT_CONNECT_FAILED: { description: 'The first MQTT connection failed or timed out.' },
  SERVICE_CLOSED: { description: '`start()` was called after `close()`.' },
} as const satisfies Record<ErrorCode, ErrorInfo>;

/** An error with a stable `code`; branch on `code`, never on `message`. */
export class VisionError extends Error {
  readonly code: ErrorCode;
  /** Dotted path of the offending key for config / recipe errors, e.g. `mqtt.keepaliveS`. */
  readonly path: string | undefined;

  constructor(code: ErrorCode, message: string, options: { path?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'VisionError';
    this.code = code;
    this.path = options.path;
  }
}

export function isVisionError(error: unknown): error is VisionError {
  return error instanceof VisionError;
}

/** Sorts reasons into registry order and drops duplicates, so verdicts are stable to compare. */
export function orderReasons(reasons: Iterable<ReasonCode>): ReasonCode[] {
  const present = new Set(reasons);
  return REASON_ORDER.filter((code) => present.has(code));
}
