// The one registry of the motion API's error codes: each has a stable `code`, an HTTP status and a
// title. Every problem+json the API sends, and every MotionError the service throws, uses one of these.
// README.md lists the same codes; errors.test.ts keeps the registry, the README and the union in sync.

import { CodedError, registryCodes } from '@servo-edge/common/errors';

/** Every code the motion API can answer with. Keep in sync with MOTION_ERRORS (the compiler checks) and the README (a test checks). */
export type MotionErrorCode =
  | 'BAD_REQUEST'
  | 'VALIDATION_FAILED'
  | 'URI_TOO_LONG'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'INVALID_MOVE'
  | 'TARGET_OUT_OF_RANGE'
  | 'POSITION_NOT_REPRESENTABLE'
  | 'VELOCITY_OUT_OF_RANGE'
  | 'ACCELERATION_OUT_OF_RANGE'
  | 'DEVICE_REJECTED_RANGE'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'ROUTE_NOT_FOUND'
  | 'AXIS_NOT_FOUND'
  | 'MOVE_NOT_FOUND'
  | 'JOG_LEASE_NOT_FOUND'
  | 'AXIS_ESTOP'
  | 'AXIS_FAULT'
  | 'AXIS_NOT_HOMED'
  | 'AXIS_DISABLED'
  | 'AXIS_BUSY'
  | 'AXIS_OWNED_BY_LINE'
  | 'AXIS_QUEUE_FULL'
  | 'NOT_SUPPORTED_BY_CONTROLLER'
  | 'MOVE_ABORTED'
  | 'HOMING_FAILED'
  | 'ESTOP_INPUT_ACTIVE'
  | 'RATE_LIMITED'
  | 'INTERNAL_ERROR'
  | 'DEVICE_ERROR'
  | 'CONTROLLER_DISCONNECTED'
  | 'CONTROLLER_BUSY'
  | 'MOVE_OUTCOME_UNKNOWN'
  | 'ESTOP_NOT_DELIVERED'
  | 'SERVICE_NOT_READY'
  | 'DEVICE_TIMEOUT';

export interface MotionErrorSpec {
  readonly status: number;
  readonly title: string;
}

export const MOTION_ERRORS = {
  BAD_REQUEST: { status: 400, title: 'The request body is not well-formed JSON.' },
  VALIDATION_FAILED: { status: 400, title: 'The request does not match the schema of this route.' },
  URI_TOO_LONG: { status: 414, title: 'A path parameter of the request URI is too long.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Request bodies must be application/json.' },
  INVALID_MOVE: {
    status: 422,
    title: 'The move is not well-defined (position and distance together or neither, axis twice).',
  },
  TARGET_OUT_OF_RANGE: { status: 422, title: "The target lies outside the axis's configured limits." },
  POSITION_NOT_REPRESENTABLE: {
    status: 422,
    title:
      'The position in counts is beyond what the controller takes on this link (capabilities.maxPositionCounts: ±(2^31-1) on a v1 link, pmax on v2) or what a JSON number carries exactly (±(2^53-1)); nothing was sent.',
  },
  VELOCITY_OUT_OF_RANGE: { status: 422, title: "The velocity exceeds the axis's configured maximum." },
  ACCELERATION_OUT_OF_RANGE: {
    status: 422,
    title: "The acceleration exceeds the axis's configured maximum.",
  },
  DEVICE_REJECTED_RANGE: {
    status: 422,
    title: 'The controller refused a value as out of its range (ERR RANGE).',
  },
  UNAUTHORIZED: { status: 401, title: 'A valid API key is required: Authorization: Bearer <key>.' },
  FORBIDDEN: { status: 403, title: "The API key's role does not allow this request." },
  ROUTE_NOT_FOUND: { status: 404, title: 'No route matches this method and path.' },
  AXIS_NOT_FOUND: { status: 404, title: 'No axis of that name is configured.' },
  MOVE_NOT_FOUND: { status: 404, title: 'No move with that id is known (or it has left the history).' },
  JOG_LEASE_NOT_FOUND: {
    status: 404,
    title:
      'The axis has no jog lease with that id: it ran out (the axis is stopping or stopped), was replaced by a newer jog, or the jog was stopped. Start a new jog.',
  },
  AXIS_ESTOP: { status: 409, title: 'The e-stop is latched; reset it before moving.' },
  AXIS_FAULT: { status: 409, title: 'The axis has a latched fault; reset it before moving.' },
  AXIS_NOT_HOMED: {
    status: 409,
    title: 'The axis must be homed first (never homed, or position uncertain after a reboot).',
  },
  AXIS_DISABLED: { status: 409, title: 'The axis drive is disabled; enable it first.' },
  AXIS_BUSY: { status: 409, title: "The axis's current state does not allow this command." },
  AXIS_OWNED_BY_LINE: {
    status: 409,
    title:
      'The line owns this axis in its current unit mode (PackML Production); nothing was sent. Switch to Manual or Maintenance first.',
  },
  AXIS_QUEUE_FULL: { status: 409, title: "The controller's move queue for this axis is full." },
  NOT_SUPPORTED_BY_CONTROLLER: {
    status: 409,
    title:
      "The axis's controller cannot do this (see its capabilities in GET /controllers); nothing was sent.",
  },
  MOVE_ABORTED: { status: 409, title: 'The move was aborted before it reached its target.' },
  HOMING_FAILED: { status: 409, title: 'Homing ended in a fault.' },
  ESTOP_INPUT_ACTIVE: {
    status: 409,
    title: 'A controller refused the reset, typically because its hardware e-stop input is active.',
  },
  RATE_LIMITED: { status: 429, title: 'Too many requests for this API key; retry later.' },
  INTERNAL_ERROR: { status: 500, title: 'An unexpected error occurred in the motion API.' },
  DEVICE_ERROR: { status: 502, title: 'The controller answered in a way this API did not expect.' },
  CONTROLLER_DISCONNECTED: {
    status: 503,
    title: 'The controller is disconnected; the command was certainly not executed.',
  },
  CONTROLLER_BUSY: { status: 503, title: "The link's request queue is full; retry later." },
  MOVE_OUTCOME_UNKNOWN: {
    status: 503,
    title: 'The link was lost after the command was sent: it may or may not have executed.',
  },
  ESTOP_NOT_DELIVERED: {
    status: 503,
    title: 'The e-stop byte could not be written to at least one controller.',
  },
  SERVICE_NOT_READY: { status: 503, title: 'Not every controller link is up.' },
  DEVICE_TIMEOUT: {
    status: 504,
    title: 'The controller did not answer; the command may or may not have executed.',
  },
} as const satisfies Record<MotionErrorCode, MotionErrorSpec>;

/** Extra members a problem+json may carry (RFC 9457 §3.2 extension members). */
export interface ProblemExtensions {
  axis?: string;
  controller?: string;
  moveId?: string;
  moveStatus?: string;
  deviceCode?: string;
  errors?: { path: string; message: string }[];
  /** Per-controller outcome of an e-stop or reset. */
  controllers?: readonly object[];
  [key: string]: unknown;
}

/**
 * A typed failure of the motion service or API; the HTTP layer renders it as problem+json. `message` is
 * the problem's `detail`: the detail given, else the registry's title.
 */
export class MotionError extends CodedError<MotionErrorCode> {
  override readonly name = 'MotionError';
  readonly status: number;
  readonly extensions: ProblemExtensions;

  constructor(code: MotionErrorCode, detail?: string, extensions: ProblemExtensions = {}) {
    super(code, detail ?? MOTION_ERRORS[code].title);
    this.status = MOTION_ERRORS[code].status;
    this.extensions = extensions;
  }
}

export function isMotionError(error: unknown): error is MotionError {
  return error instanceof MotionError;
}

export const MOTION_ERROR_CODES = registryCodes(MOTION_ERRORS);

// Configuration failures are not API errors: they are @servo-edge/common/config's ConfigError (CONFIG_INVALID
// with every problem, or CONFIG_UNREADABLE), the same in every package.
