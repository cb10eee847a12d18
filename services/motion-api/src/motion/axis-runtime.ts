// The state of one configured axis, in one object: its driver's last report (in counts), what the
// host knows that the controller does not keep (homed since start-up, position uncertain after a reboot,
// the fault code of the last FAULT event), and the service's own bookkeeping for it (the end of the moves
// sent, the read in flight, homing waiters). Also its controller's state, and the axis's public status.

import type { MonotonicMs } from '@servo-edge/common/clock';
import type { AxisConfig, ControllerConfig } from '../config/schema.js';
import type { AxisReport, ControllerDriver, DriverAxisState } from '../drivers/driver.js';
import type { MotionError } from '../errors.js';
import { countsToPosition, countsToUnits } from '../units.js';
import type { HomeResult } from './types.js';

/** An axis as GET /api/v1/axes/:name shows it. Positions and rates are in the axis's units. */
export interface AxisStatus {
  name: string;
  controller: string;
  /** The axis's address on its controller, in the driver's numbering (`axes[].axis`). */
  axis: number;
  unit: string;
  /** The controller's link is ready. While it is not, the other fields are the last known values. */
  connected: boolean;
  /** The driver's report of the axis (§Commands GET st= for servo-edge), ESTOP while an e-stop is latched, UNKNOWN before the first report. */
  state: DriverAxisState | 'UNKNOWN';
  position: number | null;
  velocity: number | null;
  target: number | null;
  enabled: boolean | null;
  homed: boolean;
  homingRequired: boolean;
  /** The controller rebooted since the axis was homed: home again before trusting positions. */
  positionUncertain: boolean;
  /** The latched fault code (FERR, LIMIT, WATCHDOG, HOME, DRIVE), UNKNOWN if only the state says FAULT. */
  fault: string | null;
  estop: boolean;
  queue: {
    /** Moves queued for the axis on the controller, or in the driver's host-side queue (GET q= for servo-edge). */
    device: number;
    /** Moves this service sent or is sending that have not finished. */
    open: number;
  };
  limits: { min: number; max: number; maxVelocity: number; maxAcceleration: number };
  defaults: { velocity: number; acceleration: number };
}

/** One controller: its driver, its configured axes, and the host's latches for it. */
export interface ControllerRuntime {
  readonly config: ControllerConfig;
  readonly driver: ControllerDriver;
  readonly axes: AxisRuntime[];
  /** The host's e-stop latch: set by estop() or an ESTOP event, cleared by a successful RESET. */
  estopLatched: boolean;
  /** A controller-wide fault (FAULT axis=0, e.g. WATCHDOG): latched until a RESET succeeds. */
  fault: string | undefined;
}

export interface HomeWaiter {
  resolve(result: HomeResult): void;
  reject(error: MotionError): void;
}

/** A read owed after the one in flight, and whoever waits for it. */
export interface OwedRefresh {
  promise: Promise<void>;
  resolve(): void;
}

export class AxisRuntime {
  // ---- the controller's last report, in counts ----
  positionCounts: number | undefined;
  velocityCountsPerS: number | undefined;
  targetCounts: number | undefined;
  deviceState: DriverAxisState | undefined;
  deviceQueue = 0;
  /** When the controller last reported on this axis (a read, DONE/ABORTED); undefined before the first. */
  lastReportAtMs: MonotonicMs | undefined;

  // ---- what the host knows ----
  homed = false;
  positionUncertain = false;
  fault: string | undefined;
  homing = false;

  // ---- the service's bookkeeping ----
  /** End of the last move sent, for relative moves; undefined after a jog, stop, e-stop or loss. */
  commandedTargetCounts: number | undefined;
  /** A read of this axis is in flight (at most one is). */
  refreshInFlight = false;
  /** A read is owed after the one in flight. */
  refreshAgain: OwedRefresh | undefined;
  /**
   * The controller lost events (OVERFLOW, §v2 Events): the first read sent after this place in the send
   * order resynchronises the axis's moves from its state (MoveTracker.resync).
   */
  resyncAfterOrder: number | undefined;
  readonly homeWaiters: HomeWaiter[] = [];

  constructor(
    readonly config: AxisConfig,
    readonly controller: ControllerRuntime,
  ) {
    // An absolute-position driver (a hobby servo's pulse width, a Dynamixel's encoder) needs no homing.
    this.homed = this.absolute;
  }

  /** The driver knows the axis's position without homing (capabilities.position). */
  get absolute(): boolean {
    return this.controller.driver.capabilities.position === 'absolute';
  }

  get name(): string {
    return this.config.name;
  }

  applyReport(report: AxisReport): void {
    this.positionCounts = report.positionCounts ?? undefined;
    this.velocityCountsPerS = report.velocityCountsPerS;
    this.targetCounts = report.targetCounts ?? undefined;
    this.deviceQueue = report.queueDepth;
    this.applyState(report.state);
  }

  /** The driver's state of the axis: a FAULT keeps its code (or UNKNOWN); any state but ESTOP clears it. */
  applyState(state: DriverAxisState): void {
    this.deviceState = state;
    if (state === 'FAULT') this.fault ??= 'UNKNOWN';
    else if (state !== 'ESTOP') this.fault = undefined;
    this.homing = state === 'HOMING';
  }

  /** The controller rebooted: it forgot its zero, so the host must not trust positions (unless they are absolute). */
  markRebooted(): void {
    this.homing = false;
    this.fault = undefined;
    if (this.absolute) return;
    this.homed = false;
    this.positionUncertain = true;
  }

  resolveHomeWaiters(): void {
    for (const waiter of this.homeWaiters.splice(0)) waiter.resolve({ axis: this.name, status: 'homed' });
  }

  rejectHomeWaiters(error: MotionError): void {
    for (const waiter of this.homeWaiters.splice(0)) waiter.reject(error);
  }

  /** The public status; a controller-wide fault (FAULT axis=0) shows on every axis. */
  status(openMoves: number): AxisStatus {
    const c = this.config;
    const controller = this.controller;
    const units = (counts: number | undefined) =>
      counts === undefined ? null : countsToUnits(counts, c.countsPerUnit);
    const position = (counts: number | undefined) =>
      counts === undefined ? null : countsToPosition(counts, c);
    const state = controller.estopLatched ? 'ESTOP' : (this.deviceState ?? 'UNKNOWN');
    return {
      name: c.name,
      controller: c.controller,
      axis: c.axis,
      unit: c.unit,
      connected: controller.driver.ready,
      state,
      position: position(this.positionCounts),
      velocity: units(this.velocityCountsPerS),
      target: position(this.targetCounts),
      enabled: this.deviceState === undefined ? null : this.deviceState !== 'DISABLED',
      homed: this.homed,
      homingRequired: c.homingRequired,
      positionUncertain: this.positionUncertain,
      fault: this.fault ?? controller.fault ?? null,
      estop: controller.estopLatched,
      queue: { device: this.deviceQueue, open: openMoves },
      limits: {
        min: c.minUnits,
        max: c.maxUnits,
        maxVelocity: c.maxVelocityUnitsPerS,
        maxAcceleration: c.maxAccelerationUnitsPerS2,
      },
      defaults: { velocity: c.defaultVelocityUnitsPerS, acceleration: c.defaultAccelerationUnitsPerS2 },
    };
  }
}
