// Test client for binary protocols (the Maestro's, Dynamixel's) over any SerialPortStream: writes raw
// bytes, and reads the answers as they arrive, by count or by a framing function. Real time; every wait
// is bounded and ends as soon as the bytes are there.

import type { SerialPortStream } from '@serialport/stream';
import { withTimeout } from './host-over-stream.js';

export interface ByteClient {
  port: SerialPortStream;
  /** Bytes received and not yet taken. */
  readonly pending: Buffer;
  /** Writes and waits until the bytes are handed to the port (not until they crossed the wire). */
  write(bytes: Uint8Array | readonly number[]): Promise<void>;
  /** Takes exactly `count` bytes, waiting for them. */
  read(count: number, timeoutMs?: number): Promise<Buffer>;
  /**
   * Takes one frame: `frame(pending)` says where it is once enough bytes are there
   * ({ skip, length }: skip bytes of junk, then a frame of length), or undefined to wait for more.
   */
  readFrame(
    frame: (pending: Buffer) => { skip: number; length: number } | undefined,
    timeoutMs?: number,
  ): Promise<{ skipped: Buffer; frame: Buffer }>;
  /** Drops what was received and not taken. */
  discard(): void;
  /** Resolves when the port closes by itself (not by close()): with its error, or null for a bare close. */
  readonly closed: Promise<Error | null>;
  close(): Promise<void>;
}

export async function connectBytes(port: SerialPortStream): Promise<ByteClient> {
  await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
  let pending = Buffer.alloc(0);
  const waiters = new Set<() => void>();
  port.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    for (const wake of [...waiters]) wake();
  });
  port.on('error', () => {});
  // A pulled cable closes the port by itself: with a DisconnectedError (the in-process binding, and a pty
  // whose read fails), or, over a pty whose read sees end-of-file first, with a bare close.
  let closing = false;
  const closed = new Promise<Error | null>((resolve) =>
    port.once('close', (error?: Error | null) => {
      if (!closing) resolve(error ?? null);
    }),
  );
  const waitFor = <T>(take: () => T | undefined, timeoutMs: number, what: string): Promise<T> => {
    let wake: () => void = () => {};
    const promise = new Promise<T>((resolve) => {
      wake = () => {
        const value = take();
        if (value !== undefined) resolve(value);
      };
      waiters.add(wake);
      wake();
    });
    return withTimeout(promise, timeoutMs, what).finally(() => waiters.delete(wake));
  };
  return {
    port,
    get pending() {
      return pending;
    },
    async write(bytes) {
      await new Promise<void>((resolve, reject) =>
        port.write(Buffer.from(bytes as Uint8Array), (error) => (error ? reject(error) : resolve())),
      );
    },
    read(count, timeoutMs = 2000) {
      return waitFor(
        () => {
          if (pending.length < count) return undefined;
          const out = pending.subarray(0, count);
          pending = pending.subarray(count);
          return Buffer.from(out);
        },
        timeoutMs,
        `${count} bytes`,
      );
    },
    readFrame(frame, timeoutMs = 2000) {
      return waitFor(
        () => {
          const where = frame(pending);
          if (!where || pending.length < where.skip + where.length) return undefined;
          const skipped = Buffer.from(pending.subarray(0, where.skip));
          const out = Buffer.from(pending.subarray(where.skip, where.skip + where.length));
          pending = pending.subarray(where.skip + where.length);
          return { skipped, frame: out };
        },
        timeoutMs,
        'a frame',
      );
    },
    discard() {
      pending = Buffer.alloc(0);
    },
    closed,
    async close() {
      closing = true;
      if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    },
  };
}
