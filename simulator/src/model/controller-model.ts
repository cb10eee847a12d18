// The controller behind the DeviceSession: dispatches each command to its axes, holds the device-wide
// latches (e-stop, watchdog fault), runs STREAM telemetry and advances simulated time.

import {
  type DeviceHandler,
  type EstopSource,
  type EventFieldsOf,
  type EventName,
  type HandledCommand,
  type Reply,
  STREAM_MAX_HZ,
} from '@servo-edge/firmware-protocol';
import type { Random } from '@servo-edge/firmware-protocol/testing';
import type { ResolvedControllerConfig } from '../config.js';
import type { AxisSnapshot } from '../types.js';
import { Axis, type DeviceLatch } from './axis.js';

const OK: Reply = { ok: true, fields: {} } as Reply;

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
      this.axes = this.opts.config.axisConfigs.map(
        (config, i) => new Axis(i + 1, config, (event, fields) => this.opts.emit(event, fields), now),
      );
    } else {
      for (const axis of this.axes) axis.reboot(now);
    }
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
    this.advance();
    this.axisAt(axis).setStuck(this.opts.nowMs(), stuck);
  }

  /** Records the input level; the caller raises the e-stop through the session on a rising edge. */
  setEstopInput(active: boolean): boolean {
    const rising = active && !this.estopInput;
    this.estopInput = active;
    return rising;
  }

  // ---- DeviceHandler ----

  execute(command: HandledCommand, seq: number): Reply {
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
    this.advance();
    this.estopLatched = true;
    for (const axis of this.axes) axis.estop(this.opts.nowMs());
  }

  watchdogExpired(): void {
    this.advance();
    this.watchdogFault = true;
    for (const axis of this.axes) axis.watchdogExpired(this.opts.nowMs());
  }

  /** A new session starts with telemetry off; the axes keep moving (a reconnecting host must not stop the machine). */
  sessionStarted(): void {
    this.streamHz = 0;
    this.nextStreamAtMs = undefined;
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

  /** Brings every axis up to the clock's now, emitting the events that happened on the way. */
  advance(): void {
    const now = this.opts.nowMs();
    for (const axis of this.axes) axis.advanceTo(now);
  }

  private emitPosition(now: number): void {
    const configs = this.opts.config.axisConfigs;
    this.opts.emit('POS', {
      t: Math.max(0, Math.floor(now - this.bootAtMs)),
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
