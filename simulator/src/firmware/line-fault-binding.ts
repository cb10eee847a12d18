// Line faults for a device behind a real serial path (the firmware's pty): a serialport binding that
// wraps another and damages the bytes crossing it, as the simulator's own cable does
// (link/line-faults.ts): bit flips, drops and duplicates each way, a withheld reply, garbage bursts.
// The device at the far end is untouched; only the wire between it and the host is.

import type { Random } from '@servo-edge/firmware-protocol/testing';
import type { BindingInterface, BindingPortInterface, OpenOptions } from '../binding/serialport-types.js';
import { damageBytes, garbage, type LineFaultState } from '../link/line-faults.js';
import type { FaultCounts } from '../types.js';

const LF = 0x0a;

/** The knobs and counters of one faulty wire; rates are read at every read and write. */
export class LineFaults implements LineFaultState {
  corruptRate = 0;
  dropRate = 0;
  duplicateRate = 0;
  /** Not applied on a real path: the pty's timing is the device's. Kept for the FaultInjector shape. */
  extraLatencyMs = 0;
  direction: LineFaultState['direction'] = 'both';
  readonly counts: FaultCounts = {
    corrupted: 0,
    dropped: 0,
    duplicated: 0,
    withheldReplies: 0,
    garbageBytes: 0,
  };
  /** Replies still to withhold; garbage still to deliver to the host. */
  withholdReplies = 0;
  pendingGarbageToHost = Buffer.alloc(0);
  /** Set by the binding while a port is open: writes garbage toward the device. */
  writeToDevice: ((bytes: Buffer) => void) | undefined;

  constructor(readonly random: Random) {}

  /** The next reply line from the device is lost on the wire (the device did act on the command). */
  withholdNextReply(): void {
    this.withholdReplies++;
  }

  /** `bytes` random bytes on the line (toward the device, never a stop byte: see line-faults.ts). */
  garbageBurst(bytes: number, direction: 'toHost' | 'toDevice' = 'toHost'): void {
    const burst = garbage(bytes, direction, this.random);
    this.counts.garbageBytes += bytes;
    if (direction === 'toHost') this.pendingGarbageToHost = Buffer.concat([this.pendingGarbageToHost, burst]);
    else this.writeToDevice?.(burst);
  }
}

class FaultyPort implements BindingPortInterface {
  private pending = Buffer.alloc(0);
  private readonly scratch = Buffer.alloc(1024);
  /** Where the device's output stands for withholding: at the start of a line, or inside a withheld one. */
  private atLineStart = true;
  private withholding = false;

  constructor(
    private readonly inner: BindingPortInterface,
    private readonly faults: LineFaults,
  ) {
    faults.writeToDevice = (bytes) => {
      void inner.write(bytes).catch(() => {});
    };
  }

  get openOptions(): Required<OpenOptions> {
    return this.inner.openOptions;
  }
  get isOpen(): boolean {
    return this.inner.isOpen;
  }
  set isOpen(open: boolean) {
    this.inner.isOpen = open;
  }

  async read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
    // A binding returns at least one byte: read on until the damage leaves some.
    while (this.pending.length === 0) {
      const { bytesRead } = await this.inner.read(this.scratch, 0, this.scratch.length);
      const clean = this.withhold(this.scratch.subarray(0, bytesRead));
      const damaged = damageBytes(clean, 'toHost', this.faults, this.faults.random, this.faults.counts);
      this.pending = Buffer.concat([this.faults.pendingGarbageToHost, damaged]);
      this.faults.pendingGarbageToHost = Buffer.alloc(0);
    }
    const count = Math.min(length, this.pending.length);
    this.pending.copy(buffer, offset, 0, count);
    this.pending = this.pending.subarray(count);
    return { buffer, bytesRead: count };
  }

  write(buffer: Buffer): Promise<void> {
    return this.inner.write(
      damageBytes(buffer, 'toDevice', this.faults, this.faults.random, this.faults.counts),
    );
  }

  close(): Promise<void> {
    this.faults.writeToDevice = undefined;
    return this.inner.close();
  }
  update(options: Parameters<BindingPortInterface['update']>[0]) {
    return this.inner.update(options);
  }
  set(options: Parameters<BindingPortInterface['set']>[0]) {
    return this.inner.set(options);
  }
  get() {
    return this.inner.get();
  }
  getBaudRate() {
    return this.inner.getBaudRate();
  }
  flush() {
    return this.inner.flush();
  }
  drain() {
    return this.inner.drain();
  }

  /** Drops whole reply lines (`<seq> ...`, a digit first) while replies are to be withheld. */
  private withhold(bytes: Buffer): Buffer {
    if (this.faults.withholdReplies === 0 && !this.withholding) {
      if (bytes.length > 0) this.atLineStart = bytes[bytes.length - 1] === LF;
      return Buffer.from(bytes);
    }
    const kept: number[] = [];
    for (const byte of bytes) {
      if (
        this.atLineStart &&
        !this.withholding &&
        this.faults.withholdReplies > 0 &&
        byte >= 0x30 &&
        byte <= 0x39
      ) {
        this.withholding = true;
        this.faults.withholdReplies--;
        this.faults.counts.withheldReplies++;
      }
      if (!this.withholding) kept.push(byte);
      if (byte === LF) this.withholding = false;
      this.atLineStart = byte === LF;
    }
    return Buffer.from(kept);
  }
}

/** `inner` with `faults` on every port it opens. */
export function createLineFaultBinding(inner: BindingInterface, faults: LineFaults): BindingInterface {
  return {
    list: () => inner.list(),
    async open(options) {
      return new FaultyPort(await inner.open(options), faults);
    },
  };
}
