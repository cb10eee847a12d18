// One simulated axis: state machine, trapezoidal motion, move queue, homing, soft limits and faults,
// and in v2 triggered moves (§v2 Triggered moves) and jog leases (§v2 Jog lease).
// Time advances in events (segment ends, switch, limit and trigger crossings, following-error trips)
// rather than in fixed steps, so a stepped clock lands exactly on them and any interval costs O(events).
// Positions are float64 counts, exact integers to 2^53 (§v2 Positions): each segment's kinematics are
// evaluated from the state where the segment began (its anchor), never accumulated step by step, so a
// position of 2^47 carries one rounding (1/64 count) however often the axis is looked at.

import {
  type AbortReason,
  type AxisState,
  type EventFieldsOf,
  type EventName,
  type LimitKey,
  planTrapezoid,
  type Reply,
} from '@servo-edge/firmware-protocol';
import type { ResolvedAxisConfig } from '../config.js';
import type { AxisSnapshot, QueuedMove } from '../types.js';
import { type CrossingWatch, isAtOrPast } from './crossing-watch.js';
import {
  firstCrossingS,
  integrate,
  type Kinematics,
  planVelocityRamp,
  type Segment,
  stoppingDistanceCounts,
} from './profile.js';
import { Trajectory } from './trajectory.js';

export type AxisEmit = <E extends EventName>(event: E, fields: EventFieldsOf<E>) => void;
export type AxisFault = 'FERR' | 'LIMIT' | 'HOME' | 'DRIVE';
type Motion = AxisSnapshot['motion'];
type HomePhase = 'search' | 'searchStop' | 'backoff' | 'backoffStop';
type AxisEventKind = 'segmentEnd' | 'switch' | 'searchExhausted' | 'limitMin' | 'limitMax' | 'ferr' | 'watch';
interface AxisEvent {
  atMs: number;
  kind: AxisEventKind;
  /** For crossings: the level reached, in the physical frame. */
  levelCounts: number;
  /** For 'watch': the armed TMOVE's trigger that fires. */
  watch?: CrossingWatch;
}

/** What an axis needs from the controller it belongs to. */
export interface AxisLinks {
  /** Another axis of the same controller: a TMOVE's trigger source (§v2 Triggered moves). */
  peer(axis: number): Axis | undefined;
  /** Device time (ms since boot, §v2 Positions `t`) of an instant on the simulation clock. */
  deviceTimeMs(atMs: number): number;
}

const NO_LINKS: AxisLinks = { peer: () => undefined, deviceTimeMs: (atMs) => Math.floor(atMs) };

/** The switch releases half a count past where it closes (hysteresis), so back-off always moves. */
const SWITCH_HYSTERESIS_COUNTS = 0.5;

/** A device-wide latch that overrides what the axis reports (§Device rules 5 and 6). */
export type DeviceLatch = 'ESTOP' | 'FAULT' | undefined;

const OK: Reply = { ok: true, fields: {} } as Reply;
const INT32_MAX = 2 ** 31 - 1;

function err(code: 'STATE', st: AxisState): Reply;
function err(code: 'RANGE' | 'QFULL'): Reply;
function err(code: 'STATE' | 'RANGE' | 'QFULL', st?: AxisState): Reply {
  return { ok: false, code, fields: st === undefined ? {} : { st } };
}

/** Rounded to an integer count within ±bound (what the wire carries), never -0. */
function clampInt(value: number, bound = INT32_MAX): number {
  const rounded = Math.round(value);
  return Math.max(-bound, Math.min(bound, rounded)) + 0; // + 0 turns -0 into 0
}

export class Axis {
  private limits: AxisSnapshot['limits'];
  private enabled = false;
  private fault: AxisFault | undefined;
  private homed = false;
  /** Physical (power-on frame) position minus the reported position; HOME changes it (§Commands HOME). */
  private offsetCounts = 0;
  /** Commanded kinematics in the physical frame, as of lastUpdateMs. */
  private cmd: Kinematics;
  /** Where and when the current segment began: cmd is evaluated from here, never accumulated. */
  private anchor: { atMs: number; state: Kinematics };
  /** Where a jammed axis is stuck (physical); undefined when it follows its command. */
  private stuckAtCounts: number | undefined;
  private motion: Motion = 'idle';
  private segments: Segment[] = [];
  private segmentEndMs = Number.POSITIVE_INFINITY;
  private lastUpdateMs: number;
  private readonly queue: QueuedMove[] = [];
  /** Deceleration for a controlled stop of the current motion. */
  private motionAccelerationCountsPerS2: number;
  private homePhase: HomePhase = 'search';
  private homeSearchStartCounts = 0;
  /** §v2 Triggered moves: levels other axes' armed TMOVEs wait for this axis to cross. */
  private readonly watches = new Set<CrossingWatch>();
  /** The head of the queue is a TMOVE armed on `source`'s crossing. */
  private armed: { watch: CrossingWatch; source: Axis } | undefined;
  /**
   * The largest |position| a report may carry: the session's wire (int32 in v1 and before any session,
   * pmax in v2, §v2 Positions). A v1 host reads a position beyond it as the bound, not as garbage.
   */
  private wireBoundCounts = INT32_MAX;
  /** The recent past, for observers that run late (positionAt). */
  private readonly trajectory = new Trajectory();

  constructor(
    readonly axis: number,
    private readonly config: ResolvedAxisConfig,
    private readonly emit: AxisEmit,
    nowMs: number,
    private readonly links: AxisLinks = NO_LINKS,
  ) {
    this.limits = this.configuredLimits();
    this.cmd = { positionCounts: config.startPositionCounts, velocityCountsPerS: 0 };
    this.anchor = { atMs: nowMs, state: { ...this.cmd } };
    this.lastUpdateMs = nowMs;
    this.commitKnot();
    this.motionAccelerationCountsPerS2 = config.amaxCountsPerS2;
  }

  // ---- readback ----

  state(latch: DeviceLatch): AxisState {
    if (latch === 'ESTOP') return 'ESTOP';
    if (this.fault !== undefined || latch === 'FAULT') return 'FAULT';
    if (!this.enabled) return 'DISABLED';
    if (this.motion === 'home') return 'HOMING';
    if (this.motion !== 'idle') return 'MOVING';
    return 'IDLE';
  }

  /** Actual position, reported frame, unrounded. */
  get positionCounts(): number {
    return this.actualPhysicalCounts() - this.offsetCounts;
  }
  get velocityCountsPerS(): number {
    return this.stuckAtCounts === undefined ? this.cmd.velocityCountsPerS : 0;
  }
  get queueLength(): number {
    return this.queue.length;
  }
  get isMoving(): boolean {
    return this.motion !== 'idle';
  }

  /**
   * Where the axis was (reported frame, unrounded) at a recent instant it has been advanced past: the
   * exact simulated timeline, for an observer that looks late. Undefined beyond the kept history.
   */
  positionAt(atMs: number): number | undefined {
    return this.trajectory.positionAt(atMs);
  }

  /**
   * Records the motion from the axis's current instant on (a trajectory knot). The axis does this after
   * its own events; the controller calls it after every command, which may have changed the motion.
   */
  commitKnot(): void {
    const stuck = this.stuckAtCounts !== undefined;
    this.trajectory.record({
      atMs: this.lastUpdateMs,
      positionCounts: this.positionCounts,
      velocityCountsPerS: this.velocityCountsPerS,
      accelerationCountsPerS2: stuck ? 0 : (this.segments[0]?.accelerationCountsPerS2 ?? 0),
    });
  }

  /** The session's position bound: int32 for v1 (and no session), pmax for v2. */
  setWireBound(boundCounts: number): void {
    this.wireBoundCounts = boundCounts;
  }

  snapshot(latch: DeviceLatch): AxisSnapshot {
    return {
      axis: this.axis,
      state: this.state(latch),
      positionCounts: this.positionCounts,
      commandedCounts: this.cmd.positionCounts - this.offsetCounts,
      velocityCountsPerS: this.velocityCountsPerS,
      targetCounts: this.targetCounts(),
      enabled: this.enabled,
      homed: this.homed,
      stuck: this.stuckAtCounts !== undefined,
      motion: this.motion,
      queue: this.queue.map((m) => ({ ...m, ...(m.trigger ? { trigger: { ...m.trigger } } : {}) })),
      armed: this.armed !== undefined,
      limits: { ...this.limits },
      fault: this.fault,
    };
  }

  /**
   * §Commands GET and §v2 Fields: pos vel tgt st q, and run (v2; the encoder leaves it out of a v1 line).
   * `q` counts every move that still owes its DONE or ABORTED: the running or armed one and the waiting
   * ones. `noiseCounts` is the encoder noise sample to add.
   */
  get(latch: DeviceLatch, noiseCounts: number): Reply {
    return {
      ok: true,
      fields: {
        pos: this.reportedPosition(noiseCounts),
        vel: clampInt(this.velocityCountsPerS),
        tgt: clampInt(this.targetCounts(), this.wireBoundCounts),
        st: this.state(latch),
        q: this.queue.length,
        run: this.queue[0]?.seq ?? 0,
      },
    } as Reply;
  }

  reportedPosition(noiseCounts: number): number {
    return clampInt(this.positionCounts + noiseCounts, this.wireBoundCounts);
  }
  reportedVelocity(): number {
    return clampInt(this.velocityCountsPerS);
  }

  /**
   * §v2 Fields, tgt: a running move's target; while a STOP's ramp runs, where it comes to rest; while
   * jogging or homing the current commanded position (there is no target); idle, disabled or armed, the
   * position the axis is commanded to hold (pos at rest).
   */
  private targetCounts(): number {
    const running = this.motion === 'move' ? this.queue[0] : undefined;
    if (running) return running.targetCounts;
    const commanded = this.cmd.positionCounts - this.offsetCounts;
    if (this.motion === 'stop') {
      return (
        commanded + stoppingDistanceCounts(this.cmd.velocityCountsPerS, this.motionAccelerationCountsPerS2)
      );
    }
    return commanded;
  }

  // ---- commands (the controller checked AXIS and the device latches first) ----

  enable(): Reply {
    if (this.fault !== undefined) return err('STATE', 'FAULT');
    this.enabled = true;
    return OK;
  }

  /** Drive off at once: running and queued moves are ABORTED, a homing run fails. */
  disable(nowMs: number): Reply {
    this.advanceTo(nowMs);
    if (this.motion === 'home') this.latchFault('HOME');
    this.haltNow('STOP');
    this.enabled = false;
    return OK;
  }

  /** §Commands MOVE: checks state, limits (ERR RANGE) and the queue (ERR QFULL), then queues. */
  move(nowMs: number, move: QueuedMove, queueDepth: number): Reply {
    this.advanceTo(nowMs);
    const refused = this.refuseMotion(['idle', 'move', 'stop']);
    if (refused) return refused;
    const { minCounts, maxCounts, vmaxCountsPerS, amaxCountsPerS2 } = this.limits;
    // A step's target is known only when it fires (§v2 Triggered steps); it is checked then.
    const step = move.stepCounts !== undefined;
    if (
      (!step && (move.targetCounts < minCounts || move.targetCounts > maxCounts)) ||
      move.velocityCountsPerS > vmaxCountsPerS ||
      move.accelerationCountsPerS2 > amaxCountsPerS2
    ) {
      return err('RANGE');
    }
    if (this.queue.length >= queueDepth) return err('QFULL');
    this.queue.push({ ...move, ...(move.trigger ? { trigger: { ...move.trigger } } : {}) });
    if (this.motion === 'idle') this.startNextMove();
    return OK;
  }

  /** §Commands JOG: run at a signed velocity until STOP (or JOG 0). */
  jog(nowMs: number, velocityCountsPerS: number, accelerationCountsPerS2: number): Reply {
    this.advanceTo(nowMs);
    const refused = this.refuseMotion(['idle', 'jog', 'stop']);
    if (refused) return refused;
    // Moves owe their outcome first; an armed TMOVE leaves st IDLE (§v2 Fields), so say what GET says.
    if (this.queue.length > 0) return err('STATE', this.state(undefined));
    const { minCounts, maxCounts, vmaxCountsPerS, amaxCountsPerS2 } = this.limits;
    if (Math.abs(velocityCountsPerS) > vmaxCountsPerS || accelerationCountsPerS2 > amaxCountsPerS2) {
      return err('RANGE');
    }
    const pos = this.positionCounts;
    if ((velocityCountsPerS > 0 && pos >= maxCounts) || (velocityCountsPerS < 0 && pos <= minCounts)) {
      return err('RANGE');
    }
    if (velocityCountsPerS === 0 && this.motion === 'idle') return OK;
    this.motionAccelerationCountsPerS2 = accelerationCountsPerS2;
    this.motion = 'jog';
    this.setPlan(planVelocityRamp(this.cmd.velocityCountsPerS, velocityCountsPerS, accelerationCountsPerS2));
    return OK;
  }

  /**
   * §Commands STOP: controlled stop; running, armed and queued moves each get ABORTED (why=STOP in v2,
   * which is how an armed TMOVE is cancelled, §v2 Triggered moves); a homing run fails.
   */
  stop(nowMs: number): Reply {
    this.advanceTo(nowMs);
    if (this.motion === 'home') this.latchFault('HOME');
    this.abortMoves('STOP');
    if (this.motion !== 'idle') this.beginStop();
    return OK;
  }

  /** §v2 Jog lease, RENEW: OK while jogging; otherwise ERR STATE with what GET would say. */
  renewLease(latch: DeviceLatch): Reply {
    if (this.motion === 'jog' && latch === undefined && this.fault === undefined) return OK;
    return err('STATE', this.state(latch));
  }

  /**
   * §v2 Jog lease: the lease ran out. A jog makes a controlled stop at its own acceleration; returns the
   * position where the lease ran out, or undefined if the axis no longer jogs (a STOP, a fault or a soft
   * limit got there first and reported itself).
   */
  leaseExpired(nowMs: number): number | undefined {
    this.advanceTo(nowMs);
    if (this.motion !== 'jog') return undefined;
    const pos = this.reportedPosition(0);
    this.beginStop();
    return pos;
  }

  /** §Commands HOME: search for the switch, back off until it releases, stop, set 0; HOMED or FAULT code=HOME. */
  home(nowMs: number): Reply {
    this.advanceTo(nowMs);
    const refused = this.refuseMotion(['idle']);
    if (refused) return refused;
    // An armed TMOVE (st IDLE) still holds the queue: homing would move the axis under it.
    if (this.queue.length > 0) return err('STATE', this.state(undefined));
    this.motion = 'home';
    this.homed = false;
    this.motionAccelerationCountsPerS2 = this.config.homeAccelerationCountsPerS2;
    this.homeSearchStartCounts = this.cmd.positionCounts;
    if (this.switchActive()) this.startBackoff();
    else {
      this.homePhase = 'search';
      this.setPlan(
        planVelocityRamp(
          0,
          this.config.homeDirection * this.homeVelocity(),
          this.config.homeAccelerationCountsPerS2,
        ),
      );
    }
    return OK;
  }

  /** §Commands SET: MIN below MAX, VMAX/AMAX/FERR positive, else ERR RANGE. */
  set(key: LimitKey, value: number): Reply {
    switch (key) {
      case 'MIN':
        if (value >= this.limits.maxCounts) return err('RANGE');
        this.limits.minCounts = value;
        return OK;
      case 'MAX':
        if (value <= this.limits.minCounts) return err('RANGE');
        this.limits.maxCounts = value;
        return OK;
      case 'VMAX':
        if (value <= 0) return err('RANGE');
        this.limits.vmaxCountsPerS = value;
        return OK;
      case 'AMAX':
        if (value <= 0) return err('RANGE');
        this.limits.amaxCountsPerS2 = value;
        return OK;
      case 'FERR':
        if (value <= 0) return err('RANGE');
        this.limits.ferrCounts = value;
        return OK;
    }
  }

  // ---- device-wide events ----

  /** §Device rule 5: drive disabled at once, every move ABORTED, a homing run fails. */
  estop(nowMs: number): void {
    this.advanceTo(nowMs);
    if (this.motion === 'home') this.latchFault('HOME');
    this.haltNow('ESTOP');
    this.enabled = false;
  }

  /** §Device rule 6: moving axes make a controlled stop; moves are ABORTED, a homing run fails. */
  watchdogExpired(nowMs: number): void {
    this.advanceTo(nowMs);
    if (this.motion === 'home') this.latchFault('HOME');
    // An armed TMOVE goes too (why=FAULT): the watchdog fault latches, and it must not fire later.
    this.abortMoves('FAULT');
    if (this.motion !== 'idle') this.beginStop();
  }

  /** RESET: clears a latched axis fault (the drive stays as the fault left it). */
  clearFault(): void {
    this.fault = undefined;
  }

  /** A device reboot: power-on state, except that the axis is where it physically is. Emits nothing. */
  reboot(nowMs: number): void {
    this.advanceTo(nowMs);
    this.disarm();
    this.watches.clear();
    this.queue.length = 0;
    this.motion = 'idle';
    this.setPlan([]);
    this.cmd = { positionCounts: this.actualPhysicalCounts(), velocityCountsPerS: 0 };
    this.anchor = { atMs: this.lastUpdateMs, state: { ...this.cmd } };
    if (this.stuckAtCounts !== undefined) this.stuckAtCounts = this.cmd.positionCounts;
    this.enabled = false;
    this.fault = undefined;
    this.homed = false;
    this.offsetCounts = 0;
    this.limits = this.configuredLimits();
  }

  /** Fault injection: a jam holds the axis where it is; freeing it lets it catch up with its command. */
  setStuck(nowMs: number, stuck: boolean): void {
    this.advanceTo(nowMs);
    if (stuck && this.stuckAtCounts === undefined) this.stuckAtCounts = this.cmd.positionCounts;
    if (!stuck) this.stuckAtCounts = undefined;
  }

  // ---- §v2 Triggered moves: this axis as a trigger source ----

  /** Another axis's armed TMOVE waits for this one to cross a level. */
  addWatch(watch: CrossingWatch): void {
    this.watches.add(watch);
  }
  removeWatch(watch: CrossingWatch): void {
    this.watches.delete(watch);
  }

  // ---- time ----

  /** When the next event of this axis happens, on the simulation clock; undefined if none. */
  nextEventMs(): number | undefined {
    const next = this.nextEvent();
    return next?.atMs;
  }

  /** Runs every event up to `nowMs` in order, then integrates to `nowMs`. */
  advanceTo(nowMs: number): void {
    // Each event changes the plan, so this terminates; the bound is a guard against float edge cases.
    for (let guard = 0; guard < 10_000; guard++) {
      const next = this.nextEvent();
      if (next === undefined || next.atMs > nowMs) break;
      this.integrateTo(next.atMs);
      this.handleEvent(next);
      this.commitKnot();
    }
    this.integrateTo(nowMs);
  }

  // ---- internals ----

  private configuredLimits(): AxisSnapshot['limits'] {
    const c = this.config;
    return {
      minCounts: c.minCounts,
      maxCounts: c.maxCounts,
      vmaxCountsPerS: c.vmaxCountsPerS,
      amaxCountsPerS2: c.amaxCountsPerS2,
      ferrCounts: c.ferrCounts,
    };
  }

  private homeVelocity(): number {
    return Math.min(this.config.homeVelocityCountsPerS, this.limits.vmaxCountsPerS);
  }

  private actualPhysicalCounts(): number {
    return this.stuckAtCounts ?? this.cmd.positionCounts;
  }

  /** ERR STATE unless the axis is enabled, fault-free and in one of `allowed` motions. */
  private refuseMotion(allowed: Motion[]): Reply | undefined {
    if (this.fault !== undefined) return err('STATE', 'FAULT');
    if (!this.enabled) return err('STATE', 'DISABLED');
    if (allowed.includes(this.motion)) return undefined;
    return err('STATE', this.motion === 'home' ? 'HOMING' : 'MOVING');
  }

  private switchActive(): boolean {
    const at = this.config.homeSwitchCounts;
    if (at === null) return false;
    return (this.cmd.positionCounts - at) * this.config.homeDirection >= 0;
  }

  private setPlan(segments: Segment[]): void {
    this.segments = segments;
    this.anchor = { atMs: this.lastUpdateMs, state: { ...this.cmd } };
    const first = segments[0];
    this.segmentEndMs = first ? this.lastUpdateMs + first.durationS * 1000 : Number.POSITIVE_INFINITY;
  }

  /** The current segment from its anchor: one rounding per reading, whatever the number of readings. */
  private integrateTo(nowMs: number): void {
    if (nowMs <= this.lastUpdateMs) return;
    const first = this.segments[0];
    if (first) {
      const { atMs, state } = this.anchor;
      this.cmd = integrate(state, first.accelerationCountsPerS2, (nowMs - atMs) / 1000);
    }
    this.lastUpdateMs = nowMs;
  }

  private nextEvent(): AxisEvent | undefined {
    const segment = this.segments[0];
    if (!segment) return undefined;
    let best: AxisEvent | undefined = Number.isFinite(this.segmentEndMs)
      ? { atMs: this.segmentEndMs, kind: 'segmentEnd', levelCounts: 0 }
      : undefined;
    const remainingS = (this.segmentEndMs - this.lastUpdateMs) / 1000;
    /** The event fires once the position is at or beyond `level` on `side` (+1 above, -1 below). */
    const consider = (
      levelPhysicalCounts: number,
      side: 1 | -1,
      kind: AxisEventKind,
      watch?: CrossingWatch,
    ) => {
      // Already there (a float hair past a crossing, or started beyond it): fire now.
      const reached = (this.cmd.positionCounts - levelPhysicalCounts) * side >= 0;
      const t = reached
        ? 0
        : firstCrossingS(this.cmd, segment.accelerationCountsPerS2, levelPhysicalCounts, remainingS);
      if (t === undefined) return;
      const atMs = this.lastUpdateMs + t * 1000;
      if (!best || atMs < best.atMs || (reached && atMs <= best.atMs)) {
        best = { atMs, kind, levelCounts: levelPhysicalCounts, ...(watch ? { watch } : {}) };
      }
    };
    const dir = this.config.homeDirection;
    const homeSwitch = this.config.homeSwitchCounts;
    if (this.motion === 'home' && this.homePhase === 'search') {
      if (homeSwitch !== null) consider(homeSwitch, dir, 'switch');
      consider(this.homeSearchStartCounts + dir * this.config.homeSearchRangeCounts, dir, 'searchExhausted');
    } else if (this.motion === 'home' && this.homePhase === 'backoff' && homeSwitch !== null) {
      consider(homeSwitch - dir * SWITCH_HYSTERESIS_COUNTS, -dir as 1 | -1, 'switch');
    } else if (this.motion === 'jog') {
      if (this.cmd.velocityCountsPerS < 0 || segment.accelerationCountsPerS2 < 0) {
        consider(this.limits.minCounts + this.offsetCounts, -1, 'limitMin');
      }
      if (this.cmd.velocityCountsPerS > 0 || segment.accelerationCountsPerS2 > 0) {
        consider(this.limits.maxCounts + this.offsetCounts, 1, 'limitMax');
      }
    }
    if (this.stuckAtCounts !== undefined && this.enabled) {
      // The commanded position runs away from the jammed one until the gap exceeds FERR.
      consider(this.stuckAtCounts + this.limits.ferrCounts, 1, 'ferr');
      consider(this.stuckAtCounts - this.limits.ferrCounts, -1, 'ferr');
    }
    // §v2 Triggered moves: the encoder crosses a watched level. A jammed axis's encoder stands still.
    if (this.stuckAtCounts === undefined) {
      for (const watch of this.watches)
        consider(watch.levelCounts + this.offsetCounts, watch.dir, 'watch', watch);
    }
    return best;
  }

  private handleEvent(event: AxisEvent): void {
    const { kind } = event;
    switch (kind) {
      case 'segmentEnd':
        this.endSegment();
        return;
      case 'switch':
        // Land exactly on the crossing: the integrated position is within a float hair of it.
        this.cmd.positionCounts = event.levelCounts;
        if (this.homePhase === 'search') {
          this.homePhase = 'searchStop';
          this.setPlan(
            planVelocityRamp(this.cmd.velocityCountsPerS, 0, this.config.homeAccelerationCountsPerS2),
          );
        } else {
          this.homePhase = 'backoffStop';
          this.setPlan(
            planVelocityRamp(this.cmd.velocityCountsPerS, 0, this.config.homeAccelerationCountsPerS2),
          );
        }
        return;
      case 'searchExhausted':
        // No switch within homeSearchRangeCounts: homing failed (§Commands HOME, FAULT code=HOME).
        this.latchFault('HOME');
        this.beginStop();
        return;
      case 'limitMin':
      case 'limitMax': {
        // A jog ran into a soft limit: stop there and latch LIMIT (§Events FAULT).
        const limit = kind === 'limitMin' ? this.limits.minCounts : this.limits.maxCounts;
        this.cmd = { positionCounts: limit + this.offsetCounts, velocityCountsPerS: 0 };
        this.motion = 'idle';
        this.setPlan([]);
        this.latchFault('LIMIT');
        return;
      }
      case 'ferr':
        // The jam exceeded the following-error bound: drive off, moves ABORTED (§Events FAULT code=FERR).
        this.latchFault('FERR');
        this.haltNow('FAULT');
        this.enabled = false;
        return;
      case 'watch':
        // The crossing instant exactly (integrated to it above); the plan of this axis is unchanged.
        this.watches.delete(event.watch!);
        event.watch!.fire(this.lastUpdateMs);
        return;
    }
  }

  private endSegment(): void {
    this.segments.shift();
    const next = this.segments[0];
    if (next) {
      this.anchor = { atMs: this.lastUpdateMs, state: { ...this.cmd } };
      this.segmentEndMs = this.lastUpdateMs + next.durationS * 1000;
      return;
    }
    this.segmentEndMs = Number.POSITIVE_INFINITY;
    this.cmd.velocityCountsPerS = 0;
    switch (this.motion) {
      case 'move': {
        const done = this.queue.shift();
        if (done) {
          // Land exactly on the target: the profile's float sum is within a hair of it.
          this.cmd.positionCounts = done.targetCounts + this.offsetCounts;
          this.emit('DONE', { axis: this.axis, seq: done.seq, pos: this.reportedPosition(0) });
        }
        this.motion = 'idle';
        this.startNextMove();
        return;
      }
      case 'stop':
        this.motion = 'idle';
        this.startNextMove();
        return;
      case 'jog':
        this.motion = 'idle';
        return;
      case 'home':
        this.endHomePhase();
        return;
      case 'idle':
        return;
    }
  }

  private endHomePhase(): void {
    if (this.homePhase === 'searchStop') {
      this.startBackoff();
      return;
    }
    if (this.homePhase === 'backoffStop') {
      // Standing just off the switch: this is 0 (§Commands HOME: search, back off, set 0).
      this.offsetCounts = this.cmd.positionCounts;
      if (this.stuckAtCounts !== undefined) this.stuckAtCounts = this.cmd.positionCounts;
      this.homed = true;
      this.motion = 'idle';
      this.emit('HOMED', { axis: this.axis, pos: 0 });
      return;
    }
    // A ramp ended without the switch changing: only possible when there is no switch.
    this.latchFault('HOME');
    this.motion = 'idle';
  }

  private startBackoff(): void {
    this.homePhase = 'backoff';
    const velocity =
      -this.config.homeDirection *
      Math.min(this.config.homeBackoffVelocityCountsPerS, this.limits.vmaxCountsPerS);
    this.setPlan(
      planVelocityRamp(this.cmd.velocityCountsPerS, velocity, this.config.homeAccelerationCountsPerS2),
    );
  }

  /** Starts the head of the queue: a MOVE at once; a TMOVE is armed, or ABORTED why=LATE. */
  private startNextMove(): void {
    for (;;) {
      const move = this.queue[0];
      if (!move || this.motion !== 'idle' || this.armed) return;
      if (!move.trigger) {
        this.runMove(move);
        return;
      }
      if (this.arm(move)) return;
    }
  }

  /**
   * §v2 Triggered moves: a TMOVE at the head of the queue waits for its source axis to cross `at`; if the
   * source already is at or past it, the move is ABORTED why=LATE (a late stroke would hit the wrong
   * product) and the next move comes up. Returns whether it was armed.
   */
  private arm(move: QueuedMove): boolean {
    const trigger = move.trigger!;
    const source = this.links.peer(trigger.src);
    // Where the source is now: bring it to this axis's instant (it may not have been looked at yet).
    source?.advanceTo(this.lastUpdateMs);
    if (!source || isAtOrPast(source.positionCounts, trigger.atCounts, trigger.dir)) {
      this.queue.shift();
      this.emit('ABORTED', { axis: this.axis, seq: move.seq, pos: this.reportedPosition(0), why: 'LATE' });
      return false;
    }
    const watch: CrossingWatch = {
      levelCounts: trigger.atCounts,
      dir: trigger.dir,
      fire: (atMs) => this.fire(move, watch, atMs),
    };
    this.armed = { watch, source };
    source.addWatch(watch);
    return true;
  }

  /** The source crossed at `atMs`: STARTED with that device time, and the move's profile starts there. */
  private fire(move: QueuedMove, watch: CrossingWatch, atMs: number): void {
    if (this.armed?.watch !== watch || this.queue[0] !== move) return;
    this.armed = undefined;
    this.advanceTo(atMs);
    // Armed means at rest with no plan, so nothing happened on this axis since atMs if it was already
    // looked at later: the profile starts at the crossing instant, not when the event loop got here.
    if (this.lastUpdateMs > atMs && this.segments.length === 0) {
      this.lastUpdateMs = atMs;
    }
    if (move.stepCounts !== undefined && !this.fixStepTarget(move)) {
      // §v2 Triggered steps: a target outside MIN/MAX ends the step before it starts.
      this.queue.shift();
      this.emit('ABORTED', { axis: this.axis, seq: move.seq, pos: this.reportedPosition(0), why: 'LIMIT' });
      this.startNextMove();
      this.commitKnot();
      return;
    }
    this.emit('STARTED', { axis: this.axis, seq: move.seq, t: this.links.deviceTimeMs(atMs) });
    this.runMove(move);
    this.commitKnot();
  }

  /**
   * §v2 Triggered steps: the target is the commanded position when the trigger fires plus `dist`, so a
   * step dropped as LATE is not made up by the next one, and following error never accumulates.
   * False if that target is outside MIN/MAX or the session's position bound.
   */
  private fixStepTarget(move: QueuedMove): boolean {
    const targetCounts = this.cmd.positionCounts - this.offsetCounts + move.stepCounts!;
    const { minCounts, maxCounts } = this.limits;
    if (targetCounts < minCounts || targetCounts > maxCounts || Math.abs(targetCounts) > this.wireBoundCounts)
      return false;
    move.targetCounts = targetCounts;
    return true;
  }

  /** Drops the armed TMOVE's watch from its source (the move was aborted or the axis rebooted). */
  private disarm(): void {
    if (!this.armed) return;
    this.armed.source.removeWatch(this.armed.watch);
    this.armed = undefined;
  }

  private runMove(move: QueuedMove): void {
    this.motion = 'move';
    this.motionAccelerationCountsPerS2 = move.accelerationCountsPerS2;
    const plan = planTrapezoid(
      this.cmd.positionCounts,
      move.targetCounts + this.offsetCounts,
      move.velocityCountsPerS,
      move.accelerationCountsPerS2,
    );
    this.setPlan(plan);
    if (plan.length === 0) this.endSegment();
  }

  /** Controlled stop at the current motion's acceleration. */
  private beginStop(): void {
    if (this.cmd.velocityCountsPerS === 0) {
      this.motion = 'idle';
      this.setPlan([]);
      return;
    }
    this.motion = 'stop';
    this.setPlan(planVelocityRamp(this.cmd.velocityCountsPerS, 0, this.motionAccelerationCountsPerS2));
  }

  /** Stop dead where the axis actually is (drive off, jam, e-stop): every move ABORTED. */
  private haltNow(why: AbortReason): void {
    this.abortMoves(why);
    this.motion = 'idle';
    this.setPlan([]);
    this.cmd = { positionCounts: this.actualPhysicalCounts(), velocityCountsPerS: 0 };
  }

  /**
   * Every running, armed and queued move gets exactly one ABORTED (§Commands MOVE, STOP), with `why`
   * (§v2 Triggered moves; a v1 line leaves it out).
   */
  private abortMoves(why: AbortReason): void {
    this.disarm();
    const pos = this.reportedPosition(0);
    const aborted = this.queue.splice(0, this.queue.length);
    for (const move of aborted) this.emit('ABORTED', { axis: this.axis, seq: move.seq, pos, why });
    if (this.motion === 'move') this.motion = 'stop';
  }

  private latchFault(code: AxisFault): void {
    if (this.fault !== undefined) return;
    this.fault = code;
    this.emit('FAULT', { axis: this.axis, code });
  }
}
