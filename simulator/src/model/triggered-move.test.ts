// §v2 Triggered moves on the simulated controller: a TMOVE is armed at the head of its axis's queue and
// starts at the exact instant the source axis crosses `at`, solved from the source's profile, even when
// every timer of the device runs late (a busy event loop); STARTED carries that instant; LATE, STOP,
// ESTOP and a move ahead of it in the queue do what the clause says.

import { ManualClock } from '@servo-edge/common/testing';
import type { EventFrame } from '@servo-edge/firmware-protocol';
import { describe, expect, it } from 'vitest';
import { createSimulatedController } from '../controller.js';
import { LaggyClock } from '../test-support/laggy-clock.js';
import { attachSteppedHost, createSteppedHost, type SteppedHost } from '../test-support/stepped-host.js';

const V2 = { maxProtocol: 2 } as const;
/** The conveyor: 0 -> 1e6 counts, 0.1 s ramp (5000 counts) then 100000 counts/s. */
const CONVEYOR = { axis: 1, pos: 1_000_000, vel: 100_000, acc: 1_000_000 };
/** The stroke: axis 2 to 5000 at 20000 counts/s, 400000 counts/s² (a triangle? no: ramp 0.05 s, 1000 counts). */
const STROKE = { axis: 2, pos: 5000, vel: 20_000, acc: 400_000 };
const AT = 250_000;
/** When the conveyor crosses AT after its MOVE starts: 0.1 s of ramp, then (AT - 5000) at 100000/s. */
const CROSSING_AFTER_MS = 100 + ((AT - 5000) / 100_000) * 1000;

const outcomes = (events: EventFrame[], seq: number) =>
  events
    .filter(
      (e) => ['STARTED', 'DONE', 'ABORTED'].includes(e.event) && (e.fields as { seq?: number }).seq === seq,
    )
    .map((e) => [e.event, e.fields]);

async function request(
  host: SteppedHost,
  verb: 'TMOVE' | 'TSTEP' | 'MOVE' | 'SET',
  args: Record<string, number>,
) {
  let seq = 0;
  const reply = await host.run(
    host.session.request(verb, args as never, {
      onSent: (s: number) => {
        seq = s;
      },
    }),
  );
  return { seq, reply };
}

/** A v2 host on a 3-axis controller whose timers all run `lagMs` late. */
async function laggyRig(lagMs: number) {
  const clock = new ManualClock();
  const controller = createSimulatedController({
    id: 'trig',
    axes: 3,
    pacing: false,
    clock: new LaggyClock(clock, lagMs),
  });
  const host = attachSteppedHost(controller, clock, V2);
  await host.hello();
  await host.call('ENABLE', { axis: 1 });
  await host.call('ENABLE', { axis: 2 });
  return host;
}

describe('TMOVE (§v2 Triggered moves)', () => {
  it('HELLO 2 advertises TRIG, TSTEP and LEASE, ev and pmax', async () => {
    const host = createSteppedHost({ pacing: false }, V2);
    await host.hello();
    expect(host.session.deviceInfo).toMatchObject({
      proto: 2,
      ev: 16,
      pmax: 2 ** 47 - 1,
      feat: ['TRIG', 'TSTEP', 'LEASE'],
    });
  });

  it.each([0, 37, 400])(
    'starts at the exact crossing instant, solved from the profile, with timers %i ms late',
    async (lagMs) => {
      const host = await laggyRig(lagMs);
      const conveyor = await request(host, 'MOVE', CONVEYOR);
      const movedAtMs = host.controller.executed.find((e) => e.seq === conveyor.seq)!.atMs;
      const stroke = await request(host, 'TMOVE', { ...STROKE, src: 1, at: AT, dir: 1 });
      expect(stroke.reply).toEqual({ ok: true, fields: {} });
      // Armed: st stays IDLE (§v2 Fields), the move is owed (q) and at the head (run).
      expect((await host.call('GET', { axis: 2 })).fields).toEqual({
        pos: 0,
        vel: 0,
        tgt: 0,
        st: 'IDLE',
        q: 1,
        run: stroke.seq,
      });
      const crossingMs = movedAtMs + CROSSING_AFTER_MS;
      // 1. Step to 10 ms after the crossing in one go: the device's timer for it has not run when lagMs > 10.
      host.clock.advanceTo(crossingMs + 10);
      const stroking = host.controller.axis(2);
      // 2. The profile started at the crossing: 10 ms into a 400000 counts/s² ramp is 20 counts.
      expect(stroking.state).toBe('MOVING');
      expect(stroking.positionCounts).toBeCloseTo(0.5 * STROKE.acc * 0.01 ** 2, 6);
      expect(stroking.velocityCountsPerS).toBeCloseTo(STROKE.acc * 0.01, 6);
      // 3. STARTED names the device ms of the crossing (the controller booted at 0), then DONE.
      await host.until((e) => e.event === 'DONE' && e.fields.seq === stroke.seq);
      expect(outcomes(host.events, stroke.seq)).toEqual([
        ['STARTED', { axis: 2, seq: stroke.seq, t: Math.floor(crossingMs) }],
        ['DONE', { axis: 2, seq: stroke.seq, pos: 5000 }],
      ]);
    },
  );

  it('fires on a decreasing crossing too, and not on the way up', async () => {
    const host = await laggyRig(0);
    const out = await request(host, 'MOVE', { axis: 1, pos: 20_000, vel: 100_000, acc: 1_000_000 });
    await host.until((e) => e.event === 'DONE' && e.fields.seq === out.seq);
    // Armed with axis 1 above 10000: dir=-1 waits for it to come down through 10000; going up does nothing.
    const stroke = await request(host, 'TMOVE', { ...STROKE, src: 1, at: 10_000, dir: -1 });
    const up = await request(host, 'MOVE', { axis: 1, pos: 30_000, vel: 100_000, acc: 1_000_000 });
    await host.until((e) => e.event === 'DONE' && e.fields.seq === up.seq);
    expect(outcomes(host.events, stroke.seq)).toEqual([]);
    const back = await request(host, 'MOVE', { axis: 1, pos: 0, vel: 100_000, acc: 1_000_000 });
    const backAtMs = host.controller.executed.find((e) => e.seq === back.seq)!.atMs;
    await host.until((e) => e.event === 'STARTED' && e.fields.seq === stroke.seq);
    // 20000 counts down: 0.1 s of ramp (5000 counts), then 15000 at 100000/s: 0.25 s in.
    expect(host.events.find((e) => e.event === 'STARTED')?.fields.t).toBe(Math.floor(backAtMs + 250));
  });

  it('is ABORTED why=LATE, after its OK, when the source is already at or past `at`', async () => {
    const host = await laggyRig(0);
    const stroke = await request(host, 'TMOVE', { ...STROKE, src: 1, at: 0, dir: 1 });
    expect(stroke.reply.ok).toBe(true);
    await host.advance(1);
    expect(outcomes(host.events, stroke.seq)).toEqual([
      ['ABORTED', { axis: 2, seq: stroke.seq, pos: 0, why: 'LATE' }],
    ]);
    expect((await host.call('GET', { axis: 2 })).fields).toMatchObject({ q: 0, run: 0, st: 'IDLE' });
  });

  it('waits behind a MOVE, and is armed (or LATE) only when it reaches the head of the queue', async () => {
    const host = await laggyRig(0);
    // Axis 2's first move takes 0.3 s; meanwhile axis 1 passes 10000 (at 0.15 s), so the TMOVE is LATE.
    const first = await request(host, 'MOVE', { axis: 2, pos: 3000, vel: 10_000, acc: 1_000_000 });
    await request(host, 'MOVE', { axis: 1, pos: 50_000, vel: 100_000, acc: 1_000_000 });
    const late = await request(host, 'TMOVE', { ...STROKE, src: 1, at: 10_000, dir: 1 });
    const armed = await request(host, 'TMOVE', { ...STROKE, pos: 0, src: 1, at: 40_000, dir: 1 });
    expect((await host.call('GET', { axis: 2 })).fields).toMatchObject({ q: 3, run: first.seq, tgt: 3000 });
    await host.until((e) => e.event === 'DONE' && e.fields.seq === armed.seq);
    expect(
      host.events.filter((e) => e.fields && 'seq' in e.fields && e.fields.axis === 2).map((e) => e.event),
    ).toEqual(['DONE', 'ABORTED', 'STARTED', 'DONE']);
    expect(outcomes(host.events, late.seq)).toEqual([
      ['ABORTED', { axis: 2, seq: late.seq, pos: 3000, why: 'LATE' }],
    ]);
  });

  it('STOP cancels an armed TMOVE (ABORTED why=STOP); the crossing then starts nothing', async () => {
    const host = await laggyRig(0);
    const stroke = await request(host, 'TMOVE', { ...STROKE, src: 1, at: 10_000, dir: 1 });
    expect(await host.call('STOP', { axis: 2 })).toEqual({ ok: true, fields: {} });
    await host.advance(1);
    expect(outcomes(host.events, stroke.seq)).toEqual([
      ['ABORTED', { axis: 2, seq: stroke.seq, pos: 0, why: 'STOP' }],
    ]);
    const conveyor = await request(host, 'MOVE', { axis: 1, pos: 20_000, vel: 100_000, acc: 1_000_000 });
    await host.until((e) => e.event === 'DONE' && e.fields.seq === conveyor.seq);
    expect(host.controller.axis(2)).toMatchObject({ positionCounts: 0, state: 'IDLE', armed: false });
    expect(outcomes(host.events, stroke.seq)).toHaveLength(1);
  });

  it('an e-stop removes an armed TMOVE with why=ESTOP; HOME and JOG are refused while one is armed', async () => {
    const host = await laggyRig(0);
    const stroke = await request(host, 'TMOVE', { ...STROKE, src: 1, at: 10_000, dir: 1 });
    expect(await host.call('HOME', { axis: 2 })).toMatchObject({ ok: false, code: 'STATE' });
    expect(await host.call('JOG', { axis: 2, vel: 100, acc: 1000, lease: 500 })).toEqual({
      ok: false,
      code: 'STATE',
      fields: { st: 'IDLE' },
    });
    host.controller.faults.setEstopInput(true);
    await host.advance(1);
    expect(outcomes(host.events, stroke.seq)).toEqual([
      ['ABORTED', { axis: 2, seq: stroke.seq, pos: 0, why: 'ESTOP' }],
    ]);
  });

  it('a v1 session on the same device has no TMOVE, and ABORTED has no why', async () => {
    const host = createSteppedHost({ pacing: false });
    await host.hello();
    expect(host.session.deviceInfo?.proto).toBe(1);
    await host.call('ENABLE', { axis: 1 });
    const m = await host.move(1, 100_000, 1000, 10_000);
    await host.advance(100); // 0.1 s into a 10000 counts/s² ramp: 50 counts
    await host.call('STOP', { axis: 1 });
    await host.advance(1);
    expect(host.events.find((e) => e.event === 'ABORTED')?.fields).toEqual({ axis: 1, seq: m.seq, pos: 50 });
  });
});

describe('TSTEP (§v2 Triggered steps)', () => {
  const STEP = { axis: 2, dist: 2000, vel: 40_000, acc: 800_000 };

  it('steps from where the axis stands when it fires; a step dropped as LATE is not made up by the next', async () => {
    const host = await laggyRig(0);
    // Axis 2 busy for ~0.3 s while axis 1 passes 10000 (0.15 s): the first step comes up LATE.
    const first = await request(host, 'MOVE', { axis: 2, pos: 3000, vel: 10_000, acc: 1_000_000 });
    await request(host, 'MOVE', { axis: 1, pos: 100_000, vel: 100_000, acc: 1_000_000 });
    const late = await request(host, 'TSTEP', { ...STEP, src: 1, at: 10_000, dir: 1 });
    const steps: Awaited<ReturnType<typeof request>>[] = [];
    for (const at of [40_000, 60_000, 80_000])
      steps.push(await request(host, 'TSTEP', { ...STEP, src: 1, at, dir: 1 }));
    await host.until((e) => e.event === 'DONE' && e.fields.seq === steps[2]!.seq);
    expect(outcomes(host.events, first.seq)).toEqual([['DONE', { axis: 2, seq: first.seq, pos: 3000 }]]);
    expect(outcomes(host.events, late.seq)).toEqual([
      ['ABORTED', { axis: 2, seq: late.seq, pos: 3000, why: 'LATE' }],
    ]);
    // Each executed step is exactly one dist from the last: 3000 -> 5000 -> 7000 -> 9000.
    expect(steps.map((s) => outcomes(host.events, s.seq).at(-1))).toEqual(
      [5000, 7000, 9000].map((pos, i) => ['DONE', { axis: 2, seq: steps[i]!.seq, pos }]),
    );
    expect(steps.map((s) => outcomes(host.events, s.seq)[0]?.[0])).toEqual(['STARTED', 'STARTED', 'STARTED']);
  });

  it('counts from the commanded position, so a negative step returns and the following error never adds up', async () => {
    const host = await laggyRig(0);
    await request(host, 'MOVE', { axis: 1, pos: 100_000, vel: 100_000, acc: 1_000_000 });
    const out = await request(host, 'TSTEP', { ...STEP, dist: -700, src: 1, at: 20_000, dir: 1 });
    const back = await request(host, 'TSTEP', { ...STEP, dist: 700, src: 1, at: 50_000, dir: 1 });
    await host.until((e) => e.event === 'DONE' && e.fields.seq === back.seq);
    expect(outcomes(host.events, out.seq).at(-1)).toEqual(['DONE', { axis: 2, seq: out.seq, pos: -700 }]);
    expect(outcomes(host.events, back.seq).at(-1)).toEqual(['DONE', { axis: 2, seq: back.seq, pos: 0 }]);
  });

  it('a step whose target would pass MAX ends ABORTED why=LIMIT without STARTED, and the next comes up', async () => {
    const host = await laggyRig(0);
    expect((await request(host, 'SET', { axis: 2, key: 'MAX', value: 3000 } as never)).reply.ok).toBe(true);
    await request(host, 'MOVE', { axis: 1, pos: 100_000, vel: 100_000, acc: 1_000_000 });
    const ok = await request(host, 'TSTEP', { ...STEP, src: 1, at: 20_000, dir: 1 });
    const beyond = await request(host, 'TSTEP', { ...STEP, src: 1, at: 40_000, dir: 1 });
    const back = await request(host, 'TSTEP', { ...STEP, dist: -2000, src: 1, at: 60_000, dir: 1 });
    await host.until((e) => e.event === 'DONE' && e.fields.seq === back.seq);
    expect(outcomes(host.events, ok.seq).at(-1)).toEqual(['DONE', { axis: 2, seq: ok.seq, pos: 2000 }]);
    expect(outcomes(host.events, beyond.seq)).toEqual([
      ['ABORTED', { axis: 2, seq: beyond.seq, pos: 2000, why: 'LIMIT' }],
    ]);
    expect(outcomes(host.events, back.seq).at(-1)).toEqual(['DONE', { axis: 2, seq: back.seq, pos: 0 }]);
  });

  it('STOP cancels an armed TSTEP (why=STOP)', async () => {
    const host = await laggyRig(0);
    const step = await request(host, 'TSTEP', { ...STEP, src: 1, at: 10_000, dir: 1 });
    await host.call('STOP', { axis: 2 });
    await host.advance(1);
    expect(outcomes(host.events, step.seq)).toEqual([
      ['ABORTED', { axis: 2, seq: step.seq, pos: 0, why: 'STOP' }],
    ]);
  });
});
