// The one registry of the hardware codecs' error codes (the Pololu Maestro and the ROBOTIS Dynamixel
// Protocol 2.0 codecs under src/drivers/). A builder that refuses a value throws DriverCodecError; a
// parser never throws and reports the same codes as data ({ kind: 'error', code }).
//
// Why a registry apart from MOTION_ERRORS (src/errors.ts): these codes describe bytes, not HTTP answers,
// and carry no status. The codecs are pure (no I/O, no timers) and sit below the driver seam the way
// @servo-edge/firmware-protocol sits below the servo-edge link, with its own PROTO_* registry. The drivers
// that use them map a codec code to a MotionErrorCode where it reaches the API.
// src/drivers/README.md lists the same codes; errors.test.ts keeps registry, README and union in sync.

import { CodedError, registryCodes } from '@servo-edge/common/errors';

/** Every code the hardware codecs report. Keep in sync with DRIVER_CODEC_ERRORS (the compiler checks) and the README (a test checks). */
export type DriverCodecErrorCode =
  | 'MAESTRO_BAD_CHANNEL'
  | 'MAESTRO_BAD_DEVICE_NUMBER'
  | 'MAESTRO_VALUE_OUT_OF_RANGE'
  | 'MAESTRO_NOT_ON_THIS_MODEL'
  | 'MAESTRO_BAD_REPLY'
  | 'MAESTRO_UNEXPECTED_BYTES'
  | 'DXL_BAD_ID'
  | 'DXL_VALUE_OUT_OF_RANGE'
  | 'DXL_PACKET_TOO_LONG'
  | 'DXL_NOISE'
  | 'DXL_BAD_LENGTH'
  | 'DXL_CRC_MISMATCH'
  | 'DXL_NOT_A_STATUS'
  | 'DXL_BAD_STATUS';

export const DRIVER_CODEC_ERRORS = {
  MAESTRO_BAD_CHANNEL: 'The channel number is not one this Maestro has (0..channels-1, at most 0..23).',
  MAESTRO_BAD_DEVICE_NUMBER: 'A Pololu-protocol device number must be 0..127.',
  MAESTRO_VALUE_OUT_OF_RANGE:
    'A target, speed or acceleration cannot be sent: targets and speeds are 14-bit (0..16383), accelerations 0..255.',
  MAESTRO_NOT_ON_THIS_MODEL:
    'The command does not exist on this Maestro (Set Multiple Targets is Mini Maestro only).',
  MAESTRO_BAD_REPLY: 'A reply has the wrong length or a value the command cannot answer with.',
  MAESTRO_UNEXPECTED_BYTES: 'Bytes arrived while no reply was expected.',
  DXL_BAD_ID: 'A Dynamixel ID must be 0..252, or 254 (broadcast) where the instruction allows it.',
  DXL_VALUE_OUT_OF_RANGE: 'An address, length or control-table value does not fit its field.',
  DXL_PACKET_TOO_LONG: 'The packet would exceed the length this codec allows.',
  DXL_NOISE: 'Bytes that are not part of any packet were skipped while looking for a header.',
  DXL_BAD_LENGTH:
    'A header announced a length below the minimum or above the maximum; the header was skipped.',
  DXL_CRC_MISMATCH: 'The CRC-16 of a packet (or of a block of a Fast Sync Read status) does not match.',
  DXL_NOT_A_STATUS: 'A packet was expected to be a status packet (instruction 0x55) and is not.',
  DXL_BAD_STATUS: 'A status packet does not have the length or IDs the instruction it answers implies.',
} as const satisfies Record<DriverCodecErrorCode, string>;

export const DRIVER_CODEC_ERROR_CODES = registryCodes(DRIVER_CODEC_ERRORS);

/** A value a builder refuses to encode. `message` is the registry's description, then the detail. */
export class DriverCodecError extends CodedError<DriverCodecErrorCode> {
  override readonly name = 'DriverCodecError';

  constructor(code: DriverCodecErrorCode, detail?: string) {
    super(code, DRIVER_CODEC_ERRORS[code], detail);
  }
}

export function isDriverCodecError(error: unknown): error is DriverCodecError {
  return error instanceof DriverCodecError;
}
