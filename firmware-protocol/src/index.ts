// @servo-edge/firmware-protocol: protocol v1 and v2 between the Pi (host) and a servo controller (device).
// Pure: bytes and a clock in, typed frames out. See PROTOCOL.md.

export * from './errors.js';
export * from './link/sim-path.js';
export { type ProfileSegment, planTrapezoid, trapezoidDurationS } from './motion/trapezoid.js';
export {
  createDeviceSession,
  type DeviceHandler,
  type DeviceIdentity,
  DeviceSession,
  type DeviceSessionOptions,
  type DeviceSessionStats,
  EVENT_RETRANSMIT_BASE_MS,
  type HandledCommand,
  type JogLeaseHandler,
  LEASE_MAX_MS,
  LEASE_MIN_MS,
  MIN_POSITION_MAX,
} from './session/device-session.js';
export {
  createHostSession,
  type DeviceInfo,
  HostSession,
  type HostSessionOptions,
  type HostSessionState,
  type HostSessionStats,
  type RequestOptions,
} from './session/host-session.js';
export { createSessionDriver, type SessionDriver, type Tickable } from './session/session-driver.js';
export * from './wire/constants.js';
export { crc16, formatCrc } from './wire/crc16.js';
export { CommandDecoder, DeviceLineDecoder } from './wire/decoder.js';
export {
  type EventEncoding,
  encodeCommand,
  encodeCommandBody,
  encodeErrorReply,
  encodeEvent,
  encodeLine,
  encodeReply,
} from './wire/encode.js';
export type * from './wire/frames.js';
export * from './wire/messages.js';
export {
  checkLine,
  parseCommandLine,
  parseDeviceLine,
  parseReplyFields,
  readableSeq,
} from './wire/parse-line.js';
export { isValidSeq, nextSeq, seqBefore, seqDistance } from './wire/seq.js';
export { formatValue, type ParsedValue, parseValue, readValue, wireType } from './wire/values.js';
