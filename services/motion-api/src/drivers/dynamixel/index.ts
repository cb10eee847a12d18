// The DYNAMIXEL Protocol 2.0 codec: instruction packets out, status packets in, the X-series control
// table. Pure: no I/O, no timers.

export * from './control-table.js';
export { dynamixelCrc16 } from './crc16.js';
export {
  type DynamixelBulkReadEntry,
  type DynamixelBulkWriteEntry,
  type DynamixelIdWrite,
  type DynamixelInstruction,
  type ExpectedStatus,
  encodeInstruction,
  expectedStatus,
} from './instructions.js';
export { type DynamixelPacket, encodePacket, encodeStatusPacket } from './packet.js';
export {
  DynamixelPacketParser,
  type DynamixelParseError,
  type DynamixelParserItem,
  type DynamixelParserOptions,
} from './parser.js';
export * from './protocol.js';
export {
  type DynamixelStatus,
  type DynamixelStatusProblem,
  encodeFastSyncReadStatus,
  type FastSyncReadEntry,
  type FastSyncReadResult,
  type StatusResult,
  toFastSyncReadStatus,
  toStatus,
} from './status.js';
export { stuff, unstuff } from './stuffing.js';
