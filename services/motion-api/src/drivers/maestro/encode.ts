// Builds Maestro command packets: compact or Pololu protocol, with or without the CRC-7 byte.
// Refuses what the Maestro cannot be sent (DriverCodecError), never clamps silently: clamping to what a
// Maestro can express is the driver's decision, which it reports (issue #13).
// Source: Pololu Maestro Servo Controller User's Guide (0J40) §5.c Command Protocols, §5.d CRC, §5.e.

import { DriverCodecError } from '../errors.js';
import {
  MAESTRO_ACCELERATION_MAX,
  MAESTRO_CHANNEL_COUNTS,
  MAESTRO_COMMANDS,
  MAESTRO_DEFAULT_DEVICE_NUMBER,
  MAESTRO_SPEED_MAX,
  MAESTRO_TARGET_MAX_QUARTER_US,
  type MaestroChannelCount,
  type MaestroCommand,
  POLOLU_PROTOCOL_START,
} from './commands.js';
import { maestroCrc7 } from './crc7.js';

/** How packets are framed for one Maestro (its Serial Settings tab, §5.a). */
export interface MaestroFraming {
  /** §5.c: `compact` when the Maestro is alone on its line; `pololu` (0xAA, device number) to address one of several. */
  readonly protocol: 'compact' | 'pololu';
  /** Pololu protocol only: 0..127, default 12 (§5.a). */
  readonly deviceNumber?: number;
  /** §5.d: the Maestro has "Enable CRC" checked, so every packet ends with its CRC-7. */
  readonly crc?: boolean;
  /** When given, channel numbers and Mini-only commands are checked against this Maestro. */
  readonly channels?: MaestroChannelCount;
}

/** The largest channel count of the family: without `channels`, channels 0..23 are accepted. */
const MAX_CHANNELS = 24;

function checkFraming(framing: MaestroFraming): void {
  if (framing.channels !== undefined && !MAESTRO_CHANNEL_COUNTS.includes(framing.channels)) {
    throw new DriverCodecError(
      'MAESTRO_BAD_CHANNEL',
      `a Maestro has 6, 12, 18 or 24 channels, not ${framing.channels}`,
    );
  }
  if (framing.protocol === 'pololu') {
    const device = framing.deviceNumber ?? MAESTRO_DEFAULT_DEVICE_NUMBER;
    if (!Number.isInteger(device) || device < 0 || device > 127) {
      throw new DriverCodecError('MAESTRO_BAD_DEVICE_NUMBER', `device number ${device}`);
    }
  }
}

function checkChannel(channel: number, framing: MaestroFraming): void {
  const channels = framing.channels ?? MAX_CHANNELS;
  if (!Number.isInteger(channel) || channel < 0 || channel >= channels) {
    throw new DriverCodecError('MAESTRO_BAD_CHANNEL', `channel ${channel} of a ${channels}-channel Maestro`);
  }
}

function checkValue(field: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new DriverCodecError(
      'MAESTRO_VALUE_OUT_OF_RANGE',
      `${field} ${value} is not an integer in 0..${max}`,
    );
  }
}

/** §5.e Set Target: "the lower 7 bits of the third data byte represent bits 0–6 ... the fourth data byte bits 7–13". */
function push14(out: number[], value: number): void {
  out.push(value & 0x7f, (value >> 7) & 0x7f);
}

/** The data bytes after the command byte, checked. */
function dataBytes(command: MaestroCommand, framing: MaestroFraming): number[] {
  const data: number[] = [];
  switch (command.command) {
    case 'setTarget':
      checkChannel(command.channel, framing);
      checkValue('target (quarter-µs)', command.targetQuarterUs, MAESTRO_TARGET_MAX_QUARTER_US);
      data.push(command.channel);
      push14(data, command.targetQuarterUs);
      return data;
    case 'setMultipleTargets': {
      if (framing.channels === 6) {
        throw new DriverCodecError('MAESTRO_NOT_ON_THIS_MODEL', 'Set Multiple Targets on a Micro Maestro 6');
      }
      const count = command.targetsQuarterUs.length;
      checkChannel(command.firstChannel, framing);
      if (count < 1) throw new DriverCodecError('MAESTRO_VALUE_OUT_OF_RANGE', 'no targets');
      // The block is contiguous: its last channel must exist too.
      checkChannel(command.firstChannel + count - 1, framing);
      data.push(count, command.firstChannel);
      for (const target of command.targetsQuarterUs) {
        checkValue('target (quarter-µs)', target, MAESTRO_TARGET_MAX_QUARTER_US);
        push14(data, target);
      }
      return data;
    }
    case 'setSpeed':
      checkChannel(command.channel, framing);
      checkValue('speed (0.25 µs/10 ms)', command.speedQuarterUsPer10Ms, MAESTRO_SPEED_MAX);
      data.push(command.channel);
      push14(data, command.speedQuarterUsPer10Ms);
      return data;
    case 'setAcceleration':
      checkChannel(command.channel, framing);
      checkValue(
        'acceleration (0.25 µs/10 ms/80 ms)',
        command.accelerationQuarterUsPer10MsPer80Ms,
        MAESTRO_ACCELERATION_MAX,
      );
      data.push(command.channel);
      push14(data, command.accelerationQuarterUsPer10MsPer80Ms);
      return data;
    case 'getPosition':
      checkChannel(command.channel, framing);
      data.push(command.channel);
      return data;
    case 'getMovingState':
    case 'getErrors':
    case 'goHome':
      return data;
  }
}

/**
 * The bytes of one command packet. §5.c: compact = command byte, data; Pololu = 0xAA, device number,
 * command byte with its MSB cleared, data. §5.d: with CRC, one more byte, the CRC-7 of all of it.
 * Throws DriverCodecError (MAESTRO_*) for a value the Maestro cannot be sent.
 */
export function encodeMaestroCommand(command: MaestroCommand, framing: MaestroFraming): Buffer {
  checkFraming(framing);
  const spec = MAESTRO_COMMANDS[command.command];
  if (spec.miniOnly && framing.channels === 6) {
    throw new DriverCodecError('MAESTRO_NOT_ON_THIS_MODEL', `${command.command} on a Micro Maestro 6`);
  }
  const data = dataBytes(command, framing);
  const head =
    framing.protocol === 'pololu'
      ? [
          POLOLU_PROTOCOL_START,
          framing.deviceNumber ?? MAESTRO_DEFAULT_DEVICE_NUMBER,
          spec.compactByte & 0x7f,
        ]
      : [spec.compactByte];
  const body = [...head, ...data];
  const packet = Buffer.alloc(body.length + (framing.crc ? 1 : 0));
  packet.set(body);
  if (framing.crc) packet[body.length] = maestroCrc7(packet, 0, body.length);
  return packet;
}

/** How many reply bytes the Maestro sends after `command` (§5.e; replies are raw, never CRC'd: §5.d). */
export function maestroReplyBytes(command: MaestroCommand['command']): number {
  return MAESTRO_COMMANDS[command].replyBytes;
}
