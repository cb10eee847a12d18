// DYNAMIXEL Protocol 2.0, declared once (STYLE.md lesson 2): the header, the IDs, every instruction
// this codec builds and the status packet's error field. Source: ROBOTIS e-Manual, DYNAMIXEL Protocol 2.0
// (§Instruction Packet, §Status Packet, §Instruction Details) and the DynamixelSDK's protocol2_packet_handler.

/** §Header + §Reserved: FF FF FD, then 00. The reserved byte is never 0xFD. */
export const DXL_HEADER = Uint8Array.of(0xff, 0xff, 0xfd, 0x00);

/** §Packet ID: every device executes a packet sent to 254. */
export const DXL_BROADCAST_ID = 0xfe;
/** §Packet ID: 0..252 address one device (253 and 255 would look like the header). */
export const DXL_MAX_ID = 252;

/**
 * Longest packet this codec builds or accepts, header to CRC: the DynamixelSDK's TXPACKET_MAX_LEN and
 * RXPACKET_MAX_LEN (1024). A bound on what a corrupt length field can make the parser wait for.
 */
export const DXL_MAX_PACKET_BYTES = 1024;

/** Header (4) + ID (1) + length (2): the bytes before the instruction. */
export const DXL_PREFIX_BYTES = 7;

/** The instruction byte of a status packet (§Status Packet). */
export const DXL_STATUS_INSTRUCTION = 0x55;

export interface DynamixelInstructionSpec {
  /** The instruction byte. */
  readonly code: number;
  /** §Instruction Details: what it does, in the manual's words. */
  readonly section: string;
  /** Sent to 254 and nothing else (Sync/Bulk/Fast Sync). */
  readonly broadcastOnly: boolean;
  /** 254 is refused: the manual says a broadcast gets no status (Read), or is not acted on. */
  readonly noBroadcast: boolean;
}

export const DXL_INSTRUCTIONS = {
  ping: { code: 0x01, section: '§Ping', broadcastOnly: false, noBroadcast: false },
  // §Packet ID NOTE: a Read sent to 254 returns no status, so it could never answer.
  read: { code: 0x02, section: '§Read', broadcastOnly: false, noBroadcast: true },
  write: { code: 0x03, section: '§Write', broadcastOnly: false, noBroadcast: false },
  regWrite: { code: 0x04, section: '§Reg Write', broadcastOnly: false, noBroadcast: false },
  action: { code: 0x05, section: '§Action', broadcastOnly: false, noBroadcast: false },
  factoryReset: { code: 0x06, section: '§Factory Reset', broadcastOnly: false, noBroadcast: false },
  reboot: { code: 0x08, section: '§Reboot', broadcastOnly: false, noBroadcast: false },
  clear: { code: 0x10, section: '§Clear', broadcastOnly: false, noBroadcast: false },
  controlTableBackup: {
    code: 0x20,
    section: '§Control Table Backup',
    broadcastOnly: false,
    noBroadcast: false,
  },
  syncRead: { code: 0x82, section: '§Sync Read', broadcastOnly: true, noBroadcast: false },
  syncWrite: { code: 0x83, section: '§Sync Write', broadcastOnly: true, noBroadcast: false },
  fastSyncRead: { code: 0x8a, section: '§Fast Sync Read', broadcastOnly: true, noBroadcast: false },
  bulkRead: { code: 0x92, section: '§Bulk Read', broadcastOnly: true, noBroadcast: false },
  bulkWrite: { code: 0x93, section: '§Bulk Write', broadcastOnly: true, noBroadcast: false },
} as const satisfies Record<string, DynamixelInstructionSpec>;

export type DynamixelInstructionName = keyof typeof DXL_INSTRUCTIONS;

/** §Factory Reset, Parameter 1. Reset-all (0xFF) sent to 254 is not acted on (X-series FW42+). */
export const DXL_FACTORY_RESET_OPTIONS = { all: 0xff, allButId: 0x01, allButIdAndBaud: 0x02 } as const;

/** §Clear: P1 0x01 resets the multi-turn count; P2..P5 are the fixed bytes 44 58 4C 22 ("DXL\""). */
export const DXL_CLEAR_MULTI_TURN = Uint8Array.of(0x01, 0x44, 0x58, 0x4c, 0x22);

/** §Control Table Backup: P1 0x01 stores, 0x02 restores; P2..P5 are the fixed bytes 43 54 52 4C ("CTRL"). */
export const DXL_BACKUP_OPERATIONS = { store: 0x01, restore: 0x02 } as const;
export const DXL_BACKUP_KEY = Uint8Array.of(0x43, 0x54, 0x52, 0x4c);

/**
 * §Status Packet, Error: bit 7 is the Alert (the device has a hardware problem: read Hardware Error
 * Status), bits 6..0 the error number of this instruction's processing.
 */
export const DXL_ALERT_BIT = 0x80;

export const DXL_STATUS_ERRORS = {
  /** Failed to process the instruction packet. */
  RESULT_FAIL: 0x01,
  /** Undefined instruction, or Action without Reg Write. */
  INSTRUCTION_ERROR: 0x02,
  /** The CRC of the sent packet does not match. */
  CRC_ERROR: 0x03,
  /** The value is outside the item's minimum/maximum. */
  DATA_RANGE_ERROR: 0x04,
  /** Fewer bytes than the item's size (2 bytes written to a 4-byte item). */
  DATA_LENGTH_ERROR: 0x05,
  /** The value is outside the item's limit (e.g. Goal Position beyond the position limits). */
  DATA_LIMIT_ERROR: 0x06,
  /** Read-only or undefined address, or an EEPROM write while Torque Enable is 1 (ROM lock). */
  ACCESS_ERROR: 0x07,
} as const;

export type DynamixelStatusErrorName = keyof typeof DXL_STATUS_ERRORS;

/** The error byte of a status packet, decoded. */
export interface DynamixelStatusError {
  readonly byte: number;
  /** Bit 7: a hardware error is latched; Hardware Error Status (70) says which. */
  readonly alert: boolean;
  /** Bits 6..0; 0 when the instruction was processed. */
  readonly errorNumber: number;
  /** The manual's name for errorNumber; undefined for 0 and for numbers the manual does not list. */
  readonly error: DynamixelStatusErrorName | undefined;
}

const ERROR_NAME_BY_NUMBER = new Map<number, DynamixelStatusErrorName>(
  (Object.entries(DXL_STATUS_ERRORS) as [DynamixelStatusErrorName, number][]).map(([name, n]) => [n, name]),
);

export function decodeStatusError(byte: number): DynamixelStatusError {
  const errorNumber = byte & 0x7f;
  return {
    byte: byte & 0xff,
    alert: (byte & DXL_ALERT_BIT) !== 0,
    errorNumber,
    error: ERROR_NAME_BY_NUMBER.get(errorNumber),
  };
}
