// How a Maestro reads its serial input, byte by byte (Pololu Maestro Servo Controller User's Guide
// §5.c Command Protocols, §5.d CRC): a byte with its MSB set starts a command; 0xAA starts a Pololu
// protocol packet whose next byte is the device number and the one after the command with its MSB
// cleared; a packet for another device number is ignored up to the next command byte. A command byte
// that interrupts an unfinished packet, or a command byte the Maestro does not know, is a serial protocol
// error (§4.b Errors, bit 4); with CRC enabled, a wrong CRC byte is a serial CRC error (bit 3) and the
// packet is ignored. Written apart from motion-api's codec on purpose: this is its test oracle (STYLE.md
// lesson 16).

import { crc7 } from './crc7.js';

/** The commands this model executes, by compact command byte (§5.e). */
export const MAESTRO_MODEL_COMMANDS = {
  132: 'setTarget',
  159: 'setMultipleTargets',
  135: 'setSpeed',
  137: 'setAcceleration',
  144: 'getPosition',
  147: 'getMovingState',
  161: 'getErrors',
  162: 'goHome',
} as const;

export type MaestroModelCommand = (typeof MAESTRO_MODEL_COMMANDS)[keyof typeof MAESTRO_MODEL_COMMANDS];

/** Data bytes after the command byte; Set Multiple Targets' count comes from its first data byte. */
function dataLength(command: MaestroModelCommand, data: readonly number[]): number | undefined {
  switch (command) {
    case 'setTarget':
    case 'setSpeed':
    case 'setAcceleration':
      return 3;
    case 'getPosition':
      return 1;
    case 'setMultipleTargets':
      return data.length === 0 ? undefined : 2 + 2 * data[0]!;
    default:
      return 0;
  }
}

export type MaestroReadEvent =
  | { kind: 'command'; command: MaestroModelCommand; data: readonly number[] }
  | { kind: 'protocolError' }
  | { kind: 'crcError' };

interface Pending {
  /** The bytes of the packet so far, for the CRC: 0xAA and the device number included. */
  packet: number[];
  command: MaestroModelCommand | undefined;
  data: number[];
  /** Pololu protocol: waiting for the device number, then for the command byte. */
  stage: 'device' | 'command' | 'data' | 'crc';
}

export class MaestroCommandReader {
  private pending: Pending | undefined;
  /** A Pololu packet for another device is skipped up to the next command byte. */
  private skipping = false;

  constructor(
    private readonly options: {
      deviceNumber: number;
      crc: boolean;
      /** Set Multiple Targets exists on the Mini Maestros only. */
      hasSetMultipleTargets: boolean;
    },
  ) {}

  push(byte: number, emit: (event: MaestroReadEvent) => void): void {
    if (byte & 0x80) {
      this.skipping = false;
      if (this.pending) emit({ kind: 'protocolError' });
      this.pending = undefined;
      if (byte === 0xaa) {
        this.pending = { packet: [byte], command: undefined, data: [], stage: 'device' };
        return;
      }
      const command = this.commandOf(byte);
      if (!command) {
        emit({ kind: 'protocolError' });
        return;
      }
      this.pending = { packet: [byte], command, data: [], stage: 'data' };
      this.completeIfDone(emit);
      return;
    }
    if (this.skipping) return;
    const pending = this.pending;
    if (!pending) {
      // A data byte with no command to belong to.
      emit({ kind: 'protocolError' });
      return;
    }
    pending.packet.push(byte);
    switch (pending.stage) {
      case 'device':
        if (byte !== this.options.deviceNumber) {
          this.pending = undefined;
          this.skipping = true;
          return;
        }
        pending.stage = 'command';
        return;
      case 'command': {
        const command = this.commandOf(byte | 0x80);
        if (!command) {
          this.pending = undefined;
          emit({ kind: 'protocolError' });
          return;
        }
        pending.command = command;
        pending.stage = 'data';
        this.completeIfDone(emit);
        return;
      }
      case 'data':
        pending.data.push(byte);
        this.completeIfDone(emit);
        return;
      case 'crc': {
        this.pending = undefined;
        const expected = crc7(pending.packet.slice(0, -1));
        if (byte !== expected) emit({ kind: 'crcError' });
        else emit({ kind: 'command', command: pending.command!, data: pending.data });
        return;
      }
    }
  }

  /** Forgets a packet in progress (power cycle). */
  reset(): void {
    this.pending = undefined;
    this.skipping = false;
  }

  private commandOf(byte: number): MaestroModelCommand | undefined {
    const command = MAESTRO_MODEL_COMMANDS[byte as keyof typeof MAESTRO_MODEL_COMMANDS];
    if (command === 'setMultipleTargets' && !this.options.hasSetMultipleTargets) return undefined;
    return command;
  }

  private completeIfDone(emit: (event: MaestroReadEvent) => void): void {
    const pending = this.pending!;
    const needed = dataLength(pending.command!, pending.data);
    if (needed === undefined || pending.data.length < needed) return;
    if (this.options.crc) {
      pending.stage = 'crc';
      return;
    }
    this.pending = undefined;
    emit({ kind: 'command', command: pending.command!, data: pending.data });
  }
}
