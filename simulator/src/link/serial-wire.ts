// The wire half of every simulated link: two PacedPipes (one per direction, paced at the baud rate),
// the byte faults on them, the one host attachment, and the cable's plug state. The device half (a
// servo-edge controller, a Maestro model, a Dynamixel bus) gets the bytes that crossed toward it and
// hands back what it sends; it never sees the host or the transport.

import type { Clock } from '@servo-edge/common/clock';
import { seededRandom } from '@servo-edge/firmware-protocol/testing';
import { checkLineFaults } from '../config.js';
import { SimulatorError } from '../errors.js';
import type { Attachment, FaultCounts, HostEndpoint, LinkFaultInjector } from '../types.js';
import { damageBytes, garbage, type LineFaultState, type WireDirection } from './line-faults.js';
import { PacedPipe } from './paced-pipe.js';

/** Where the device is in its life: a port can be opened only while it is on. */
export type DevicePower = 'off' | 'on' | 'closed';

export interface SerialWireOptions {
  /** The link's path, for error details. */
  path: string;
  clock: Clock;
  baud: number;
  pacing: boolean;
  /** The initial line faults (copied; changed at run time through the fault injector). */
  faults: LineFaultState;
  /** Seeds the line's damage and garbage. */
  seed: number;
  /** Bytes that crossed the wire to the device. */
  receive(bytes: Buffer): void;
  power(): DevicePower;
}

export class SerialWire {
  readonly lineFaults: LineFaultState;
  readonly counts: FaultCounts = {
    corrupted: 0,
    dropped: 0,
    duplicated: 0,
    withheldReplies: 0,
    garbageBytes: 0,
  };
  private readonly random;
  private readonly toDevice: PacedPipe;
  private readonly toHost: PacedPipe;
  private readonly plugListeners = new Set<(pluggedIn: boolean) => void>();
  private attachment: WireAttachment | undefined;
  private plugged = true;
  private closed = false;
  private withholdReplies = 0;

  constructor(private readonly opts: SerialWireOptions) {
    this.lineFaults = { ...opts.faults };
    this.random = seededRandom(opts.seed);
    const extraLatencyMs = () => this.lineFaults.extraLatencyMs;
    const pipe = { clock: opts.clock, baud: opts.baud, pacing: opts.pacing, extraLatencyMs };
    this.toDevice = new PacedPipe({
      ...pipe,
      deliver: (bytes) => {
        if (!this.closed) opts.receive(bytes);
      },
    });
    this.toHost = new PacedPipe({ ...pipe, deliver: (bytes) => this.attachment?.host.deliver(bytes) });
  }

  get pluggedIn(): boolean {
    return this.plugged;
  }

  /** Wire time still owed toward the host, ms (0 when idle or unpaced). */
  toHostBacklogMs(): number {
    return this.toHost.backlogMs();
  }

  get toHostPendingBytes(): number {
    return this.toHost.pendingBytes;
  }

  /**
   * Bytes from the device onto the wire toward the host, damaged by the line faults. A `reply` is lost
   * instead if the fault injector withholds the next reply (the device did act on the command).
   */
  sendToHost(bytes: Buffer, reply: boolean): void {
    if (reply && this.withholdReplies > 0) {
      this.withholdReplies--;
      this.counts.withheldReplies++;
      return;
    }
    this.toHost.write(damageBytes(bytes, 'toHost', this.lineFaults, this.random, this.counts));
  }

  /** Bytes in flight toward the device are lost (a power cycle: the device's receiver restarts). */
  flushToDevice(): void {
    this.toDevice.flush();
  }

  attach(host: HostEndpoint): Attachment {
    const power = this.opts.power();
    if (power === 'closed') {
      throw new SimulatorError('SIM_PORT_NOT_FOUND', `${this.opts.path} is closed`, { errno: 'ENOENT' });
    }
    if (power === 'off' || !this.plugged) {
      throw new SimulatorError('SIM_PORT_NOT_FOUND', `cannot open ${this.opts.path}`, { errno: 'ENOENT' });
    }
    if (this.attachment) throw new SimulatorError('SIM_PORT_LOCKED', this.opts.path, { errno: 'EBUSY' });
    const attachment = new WireAttachment(this, host);
    this.attachment = attachment;
    return attachment;
  }

  onPlugChange(listener: (pluggedIn: boolean) => void): () => void {
    this.plugListeners.add(listener);
    return () => this.plugListeners.delete(listener);
  }

  /** The host sees a disconnect; the pipes stop; listeners are dropped. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.dropAttachment();
    this.toDevice.close();
    this.toHost.close();
    this.plugListeners.clear();
  }

  /**
   * The fault injector every link has: the line's rates as checked properties, withheld replies,
   * garbage, unplug and replug, and the device's own `reboot`; `extras` adds the device's own faults.
   */
  faultInjector<E extends object>(reboot: () => void, extras: E): LinkFaultInjector & E {
    const wire = this;
    const line = this.lineFaults;
    const rate = (name: 'corruptRate' | 'dropRate' | 'duplicateRate' | 'extraLatencyMs') => ({
      get: () => line[name],
      set: (value: number) => {
        checkLineFaults({ [name]: value });
        line[name] = value;
      },
      enumerable: true,
    });
    const injector = {
      get counts() {
        return { ...wire.counts };
      },
      withholdNextReply() {
        wire.withholdReplies++;
      },
      garbageBurst(bytes: number, direction: WireDirection = 'toHost') {
        wire.garbageBurst(bytes, direction);
      },
      reboot,
      unplug() {
        wire.unplug();
      },
      replug() {
        wire.replug();
      },
      ...extras,
    } as LinkFaultInjector & E;
    Object.defineProperties(injector, {
      corruptRate: rate('corruptRate'),
      dropRate: rate('dropRate'),
      duplicateRate: rate('duplicateRate'),
      extraLatencyMs: rate('extraLatencyMs'),
      direction: {
        get: () => line.direction,
        set: (value: LineFaultState['direction']) => {
          checkLineFaults({ direction: value });
          line.direction = value;
        },
        enumerable: true,
      },
    });
    return injector;
  }

  // ---- used by WireAttachment ----

  /** @internal */
  hostWrite(from: WireAttachment, bytes: Buffer): void {
    if (from !== this.attachment || this.closed) return;
    this.toDevice.write(damageBytes(bytes, 'toDevice', this.lineFaults, this.random, this.counts));
  }
  /** @internal */
  pendingToDevice(): number {
    return this.toDevice.pendingBytes;
  }
  /** @internal */
  toDeviceDrained(): Promise<void> {
    return this.toDevice.drained();
  }
  /** @internal */
  flushLine(): void {
    this.toDevice.flush();
    this.toHost.flush();
  }
  /** @internal */
  release(from: WireAttachment): void {
    if (from === this.attachment) this.attachment = undefined;
  }
  /** @internal */
  isAttached(from: WireAttachment): boolean {
    return from === this.attachment;
  }

  // ---- internals ----

  private garbageBurst(bytes: number, direction: WireDirection): void {
    if (!Number.isInteger(bytes) || bytes < 0) {
      throw new SimulatorError('SIM_INVALID_ARGUMENT', `garbageBurst(${bytes})`);
    }
    this.counts.garbageBytes += bytes;
    const junk = garbage(bytes, direction, this.random);
    if (direction === 'toHost') this.toHost.write(junk);
    else if (this.attachment) this.toDevice.write(junk);
  }

  private unplug(): void {
    if (!this.plugged || this.closed) return;
    this.plugged = false;
    this.dropAttachment();
    for (const listener of [...this.plugListeners]) listener(false);
  }

  private replug(): void {
    if (this.plugged || this.closed) return;
    this.plugged = true;
    for (const listener of [...this.plugListeners]) listener(true);
  }

  private dropAttachment(): void {
    const attachment = this.attachment;
    this.attachment = undefined;
    this.flushLine();
    attachment?.host.unplugged();
  }
}

class WireAttachment implements Attachment {
  constructor(
    private readonly wire: SerialWire,
    readonly host: HostEndpoint,
  ) {}

  get attached(): boolean {
    return this.wire.isAttached(this);
  }
  get pendingToDeviceBytes(): number {
    return this.attached ? this.wire.pendingToDevice() : 0;
  }
  write(bytes: Buffer): void {
    this.wire.hostWrite(this, bytes);
  }
  drained(): Promise<void> {
    return this.attached ? this.wire.toDeviceDrained() : Promise.resolve();
  }
  flush(): void {
    if (this.attached) this.wire.flushToDevice();
  }
  detach(): void {
    if (!this.attached) return;
    this.wire.flushLine();
    this.wire.release(this);
  }
}
