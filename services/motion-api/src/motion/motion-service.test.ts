// The motion service over fake controllers: start-up sequence, unit conversion, move tracking across
// losses (never re-sent, unknown when sight is lost), reboots, e-stop latch, coordinated moves, events.
// Comments number the steps where their order matters.

import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../test-support/harness.js';
import { settle, until } from '../test-support/settle.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

async function enabled(...axes: string[]): Promise<void> {
  for (const axis of axes) await h.service.enable(axis);
}

/** Steps the clock `ms` forward in 100 ms steps, letting the links answer between steps. */
async function advance(ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 100) {
    h.clock.advanceBy(100);
    await settle();
  }
}

/** The RENEWs of axis 1 the fake controller received. */
const renewals = () => h.ctrl1.received.map(String).filter((line) => line.includes(' RENEW 1 ')).length;

describe('start-up', () => {
  it('HELLO, GET each axis, SET the limits in counts, STREAM, in that order', async () => {
    h = await startHarness();
    const verbs = h.ctrl1.executed.map((e) => e.verb);
    expect(verbs[0]).toBe('HELLO');
    expect(verbs.slice(1, 3)).toEqual(['GET', 'GET']);
    expect(verbs.at(-1)).toBe('STREAM');
    expect(h.ctrl1.axes[1]!.limits).toEqual({ MIN: -900, MAX: 900, VMAX: 1800, AMAX: 18000, FERR: 20 });
    expect(h.ctrl1.axes[0]!.limits).toEqual({ MIN: -1000, MAX: 100000, VMAX: 50000, AMAX: 500000 });
    expect(h.service.isReady()).toBe(true);
  });

  it('start() and close() are idempotent', async () => {
    h = await startHarness();
    await h.service.start();
    await Promise.all([h.service.close(), h.service.close()]);
    expect(h.service.isReady()).toBe(false);
    expect(h.service.controllers().map((c) => c.state)).toEqual(['closed', 'closed']);
  });
});

describe('moves', () => {
  it('converts units to counts and back, and settles on DONE', async () => {
    h = await startHarness();
    await enabled('conveyor');
    const move = await h.service.move('conveyor', { position: 12.34, velocity: 100, acceleration: 2000 });
    expect(move.status).toBe('queued');
    expect(h.ctrl1.executedOf('MOVE').at(-1)!.args).toEqual({ axis: 1, pos: 1234, vel: 10000, acc: 200000 });
    h.ctrl1.finishMove(1);
    const done = await h.service.waitForMove(move.moveId);
    expect(done).toMatchObject({ status: 'done', legs: [{ finalPosition: 12.34, targetPosition: 12.34 }] });
  });

  it('offsets positions by countAtZero, both ways; rates are not offset', async () => {
    h = await startHarness({
      patch: (raw) => {
        (raw.axes as Record<string, unknown>[])[0]!.countAtZero = 500;
      },
    });
    // SET MIN/MAX are positions: -10 mm and 1000 mm at 100 counts/mm, from count 500.
    expect(h.ctrl1.axes[0]!.limits).toMatchObject({ MIN: -500, MAX: 100500, VMAX: 50000 });
    await enabled('conveyor');
    const move = await h.service.move('conveyor', { position: 12.34, velocity: 100, acceleration: 2000 });
    expect(h.ctrl1.executedOf('MOVE').at(-1)!.args).toEqual({ axis: 1, pos: 1734, vel: 10000, acc: 200000 });
    h.ctrl1.finishMove(1);
    const done = await h.service.waitForMove(move.moveId);
    expect(done.legs[0]!.finalPosition).toBeCloseTo(12.34, 9);
    // The GET after DONE has been answered: the axis reads 12.34 mm, from count 1734.
    await until(() => h.service.axis('conveyor').position === 12.34, 'position read back');
    await h.service.move('conveyor', { distance: 1 });
    expect(h.ctrl1.executedOf('MOVE').at(-1)!.args.pos).toBe(1834);
    // The target read back (GET tgt=1834) is a position too.
    await until(() => h.service.axis('conveyor').target === 13.34, 'target read back');
  });

  it("stamps a move's createdAt and settledAt with the clock's epoch time, never its monotonic time", async () => {
    h = await startHarness();
    await enabled('conveyor');
    h.clock.advanceBy(1234);
    const createdAtMs = h.clock.epochMs();
    const move = await h.service.move('conveyor', { position: 1 });
    expect(Date.parse(move.createdAt)).toBe(createdAtMs);
    expect(Date.parse(move.createdAt)).not.toBe(h.clock.monotonicMs());
    h.clock.advanceBy(500);
    h.ctrl1.finishMove(1);
    const done = await h.service.waitForMove(move.moveId);
    expect(Date.parse(done.settledAt!)).toBe(h.clock.epochMs());
  });

  it('relative moves chain from the end of the open moves', async () => {
    h = await startHarness();
    await enabled('conveyor');
    await h.service.move('conveyor', { position: 10 });
    await h.service.move('conveyor', { distance: 5 });
    await h.service.move('conveyor', { distance: -2.5 });
    expect(h.ctrl1.executedOf('MOVE').map((e) => e.args.pos)).toEqual([1000, 1500, 1250]);
  });

  it('a move the controller refuses is failed, never retried', async () => {
    h = await startHarness();
    await enabled('conveyor');
    h.ctrl1.refuseNext('MOVE', 'RANGE');
    await expect(h.service.move('conveyor', { position: 1 })).rejects.toMatchObject({
      code: 'DEVICE_REJECTED_RANGE',
      extensions: { moveStatus: 'failed', deviceCode: 'RANGE' },
    });
    expect(h.ctrl1.executedOf('MOVE')).toHaveLength(0);
  });

  it('unplug with a move accepted and one on the wire: unknown, never re-sent; a DONE after replug upgrades', async () => {
    h = await startHarness();
    await enabled('conveyor');
    // 1. One move accepted by the controller.
    const accepted = await h.service.move('conveyor', { position: 1 });
    // 2. A second is written, but its reply never comes back.
    h.ctrl1.withholdReplies = true;
    const onWire = h.service.move('conveyor', { position: 2 });
    await until(() => h.ctrl1.executedOf('MOVE').length === 2, 'second MOVE executed');
    // 3. The cable is pulled.
    h.transports.unplug('fake://ctrl1');
    await expect(onWire).rejects.toMatchObject({
      code: 'MOVE_OUTCOME_UNKNOWN',
      extensions: { moveStatus: 'unknown' },
    });
    expect(h.service.getMove(accepted.moveId).status).toBe('unknown');
    await expect(h.service.move('conveyor', { position: 3 })).rejects.toMatchObject({
      code: 'CONTROLLER_DISCONNECTED',
    });
    // 4. Replug: the session survived (probe), so the controller's DONEs still reach both moves.
    h.ctrl1.withholdReplies = false;
    h.transports.replug('fake://ctrl1');
    await h.stepUntil(() => h.service.isReady());
    h.ctrl1.finishMove(1);
    h.ctrl1.finishMove(1);
    await settle();
    expect(h.service.getMove(accepted.moveId).status).toBe('done');
    // 5. Each MOVE ran exactly once, and the one refused while down never reached the device.
    expect(h.ctrl1.executedOf('MOVE').map((e) => e.args.pos)).toEqual([100, 200]);
    expect(h.service.axis('conveyor').positionUncertain).toBe(false);
  });

  it('a reboot makes open moves unknown for good and the axes position-uncertain', async () => {
    h = await startHarness();
    await enabled('conveyor', 'reject-arm');
    await h.service.home('reject-arm');
    h.ctrl1.finishHome(2);
    await settle();
    expect(h.service.axis('reject-arm').homed).toBe(true);
    const move = await h.service.move('conveyor', { position: 5 });
    // 1. Power cycle: BOOT ends the session.
    h.ctrl1.reboot();
    await settle();
    expect(h.service.getMove(move.moveId).status).toBe('unknown');
    await h.stepUntil(() => h.service.isReady());
    // 2. The arm must be homed again before it moves.
    expect(h.service.axis('reject-arm')).toMatchObject({ homed: false, positionUncertain: true });
    await h.service.enable('reject-arm');
    await expect(h.service.move('reject-arm', { position: 10 })).rejects.toMatchObject({
      code: 'AXIS_NOT_HOMED',
      extensions: { positionUncertain: true },
    });
    expect(h.events.some((e) => e.type === 'device' && e.event === 'BOOT')).toBe(true);
  });

  it('a DONE lost on the line is noticed by the poll: the move becomes unknown, not queued for ever', async () => {
    h = await startHarness();
    await enabled('conveyor');
    const first = await h.service.move('conveyor', { position: 1 });
    const second = await h.service.move('conveyor', { position: 2 });
    // 1. The first move finishes, but its DONE never reaches the host.
    h.ctrl1.loseEvents = 1;
    h.ctrl1.finishMove(1);
    await settle();
    expect(h.service.getMove(first.moveId).status).toBe('queued');
    // 2. The next poll reads q=1: the older of the two queued moves has finished unheard.
    h.clock.advanceBy(h.config.moves.pollIntervalMs);
    await settle();
    expect(h.service.getMove(first.moveId)).toMatchObject({
      status: 'unknown',
      error: { code: 'MOVE_OUTCOME_UNKNOWN' },
    });
    expect(h.service.getMove(second.moveId).status).toBe('queued');
    h.ctrl1.finishMove(1);
    await settle();
    expect(h.service.getMove(second.moveId).status).toBe('done');
  });

  it('a reply timeout answers DEVICE_TIMEOUT with the move unknown', async () => {
    h = await startHarness();
    await enabled('conveyor');
    h.ctrl1.withholdReplies = true;
    const move = h.service.move('conveyor', { position: 1 });
    const outcome = expect(move).rejects.toMatchObject({
      code: 'DEVICE_TIMEOUT',
      extensions: { moveStatus: 'unknown' },
    });
    await h.stepUntil(() => h.service.controllers()[0]!.state !== 'ready');
    await outcome;
    expect(h.ctrl1.executedOf('MOVE')).toHaveLength(1);
  });
});

describe('move outcomes on a v2 controller (PROTOCOL.md §v2 Events, §v2 Fields)', () => {
  it('a DONE damaged on the line is retransmitted: the move ends done, never unknown', async () => {
    h = await startHarness({ maxProtocol: 2 });
    await enabled('conveyor');
    const move = await h.service.move('conveyor', { position: 1 });
    const waiting = h.service.waitForMove(move.moveId);
    // 1. The DONE's first copy is lost; the device resends it after its evto (§v2 Events).
    h.ctrl1.loseEvents = 1;
    h.ctrl1.finishMove(1);
    await settle();
    expect(h.service.getMove(move.moveId).status).toBe('queued');
    // 2. A poll reads q=0 before the copy comes: with exactly-once events it settles nothing.
    h.clock.advanceBy(h.config.moves.pollIntervalMs);
    await h.stepUntil(() => h.service.getMove(move.moveId).status !== 'queued');
    expect(await waiting).toMatchObject({ status: 'done', legs: [{ finalPosition: 1 }] });
    expect(h.ctrl1.session.stats.eventRetransmits).toBeGreaterThan(0);
    const statuses = h.events.flatMap((e) => (e.type === 'move' ? [e.move.status] : []));
    expect(statuses).not.toContain('unknown');
  });

  it('OVERFLOW: the moves are resynchronised from GET q/run; what the state proves is settled, the rest is EVENTS_LOST', async () => {
    h = await startHarness({ maxProtocol: 2 });
    await enabled('conveyor');
    const first = await h.service.move('conveyor', { position: 1 });
    const second = await h.service.move('conveyor', { position: 2 });
    const third = await h.service.move('conveyor', { position: 3 });
    // 1. Two moves end, their DONEs never stored (the device's buffer was full), and it says so.
    h.ctrl1.finishMove(1, { silently: true });
    h.ctrl1.finishMove(1, { silently: true });
    h.ctrl1.event('OVERFLOW', { lost: 2 });
    await h.stepUntil(() => h.service.getMove(second.moveId).status !== 'queued');
    // 2. GET: q=1 run=<third>. The first two have ended; which way cannot be told.
    expect(h.service.getMove(first.moveId)).toMatchObject({
      status: 'unknown',
      error: { code: 'MOVE_OUTCOME_UNKNOWN', reason: 'EVENTS_LOST' },
    });
    expect(h.service.getMove(second.moveId).status).toBe('unknown');
    expect(h.service.getMove(third.moveId).status).toBe('queued');
    h.ctrl1.finishMove(1);
    await h.stepUntil(() => h.service.getMove(third.moveId).status !== 'queued');
    expect(h.service.getMove(third.moveId).status).toBe('done');
    // 3. An axis at rest on the target of its last move: that move is proven done.
    const fourth = await h.service.move('conveyor', { position: 4 });
    h.ctrl1.finishMove(1, { silently: true });
    h.ctrl1.event('OVERFLOW', { lost: 1 });
    await h.stepUntil(() => h.service.getMove(fourth.moveId).status !== 'queued');
    expect(h.service.getMove(fourth.moveId)).toMatchObject({ status: 'done', legs: [{ finalPosition: 4 }] });
    expect(h.service.controllers()[0]!.events).toMatchObject({ overflows: 2 });
  });

  it('?wait=true across an unplug: the move finished meanwhile, the controller kept its state: done, not 503', async () => {
    h = await startHarness({ maxProtocol: 2 });
    await enabled('conveyor');
    const move = await h.service.move('conveyor', { position: 5 });
    let answered: string | undefined;
    const waiting = h.service.waitForMove(move.moveId).then((r) => {
      answered = r.status;
      return r;
    });
    // 1. The cable is pulled; the move is provisionally unknown and the waiter keeps waiting.
    h.transports.unplug('fake://ctrl1');
    await settle();
    expect(h.service.getMove(move.moveId).status).toBe('unknown');
    expect(answered).toBeUndefined();
    // 2. It finishes while nobody listens (its DONE goes nowhere; a new HELLO empties the buffer).
    h.ctrl1.finishMove(1);
    // 3. Replug: the probe finds the session kept, the bring-up GET shows q=0 at the target.
    h.transports.replug('fake://ctrl1');
    await h.stepUntil(() => answered !== undefined);
    expect(await waiting).toMatchObject({ status: 'done', legs: [{ finalPosition: 5 }] });
    expect(h.ctrl1.executedOf('MOVE')).toHaveLength(1);
  });

  it('?wait=true across a reboot: the controller itself was lost, so the move is unknown for good', async () => {
    h = await startHarness({ maxProtocol: 2 });
    await enabled('conveyor');
    const move = await h.service.move('conveyor', { position: 5 });
    const waiting = h.service.waitForMove(move.moveId);
    h.ctrl1.reboot();
    await h.stepUntil(() => h.service.getMove(move.moveId).status !== 'queued' && h.service.isReady());
    expect(await waiting).toMatchObject({ status: 'unknown', error: { code: 'MOVE_OUTCOME_UNKNOWN' } });
  });

  it("an in-process jog without a lease (the gateway's conveyor) is kept alive on the controller until stopped", async () => {
    h = await startHarness({ maxProtocol: 2 });
    await enabled('conveyor');
    const status = await h.service.jog('conveyor', { velocity: 10 });
    expect(status).not.toHaveProperty('lease');
    // 1. Twelve seconds on, past two of the controller's 5 s leases (§v2 Jog lease): the service
    //    renewed it as it went, every third of the lease.
    await advance(12_000);
    expect(h.ctrl1.axes[0]!.jogging).toBe(true);
    expect(renewals()).toBeGreaterThanOrEqual(6);
    expect(h.ctrl1.received.map(String).filter((line) => line.includes(' RENEW 1 5000'))).toHaveLength(
      renewals(),
    );
    // 2. Stopped: no more renewals.
    await h.service.stop('conveyor');
    const after = renewals();
    h.clock.advanceBy(6000);
    await settle();
    expect(renewals()).toBe(after);
    expect(h.ctrl1.axes[0]!.jogging).toBe(false);
  });

  it('a kept-alive lease survives a refused renewal: it is tried again, and the controller never stops the belt', async () => {
    h = await startHarness({ maxProtocol: 2 });
    await enabled('conveyor');
    await h.service.jog('conveyor', { velocity: 10 });
    // A renewal answered with an error that does not say the jog is over: tried again, the jog runs on
    // past two of the controller's 5 s leases (before, the first failure ended the keepalive).
    h.ctrl1.refuseNext('RENEW', 'RANGE');
    await advance(12_000);
    expect(h.ctrl1.axes[0]!.jogging).toBe(true);
    expect(renewals()).toBeGreaterThanOrEqual(7); // the refused one, its retry, and the regular ones
  });

  it('a kept-alive lease survives a lost session: renewed once the link is back, so the belt never stops', async () => {
    h = await startHarness({ maxProtocol: 2 });
    await enabled('conveyor');
    await h.service.jog('conveyor', { velocity: 10 });
    await advance(2_000);
    // 1. The cable is pulled for 2 s, less than the controller's 5 s lease: it keeps jogging, and the
    //    host, which cannot renew meanwhile, keeps the lease instead of forgetting it.
    h.transports.unplug('fake://ctrl1');
    await advance(2_000);
    const beforeReplug = renewals();
    h.transports.replug('fake://ctrl1');
    await h.stepUntil(() => h.service.isReady());
    // 2. Back: the lease is renewed at once and then as before; the jog outlives several leases.
    await advance(500);
    expect(renewals()).toBeGreaterThan(beforeReplug);
    await advance(12_000);
    expect(h.ctrl1.axes[0]!.jogging).toBe(true);
    expect(h.ctrl1.executedOf('JOG')).toHaveLength(1);
  });

  it('a kept-alive lease whose axis stopped while the link was down is forgotten, not renewed', async () => {
    h = await startHarness({ maxProtocol: 2 });
    await enabled('conveyor');
    await h.service.jog('conveyor', { velocity: 10 });
    h.transports.unplug('fake://ctrl1');
    // Unplugged past the lease: the controller stops the axis itself (§v2 Jog lease).
    await advance(6_000);
    expect(h.ctrl1.axes[0]!.jogging).toBe(false);
    h.transports.replug('fake://ctrl1');
    await h.stepUntil(() => h.service.isReady());
    const afterReplug = renewals();
    await advance(6_000);
    expect(renewals()).toBe(afterReplug);
  });

  it('a v1 device that counts only the waiting moves in q: a running move is not declared unknown', async () => {
    h = await startHarness({ device: { queueCountsRunning: false } });
    await enabled('conveyor');
    const first = await h.service.move('conveyor', { position: 1 });
    const second = await h.service.move('conveyor', { position: 2 });
    // 1. GET says st=MOVING q=1 tgt=<first>: q alone would say one has ended (§v2 Fields, robustness).
    h.clock.advanceBy(h.config.moves.pollIntervalMs);
    await settle();
    expect([h.service.getMove(first.moveId).status, h.service.getMove(second.moveId).status]).toEqual([
      'queued',
      'queued',
    ]);
    // 2. The first ends and its DONE is lost; tgt now names the second, so the first is noticed.
    h.ctrl1.loseEvents = 1;
    h.ctrl1.finishMove(1);
    h.clock.advanceBy(h.config.moves.pollIntervalMs);
    await settle();
    expect(h.service.getMove(first.moveId).status).toBe('unknown');
    expect(h.service.getMove(second.moveId).status).toBe('queued');
    h.ctrl1.finishMove(1);
    await settle();
    expect(h.service.getMove(second.moveId).status).toBe('done');
  });
});

describe('coordinated moves', () => {
  it('scales each axis so they start and arrive together, across controllers', async () => {
    h = await startHarness();
    await enabled('conveyor', 'lift');
    // conveyor: 100 mm at <=200 mm/s; lift: 50 mm at <=50 mm/s -> the lift sets the pace.
    const move = await h.service.moveCoordinated({
      axes: [
        { axis: 'conveyor', position: 100 },
        { axis: 'lift', position: 50 },
      ],
    });
    expect(move.kind).toBe('coordinated');
    const conveyor = h.ctrl1.executedOf('MOVE').at(-1)!.args as { vel: number; acc: number };
    const lift = h.ctrl2.executedOf('MOVE').at(-1)!.args as { vel: number; acc: number };
    // Same duration: v/d and a/d equal on both axes (in units).
    expect(conveyor.vel / 100 / 100).toBeCloseTo(lift.vel / 50 / 50, 6);
    expect(conveyor.acc / 100 / 100).toBeCloseTo(lift.acc / 50 / 50, 6);
    expect(lift.vel).toBe(2500);
    h.ctrl1.finishMove(1);
    h.ctrl2.finishMove(1);
    await expect(h.service.waitForMove(move.moveId)).resolves.toMatchObject({ status: 'done' });
  });

  it('when one axis is refused, the accepted ones are stopped', async () => {
    h = await startHarness();
    await enabled('conveyor', 'lift');
    h.ctrl2.refuseNext('MOVE', 'QFULL');
    const attempt = h.service.moveCoordinated({
      axes: [
        { axis: 'conveyor', distance: 10 },
        { axis: 'lift', distance: 10 },
      ],
    });
    await expect(attempt).rejects.toMatchObject({
      code: 'AXIS_QUEUE_FULL',
      extensions: { moveStatus: 'failed' },
    });
    expect(h.ctrl1.executedOf('STOP')).toHaveLength(1);
  });

  it('refuses an axis that is busy, or listed twice', async () => {
    h = await startHarness();
    await enabled('conveyor', 'lift');
    await h.service.move('conveyor', { position: 10 });
    await expect(
      h.service.moveCoordinated({
        axes: [
          { axis: 'conveyor', position: 1 },
          { axis: 'lift', position: 1 },
        ],
      }),
    ).rejects.toMatchObject({ code: 'AXIS_BUSY' });
    await expect(
      h.service.moveCoordinated({
        axes: [
          { axis: 'lift', position: 1 },
          { axis: 'lift', position: 2 },
        ],
      }),
    ).rejects.toMatchObject({ code: 'INVALID_MOVE' });
  });

  it('an axis already at its target is done without a command', async () => {
    h = await startHarness();
    await enabled('conveyor', 'lift');
    const move = await h.service.moveCoordinated({
      axes: [
        { axis: 'conveyor', position: 0 },
        { axis: 'lift', position: 10 },
      ],
    });
    expect(move.legs.map((l) => l.status)).toEqual(['done', 'queued']);
    expect(h.ctrl1.executedOf('MOVE')).toHaveLength(0);
  });
});

describe('e-stop', () => {
  it('latches at once, reaches every controller, aborts queued moves and blocks motion until reset', async () => {
    h = await startHarness();
    await enabled('conveyor', 'lift');
    const moves = [];
    for (let i = 1; i <= 4; i++) moves.push(await h.service.move('conveyor', { position: i }));
    const result = h.service.estop();
    expect(result).toEqual({
      delivered: true,
      controllers: [
        { id: 'ctrl1', delivered: true },
        { id: 'ctrl2', delivered: true },
      ],
    });
    await expect(h.service.move('lift', { position: 1 })).rejects.toMatchObject({ code: 'AXIS_ESTOP' });
    await settle();
    expect(moves.map((m) => h.service.getMove(m.moveId).status)).toEqual([
      'aborted',
      'aborted',
      'aborted',
      'aborted',
    ]);
    expect(h.service.axis('conveyor').state).toBe('ESTOP');
    const reset = await h.service.resetEstop();
    expect(reset.ok).toBe(true);
    expect(h.service.controllers().every((c) => !c.estopLatched)).toBe(true);
  });

  it('an e-stop asked for while a controller is unplugged is written when it comes back', async () => {
    h = await startHarness();
    h.transports.unplug('fake://ctrl2');
    await settle();
    const result = h.service.estop();
    expect(result.delivered).toBe(false);
    expect(result.controllers).toEqual([
      { id: 'ctrl1', delivered: true },
      { id: 'ctrl2', delivered: false },
    ]);
    const before = h.ctrl2.received.length;
    h.transports.replug('fake://ctrl2');
    await h.stepUntil(() => h.service.isReady());
    expect(Buffer.concat(h.ctrl2.received.slice(before)).includes(0x18)).toBe(true);
    expect(h.service.axis('lift').state).toBe('ESTOP');
  });

  it('reset refused while an e-stop input is active', async () => {
    h = await startHarness();
    h.service.estop();
    h.ctrl1.estopInput = true;
    const reset = await h.service.resetEstop();
    expect(reset).toEqual({
      ok: false,
      controllers: [
        { id: 'ctrl1', ok: false, code: 'ESTOP_INPUT_ACTIVE' },
        { id: 'ctrl2', ok: true, code: null },
      ],
    });
    expect(h.service.controllers()[0]!.estopLatched).toBe(true);
  });
});

describe('homing, faults and events', () => {
  it('home with wait resolves on HOMED and fails on FAULT HOME', async () => {
    h = await startHarness();
    await enabled('reject-arm');
    const homing = h.service.home('reject-arm', { wait: true });
    await until(() => h.ctrl1.axes[1]!.st === 'HOMING', 'homing');
    h.ctrl1.finishHome(2);
    await expect(homing).resolves.toEqual({ axis: 'reject-arm', status: 'homed' });
    const failing = h.service.home('reject-arm', { wait: true });
    await until(() => h.ctrl1.axes[1]!.st === 'HOMING', 'homing again');
    h.ctrl1.finishHome(2, false);
    await expect(failing).rejects.toMatchObject({
      code: 'HOMING_FAILED',
      extensions: { deviceCode: 'HOME' },
    });
    await until(() => h.service.axis('reject-arm').fault === 'HOME', 'fault shown');
    await expect(h.service.jog('reject-arm', { velocity: 1 })).rejects.toMatchObject({ code: 'AXIS_FAULT' });
  });

  it('home with wait answers homing after the wait runs out', async () => {
    h = await startHarness();
    await enabled('reject-arm');
    const homing = h.service.home('reject-arm', { wait: true, maxWaitMs: 1000 });
    await until(() => h.ctrl1.axes[1]!.st === 'HOMING', 'homing');
    h.clock.advanceBy(1000);
    await expect(homing).resolves.toEqual({ axis: 'reject-arm', status: 'homing' });
  });

  it('subscribers hear axis changes, device events, move changes and link states; POS updates positions', async () => {
    h = await startHarness();
    h.ctrl1.event('POS', { t: 1, p: [250, -30, 0, 0], v: [10, 0, 0, 0] });
    await settle();
    expect(h.service.axis('conveyor')).toMatchObject({ position: 2.5, velocity: 0.1 });
    expect(h.service.axis('reject-arm').position).toBe(-3);
    h.ctrl1.event('FAULT', { axis: 0, code: 'WATCHDOG' });
    await settle();
    expect(
      h.service
        .listAxes()
        .filter((a) => a.controller === 'ctrl1')
        .map((a) => a.fault),
    ).toEqual(['WATCHDOG', 'WATCHDOG']);
    const types = new Set(h.events.map((e) => e.type));
    expect(types).toEqual(new Set(['axis', 'device', 'controller']));
    await enabled('lift');
    await h.service.move('lift', { position: 1 });
    expect(h.events.some((e) => e.type === 'move')).toBe(true);
  });

  it('a throwing subscriber does not stop the others', async () => {
    h = await startHarness();
    let heard = 0;
    h.service.subscribe(() => {
      throw new Error('bad listener');
    });
    h.service.subscribe(() => heard++);
    h.service.estop();
    expect(heard).toBeGreaterThan(0);
  });
});
