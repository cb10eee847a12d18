// The request/answer discipline of a device that only speaks when asked (a Pololu Maestro, a Dynamixel
// bus): transactions go out in order; one that expects an answer holds the next until the driver's
// receiver settles it or its deadline passes. Nothing is retried here: the driver decides what may be
// sent again (a read may, a write whose repetition changes its meaning may not). No I/O of its own: it
// writes through the function it is given and times out on the clock it is given.

import type { Clock } from '@servo-edge/common/clock';

/** Why a transaction did not get its answer. */
export class ExchangeError extends Error {
  constructor(
    readonly code: 'EXCHANGE_TIMEOUT' | 'EXCHANGE_LINK_LOST' | 'EXCHANGE_NOT_SENT' | 'EXCHANGE_QUEUE_FULL',
    message: string,
    /** The bytes left for the device (so an unanswered command may have run). */
    readonly sent: boolean,
  ) {
    super(message);
  }
}

export interface TransactionSpec {
  /** What is written. */
  bytes: Buffer;
  /** Whether the device answers; without an answer the transaction settles once written. */
  answered: boolean;
  /** The answer's deadline after the write, ms. */
  timeoutMs?: number;
  /** For messages. */
  what: string;
  /** Called right after the bytes were written (a reader that must know what was asked, in order). */
  onWritten?(): void;
  /**
   * The answers are collected until the deadline (a broadcast Ping: every device answers, how many is
   * not known): the deadline resolves the transaction with undefined instead of failing it.
   */
  collectUntilDeadline?: boolean;
}

interface Pending {
  spec: TransactionSpec;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

export interface ExchangeOptions {
  clock: Clock;
  /** Writes to the current transport; false when no port is open. */
  write(bytes: Buffer): boolean;
  /** Default answer deadline, ms. */
  timeoutMs: number;
  /** The transaction in flight timed out (the driver may have to resynchronise its reader). */
  onTimeout?(what: string): void;
  /** Bounds the queue: beyond it run() refuses with EXCHANGE_NOT_SENT. */
  maxQueued: number;
}

export class Exchange {
  private readonly queue: Pending[] = [];
  private current: Pending | undefined;
  private cancelDeadline: (() => void) | undefined;
  /** Held by the driver while it resynchronises after a timeout: nothing is written. */
  private holdCount = 0;
  private sentAtMs = 0;
  /** Smoothed answer time, ms. */
  rttMs: number | undefined;
  timeouts = 0;
  framesSent = 0;

  constructor(private readonly opts: ExchangeOptions) {}

  /** Transactions written and unanswered plus those waiting. */
  get pending(): number {
    return this.queue.length + (this.current ? 1 : 0);
  }

  /** The transaction awaiting an answer, if any (its spec, for the receiver). */
  get awaiting(): TransactionSpec | undefined {
    return this.current?.spec;
  }

  /**
   * Queues a transaction. Resolves with what settle() is given (undefined for an unanswered one),
   * rejects with ExchangeError: EXCHANGE_TIMEOUT (sent, no answer), EXCHANGE_LINK_LOST (sent or not, as
   * `sent` says), EXCHANGE_NOT_SENT (no port, or dropped), EXCHANGE_QUEUE_FULL.
   */
  run<T = unknown>(spec: TransactionSpec): Promise<T> {
    if (this.queue.length >= this.opts.maxQueued)
      return Promise.reject(
        new ExchangeError('EXCHANGE_QUEUE_FULL', `${spec.what}: the queue is full`, false),
      );
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ spec, resolve: resolve as (value: unknown) => void, reject });
      this.pump();
    });
  }

  /**
   * Queues a transaction ahead of every waiting one (a stop on a half-duplex bus: it goes out as soon as
   * the answer in flight is in, never over it).
   */
  runFirst<T = unknown>(spec: TransactionSpec): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.unshift({ spec, resolve: resolve as (value: unknown) => void, reject });
      this.pump();
    });
  }

  /**
   * Writes now, ahead of everything queued (a stop). On a shared half-duplex bus the driver must call it
   * only between transactions. Returns false when no port is open.
   */
  writeNow(bytes: Buffer): boolean {
    return this.opts.write(bytes);
  }

  /** The receiver's answer to the transaction in flight. */
  settle(value: unknown): void {
    const current = this.current;
    if (!current) return;
    this.finish();
    const elapsed = this.opts.clock.monotonicMs() - this.sentAtMs;
    this.rttMs = this.rttMs === undefined ? elapsed : this.rttMs * 0.875 + elapsed * 0.125;
    current.resolve(value);
    this.pump();
  }

  /** The receiver saw a damaged answer to the transaction in flight. */
  fail(error: Error): void {
    const current = this.current;
    if (!current) return;
    this.finish();
    current.reject(error);
    this.pump();
  }

  /** Nothing is written until release(): the driver waits for the line to fall quiet. */
  hold(): void {
    this.holdCount++;
  }

  release(): void {
    if (this.holdCount > 0) this.holdCount--;
    this.pump();
  }

  /**
   * Drops every transaction not yet written (they fail EXCHANGE_NOT_SENT, certainly not sent): after a
   * software stop nothing queued before it may still reach the device.
   */
  dropQueued(reason: string): void {
    for (const p of this.queue.splice(0))
      p.reject(new ExchangeError('EXCHANGE_NOT_SENT', `${p.spec.what}: ${reason}`, false));
  }

  /** The link is gone: every transaction fails (the one in flight as sent). */
  failAll(message: string): void {
    const current = this.current;
    this.finish();
    const queued = this.queue.splice(0);
    current?.reject(new ExchangeError('EXCHANGE_LINK_LOST', `${current.spec.what}: ${message}`, true));
    for (const p of queued)
      p.reject(new ExchangeError('EXCHANGE_LINK_LOST', `${p.spec.what}: ${message}`, false));
    this.holdCount = 0;
  }

  private finish(): void {
    this.cancelDeadline?.();
    this.cancelDeadline = undefined;
    this.current = undefined;
  }

  private pump(): void {
    while (!this.current && this.holdCount === 0 && this.queue.length > 0) {
      const next = this.queue.shift()!;
      if (!this.opts.write(next.spec.bytes)) {
        next.reject(new ExchangeError('EXCHANGE_NOT_SENT', `${next.spec.what}: no port open`, false));
        continue;
      }
      this.framesSent++;
      next.spec.onWritten?.();
      if (!next.spec.answered) {
        next.resolve(undefined);
        continue;
      }
      this.current = next;
      this.sentAtMs = this.opts.clock.monotonicMs();
      const timeoutMs = next.spec.timeoutMs ?? this.opts.timeoutMs;
      this.cancelDeadline = this.opts.clock.after(timeoutMs, () => {
        if (this.current !== next) return;
        if (next.spec.collectUntilDeadline) {
          this.finish();
          next.resolve(undefined);
          this.pump();
          return;
        }
        this.timeouts++;
        this.finish();
        this.opts.onTimeout?.(next.spec.what);
        next.reject(
          new ExchangeError('EXCHANGE_TIMEOUT', `${next.spec.what}: no answer in ${timeoutMs} ms`, true),
        );
        this.pump();
      });
    }
  }
}
