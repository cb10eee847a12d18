// The edge gateway driving the reference firmware (firmware-protocol/firmware) in simavr over a real
// pty (issue #14, "Done when"): its motion controller's path is the firmware's link, its broker is
// embedded on port 0. The line's Reset brings the axes up (enable, home the conveyor to the harness's
// switch, the reject arm to rest); Start runs a short production at 40/min, the camera and vision
// stood in for (the line at 600/min is tests/e2e's, on the TypeScript simulator), its reject strokes
// armed on the firmware; Stop stops the belt. In Manual mode REST moves and a coordinated move go
// through the gateway's guarded motion routes; then the software stop and its reset. The positions
// the gateway reports agree with the firmware's pin-edge log (firmware README §Outputs).
// Real time, every wait bounded (expect.poll), none a sleep.

import { sampleVerdict } from '@servo-edge/common/testing';
import { createGateway, type Gateway, parseConfigText } from '@servo-edge/edge-gateway';
import { buildFirmware, firmwareSkipReason, readPinEdges } from '@servo-edge/simulator/firmware';
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
if (skipReason) console.warn(`firmware gateway tests skipped: ${skipReason}`);

/** 40 products/min at 150 mm pitch: the belt at 100 mm/s, 10 000 steps/s, within the step timer's 20 000. */
const PRODUCTS_PER_MIN = 40;
const PRODUCT_SPACING_MM = 150;
/**
 * The reject stroke: out and back take 2 × (40/180 + 180/1800) s = 0.64 s, well inside the 1.5 s
 * between products, so a stroke armed behind the last one's back-move is at the head of the queue
 * before its trigger position comes by.
 */
const REJECT_OUT_DEG = 40;

/** The gateway's config, as JSON (a YAML document), through the same loader as `servo-edge --config`. */
function gatewayConfigText(linkPath: string): string {
  const axes = firmwareAxes('mega').map((axis) =>
    axis.name === 'arm' ? { ...axis, name: 'reject-arm' } : axis,
  );
  return JSON.stringify({
    http: { host: '127.0.0.1', port: 0 },
    auth: {
      keys: [
        { name: 'op', key: OPERATOR_KEY, role: 'operator' },
        { name: 'admin', key: ADMIN_KEY, role: 'admin' },
      ],
    },
    mqtt: { embedded: { host: '127.0.0.1', portTcp: 0, portWs: 0 } },
    line: {
      name: 'fw-line',
      productSpacingMm: PRODUCT_SPACING_MM,
      stations: { cameraMm: 200, rejectMm: 400 },
      axes: { conveyor: 'conveyor', rejectArm: 'reject-arm' },
      rates: { productsPerMin: PRODUCTS_PER_MIN },
      conveyorAccelerationMmPerS2: 1000,
      // The stroke within the hobby servo's ±90 deg (±450 counts at 5 counts/deg).
      rejectArm: {
        homePosition: 0,
        outPosition: REJECT_OUT_DEG,
        velocityUnitsPerS: 180,
        accelerationUnitsPerS2: 1800,
      },
      // Manual mode caps REST moves at this share of each axis's maximum velocity (README §Unit modes).
      modes: { reducedSpeedPercent: 50 },
    },
    motion: {
      // A simulation that lags the wall clock stretches replies (firmware README), hence 500 ms.
      controllers: [{ id: 'mega', path: linkPath, replyTimeoutMs: 500, streamHz: 20, watchdogMs: 5000 }],
      axes,
      reconnect: { initialDelayMs: 50, maxDelayMs: 500, multiplier: 2, connectTimeoutMs: 3000 },
      moves: { maxWaitMs: 20_000 },
      logLevel: 'silent',
    },
  });
}

/** The widest pulse of each run of pulses above `aboveUs`: one per excursion of the servo. */
function strokePeaks(pulsesUs: readonly number[], aboveUs: number): number[] {
  const peaks: number[] = [];
  let inStroke = false;
  for (const us of pulsesUs) {
    if (us <= aboveUs) {
      inStroke = false;
      continue;
    }
    if (!inStroke) peaks.push(us);
    else peaks[peaks.length - 1] = Math.max(peaks.at(-1)!, us);
    inStroke = true;
  }
  return peaks;
}

interface AxisView {
  position: number;
  velocity: number;
  state: string;
  homed: boolean;
  estop: boolean;
}

describe.skipIf(skipReason !== undefined)('the edge gateway on the reference firmware in simavr', () => {
  let firmware: FirmwareOnLink | undefined;
  let gateway: Gateway | undefined;
  /** The conveyor's step count when the line's Reset homed it to 0. */
  let homeOffsetSteps = 0;

  beforeAll(async () => {
    await buildFirmware();
    firmware = await firmwareOnLink();
    const config = parseConfigText(gatewayConfigText(firmware.linkPath), { env: {} });
    gateway = createGateway(config);
    await gateway.start();
  }, 180_000);

  afterAll(async () => {
    await gateway?.close();
    await firmware?.close();
  });

  async function call(method: 'GET' | 'POST', path: string, body?: object, headers = AS_OPERATOR) {
    const response = await fetch(`${gateway!.httpUrl()}/api/v1${path}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown>,
    };
  }

  async function axis(name: string): Promise<AxisView> {
    return (await call('GET', `/axes/${name}`)).body as unknown as AxisView;
  }

  async function lineState(): Promise<string> {
    return (await call('GET', '/line')).body.state as string;
  }

  it('brings the firmware link up: ready, protocol 2 with TRIG and LEASE, the broker on port 0', async () => {
    await expect
      .poll(async () => (await fetch(`${gateway!.httpUrl()}/readyz`)).status, { timeout: 20_000 })
      .toBe(200);
    expect(gateway!.mqttUrl()).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
    expect(gateway!.mqttUrl()).not.toMatch(/:1883$/);
    const { body } = await call('GET', '/controllers');
    expect(body).toMatchObject({
      controllers: [{ id: 'mega', state: 'ready', proto: 2, features: ['TRIG', 'LEASE'] }],
    });
  }, 30_000);

  it("the line's Reset enables and homes the axes on the firmware; Start runs a short production, Stop stops it", async () => {
    // 1. Reset: enable, HOME the conveyor (the harness's switch at -2000 steps), the arm to rest.
    expect((await call('POST', '/line/command', { command: 'Reset' })).status).toBe(200);
    await expect.poll(lineState, { timeout: 15_000, interval: 100 }).toBe('Idle');
    expect(await axis('conveyor')).toMatchObject({ homed: true, position: 0 });
    homeOffsetSteps = await firmware!.device.pinPosition(1);
    expect(homeOffsetSteps).toBeLessThanOrEqual(HOME_SWITCH_COUNTS + 100);
    expect(homeOffsetSteps).toBeGreaterThan(HOME_SWITCH_COUNTS - 100);
    // 2. In Production the line owns its axes: a REST move is refused before anything is sent.
    expect(await call('POST', '/axes/conveyor/move', { position: 10 })).toMatchObject({
      status: 409,
      body: { code: 'AXIS_OWNED_BY_LINE' },
    });
    // 3. Vision is stood in for (no vision service here): offline, it would suspend the line in Execute.
    gateway!.line.visionOnline();
    // Start: the belt jogs at productsPerMin × spacing (a v2 jog, its lease kept alive by the API).
    expect((await call('POST', '/line/command', { command: 'Start' })).status).toBe(200);
    await expect.poll(lineState, { timeout: 10_000, interval: 100 }).toBe('Execute');
    await expect
      .poll(async () => (await axis('conveyor')).velocity, { timeout: 5000, interval: 100 })
      .toBe((PRODUCTS_PER_MIN * PRODUCT_SPACING_MM) / 60);
    // 4. A short production: four products pass the camera 150 mm apart; vision (stood in for) rejects
    //    the 2nd and 4th. Each reject stroke is armed on the firmware (TMOVE, line.rejectTiming auto on
    //    a v2 link with TRIG) and fired by the belt's position there.
    expect(gateway!.lineController.positionTiming()).toBe(true);
    let strokesStarted = 0;
    const unsubscribe = gateway!.motion.subscribe((event) => {
      // §v2 Triggered moves: STARTED says the firmware fired an armed stroke at the belt's position.
      if (event.type === 'device' && event.event === 'STARTED' && event.axis === 'reject-arm')
        strokesStarted++;
    });
    const verdicts = ['pass', 'reject', 'pass', 'reject'] as const;
    let atMm = (await axis('conveyor')).position;
    for (const [i, verdict] of verdicts.entries()) {
      const productId = `fw-${i + 1}`;
      gateway!.lineController.trigger(productId, atMm);
      gateway!.lineController.verdict(
        sampleVerdict({ productId, verdict, reasons: verdict === 'pass' ? [] : ['NO_LABEL'] }),
      );
      atMm += PRODUCT_SPACING_MM;
      await expect
        .poll(async () => (await axis('conveyor')).position, { timeout: 5000, interval: 50 })
        .toBeGreaterThanOrEqual(atMm);
    }
    // The last product reaches the reject station 200 mm (2 s) after the camera.
    await expect
      .poll(async () => (await call('GET', '/line')).body.counters, { timeout: 10_000, interval: 200 })
      .toMatchObject({ produced: 4, good: 2, rejected: 2 });
    // The counters count decisions; the second stroke fires a little later, and must have run (out and
    // back) before Stop halts the belt that fires it.
    try {
      await expect.poll(() => strokesStarted, { timeout: 5000 }).toBe(2);
    } finally {
      unsubscribe();
    }
    await expect
      .poll(async () => (await call('GET', '/axes/reject-arm')).body.queue, { timeout: 5000, interval: 100 })
      .toEqual({ device: 0, open: 0 });
    // 5. Stop: the belt ramps down and stands.
    expect((await call('POST', '/line/command', { command: 'Stop' })).status).toBe(200);
    await expect.poll(lineState, { timeout: 10_000, interval: 100 }).toBe('Stopped');
    await expect
      .poll(async () => (await axis('conveyor')).velocity, { timeout: 5000, interval: 100 })
      .toBe(0);
    const ran = (await axis('conveyor')).position;
    expect(ran).toBeGreaterThan(0);
    await expect
      .poll(async () => (await firmware!.device.pinPosition(1)) - homeOffsetSteps, { timeout: 2000 })
      .toBe(Math.round(ran * CONVEYOR_COUNTS_PER_MM));
  }, 60_000);

  it('in Manual mode: REST moves and a coordinated move through the gateway end done', async () => {
    expect((await call('POST', '/line/mode', { mode: 'Manual' })).body).toMatchObject({ mode: 'Manual' });
    expect((await call('POST', '/axes/lift/enable')).status).toBe(200);
    const start = (await axis('conveyor')).position;
    const conveyor = await call('POST', '/axes/conveyor/move?wait=true', {
      position: Math.round(start) + 30,
    });
    expect(conveyor).toMatchObject({ status: 200, body: { status: 'done' } });
    const arm = await call('POST', '/axes/reject-arm/move?wait=true', { position: -40 });
    expect(arm).toMatchObject({ status: 200, body: { status: 'done' } });
    const coordinated = await call('POST', '/moves?wait=true', {
      axes: [
        { axis: 'conveyor', position: Math.round(start) + 10 },
        { axis: 'lift', position: 80 },
      ],
    });
    expect(coordinated).toMatchObject({ status: 200, body: { status: 'done' } });
    expect(await firmware!.device.pinPosition(2)).toBe(80 * LIFT_COUNTS_PER_MM);
    await expect
      .poll(async () => Math.abs((await firmware!.device.pinPosition(3)) - -40 * ARM_COUNTS_PER_DEG), {
        timeout: 2000,
      })
      .toBeLessThanOrEqual(SERVO_TOLERANCE_US);
  }, 30_000);

  it('the software stop through the gateway latches ESTOP and aborts the line; reset (admin) and Clear recover', async () => {
    const moving = await call('POST', '/axes/lift/move', { position: 250 });
    expect(moving.status).toBe(202);
    await expect.poll(async () => (await axis('lift')).state, { timeout: 3000 }).toBe('MOVING');
    expect((await call('POST', '/estop')).status).toBe(200);
    await expect
      .poll(
        async () => (await Promise.all(['conveyor', 'lift', 'reject-arm'].map(axis))).map((a) => a.state),
        {
          timeout: 3000,
        },
      )
      .toEqual(['ESTOP', 'ESTOP', 'ESTOP']);
    await expect
      .poll(async () => (await call('GET', `/moves/${moving.body.moveId}`)).body.status, { timeout: 3000 })
      .toBe('aborted');
    await expect.poll(lineState, { timeout: 5000, interval: 100 }).toBe('Aborted');
    expect(await call('POST', '/axes/lift/move', { position: 10 })).toMatchObject({
      status: 409,
      body: { code: 'AXIS_ESTOP' },
    });
    // Only an admin resets the stop; Clear takes the line back to Stopped.
    expect((await call('POST', '/estop/reset')).status).toBe(403);
    expect((await call('POST', '/estop/reset', undefined, AS_ADMIN)).status).toBe(200);
    expect((await call('POST', '/line/command', { command: 'Clear' })).status).toBe(200);
    await expect.poll(lineState, { timeout: 10_000, interval: 100 }).toBe('Stopped');
    for (const name of ['conveyor', 'lift', 'reject-arm']) {
      await expect.poll(async () => (await axis(name)).estop, { timeout: 3000 }).toBe(false);
      if ((await axis(name)).state === 'DISABLED') {
        expect((await call('POST', `/axes/${name}/enable`)).status).toBe(200);
      }
    }
    const lift = await call('POST', '/axes/lift/move?wait=true', { position: 30 });
    expect(lift).toMatchObject({ status: 200, body: { status: 'done' } });
  }, 30_000);

  it('the positions the gateway reports agree with the pin-edge record', async () => {
    const positions = {
      conveyor: (await axis('conveyor')).position,
      lift: (await axis('lift')).position,
      arm: (await axis('reject-arm')).position,
    };
    expect(positions.lift).toBe(30);
    expect(positions.arm).toBe(-40);
    await gateway!.close();
    await firmware!.device.close();
    const pins = await readPinEdges(firmware!.edgesPath);
    expect(pins[1]!.steps - homeOffsetSteps).toBe(Math.round(positions.conveyor * CONVEYOR_COUNTS_PER_MM));
    expect(pins[2]!.steps).toBe(positions.lift * LIFT_COUNTS_PER_MM);
    const arm = servoSummary(pins[3]!);
    expect(arm.outOfRange).toEqual([]);
    // The two reject strokes of the production went out (40 deg: 1700 µs) and back, each once. The
    // back-move follows at once, so the arm stands at 40 deg for an instant only: the pulse nearest the
    // turn (one every 20 ms) is up to acc·t²/2 = 9000 counts/s² × (20 ms)² / 2 ≈ 2 counts short of it.
    const strokeUs = SERVO_CENTRE_US + REJECT_OUT_DEG * ARM_COUNTS_PER_DEG;
    const peaks = strokePeaks(
      pins[3]!.servoPulsesUs,
      SERVO_CENTRE_US + (REJECT_OUT_DEG / 2) * ARM_COUNTS_PER_DEG,
    );
    expect(peaks).toHaveLength(2);
    for (const peakUs of peaks) {
      expect(peakUs).toBeGreaterThanOrEqual(strokeUs - 2 - SERVO_JITTER_US);
      expect(peakUs).toBeLessThanOrEqual(strokeUs + SERVO_JITTER_US);
    }
    expect(arm.settledUs).toBeDefined();
    expect(
      Math.abs(arm.settledUs! - (SERVO_CENTRE_US + positions.arm * ARM_COUNTS_PER_DEG)),
    ).toBeLessThanOrEqual(SERVO_TOLERANCE_US);
    expect(arm.settledJitterUs).toBeLessThanOrEqual(SERVO_JITTER_US);
  }, 30_000);
});
