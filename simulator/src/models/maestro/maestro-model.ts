// A simulated Pololu Maestro (Micro 6, Mini 12/18/24) as seen from its USB Command Port: it executes
// the compact and the Pololu protocol (optionally with CRC-7), moves its channels under their speed and
// acceleration limits, answers Get Position / Get Moving State / Get Errors, and on every serial error
// sets the error bit and sends every servo to its home setting.
// Source: Pololu Maestro Servo Controller User's Guide (0J40) §4.b Errors and Channel Settings, §5.a
// Serial Settings, §5.c–5.e. Time comes from the common Clock, so tests step it.
//
// Choices where the guide is silent, kept deliberately simple and listed in models/README.md:
// - a channel number the Maestro does not have, and a data byte outside a packet, are protocol errors;
// - an acceleration above 255 is taken as 255 (the guide's range);
// - the serial timeout fires once per silence: a valid command re-arms it;
// - the Micro Maestro's Get Moving State bug ("could make this command return 0 when it should return
//   1", §5.e) is modelled as: while a servo moves, every other query answers 0;
// - commands this model does not implement (PWM, scripts, Mini SSC) are unknown: protocol errors.

import type { Clock, MonotonicMs } from '@servo-edge/common/clock';
import { SimulatorError } from '../../errors.js';
import { MaestroCommandReader, type MaestroReadEvent } from './command-reader.js';
import {
  DEFAULT_MAESTRO_CHANNEL_SETTINGS,
  MAESTRO_UPDATE_MS,
  type MaestroChannelSettings,
  MaestroServoChannel,
} from './servo-channel.js';

/** §4.b Errors: the error register's bits. */
export const MAESTRO_MODEL_ERROR_BITS = {
  SERIAL_SIGNAL: 0,
  SERIAL_OVERRUN: 1,
  SERIAL_BUFFER_FULL: 2,
  SERIAL_CRC: 3,
  SERIAL_PROTOCOL: 4,
  SERIAL_TIMEOUT: 5,
  SCRIPT_STACK: 6,
  SCRIPT_CALL_STACK: 7,
  SCRIPT_PROGRAM_COUNTER: 8,
} as const;

export type MaestroModelError = keyof typeof MAESTRO_MODEL_ERROR_BITS;

/**
 * §5.a Serial Settings. In the UART modes (the factory one is "UART, detect baud rate") commands are
 * taken on the TX/RX pins only and "bytes sent from the Command Port will be ignored"; this model is
 * the Command Port, so it then ignores everything it is sent.
 */
export type MaestroSerialMode = 'usbDualPort' | 'usbChained' | 'uartDetectBaudRate' | 'uartFixedBaudRate';

export interface MaestroModelOptions {
  clock: Clock;
  /** Bytes toward the host (the answers to Get commands). */
  write(bytes: Uint8Array): void;
  /** 6 (Micro Maestro), 12, 18 or 24 (Mini Maestros). Default 6. */
  channels?: 6 | 12 | 18 | 24;
  /** Pololu protocol device number, 0..127. Default 12 (§5.a). */
  deviceNumber?: number;
  /** "Enable CRC" (§5.d). Default false. */
  crc?: boolean;
  /** Default usbDualPort, so the simulator answers out of the box; a real Maestro ships in uartDetectBaudRate. */
  serialMode?: MaestroSerialMode;
  /** §5.a serial timeout; 0 (default) disables it. */
  serialTimeoutMs?: number;
  /** Per-channel settings (index = channel); missing entries take the factory defaults. */
  channelSettings?: readonly Partial<MaestroChannelSettings>[];
  /** Model the Micro Maestro's Get Moving State bug. Default true on 6 channels. */
  movingStateBug?: boolean;
}

export interface MaestroChannelSnapshot {
  channel: number;
  positionQuarterUs: number;
  targetQuarterUs: number;
  speed: number;
  acceleration: number;
  moving: boolean;
}

export class MaestroModel {
  readonly channels: number;
  readonly serialMode: MaestroSerialMode;
  private readonly clock: Clock;
  private readonly write: (bytes: Uint8Array) => void;
  private readonly servos: MaestroServoChannel[];
  private readonly reader: MaestroCommandReader;
  private readonly serialTimeoutMs: number;
  private readonly movingStateBug: boolean;
  private errorRegister = 0;
  /** The instant of the last 10 ms update applied. */
  private updatedAtMs = 0;
  private cancelTimeout: (() => void) | undefined;
  private movingStateQueries = 0;
  private started = false;
  private closed = false;

  constructor(options: MaestroModelOptions) {
    const channels = options.channels ?? 6;
    if (![6, 12, 18, 24].includes(channels)) {
      throw new SimulatorError(
        'SIM_INVALID_ARGUMENT',
        `a Maestro has 6, 12, 18 or 24 channels, not ${channels}`,
      );
    }
    const deviceNumber = options.deviceNumber ?? 12;
    if (!Number.isInteger(deviceNumber) || deviceNumber < 0 || deviceNumber > 127) {
      throw new SimulatorError('SIM_INVALID_ARGUMENT', `device number ${deviceNumber} is not 0..127`);
    }
    const serialTimeoutMs = options.serialTimeoutMs ?? 0;
    if (!(serialTimeoutMs >= 0))
      throw new SimulatorError('SIM_INVALID_ARGUMENT', `serialTimeoutMs ${serialTimeoutMs}`);
    this.channels = channels;
    this.clock = options.clock;
    this.write = options.write;
    this.serialMode = options.serialMode ?? 'usbDualPort';
    this.serialTimeoutMs = serialTimeoutMs;
    this.movingStateBug = options.movingStateBug ?? channels === 6;
    this.servos = Array.from(
      { length: channels },
      (_, i) =>
        new MaestroServoChannel({ ...DEFAULT_MAESTRO_CHANNEL_SETTINGS, ...options.channelSettings?.[i] }),
    );
    this.reader = new MaestroCommandReader({
      deviceNumber,
      crc: options.crc ?? false,
      hasSetMultipleTargets: channels !== 6,
    });
  }

  /** Powers the Maestro on: every channel takes its start-up setting. No timers before this. Idempotent. */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    this.powerOn();
  }

  /** Stops its timer. Idempotent. */
  close(): void {
    this.closed = true;
    this.cancelTimeout?.();
    this.cancelTimeout = undefined;
  }

  /** A power cycle: settings from flash, error register cleared, servos at their start-up setting. */
  reboot(): void {
    if (!this.started || this.closed) return;
    this.powerOn();
  }

  /** Bytes from the host, as the Maestro receives them. */
  receive(bytes: Uint8Array): void {
    if (!this.started || this.closed) return;
    if (this.serialMode === 'uartDetectBaudRate' || this.serialMode === 'uartFixedBaudRate') return;
    this.advance();
    for (const byte of bytes) this.reader.push(byte, (event) => this.handle(event));
  }

  /** A hardware-level serial error the host cannot cause with bytes alone (fault injection). */
  injectError(error: 'SERIAL_SIGNAL' | 'SERIAL_OVERRUN' | 'SERIAL_BUFFER_FULL'): void {
    if (!this.started || this.closed) return;
    this.advance();
    this.raise(error);
  }

  /** The error register as Get Errors would answer it now (without clearing it). */
  get errors(): number {
    return this.errorRegister;
  }

  channel(channel: number): MaestroChannelSnapshot {
    const servo = this.servos[channel];
    if (!servo)
      throw new SimulatorError(
        'SIM_NO_SUCH_AXIS',
        `channel ${channel} of a ${this.channels}-channel Maestro`,
      );
    this.advance();
    return {
      channel,
      positionQuarterUs: servo.positionQuarterUs,
      targetQuarterUs: servo.targetQuarterUs,
      speed: servo.speed,
      acceleration: servo.acceleration,
      moving: servo.moving,
    };
  }

  private powerOn(): void {
    this.errorRegister = 0;
    this.movingStateQueries = 0;
    this.reader.reset();
    this.updatedAtMs = this.clock.monotonicMs();
    for (const servo of this.servos) servo.powerOn();
    this.armTimeout();
  }

  /** Applies the 10 ms updates due by now. */
  private advance(): void {
    const now = this.clock.monotonicMs();
    while (this.updatedAtMs + MAESTRO_UPDATE_MS <= now) {
      if (!this.servos.some((servo) => servo.moving)) {
        // Nothing changes while every channel sits at its target: skip to the last update due.
        this.updatedAtMs += Math.floor((now - this.updatedAtMs) / MAESTRO_UPDATE_MS) * MAESTRO_UPDATE_MS;
        break;
      }
      this.updatedAtMs += MAESTRO_UPDATE_MS;
      for (const servo of this.servos) servo.update();
    }
  }

  private handle(event: MaestroReadEvent): void {
    if (event.kind === 'protocolError') {
      this.raise('SERIAL_PROTOCOL');
      return;
    }
    if (event.kind === 'crcError') {
      this.raise('SERIAL_CRC');
      return;
    }
    const { command, data } = event;
    const fourteen = (at: number) => data[at]! | (data[at + 1]! << 7);
    const servo = (channel: number) => this.servos[channel];
    switch (command) {
      case 'setTarget':
      case 'setSpeed':
      case 'setAcceleration':
      case 'getPosition': {
        const target = servo(data[0]!);
        if (!target) {
          this.raise('SERIAL_PROTOCOL');
          return;
        }
        if (command === 'setTarget') target.setTarget(fourteen(1));
        else if (command === 'setSpeed') target.speed = fourteen(1);
        else if (command === 'setAcceleration') target.acceleration = Math.min(255, fourteen(1));
        else {
          const position = Math.round(target.positionQuarterUs);
          this.write(Uint8Array.of(position & 0xff, (position >> 8) & 0xff));
        }
        break;
      }
      case 'setMultipleTargets': {
        const count = data[0]!;
        const first = data[1]!;
        if (count === 0 || first + count > this.channels) {
          this.raise('SERIAL_PROTOCOL');
          return;
        }
        for (let i = 0; i < count; i++) servo(first + i)!.setTarget(fourteen(2 + 2 * i));
        break;
      }
      case 'getMovingState': {
        let moving = this.servos.some((s) => s.moving);
        if (moving && this.movingStateBug && this.movingStateQueries++ % 2 === 1) moving = false;
        this.write(Uint8Array.of(moving ? 1 : 0));
        break;
      }
      case 'getErrors':
        this.write(Uint8Array.of(this.errorRegister & 0xff, (this.errorRegister >> 8) & 0xff));
        this.errorRegister = 0;
        break;
      case 'goHome':
        for (const s of this.servos) s.goHome();
        break;
    }
    this.armTimeout();
  }

  /** §4.b Errors: set the bit, and send every servo to its home setting. */
  private raise(error: MaestroModelError): void {
    this.errorRegister |= 1 << MAESTRO_MODEL_ERROR_BITS[error];
    for (const servo of this.servos) servo.goHome();
  }

  private armTimeout(): void {
    this.cancelTimeout?.();
    this.cancelTimeout = undefined;
    if (this.serialTimeoutMs <= 0 || this.closed) return;
    const due = (this.clock.monotonicMs() + this.serialTimeoutMs) as MonotonicMs;
    this.cancelTimeout = this.clock.schedule(due, () => {
      this.cancelTimeout = undefined;
      this.advance();
      this.raise('SERIAL_TIMEOUT');
    });
  }
}

export function createMaestroModel(options: MaestroModelOptions): MaestroModel {
  return new MaestroModel(options);
}
