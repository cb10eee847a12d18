// What the service knows about one configured axis: the controller's last report (in counts) plus
// host-side knowledge the controller does not keep (homed since start-up, position uncertain after a
// reboot, the fault code of the last FAULT event), and its public status in user units.

import type { AxisState, ReplyFieldsOf } from '@servo-edge/firmware-protocol';
import type { AxisConfig } from '../config/schema.js';
import { countsToUnits } from '../units.js';

/** An axis as GET /api/v1/axes/:name shows it. Positions and rates are in the axis's units. */
export interface AxisStatus {
  name: string;
  controller: string;
  /** Axis number on the controller. */
  axis: number;
  unit: string;
  /** The controller's link is ready. While it is not, the other fields are the last known values. */
  connected: boolean;
  /** The controller's state (§Commands GET st=), ESTOP while an e-stop is latched, UNKNOWN before the first report. */
  state: AxisState | 'UNKNOWN';
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
    /** Moves queued on the controller (GET q=). */
    device: number;
    /** Moves this service sent or is sending that have not finished. */
    open: number;
  };
  limits: { min: number; max: number; maxVelocity: number; maxAcceleration: number };
  defaults: { velocity: number; acceleration: number };
}

export class AxisRuntime {
  positionCounts: number | undefined;
  velocityCountsPerS: number | undefined;
  targetCounts: number | undefined;
  deviceState: AxisState | undefined;
  deviceQueue = 0;
  homed = false;
  positionUncertain = false;
  fault: string | undefined;
  homing = false;

  constructor(readonly config: AxisConfig) {}

  get name(): string {
    return this.config.name;
  }

  applyGet(fields: ReplyFieldsOf<'GET'>): void {
    this.positionCounts = fields.pos;
    this.velocityCountsPerS = fields.vel;
    this.targetCounts = fields.tgt;
    this.deviceState = fields.st;
    this.deviceQueue = fields.q;
    if (fields.st === 'FAULT') this.fault ??= 'UNKNOWN';
    else if (fields.st !== 'ESTOP') this.fault = undefined;
    this.homing = fields.st === 'HOMING';
  }

  /** The controller rebooted: it forgot its zero, so the host must not trust positions. */
  markRebooted(): void {
    this.homed = false;
    this.homing = false;
    this.positionUncertain = true;
    this.fault = undefined;
  }

  /** `controllerFault` is a latched controller-wide fault (FAULT axis=0), shown on every axis. */
  status(
    connected: boolean,
    estopLatched: boolean,
    controllerFault: string | undefined,
    openMoves: number,
  ): AxisStatus {
    const c = this.config;
    const units = (counts: number | undefined) =>
      counts === undefined ? null : countsToUnits(counts, c.countsPerUnit);
    const state = estopLatched ? 'ESTOP' : (this.deviceState ?? 'UNKNOWN');
    return {
      name: c.name,
      controller: c.controller,
      axis: c.axis,
      unit: c.unit,
      connected,
      state,
      position: units(this.positionCounts),
      velocity: units(this.velocityCountsPerS),
      target: units(this.targetCounts),
      enabled: this.deviceState === undefined ? null : this.deviceState !== 'DISABLED',
      homed: this.homed,
      homingRequired: c.homingRequired,
      positionUncertain: this.positionUncertain,
      fault: this.fault ?? controllerFault ?? null,
      estop: estopLatched,
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
