// The Pololu Maestro codec: command packets out, Get answers in. Pure: no I/O, no timers.

export * from './commands.js';
export { maestroCrc7 } from './crc7.js';
export { encodeMaestroCommand, type MaestroFraming, maestroReplyBytes } from './encode.js';
export {
  decodeMaestroErrors,
  MAESTRO_ERROR_BITS,
  MAESTRO_ERROR_NAMES,
  type MaestroErrorName,
  type MaestroErrors,
} from './error-bits.js';
export {
  decodeMaestroReply,
  type MaestroQuery,
  type MaestroReply,
  type MaestroReplyError,
  type MaestroReplyItem,
  MaestroReplyReader,
} from './replies.js';
