// The line controller against a fake motion port: PackML acting states drive motion, rejects are timed
// on the belt position, an e-stop aborts. Comments number the steps where order matters.

import { createMemoryLogger, ManualClock, sampleVerdict } from '@servo-edge/common/testing';
import type { AxisStatus, MotionServiceEvent } from '@servo-edge/motion-api';
import { describe, expect, it } from 'vitest';
import { visionSelfTest } from '../demo/demo-plant.js';
import { LineModel } from '../packml/line-model.js';
import { createLineController, type LineMotion, type RejectTiming } from './line-controller.js';

const BELT_MM_PER_S = 1000;

function fakeMotion(clock: ManualClock, positionTriggeredMoves = false) {
  const calls: string[] = [];
  /** Moves queued on the arm and not yet over (a triggered one stays armed until its test says so). */
  let armOpen = 0;
  let nextMove = 0;
  const settleMove = new Map<string, (status: 'done' | 'aborted') => void>();
  const listeners = new Set<(e: MotionServiceEvent) => void>();
  let beltVelocity = 0;
  let beltMm = 0;
  let lastMs = 0;
  let estop = false;
  let failJog = false;
  /** Axes that report MOVING until this clock reading (a belt ramping down after STOP). */
  const movingUntilMs = new Map<string, number>();
  const advanceBelt = () => {
    beltMm += ((clock.monotonicMs() - lastMs) * beltVelocity) / 1000;
    lastMs = clock.monotonicMs();
    return beltMm;
  };
  const status = (name: string): AxisStatus =>
    ({
      name,
      position: name === 'conveyor' ? advanceBelt() : 0,
      velocity: name === 'conveyor' ? beltVelocity : 0,
      enabled: false,
      homed: false,
      homingRequired: name === 'reject-arm',
      estop,
      controller: 'ctrl-a',
      state: clock.monotonicMs() < (movingUntilMs.get(name) ?? -1) ? 'MOVING' : 'IDLE',
      queue: { device: 0, open: name === 'reject-arm' ? armOpen : 0 },
    }) as AxisStatus;
  const motion: LineMotion = {
    axis: status,
    async jog(axis, request) {
      calls.push(`jog ${axis} ${request.velocity}`);
      if (failJog) throw Object.assign(new Error('x'), { code: 'DEVICE_DISCONNECTED' });
      advanceBelt();
      beltVelocity = request.velocity;
      return status(axis);
    },
    async stop(axis) {
      calls.push(`stop ${axis}`);
      if (axis === 'reject-arm') {
        for (const settle of settleMove.values()) settle('aborted');
        settleMove.clear();
        armOpen = 0;
        return status(axis);
      }
      advanceBelt();
      beltVelocity = 0;
      return status(axis);
    },
    async enable(axis) {
      calls.push(`enable ${axis}`);
      return status(axis);
    },
    async home(axis) {
      calls.push(`home ${axis}`);
      return { axis, status: 'homed' };
    },
    async move(axis, request) {
      const trigger = request.trigger
        ? ` when ${request.trigger.axis} ${request.trigger.direction} past ${request.trigger.position}`
        : '';
      calls.push(`move ${axis} ${request.position}${trigger} @${clock.monotonicMs()}`);
      const moveId = `m${++nextMove}`;
      if (request.trigger) armOpen++;
      return { moveId } as never;
    },
    waitForMove(moveId) {
      return new Promise((resolve) =>
        settleMove.set(moveId, (status) => {
          armOpen = Math.max(0, armOpen - 1);
          resolve({ moveId, status, error: null } as never);
        }),
      );
    },
    controllers() {
      return [
        {
          id: 'ctrl-a',
          connected: true,
          proto: positionTriggeredMoves ? 2 : 1,
          missingFeatures: positionTriggeredMoves ? [] : ['TRIG', 'LEASE'],
          capabilities: { positionTriggeredMoves },
        },
      ] as never;
    },
    estop() {
      calls.push('estop');
      estop = true;
      return { delivered: true, controllers: [] };
    },
    async resetEstop() {
      calls.push('reset');
      estop = false;
      return { ok: true, controllers: [] };
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return {
    motion,
    calls,
    beltMm: advanceBelt,
    emit: (e: MotionServiceEvent) => {
      for (const l of listeners) l(e);
    },
    failNextJog: () => {
      failJog = true;
    },
    /** `axis` reports MOVING for the next `ms`. */
    movingFor: (axis: string, ms: number) => {
      movingUntilMs.set(axis, clock.monotonicMs() + ms);
    },
    /** Moves someone is waiting on (the armed strokes), oldest first. */
    awaited: () => [...settleMove.keys()],
    /** Ends an armed triggered move as the controller would report it. */
    settle: (moveId: string, status: 'done' | 'aborted') => {
      settleMove.get(moveId)?.(status);
      settleMove.delete(moveId);
    },
  };
}

async function setup(opts: { positionTriggeredMoves?: boolean; rejectTiming?: RejectTiming } = {}) {
  const clock = new ManualClock({ monotonicMs: 0 });
  const memory = createMemoryLogger();
  const fake = fakeMotion(clock, opts.positionTriggeredMoves);
  const model = new LineModel({
    line: 'l1',
    clock,
    rateWindowMs: 60_000,
    recentInspectionsMax: 10,
    visionOnline: true,
  });
  const controller = createLineController({
    clock,
    model,
    motion: fake.motion,
    log: memory.logger,
    conveyorAxis: 'conveyor',
    rejectArmAxis: 'reject-arm',
    conveyorVelocityMmPerS: BELT_MM_PER_S,
    conveyorAccelerationMmPerS2: 10_000,
    rejectArm: { homePosition: 0, outPosition: 90, velocityUnitsPerS: 4000, accelerationUnitsPerS2: 200_000 },
    cameraToRejectMm: 500,
    commandLatencyMs: 3,
    rejectWithoutVerdict: true,
    samplePeriodMs: 2,
    ...(opts.rejectTiming ? { rejectTiming: opts.rejectTiming } : {}),
  });
  controller.start();
  const settle = async () => {
    for (let i = 0; i < 10; i++) await Promise.resolve();
  };
  return { clock, fake, model, controller, settle, memory };
}

describe('line controller', () => {
  it('Reset enables and homes the axes, Start runs the conveyor: Stopped -> Idle -> Execute', async () => {
    const { fake, model, settle } = await setup();
    model.command('Reset');
    await settle();
    expect(model.state).toBe('Idle');
    expect(fake.calls).toEqual([
      'enable conveyor',
      'enable reject-arm',
      'home reject-arm',
      'move reject-arm 0 @0',
    ]);
    model.command('Start');
    await settle();
    expect(model.state).toBe('Execute');
    expect(fake.calls.at(-1)).toBe('jog conveyor 1000');
  });

  it('fires the arm out and back so it is centred on a rejected product as it arrives, and counts outcomes', async () => {
    const { clock, fake, model, controller, settle } = await setup();
    model.command('Reset');
    await settle();
    model.command('Start');
    await settle();
    // 1. Two products pass the camera 100 mm apart; the first is rejected, the second passes.
    controller.trigger('BAD', fake.beltMm());
    clock.advanceBy(100);
    controller.trigger('GOOD', fake.beltMm());
    controller.verdict({ ...sampleVerdict(), productId: 'BAD', verdict: 'reject', reasons: ['NO_CODE'] });
    controller.verdict({ ...sampleVerdict(), productId: 'GOOD', verdict: 'pass', reasons: [] });
    fake.calls.length = 0;
    // 2. BAD reaches the reject station 500 ms after its trigger (t = 500). The arm's out-move takes
    //    42.5 ms and the link 3 ms, so the out-move must leave at t = 454.5.
    clock.advanceTo(454);
    expect(fake.calls).toEqual([]);
    clock.advanceTo(456);
    expect(fake.calls).toEqual(['move reject-arm 90 @454.5', 'move reject-arm 0 @454.5']);
    // 3. GOOD goes by untouched.
    clock.advanceTo(800);
    expect(fake.calls).toHaveLength(2);
    expect(model.snapshot().counters).toMatchObject({ produced: 2, good: 1, rejected: 1 });
    expect(controller.rejects.map((r) => r.productId)).toEqual(['BAD']);
  });

  it('rejects a product whose verdict never came (fail-safe)', async () => {
    const { clock, fake, model, controller, settle } = await setup();
    model.command('Reset');
    await settle();
    model.command('Start');
    await settle();
    controller.trigger('SILENT', fake.beltMm());
    clock.advanceTo(600);
    expect(controller.rejects).toMatchObject([{ productId: 'SILENT', cause: 'no-verdict' }]);
  });

  it('an e-stop from the controller takes the line to Aborted and forgets the belt; Clear resets', async () => {
    const { fake, model, controller, settle } = await setup();
    model.command('Reset');
    await settle();
    model.command('Start');
    await settle();
    controller.trigger('P1', fake.beltMm());
    fake.motion.estop();
    fake.emit({ type: 'device', controller: 'c1', axis: null, event: 'ESTOP', fields: { src: 'host' } });
    await settle();
    expect(model.state).toBe('Aborted');
    expect(controller.tracker.tracked).toBe(0);
    model.command('Clear');
    await settle();
    expect(model.state).toBe('Stopped');
    expect(fake.calls.at(-1)).toBe('reset');
  });

  it('a motion failure while starting aborts the line', async () => {
    const { fake, model, settle } = await setup();
    model.command('Reset');
    await settle();
    fake.failNextJog();
    model.command('Start');
    await settle();
    expect(model.state).toBe('Aborted');
    expect(fake.calls).toContain('estop');
  });

  it("the controller stopping the conveyor's jog (LEASE) holds the line, and Unhold runs the belt again", async () => {
    const { fake, model, settle, memory } = await setup();
    model.command('Reset');
    await settle();
    model.command('Start');
    await settle();
    fake.emit({ type: 'device', controller: 'ctrl-a', axis: 'conveyor', event: 'LEASE', fields: { pos: 1 } });
    await settle();
    expect(model.state).toBe('Held');
    expect(memory.events('line.conveyor.stopped')).toHaveLength(1);
    // A LEASE of another axis (an operator's jog) is not the line's business.
    model.command('Unhold');
    await settle();
    expect(model.state).toBe('Execute');
    expect(fake.calls.at(-1)).toBe('jog conveyor 1000');
    fake.emit({ type: 'device', controller: 'ctrl-b', axis: 'filler', event: 'LEASE', fields: {} });
    await settle();
    expect(model.state).toBe('Execute');
  });

  it('Hold stops the conveyor; Unhold runs it again', async () => {
    const { fake, model, settle } = await setup();
    model.command('Reset');
    await settle();
    model.command('Start');
    await settle();
    model.command('Hold');
    await settle();
    expect(model.state).toBe('Held');
    expect(fake.calls.at(-1)).toBe('stop conveyor');
    model.command('Unhold');
    await settle();
    expect(model.state).toBe('Execute');
  });
});

describe('reject strokes armed on the conveyor position (protocol v2 TMOVE)', () => {
  async function running(opts: Parameters<typeof setup>[0]) {
    const rig = await setup(opts);
    rig.model.command('Reset');
    await rig.settle();
    rig.model.command('Start');
    await rig.settle();
    rig.fake.calls.length = 0;
    return rig;
  }

  it('arms the stroke as soon as the verdict is in, to start where the arm meets the product', async () => {
    const { clock, fake, controller, model } = await running({ positionTriggeredMoves: true });
    const beltAtTriggerMm = fake.beltMm();
    controller.trigger('BAD', beltAtTriggerMm);
    clock.advanceBy(20);
    controller.verdict({ ...sampleVerdict(), productId: 'BAD', verdict: 'reject', reasons: ['SKEWED'] });
    // BAD arrives at +500 mm; the out-move takes 42.5 ms, during which the belt runs 42.5 mm.
    const triggerMm = beltAtTriggerMm + 500 - 42.5;
    expect(fake.calls).toEqual([
      `move reject-arm 90 when conveyor increasing past ${triggerMm} @20`,
      'move reject-arm 0 @20',
    ]);
    // Nothing more is sent when the product reaches its decision point; it is counted as before.
    clock.advanceBy(600);
    expect(fake.calls).toHaveLength(2);
    expect(model.snapshot().counters).toMatchObject({ produced: 1, rejected: 1 });
    expect(controller.rejects).toMatchObject([
      { productId: 'BAD', timing: 'position', triggerAtMm: triggerMm },
    ]);
  });

  it('arms in belt order when verdicts arrive out of order (parallel vision workers)', async () => {
    const { clock, fake, controller } = await running({ positionTriggeredMoves: true });
    controller.trigger('A', fake.beltMm());
    clock.advanceBy(100);
    controller.trigger('B', fake.beltMm());
    controller.verdict({ ...sampleVerdict(), productId: 'B', verdict: 'reject', reasons: [] });
    expect(fake.calls).toEqual([]);
    controller.verdict({ ...sampleVerdict(), productId: 'A', verdict: 'reject', reasons: [] });
    expect(controller.rejects.map((r) => r.productId)).toEqual(['A', 'B']);
    expect(fake.calls.filter((c) => c.includes('when'))).toHaveLength(2);
  });

  it('arms a product without a verdict at its decision point (fail-safe), then those held behind it', async () => {
    const { clock, fake, controller } = await running({ positionTriggeredMoves: true });
    controller.trigger('SILENT', fake.beltMm());
    clock.advanceBy(100);
    controller.trigger('BAD', fake.beltMm());
    controller.verdict({ ...sampleVerdict(), productId: 'BAD', verdict: 'reject', reasons: [] });
    expect(controller.rejects).toEqual([]);
    // SILENT's decision point, 50 ms ahead of the host-timed one (455): time for the TMOVE to arrive.
    clock.advanceTo(400);
    expect(controller.rejects).toEqual([]);
    clock.advanceTo(410);
    expect(controller.rejects.map((r) => [r.productId, r.cause])).toEqual([
      ['SILENT', 'no-verdict'],
      ['BAD', 'verdict'],
    ]);
  });

  it('logs a stroke the controller aborted (LATE) as failed', async () => {
    const { clock, fake, controller, memory, settle } = await running({ positionTriggeredMoves: true });
    controller.trigger('BAD', fake.beltMm());
    controller.verdict({ ...sampleVerdict(), productId: 'BAD', verdict: 'reject', reasons: [] });
    await settle();
    expect(fake.awaited()).toHaveLength(1);
    fake.settle(fake.awaited()[0]!, 'aborted');
    await settle();
    clock.advanceBy(1);
    expect(memory.events('line.reject.failed')).toMatchObject([
      { fields: { productId: 'BAD', status: 'aborted' } },
    ]);
  });

  it('Stopping cancels strokes still armed (the arm is free in Stopped), Resetting finds none, Start arms them again', async () => {
    const { clock, fake, controller, model, settle } = await running({ positionTriggeredMoves: true });
    controller.trigger('BAD', fake.beltMm());
    controller.verdict({ ...sampleVerdict(), productId: 'BAD', verdict: 'reject', reasons: [] });
    expect(fake.calls.filter((c) => c.includes('when conveyor'))).toHaveLength(1);
    fake.calls.length = 0;
    model.command('Stop');
    await settle();
    expect(model.state).toBe('Stopped');
    expect(fake.calls.indexOf('stop reject-arm')).toBeGreaterThan(fake.calls.indexOf('stop conveyor'));
    fake.calls.length = 0;
    model.command('Reset');
    await settle();
    expect(fake.calls.filter((c) => c === 'stop reject-arm')).toEqual([]);
    expect(fake.calls.findIndex((c) => c.startsWith('move reject-arm 0'))).toBeGreaterThanOrEqual(0);
    expect(model.state).toBe('Idle');
    fake.calls.length = 0;
    model.command('Start');
    await settle();
    clock.advanceBy(4);
    expect(fake.calls.filter((c) => c.includes('when conveyor'))).toHaveLength(1);
  });

  it('Stopping lets the belt ramp down before it cancels strokes: a product still riding into the reject point is kicked', async () => {
    const { clock, fake, controller, model, settle } = await running({ positionTriggeredMoves: true });
    controller.trigger('BAD', fake.beltMm());
    controller.verdict({ ...sampleVerdict(), productId: 'BAD', verdict: 'reject', reasons: [] });
    expect(fake.calls.filter((c) => c.includes('when conveyor'))).toHaveLength(1);
    // The controller takes STOP at once; the belt then reports MOVING for 150 ms of ramp-down.
    fake.movingFor('conveyor', 150);
    fake.calls.length = 0;
    model.command('Stop');
    await settle();
    expect(fake.calls).toContain('stop conveyor');
    for (let ms = 0; ms < 140; ms += 10) {
      clock.advanceBy(10);
      await settle();
      expect(fake.calls).not.toContain('stop reject-arm');
    }
    expect(model.state).toBe('Stopping');
    clock.advanceBy(20);
    await settle();
    // The belt stands: what it will not reach now is cancelled, as before.
    expect(fake.calls).toContain('stop reject-arm');
    expect(model.state).toBe('Stopped');
  });

  it('Stopping does not wait for ever on a belt that never reports still', async () => {
    const { clock, fake, model, settle } = await running({ positionTriggeredMoves: true });
    fake.movingFor('conveyor', 3_600_000);
    model.command('Stop');
    // The belt's own ramp-down (1000 mm/s at 10000 mm/s2: 100 ms) plus the margin, in steps.
    for (let ms = 0; ms < 700; ms += 10) {
      clock.advanceBy(10);
      await settle();
    }
    expect(model.state).toBe('Stopped');
  });

  it('falls back to host timing, with one warning, on a controller without triggered moves', async () => {
    const { clock, fake, controller, memory } = await running({ positionTriggeredMoves: false });
    controller.trigger('BAD', fake.beltMm());
    controller.verdict({ ...sampleVerdict(), productId: 'BAD', verdict: 'reject', reasons: [] });
    clock.advanceTo(600);
    expect(fake.calls.filter((c) => c.startsWith('move reject-arm')).every((c) => !c.includes('when'))).toBe(
      true,
    );
    expect(controller.rejects).toMatchObject([{ productId: 'BAD', timing: 'host' }]);
    expect(memory.events('line.reject.host-timing')).toMatchObject([
      { level: 'warn', fields: { proto: 1, missingFeatures: ['TRIG', 'LEASE'] } },
    ]);
  });

  it('rejectTiming host keeps host timing even where the controller could trigger', async () => {
    const { clock, fake, controller, memory } = await running({
      positionTriggeredMoves: true,
      rejectTiming: 'host',
    });
    controller.trigger('BAD', fake.beltMm());
    controller.verdict({ ...sampleVerdict(), productId: 'BAD', verdict: 'reject', reasons: [] });
    clock.advanceTo(600);
    expect(controller.rejects).toMatchObject([{ productId: 'BAD', timing: 'host' }]);
    expect(memory.events('line.reject.host-timing')).toEqual([]);
  });
});

describe('verdicts for products the line does not track', () => {
  const stray = (productId: string) => ({
    ...sampleVerdict(),
    productId,
    verdict: 'pass' as const,
    reasons: [],
  });

  it('while the line runs, a lost trigger: line.verdict.unmatched (warn)', async () => {
    const { model, controller, settle, memory } = await setup();
    model.command('Reset');
    await settle();
    model.command('Start');
    await settle();
    controller.verdict(stray('NEVER-TRIGGERED'));
    expect(memory.events('line.verdict.unmatched')).toMatchObject([
      { level: 'warn', fields: { productId: 'NEVER-TRIGGERED', late: false } },
    ]);
  });

  it('at rest, a test frame: counted and kept, logged at debug only', async () => {
    const { model, controller, memory } = await setup();
    expect(model.state).toBe('Stopped');
    controller.verdict(stray('TEST-1'));
    expect(memory.events('line.verdict.unmatched')).toEqual([]);
    expect(memory.events('line.verdict.untracked')).toMatchObject([{ level: 'debug' }]);
    expect(controller.tracker.stats.unknownVerdicts).toBe(1);
    expect(model.recentInspections(1).map((v) => v.productId)).toEqual(['TEST-1']);
  });

  it('a late verdict warns in any state', async () => {
    const { clock, fake, model, controller, settle, memory } = await setup();
    model.command('Reset');
    await settle();
    model.command('Start');
    await settle();
    // 1. The product passes its decision point without a verdict, then the operator stops the line.
    controller.trigger('SLOW', fake.beltMm());
    clock.advanceTo(600);
    model.command('Stop');
    await settle();
    expect(model.state).toBe('Stopped');
    // 2. Its verdict comes in afterwards: vision is too slow, whatever the line is doing now.
    controller.verdict(stray('SLOW'));
    expect(memory.events('line.verdict.unmatched')).toMatchObject([
      { level: 'warn', fields: { productId: 'SLOW', late: true } },
    ]);
  });

  it("the demo's vision self-test, before the line starts, logs no line.verdict.unmatched", async () => {
    const { clock, model, controller, memory } = await setup();
    // A camera whose every frame comes back as a verdict, as the vision service answers it.
    const camera = {
      publishFrame: async (productId: string) => {
        controller.verdict(stray(productId));
      },
    };
    await visionSelfTest(camera, () => controller.tracker.stats.unknownVerdicts, clock);
    expect(model.state).toBe('Stopped');
    expect(controller.tracker.stats.unknownVerdicts).toBe(12);
    expect(memory.events('line.verdict.unmatched')).toEqual([]);
    expect(memory.records.filter((r) => r.level === 'warn' || r.level === 'error')).toEqual([]);
  });
});
