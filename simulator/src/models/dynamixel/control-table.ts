// The control table of the simulated X-series servos: every item the model keeps, with its address,
// size, access, area, sign, initial value and writable range, per model. Source: ROBOTIS e-Manual,
// XM430-W350 and XL430-W250 pages, §Control Table of EEPROM Area / RAM Area. Declared here and not
// imported from motion-api: this model is the oracle for that codec (STYLE.md lesson 16).

export type ServoModelName = 'XL430-W250' | 'XM430-W210' | 'XM430-W350';

export interface ModelItem {
  readonly name: string;
  readonly address: number;
  readonly size: 1 | 2 | 4;
  readonly access: 'R' | 'RW';
  readonly area: 'EEPROM' | 'RAM';
  readonly signed: boolean;
  readonly initial: number;
  /** Writable values (inclusive); a write outside is a Data Range Error. */
  readonly min: number;
  readonly max: number;
}

interface ModelFacts {
  modelNumber: number;
  velocityLimit: number;
  temperatureLimit: number;
  maxVoltageLimit: number;
  minVoltageLimit: number;
  /** Operating modes the model has (the XL430 has no current control). */
  operatingModes: readonly number[];
  /** The XM430 has Current Limit (38) and Goal Current (102); the XL430 does not. */
  hasCurrent: boolean;
}

/** Model Number (0) from each model page; the Ping example's XM430-W210 answers 1030 (0x0406). */
export const SERVO_MODELS: Readonly<Record<ServoModelName, ModelFacts>> = {
  'XL430-W250': {
    modelNumber: 1060,
    velocityLimit: 265,
    temperatureLimit: 72,
    maxVoltageLimit: 140,
    minVoltageLimit: 60,
    operatingModes: [1, 3, 4, 16],
    hasCurrent: false,
  },
  'XM430-W210': {
    modelNumber: 1030,
    velocityLimit: 330,
    temperatureLimit: 80,
    maxVoltageLimit: 160,
    minVoltageLimit: 95,
    operatingModes: [0, 1, 3, 4, 5, 16],
    hasCurrent: true,
  },
  'XM430-W350': {
    modelNumber: 1020,
    velocityLimit: 350,
    temperatureLimit: 80,
    maxVoltageLimit: 160,
    minVoltageLimit: 95,
    operatingModes: [0, 1, 3, 4, 5, 16],
    hasCurrent: true,
  },
};

/** Position items span ±256 turns in extended position mode. */
const EXTENDED_RANGE = 1_048_575;

function item(
  name: string,
  address: number,
  size: 1 | 2 | 4,
  access: 'R' | 'RW',
  initial: number,
  min = 0,
  max = 2 ** (size * 8) - 1,
  signed = min < 0,
): ModelItem {
  return { name, address, size, access, area: address < 64 ? 'EEPROM' : 'RAM', signed, initial, min, max };
}

/** The items of `model`, in address order. */
export function controlTableOf(model: ServoModelName): readonly ModelItem[] {
  const facts = SERVO_MODELS[model];
  const items: ModelItem[] = [
    item('modelNumber', 0, 2, 'R', facts.modelNumber),
    item('modelInformation', 2, 4, 'R', 0),
    item('firmwareVersion', 6, 1, 'R', 46),
    item('id', 7, 1, 'RW', 1, 0, 252),
    item('baudRate', 8, 1, 'RW', 1, 0, 7),
    item('returnDelayTime', 9, 1, 'RW', 250, 0, 254),
    item('driveMode', 10, 1, 'RW', 0, 0, 13),
    item('operatingMode', 11, 1, 'RW', 3, 0, 16),
    item('secondaryId', 12, 1, 'RW', 255, 0, 255),
    item('protocolType', 13, 1, 'RW', 2, 1, 2),
    item('homingOffset', 20, 4, 'RW', 0, -1_044_479, 1_044_479),
    item('movingThreshold', 24, 4, 'RW', 10, 0, 1023),
    item('temperatureLimit', 31, 1, 'RW', facts.temperatureLimit, 0, 100),
    item('maxVoltageLimit', 32, 2, 'RW', facts.maxVoltageLimit, facts.minVoltageLimit, facts.maxVoltageLimit),
    item('minVoltageLimit', 34, 2, 'RW', facts.minVoltageLimit, facts.minVoltageLimit, facts.maxVoltageLimit),
    item('pwmLimit', 36, 2, 'RW', 885, 0, 885),
    ...(facts.hasCurrent ? [item('currentLimit', 38, 2, 'RW', 1193, 0, 1193)] : []),
    item('velocityLimit', 44, 4, 'RW', facts.velocityLimit, 0, 1023),
    item('maxPositionLimit', 48, 4, 'RW', 4095, 0, 4095),
    item('minPositionLimit', 52, 4, 'RW', 0, 0, 4095),
    item('shutdown', 63, 1, 'RW', 52),
    item('torqueEnable', 64, 1, 'RW', 0, 0, 1),
    item('led', 65, 1, 'RW', 0, 0, 1),
    item('statusReturnLevel', 68, 1, 'RW', 2, 0, 2),
    item('registeredInstruction', 69, 1, 'R', 0),
    item('hardwareErrorStatus', 70, 1, 'R', 0),
    item('velocityIGain', 76, 2, 'RW', 1000, 0, 16383),
    item('velocityPGain', 78, 2, 'RW', 100, 0, 16383),
    item('positionDGain', 80, 2, 'RW', 4000, 0, 16383),
    item('positionIGain', 82, 2, 'RW', 0, 0, 16383),
    item('positionPGain', 84, 2, 'RW', 640, 0, 16383),
    item('feedforward2ndGain', 88, 2, 'RW', 0, 0, 16383),
    item('feedforward1stGain', 90, 2, 'RW', 0, 0, 16383),
    // 0..127 are writable; the servo itself sets -1 when the watchdog trips.
    item('busWatchdog', 98, 1, 'RW', 0, 0, 127, true),
    item('goalPwm', 100, 2, 'RW', 0, -885, 885),
    ...(facts.hasCurrent ? [item('goalCurrent', 102, 2, 'RW', 0, -1193, 1193)] : []),
    item('goalVelocity', 104, 4, 'RW', 0, -1023, 1023),
    item('profileAcceleration', 108, 4, 'RW', 0, 0, 32767),
    item('profileVelocity', 112, 4, 'RW', 0, 0, 32767),
    item('goalPosition', 116, 4, 'RW', 0, -EXTENDED_RANGE, EXTENDED_RANGE),
    item('realtimeTick', 120, 2, 'R', 0),
    item('moving', 122, 1, 'R', 0),
    item('movingStatus', 123, 1, 'R', 0),
    item('presentPwm', 124, 2, 'R', 0, -885, 885),
    item('presentCurrent', 126, 2, 'R', 0, -1193, 1193),
    item('presentVelocity', 128, 4, 'R', 0, -(2 ** 31), 2 ** 31 - 1),
    item('presentPosition', 132, 4, 'R', 0, -(2 ** 31), 2 ** 31 - 1),
    item('velocityTrajectory', 136, 4, 'R', 0, -(2 ** 31), 2 ** 31 - 1),
    item('positionTrajectory', 140, 4, 'R', 0, -(2 ** 31), 2 ** 31 - 1),
    item('presentInputVoltage', 144, 2, 'R', 120),
    item('presentTemperature', 146, 1, 'R', 36),
    item('backupReady', 147, 1, 'R', 0),
  ];
  return items;
}

/** Bytes the model reads back (gaps between items read as 0); an address at or past this is undefined. */
export const CONTROL_TABLE_END = 148;

export function encodeValue(size: number, value: number): number[] {
  const bytes: number[] = [];
  let v = value < 0 ? value + 2 ** (size * 8) : value;
  for (let i = 0; i < size; i++) {
    bytes.push(v % 256);
    v = Math.floor(v / 256);
  }
  return bytes;
}

export function decodeValue(bytes: ArrayLike<number>, offset: number, size: number, signed: boolean): number {
  let v = 0;
  for (let i = size - 1; i >= 0; i--) v = v * 256 + bytes[offset + i]!;
  return signed && v >= 2 ** (size * 8 - 1) ? v - 2 ** (size * 8) : v;
}
