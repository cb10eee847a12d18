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
import type { AxisStatus } from './axis-runtime.js';
import type { JogLease } from './jog-leases.js';
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

/**
 * A position trigger (PROTOCOL.md §v2 Triggered moves): the move waits on the controller, armed at the head
 * of its axis's queue, until another axis of the same controller passes a position, then starts.
 */
export interface MoveTrigger {
  /** The source axis: another axis of the same controller. */
  axis: string;
  /** Where it fires, in the source axis's units; or `positionCounts`, in its counts. Exactly one. */
  position?: number;
  positionCounts?: number;
  /** The source axis passes the position while its position increases, or decreases. */
  direction: 'increasing' | 'decreasing';
  /**
   * What a `distance` counts from: `queue` (default), the end of the moves open on the axis when this one
   * is sent, like any relative move; `trigger`, where the axis stands when the trigger fires (a step,
   * PROTOCOL.md §v2 Triggered steps), so a move dropped before it is not made up. `trigger` needs the
   * controller's positionTriggeredSteps.
   */
  distanceFrom?: 'queue' | 'trigger';
}

/** A single-axis move, which may wait for a trigger. */
export interface SingleMoveRequest extends MoveRequest {
  trigger?: MoveTrigger;
}

export interface CoordinatedMoveRequest {
  /** Each axis once. Velocity and acceleration cap that axis (defaults: its configured defaults). */
  axes: ({ axis: string } & MoveRequest)[];
}

export interface JogRequest {
  /** Signed, in units/s; 0 decelerates to a stop. */
  velocity: number;
  acceleration?: number;
  /**
   * Hold-to-run (PROTOCOL.md §v2 Jog lease): the axis stops unless renewJog() is called within this many
   * ms (50..5000). The REST route always gives one. Without it (in-process callers such as the gateway's
   * conveyor) the jog runs until stopped; on a controller that times leases itself, the service keeps a
   * lease alive for it, so the controller still stops the axis if this process dies.
   */
  leaseMs?: number;
}

/** A jog's answer: the axis after the command, and its lease when one was asked for. */
export type JogResult = AxisStatus & { lease?: JogLease };

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
  /**
   * The protocol version negotiated on the link (servo-edge: 1 or 2, §v2 Negotiation), null while none is
   * or for a driver whose protocol has no versions; the newest version's optional features the link has,
   * and those it lacks.
   */
  proto: number | null;
  features: string[];
  missingFeatures: string[];
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
