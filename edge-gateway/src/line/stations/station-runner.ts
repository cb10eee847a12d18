// Runs the line's stations: one cycle per product, each timed from the conveyor's position (the helper
// the reject arm uses), each cycle's outcome followed to its end. The infeed is the product clock: while
// the line is in Execute it places a product every pitch of belt travel, and every other station serves
// each placed product as it passes. A cycle that ends other than done is a station fault (the line
// controller stops the line by the station's severity) and its product is marked for rejection; so is a
// product a station could not serve (its cycle's start already passed).

import type { Clock, MonotonicMs } from '@servo-edge/common/clock';
import { addMs, elapsedMs } from '@servo-edge/common/clock';
import type { Logger } from '@servo-edge/common/log';
import type { MotionService, MoveRecord } from '@servo-edge/motion-api';
import { CancelledSend, type ConveyorTimedMoves, LateSend, type TimedStep } from '../conveyor-timed-moves.js';
import type { Station, StationName, StationReport } from './station.js';

export type StationMotion = Pick<MotionService, 'axis' | 'move' | 'waitForMove' | 'stop' | 'enable' | 'home'>;

export interface StationRunnerOptions {
  clock: Pick<Clock, 'monotonicMs' | 'epochMs'>;
  motion: StationMotion;
  log: Logger;
  timed: ConveyorTimedMoves;
  /** In belt order; the infeed first. */
  stations: readonly Station[];
  /** Belt travel between two products. */
  pitchMm: number;
  beltMmPerS: number;
  /** A station's move ended other than done while the line ran: stop the line by its severity. */
  onFault(station: Station, code: string, reason: string): void;
  /** The product placed at `placedAtMm` did not get this station's work: reject it. */
  onProductDefect(placedAtMm: number, station: StationName, reason: string): void;
  /** Whether the line is at rest, when a cancelled move is the line's own doing, not a fault. */
  atRest(): boolean;
  /** How long a cycle's outcome is awaited (the belt may be held with its moves armed). */
  cycleWaitMs?: number;
  /**
   * How far ahead of its start a cycle is handed out at least, ms of belt travel (default 150). A
   * position-triggered move must reach the controller before the conveyor passes its trigger; a busy
   * host (the demo runs everything in one process) samples the belt late by tens of ms.
   */
  armAheadMs?: number;
}

type CycleState = 'pending' | 'sent' | 'done' | 'failed';

/** One product from the infeed onward: where it was placed, and each station's cycle for it. */
interface Slot {
  placedAtMm: number;
  cycles: Map<StationName, CycleState>;
  /**
   * Each station's latest send of its cycle (a number unique to the runner). A cycle taken back and
   * sent again (a re-plan) has a new one: the outcome of the send it replaced is not this cycle's.
   */
  sends: Map<StationName, number>;
  /** Each station's cycle being followed to its end (resolves when its outcome is booked). */
  settling: Map<StationName, Promise<void>>;
  /** An incremental station's position (axis units) where its cycle for this product starts. */
  startUnits: Map<StationName, number>;
  /** Each station's first move of its cycle, once the motion service took it. */
  firstMoves: Map<StationName, MoveRecord>;
  /** The infeed's index for it did not run (LATE): its pocket is empty, there is no product to reject. */
  empty?: boolean;
}

interface StationStats {
  cycles: number;
  lastCycleMs: number | null;
  faults: number;
  /** Cycles the host could not time (LATE): their products were rejected, the line ran on. */
  late: number;
  state: StationReport['state'];
  lastFault: StationReport['lastFault'];
  /** Cycles sent (armed on the controller, or waiting on a host timer) and not over yet. */
  inFlight: number;
  /** Index (in `slots`) of the first slot this station has not dispatched yet. */
  cursor: number;
}

/** Position timing: a belt position this far past a cycle's start means the TMOVE would come too late. */
const MISSED_START_MM = 1;
/**
 * An incremental station's next cycle goes out once the one before it has started: it must still reach
 * the controller this long (belt travel at the line's speed) before its own start.
 */
const CHAINED_LEAD_MS = 20;
/**
 * Past this many requests waiting or unanswered on a station's link, no new cycle is handed out: a
 * cycle queued behind them would reach the controller after its start (LATE) and would hold back what
 * comes after it, the conveyor's lease renewals and the reject strokes among them. Measured: on a
 * loaded 2-core host (chromium starting) the belt controller's queue reached the session's limit of
 * 256, 17 products' cycles deep, and a station move was refused CONTROLLER_BUSY. The cycles skipped
 * are served late or not at all, as any late cycle (their products rejected, an infeed pocket left
 * empty). A window of 32 frames plus about a product's worth waiting.
 */
const MAX_LINK_BACKLOG_REQUESTS = 40;

export class StationRunner {
  private readonly slots: Slot[] = [];
  private readonly stats = new Map<StationName, StationStats>();
  /** Where the infeed places its next product (the grid, one pitch apart); set on the first Execute. */
  private nextPlaceMm: number | undefined;
  private readonly infeed: Station | undefined;
  private readonly downstream: Station[];
  /** Stations whose axis is being stopped to take back cycles queued behind a LATE one: not dispatched. */
  private readonly replanning = new Set<StationName>();
  /**
   * An incremental station's (the infeed's index, the labeler's feed) position once the cycles sent so
   * far have run, axis units, and the product whose cycle ends there. Its cycles go out as absolute
   * targets from here: the motion service would chain a relative move from the end of the moves open
   * on the axis, a late one among them, which never runs.
   */
  private readonly commanded = new Map<StationName, { units: number; placedAtMm: number }>();
  private lastSend = 0;
  /** Stations whose link was backlogged at the last plan (logged once per episode). */
  private readonly backlogged = new Set<StationName>();
  /** Disarmed (Stopping, Resetting): nothing is dispatched until reset() has put every station at rest. */
  private halted = false;

  constructor(private readonly options: StationRunnerOptions) {
    for (const station of options.stations) {
      this.stats.set(station.name, {
        cycles: 0,
        lastCycleMs: null,
        faults: 0,
        late: 0,
        state: 'idle',
        lastFault: null,
        inFlight: 0,
        cursor: 0,
      });
    }
    this.infeed = options.stations.find((s) => s.name === 'infeed');
    this.downstream = options.stations.filter((s) => s.name !== 'infeed');
  }

  get stations(): readonly Station[] {
    return this.options.stations;
  }

  /** Every axis a station moves, with its station: the line owns them in Production. */
  axisOwners(): [string, StationName][] {
    return this.options.stations.map((s) => [s.axis, s.name]);
  }

  report(): StationReport[] {
    return this.options.stations.map((station) => {
      const stats = this.stats.get(station.name)!;
      return {
        name: station.name,
        axes: [station.axis],
        cycles: stats.cycles,
        lastCycleMs: stats.lastCycleMs,
        faults: stats.faults,
        late: stats.late,
        state: stats.state,
        severity: station.severity,
        lastFault: stats.lastFault,
      };
    });
  }

  /**
   * Resetting: cancels moves still armed, enables and homes each station's axis, moves it to rest.
   * Cycles cancelled here become pending again, to be served when the belt runs, or marked if missed.
   */
  async reset(): Promise<void> {
    const { motion } = this.options;
    await this.disarm();
    for (const station of this.options.stations) {
      const stats = this.stats.get(station.name)!;
      stats.state = 'homing';
      const status = motion.axis(station.axis);
      if (!status.enabled) await motion.enable(station.axis);
      if (status.homingRequired && !status.homed) {
        await motion.home(station.axis, { wait: true, maxWaitMs: 30_000 });
      }
      if (station.rest) await motion.move(station.axis, station.rest);
    }
    for (const station of this.options.stations) {
      const stats = this.stats.get(station.name)!;
      stats.state = stats.inFlight > 0 ? 'cycling' : 'ready';
    }
    this.halted = false;
  }

  /**
   * The belt stops for good (Stopping, Resetting): every cycle sent is taken back, pending again (served
   * when the belt runs, if it still can be, else marked missed), and each station's axis is stopped,
   * which drops what its controller had armed, so that the axis is free (Manual, homing).
   */
  async disarm(): Promise<void> {
    const { motion } = this.options;
    this.halted = true;
    for (const station of this.options.stations) {
      this.takeBack(station, 0);
      if (!this.positionTimed(station)) this.options.timed.cancelPending(station.axis);
      const queue = motion.axis(station.axis).queue;
      if (queue.device > 0 || queue.open > 0) await motion.stop(station.axis);
    }
    // Stopped: incremental stations chain their next cycle from where they stand.
    this.commanded.clear();
  }

  /** The belt's contents are unknown (Aborting, an e-stop): forget every product. */
  clear(): void {
    this.slots.length = 0;
    this.nextPlaceMm = undefined;
    this.commanded.clear();
    for (const stats of this.stats.values()) stats.cursor = 0;
  }

  /**
   * Called with each belt sample: places products while the line makes them (`producing`), and hands
   * each station the cycles whose start the belt reaches within `armAheadMs` (at least `horizonMs`).
   */
  plan(beltMm: number, nowMs: MonotonicMs, horizonMs: number, producing: boolean): void {
    const { beltMmPerS, pitchMm } = this.options;
    // Handed out well ahead: armed on the controller, or on a host timer, which then fires on time
    // however late the next belt sample comes.
    const aheadMs = Math.max(horizonMs, this.options.armAheadMs ?? 300);
    const reachMm = beltMm + (beltMmPerS * aheadMs) / 1000;
    if (this.halted) {
      this.forgetPassed(beltMm);
      return;
    }
    const backlog = this.options.timed.linkBacklogs();
    if (
      this.infeed &&
      producing &&
      !this.replanning.has(this.infeed.name) &&
      !this.linkBacklogged(this.infeed, backlog)
    ) {
      const infeed = this.infeed;
      this.nextPlaceMm ??= beltMm + pitchMm;
      // Held or stopped between two products, or this host ran late: the infeed resumes on the grid,
      // never two at once. Armed on the controller, an index is handed out at least half the arm-ahead
      // before its start (at the first product, after a stall), or its pocket stays empty: a move that
      // reaches the controller after the belt passed its start is LATE.
      const minLeadMm = this.positionTimed(infeed)
        ? (beltMmPerS * aheadMs) / 2000
        : -this.lateToleranceMm(infeed);
      // Indexes taken back (a re-plan, a host-timed cycle dropped at a Hold) go out again first, in
      // belt order; one whose start is nearer than the lead leaves its pocket empty.
      const infeedStats = this.stats.get(infeed.name)!;
      // Behind an index already running, the next one needs only to reach the controller in time.
      const leadMm = () =>
        this.ahead(infeed) === 'running' ? (beltMmPerS * CHAINED_LEAD_MS) / 1000 : minLeadMm;
      for (; infeedStats.cursor < this.slots.length; infeedStats.cursor++) {
        const slot = this.slots[infeedStats.cursor]!;
        if (slot.cycles.get(infeed.name) !== 'pending') continue;
        const startMm = infeed.cycle(slot.placedAtMm, beltMmPerS).steps[0]!.atMm!;
        if (startMm > reachMm || this.ahead(infeed) === 'armed') break;
        if (startMm < beltMm + leadMm()) this.leaveEmpty(slot);
        else this.dispatch(infeed, infeedStats.cursor, beltMm, nowMs);
      }
      for (;;) {
        const steps = infeed.cycle(this.nextPlaceMm, beltMmPerS).steps;
        const startMm = steps[0]!.atMm!;
        if (startMm > reachMm || this.ahead(infeed) === 'armed') break;
        if (startMm < beltMm + leadMm()) {
          this.nextPlaceMm += pitchMm;
          continue;
        }
        const slot: Slot = {
          placedAtMm: this.nextPlaceMm,
          cycles: new Map(),
          sends: new Map(),
          settling: new Map(),
          startUnits: new Map(),
          firstMoves: new Map(),
        };
        for (const station of this.options.stations) slot.cycles.set(station.name, 'pending');
        this.slots.push(slot);
        this.nextPlaceMm += pitchMm;
        this.dispatch(infeed, this.slots.length - 1, beltMm, nowMs);
        infeedStats.cursor = this.slots.length;
      }
    }
    for (const station of this.downstream) {
      if (this.replanning.has(station.name) || this.linkBacklogged(station, backlog)) continue;
      const stats = this.stats.get(station.name)!;
      while (stats.cursor < this.slots.length) {
        const slot = this.slots[stats.cursor]!;
        const steps = station.cycle(slot.placedAtMm + station.positionMm, beltMmPerS).steps;
        if (steps[0]!.atMm! > reachMm || this.ahead(station) === 'armed') break;
        this.dispatch(station, stats.cursor, beltMm, nowMs);
        stats.cursor++;
      }
    }
    this.forgetPassed(beltMm);
  }

  /** Whether the station's link holds more than MAX_LINK_BACKLOG_REQUESTS; logged once per episode. */
  private linkBacklogged(station: Station, backlog: (axis: string) => number): boolean {
    const pending = backlog(station.axis);
    if (pending <= MAX_LINK_BACKLOG_REQUESTS) {
      this.backlogged.delete(station.name);
      return false;
    }
    if (!this.backlogged.has(station.name)) {
      this.backlogged.add(station.name);
      this.options.log.warn({ station: station.name, pendingRequests: pending }, 'line.station.backlog');
    }
    return true;
  }

  /**
   * What an incremental station has on its controller: `armed`, a cycle that has not started yet (the
   * next one waits: a cycle that never runs, ABORTED why=LATE, must not be chained on), `running`, the
   * latest one has started (the next may follow it), or `idle`. Armed on the controller, one cycle waits
   * at a time: its target is known good only once the one before it started. Other stations: `idle`.
   */
  private ahead(station: Station): 'armed' | 'running' | 'idle' {
    if (station.rest !== undefined || !this.positionTimed(station) || this.stepped(station)) return 'idle';
    for (let i = this.slots.length - 1; i >= 0; i--) {
      const slot = this.slots[i]!;
      if (slot.cycles.get(station.name) !== 'sent') continue;
      const first = slot.firstMoves.get(station.name);
      if (first === undefined) return 'armed'; // not taken by the motion service yet
      // Done, or STARTED heard; an ABORTED one (LATE) waits until its cycle is booked and unchained.
      return first.status === 'done' || first.legs[0]?.started ? 'running' : 'armed';
    }
    return 'idle';
  }

  /**
   * How far the belt may be past a cycle's start when it is handed out. Armed on the controller: none
   * (the controller would refuse it, ABORTED why=LATE). Host timing: a quarter of a pitch (a dose or a
   * label that late still mostly meets its product, and the station's check catches the rest).
   */
  private lateToleranceMm(station: Station): number {
    return this.positionTimed(station)
      ? MISSED_START_MM
      : Math.max(MISSED_START_MM, 0.25 * this.options.pitchMm);
  }

  private positionTimed(station: Station): boolean {
    return this.options.timed.positionTiming(station.axis, 'line.station.host-timing');
  }

  /**
   * An incremental station whose controller fixes each step's target when it fires (§v2 Triggered
   * steps): its cycles are armed ahead like any other station's, and one dropped as LATE needs no
   * re-plan, because the next counts from where the axis stands. Without TSTEP it is armed one at a time.
   */
  private stepped(station: Station): boolean {
    return (
      station.rest === undefined && this.options.timed.stepTiming(station.axis, 'line.station.one-armed')
    );
  }

  /**
   * The belt is stopping (Hold, Stop, Suspend, Abort): host-timed cycles not sent yet are dropped and
   * served again when the belt runs (or marked as missed if it has carried their product past).
   */
  pauseHostTimed(): void {
    for (const station of this.options.stations) {
      if (!this.positionTimed(station)) this.options.timed.cancelPending(station.axis);
    }
  }

  /** A station fault reported by the controller (FAULT on its axis: a following error, a limit). */
  axisFault(axis: string, code: string, reason: string): void {
    const station = this.options.stations.find((s) => s.axis === axis);
    if (station) this.fault(station, code, reason);
  }

  private dispatch(station: Station, index: number, beltMm: number, nowMs: MonotonicMs): void {
    const { timed, beltMmPerS, log } = this.options;
    const slot = this.slots[index]!;
    if (slot.cycles.get(station.name) !== 'pending') return;
    let steps = station.cycle(slot.placedAtMm + station.positionMm, beltMmPerS).steps;
    const startMm = steps[0]!.atMm!;
    if (startMm < beltMm - this.lateToleranceMm(station)) {
      // The belt is already past the cycle's start (the line was reset with the product under way).
      slot.cycles.set(station.name, 'failed');
      log.warn({ station: station.name, placedAtMm: slot.placedAtMm }, 'line.station.missed');
      this.markDefect(slot, station.name, 'MISSED');
      return;
    }
    if (station.rest === undefined)
      steps = this.stepped(station)
        ? steps.map((step) => (step.atMm === undefined ? step : { ...step, fromTrigger: true }))
        : this.absolute(station, slot, steps);
    slot.cycles.set(station.name, 'sent');
    const send = ++this.lastSend;
    slot.sends.set(station.name, send);
    const stats = this.stats.get(station.name)!;
    stats.inFlight++;
    if (stats.state === 'ready') stats.state = 'cycling';
    const plannedAtMs = addMs(nowMs, ((startMm - beltMm) / beltMmPerS) * 1000);
    const positionTiming = this.positionTimed(station);
    const sent = timed.send(
      station.axis,
      steps,
      positionTiming,
      plannedAtMs,
      undefined,
      (this.lateToleranceMm(station) / beltMmPerS) * 1000,
    );
    slot.settling.set(station.name, this.follow(station, slot, send, sent.moves, plannedAtMs));
    sent.moves[0]?.then(
      (record) => {
        if (slot.sends.get(station.name) === send) slot.firstMoves.set(station.name, record);
      },
      () => {},
    );
  }

  /** An incremental station's cycle as absolute targets, chained from where its last cycle ends. */
  private absolute(station: Station, slot: Slot, steps: TimedStep[]): TimedStep[] {
    let units = this.commanded.get(station.name)?.units ?? this.options.motion.axis(station.axis).position;
    if (units === null) return steps; // position unknown: the motion service chains them
    slot.startUnits.set(station.name, units);
    const out = steps.map((step) => {
      const { distance, ...rest } = step.request;
      if (distance === undefined) return step;
      units = (units as number) + distance;
      return { ...step, request: { ...rest, position: units } };
    });
    this.commanded.set(station.name, { units, placedAtMm: slot.placedAtMm });
    return out;
  }

  /**
   * An incremental station's cycle for `slot` did not run (LATE, or dropped before it was sent): the
   * next one starts where this one would have.
   */
  private unchain(station: Station, slot: Slot): void {
    const startUnits = slot.startUnits.get(station.name);
    const commanded = this.commanded.get(station.name);
    if (startUnits === undefined || commanded === undefined || commanded.placedAtMm < slot.placedAtMm) return;
    this.commanded.set(station.name, {
      units: startUnits,
      placedAtMm: slot.placedAtMm - this.options.pitchMm,
    });
  }

  /** Waits for every move of one cycle and books its outcome. */
  private async follow(
    station: Station,
    slot: Slot,
    send: number,
    moves: Promise<MoveRecord>[],
    plannedAtMs: MonotonicMs,
  ): Promise<void> {
    const stats = this.stats.get(station.name)!;
    try {
      await this.settleCycle(station, slot, send, moves, plannedAtMs);
    } finally {
      stats.inFlight--;
      if (stats.state === 'cycling' && stats.inFlight === 0) stats.state = 'ready';
    }
  }

  private async settleCycle(
    station: Station,
    slot: Slot,
    send: number,
    moves: Promise<MoveRecord>[],
    plannedAtMs: MonotonicMs,
  ): Promise<void> {
    const { motion, clock } = this.options;
    // Each outcome is read in turn below; a later move refused meanwhile is not an unhandled rejection.
    for (const move of moves) move.catch(() => {});
    // Taken back by a re-plan (the runner stopped the axis itself): what the old send did is not news.
    const replaced = () => slot.sends.get(station.name) !== send;
    let failure: { code: string; reason: string } | undefined;
    for (const [step, move] of moves.entries()) {
      try {
        const record = await move;
        const settled = await motion.waitForMove(record.moveId, this.options.cycleWaitMs ?? 60_000);
        if (replaced()) return;
        if (settled.status === 'done') continue;
        if (settled.status === 'queued' || settled.status === 'sending') return; // still armed: the belt is held
        if (step === 0 && settled.status === 'aborted' && settled.error?.reason === 'LATE') {
          // The cycle reached the controller after the belt passed its start (ABORTED why=LATE, §v2
          // Triggered moves): this host was late, the station is sound. The product misses this
          // station's work and is rejected, as when a host timer runs late; the line runs on.
          this.lateCycle(station, slot);
          return;
        }
        if (step > 0 && settled.status === 'aborted' && settled.error?.reason === 'LATE' && station.rest) {
          // A later move of the cycle (the sealer's opening) reached the controller after the belt
          // passed its trigger: this host was late (its moves held back, §v2 Events flow control), and
          // the station's first move ran, so the axis stands off its rest (the head down). Back to rest
          // at once, the cycles queued behind taken back and sent again; the line runs on.
          this.lateCycle(station, slot, step);
          this.replan(station, slot, { toRest: true });
          return;
        }
        failure ??= {
          code: settled.error?.code ?? 'MOVE_ABORTED',
          reason: `${station.axis} move ${record.moveId} ${settled.status}${settled.error?.reason ? ` (${settled.error.reason})` : ''}`,
        };
      } catch (error) {
        if (replaced()) return;
        if (error instanceof CancelledSend) {
          this.rewind(station, slot);
          return;
        }
        if (error instanceof LateSend) {
          this.lateCycle(station, slot);
          return;
        }
        failure ??= {
          code: (error as { code?: string }).code ?? 'UNKNOWN',
          reason: (error as Error).message ?? 'move refused',
        };
      }
    }
    const stats = this.stats.get(station.name)!;
    if (failure === undefined) {
      slot.cycles.set(station.name, 'done');
      stats.cycles++;
      stats.lastCycleMs = Math.max(0, elapsedMs(plannedAtMs, clock.monotonicMs()));
      return;
    }
    // Cancelled by the line itself (Resetting stops armed moves): pending again, served when the belt
    // runs if it still can be, else marked as missed when the belt has carried its product past.
    if (this.options.atRest()) {
      if (slot.cycles.get(station.name) === 'sent') slot.cycles.set(station.name, 'pending');
      return;
    }
    slot.cycles.set(station.name, 'failed');
    this.markDefect(slot, station.name, failure.code);
    this.fault(station, failure.code, failure.reason);
  }

  /**
   * The host was too busy to time a cycle (its timer ran late, or its triggered move reached the
   * controller after the belt passed): the product did not get this station's work. An infeed index
   * that did not run placed no product: its pocket stays empty, nothing to reject.
   */
  private lateCycle(station: Station, slot: Slot, step = 0): void {
    slot.cycles.set(station.name, 'failed');
    this.stats.get(station.name)!.late++;
    this.options.log.warn({ station: station.name, placedAtMm: slot.placedAtMm, step }, 'line.station.late');
    if (station.name === 'infeed') slot.empty = true;
    // A later move that came late (the sealer's opening): the work was done, perhaps too long (a
    // scorched seal); the station's own check (the seal sensor) judges the product.
    else if (step === 0) this.markDefect(slot, station.name, 'LATE');
    // A step counts from where the axis stands when it fires: the cycles behind a late one stay good.
    if (station.rest === undefined && step === 0 && !this.stepped(station)) {
      this.unchain(station, slot);
      this.replan(station, slot);
    }
  }

  /**
   * An incremental station (the infeed's index, the labeler's feed) had a cycle that did not run. The
   * cycles sent behind it were chained from where it would have ended, a position the axis never
   * reached: each would move one index too far (two pockets at once). Stop the axis once the cycles
   * ahead of the late one have run (the controller drops its queue: PROTOCOL.md, STOP), take those
   * cycles back and send them again from where it stands. Assumed: the first of them had not started
   * (it waits for a trigger one pitch after the late one's, and the late one's ABORTED arrives first).
   */
  private replan(station: Station, late: Slot, options: { toRest?: boolean } = {}): void {
    const taken = this.takeBack(station, this.slots.indexOf(late) + 1);
    const rest = options.toRest ? station.rest : undefined;
    // Nothing sent behind it and nowhere to go: the next cycle chains from where the axis is.
    if (taken === 0 && rest === undefined) return;
    const { log, motion, timed } = this.options;
    // Host-timed cycles still on this host's timers are dropped with the rest.
    if (!this.positionTimed(station)) timed.cancelPending(station.axis);
    log.warn({ station: station.name, cycles: taken, toRest: rest !== undefined }, 'line.station.replan');
    this.replanning.add(station.name);
    // A cycle ahead of the late one may still be running: let it end, a stop would cut it short.
    const ahead = this.slots
      .slice(0, this.slots.indexOf(late))
      .flatMap((slot) => (slot.cycles.get(station.name) === 'sent' ? [slot.settling.get(station.name)] : []));
    void Promise.all(ahead)
      .then(async () => {
        if (taken > 0) await motion.stop(station.axis);
        if (rest) await motion.move(station.axis, rest);
      })
      .catch((error: Error & { code?: string }) => {
        log.error({ station: station.name, code: error.code, err: error }, 'line.station.replan-failed');
        // The axis could not be brought back to rest: the station cannot go on.
        if (rest)
          this.fault(
            station,
            error.code ?? 'MOVE_REFUSED',
            `${station.axis}: back to rest after a late move: ${error.message}`,
          );
      })
      .finally(() => this.replanning.delete(station.name));
  }

  /** An infeed index that cannot go out in time: its pocket stays empty, nothing to reject downstream. */
  private leaveEmpty(slot: Slot): void {
    slot.cycles.set('infeed', 'failed');
    slot.empty = true;
    this.stats.get('infeed')!.late++; // the host could not time it: counted as a late index
    this.options.log.warn({ station: 'infeed', placedAtMm: slot.placedAtMm }, 'line.station.empty-pocket');
  }

  /** The product in `slot` did not get a station's work: reject it (an empty pocket has nothing to reject). */
  private markDefect(slot: Slot, station: StationName, reason: string): void {
    if (!slot.empty) this.options.onProductDefect(slot.placedAtMm, station, reason);
  }

  /**
   * Every cycle of `station` sent from slot `fromIndex` on is pending again (served anew, or marked
   * missed once the belt carries its product past) and the station's cursor goes back to the first.
   * What the cancelled sends report is not these cycles' any more. Returns how many.
   */
  private takeBack(station: Station, fromIndex: number): number {
    const stats = this.stats.get(station.name)!;
    let taken = 0;
    for (let i = fromIndex; i < this.slots.length; i++) {
      const slot = this.slots[i]!;
      if (slot.cycles.get(station.name) !== 'sent') continue;
      slot.cycles.set(station.name, 'pending');
      slot.sends.delete(station.name);
      slot.firstMoves.delete(station.name);
      stats.cursor = Math.min(stats.cursor, i);
      taken++;
    }
    return taken;
  }

  /** A cycle dropped before it was sent: pending again, the station's cursor back to it. */
  private rewind(station: Station, slot: Slot): void {
    if (station.rest === undefined) this.unchain(station, slot);
    slot.firstMoves.delete(station.name);
    slot.cycles.set(station.name, 'pending');
    const index = this.slots.indexOf(slot);
    const stats = this.stats.get(station.name)!;
    if (index >= 0) stats.cursor = Math.min(stats.cursor, index);
  }

  private fault(station: Station, code: string, reason: string): void {
    const stats = this.stats.get(station.name)!;
    stats.faults++;
    stats.state = 'faulted';
    stats.lastFault = { code, reason, atMs: this.options.clock.epochMs() };
    this.options.onFault(station, code, reason);
  }

  /**
   * Drops products the belt has carried two pitches past the last station. A cycle never sent for one
   * (cancelled by a reset and not served since) is a station's work it did not get: marked for rejection.
   */
  private forgetPassed(beltMm: number): void {
    const lastMm = Math.max(0, ...this.options.stations.map((s) => s.positionMm));
    let drop = 0;
    while (drop < this.slots.length) {
      const slot = this.slots[drop]!;
      if (beltMm < slot.placedAtMm + lastMm + 2 * this.options.pitchMm) break;
      for (const [name, state] of slot.cycles) {
        if (state !== 'pending') continue;
        if (name === 'infeed') slot.empty = true; // never indexed: no product in that pocket
        slot.cycles.set(name, 'failed');
        this.markDefect(slot, name, 'MISSED');
      }
      drop++;
    }
    if (drop === 0) return;
    this.slots.splice(0, drop);
    for (const stats of this.stats.values()) stats.cursor = Math.max(0, stats.cursor - drop);
  }
}
