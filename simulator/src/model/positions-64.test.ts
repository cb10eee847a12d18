// §v2 Positions on the simulated controller: 64-bit positions end to end (no int32 wrap, ±pmax accepted,
// beyond it ERR RANGE), a v1 session reading a position beyond int32 gets the bound, and the motion
// model keeps its precision at 2^40 counts however often it is read (each reading is one rounding from
// the segment's start, not an accumulated sum).

import { trapezoidDurationS } from '@servo-edge/firmware-protocol';
import { describe, expect, it } from 'vitest';
import { createSteppedHost } from '../test-support/stepped-host.js';

const PMAX = 2 ** 47 - 1;
const INT32_MAX = 2 ** 31 - 1;

describe('64-bit positions (§v2 Positions)', () => {
  it('moves to +pmax and to -pmax (the device refusing beyond it is in the contract suite)', async () => {
    const host = createSteppedHost(
      { pacing: false, axisDefaults: { startPositionCounts: PMAX - 100_000 } },
      {
        maxProtocol: 2,
      },
    );
    await host.hello();
    await host.call('ENABLE', { axis: 1 });
    const up = await host.move(1, PMAX, 100_000, 1_000_000);
    expect(up.reply.ok).toBe(true);
    const done = await host.until((e) => e.event === 'DONE' && e.fields.seq === up.seq);
    expect(done.event.fields).toEqual({ axis: 1, seq: up.seq, pos: PMAX });
    expect((await host.call('GET', { axis: 1 })).fields).toMatchObject({ pos: PMAX, tgt: PMAX, q: 0 });
    // The whole range in one move: 2(2^47-1) counts at 2^31-1 counts/s takes 36 h of simulated time.
    await host.call('SET', { axis: 1, key: 'VMAX', value: INT32_MAX });
    await host.call('SET', { axis: 1, key: 'AMAX', value: INT32_MAX });
    await host.call('WDOG', { ms: 60_000 });
    const down = await host.move(1, -PMAX, INT32_MAX, INT32_MAX);
    const durationS = trapezoidDurationS(2 * PMAX - 100_000 + 100_000, INT32_MAX, INT32_MAX);
    const startedAtMs = host.controller.executed.find((e) => e.seq === down.seq)!.atMs;
    host.clock.advanceTo(startedAtMs + durationS * 1000 - 1);
    expect(host.controller.axis(1).state).toBe('MOVING');
    const bottom = await host.until((e) => e.event === 'DONE' && e.fields.seq === down.seq, 200_000_000);
    expect(bottom.event.fields).toMatchObject({ pos: -PMAX });
  });

  it('the trapezoid at 2^40 counts: every reading is within 2 ulp of the analytic position', async () => {
    const base = 2 ** 40;
    const host = createSteppedHost(
      { pacing: false, axisDefaults: { startPositionCounts: base } },
      { maxProtocol: 2 },
    );
    await host.hello();
    await host.call('ENABLE', { axis: 1 });
    const vel = 10_000;
    const acc = 100_000;
    const m = await host.move(1, base + 20_000, vel, acc);
    const t0 = host.controller.executed.find((e) => e.seq === m.seq)!.atMs;
    const ulp = 2 ** (40 - 52);
    let worst = 0;
    // 1. Read it every 0.1 ms through the 2.1 s move: 21000 readings.
    for (let i = 1; i <= 21_000; i++) {
      host.clock.advanceTo(t0 + i * 0.1);
      const s = (i * 0.1) / 1000;
      // 0.1 s ramp (500 counts), 1.9 s at 10000/s, 0.1 s down: the analytic offset from `base`.
      const offset =
        s <= 0.1
          ? 0.5 * acc * s * s
          : s <= 2.0
            ? 500 + vel * (s - 0.1)
            : 20_000 - 0.5 * acc * Math.max(0, 2.1 - s) ** 2;
      worst = Math.max(worst, Math.abs(host.controller.axis(1).positionCounts - base - offset));
    }
    // 2. Accumulating 21000 integration steps would be off by many ulp; anchored segments stay within 2
    //    (plus the analytic formula's own error, far below an ulp of 2^40).
    expect(worst).toBeLessThanOrEqual(2 * ulp + 1e-6);
    await host.advance(1);
    expect(host.events.find((e) => e.event === 'DONE')?.fields.pos).toBe(base + 20_000);
  });

  it('a v1 session on the same device reads a position beyond int32 as the int32 bound', async () => {
    const host = createSteppedHost({ pacing: false, axisDefaults: { startPositionCounts: 2 ** 40 } });
    await host.hello();
    expect(host.session.deviceInfo?.proto).toBe(1);
    expect((await host.call('GET', { axis: 1 })).fields).toEqual({
      pos: INT32_MAX,
      vel: 0,
      tgt: INT32_MAX,
      st: 'DISABLED',
      q: 0,
    });
  });

  it('a v1-only device (protocol: 1) ships with int32 soft limits and refuses a start beyond int32', async () => {
    const host = createSteppedHost({ pacing: false, protocol: 1 }, { maxProtocol: 2 });
    await host.hello();
    expect(host.session.deviceInfo).toMatchObject({ proto: 1 });
    expect(host.controller.axis(1).limits).toMatchObject({
      minCounts: -2_000_000_000,
      maxCounts: 2_000_000_000,
    });
    expect(() => createSteppedHost({ protocol: 1, axisDefaults: { startPositionCounts: 2 ** 31 } })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
  });
});
