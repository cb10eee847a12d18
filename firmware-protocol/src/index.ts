// @servo-edge/firmware-protocol: protocol v1 between the Pi (host) and a servo controller (device).
// Pure: bytes and a clock in, typed frames out. See PROTOCOL.md.

export * from './errors.js';
export { isSimPath, SIM_PATH_PREFIX, simControllerId, simPath } from './link/sim-path.js';
export { type ProfileSegment, planTrapezoid, trapezoidDurationS } from './motion/trapezoid.js';
export {
  createDeviceSession,
  type DeviceHandler,
  type DeviceIdentity,
  DeviceSession,
  type DeviceSessionOptions,
  type HandledCommand,
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
export { formatValue, parseValue } from './wire/values.js';
