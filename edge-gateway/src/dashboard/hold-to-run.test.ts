// The page's hold-to-run jog (public/js/hold-to-run.js) on a stepped clock: renewals several times per
// lease while held, never two in flight, nothing after release, and a stop that never overtakes its jog.

import { ManualClock } from '@servo-edge/common/testing';
import { beforeEach, describe, expect, it } from 'vitest';

// The page's module is plain JS served as is; a computed specifier keeps it out of the type check.
const MODULE = new URL('./public/js/hold-to-run.js', import.meta.url).href;

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}
function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets queued promise reactions run (the module chains then/finally on the fakes' promises). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

type Call =
  | { kind: 'jog'; leaseMs: number }
  | { kind: 'renew'; leaseId: string; atMs: number }
  | { kind: 'stop'; keepalive: boolean };

interface Harness {
  clock: ManualClock;
  calls: Call[];
  jogReply: Deferred<unknown>;
  renewReplies: Deferred<void>[];
  failures: unknown[];
  hold: { press(): void; release(options?: { keepalive?: boolean }): void; readonly active: boolean };
  leaseMs: number;
  renewalsPerLease: number;
}

async function harness(): Promise<Harness> {
  const mod = (await import(MODULE)) as {
    createHoldToRun(deps: unknown): Harness['hold'];
    JOG_LEASE_MS: number;
    RENEWALS_PER_LEASE: number;
  };
  const clock = new ManualClock();
  const calls: Call[] = [];
  const renewReplies: Deferred<void>[] = [];
  const failures: unknown[] = [];
  const h: Partial<Harness> = { clock, calls, renewReplies, failures, jogReply: deferred() };
  h.hold = mod.createHoldToRun({
    jog: (leaseMs: number) => {
      calls.push({ kind: 'jog', leaseMs });
      return h.jogReply!.promise;
    },
    renew: (leaseId: string) => {
      calls.push({ kind: 'renew', leaseId, atMs: clock.monotonicMs() });
      const reply = deferred<void>();
      renewReplies.push(reply);
      return reply.promise;
    },
    stop: ({ keepalive }: { keepalive: boolean }) => {
      calls.push({ kind: 'stop', keepalive });
      return Promise.resolve();
    },
    onRenewFailed: (error: unknown) => failures.push(error),
    setTimer: (run: () => void, delayMs: number) => clock.after(delayMs, run),
    clearTimer: (cancel: () => void) => cancel(),
    nowMs: () => clock.monotonicMs(),
  });
  h.leaseMs = mod.JOG_LEASE_MS;
  h.renewalsPerLease = mod.RENEWALS_PER_LEASE;
  return h as Harness;
}

const kinds = (calls: Call[]) => calls.map((c) => c.kind);

describe('hold-to-run jog (dashboard)', () => {
  let t: Harness;
  beforeEach(async () => {
    t = await harness();
  });

  async function startHeld(): Promise<void> {
    t.hold.press();
    t.jogReply.resolve({ lease: { id: 'L1', leaseMs: t.leaseMs } });
    await settle();
  }

  it('asks for a lease and renews it several times per lease while held', async () => {
    await startHeld();
    expect(t.calls[0]).toEqual({ kind: 'jog', leaseMs: t.leaseMs });
    // 1. Hold for five leases, answering each renewal at once.
    for (let i = 0; i < 5 * t.renewalsPerLease; i++) {
      t.clock.advanceBy(t.leaseMs / t.renewalsPerLease);
      t.renewReplies.at(-1)?.resolve();
      await settle();
    }
    const renewals = t.calls.filter((c) => c.kind === 'renew');
    expect(renewals.length).toBeGreaterThanOrEqual(5 * t.renewalsPerLease - 1);
    // 2. No gap between renewals may reach the lease.
    const times = [0, ...renewals.map((c) => (c as { atMs: number }).atMs)];
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeLessThan(t.leaseMs);
    expect(renewals.every((c) => c.kind === 'renew' && c.leaseId === 'L1')).toBe(true);
    expect(t.hold.active).toBe(true);
  });

  it('keeps one renewal in flight: a slow reply delays the next one, it does not pile up', async () => {
    await startHeld();
    t.clock.advanceBy(t.leaseMs / t.renewalsPerLease);
    expect(kinds(t.calls)).toEqual(['jog', 'renew']);
    // The reply is late by a whole lease: no second renewal meanwhile.
    t.clock.advanceBy(t.leaseMs);
    await settle();
    expect(kinds(t.calls)).toEqual(['jog', 'renew']);
    // Once it comes, the next goes at once (its period since the last send is over).
    t.renewReplies[0]!.resolve();
    await settle();
    t.clock.advanceBy(0);
    expect(kinds(t.calls)).toEqual(['jog', 'renew', 'renew']);
  });

  it('on release: stops renewing and sends the stop', async () => {
    await startHeld();
    t.clock.advanceBy(t.leaseMs / t.renewalsPerLease);
    t.renewReplies[0]!.resolve();
    await settle();
    t.hold.release();
    await settle();
    const after = t.calls.length;
    expect(t.calls.at(-1)).toEqual({ kind: 'stop', keepalive: false });
    t.clock.advanceBy(10 * t.leaseMs);
    await settle();
    expect(t.calls.length).toBe(after);
    expect(t.hold.active).toBe(false);
  });

  it('a release before the jog is answered sends the stop only after the jog', async () => {
    t.hold.press();
    t.hold.release();
    await settle();
    expect(kinds(t.calls)).toEqual(['jog']);
    t.jogReply.resolve({ lease: { id: 'L1', leaseMs: t.leaseMs } });
    await settle();
    expect(kinds(t.calls)).toEqual(['jog', 'stop']);
    t.clock.advanceBy(10 * t.leaseMs);
    await settle();
    expect(kinds(t.calls)).toEqual(['jog', 'stop']);
  });

  it('a closing page (keepalive) sends the stop at once, even with the jog unanswered', async () => {
    t.hold.press();
    t.hold.release({ keepalive: true });
    await settle();
    expect(t.calls).toEqual([
      { kind: 'jog', leaseMs: t.leaseMs },
      { kind: 'stop', keepalive: true },
    ]);
    // The jog's late answer starts nothing: its lease runs out on the controller.
    t.jogReply.resolve({ lease: { id: 'L1', leaseMs: t.leaseMs } });
    await settle();
    t.clock.advanceBy(10 * t.leaseMs);
    await settle();
    expect(kinds(t.calls)).toEqual(['jog', 'stop']);
  });

  it('a renewal refused with JOG_LEASE_NOT_FOUND ends the hold and says why', async () => {
    await startHeld();
    t.clock.advanceBy(t.leaseMs / t.renewalsPerLease);
    const error = Object.assign(new Error('gone'), { code: 'JOG_LEASE_NOT_FOUND', status: 404 });
    t.renewReplies[0]!.reject(error);
    await settle();
    expect(t.failures).toEqual([error]);
    expect(t.hold.active).toBe(false);
    t.clock.advanceBy(10 * t.leaseMs);
    await settle();
    // The axis already stopped (the lease is over): no stop, no more renewals.
    expect(kinds(t.calls)).toEqual(['jog', 'renew']);
  });

  it('a refused jog holds nothing', async () => {
    t.hold.press();
    t.jogReply.resolve(undefined);
    await settle();
    expect(t.hold.active).toBe(false);
    t.clock.advanceBy(10 * t.leaseMs);
    await settle();
    expect(kinds(t.calls)).toEqual(['jog']);
  });
});
