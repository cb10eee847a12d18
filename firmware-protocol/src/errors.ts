// The closed set of error codes thrown or rejected by @servo-edge/firmware-protocol.
// Wire error codes (ERR CRC, ERR RANGE, ...) are data, not exceptions: see wire/messages.ts.

export const PROTOCOL_ERRORS = {
  PROTO_INVALID_ARGUMENT: 'A value cannot be encoded as the type the message table declares.',
  PROTO_LINE_TOO_LONG: 'The encoded line would exceed 128 bytes.',
  PROTO_REPLY_TIMEOUT:
    'The device did not answer: after all retransmissions (v1), or with no valid line for its watchdog period (v2); the session is lost.',
  PROTO_LINK_LOST: 'The transport closed or failed while the request was outstanding.',
  PROTO_DEVICE_RESET: 'The device rebooted or lost its session (BOOT or ERR HELLO).',
  PROTO_SESSION_DESYNC: "The device's sequence state cannot be reconciled with the host's.",
  PROTO_SESSION_CLOSED: 'The session was closed by its owner.',
  PROTO_NOT_READY: 'No session: HELLO has not completed.',
  PROTO_QUEUE_FULL: "The host session's pending-request queue is full.",
  PROTO_BAD_REPLY:
    'The reply passed its checksum but does not match the message table for its verb, or carries a value beyond ±(2^53-1).',
  PROTO_INCOMPATIBLE_DEVICE: 'The device speaks another protocol version or advertised unusable limits.',
  PROTO_NOT_SUPPORTED:
    "The negotiated protocol version or the device's features do not include this command.",
} as const;

export type ProtocolErrorCode = keyof typeof PROTOCOL_ERRORS;

export interface ProtocolErrorFlags {
  /** The frame was written at least once, so the device may have executed it. */
  sent?: boolean;
  /** The error came from losing the link or the session rather than from the request itself. */
  disconnected?: boolean;
}

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  readonly code: ProtocolErrorCode;
  readonly sent: boolean;
  readonly disconnected: boolean;

  constructor(code: ProtocolErrorCode, detail?: string, flags: ProtocolErrorFlags = {}) {
    super(detail ? `${PROTOCOL_ERRORS[code]} ${detail}` : PROTOCOL_ERRORS[code]);
    this.code = code;
    this.sent = flags.sent ?? false;
    this.disconnected = flags.disconnected ?? false;
  }
}

export function isProtocolError(err: unknown): err is ProtocolError {
  return err instanceof ProtocolError;
}
