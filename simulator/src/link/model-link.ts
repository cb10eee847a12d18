// A device model of a real controller (a Pololu Maestro, a Dynamixel bus) at the end of a simulated
// serial cable: the same SerialWire as a servo-edge controller (pacing at the baud rate, line faults,
// one attachment, unplug and replug), so the binding, the registry and the pty server serve it alike.
// The model is pure (bytes in, bytes out, time from the clock); this class only powers it and wires it.

import type { Clock } from '@servo-edge/common/clock';
import type { SimModel } from '@servo-edge/firmware-protocol';
import { SimulatorError } from '../errors.js';
import type { Attachment, HostEndpoint, LinkFaultInjector, LinkStatus, SimulatedLink } from '../types.js';
import type { ResolvedLinkConfig } from './model-link-options.js';
import { SerialWire } from './serial-wire.js';

/** What a link needs of a device model. */
export interface DeviceHooks<D> {
  /** Creates the model; `write` puts its bytes on the wire toward the host. No I/O, no timers. */
  create(write: (bytes: Uint8Array) => void): D;
  /** Powers it on (arms its timers). */
  start(device: D): void;
  /** Cancels its timers. */
  close(device: D): void;
  /** A power cycle: what survives is the model's business (flash, EEPROM). */
  powerCycle(device: D): void;
  /** Bytes that crossed the wire to it. */
  receive(device: D, bytes: Uint8Array): void;
}

/** The models a ModelLink carries (a servo-edge controller has its own class, controller.ts). */
export type DeviceModelName = Exclude<SimModel, 'servo-edge'>;

export interface ModelLinkOptions<M extends DeviceModelName, D, E extends object> {
  model: M;
  config: ResolvedLinkConfig;
  clock: Clock;
  device: DeviceHooks<D>;
  /** The device's own fault injection, beside the line's (serial errors, hardware errors). */
  extraFaults(device: D, link: ModelLink<M, D, E>): E;
}

export class ModelLink<M extends DeviceModelName, D, E extends object> implements SimulatedLink {
  readonly model: M;
  readonly id: string;
  readonly path: string;
  readonly baud: number;
  readonly pacing: boolean;
  readonly clock: Clock;
  readonly faults: LinkFaultInjector & E;
  /** The device model, for test readback and device-level fault injection. */
  readonly device: D;
  private readonly hooks: DeviceHooks<D>;
  private readonly wire: SerialWire;
  private started = false;
  private closed = false;
  private bootCount = 0;

  constructor(options: ModelLinkOptions<M, D, E>) {
    const { config } = options;
    this.model = options.model;
    this.id = config.id;
    this.path = config.path;
    this.baud = config.baud;
    this.pacing = config.pacing;
    this.clock = options.clock;
    this.hooks = options.device;
    this.wire = new SerialWire({
      path: config.path,
      clock: options.clock,
      baud: config.baud,
      pacing: config.pacing,
      faults: config.faults,
      seed: config.seed,
      receive: (bytes) => {
        if (this.powered) this.hooks.receive(this.device, bytes);
      },
      power: () => (this.closed ? 'closed' : this.started ? 'on' : 'off'),
    });
    // Every answer of these devices is a reply: withholdNextReply() loses the next one, whatever it is.
    this.device = this.hooks.create((bytes) => this.wire.sendToHost(Buffer.from(bytes), true));
    this.faults = this.wire.faultInjector(() => this.reboot(), options.extraFaults(this.device, this));
  }

  /** Started and not closed: the device runs. */
  get powered(): boolean {
    return this.started && !this.closed;
  }

  get status(): LinkStatus {
    return {
      started: this.started,
      closed: this.closed,
      pluggedIn: this.wire.pluggedIn,
      bootCount: this.bootCount,
    };
  }

  async start(): Promise<void> {
    if (this.closed) throw new SimulatorError('SIM_CONTROLLER_CLOSED', this.path);
    if (this.started) return;
    this.started = true;
    this.bootCount++;
    this.hooks.start(this.device);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.hooks.close(this.device);
    this.wire.close();
  }

  attach(host: HostEndpoint): Attachment {
    return this.wire.attach(host);
  }

  onPlugChange(listener: (pluggedIn: boolean) => void): () => void {
    return this.wire.onPlugChange(listener);
  }

  private reboot(): void {
    if (!this.powered) return;
    this.wire.flushToDevice();
    this.bootCount++;
    this.hooks.powerCycle(this.device);
  }
}
