// One direction of the simulated serial cable: bytes cross it no faster than baud/10 bytes/s
// (§Physical layer: 8N1 is 10 bits a byte), after an optional extra latency, in order.
// Timing is computed on the wire's own schedule, so late timers never slow the line down.

import { asMonotonicMs, type Clock } from '@servo-edge/common/clock';
import { BITS_PER_UART_BYTE } from '@servo-edge/firmware-protocol';

interface InFlight {
  bytes: Buffer;
  /** When the first bit of this chunk went on the wire. */
  startMs: number;
  latencyMs: number;
  delivered: number;
}

export interface PacedPipeOptions {
  clock: Clock;
  baud: number;
  pacing: boolean;
  /** Latency added to each write, read at write time. */
  extraLatencyMs(): number;
  deliver(bytes: Buffer): void;
  /** Largest piece handed to deliver() at once: a UART FIFO / USB packet, not a whole backlog. */
  maxChunkBytes?: number;
}

export class PacedPipe {
  private readonly queue: InFlight[] = [];
  private readonly byteMs: number;
  private readonly maxChunkBytes: number;
  private wireFreeAtMs = 0;
  private cancelTimer: (() => void) | undefined;
  private timerAtMs: number | undefined;
  private pending = 0;
  private drainWaiters: (() => void)[] = [];
  private closed = false;

  constructor(private readonly opts: PacedPipeOptions) {
    this.byteMs = opts.pacing ? (BITS_PER_UART_BYTE * 1000) / opts.baud : 0;
    this.maxChunkBytes = opts.maxChunkBytes ?? 64;
  }

  /** Bytes written and not yet delivered. */
  get pendingBytes(): number {
    return this.pending;
  }

  /** Wire time still owed by the bytes already written, in ms (0 when idle or unpaced). */
  backlogMs(): number {
    return Math.max(0, this.wireFreeAtMs - this.opts.clock.monotonicMs());
  }

  write(bytes: Buffer): void {
    if (this.closed || bytes.length === 0) return;
    const now = this.opts.clock.monotonicMs();
    const startMs = Math.max(now, this.wireFreeAtMs);
    this.wireFreeAtMs = startMs + bytes.length * this.byteMs;
    this.queue.push({ bytes, startMs, latencyMs: this.opts.extraLatencyMs(), delivered: 0 });
    this.pending += bytes.length;
    this.arm();
  }

  /** Discards everything in flight (a cable pulled, a port flushed). */
  flush(): void {
    this.queue.length = 0;
    this.pending = 0;
    this.wireFreeAtMs = 0;
    this.disarm();
    this.resolveDrained();
  }

  /** Resolves once every byte written so far has been delivered (or discarded). */
  drained(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  close(): void {
    this.closed = true;
    this.flush();
  }

  private completedAtMs(entry: InFlight, byteCount: number): number {
    return entry.startMs + entry.latencyMs + byteCount * this.byteMs;
  }

  private pump = (): void => {
    this.cancelTimer = undefined;
    this.timerAtMs = undefined;
    const now = this.opts.clock.monotonicMs();
    const out: Buffer[] = [];
    let budget = this.maxChunkBytes;
    while (this.queue.length > 0 && budget > 0) {
      const entry = this.queue[0]!;
      const remaining = entry.bytes.length - entry.delivered;
      let done: number;
      if (this.byteMs === 0) {
        done = now >= entry.startMs + entry.latencyMs ? remaining : 0;
      } else {
        // Bytes of this entry fully on the far side by now (a small epsilon absorbs float error).
        const crossed = Math.floor((now - entry.startMs - entry.latencyMs) / this.byteMs + 1e-9);
        done = Math.max(0, Math.min(entry.bytes.length, crossed) - entry.delivered);
      }
      done = Math.min(done, budget);
      if (done <= 0) break;
      out.push(entry.bytes.subarray(entry.delivered, entry.delivered + done));
      entry.delivered += done;
      budget -= done;
      if (entry.delivered === entry.bytes.length) this.queue.shift();
      else if (done < remaining) break;
    }
    if (out.length > 0) {
      const chunk = out.length === 1 ? out[0]! : Buffer.concat(out);
      this.pending -= chunk.length;
      this.opts.deliver(chunk);
    }
    if (this.pending === 0) this.resolveDrained();
    this.arm();
  };

  private arm(): void {
    const entry = this.queue[0];
    if (!entry || this.closed) return;
    const target = Math.min(entry.delivered + this.maxChunkBytes, entry.bytes.length);
    // Deliver at the latest when a full chunk has crossed, sooner if the entry ends first.
    const atMs = this.byteMs === 0 ? entry.startMs + entry.latencyMs : this.completedAtMs(entry, target);
    if (this.timerAtMs !== undefined && this.timerAtMs <= atMs) return;
    this.disarm();
    this.timerAtMs = atMs;
    this.cancelTimer = this.opts.clock.schedule(asMonotonicMs(atMs), this.pump);
  }

  private disarm(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.timerAtMs = undefined;
  }

  private resolveDrained(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
