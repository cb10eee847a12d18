// The motion API driving the reference firmware (firmware-protocol/firmware) in simavr over a real
// pty, auth on (issue #14, "Done when": REST moves, a coordinated move, the software stop and reset,
// positions that agree with the pins). The firmware's pin-edge log is the oracle: the step count of
// the step/dir axes and the pulse width of the hobby-servo axis (firmware README §Outputs).
// Real time: every wait is bounded (expect.poll, ?wait=true, service events), none is a sleep.
// Skipped with the reason when the AVR toolchain or libsimavr is missing (never in CI).

import { silentLogger } from '@servo-edge/common/log';
import { buildApp, createMotionService, type MotionService, parseMotionConfig } from '@servo-edge/motion-api';
import { buildFirmware, firmwareSkipReason, readPinEdges } from '@servo-edge/simulator/firmware';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_KEY,
  ARM_COUNTS_PER_DEG,
  AS_ADMIN,
  AS_OPERATOR,
  CONVEYOR_COUNTS_PER_MM,
  type FirmwareOnLink,
  firmwareAxes,
  firmwareOnLink,
  HOME_SWITCH_COUNTS,
  LIFT_COUNTS_PER_MM,
  OPERATOR_KEY,
  SERVO_CENTRE_US,
  SERVO_JITTER_US,
  SERVO_TOLERANCE_US,
  servoSummary,
} from './support/firmware-rig.js';

const skipReason = firmwareSkipReason();
if (skipReason) console.warn(`firmware end-to-end tests skipped: ${skipReason}`);

interface AxisView {
  position: number;
  velocity: number;
  state: string;
  homed: boolean;
  queue: number;
}

describe.skipIf(skipReason !== undefined)('the motion API on the reference firmware in simavr', () => {
  let firmware: FirmwareOnLink | undefined;
  let service: MotionService | undefined;
  let app: FastifyInstance | undefined;
  /** The conveyor's step count when it reported HOMED at 0: its pin position is offset by it. */
  let homeOffsetSteps = 0;

  beforeAll(async () => {
    await buildFirmware();
    firmware = await firmwareOnLink();
    const config = parseMotionConfig({
      auth: {
        keys: [
          { id: 'op', key: OPERATOR_KEY, role: 'operator' },
          { id: 'admin', key: ADMIN_KEY, role: 'admin' },
        ],
      },
      // A simulation that lags the wall clock on a loaded machine stretches replies (README §Running it
      // without hardware), hence a reply timeout above the default.
      controllers: [
        { id: 'mega', path: firmware.linkPath, replyTimeoutMs: 500, streamHz: 20, watchdogMs: 5000 },
      ],
      axes: firmwareAxes('mega'),
      reconnect: { initialDelayMs: 50, maxDelayMs: 500, multiplier: 2, connectTimeoutMs: 3000 },
      moves: { maxWaitMs: 20_000 },
      logLevel: 'silent',
    });
    service = createMotionService(config);
    await service.start();
    if (!(await service.whenReady(20_000))) throw new Error('the motion service did not come up');
    app = buildApp({ service, logger: silentLogger });
  }, 180_000);

  afterAll(async () => {
    await app?.close();
    await service?.close();
    await firmware?.close();
  });

  async function call(method: 'GET' | 'POST', url: string, payload?: object, headers = AS_OPERATOR) {
    const response = await app!.inject({
      method,
      url: `/api/v1${url}`,
      headers,
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });
    const body = response.body === '' ? {} : (response.json() as Record<string, unknown>);
    return { status: response.statusCode, body };
  }

  async function axis(name: string): Promise<AxisView> {
    return (await call('GET', `/axes/${name}`)).body as unknown as AxisView;
  }

  /** The conveyor's position in counts as its pins show it, from the homed zero. */
  async function conveyorPinCounts(): Promise<number> {
    return (await firmware!.device.pinPosition(1)) - homeOffsetSteps;
  }

  it('connects with auth on: GET /controllers shows protocol 2 and what the firmware advertises', async () => {
    // 1. No key, no answer (README §Auth).
    const anonymous = await app!.inject({ method: 'GET', url: '/api/v1/controllers' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json()).toMatchObject({ code: 'UNAUTHORIZED' });
    // 2. §v2 Negotiation: HELLO 2 answered with feat=TRIG,LEASE (firmware README §What it advertises).
    const { status, body } = await call('GET', '/controllers');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      controllers: [
        {
          id: 'mega',
          state: 'ready',
          proto: 2,
          features: ['TRIG', 'LEASE'],
          // The firmware does not implement the optional TSTEP (§v2 Triggered steps).
          missingFeatures: ['TSTEP'],
          capabilities: {
            protocol: 'servo-edge/2',
            eventDelivery: 'exactly-once',
            positionTriggeredMoves: true,
            positionTriggeredSteps: false,
            jogLease: 'native',
          },
        },
      ],
    });
  });

  it('enables and homes the conveyor to the harness switch, refusing moves until then', async () => {
    for (const name of ['conveyor', 'lift', 'arm']) {
      expect((await call('POST', `/axes/${name}/enable`)).status).toBe(200);
    }
    // 1. homingRequired: the conveyor refuses a move before it is homed.
    const early = await call('POST', '/axes/conveyor/move', { position: 10 });
    expect(early).toMatchObject({ status: 409, body: { code: 'AXIS_NOT_HOMED' } });
    // 2. §Commands HOME: the firmware searches downward to the switch the harness closes at -2000 steps.
    const homed = await call('POST', '/axes/conveyor/home?wait=true');
    expect(homed.status).toBe(200);
    // The API reads the axis back after HOMED (device-events.ts): its state follows one GET later.
    await expect.poll(async () => (await axis('conveyor')).state, { timeout: 3000 }).toBe('IDLE');
    expect(await axis('conveyor')).toMatchObject({ position: 0, homed: true });
    homeOffsetSteps = await firmware!.device.pinPosition(1);
    expect(homeOffsetSteps).toBeLessThanOrEqual(HOME_SWITCH_COUNTS + 100);
    expect(homeOffsetSteps).toBeGreaterThan(HOME_SWITCH_COUNTS - 100);
  }, 30_000);

  it('runs single REST moves to done on a step/dir axis and a servo axis, as the pins show', async () => {
    const conveyor = await call('POST', '/axes/conveyor/move?wait=true', { position: 50, velocity: 120 });
    expect(conveyor).toMatchObject({ status: 200, body: { status: 'done' } });
    const arm = await call('POST', '/axes/arm/move?wait=true', { position: 30 });
    expect(arm).toMatchObject({ status: 200, body: { status: 'done' } });
    // DONE ends the wait; the state comes with the GET the API sends after it.
    for (const name of ['conveyor', 'arm']) {
      await expect.poll(async () => (await axis(name)).state, { timeout: 3000 }).toBe('IDLE');
    }
    expect(await axis('conveyor')).toMatchObject({ position: 50 });
    expect(await axis('arm')).toMatchObject({ position: 30 });
    // Step count = position in counts; pulse width = 1500 µs + counts (the next 20 ms frame shows it).
    expect(await conveyorPinCounts()).toBe(50 * CONVEYOR_COUNTS_PER_MM);
    await expect
      .poll(async () => Math.abs((await firmware!.device.pinPosition(3)) - 30 * ARM_COUNTS_PER_DEG), {
        timeout: 2000,
      })
      .toBeLessThanOrEqual(SERVO_TOLERANCE_US);
  }, 30_000);

  it('runs a coordinated move on two step/dir axes: both done, both at their targets', async () => {
    const { status, body } = await call('POST', '/moves?wait=true', {
      axes: [
        { axis: 'conveyor', position: 20 },
        { axis: 'lift', position: 120 },
      ],
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'done' });
    const legs = body.legs as { axis: string; finalPosition: number }[];
    expect(legs.map((leg) => [leg.axis, leg.finalPosition]).sort()).toEqual([
      ['conveyor', 20],
      ['lift', 120],
    ]);
    expect(await conveyorPinCounts()).toBe(20 * CONVEYOR_COUNTS_PER_MM);
    expect(await firmware!.device.pinPosition(2)).toBe(120 * LIFT_COUNTS_PER_MM);
  }, 30_000);

  it('fires a move when the conveyor passes a position (TRIG), timed by the firmware', async () => {
    // 1. Armed on the firmware: the arm goes to -45 deg once the conveyor passes 60 mm upward.
    const armed = await call('POST', '/axes/arm/move', {
      position: -45,
      trigger: { axis: 'conveyor', position: 60, direction: 'increasing' },
    });
    expect(armed.status).toBe(202);
    const moveId = armed.body.moveId as string;
    // 2. The conveyor runs through it.
    const conveyor = await call('POST', '/axes/conveyor/move?wait=true', { position: 100 });
    expect(conveyor).toMatchObject({ status: 200, body: { status: 'done' } });
    await expect
      .poll(async () => (await call('GET', `/moves/${moveId}`)).body.status, { timeout: 5000 })
      .toBe('done');
    const leg = ((await call('GET', `/moves/${moveId}`)).body.legs as Record<string, unknown>[])[0]!;
    expect(leg).toMatchObject({ finalPosition: -45 });
    expect(leg.started).toMatchObject({ deviceTimeMs: expect.any(Number) });
    await expect
      .poll(async () => Math.abs((await firmware!.device.pinPosition(3)) - -45 * ARM_COUNTS_PER_DEG), {
        timeout: 2000,
      })
      .toBeLessThanOrEqual(SERVO_TOLERANCE_US);
  }, 30_000);

  it('jogs with a lease that is not renewed: the firmware stops the axis and says LEASE', async () => {
    let leaseEvents = 0;
    let leaseId = '';
    const unsubscribe = service!.subscribe((event) => {
      if (event.type === 'device' && event.event === 'LEASE') leaseEvents++;
    });
    try {
      const jog = await call('POST', '/axes/conveyor/jog', { velocity: 20, leaseMs: 300 });
      expect(jog.status).toBe(200);
      expect(jog.body).toMatchObject({ lease: { leaseMs: 300, enforcedBy: 'controller' } });
      leaseId = (jog.body.lease as { id: string }).id;
      // §v2 Jog lease: the controller's timer, not the API's, ends it.
      await expect.poll(() => leaseEvents, { timeout: 5000 }).toBe(1);
      // Standstill as the POS stream reports it, and as the API's state says: LEASE comes as the ramp
      // down begins and no event marks its end, so the service reads the axis until it is IDLE.
      await expect
        .poll(async () => (await axis('conveyor')).velocity, { timeout: 5000, interval: 100 })
        .toBe(0);
      await expect
        .poll(async () => (await axis('conveyor')).state, { timeout: 5000, interval: 100 })
        .toBe('IDLE');
    } finally {
      unsubscribe();
    }
    const after = await axis('conveyor');
    // 300 ms at 20 mm/s past 100 mm, with the ramps: it moved, and not far.
    expect(after.position).toBeGreaterThan(100);
    expect(after.position).toBeLessThan(110);
    const renewed = await call('POST', '/axes/conveyor/jog/renew', { leaseId });
    expect(renewed).toMatchObject({ status: 404, body: { code: 'JOG_LEASE_NOT_FOUND' } });
    await expect
      .poll(conveyorPinCounts, { timeout: 2000 })
      .toBe(Math.round(after.position * CONVEYOR_COUNTS_PER_MM));
  }, 30_000);

  it('the software stop latches ESTOP on every axis mid-move; reset (admin) clears it', async () => {
    const moving = await call('POST', '/axes/lift/move', { position: 280, velocity: 100 });
    expect(moving.status).toBe(202);
    await expect.poll(async () => (await axis('lift')).state, { timeout: 3000 }).toBe('MOVING');
    // 1. §v2 Stop: 0x96 eight times, ahead of every queued frame.
    const stop = await call('POST', '/estop');
    expect(stop.status).toBe(200);
    await expect
      .poll(async () => (await Promise.all(['conveyor', 'lift', 'arm'].map(axis))).map((a) => a.state), {
        timeout: 3000,
      })
      .toEqual(['ESTOP', 'ESTOP', 'ESTOP']);
    await expect
      .poll(async () => (await call('GET', `/moves/${moving.body.moveId}`)).body.status, { timeout: 3000 })
      .toBe('aborted');
    expect(await call('POST', '/axes/lift/move', { position: 10 })).toMatchObject({
      status: 409,
      body: { code: 'AXIS_ESTOP' },
    });
    // 2. An operator may stop but not reset.
    expect((await call('POST', '/estop/reset')).status).toBe(403);
    expect((await call('POST', '/estop/reset', undefined, AS_ADMIN)).status).toBe(200);
    await expect
      .poll(async () => (await Promise.all(['conveyor', 'lift', 'arm'].map(axis))).map((a) => a.state), {
        timeout: 3000,
      })
      .not.toContain('ESTOP');
    // 3. Moving again after the reset.
    for (const name of ['conveyor', 'lift', 'arm']) {
      if ((await axis(name)).state === 'DISABLED') {
        expect((await call('POST', `/axes/${name}/enable`)).status).toBe(200);
      }
    }
    const lift = await call('POST', '/axes/lift/move?wait=true', { position: 40 });
    expect(lift).toMatchObject({ status: 200, body: { status: 'done' } });
    const conveyor = await call('POST', '/axes/conveyor/move?wait=true', { position: 75.5 });
    expect(conveyor).toMatchObject({ status: 200, body: { status: 'done' } });
  }, 30_000);

  it('after every move, the positions the API reports agree with the pin-edge record', async () => {
    const positions = {
      conveyor: (await axis('conveyor')).position,
      lift: (await axis('lift')).position,
      arm: (await axis('arm')).position,
    };
    expect(positions).toEqual({ conveyor: 75.5, lift: 40, arm: -45 });
    // 1. The whole record, written by the harness as the pins changed, once the firmware is stopped.
    await app!.close();
    await service!.close();
    await firmware!.device.close();
    const pins = await readPinEdges(firmware!.edgesPath);
    // 2. Step/dir: net steps = counts (+ where the conveyor stood when it homed to 0).
    expect(pins[1]!.steps - homeOffsetSteps).toBe(positions.conveyor * CONVEYOR_COUNTS_PER_MM);
    expect(pins[2]!.steps).toBe(positions.lift * LIFT_COUNTS_PER_MM);
    // 3. Hobby servo: the steady pulse is 1500 µs + counts, and no pulse ever left 1000–2000 µs.
    const arm = servoSummary(pins[3]!);
    expect(arm.outOfRange).toEqual([]);
    expect(arm.settledUs).toBeDefined();
    expect(
      Math.abs(arm.settledUs! - (SERVO_CENTRE_US + positions.arm * ARM_COUNTS_PER_DEG)),
    ).toBeLessThanOrEqual(SERVO_TOLERANCE_US);
    expect(arm.settledJitterUs).toBeLessThanOrEqual(SERVO_JITTER_US);
  }, 30_000);
});
