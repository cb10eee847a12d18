// The watchdog (§Device rule 6) and STREAM telemetry (§Commands STREAM) on a stepped clock.

import { encodeLine } from '@servo-edge/firmware-protocol';
import { describe, expect, it } from 'vitest';
import { createSteppedHost, type SteppedHost } from '../test-support/stepped-host.js';

/** A second HELLO on the same cable starts a new device session (§Device rule 3). */
const rawHello = (host: SteppedHost) => host.attachment.write(encodeLine('500 HELLO'));

describe('watchdog', () => {
  it('trips wd ms after the last valid frame: controlled stop, FAULT axis=0 code=WATCHDOG, latched', async () => {
    const host = createSteppedHost({}, { heartbeat: false });
    await host.hello();
    await host.call('WDOG', { ms: 200 });
    await host.call('ENABLE', { axis: 1 });
    const m = await host.move(1, 1_000_000, 10_000, 50_000);
    const sentAt = host.clock.monotonicMs();
    const { event } = await host.until((e) => e.event === 'FAULT');
    expect(event.fields).toEqual({ axis: 0, code: 'WATCHDOG' });
    expect(host.clock.monotonicMs() - sentAt).toBeCloseTo(200, 6);
    expect(host.events.find((e) => e.event === 'ABORTED')?.fields.seq).toBe(m.seq);
    // Controlled stop from 10000/s at the move's 50000/s²: 0.2 s.
    expect(host.controller.axis(1)).toMatchObject({ state: 'FAULT', velocityCountsPerS: 10_000 });
    await host.call('WDOG', { ms: 60_000 });
    await host.advance(200);
    expect(host.controller.axis(1).velocityCountsPerS).toBe(0);
    expect(await host.call('MOVE', { axis: 1, pos: 0, vel: 10, acc: 10 })).toEqual({
      ok: false,
      code: 'STATE',
      fields: { st: 'FAULT' },
    });
    await host.call('RESET', {});
    expect(host.controller.axis(1).state).toBe('IDLE');
    expect(host.controller.status.watchdogFaultLatched).toBe(false);
  });

  it("the host's heartbeat (PING every wd/4) keeps it from tripping", async () => {
    const host = createSteppedHost();
    await host.hello();
    await host.call('WDOG', { ms: 100 });
    await host.advance(5000);
    expect(host.events.some((e) => e.event === 'FAULT')).toBe(false);
    expect(host.controller.executed.filter((e) => e.verb === 'PING').length).toBeGreaterThan(150);
  });

  it('does not run before HELLO, and HELLO restores the default period', async () => {
    const host = createSteppedHost({ watchdogDefaultMs: 300 }, { heartbeat: false });
    await host.advance(5000);
    expect(host.events.filter((e) => e.event === 'FAULT')).toHaveLength(0);
    await host.hello();
    await host.call('WDOG', { ms: 5000 });
    expect(host.controller.status.watchdogMs).toBe(5000);
    rawHello(host);
    await host.advance(0);
    expect(host.controller.status.watchdogMs).toBe(300);
  });
});

describe('STREAM', () => {
  it('emits POS at exactly the asked rate with one entry per axis, and stops on STREAM 0', async () => {
    const host = createSteppedHost({ axes: 2 });
    await host.hello();
    await host.call('ENABLE', { axis: 2 });
    await host.call('STREAM', { hz: 200 });
    await host.move(2, 10_000, 10_000, 1_000_000);
    await host.advance(1100);
    const samples = host.events.filter((e) => e.event === 'POS');
    expect(samples.length).toBeGreaterThanOrEqual(219);
    expect(samples.length).toBeLessThanOrEqual(221);
    const times = samples.map((s) => s.fields.t);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(4);
    expect(samples.at(-1)!.fields).toMatchObject({ p: [0, 10_000], v: [0, 0] });
    expect(samples.some((s) => s.event === 'POS' && s.fields.v[1] === 10_000)).toBe(true);
    await host.call('STREAM', { hz: 0 });
    const count = host.events.length;
    await host.advance(1000);
    expect(host.events.length).toBe(count);
  });

  it('refuses more than 200 Hz, and a new session starts with telemetry off', async () => {
    const host = createSteppedHost();
    await host.hello();
    expect(await host.call('STREAM', { hz: 201 })).toEqual({ ok: false, code: 'RANGE', fields: {} });
    await host.call('STREAM', { hz: 10 });
    rawHello(host);
    await host.advance(0);
    expect(host.controller.status.streamHz).toBe(0);
  });

  it('skips samples rather than queue them when the line is saturated', async () => {
    // 16 axes of POS at 200 Hz is far more than a 9600-baud line carries.
    const host = createSteppedHost({ axes: 16, baud: 9600, pacing: true }, { replyTimeoutMs: 5000 });
    await host.hello();
    await host.call('STREAM', { hz: 200 });
    await host.advance(2000);
    const samples = host.events.filter((e) => e.event === 'POS').length;
    expect(samples).toBeGreaterThan(5);
    expect(samples).toBeLessThan(100);
    // And the link still answers promptly.
    const before = host.clock.monotonicMs();
    await host.call('PING', {});
    expect(host.clock.monotonicMs() - before).toBeLessThan(200);
  });
});
