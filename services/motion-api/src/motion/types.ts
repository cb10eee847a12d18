// The motion service's public request, result and event types, shared by the command API, the event
// reducer and the service's interface (motion-service.ts re-exports them).

import type {
  DeviceEventName,
  DriverCapabilities,
  DriverKind,
  LinkHealth,
  LinkState,
} from '../drivers/driver.js';
import type { MotionErrorCode } from '../errors.js';
import type { MoveRecord } from './move-tracker.js';

/** A single-axis move in the axis's units. Exactly one of position and distance. */
export interface MoveRequest {
  /** Absolute target. */
  position?: number;
  /** Relative to the end of the moves still open on the axis, else to the current position. */
  distance?: number;
  /** Defaults to the axis's defaultVelocityUnitsPerS. */
  velocity?: number;
  acceleration?: number;
}

export interface CoordinatedMoveRequest {
  /** Each axis once. Velocity and acceleration cap that axis (defaults: its configured defaults). */
  axes: ({ axis: string } & MoveRequest)[];
}

export interface JogRequest {
  /** Signed, in units/s; 0 decelerates to a stop. */
  velocity: number;
  acceleration?: number;
}

export interface HomeResult {
  axis: string;
  /** homing: HOME accepted, HOMED not yet reported. homed: HOMED reported. */
  status: 'homing' | 'homed';
}

export interface EstopResult {
  /** Every controller's 0x18 was written. */
  delivered: boolean;
  controllers: { id: string; delivered: boolean }[];
}

export interface ResetResult {
  ok: boolean;
  controllers: { id: string; ok: boolean; code: MotionErrorCode | null }[];
}

export interface ControllerStatus extends LinkHealth {
  /** `controllers[].driver`: the protocol this controller speaks. */
  driver: DriverKind;
  /** What the driver's hardware does natively, what the host emulates, and what it refuses. */
  capabilities: DriverCapabilities;
  /** The host's e-stop latch: set by POST /estop or an ESTOP event, cleared by a successful reset. */
  estopLatched: boolean;
  axes: string[];
}

/** What subscribers hear, synchronously and in order. Listeners must not block. */
export type MotionServiceEvent =
  | { type: 'axis'; axis: string }
  | {
      type: 'device';
      controller: string;
      /** The configured axis the event is about, null for controller-wide events. */
      axis: string | null;
      /** DONE, ABORTED, HOMED, FAULT, ESTOP, BOOT, BADFRAME (servo-edge §Events), ERRORS (error bits a device reported), NOTICE (anything else; `fields.name` says what). */
      event: DeviceEventName;
      fields: Record<string, unknown>;
    }
  | { type: 'move'; move: MoveRecord }
  | { type: 'controller'; controller: string; state: LinkState };
