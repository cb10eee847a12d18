// Issue #16: the conveyor never overflows (protocol v2's 64-bit positions, PROTOCOL.md §v2 Positions)
// and the product tracker stays exact as the belt runs for days. The whole gateway (createGateway: the
// motion service, the host session over the sim:// binding, the packaging line with its stations) runs a
// fast line on a stepped clock, with the conveyor's encoder starting a few seconds of travel short of
// 2^40 counts, so the run crosses it. The virtual line (simulator/src/line) judges what every axis really
// did to each product, with seeded station and label defects; the camera and vision are stand-ins here
// (their trigger still goes through the MQTT contract's parser). Comments number the steps.
//
// Why 2^40: at 100 counts/mm a belt at 1 m/s gets there after 127 days of running. An int32 wrapped
// after 6 hours, a float32 is 2^17 counts coarse there, and a count that goes to mm (counts /
// countsPerUnit, for REST, the tracker and the camera trigger) and back must still come out whole.

import { parseCameraTrigger } from '@servo-edge/common/mqtt';
import { createMemoryLogger, ManualClock, sampleVerdict } from '@servo-edge/common/testing';
import {
  createGateway,
  type Gateway,
  type LineGatewayConfig,
  parseConfigText,
  withLine,
} from '@servo-edge/edge-gateway';
import { DEMO_CONTROLLER_SETTINGS, demoKeys } from '@servo-edge/edge-gateway/demo';
import type { MotionServiceEvent } from '@servo-edge/motion-api';
import {
  type SimulatedControllerExtras,
  type SimulatedControllers,
  startSimulatedControllers,
} from '@servo-edge/simulator';
import { createVirtualLine, labelFrameOf, type VirtualLine } from '@servo-edge/simulator/line';
import { afterAll, describe, expect, it } from 'vitest';

const SEED = 240;
const COUNTS_PER_UNIT = 100; // every axis: counts per mm or per degree
const PITCH_MM = 250;
/** The demo's rate: its controller settings (DEMO_CONTROLLER_SETTINGS) are sized for it. */
const PRODUCTS_PER_MIN = 600;
/** 2.5 m/s: two and a half times the demo's belt (the gateway runs it at productsPerMin × pitch). */
const BELT_MM_PER_S = (PRODUCTS_PER_MIN * PITCH_MM) / 60;
const BELT_COUNTS_PER_S = BELT_MM_PER_S * COUNTS_PER_UNIT;
const CROSSING_COUNTS = 2 ** 40;
/** The encoder at power-on: two seconds of travel short of 2^40 counts. */
const BELT_START_COUNTS = CROSSING_COUNTS - 2 * BELT_COUNTS_PER_S;
/** Soft limits far beyond the run, within the device's pmax (2^47-1 counts = 1.4e12 mm). */
const BELT_LIMIT_MM = 1e12;
// Stations a whole number of pitches apart, so half a pitch between two products is between cycles for
// all of them (step 5).
const FILLER_MM = PITCH_MM;
const SEALER_MM = 2 * PITCH_MM;
const LABELER_MM = 3 * PITCH_MM;
const CAMERA_MM = 4 * PITCH_MM;
const REJECT_MM = 7 * PITCH_MM;
// The demo's stations and reject stroke (edge.demo.yaml): each cycle fits in the 100 ms between products.
const ARM = { homePosition: 0, outPosition: 90, velocityUnitsPerS: 4000, accelerationUnitsPerS2: 200_000 };
const INFEED = {
  indexUnits: 90,
  velocityUnitsPerS: 4000,
  accelerationUnitsPerS2: 200_000,
  faultSeverity: 'hold',
};
const FILLER = {
  positionMm: FILLER_MM,
  fillVolumeMl: 10,
  unitsPerMl: 1,
  restPosition: 0,
  velocityUnitsPerS: 2000,
  accelerationUnitsPerS2: 100_000,
  faultSeverity: 'abort',
};
const SEALER = {
  positionMm: SEALER_MM,
  openPosition: 0,
  closedPosition: 10,
  dwellMs: 15,
  velocityUnitsPerS: 2000,
  accelerationUnitsPerS2: 200_000,
  faultSeverity: 'hold',
};
const LABELER = {
  positionMm: LABELER_MM,
  labelLengthMm: 40,
  accelerationUnitsPerS2: 500_000,
  faultSeverity: 'hold',
};
/** The controller's POS stream period (streamHz 200): how stale the host's belt position may be. */
const POS_PERIOD_MS = 5;
/** Sim time from the camera's frame to vision's verdict. */
const VISION_LATENCY_MS = 30;
/** Products placed on the belt past 2^40 counts to see binned. */
const PRODUCTS_PAST_2E40 = 60;

/** One servo-edge v2 controller, ctrl-a, carries every axis, so each move is armed on the belt's position. */
const AXES = [
  {
    name: 'conveyor',
    axis: 1,
    unit: 'mm',
    minUnits: -BELT_LIMIT_MM,
    maxUnits: BELT_LIMIT_MM,
    maxVelocityUnitsPerS: 3000,
    maxAccelerationUnitsPerS2: 20_000,
    defaultVelocityUnitsPerS: 1000,
    defaultAccelerationUnitsPerS2: 10_000,
    homingRequired: false,
  },
  {
    name: 'reject-arm',
    axis: 2,
    unit: 'deg',
    minUnits: -5,
    maxUnits: 95,
    maxVelocityUnitsPerS: 5000,
    maxAccelerationUnitsPerS2: 250_000,
    defaultVelocityUnitsPerS: 4000,
    defaultAccelerationUnitsPerS2: 200_000,
    homingRequired: true,
  },
  // The infeed's star wheel and the labeler's web turn one way for ever: wide soft limits, as the belt's.
  {
    name: 'infeed',
    axis: 3,
    unit: 'deg',
    minUnits: -BELT_LIMIT_MM,
    maxUnits: BELT_LIMIT_MM,
    maxVelocityUnitsPerS: 5000,
    maxAccelerationUnitsPerS2: 250_000,
    defaultVelocityUnitsPerS: 1000,
    defaultAccelerationUnitsPerS2: 10_000,
    homingRequired: false,
  },
  {
    name: 'filler',
    axis: 4,
    unit: 'mm',
    minUnits: 0,
    maxUnits: 200,
    maxVelocityUnitsPerS: 2000,
    maxAccelerationUnitsPerS2: 100_000,
    defaultVelocityUnitsPerS: 400,
    defaultAccelerationUnitsPerS2: 4000,
    homingRequired: false,
  },
  {
    name: 'sealer',
    axis: 5,
    unit: 'mm',
    minUnits: 0,
    maxUnits: 100,
    maxVelocityUnitsPerS: 2000,
    maxAccelerationUnitsPerS2: 200_000,
    defaultVelocityUnitsPerS: 400,
    defaultAccelerationUnitsPerS2: 4000,
    homingRequired: false,
  },
  {
    name: 'labeler',
    axis: 6,
    unit: 'mm',
    minUnits: -BELT_LIMIT_MM,
    maxUnits: BELT_LIMIT_MM,
    maxVelocityUnitsPerS: 3000,
    maxAccelerationUnitsPerS2: 1_000_000,
    defaultVelocityUnitsPerS: 1000,
    defaultAccelerationUnitsPerS2: 10_000,
    homingRequired: false,
  },
] as const;
const AXIS_NUMBER = Object.fromEntries(AXES.map((a) => [a.name, a.axis])) as Record<
  (typeof AXES)[number]['name'],
  number
>;

const keys = demoKeys();
const clock = new ManualClock({ monotonicMs: 1_000 });
const memory = createMemoryLogger('info');
let sims: SimulatedControllers | undefined;
let gateway: Gateway | undefined;
let virtualLine: VirtualLine | undefined;

/**
 * ctrl-a with the demo's conveyor controller's capacity, sized for its stations at 600/min (its event
 * buffer and queue depth, DEMO_CONTROLLER_SETTINGS): an event buffer of at least 32, as six axes' armed
 * moves each owe their events (PROTOCOL.md §v2 Events). The belt's encoder starts short of 2^40; the
 * arm's home switch sits 20 degrees behind its power-on position, as in the demo.
 */
function controllerSettings(): SimulatedControllerExtras {
  const demo: SimulatedControllerExtras = DEMO_CONTROLLER_SETTINGS['ctrl-a'];
  return {
    eventWindow: Math.max(32, demo.eventWindow ?? 0),
    ...(demo.queueDepth === undefined ? {} : { queueDepth: demo.queueDepth }),
    perAxis: {
      [AXIS_NUMBER.conveyor]: { startPositionCounts: BELT_START_COUNTS },
      [AXIS_NUMBER['reject-arm']]: { homeSwitchCounts: -2000, homeDirection: -1 },
    },
  };
}

/** The gateway config, written here (not edge.demo.yaml): YAML is a superset of JSON. */
function lineConfig(): LineGatewayConfig {
  const document = {
    http: { host: '127.0.0.1', port: 0, rateLimitPerMin: 6000 },
    auth: {
      keys: [{ name: 'viewer', keyEnv: 'BELT_TEST_VIEWER_KEY', role: 'viewer' }],
    },
    mqtt: { embedded: { host: '127.0.0.1', portTcp: 0, portWs: 0 } },
    line: {
      name: 'belt-2e40',
      productSpacingMm: PITCH_MM,
      stations: { cameraMm: CAMERA_MM, rejectMm: REJECT_MM },
      axes: {
        conveyor: 'conveyor',
        rejectArm: 'reject-arm',
        infeed: 'infeed',
        filler: 'filler',
        sealer: 'sealer',
        labeler: 'labeler',
      },
      infeed: INFEED,
      filler: FILLER,
      sealer: SEALER,
      labeler: LABELER,
      rates: { productsPerMin: PRODUCTS_PER_MIN, rateWindowMs: 60_000 },
      camera: 'cam1',
      rejectArm: ARM,
      rejectTiming: 'position',
      rejectWithoutVerdict: true,
      commandLatencyMs: 3,
      samplePeriodMs: 2,
    },
    motion: {
      controllers: [{ id: 'ctrl-a', path: 'sim://ctrl-a', baud: 460_800, streamHz: 200 }],
      axes: AXES.map((axis) => ({ ...axis, controller: 'ctrl-a', countsPerUnit: COUNTS_PER_UNIT })),
    },
  };
  return withLine(
    parseConfigText(JSON.stringify(document), {
      env: { BELT_TEST_VIEWER_KEY: keys.viewer },
    }),
  );
}

/** Lets the I/O a step caused (serial bytes through the sim binding, sockets) run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** Moves the shared clock in small steps, so the link and the controller talk between timer firings. */
async function stepClock(totalMs: number, stepMs = 2): Promise<void> {
  for (let elapsed = 0; elapsed < totalMs; elapsed += stepMs) {
    clock.advanceBy(Math.min(stepMs, totalMs - elapsed));
    for (let i = 0; i < 4; i++) await settle();
  }
}

/** Steps the clock until `work` settles: shutdown waits on timers (bounded publishes, link closes). */
async function whileStepping<T>(work: Promise<T>): Promise<T> {
  let done = false;
  const settled = work.finally(() => {
    done = true;
  });
  for (let i = 0; i < 2_000 && !done; i++) await stepClock(5, 5);
  return settled;
}

async function getJson(path: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${gateway!.httpUrl()}/api/v1${path}`, {
    headers: { authorization: `Bearer ${keys.viewer}` },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

interface AxisReading {
  name: string;
  position: number | null;
  fault: string | null;
  estop: boolean;
  state: string;
}

async function getAxes(): Promise<AxisReading[]> {
  return (await getJson('/axes'))['axes'] as AxisReading[];
}

/** The belt's position as GET /api/v1/axes reports it, and the count it stands for. */
async function beltOverRest(): Promise<{ positionMm: number; counts: number }> {
  const belt = (await getAxes()).find((a) => a.name === 'conveyor')!;
  expect(belt.position).not.toBeNull();
  const positionMm = belt.position!;
  return { positionMm, counts: Math.round(positionMm * COUNTS_PER_UNIT) };
}

afterAll(async () => {
  virtualLine?.close();
  if (gateway) await whileStepping(gateway.close());
  await sims?.close();
});

describe('the whole line at 2.5 m/s with the belt crossing 2^40 counts', () => {
  it('stays exact: positions, bins, the tracker, every station; no fault nobody asked for', async () => {
    console.log(`seed ${SEED}`);
    // 1. The gateway on its simulated controller, all on the stepped clock, bytes unpaced.
    const config = lineConfig();
    sims = await startSimulatedControllers(config.motion, {
      clock,
      defaults: { pacing: false },
      perController: { 'ctrl-a': controllerSettings() },
    });
    const controller = sims.controllers[0]!;
    gateway = createGateway(config, { simulatorBinding: sims.binding, clock, logger: memory.logger });
    const gw = gateway;
    await gw.start();
    for (let i = 0; i < 400 && !gw.motion.isReady(); i++) await stepClock(5, 5);
    expect(gw.motion.isReady()).toBe(true);
    const deviceEvents: MotionServiceEvent[] = [];
    gw.motion.subscribe((event) => {
      if (event.type === 'device' && ['FAULT', 'ESTOP', 'LEASE', 'BOOT', 'ABORTED'].includes(event.event))
        deviceEvents.push(event);
    });
    /**
     * The line's state, what was logged as a warning or an error (a late or missed station cycle, an
     * unmatched verdict, a failed stroke, a fault), and the device events nobody asked for.
     */
    const health = () => ({
      state: gw.line.state,
      logged: memory.records
        .filter((r) => r.level === 'warn' || r.level === 'error')
        .map((r) => ({ event: r.event, ...r.fields })),
      deviceEvents: deviceEvents.map((e) => (e.type === 'device' ? { event: e.event, ...e.fields } : e)),
    });
    // The camera and vision stand in here (they have their own tests): vision is online.
    gw.line.visionOnline();

    // 2. The virtual line on the controller's encoders, on the exact simulated timeline.
    const axisCounts = (name: keyof typeof AXIS_NUMBER) => () =>
      controller.axis(AXIS_NUMBER[name]).positionCounts;
    const axisCountsAt = (name: keyof typeof AXIS_NUMBER) => (atMs: number) =>
      controller.positionAt(AXIS_NUMBER[name], atMs);
    const refusedTriggers: unknown[] = [];
    const outcomes: ('good' | 'rejected')[] = [];
    // Each decision the line makes, in order: the counters grow by one product at a time.
    let counted = { good: 0, rejected: 0 };
    gw.line.onChange((snapshot, change) => {
      if (change !== 'counters') return;
      const { good, rejected } = snapshot.counters;
      for (let n = counted.good; n < good; n++) outcomes.push('good');
      for (let n = counted.rejected; n < rejected; n++) outcomes.push('rejected');
      counted = { good, rejected };
    });
    virtualLine = createVirtualLine({
      clock,
      config: {
        productPitchMm: PITCH_MM,
        cameraPositionMm: CAMERA_MM,
        rejectPositionMm: REJECT_MM,
        endPositionMm: REJECT_MM + 2 * PITCH_MM,
        conveyorCountsPerMm: COUNTS_PER_UNIT,
        rejectArmOutCounts: 0.4 * ARM.outPosition * COUNTS_PER_UNIT,
        defectRate: 0.05,
        seed: SEED,
        stationDefectRates: { 'no-fill': 0.06, 'no-seal': 0.06, 'no-label': 0.06 },
        stations: {
          infeed: { indexCounts: INFEED.indexUnits * COUNTS_PER_UNIT },
          filler: {
            positionMm: FILLER_MM,
            doseCounts: FILLER.fillVolumeMl * FILLER.unitsPerMl * COUNTS_PER_UNIT,
            windowMm: 80,
          },
          sealer: {
            positionMm: SEALER_MM,
            closedCounts: 0.95 * SEALER.closedPosition * COUNTS_PER_UNIT,
            dwellMs: SEALER.dwellMs,
            windowMm: 80,
          },
          labeler: {
            positionMm: LABELER_MM,
            labelCounts: LABELER.labelLengthMm * COUNTS_PER_UNIT,
            windowMm: LABELER.labelLengthMm + 40,
          },
        },
      },
      readConveyorCounts: axisCounts('conveyor'),
      readRejectArmCounts: axisCounts('reject-arm'),
      conveyorCountsAt: axisCountsAt('conveyor'),
      rejectArmCountsAt: axisCountsAt('reject-arm'),
      readStationCounts: {
        infeed: axisCounts('infeed'),
        filler: axisCounts('filler'),
        sealer: axisCounts('sealer'),
        labeler: axisCounts('labeler'),
      },
      stationCountsAt: {
        infeed: axisCountsAt('infeed'),
        filler: axisCountsAt('filler'),
        sealer: axisCountsAt('sealer'),
        labeler: axisCountsAt('labeler'),
      },
      // The camera: its trigger as the MQTT contract carries it (the latched belt position in mm, through
      // JSON and the gateway's parser), then vision's verdict on the label it saw.
      onCapture: (product, conveyorCounts) => {
        const payload = Buffer.from(
          JSON.stringify({
            productId: product.id,
            capturedAtMs: clock.epochMs(),
            conveyorPositionMm: conveyorCounts / COUNTS_PER_UNIT,
          }),
        );
        const trigger = parseCameraTrigger(payload);
        if (!trigger.ok) {
          refusedTriggers.push(trigger);
          return;
        }
        gw.lineController.trigger(trigger.value.productId, trigger.value.conveyorPositionMm);
        const label = labelFrameOf(product);
        clock.after(VISION_LATENCY_MS, () =>
          gw.lineController.verdict(
            sampleVerdict({
              productId: product.id,
              camera: 'cam1',
              verdict: label === 'none' ? 'pass' : 'reject',
              reasons: label === 'none' ? [] : label === 'missing' ? ['NO_LABEL'] : ['NO_CODE'],
            }),
          ),
        );
      },
      // The filler's check-weigher and the sealer's seal sensor, wired to the gateway's line.
      onStationCheck: (_product, station, ok, conveyorCounts) =>
        gw.lineController.stationCheck(station, conveyorCounts / COUNTS_PER_UNIT, ok),
    });
    const vl = virtualLine;
    vl.start();

    // 3. Reset (the arm and every station home and go to rest), Start: the belt ramps to 2.5 m/s.
    gw.line.command('Reset');
    for (let i = 0; i < 500 && gw.line.state !== 'Idle'; i++) await stepClock(10);
    expect(gw.line.state).toBe('Idle');
    const before = await beltOverRest();
    expect(before.counts).toBe(BELT_START_COUNTS);
    gw.line.command('Start');
    for (let i = 0; i < 500 && gw.line.state !== 'Execute'; i++) await stepClock(10);
    expect(gw.line.state).toBe('Execute');

    // 4. Run until PRODUCTS_PAST_2E40 products placed past 2^40 counts are binned, reading the belt over
    //    REST every 250 ms. Each reading is a whole count (position × countsPerUnit lands on an integer,
    //    and the position is that count / countsPerUnit exactly), and one the controller's encoder really
    //    read within the last two POS periods (200 Hz): not a count rounded, truncated or offset on the way.
    const binned = () => [...vl.rejected, ...vl.passed];
    const placedPast2e40 = () =>
      binned().filter((p) => p.spawnBeltMm * COUNTS_PER_UNIT > CROSSING_COUNTS).length;
    const readings: { positionMm: number; counts: number; roundTrip: number; encoder: number[] }[] = [];
    for (let i = 0; i < 200 && placedPast2e40() < PRODUCTS_PAST_2E40; i++) {
      await stepClock(250);
      const reading = await beltOverRest();
      const nowMs = clock.monotonicMs();
      const encoder = [nowMs - 2 * POS_PERIOD_MS, nowMs].map(
        (atMs) => controller.positionAt(AXIS_NUMBER.conveyor, atMs)!,
      );
      readings.push({ ...reading, roundTrip: reading.positionMm * COUNTS_PER_UNIT, encoder });
    }
    expect(health()).toEqual({ state: 'Execute', logged: [], deviceEvents: [] });
    expect(placedPast2e40()).toBeGreaterThanOrEqual(PRODUCTS_PAST_2E40);
    expect(readings[0]!.counts).toBeLessThan(CROSSING_COUNTS);
    expect(readings.at(-1)!.counts).toBeGreaterThan(CROSSING_COUNTS);
    for (const { positionMm, counts, roundTrip, encoder } of readings) {
      expect(Number.isSafeInteger(counts)).toBe(true);
      expect(positionMm).toBe(counts / COUNTS_PER_UNIT);
      // A double near 1.1e12 is exact to 2^-12: a whole count comes back within that.
      expect(Math.abs(roundTrip - counts)).toBeLessThan(1e-3);
      expect(counts).toBeGreaterThanOrEqual(Math.floor(encoder[0]!));
      expect(counts).toBeLessThanOrEqual(Math.ceil(encoder[1]!));
    }

    // 5. Half a pitch between two products every station is between cycles: the count GET /api/v1/line
    //    reports for it is the number of products whose centre has passed it.
    const all = () => [...vl.onBelt, ...vl.rejected, ...vl.passed];
    const beltMm = () => controller.axis(AXIS_NUMBER.conveyor).positionCounts / COUNTS_PER_UNIT;
    const phaseMm = () => (((beltMm() - all()[0]!.spawnBeltMm) % PITCH_MM) + PITCH_MM) % PITCH_MM;
    for (let i = 0; i < 200 && Math.abs(phaseMm() - PITCH_MM / 2) > 1.5; i++) await stepClock(1, 1);
    expect(Math.abs(phaseMm() - PITCH_MM / 2)).toBeLessThanOrEqual(1.5);
    const products = all();
    const passedStation = (positionMm: number) =>
      products.filter((p) => beltMm() - p.spawnBeltMm > positionMm).length;
    const stations = (await getJson('/line'))['stations'] as { name: string; cycles: number }[];
    const cycles = Object.fromEntries(stations.map((s) => [s.name, s.cycles]));
    expect(cycles).toEqual({
      infeed: vl.summary().produced,
      filler: passedStation(FILLER_MM),
      sealer: passedStation(SEALER_MM),
      labeler: passedStation(LABELER_MM),
    });

    // 6. Sorted perfectly, as the virtual line saw it, with every kind of defect made.
    const sorted = binned().sort((a, b) => a.id.localeCompare(b.id));
    const summary = vl.summary();
    console.log(
      `binned ${sorted.length} (${summary.rejected} rejected), belt at ${beltMm() * COUNTS_PER_UNIT} counts`,
    );
    expect(summary.missedDefectIds).toEqual([]);
    expect(summary.falseRejectIds).toEqual([]);
    const kinds = new Set(sorted.map((p) => p.defect));
    for (const defect of ['no-fill', 'no-seal', 'no-label']) expect(kinds).toContain(defect);
    expect(sorted.filter((p) => p.defect !== 'none').length).toBeGreaterThanOrEqual(8);

    // 7. The tracker's count is the virtual line's: one trigger per product the camera saw, no verdict
    //    late or unknown, and its decisions, in belt order, are the bins the products fell into.
    expect(refusedTriggers).toEqual([]);
    const captured = all()
      .filter((p) => p.capturedAtMs !== undefined)
      .sort((a, b) => a.id.localeCompare(b.id));
    const stats = gw.lineController.tracker.stats;
    expect(stats).toMatchObject({
      triggered: captured.length,
      lateVerdicts: 0,
      unknownVerdicts: 0,
      firedWithoutVerdict: 0,
      lateMarks: 0,
      dropped: 0,
    });
    // The k-th decision is the k-th product the camera saw (decisions come in belt order).
    const order = new Map(captured.map((p, index) => [p.id, index]));
    expect(outcomes.length).toBeLessThanOrEqual(captured.length);
    const mismatched = sorted.filter((p) => {
      const decision = outcomes[order.get(p.id) ?? Number.NaN];
      return decision !== (p.bin === 'rejected' ? 'rejected' : 'good');
    });
    expect(mismatched.map((p) => `${p.id} ${p.bin}`)).toEqual([]);
    // Every verdict came back but those still on their way from vision (a sample period of slack).
    const seenBy = (atMs: number) => captured.filter((p) => p.capturedAtMs! <= atMs).length;
    expect(stats.verdicts).toBeLessThanOrEqual(captured.length);
    expect(stats.verdicts).toBeGreaterThanOrEqual(seenBy(clock.monotonicMs() - VISION_LATENCY_MS - 2));
    const rejectedDecisions = outcomes.filter((o) => o === 'rejected').length;
    expect(stats.firedOnVerdict + stats.firedOnStation).toBe(rejectedDecisions);
    const line = await getJson('/line');
    expect(line['counters']).toMatchObject({
      produced: outcomes.length,
      good: outcomes.filter((o) => o === 'good').length,
      rejected: outcomes.filter((o) => o === 'rejected').length,
    });

    // 8. No fault, e-stop, lease stop, aborted move or reboot nobody asked for; no warning or error logged.
    expect(health()).toEqual({ state: 'Execute', logged: [], deviceEvents: [] });
    expect(gw.lineController.stationReports().filter((s) => s.faults > 0 || s.state === 'faulted')).toEqual(
      [],
    );
    for (const axis of await getAxes()) {
      expect({ name: axis.name, fault: axis.fault, estop: axis.estop }).toEqual({
        name: axis.name,
        fault: null,
        estop: false,
      });
    }

    // 9. Stop: the belt comes to rest past 2^40; the count the API reports is the controller's own.
    const eventsBeforeStop = deviceEvents.length;
    gw.line.command('Stop');
    for (let i = 0; i < 500 && gw.line.state !== 'Stopped'; i++) await stepClock(10);
    expect(gw.line.state).toBe('Stopped');
    await stepClock(100);
    const rest = await beltOverRest();
    expect(rest.counts).toBeGreaterThan(CROSSING_COUNTS);
    expect(rest.positionMm).toBe(rest.counts / COUNTS_PER_UNIT);
    expect(rest.counts).toBe(Math.round(controller.axis(AXIS_NUMBER.conveyor).positionCounts));
    // Stopping cancels what the line had armed (strokes, station cycles): ABORTED why=STOP, asked for.
    const disarmed = deviceEvents.splice(eventsBeforeStop);
    expect(disarmed.length).toBeGreaterThan(0);
    expect(
      disarmed.filter((e) => e.type !== 'device' || e.event !== 'ABORTED' || e.fields['why'] !== 'STOP'),
    ).toEqual([]);
    expect(health()).toEqual({ state: 'Stopped', logged: [], deviceEvents: [] });
  }, 60_000);
});
