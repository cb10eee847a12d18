// Faults on a stepped clock: following error on a jammed axis, e-stop by 0x18 and by the input,
// reboot, and encoder noise on readback.

import { describe, expect, it } from 'vitest';
import { createSteppedHost } from '../test-support/stepped-host.js';

describe('following error (FERR)', () => {
  it('trips when the command runs FERR counts ahead of a jammed axis, at the analytic time', async () => {
    const host = createSteppedHost({ axisDefaults: { ferrCounts: 800 } });
    await host.hello();
    await host.call('ENABLE', { axis: 2 });
    host.controller.faults.stickAxis(2, true);
    const m = await host.move(2, 100_000, 10_000, 100_000);
    const { event, elapsedMs } = await host.until((e) => e.event === 'FAULT');
    expect(event.fields).toEqual({ axis: 2, code: 'FERR' });
    // Ramp covers 500 counts in 0.1 s, then 300 more at 10000/s: 0.13 s.
    expect(elapsedMs).toBeCloseTo(130, 6);
    await host.advance(0);
    expect(host.events.find((e) => e.event === 'ABORTED')?.fields).toEqual({ axis: 2, seq: m.seq, pos: 0 });
    expect(host.controller.axis(2)).toMatchObject({
      state: 'FAULT',
      fault: 'FERR',
      enabled: false,
      positionCounts: 0,
    });
  });

  it('does not trip on a move shorter than FERR; a freed axis catches up', async () => {
    const host = createSteppedHost({ axisDefaults: { ferrCounts: 1000 } });
    await host.hello();
    await host.call('ENABLE', { axis: 1 });
    host.controller.faults.stickAxis(1, true);
    await host.move(1, 900, 10_000, 100_000);
    await host.until((e) => e.event === 'DONE');
    expect(host.events.some((e) => e.event === 'FAULT')).toBe(false);
    expect(host.controller.axis(1)).toMatchObject({ positionCounts: 0, commandedCounts: 900, stuck: true });
    host.controller.faults.stickAxis(1, false);
    expect(host.controller.axis(1).positionCounts).toBe(900);
  });

  it('SET FERR changes the bound', async () => {
    const host = createSteppedHost();
    await host.hello();
    await host.call('SET', { axis: 1, key: 'FERR', value: 10 });
    await host.call('ENABLE', { axis: 1 });
    host.controller.faults.stickAxis(1, true);
    await host.move(1, 100, 1000, 100_000);
    await host.until((e) => e.event === 'FAULT');
    expect(host.controller.axis(1).fault).toBe('FERR');
  });
});

describe('e-stop (§Device rule 5)', () => {
  it('0x18 stops every axis at once, ABORTs moves, latches ESTOP; RESET clears it, drives stay off', async () => {
    const host = createSteppedHost();
    await host.hello();
    await host.call('ENABLE', { axis: 1 });
    await host.call('ENABLE', { axis: 2 });
    const a = await host.move(1, 100_000, 10_000, 100_000);
    const b = await host.move(2, -100_000, 10_000, 100_000);
    await host.advance(100);
    host.session.estop();
    await host.advance(0);
    const tail = host.events.slice(-3);
    expect(tail.map((e) => e.event)).toEqual(['ESTOP', 'ABORTED', 'ABORTED']);
    expect(tail[0]!.fields).toEqual({ src: 'host' });
    expect(tail.slice(1).map((e) => e.fields)).toMatchObject([{ seq: a.seq }, { seq: b.seq }]);
    for (const axis of host.controller.axes())
      expect(axis).toMatchObject({ state: 'ESTOP', velocityCountsPerS: 0 });
    for (const verb of ['ENABLE', 'HOME'] as const) {
      expect(await host.call(verb, { axis: 1 })).toEqual({ ok: false, code: 'ESTOP', fields: {} });
    }
    expect(await host.call('JOG', { axis: 1, vel: 1, acc: 1 })).toEqual({
      ok: false,
      code: 'ESTOP',
      fields: {},
    });
    expect((await host.call('GET', { axis: 1 })).ok).toBe(true);
    expect(await host.call('RESET', {})).toEqual({ ok: true, fields: {} });
    expect(host.controller.axis(1).state).toBe('DISABLED');
    expect((await host.call('ENABLE', { axis: 1 })).ok).toBe(true);
  });

  it('the input raises ESTOP src=input on its rising edge only; RESET is refused while it is held', async () => {
    const host = createSteppedHost();
    await host.hello();
    host.controller.faults.setEstopInput(true);
    host.controller.faults.setEstopInput(true);
    await host.advance(0);
    expect(host.events.filter((e) => e.event === 'ESTOP').map((e) => e.fields)).toEqual([{ src: 'input' }]);
    expect(await host.call('RESET', {})).toEqual({ ok: false, code: 'ESTOP', fields: {} });
    host.controller.faults.setEstopInput(false);
    expect(host.controller.status.estopLatched).toBe(true);
    expect((await host.call('RESET', {})).ok).toBe(true);
    expect(host.controller.status.estopLatched).toBe(false);
  });

  it('starts latched when configured with the input held', async () => {
    const host = createSteppedHost({ faults: { estopInput: true } });
    await host.hello();
    expect(host.controller.status).toMatchObject({ estopLatched: true, estopInputActive: true });
    expect(await host.call('ENABLE', { axis: 1 })).toEqual({ ok: false, code: 'ESTOP', fields: {} });
  });
});

describe('reboot', () => {
  it('BOOT, the session is forgotten (ERR HELLO), motion stops silently, the axis stays where it is', async () => {
    const host = createSteppedHost();
    await host.hello();
    await host.call('ENABLE', { axis: 1 });
    await host.move(1, 100_000, 10_000, 100_000);
    await host.advance(100);
    host.controller.faults.reboot();
    await host.advance(0);
    expect(host.events.at(-1)).toEqual({
      kind: 'event',
      event: 'BOOT',
      // §v2 Negotiation: BOOT keeps its v1 form; a device that speaks v2 adds max=.
      fields: { fw: '1.0.0', proto: 1, axes: 4, max: 2 },
    });
    expect(host.lost.map((e) => e.code)).toEqual(['PROTO_DEVICE_RESET']);
    expect(host.controller.status).toMatchObject({ hasSession: false, bootCount: 2 });
    expect(host.controller.axis(1)).toMatchObject({ state: 'DISABLED', positionCounts: 500, queue: [] });
    await host.hello();
    expect((await host.call('GET', { axis: 1 })).fields).toMatchObject({ pos: 500, st: 'DISABLED' });
  });
});

describe('reboot with the e-stop input held', () => {
  it('BOOT, then ESTOP src=input again; the latch survives', async () => {
    const host = createSteppedHost();
    await host.hello();
    host.controller.faults.setEstopInput(true);
    host.controller.faults.reboot();
    await host.advance(0);
    expect(host.events.slice(-3).map((e) => [e.event, e.fields])).toEqual([
      ['ESTOP', { src: 'input' }],
      ['BOOT', { fw: '1.0.0', proto: 1, axes: 4, max: 2 }],
      ['ESTOP', { src: 'input' }],
    ]);
    expect(host.controller.status.estopLatched).toBe(true);
  });
});

describe('encoder noise', () => {
  it('is off by default and bounded by encoderNoiseCounts when on; DONE is exact', async () => {
    const quiet = createSteppedHost();
    await quiet.hello();
    for (let i = 0; i < 20; i++)
      expect((await quiet.call('GET', { axis: 1 })).fields).toMatchObject({ pos: 0 });
    const noisy = createSteppedHost({ axisDefaults: { encoderNoiseCounts: 3 }, seed: 7 });
    await noisy.hello();
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const reply = await noisy.call('GET', { axis: 1 });
      const pos = reply.ok ? (reply.fields.pos as number) : Number.NaN;
      expect(Math.abs(pos)).toBeLessThanOrEqual(3);
      seen.add(pos);
    }
    expect(seen.size).toBeGreaterThan(3);
  });
});
