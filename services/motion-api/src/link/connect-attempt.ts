// The two pieces every controller link's connect attempt shares, whatever it speaks on the wire: the
// attempt's awaits raced against its abort (the port dropped under it, or close()), and the port's open
// bounded by connectTimeoutMs. The servo-edge driver's ControllerLink (around a HostSession) and the
// session-less drivers' LinkSupervisor (Maestro, Dynamixel) both use them; their steps differ, not these.

import type { Clock } from '@servo-edge/common/clock';
import type {
  LinkTransport,
  TransportFactory,
  TransportHandlers,
  TransportOpenOptions,
} from './transport.js';

/** One connect attempt's abort: every step awaited through `step` rejects with the abort's error. */
export interface AbortableAttempt {
  /** Races a step against the abort. */
  step<T>(promise: Promise<T>): Promise<T>;
  /** Rejects the step being awaited (and every later one) with `error`. The first abort wins. */
  abort(error: Error): void;
}

export function createAbortableAttempt(): AbortableAttempt {
  let abort: (error: Error) => void = () => {};
  const aborted = new Promise<never>((_, reject) => {
    abort = reject;
  });
  // An attempt that is never aborted, or aborted between two steps, must not be an unhandled rejection.
  aborted.catch(() => {});
  return {
    step: <T>(promise: Promise<T>): Promise<T> => Promise.race([promise, aborted]),
    abort: (error) => abort(error),
  };
}

export interface OpenWithinOptions extends TransportOpenOptions {
  transports: TransportFactory;
  handlers: TransportHandlers;
  /** The reconnect section's connectTimeoutMs. */
  timeoutMs: number;
  clock: Clock;
  /** The link's own error for a failed or late open (its code is LINK_OPEN_FAILED in both links). */
  openError(message: string): Error;
}

/**
 * Opens a port, bounded by `timeoutMs` on the clock. A refused open rejects with `openError("<path>:
 * <reason>")`; one that does not complete in time rejects at the deadline, and the port it opens later
 * is closed, not leaked.
 */
export async function openTransportWithin(options: OpenWithinOptions): Promise<LinkTransport> {
  const { path, baud, timeoutMs } = options;
  const opening = options.transports.open({ path, baud }, options.handlers);
  let cancel: (() => void) | undefined;
  const timeout = new Promise<never>((_, reject) => {
    cancel = options.clock.after(timeoutMs, () =>
      reject(options.openError(`${path}: open did not complete in ${timeoutMs} ms`)),
    );
  });
  let won: LinkTransport | undefined;
  try {
    const failed = opening.catch((e: Error) => Promise.reject(options.openError(`${path}: ${e.message}`)));
    won = await Promise.race([failed, timeout]);
    return won;
  } finally {
    cancel?.();
    // An open that completes after the timeout must not leak the port.
    opening.then(
      (transport) => {
        if (transport !== won) void transport.close();
      },
      () => {},
    );
  }
}
