// Drives a session's tick() from a Clock: one timer, re-armed at the session's next deadline.

import type { Clock, MonotonicMs } from '@servo-edge/common/clock';

/** What a session exposes for timekeeping (HostSession, DeviceSession, simulator models). */
export interface Tickable {
  tick(): void;
  nextDeadlineMs(): MonotonicMs | undefined;
}

export interface SessionDriver {
  /** Re-reads the deadline. Call after anything that may move it (bytes received, request queued). */
  poke(): void;
  stop(): void;
}

export function createSessionDriver(target: Tickable, clock: Clock): SessionDriver {
  let armedAtMs: MonotonicMs | undefined;
  let cancel: (() => void) | undefined;
  let stopped = false;
  const disarm = () => {
    cancel?.();
    cancel = undefined;
    armedAtMs = undefined;
  };
  const poke = () => {
    if (stopped) return;
    const deadline = target.nextDeadlineMs();
    if (deadline === armedAtMs) return;
    disarm();
    if (deadline === undefined) return;
    armedAtMs = deadline;
    cancel = clock.schedule(deadline, () => {
      cancel = undefined;
      armedAtMs = undefined;
      target.tick();
      poke();
    });
  };
  return {
    poke,
    stop() {
      stopped = true;
      disarm();
    },
  };
}
