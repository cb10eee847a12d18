// Test host: a HostSession over any SerialPortStream (simulator binding or a real pty), on real time,
// with event-driven waits that always have a bounded timeout.

import type { SerialPortStream } from '@serialport/stream';
import { systemClock } from '@servo-edge/common/clock';
import {
  createSessionDriver,
  type EventFrame,
  HostSession,
  type HostSessionOptions,
  type ProtocolError,
} from '@servo-edge/firmware-protocol';

export interface StreamHost {
  session: HostSession;
  port: SerialPortStream;
  events: EventFrame[];
  lost: ProtocolError[];
  /** Resolves with the first event (already seen or future) matching `match`. */
  waitForEvent(
    match: (event: EventFrame) => boolean,
    timeoutMs?: number,
    fromIndex?: number,
  ): Promise<EventFrame>;
  /** Raw bytes written straight to the port, bypassing the session (for malformed-line tests). */
  writeRaw(bytes: Buffer | string): void;
  /** Resolves with the next raw line from the device that satisfies `match`. */
  waitForLine(match: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  close(): Promise<void>;
}

export function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)),
      timeoutMs,
    );
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** Opens `port` (constructed with autoOpen: false) and wires a HostSession to it. */
export async function connectHost(
  port: SerialPortStream,
  options: Partial<HostSessionOptions> = {},
): Promise<StreamHost> {
  await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
  const events: EventFrame[] = [];
  const lost: ProtocolError[] = [];
  const eventWaiters = new Set<() => void>();
  const lineWaiters = new Set<(line: string) => void>();
  let partial = '';
  const session = new HostSession({
    clock: systemClock,
    write: (bytes) => {
      port.write(bytes);
    },
    onEvent: (event) => {
      events.push(event);
      for (const wake of [...eventWaiters]) wake();
    },
    onSessionLost: (error) => lost.push(error),
    ...options,
  });
  const driver = createSessionDriver(session, systemClock);
  port.on('data', (chunk: Buffer) => {
    session.receive(chunk);
    driver.poke();
    if (lineWaiters.size > 0) {
      partial += chunk.toString('latin1');
      let lf = partial.indexOf('\n');
      while (lf >= 0) {
        const line = partial.slice(0, lf);
        partial = partial.slice(lf + 1);
        for (const wake of [...lineWaiters]) wake(line);
        lf = partial.indexOf('\n');
      }
    }
  });
  port.on('error', () => {});
  port.on('close', () => session.linkLost('port closed'));
  const originalRequest = session.request.bind(session);
  session.request = ((...args: Parameters<HostSession['request']>) => {
    const result = originalRequest(...args);
    driver.poke();
    return result;
  }) as HostSession['request'];
  return {
    session,
    port,
    events,
    lost,
    waitForEvent(match, timeoutMs = 2000, fromIndex = 0) {
      const found = events.slice(fromIndex).find(match);
      if (found) return Promise.resolve(found);
      let wake: () => void = () => {};
      const promise = new Promise<EventFrame>((resolve) => {
        let seen = events.length;
        wake = () => {
          for (; seen < events.length; seen++) {
            if (match(events[seen]!)) {
              eventWaiters.delete(wake);
              resolve(events[seen]!);
              return;
            }
          }
        };
        eventWaiters.add(wake);
      });
      return withTimeout(promise, timeoutMs, 'an event').finally(() => eventWaiters.delete(wake));
    },
    writeRaw(bytes) {
      port.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
    },
    waitForLine(match, timeoutMs = 2000) {
      let wake: (line: string) => void = () => {};
      const promise = new Promise<string>((resolve) => {
        wake = (line) => {
          if (match(line)) {
            lineWaiters.delete(wake);
            resolve(line);
          }
        };
        lineWaiters.add(wake);
      });
      return withTimeout(promise, timeoutMs, 'a line').finally(() => lineWaiters.delete(wake));
    },
    async close() {
      driver.stop();
      session.close();
      if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    },
  };
}
