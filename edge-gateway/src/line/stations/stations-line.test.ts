// The whole line in stepped time: the line controller with its stations (infeed, filler, sealer,
// labeler) and reject arm, over kinematic axes, feeding the virtual line, which judges what each
// station really did to each product and injects plant faults (no fill, no seal, no label) at seeded
// rates. Every defective product must end in the reject bin, every good one in the good bin, and each
// station must have cycled exactly once per product that passed it. A stand-in for vision judges the
// label the camera saw (what the labeler did); the filler's and sealer's own checks report the rest.

import { createMemoryLogger, ManualClock, sampleVerdict } from '@servo-edge/common/testing';
import { createVirtualLine, labelFrameOf, type VirtualLine } from '@servo-edge/simulator/line';
import { describe, expect, it } from 'vitest';
import { LineModel } from '../../packml/line-model.js';
import { createLineController, type LineController } from '../line-controller.js';
import { createKinematicMotion } from '../test-support/kinematic-motion.js';
import { createFiller } from './filler.js';
import { createInfeed } from './infeed.js';
import { createLabeler } from './labeler.js';
import { createSealer } from './sealer.js';

const PITCH_MM = 100;
const BELT_MM_PER_S = 1000; // 600 products/min
const COUNTS_PER_UNIT = 100; // every axis, counts per mm or per degree
// Stations a whole number of pitches apart, so one instant is between cycles for all of them.
const FILLER_MM = 100;
const SEALER_MM = 200;
const LABELER_MM = 300;
const CAMERA_MM = 500;
const REJECT_MM = 900;
const ARM = { homePosition: 0, outPosition: 90, velocityUnitsPerS: 4000, accelerationUnitsPerS2: 200_000 };
const FILLER = {
  positionMm: FILLER_MM,
  fillVolumeMl: 10,
  unitsPerMl: 1,
  restPosition: 0,
  velocityUnitsPerS: 2000,
  accelerationUnitsPerS2: 100_000,
  faultSeverity: 'abort' as const,
};
const SEALER = {
  positionMm: SEALER_MM,
  openPosition: 0,
  closedPosition: 10,
  dwellMs: 15,
  velocityUnitsPerS: 2000,
  accelerationUnitsPerS2: 200_000,
  faultSeverity: 'hold' as const,
};
const INFEED = {
  indexUnits: 90,
  velocityUnitsPerS: 2000,
  accelerationUnitsPerS2: 100_000,
  faultSeverity: 'hold' as const,
};
const LABELER = {
  positionMm: LABELER_MM,
  labelLengthMm: 40,
  accelerationUnitsPerS2: 500_000,
  faultSeverity: 'hold' as const,
};

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

async function runFor(clock: ManualClock, ms: number): Promise<void> {
  const end = clock.monotonicMs() + ms;
  while (clock.monotonicMs() < end) {
    clock.advanceBy(1);
    await settle();
  }
}

async function setup(options: {
  seed: number;
  positionTriggeredMoves: boolean;
  positionTriggeredSteps?: boolean;
}) {
  const clock = new ManualClock({ monotonicMs: 0 });
  const memory = createMemoryLogger();
  const axes = ['conveyor', 'reject-arm', 'infeed', 'filler', 'sealer', 'labeler'];
  const kinematic = createKinematicMotion(clock, axes, {
    conveyor: 'conveyor',
    positionTriggeredMoves: options.positionTriggeredMoves,
    positionTriggeredSteps: options.positionTriggeredSteps === true,
  });
  const model = new LineModel({
    line: 'l1',
    clock,
    rateWindowMs: 60_000,
    recentInspectionsMax: 10,
    visionOnline: true,
  });
  const controller: LineController = createLineController({
    clock,
    model,
    motion: kinematic.motion,
    log: memory.logger,
    conveyorAxis: 'conveyor',
    rejectArmAxis: 'reject-arm',
    conveyorVelocityMmPerS: BELT_MM_PER_S,
    conveyorAccelerationMmPerS2: 10_000,
    rejectArm: ARM,
    cameraToRejectMm: REJECT_MM - CAMERA_MM,
    commandLatencyMs: 0,
    rejectWithoutVerdict: true,
    samplePeriodMs: 2,
    stations: [
      createInfeed('infeed', INFEED),
      createFiller('filler', FILLER),
      createSealer('sealer', SEALER),
      createLabeler('labeler', LABELER),
    ],
    cameraMm: CAMERA_MM,
    productSpacingMm: PITCH_MM,
  });
  const counts = (axis: string) => () => kinematic.positionAt(axis, clock.monotonicMs()) * COUNTS_PER_UNIT;
  const countsAt = (axis: string) => (atMs: number) => kinematic.positionAt(axis, atMs) * COUNTS_PER_UNIT;
  const virtualLine: VirtualLine = createVirtualLine({
    clock,
    config: {
      productPitchMm: PITCH_MM,
      cameraPositionMm: CAMERA_MM,
      rejectPositionMm: REJECT_MM,
      endPositionMm: REJECT_MM + 300,
      conveyorCountsPerMm: COUNTS_PER_UNIT,
      rejectArmOutCounts: 0.4 * ARM.outPosition * COUNTS_PER_UNIT,
      defectRate: 0.03,
      seed: options.seed,
      stationDefectRates: { 'no-fill': 0.05, 'no-seal': 0.05, 'no-label': 0.05 },
      stations: {
        infeed: { indexCounts: INFEED.indexUnits * COUNTS_PER_UNIT },
        filler: {
          positionMm: FILLER_MM,
          doseCounts: FILLER.fillVolumeMl * FILLER.unitsPerMl * COUNTS_PER_UNIT,
          windowMm: 40,
        },
        sealer: {
          positionMm: SEALER_MM,
          closedCounts: 0.95 * SEALER.closedPosition * COUNTS_PER_UNIT,
          dwellMs: SEALER.dwellMs,
          windowMm: 60,
        },
        labeler: {
          positionMm: LABELER_MM,
          labelCounts: LABELER.labelLengthMm * COUNTS_PER_UNIT,
          windowMm: 60,
        },
      },
    },
    readConveyorCounts: counts('conveyor'),
    readRejectArmCounts: counts('reject-arm'),
    conveyorCountsAt: countsAt('conveyor'),
    rejectArmCountsAt: countsAt('reject-arm'),
    readStationCounts: {
      infeed: counts('infeed'),
      filler: counts('filler'),
      sealer: counts('sealer'),
      labeler: counts('labeler'),
    },
    stationCountsAt: {
      infeed: countsAt('infeed'),
      filler: countsAt('filler'),
      sealer: countsAt('sealer'),
      labeler: countsAt('labeler'),
    },
    // The camera: trigger with the latched belt position, then vision's verdict on the label it saw.
    onCapture: (product, conveyorCounts) => {
      controller.trigger(product.id, conveyorCounts / COUNTS_PER_UNIT);
      const label = labelFrameOf(product);
      clock.after(30, () =>
        controller.verdict({
          ...sampleVerdict(),
          productId: product.id,
          verdict: label === 'none' ? 'pass' : 'reject',
          // As vision reports a frame without a label (the label generator's `missing`).
          reasons: label === 'none' ? [] : label === 'missing' ? ['NO_LABEL'] : ['NO_CODE'],
        }),
      );
    },
    // The filler's check-weigher and the sealer's seal sensor, wired to the gateway.
    onStationCheck: (_product, station, ok, conveyorCounts) =>
      controller.stationCheck(station, conveyorCounts / COUNTS_PER_UNIT, ok),
  });
  controller.start();
  virtualLine.start();
  model.command('Reset');
  await runFor(clock, 50);
  expect(model.state).toBe('Idle');
  model.command('Start');
  await runFor(clock, 10);
  expect(model.state).toBe('Execute');
  return { clock, model, controller, virtualLine, memory, kinematic };
}

describe.each([
  { timing: 'position triggering, one index armed at a time', positionTriggeredMoves: true, seed: 16 },
  {
    timing: 'position triggering with steps (TSTEP)',
    positionTriggeredMoves: true,
    positionTriggeredSteps: true,
    seed: 23,
  },
  { timing: 'host timing', positionTriggeredMoves: false, seed: 17 },
])(
  'the stations on the virtual line, stepped clock ($timing)',
  ({ positionTriggeredMoves, positionTriggeredSteps, seed }) => {
    it('rejects every product with a station or label defect and no good one; each station cycles once per product', async () => {
      console.log(`seed ${seed}`);
      const { clock, model, controller, virtualLine, memory, kinematic } = await setup({
        seed,
        positionTriggeredMoves,
        positionTriggeredSteps,
      });
      // With steps an incremental station is armed several cycles ahead; without, one at a time.
      let mostArmed = 0;
      const watchArmed = () => {
        mostArmed = Math.max(mostArmed, kinematic.motion.axis('infeed').queue.open);
      };
      const N = 300;
      // 1. Run until the first N products have left the belt (about N pitches of travel).
      for (let i = 0; i < 600 && [...virtualLine.rejected, ...virtualLine.passed].length < N; i++) {
        await runFor(clock, 100);
        watchArmed();
      }
      // Measured: 4 with steps, 2 armed one at a time (one running, one armed), 1 with host timing.
      if (positionTriggeredSteps) expect(mostArmed).toBeGreaterThanOrEqual(3);
      else if (positionTriggeredMoves) expect(mostArmed).toBeLessThanOrEqual(2); // one armed, one running
      const binned = [...virtualLine.rejected, ...virtualLine.passed].filter(
        (p) => Number(p.id.slice(1)) <= N,
      );
      expect(binned).toHaveLength(N);
      // 2. Every defect kind was made, by the plant faults and the label draw.
      const kinds = (defect: string) => binned.filter((p) => p.defect === defect).length;
      for (const defect of ['no-fill', 'no-seal', 'no-label'])
        expect(kinds(defect), defect).toBeGreaterThanOrEqual(5);
      expect(binned.filter((p) => p.defect !== 'none').length).toBeGreaterThan(0.12 * N);
      // 3. Sorted perfectly, as the virtual line saw it.
      expect(
        binned.filter((p) => p.defect !== 'none' && p.bin === 'passed').map((p) => `${p.id} ${p.defect}`),
      ).toEqual([]);
      expect(binned.filter((p) => p.defect === 'none' && p.bin === 'rejected').map((p) => p.id)).toEqual([]);
      expect(model.state).toBe('Execute');
      expect(memory.events('line.station.fault')).toEqual([]);
      expect(memory.events('line.station.mark-late')).toEqual([]);
      // 4. Between two products (the belt half a pitch past a placement) every station is between
      //    cycles: its count is the number of products whose centre has passed it.
      const all = [...virtualLine.onBelt, ...virtualLine.rejected, ...virtualLine.passed];
      const beltMm = () => kinematic.positionAt('conveyor', clock.monotonicMs());
      const phaseMm = () => (((beltMm() - all[0]!.spawnBeltMm) % PITCH_MM) + PITCH_MM) % PITCH_MM;
      while (Math.abs(phaseMm() - PITCH_MM / 2) > 0.6) await runFor(clock, 1);
      const products = [...virtualLine.onBelt, ...virtualLine.rejected, ...virtualLine.passed];
      const passed = (positionMm: number) =>
        products.filter((p) => beltMm() - p.spawnBeltMm > positionMm).length;
      const cycles = Object.fromEntries(controller.stationReports().map((s) => [s.name, s.cycles]));
      expect(cycles).toEqual({
        infeed: virtualLine.summary().produced,
        filler: passed(FILLER_MM),
        sealer: passed(SEALER_MM),
        labeler: passed(LABELER_MM),
      });
      expect(controller.stationReports().filter((s) => s.faults > 0 || s.state === 'faulted')).toEqual([]);
    });
  },
);

describe('a Hold in the middle of production (host timing)', () => {
  it('serves every product after Unhold: cycles not sent when the belt stopped are sent again', async () => {
    const seed = 18;
    console.log(`seed ${seed}`);
    const { clock, model, virtualLine } = await setup({ seed, positionTriggeredMoves: false });
    await runFor(clock, 2037);
    // 1. Hold: the belt stops with products under every station; host timers due later are dropped.
    model.command('Hold');
    await runFor(clock, 500);
    expect(model.state).toBe('Held');
    model.command('Unhold');
    await runFor(clock, 10);
    expect(model.state).toBe('Execute');
    // 2. The products caught under the stations end in the right bins like all the others.
    await runUntilBinned(clock, virtualLine, 60);
    const binned = [...virtualLine.rejected, ...virtualLine.passed];
    expect(binned.length).toBeGreaterThanOrEqual(60);
    expect(wrongBins(binned)).toEqual([]);
  });
});

describe('Stop, then Reset and Start (position triggering)', () => {
  it('Stopping cancels every cycle armed on the controller, faults nothing, and the products are served or rejected after the restart', async () => {
    const seed = 21;
    console.log(`seed ${seed}`);
    const { clock, model, controller, memory, kinematic, virtualLine } = await setup({
      seed,
      positionTriggeredMoves: true,
    });
    await runFor(clock, 1517);
    // 1. Stop: the belt comes to rest; in Stopped no station axis has a move queued or armed.
    model.command('Stop');
    for (let i = 0; i < 100 && model.state !== 'Stopped'; i++) await runFor(clock, 10);
    expect(model.state).toBe('Stopped');
    await runFor(clock, 200);
    for (const axis of ['infeed', 'filler', 'sealer', 'labeler', 'reject-arm'])
      expect({ axis, open: kinematic.motion.axis(axis).queue.open }).toEqual({ axis, open: 0 });
    expect(memory.events('line.station.fault')).toEqual([]);
    expect(controller.stationReports().filter((st) => st.state === 'faulted')).toEqual([]);
    // 2. Reset, Start: production resumes; every product, those caught by the Stop too, in its right bin.
    model.command('Reset');
    await runFor(clock, 50);
    expect(model.state).toBe('Idle');
    model.command('Start');
    await runFor(clock, 10);
    expect(model.state).toBe('Execute');
    await runUntilBinned(clock, virtualLine, 60);
    const binned = [...virtualLine.rejected, ...virtualLine.passed];
    expect(binned.length).toBeGreaterThanOrEqual(60);
    expect(wrongBins(binned)).toEqual([]);
    expect(memory.events('line.station.fault')).toEqual([]);
    expect(doubledPockets(virtualLine)).toEqual([]);
  });
});

describe('a backlogged link to the stations controller (a host that cannot keep up)', () => {
  it('hands out no new cycle while the backlog lasts: their products are rejected or their pockets left empty, nothing faults, and it resumes', async () => {
    const seed = 24;
    console.log(`seed ${seed}`);
    const { clock, model, memory, kinematic, virtualLine } = await setup({
      seed,
      positionTriggeredMoves: true,
      positionTriggeredSteps: true,
    });
    await runFor(clock, 1000);
    const sent = () => ['infeed', 'filler', 'sealer', 'labeler'].map((a) => kinematic.history(a).length);
    // 1. 600 ms with the link's queue past the limit: nothing new goes out (what was sent runs on).
    kinematic.setLinkBacklog(100);
    await runFor(clock, 5);
    const before = sent();
    await runFor(clock, 600);
    expect(sent()).toEqual(before);
    expect(memory.events('line.station.backlog').length).toBeGreaterThan(0);
    // 2. The backlog clears: the stations go on; every product in its right bin, none doubled up.
    kinematic.setLinkBacklog(3);
    await runUntilBinned(clock, virtualLine, 50);
    expect(sent().every((n, i) => n > before[i]! + 5)).toBe(true);
    expect(model.state).toBe('Execute');
    expect(memory.events('line.station.fault')).toEqual([]);
    const binned = [...virtualLine.rejected, ...virtualLine.passed];
    expect(binned.length).toBeGreaterThanOrEqual(50);
    expect(wrongBins(binned)).toEqual([]);
    expect(doubledPockets(virtualLine)).toEqual([]);
  });
});

describe('a station fault stops the line as its severity says, naming the station and the reason', () => {
  it.each([
    { axis: 'filler', severity: 'abort', state: 'Aborted' },
    { axis: 'sealer', severity: 'hold', state: 'Held' },
  ])('$axis ($severity): an aborted move -> $state', async ({ axis, severity, state }) => {
    const { clock, model, controller, memory, kinematic } = await setup({
      seed: 3,
      positionTriggeredMoves: true,
    });
    await runFor(clock, 1000);
    // 1. The controller aborts the station's next move (a following error on its axis).
    kinematic.failNextMove(axis);
    await runFor(clock, 500);
    expect(model.state).toBe(state);
    // 2. The line state and the log name the station, the code and the severity.
    expect(model.snapshot().stationFault).toMatchObject({ station: axis, code: 'MOVE_ABORTED', severity });
    expect(memory.events('line.station.fault')).toMatchObject([
      { level: 'error', fields: { station: axis, code: 'MOVE_ABORTED', severity } },
    ]);
    const report = controller.stationReports().find((s) => s.name === axis)!;
    expect(report).toMatchObject({ faults: 1, state: 'faulted', lastFault: { code: 'MOVE_ABORTED' } });
  });
});

describe('a station cycle the controller got too late (ABORTED why=LATE)', () => {
  // Heard of at once, or 150 ms later (a stalled reader). Armed on the controller, an incremental
  // station's next cycle waits until the one before it started, so nothing is chained on a late one.
  // With TSTEP the cycles behind a late one are armed already and count from where the axis stands.
  it.each([
    { station: 'filler', rejected: 'no-fill', indexUnits: undefined, reportAfterMs: 3, steps: false },
    { station: 'infeed', rejected: undefined, indexUnits: INFEED.indexUnits, reportAfterMs: 3, steps: false },
    {
      station: 'infeed',
      rejected: undefined,
      indexUnits: INFEED.indexUnits,
      reportAfterMs: 150,
      steps: false,
    },
    {
      station: 'infeed',
      rejected: undefined,
      indexUnits: INFEED.indexUnits,
      reportAfterMs: 150,
      steps: true,
    },
    {
      station: 'labeler',
      rejected: 'no-label',
      indexUnits: LABELER.labelLengthMm,
      reportAfterMs: 3,
      steps: false,
    },
    {
      station: 'labeler',
      rejected: 'no-label',
      indexUnits: LABELER.labelLengthMm,
      reportAfterMs: 150,
      steps: false,
    },
    {
      station: 'labeler',
      rejected: 'no-label',
      indexUnits: LABELER.labelLengthMm,
      reportAfterMs: 3,
      steps: true,
    },
  ])(
    '$station, ABORTED heard after $reportAfterMs ms (steps: $steps): the line runs on; its product is rejected (the infeed placed none: nothing to reject)',
    async ({ station, rejected, indexUnits, reportAfterMs, steps }) => {
      const seed = 19;
      console.log(`seed ${seed}`);
      const { clock, model, controller, memory, kinematic, virtualLine } = await setup({
        seed,
        positionTriggeredMoves: true,
        positionTriggeredSteps: steps,
      });
      await runFor(clock, 1000);
      // With steps the incremental station has several cycles armed when one comes LATE (measured 3-4).
      if (indexUnits !== undefined) {
        let mostOpen = 0;
        for (let i = 0; i < 200; i++) {
          await runFor(clock, 1);
          mostOpen = Math.max(mostOpen, kinematic.motion.axis(station).queue.open);
        }
        if (steps) expect(mostOpen).toBeGreaterThanOrEqual(3);
        else expect(mostOpen).toBeLessThanOrEqual(2);
      }
      kinematic.lateNextTriggeredMove(station, reportAfterMs);
      await runUntilBinned(clock, virtualLine, 40);
      // 1. No station fault: the host was late, the station is sound; the line is still in Execute.
      expect(model.state).toBe('Execute');
      expect(memory.events('line.station.fault')).toEqual([]);
      expect(controller.stationReports().find((s) => s.name === station)).toMatchObject({
        faults: 0,
        late: 1,
        state: expect.not.stringMatching('faulted'),
      });
      expect(memory.events('line.station.late')).toMatchObject([{ fields: { station } }]);
      // 2. Every product in its right bin: the one without its dose rejected; an empty pocket marks nothing.
      const binned = [...virtualLine.rejected, ...virtualLine.passed];
      if (rejected) {
        expect(binned.filter((p) => p.defect === rejected && p.bin === 'rejected').length).toBeGreaterThan(0);
      }
      expect(wrongBins(binned)).toEqual([]);
      // 3. An incremental axis (an index, a label feed) never moved more than one cycle's distance at
      //    once: the cycles queued behind the late one were taken back and sent again from where it stood.
      if (indexUnits !== undefined) {
        const ran = kinematic.history(station).filter((m) => m.status === 'done');
        expect(ran.length).toBeGreaterThan(30);
        expect(ran.filter((m) => Math.abs(m.to - m.from - indexUnits) > 1e-6)).toEqual([]);
        expect(memory.events('line.station.replan')).toEqual([]);
      }
      // 4. Every product placed one pitch from the last: none doubled up in a pocket.
      expect(doubledPockets(virtualLine)).toEqual([]);
    },
  );

  it("the sealer's opening move LATE (its close ran): the head goes back to rest at once, the line runs on, the seal sensor judges the product", async () => {
    const seed = 22;
    console.log(`seed ${seed}`);
    const { clock, model, controller, memory, kinematic, virtualLine } = await setup({
      seed,
      positionTriggeredMoves: true,
    });
    await runFor(clock, 1000);
    kinematic.lateNextTriggeredMove('sealer', 3, (request) => request.position === SEALER.openPosition);
    await runUntilBinned(clock, virtualLine, 40);
    // 1. Late, not a fault; the axis was stopped and sent to rest, its queued cycles sent again.
    expect(model.state).toBe('Execute');
    expect(memory.events('line.station.fault')).toEqual([]);
    expect(controller.stationReports().find((st) => st.name === 'sealer')).toMatchObject({
      late: 1,
      faults: 0,
    });
    expect(memory.events('line.station.late')).toMatchObject([{ fields: { station: 'sealer', step: 1 } }]);
    expect(memory.events('line.station.replan')).toMatchObject([
      { fields: { station: 'sealer', toRest: true } },
    ]);
    const late = kinematic.history('sealer').findIndex((m) => m.status === 'aborted');
    expect(late).toBeGreaterThan(0);
    // 2. The head stood closed far past its dwell on one product (a scorched seal, rejected on the seal
    //    sensor's word); every product in its right bin; the sealer cycles on afterwards.
    const binned = [...virtualLine.rejected, ...virtualLine.passed];
    expect(binned.filter((p) => p.defect === 'no-seal' && p.bin === 'rejected').length).toBeGreaterThan(0);
    expect(wrongBins(binned)).toEqual([]);
    expect(
      kinematic
        .history('sealer')
        .slice(late + 1)
        .filter((m) => m.status === 'done').length,
    ).toBeGreaterThan(20);
  });

  it('host timing, this host stalled 150 ms: the late cycles are rejected, the incremental axes taken back and re-planned, nothing indexes twice', async () => {
    const seed = 20;
    console.log(`seed ${seed}`);
    const { clock, model, controller, memory, kinematic, virtualLine } = await setup({
      seed,
      positionTriggeredMoves: false,
    });
    await runFor(clock, 1003);
    // 1. 150 ms in which this host runs nothing: every timer due in it fires late, far past the
    //    stations' tolerance, and the moves sent before it run on the controllers meanwhile.
    clock.stall(150);
    await runFor(clock, 1);
    await runUntilBinned(clock, virtualLine, 40);
    // 2. Late, not faulted: the line runs on; the infeed and the labeler were re-planned.
    expect(model.state).toBe('Execute');
    expect(memory.events('line.station.fault')).toEqual([]);
    const late = Object.fromEntries(controller.stationReports().map((st) => [st.name, st.late]));
    expect(late['infeed']! + late['labeler']!).toBeGreaterThan(0);
    const replanned = memory.events('line.station.replan').map((r) => r.fields['station']);
    expect(replanned.length).toBeGreaterThan(0);
    // 3. No incremental move longer than one cycle, no pocket doubled, every product in its right bin.
    expect(
      kinematic
        .history('infeed')
        .filter((m) => m.status === 'done' && Math.abs(m.to - m.from - INFEED.indexUnits) > 1e-6),
    ).toEqual([]);
    expect(
      kinematic
        .history('labeler')
        .filter((m) => m.status === 'done' && Math.abs(m.to - m.from - LABELER.labelLengthMm) > 1e-6),
    ).toEqual([]);
    expect(doubledPockets(virtualLine)).toEqual([]);
    const binned = [...virtualLine.rejected, ...virtualLine.passed];
    expect(wrongBins(binned)).toEqual([]);
  });
});

/** Runs the line until `count` products have left the belt (or 10 s of belt time have passed). */
async function runUntilBinned(clock: ManualClock, virtualLine: VirtualLine, count: number): Promise<void> {
  for (let i = 0; i < 100 && [...virtualLine.rejected, ...virtualLine.passed].length < count; i++) {
    await runFor(clock, 100);
  }
}

/** Products in the wrong bin: a defective one passed, or a good one rejected. */
function wrongBins(binned: readonly { id: string; defect: string; bin?: string }[]): string[] {
  return binned
    .filter(
      (p) => (p.defect !== 'none' && p.bin === 'passed') || (p.defect === 'none' && p.bin === 'rejected'),
    )
    .map((p) => `${p.id} ${p.defect} ${p.bin}`);
}

/** Products placed less than half a pitch after the one before: two in one pocket. */
function doubledPockets(virtualLine: VirtualLine): string[] {
  const placed = [...virtualLine.onBelt, ...virtualLine.rejected, ...virtualLine.passed].sort(
    (a, b) => a.spawnBeltMm - b.spawnBeltMm,
  );
  return placed
    .slice(1)
    .flatMap((p, i) => (p.spawnBeltMm - placed[i]!.spawnBeltMm < PITCH_MM / 2 ? [p.id] : []));
}
