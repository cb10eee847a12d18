// The X-series (XL430-W250, XM430-W210/W350 and their kin) control-table items a driver uses, declared
// once with address, size, access, area and sign; their bit fields by name; and value encoding.
// Source: ROBOTIS e-Manual, XM430-W350 / XL430-W250 pages, §Control Table of EEPROM Area, §Control
// Table of RAM Area and §Control Table Description. Items differ slightly between models (126 is Present
// Current on the XM430, Present Load on the XL430): only what both have is listed by a shared name.

import { DriverCodecError } from '../errors.js';

export interface ControlTableItem {
  readonly address: number;
  /** Bytes, little-endian. */
  readonly size: 1 | 2 | 4;
  readonly access: 'R' | 'RW';
  /** EEPROM items can only be written while Torque Enable (64) is 0 (§Control Table Description, Caution). */
  readonly area: 'EEPROM' | 'RAM';
  /** Two's complement (positions, velocities, Homing Offset, Bus Watchdog's -1). */
  readonly signed: boolean;
}

const eeprom = (
  address: number,
  size: 1 | 2 | 4,
  access: 'R' | 'RW' = 'RW',
  signed = false,
): ControlTableItem => ({
  address,
  size,
  access,
  area: 'EEPROM',
  signed,
});
const ram = (
  address: number,
  size: 1 | 2 | 4,
  access: 'R' | 'RW' = 'RW',
  signed = false,
): ControlTableItem => ({
  address,
  size,
  access,
  area: 'RAM',
  signed,
});

export const X_SERIES_CONTROL_TABLE = {
  modelNumber: eeprom(0, 2, 'R'),
  modelInformation: eeprom(2, 4, 'R'),
  firmwareVersion: eeprom(6, 1, 'R'),
  id: eeprom(7, 1),
  /** An index into the model page's baud-rate table (default 1: 57600 bps). */
  baudRate: eeprom(8, 1),
  /** Unit 2 µs, 0..254, default 250 (500 µs): the wait before a status packet. */
  returnDelayTime: eeprom(9, 1),
  driveMode: eeprom(10, 1),
  /** See OPERATING_MODES. Default 3 (position). */
  operatingMode: eeprom(11, 1),
  secondaryId: eeprom(12, 1),
  protocolType: eeprom(13, 1),
  homingOffset: eeprom(20, 4, 'RW', true),
  /** Unit 0.229 rev/min: above it, Moving (122) is 1. Default 10. */
  movingThreshold: eeprom(24, 4),
  temperatureLimit: eeprom(31, 1),
  maxVoltageLimit: eeprom(32, 2),
  minVoltageLimit: eeprom(34, 2),
  pwmLimit: eeprom(36, 2),
  /** Unit 0.229 rev/min; Profile Velocity (112) cannot exceed it. XL430 default 265, XM430-W350 350. */
  velocityLimit: eeprom(44, 4),
  /** Unit 1 pulse (0.088°); position mode only. Default 4095 / 0. */
  maxPositionLimit: eeprom(48, 4),
  minPositionLimit: eeprom(52, 4),
  /** Which Hardware Error Status bits shut the torque off (same bit layout). Default 52 = 0x34. */
  shutdown: eeprom(63, 1),
  /** 1 turns the torque on and locks the EEPROM area. */
  torqueEnable: ram(64, 1),
  led: ram(65, 1),
  /** 0 = Ping only, 1 = Ping and Read, 2 = every instruction (default) gets a status packet. */
  statusReturnLevel: ram(68, 1),
  registeredInstruction: ram(69, 1, 'R'),
  /** See HARDWARE_ERROR_BITS; cleared only by a Reboot. */
  hardwareErrorStatus: ram(70, 1, 'R'),
  /** Unit 20 ms, 1..127 arms it, 0 disarms it and clears its error; reads -1 once it has tripped. */
  busWatchdog: ram(98, 1, 'RW', true),
  goalPwm: ram(100, 2, 'RW', true),
  goalVelocity: ram(104, 4, 'RW', true),
  /** Unit 214.577 rev/min² (velocity-based profile); 0 = infinite acceleration. */
  profileAcceleration: ram(108, 4),
  /** Unit 0.229 rev/min (velocity-based profile); 0 = infinite velocity. */
  profileVelocity: ram(112, 4),
  /** Unit 1 pulse; 0..4095 in position mode, ±1,048,575 (±256 rev) in extended position mode. */
  goalPosition: ram(116, 4, 'RW', true),
  realtimeTick: ram(120, 2, 'R'),
  /** 1 while a profile runs or |Present Velocity| > Moving Threshold. */
  moving: ram(122, 1, 'R'),
  /** See MOVING_STATUS_BITS. */
  movingStatus: ram(123, 1, 'R'),
  presentPwm: ram(124, 2, 'R', true),
  /** Present Current on the XM430, Present Load on the XL430. */
  presentCurrentOrLoad: ram(126, 2, 'R', true),
  presentVelocity: ram(128, 4, 'R', true),
  presentPosition: ram(132, 4, 'R', true),
  velocityTrajectory: ram(136, 4, 'R', true),
  positionTrajectory: ram(140, 4, 'R', true),
  presentInputVoltage: ram(144, 2, 'R'),
  presentTemperature: ram(146, 1, 'R'),
} as const satisfies Record<string, ControlTableItem>;

export type ControlTableItemName = keyof typeof X_SERIES_CONTROL_TABLE;

/** Operating Mode (11). The XL430 has no current modes (0 and 5). */
export const OPERATING_MODES = {
  current: 0,
  velocity: 1,
  /** Default: one turn, 0..4095, bounded by the position limits. */
  position: 3,
  /** Multi-turn: ±256 rev; the position limits are not used. */
  extendedPosition: 4,
  currentBasedPosition: 5,
  pwm: 16,
} as const;

/** Hardware Error Status (70) and Shutdown (63) bits. Bits 1, 6 and 7 are unused. */
export const HARDWARE_ERROR_BITS = {
  INPUT_VOLTAGE: 0,
  OVERHEATING: 2,
  MOTOR_ENCODER: 3,
  ELECTRICAL_SHOCK: 4,
  OVERLOAD: 5,
} as const;

export type HardwareErrorName = keyof typeof HARDWARE_ERROR_BITS;

/** The named bits set in a Hardware Error Status value, in bit order. */
export function hardwareErrorNames(value: number): HardwareErrorName[] {
  return (Object.keys(HARDWARE_ERROR_BITS) as HardwareErrorName[]).filter(
    (name) => value & (1 << HARDWARE_ERROR_BITS[name]),
  );
}

/** Moving Status (123) bits; bits 4-5 are the profile type. */
export const MOVING_STATUS_BITS = {
  IN_POSITION: 0x01,
  PROFILE_ONGOING: 0x02,
  FOLLOWING_ERROR: 0x08,
} as const;

export const MOVING_STATUS_PROFILE_TYPES = {
  /** 0x00 and 0x10 both mean rectangular (Profile Velocity set, no acceleration) or no profile. */
  rectangular: 0x10,
  triangular: 0x20,
  trapezoidal: 0x30,
} as const;

export interface MovingStatus {
  readonly inPosition: boolean;
  readonly profileOngoing: boolean;
  readonly followingError: boolean;
  readonly profile: 'rectangular' | 'triangular' | 'trapezoidal';
}

export function decodeMovingStatus(value: number): MovingStatus {
  const type = value & 0x30;
  return {
    inPosition: (value & MOVING_STATUS_BITS.IN_POSITION) !== 0,
    profileOngoing: (value & MOVING_STATUS_BITS.PROFILE_ONGOING) !== 0,
    followingError: (value & MOVING_STATUS_BITS.FOLLOWING_ERROR) !== 0,
    profile: type === 0x30 ? 'trapezoidal' : type === 0x20 ? 'triangular' : 'rectangular',
  };
}

/** Model Number (0) of the X-series servos this project names (e-Manual model pages and the Ping example). */
export const X_SERIES_MODEL_NUMBERS = {
  'XL430-W250': 1060,
  'XM430-W210': 1030,
  'XM430-W350': 1020,
} as const;

export type XSeriesModel = keyof typeof X_SERIES_MODEL_NUMBERS;

/** Units of the velocity-based profile, in encoder pulses (4096 a turn). */
export const PULSES_PER_REV = 4096;
export const VELOCITY_UNIT_REV_PER_MIN = 0.229;
export const ACCELERATION_UNIT_REV_PER_MIN2 = 214.577;
export const BUS_WATCHDOG_UNIT_MS = 20;
export const RETURN_DELAY_UNIT_US = 2;

/** A value as the item's little-endian bytes. Throws DXL_VALUE_OUT_OF_RANGE if it does not fit. */
export function encodeItem(item: ControlTableItem, value: number): Uint8Array {
  const bits = item.size * 8;
  const min = item.signed ? -(2 ** (bits - 1)) : 0;
  const max = item.signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new DriverCodecError(
      'DXL_VALUE_OUT_OF_RANGE',
      `${value} does not fit ${item.size} byte(s) at ${item.address}`,
    );
  }
  const out = new Uint8Array(item.size);
  let v = value < 0 ? value + 2 ** bits : value;
  for (let i = 0; i < item.size; i++) {
    out[i] = v % 256;
    v = Math.floor(v / 256);
  }
  return out;
}

/** The item's value from `bytes` (its size, little-endian), signed where the item is. */
export function decodeItem(item: ControlTableItem, bytes: Uint8Array, offset = 0): number {
  let v = 0;
  for (let i = item.size - 1; i >= 0; i--) v = v * 256 + bytes[offset + i]!;
  const bits = item.size * 8;
  return item.signed && v >= 2 ** (bits - 1) ? v - 2 ** bits : v;
}
