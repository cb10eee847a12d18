// The per-axis move queue (§Commands MOVE, STOP): depth qd counting the running move, strict order,
// exactly one DONE or ABORTED per accepted MOVE, and what STOP, DISABLE and JOG do to it.

import type { EventFrame } from '@servo-edge/firmware-protocol';
import { describe, expect, it } from 'vitest';
import { createSteppedHost } from '../test-support/stepped-host.js';

const outcomes = (events: EventFrame[]) =>
  events.filter((e) => e.event === 'DONE' || e.event === 'ABORTED').map((e) => [e.event, e.fields]);

describe('move queue', () => {
  it('accepts qd moves, refuses the next with QFULL, then runs them in order, one DONE each', async () => {
    const host = createSteppedHost({ queueDepth: 3 });
    await host.hello();
    await host.call('ENABLE', { axis: 1 });
    const a = await host.move(1, 1000, 10_000, 100_000);
    const b = await host.move(1, -500, 10_000, 100_000);
    const c = await host.move(1, 200, 10_000, 100_000);
    expect(await host.call('MOVE', { axis: 1, pos: 0, vel: 10_000, acc: 100_000 })).toEqual({
      ok: false,
      code: 'QFULL',
      fields: {},
    });
    expect((await host.call('GET', { axis: 1 })).fields).toMatchObject({ q: 3, tgt: 1000 });
    await host.until((e) => e.event === 'DONE' && e.fields.seq === c.seq);
    expect(outcomes(host.events)).toEqual([
      ['DONE', { axis: 1, seq: a.seq, pos: 1000 }],
      ['DONE', { axis: 1, seq: b.seq, pos: -500 }],
      ['DONE', { axis: 1, seq: c.seq, pos: 200 }],
    ]);
    expect((await host.call('GET', { axis: 1 })).fields).toMatchObject({ q: 0, st: 'IDLE', pos: 200 });
  });

  it('a zero-length MOVE is DONE at once, after its OK', async () => {
    const host = createSteppedHost();
    await host.hello();
    await host.call('ENABLE', { axis: 1 });
    const m = await host.move(1, 0, 1, 1);
    await host.advance(0);
    expect(outcomes(host.events)).toEqual([['DONE', { axis: 1, seq: m.seq, pos: 0 }]]);
  });

  it('STOP aborts the running move where it is and every queued one; the axis decelerates to rest', async () => {
    const host = createSteppedHost();
    await host.hello();
    await host.call('ENABLE', { axis: 1 });
    const a = await host.move(1, 100_000, 10_000, 20_000);
    const b = await host.move(1, 0, 10_000, 20_000);
    await host.advance(1000); // ramp 0.5 s (2500) + 0.5 s at 10000/s = 7500
    expect(await host.call('STOP', { axis: 1 })).toEqual({ ok: true, fields: {} });
    await host.advance(0);
    expect(outcomes(host.events)).toEqual([
      ['ABORTED', { axis: 1, seq: a.seq, pos: 7500 }],
      ['ABORTED', { axis: 1, seq: b.seq, pos: 7500 }],
    ]);
    expect((await host.call('GET', { axis: 1 })).fields).toMatchObject({ st: 'MOVING', q: 0, tgt: 10_000 });
    await host.advance(500); // stop at the move's acc: 0.5 s, 2500 counts
    expect(host.controller.axis(1)).toMatchObject({
      positionCounts: 10_000,
      velocityCountsPerS: 0,
      state: 'IDLE',
    });
    expect(outcomes(host.events)).toHaveLength(2);
  });

  it('a MOVE sent during a stop is queued and runs once the axis is at rest', async () => {
    const host = createSteppedHost();
    await host.hello();
    await host.call('ENABLE', { axis: 1 });
    await host.move(1, 100_000, 10_000, 20_000);
    await host.advance(1000);
    await host.call('STOP', { axis: 1 });
    const next = await host.move(1, 0, 10_000, 20_000);
    expect(next.reply.ok).toBe(true);
    await host.until((e) => e.event === 'DONE');
    expect(host.controller.axis(1).positionCounts).toBe(0);
  });

  it('DISABLE drops the drive at once: moves ABORTED, axis DISABLED, MOVE refused with ERR STATE st=DISABLED', async () => {
    const host = createSteppedHost();
    await host.hello();
    await host.call('ENABLE', { axis: 1 });
    const a = await host.move(1, 100_000, 10_000, 20_000);
    await host.advance(200);
    await host.call('DISABLE', { axis: 1 });
    await host.advance(0);
    expect(outcomes(host.events)).toEqual([['ABORTED', { axis: 1, seq: a.seq, pos: 400 }]]);
    expect(host.controller.axis(1)).toMatchObject({
      state: 'DISABLED',
      velocityCountsPerS: 0,
      positionCounts: 400,
    });
    expect(await host.call('MOVE', { axis: 1, pos: 0, vel: 10, acc: 10 })).toEqual({
      ok: false,
      code: 'STATE',
      fields: { st: 'DISABLED' },
    });
  });

  it('JOG runs at a signed velocity, refuses MOVE meanwhile, and JOG 0 ramps down to IDLE', async () => {
    const host = createSteppedHost();
    await host.hello();
    await host.call('ENABLE', { axis: 1 });
    expect(await host.call('JOG', { axis: 1, vel: -2000, acc: 10_000 })).toEqual({ ok: true, fields: {} });
    await host.advance(1200); // 0.2 s ramp (-200) + 1 s at -2000
    expect(host.controller.axis(1)).toMatchObject({
      positionCounts: -2200,
      velocityCountsPerS: -2000,
      state: 'MOVING',
    });
    expect(await host.call('MOVE', { axis: 1, pos: 0, vel: 10, acc: 10 })).toEqual({
      ok: false,
      code: 'STATE',
      fields: { st: 'MOVING' },
    });
    await host.call('JOG', { axis: 1, vel: 0, acc: 10_000 });
    await host.advance(200);
    expect(host.controller.axis(1)).toMatchObject({
      positionCounts: -2400,
      velocityCountsPerS: 0,
      state: 'IDLE',
    });
  });

  it('JOG into a soft limit stops there and latches FAULT code=LIMIT until RESET', async () => {
    const host = createSteppedHost({ axisDefaults: { minCounts: -1000, maxCounts: 1000 } });
    await host.hello();
    await host.call('ENABLE', { axis: 3 });
    await host.call('JOG', { axis: 3, vel: 5000, acc: 100_000 });
    const { event } = await host.until((e) => e.event === 'FAULT');
    expect(event.fields).toEqual({ axis: 3, code: 'LIMIT' });
    expect(host.controller.axis(3)).toMatchObject({ positionCounts: 1000, state: 'FAULT', fault: 'LIMIT' });
    expect((await host.call('ENABLE', { axis: 3 })).ok).toBe(false);
    await host.call('RESET', {});
    expect(host.controller.axis(3).state).toBe('IDLE');
    expect(await host.call('JOG', { axis: 3, vel: 10, acc: 10 })).toEqual({
      ok: false,
      code: 'RANGE',
      fields: {},
    });
  });

  it('queues are per axis: two axes run at once', async () => {
    const host = createSteppedHost();
    await host.hello();
    await host.call('ENABLE', { axis: 1 });
    await host.call('ENABLE', { axis: 4 });
    await host.move(1, 1000, 1000, 10_000);
    await host.move(4, -1000, 1000, 10_000);
    await host.advance(1100);
    expect(
      host.events
        .filter((e) => e.event === 'DONE')
        .map((e) => e.fields.axis)
        .sort(),
    ).toEqual([1, 4]);
  });
});
