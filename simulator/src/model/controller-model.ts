// The controller behind the DeviceSession: dispatches each command to its axes, holds the device-wide
// latches (e-stop, watchdog fault), runs STREAM telemetry and advances simulated time, every axis's
// events in one time order (a TMOVE's trigger on one axis starts a move on another, §v2 Triggered moves).
// The v2 hooks (triggered moves, jog leases) are in v2-hooks.ts.

import {
  type ArgsV2Of,
  type DeviceHandler,
  type EstopSource,
  type EventFieldsOf,
  type EventName,
  type HandledCommand,
  type ProtocolVersion,
  type Reply,
  STREAM_MAX_HZ,
} from '@servo-edge/firmware-protocol';
import type { Random } from '@servo-edge/firmware-protocol/testing';
import type { ResolvedControllerConfig } from '../config.js';
import type { AxisSnapshot } from '../types.js';
import { Axis, type DeviceLatch } from './axis.js';

const OK: Reply = { ok: true, fields: {} } as Reply;
/** Positions on a v1 wire, and on any line before a session exists (BOOT-time events), are int32. */
const V1_POSITION_BOUND = 2 ** 31 - 1;

export interface ControllerModelOptions {
  config: ResolvedControllerConfig;
  nowMs(): number;
  /** Puts an event on the wire (through the DeviceSession). */
  emit<E extends EventName>(event: E, fields: EventFieldsOf<E>): void;
  /** False while the line toward the host is backed up: POS samples are skipped, not queued. */
  telemetryHasRoom(): boolean;
  random: Random;
}

export class ControllerModel implements DeviceHandler {
  private axes: Axis[] = [];
  private estopLatched = false;
  private estopInput = false;
  private watchdogFault = false;
  private streamHz = 0;
  private nextStreamAtMs: number | undefined;
  private bootAtMs = 0;

  constructor(private readonly opts: ControllerModelOptions) {}

  get status(): {
    estopLatched: boolean;
    estopInputActive: boolean;
    watchdogFaultLatched: boolean;
    streamHz: number;
  } {
    return {
      estopLatched: this.estopLatched,
      estopInputActive: this.estopInput,
      watchdogFaultLatched: this.watchdogFault,
      streamHz: this.streamHz,
    };
  }

  /** Power-on (or reboot): fresh axes where the mechanics physically are, latches cleared except a held e-stop input. */
  boot(): void {
    const now = this.opts.nowMs();
    this.bootAtMs = now;
    if (this.axes.length === 0) {
      const links = {
        peer: (axis: number) => this.axes[axis - 1],
        deviceTimeMs: (atMs: number) => this.deviceTimeMs(atMs),
      };
      this.axes = this.opts.config.axisConfigs.map(
        (config, i) => new Axis(i + 1, config, (event, fields) => this.opts.emit(event, fields), now, links),
      );
    } else {
      for (const axis of this.axes) {
        axis.reboot(now);
        axis.commitKnot();
      }
    }
    this.setWireBound(V1_POSITION_BOUND);
    this.watchdogFault = false;
    this.streamHz = 0;
    this.nextStreamAtMs = undefined;
    // An e-stop input held through a reboot keeps the device stopped (§Device rule 5).
    this.estopLatched = this.estopInput;
  }

  snapshot(axis: number): AxisSnapshot {
    this.advance();
    return this.axisAt(axis).snapshot(this.latch());
  }

  setStuck(axis: number, stuck: boolean): void {
    this.committing(() => {
      this.advance();
      this.axisAt(axis).setStuck(this.opts.nowMs(), stuck);
    });
  }

  /** Records the input level; the caller raises the e-stop through the session on a rising edge. */
  setEstopInput(active: boolean): boolean {
    const rising = active && !this.estopInput;
    this.estopInput = active;
    return rising;
  }

  // ---- DeviceHandler ----

  execute(command: HandledCommand, seq: number): Reply {
    return this.committing(() => this.executeNow(command, seq));
  }

  private executeNow(command: HandledCommand, seq: number): Reply {
    this.advance();
    const now = this.opts.nowMs();
    switch (command.verb) {
      case 'PING':
        return OK;
      case 'RESET':
        // §Commands RESET: not while the e-stop input is held; the latch stays set.
        if (this.estopInput) return { ok: false, code: 'ESTOP', fields: {} };
        this.estopLatched = false;
        this.watchdogFault = false;
        for (const axis of this.axes) axis.clearFault();
        return OK;
      case 'STREAM': {
        const { hz } = command.args;
        if (hz > STREAM_MAX_HZ) return { ok: false, code: 'RANGE', fields: {} };
        this.streamHz = hz;
        this.nextStreamAtMs = hz === 0 ? undefined : now + 1000 / hz;
        return OK;
      }
      case 'STOP': {
        const { axis } = command.args;
        if (axis > this.axes.length) return { ok: false, code: 'AXIS', fields: {} };
        for (const target of axis === 0 ? this.axes : [this.axisAt(axis)]) target.stop(now);
        return OK;
      }
      default:
        break;
    }
    const axisNumber = command.args.axis;
    if (axisNumber < 1 || axisNumber > this.axes.length) return { ok: false, code: 'AXIS', fields: {} };
    const axis = this.axisAt(axisNumber);
    switch (command.verb) {
      case 'GET': {
        const noise = this.opts.config.axisConfigs[axisNumber - 1]!.encoderNoiseCounts;
        return axis.get(this.latch(), this.noise(noise));
      }
      case 'SET':
        return axis.set(command.args.key, command.args.value);
      case 'DISABLE':
        return axis.disable(now);
      default:
        break;
    }
    // Motion verbs (§Device rule 5): refused while e-stopped, and while the watchdog fault is latched.
    if (this.estopLatched) return { ok: false, code: 'ESTOP', fields: {} };
    if (this.watchdogFault) return { ok: false, code: 'STATE', fields: { st: 'FAULT' } };
    switch (command.verb) {
      case 'ENABLE':
        return axis.enable();
      case 'MOVE': {
        const { pos, vel, acc } = command.args;
        return axis.move(
          now,
          { seq, targetCounts: pos, velocityCountsPerS: vel, accelerationCountsPerS2: acc },
          this.opts.config.queueDepth,
        );
      }
      case 'JOG':
        return axis.jog(now, command.args.vel, command.args.acc);
      case 'HOME':
        return axis.home(now);
    }
  }

  estop(_source: EstopSource): void {
    this.committing(() => {
      this.advance();
      this.estopLatched = true;
      for (const axis of this.axes) axis.estop(this.opts.nowMs());
    });
  }

  watchdogExpired(): void {
    this.committing(() => {
      this.advance();
      this.watchdogFault = true;
      for (const axis of this.axes) axis.watchdogExpired(this.opts.nowMs());
    });
  }

  /** Where `axis` was at a recent instant (positionAt of the axis), after bringing every axis up to now. */
  positionAt(axis: number, atMs: number): number | undefined {
    this.advance();
    return this.axisAt(axis).positionAt(atMs);
  }

  /** Runs a command, then records every axis's motion from now on (a command may have changed any). */
  private committing<T>(run: () => T): T {
    const result = run();
    for (const axis of this.axes) axis.commitKnot();
    return result;
  }

  /**
   * A new session starts with telemetry off; the axes keep moving (a reconnecting host must not stop the
   * machine). Reports carry positions as wide as the session's wire (§v2 Positions).
   */
  sessionStarted(version: ProtocolVersion = 1): void {
    this.streamHz = 0;
    this.nextStreamAtMs = undefined;
    this.setWireBound(version === 2 ? this.opts.config.positionMax : V1_POSITION_BOUND);
  }

  // ---- v2 (§v2 Triggered moves, §v2 Jog lease), behind the latches every motion verb obeys ----

  /** TMOVE: the session checked the axes and pmax; queued like MOVE, armed at the head of the queue. */
  triggeredMove(args: ArgsV2Of<'TMOVE'>, seq: number): Reply {
    return this.committing(() => this.triggeredMoveNow(args, seq));
  }

  private triggeredMoveNow(args: ArgsV2Of<'TMOVE'>, seq: number, stepCounts?: number): Reply {
    this.advance();
    const refused = this.refuseMotionVerb();
    if (refused) return refused;
    const { axis, pos, vel, acc, src, at, dir } = args;
    return this.axisAt(axis).move(
      this.opts.nowMs(),
      {
        seq,
        targetCounts: pos,
        velocityCountsPerS: vel,
        accelerationCountsPerS2: acc,
        trigger: { src, atCounts: at, dir: dir as 1 | -1 },
        ...(stepCounts !== undefined ? { stepCounts } : {}),
      },
      this.opts.config.queueDepth,
    );
  }

  /** TSTEP: a TMOVE whose target is fixed when it fires (§v2 Triggered steps). */
  triggeredStep(args: ArgsV2Of<'TSTEP'>, seq: number): Reply {
    const { dist, ...rest } = args;
    return this.committing(() => this.triggeredMoveNow({ ...rest, pos: 0 }, seq, dist));
  }

  /** JOG with a lease (v2): the jog itself is v1's; the session times the lease. */
  leasedJog(args: { axis: number; vel: number; acc: number }): Reply {
    return this.committing(() => this.leasedJogNow(args));
  }

  private leasedJogNow(args: { axis: number; vel: number; acc: number }): Reply {
    this.advance();
    if (args.axis < 1 || args.axis > this.axes.length) return { ok: false, code: 'AXIS', fields: {} };
    const refused = this.refuseMotionVerb();
    if (refused) return refused;
    return this.axisAt(args.axis).jog(this.opts.nowMs(), args.vel, args.acc);
  }

  /** RENEW: OK while the axis jogs, ERR STATE otherwise. */
  renewLease(axis: number): Reply {
    this.advance();
    if (axis < 1 || axis > this.axes.length) return { ok: false, code: 'AXIS', fields: {} };
    return this.axisAt(axis).renewLease(this.latch());
  }

  /** The lease ran out: a controlled stop at the jog's acceleration; the position, or undefined if not jogging. */
  leaseExpired(axis: number): number | undefined {
    return this.committing(() => {
      this.advance();
      return this.axes[axis - 1]?.leaseExpired(this.opts.nowMs());
    });
  }

  /** §Device rule 5 and 6: motion verbs are refused while e-stopped or while the watchdog fault is latched. */
  private refuseMotionVerb(): Reply | undefined {
    if (this.estopLatched) return { ok: false, code: 'ESTOP', fields: {} };
    if (this.watchdogFault) return { ok: false, code: 'STATE', fields: { st: 'FAULT' } };
    return undefined;
  }

  private setWireBound(boundCounts: number): void {
    for (const axis of this.axes) axis.setWireBound(boundCounts);
  }

  /** Device time, ms since boot (POS t=, STARTED t=): the ms in which the instant falls. */
  private deviceTimeMs(atMs: number): number {
    return Math.max(0, Math.floor(atMs - this.bootAtMs));
  }

  // ---- time (a Tickable for createSessionDriver) ----

  nextDeadlineMs(): number | undefined {
    let next = this.nextStreamAtMs;
    for (const axis of this.axes) {
      const at = axis.nextEventMs();
      if (at !== undefined && (next === undefined || at < next)) next = at;
    }
    return next;
  }

  tick(): void {
    this.advance();
    const now = this.opts.nowMs();
    if (this.nextStreamAtMs !== undefined && now >= this.nextStreamAtMs) {
      const periodMs = 1000 / this.streamHz;
      // Fixed-rate schedule; if the clock jumped (a slow host, a big manual step), skip missed samples.
      this.nextStreamAtMs += periodMs;
      if (this.nextStreamAtMs <= now) this.nextStreamAtMs = now + periodMs;
      if (this.opts.telemetryHasRoom()) this.emitPosition(now);
    }
  }

  /**
   * Brings every axis up to the clock's now, emitting the events that happened on the way, in one time
   * order across axes: every axis reaches the earliest pending event's instant before anything later
   * happens, so a trigger crossing on one axis starts a TMOVE on another at that instant, however late
   * the clock is read (§v2 Triggered moves: "a simulator computes the exact instant from the profile").
   */
  advance(): void {
    const now = this.opts.nowMs();
    // Each round handles at least one event; the bound is a guard against float edge cases.
    for (let guard = 0; guard < 10_000; guard++) {
      let next: number | undefined;
      for (const axis of this.axes) {
        const at = axis.nextEventMs();
        if (at !== undefined && at <= now && (next === undefined || at < next)) next = at;
      }
      if (next === undefined) break;
      for (const axis of this.axes) axis.advanceTo(next);
    }
    for (const axis of this.axes) axis.advanceTo(now);
  }

  private emitPosition(now: number): void {
    const configs = this.opts.config.axisConfigs;
    this.opts.emit('POS', {
      t: this.deviceTimeMs(now),
      p: this.axes.map((axis, i) => axis.reportedPosition(this.noise(configs[i]!.encoderNoiseCounts))),
      v: this.axes.map((axis) => axis.reportedVelocity()),
    });
  }

  private latch(): DeviceLatch {
    if (this.estopLatched) return 'ESTOP';
    if (this.watchdogFault) return 'FAULT';
    return undefined;
  }

  private noise(amplitudeCounts: number): number {
    if (amplitudeCounts === 0) return 0;
    return Math.round((this.opts.random() * 2 - 1) * amplitudeCounts);
  }

  private axisAt(axis: number): Axis {
    const found = this.axes[axis - 1];
    if (!found) throw new RangeError(`axis ${axis} is not in 1..${this.axes.length}`);
    return found;
  }
}
