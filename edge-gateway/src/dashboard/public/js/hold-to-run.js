// Hold-to-run jog for one button: the jog carries a lease (PROTOCOL.md §v2 Jog lease; REST
// POST /axes/:name/jog {leaseMs}) that this page renews while the button is held, so the axis stops by
// itself when the page stops renewing (tab closed, network cut, page frozen), even if no stop arrives.
// No DOM and no globals here: the axis card wires the events, and tests drive it with their own timers.

/**
 * The lease a held jog asks for, ms. Short, so a closed tab stops the axis within about half a second;
 * long enough that one slow reply (a busy Pi, Wi-Fi) does not stop a jog that is still held.
 */
export const JOG_LEASE_MS = 400;
/** Renewals per lease: two may be lost or late before the lease runs out. */
export const RENEWALS_PER_LEASE = 3;

/**
 * createHoldToRun(deps) -> { press(), release({ keepalive }), get active() }.
 *
 * deps:
 * - jog(leaseMs) -> Promise<{ lease?: { id: string, leaseMs: number } } | undefined>: starts the jog
 *   (undefined when it was refused; the caller has shown why);
 * - renew(leaseId) -> Promise<void>: the cheap renewal (204); rejects with `.code` JOG_LEASE_NOT_FOUND
 *   once the lease is over;
 * - stop({ keepalive }) -> Promise<unknown>: the axis's stop; keepalive lets it outlive a closing page;
 * - onRenewFailed(error): a renewal was refused, so the jog is over (shown to the operator);
 * - setTimer(run, delayMs) -> handle, clearTimer(handle), nowMs(): the page's timers and clock.
 *
 * Contract: one renewal in flight at a time (a slow reply delays the next one, it never piles up);
 * the stop is sent only after the jog request has settled, so it can never overtake it; after release
 * nothing more is renewed.
 */
export function createHoldToRun({ jog, renew, stop, onRenewFailed, setTimer, clearTimer, nowMs }) {
  /** The held jog: undefined when released. */
  let session;

  const schedule = (s, sentAtMs) => {
    // Measured from the previous renewal's send, so a slow reply shortens the wait instead of adding to it.
    const periodMs = s.lease.leaseMs / RENEWALS_PER_LEASE;
    s.timer = setTimer(() => renewOnce(s), Math.max(0, sentAtMs + periodMs - nowMs()));
  };

  const renewOnce = (s) => {
    s.timer = undefined;
    if (session !== s) return;
    const sentAtMs = nowMs();
    s.renewing = renew(s.lease.id).then(
      () => {
        s.renewing = undefined;
        if (session === s) schedule(s, sentAtMs);
      },
      (error) => {
        s.renewing = undefined;
        if (session !== s) return;
        // The lease is over (ran out, replaced, stopped by someone else) or the gateway is unreachable:
        // either way this jog cannot be kept alive, so stop holding it and say why.
        session = undefined;
        onRenewFailed(error);
        if (error?.code !== 'JOG_LEASE_NOT_FOUND') stop({ keepalive: false });
      },
    );
  };

  return {
    get active() {
      return session !== undefined;
    },
    press() {
      if (session) return;
      const s = { lease: undefined, timer: undefined, renewing: undefined, started: undefined };
      session = s;
      const sentAtMs = nowMs();
      s.started = Promise.resolve(jog(JOG_LEASE_MS)).then(
        (result) => {
          if (session !== s) return;
          if (!result?.lease) {
            // Refused, or a controller that answered without a lease: nothing to renew.
            session = undefined;
            return;
          }
          s.lease = result.lease;
          schedule(s, sentAtMs);
        },
        () => {
          if (session === s) session = undefined;
        },
      );
    },
    /** keepalive: the page is going away (pagehide); the stop must leave before it does. */
    release({ keepalive = false } = {}) {
      const s = session;
      if (!s) return;
      session = undefined;
      if (s.timer !== undefined) clearTimer(s.timer);
      s.timer = undefined;
      if (keepalive) {
        // No waiting on a closing page: the stop goes now, and the lease covers a jog still in flight.
        stop({ keepalive: true });
        return;
      }
      s.started.finally(() => stop({ keepalive: false }));
    },
  };
}
