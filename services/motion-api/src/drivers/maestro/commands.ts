// The Maestro serial servo commands, declared once (STYLE.md lesson 2): command byte, reply length,
// which Maestros have it. Everything else (encoding, reply decoding, docs) reads this table.
// Source: Pololu Maestro Servo Controller User's Guide (0J40) §5.e, Serial Servo Commands.

/** The Maestro family by channel count: Micro Maestro 6, Mini Maestro 12, 18 and 24 (§1). */
export type MaestroChannelCount = 6 | 12 | 18 | 24;

export const MAESTRO_CHANNEL_COUNTS: readonly MaestroChannelCount[] = [6, 12, 18, 24];

/** §5.c: the Pololu protocol's first byte; also the baud-rate indication byte in UART detect-baud mode. */
export const POLOLU_PROTOCOL_START = 0xaa;

/** §5.a: the factory device number for the Pololu protocol. */
export const MAESTRO_DEFAULT_DEVICE_NUMBER = 12;

export interface MaestroCommandSpec {
  /** The compact-protocol command byte (MSB set). In the Pololu protocol it is sent with the MSB cleared (§5.c). */
  readonly compactByte: number;
  /** Bytes the Maestro answers with (raw, never CRC'd: §5.d). 0 for commands without a reply. */
  readonly replyBytes: number;
  /** Only the Mini Maestros (12, 18, 24) have it. */
  readonly miniOnly: boolean;
  /** Where the guide describes it. */
  readonly section: string;
}

export const MAESTRO_COMMANDS = {
  setTarget: { compactByte: 0x84, replyBytes: 0, miniOnly: false, section: '§5.e Set Target' },
  setMultipleTargets: {
    compactByte: 0x9f,
    replyBytes: 0,
    miniOnly: true,
    section: '§5.e Set Multiple Targets (Mini Maestro 12, 18, and 24 only)',
  },
  setSpeed: { compactByte: 0x87, replyBytes: 0, miniOnly: false, section: '§5.e Set Speed' },
  setAcceleration: { compactByte: 0x89, replyBytes: 0, miniOnly: false, section: '§5.e Set Acceleration' },
  getPosition: { compactByte: 0x90, replyBytes: 2, miniOnly: false, section: '§5.e Get Position' },
  // The Micro Maestro has it but may answer 0 while a servo still moves (§5.e Get Moving State): the
  // codec sends it to every model; a driver must not trust it alone on a Micro.
  getMovingState: { compactByte: 0x93, replyBytes: 1, miniOnly: false, section: '§5.e Get Moving State' },
  getErrors: { compactByte: 0xa1, replyBytes: 2, miniOnly: false, section: '§5.e Get Errors' },
  goHome: { compactByte: 0xa2, replyBytes: 0, miniOnly: false, section: '§5.e Go Home' },
} as const satisfies Record<string, MaestroCommandSpec>;

export type MaestroCommandName = keyof typeof MAESTRO_COMMANDS;

/** Targets are pulse widths in quarter-microseconds; 0 stops the pulses (§5.e Set Target). */
export const MAESTRO_TARGET_MAX_QUARTER_US = 0x3fff;
/** Speeds are 14-bit like targets (§5.e Set Speed); 0 means unlimited. */
export const MAESTRO_SPEED_MAX = 0x3fff;
/** "The acceleration limit is a value from 0 to 255" (§5.e Set Acceleration); 0 means unlimited. */
export const MAESTRO_ACCELERATION_MAX = 255;
/** One speed unit is (0.25 µs)/(10 ms) = 25 µs/s at the default 20 ms period (§4.b Channel Settings, §5.e Set Speed). */
export const MAESTRO_SPEED_UNIT_US_PER_S = 25;
/** One acceleration unit is (0.25 µs)/(10 ms)/(80 ms) = 312.5 µs/s² at the default 20 ms period (§4.b). */
export const MAESTRO_ACCELERATION_UNIT_US_PER_S2 = 312.5;

/** A command to a Maestro, with its arguments in the units the guide uses. */
export type MaestroCommand =
  | { command: 'setTarget'; channel: number; targetQuarterUs: number }
  | { command: 'setMultipleTargets'; firstChannel: number; targetsQuarterUs: readonly number[] }
  | { command: 'setSpeed'; channel: number; speedQuarterUsPer10Ms: number }
  | { command: 'setAcceleration'; channel: number; accelerationQuarterUsPer10MsPer80Ms: number }
  | { command: 'getPosition'; channel: number }
  | { command: 'getMovingState' }
  | { command: 'getErrors' }
  | { command: 'goHome' };
