// One simulated axis: state machine, trapezoidal motion, move queue, homing, soft limits and faults.
// Time advances in events (segment ends, switch and limit crossings, following-error trips) rather
// than in fixed steps, so a stepped clock lands exactly on them and any interval costs O(events).

import {
  type AxisState,
  type EventFieldsOf,
  type EventName,
  type LimitKey,
  planTrapezoid,
  type Reply,
} from '@servo-edge/firmware-protocol';
import type { ResolvedAxisConfig } from '../config.js';
import type { AxisSnapshot, QueuedMove } from '../types.js';
import {
  firstCrossingS,
  integrate,
  type Kinematics,
  planVelocityRamp,
  type Segment,
  stoppingDistanceCounts,
} from './profile.js';

export type AxisEmit = <E extends EventName>(event: E, fields: EventFieldsOf<E>) => void;
export type AxisFault = 'FERR' | 'LIMIT' | 'HOME' | 'DRIVE';
type Motion = AxisSnapshot['motion'];
type HomePhase = 'search' | 'searchStop' | 'backoff' | 'backoffStop';
type AxisEventKind = 'segmentEnd' | 'switch' | 'searchExhausted' | 'limitMin' | 'limitMax' | 'ferr';
interface AxisEvent {
  atMs: number;
  kind: AxisEventKind;
  /** For crossings: the level reached, in the physical frame. */
  levelCounts: number;
}

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

function clampInt(value: number): number {
  const rounded = Math.round(value);
  return Math.max(-INT32_MAX, Math.min(INT32_MAX, rounded)) + 0; // + 0 turns -0 into 0
}

export class Axis {
  private limits: AxisSnapshot['limits'];
  private enabled = false;
  private fault: AxisFault | undefined;
  private homed = false;
  /** Physical (power-on frame) position minus the reported position; HOME changes it (§Commands HOME). */
  private offsetCounts = 0;
  /** Commanded kinematics in the physical frame. */
  private cmd: Kinematics;
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

  constructor(
    readonly axis: number,
    private readonly config: ResolvedAxisConfig,
    private readonly emit: AxisEmit,
    nowMs: number,
  ) {
    this.limits = this.configuredLimits();
    this.cmd = { positionCounts: config.startPositionCounts, velocityCountsPerS: 0 };
    this.lastUpdateMs = nowMs;
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
      queue: this.queue.map((m) => ({ ...m })),
      limits: { ...this.limits },
      fault: this.fault,
    };
  }

  /** §Commands GET: pos vel tgt st q. `noiseCounts` is the encoder noise sample to add. */
  get(latch: DeviceLatch, noiseCounts: number): Reply {
    return {
      ok: true,
      fields: {
        pos: clampInt(this.positionCounts + noiseCounts),
        vel: clampInt(this.velocityCountsPerS),
        tgt: clampInt(this.targetCounts()),
        st: this.state(latch),
        q: this.queue.length,
      },
    } as Reply;
  }

  reportedPosition(noiseCounts: number): number {
    return clampInt(this.positionCounts + noiseCounts);
  }
  reportedVelocity(): number {
    return clampInt(this.velocityCountsPerS);
  }

  private targetCounts(): number {
    const running = this.motion === 'move' ? this.queue[0] : undefined;
    if (running) return running.targetCounts;
    const comesToRest = this.segments.every((segment) => Number.isFinite(segment.durationS));
    if (this.motion === 'stop' || (this.motion === 'jog' && comesToRest)) {
      return (
        this.cmd.positionCounts -
        this.offsetCounts +
        stoppingDistanceCounts(this.cmd.velocityCountsPerS, this.motionAccelerationCountsPerS2)
      );
    }
    return this.positionCounts;
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
    this.haltNow();
    this.enabled = false;
    return OK;
  }

  /** §Commands MOVE: checks state, limits (ERR RANGE) and the queue (ERR QFULL), then queues. */
  move(nowMs: number, move: QueuedMove, queueDepth: number): Reply {
    this.advanceTo(nowMs);
    const refused = this.refuseMotion(['idle', 'move', 'stop']);
    if (refused) return refused;
    const { minCounts, maxCounts, vmaxCountsPerS, amaxCountsPerS2 } = this.limits;
    if (
      move.targetCounts < minCounts ||
      move.targetCounts > maxCounts ||
      move.velocityCountsPerS > vmaxCountsPerS ||
      move.accelerationCountsPerS2 > amaxCountsPerS2
    ) {
      return err('RANGE');
    }
    if (this.queue.length >= queueDepth) return err('QFULL');
    this.queue.push({ ...move });
    if (this.motion === 'idle') this.startNextMove();
    return OK;
  }

  /** §Commands JOG: run at a signed velocity until STOP (or JOG 0). */
  jog(nowMs: number, velocityCountsPerS: number, accelerationCountsPerS2: number): Reply {
    this.advanceTo(nowMs);
    const refused = this.refuseMotion(['idle', 'jog', 'stop']);
    if (refused) return refused;
    if (this.queue.length > 0) return err('STATE', 'MOVING');
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

  /** §Commands STOP: controlled stop; running and queued moves each get ABORTED; a homing run fails. */
  stop(nowMs: number): Reply {
    this.advanceTo(nowMs);
    if (this.motion === 'idle') return OK;
    if (this.motion === 'home') this.latchFault('HOME');
    this.abortMoves();
    this.beginStop();
    return OK;
  }

  /** §Commands HOME: search for the switch, back off until it releases, stop, set 0; HOMED or FAULT code=HOME. */
  home(nowMs: number): Reply {
    this.advanceTo(nowMs);
    const refused = this.refuseMotion(['idle']);
    if (refused) return refused;
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
    this.haltNow();
    this.enabled = false;
  }

  /** §Device rule 6: moving axes make a controlled stop; moves are ABORTED, a homing run fails. */
  watchdogExpired(nowMs: number): void {
    this.advanceTo(nowMs);
    if (this.motion === 'idle') return;
    if (this.motion === 'home') this.latchFault('HOME');
    this.abortMoves();
    this.beginStop();
  }

  /** RESET: clears a latched axis fault (the drive stays as the fault left it). */
  clearFault(): void {
    this.fault = undefined;
  }

  /** A device reboot: power-on state, except that the axis is where it physically is. Emits nothing. */
  reboot(nowMs: number): void {
    this.advanceTo(nowMs);
    this.queue.length = 0;
    this.motion = 'idle';
    this.setPlan([]);
    this.cmd = { positionCounts: this.actualPhysicalCounts(), velocityCountsPerS: 0 };
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
    const first = segments[0];
    this.segmentEndMs = first ? this.lastUpdateMs + first.durationS * 1000 : Number.POSITIVE_INFINITY;
  }

  private integrateTo(nowMs: number): void {
    if (nowMs <= this.lastUpdateMs) return;
    const first = this.segments[0];
    if (first) {
      this.cmd = integrate(this.cmd, first.accelerationCountsPerS2, (nowMs - this.lastUpdateMs) / 1000);
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
    const consider = (levelPhysicalCounts: number, side: 1 | -1, kind: AxisEventKind) => {
      // Already there (a float hair past a crossing, or started beyond it): fire now.
      const reached = (this.cmd.positionCounts - levelPhysicalCounts) * side >= 0;
      const t = reached
        ? 0
        : firstCrossingS(this.cmd, segment.accelerationCountsPerS2, levelPhysicalCounts, remainingS);
      if (t === undefined) return;
      const atMs = this.lastUpdateMs + t * 1000;
      if (!best || atMs < best.atMs || (reached && atMs <= best.atMs)) {
        best = { atMs, kind, levelCounts: levelPhysicalCounts };
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
        this.haltNow();
        this.enabled = false;
        return;
    }
  }

  private endSegment(): void {
    this.segments.shift();
    const next = this.segments[0];
    if (next) {
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

  private startNextMove(): void {
    const move = this.queue[0];
    if (!move || this.motion !== 'idle') return;
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
  private haltNow(): void {
    this.abortMoves();
    this.motion = 'idle';
    this.setPlan([]);
    this.cmd = { positionCounts: this.actualPhysicalCounts(), velocityCountsPerS: 0 };
  }

  /** Every running and queued move gets exactly one ABORTED (§Commands MOVE, STOP). */
  private abortMoves(): void {
    const pos = this.reportedPosition(0);
    const aborted = this.queue.splice(0, this.queue.length);
    for (const move of aborted) this.emit('ABORTED', { axis: this.axis, seq: move.seq, pos });
    if (this.motion === 'move') this.motion = 'stop';
  }

  private latchFault(code: AxisFault): void {
    if (this.fault !== undefined) return;
    this.fault = code;
    this.emit('FAULT', { axis: this.axis, code });
  }
}
