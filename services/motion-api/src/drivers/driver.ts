// The driver seam: the one interface between the motion service and a controller link. The axis model,
// move tracking, REST, WebSocket, metrics and the gateway see only this; each protocol (servo-edge,
// Pololu Maestro, ROBOTIS Dynamixel 2.0) is a driver behind it, as node-serialport's bindings are behind
// its stream. The operations are PLCopen's motion function blocks (MC_Power, MC_MoveAbsolute, MC_Stop,
// MC_Home, MC_MoveVelocity, MC_ReadStatus, MC_Reset) in the units every driver shares: the driver's own
// counts. Each driver declares what its hardware does natively, what the host emulates, and what it
// cannot do (STYLE.md lesson 15); the service refuses the last kind with NOT_SUPPORTED_BY_CONTROLLER.

import type { Clock } from '@servo-edge/common/clock';
import type { Logger } from '@servo-edge/common/log';
import type { AxisConfig, ControllerConfig, ReconnectConfig } from '../config/schema.js';
import { MotionError, type MotionErrorCode, type ProblemExtensions } from '../errors.js';
import type { TransportFactory } from '../link/transport.js';
import type { DriverKind } from './kinds.js';

export { DRIVER_KINDS, type DriverKind, SOFTWARE_STOP_MODES, type SoftwareStopMode } from './kinds.js';

/**
 * idle: not started. connecting: opening the port. probing: asking whether the device kept its state
 * (servo-edge's reboot probe, Dynamixel's discovery). handshaking: HELLO, or the first exchange that
 * proves a device answers. configuring: the start-up steps. ready: commands accepted. backoff: waiting to
 * reconnect. closed: for good.
 */
export type LinkState =
  | 'idle'
  | 'connecting'
  | 'probing'
  | 'handshaking'
  | 'configuring'
  | 'ready'
  | 'backoff'
  | 'closed';

export interface LinkError {
  /** A driver's code (PROTO_*, MAESTRO_*, DXL_*) or LINK_OPEN_FAILED / LINK_CLOSED / LINK_BRING_UP_FAILED. */
  code: string;
  message: string;
  /** Wall-clock time, ISO 8601. */
  at: string;
}

/** What servo-edge's HELLO says about the controller (§Commands HELLO); null for the other drivers. */
export interface ServoEdgeDeviceInfo {
  /** The negotiated version (§v2 Negotiation). */
  proto: number;
  fw: string;
  axes: number;
  rx: number;
  win: number;
  qd: number;
  wd: number;
  /** v2 only (§v2 Negotiation): the event window, the largest |position|, the features advertised. */
  ev?: number;
  pmax?: number;
  feat?: string[];
}

/** Link health as GET /api/v1/controllers shows it. Counters run over the life of the link. */
export interface LinkHealth {
  id: string;
  path: string;
  state: LinkState;
  connected: boolean;
  /** Smoothed request->reply time, ms (requests answered on their first transmission). */
  rttMs: number | null;
  retransmits: number;
  timeouts: number;
  /** Frames or packets from the device that failed their checksum (or syntax) here. */
  crcErrors: number;
  /** The device said it saw a damaged or out-of-order frame (servo-edge ERR CRC/SYNTAX/SEQ, Dynamixel CRC Error). */
  linkErrorReplies: number;
  duplicateReplies: number;
  framesSent: number;
  bytesIn: number;
  bytesOut: number;
  /** Requests sent and unanswered plus requests waiting to be sent. */
  pendingRequests: number;
  sessions: number;
  reconnects: number;
  device: ServoEdgeDeviceInfo | null;
  lastError: LinkError | null;
  /**
   * Drivers with a versioned protocol (servo-edge): the version negotiated on the link (null while none
   * is), the optional features of the newest version the link has, and those it lacks (§v2 Negotiation).
   * Absent for drivers whose protocol has no versions.
   */
  proto?: number | null;
  features?: string[];
  missingFeatures?: string[];
  /**
   * servo-edge v2 (§v2 Events): sequenced events delivered, copies of delivered events the device sent
   * again (each is re-acknowledged), events that arrived ahead of a missing one (each asks for a resend),
   * ACK frames sent, and OVERFLOWs seen. Counted over the life of the link; absent for other drivers.
   */
  events?: {
    delivered: number;
    duplicates: number;
    gaps: number;
    acks: number;
    overflows: number;
  };
}

/** How far a driver does a thing: on the device, emulated by the host, or not at all (refused). */
export type Support = 'native' | 'host' | 'none';

/**
 * What a driver's hardware can do, as GET /api/v1/controllers reports it. A command whose support is
 * `none` is refused with 409 NOT_SUPPORTED_BY_CONTROLLER before anything reaches the wire.
 */
export interface DriverCapabilities {
  /** The protocol and its version as spoken on this link, e.g. `servo-edge/1`, `maestro-compact`, `dynamixel/2.0`. */
  protocol: string;
  /** Where queued moves wait: in the device's per-axis queue, or in the driver (it sends the next when one ends). */
  moveQueue: 'device' | 'host';
  /** How the end of a move is learnt: an event from the device, or by polling its position. */
  completion: 'event' | 'polling';
  /** How an axis knows where it is: a homing routine (MC_Home), or an absolute position (no homing). */
  position: 'homing' | 'absolute';
  /** The device stops its axes by itself when the host goes quiet. */
  hardwareWatchdog: boolean;
  /** Moves started by the device when another axis passes a position. */
  positionTriggeredMoves: boolean;
  /**
   * Triggered moves by a distance counted from where the axis stands when the trigger fires (servo-edge
   * v2 TSTEP, PROTOCOL.md §v2 Triggered steps; PLCopen MC_MoveRelative), rather than from the host's
   * idea of where the moves before it end.
   */
  positionTriggeredSteps: boolean;
  /** A stop that overtakes every queued command on the wire (a realtime byte), rather than the fastest command. */
  realtimeStop: boolean;
  /**
   * How the outcome events of moves arrive: `exactly-once` (acknowledged and retransmitted, servo-edge v2
   * §v2 Events: a move ends done or aborted unless the controller itself is lost), or `best-effort` (an
   * event damaged on the line is gone; the service reads the axis back to notice). Absent: best-effort.
   */
  eventDelivery?: 'exactly-once' | 'best-effort';
  /**
   * The dead-man of a jog (hold-to-run): `native`, the controller stops the axis itself when the lease is
   * not renewed (servo-edge v2 §v2 Jog lease); `host`, the service's timer stops it (a network cut between
   * client and service stops the axis, a crash of the service is left to the controller's watchdog).
   * Absent: `host`. Irrelevant when commands.jog is `none`.
   */
  jogLease?: Support;
  /**
   * The largest |position| in counts the controller takes on this link (servo-edge: ±(2^31-1) in v1, the
   * device's pmax in v2, never beyond ±(2^53-1), what a JSON number carries exactly; §v2 Positions).
   * Absent: the driver checks its own range.
   */
  maxPositionCounts?: number;
  /** Per command: done by the device, emulated by the host, or refused. */
  commands: {
    /** MC_Power: the drive (or the pulses) on and off. */
    power: Support;
    /** MC_Home. */
    home: Support;
    /** MC_MoveVelocity (jog). */
    jog: Support;
    /** Several axes of this controller started together: `native` in one packet, `host` back to back. */
    coordinatedStart: Support;
  };
}

/** An axis's state in PLCopen's terms, as every driver reports it (§Commands GET st= for servo-edge). */
export type DriverAxisState = 'DISABLED' | 'IDLE' | 'MOVING' | 'HOMING' | 'FAULT' | 'ESTOP';

/** One axis read back (MC_ReadStatus and MC_ReadActualPosition), in the driver's counts. */
export interface AxisReport {
  /** null: the driver cannot know (a Maestro channel whose pulses are off: the servo is limp). */
  positionCounts: number | null;
  velocityCountsPerS: number;
  targetCounts: number | null;
  state: DriverAxisState;
  /** Moves queued for the axis (on the device, or in a host-side queue), the running one included. */
  queueDepth: number;
  /**
   * The ref of the move at the head of the axis's queue (running, or an armed triggered move), 0 when the
   * queue is empty (servo-edge v2 GET run=, §v2 Fields). Absent when the driver cannot say.
   */
  runningRef?: number;
}

/** MC_MoveAbsolute's inputs, in the driver's counts; velocity and acceleration are positive. */
export interface AbsoluteMove {
  targetCounts: number;
  velocityCountsPerS: number;
  accelerationCountsPerS2: number;
}

/** A move by a distance from the axis's commanded position when it starts (MC_MoveRelative). */
export interface RelativeMove {
  distanceCounts: number;
  velocityCountsPerS: number;
  accelerationCountsPerS2: number;
}

/** The event names the API shows (the WebSocket's `device` events). */
export type DeviceEventName =
  | 'DONE'
  | 'ABORTED'
  | 'HOMED'
  | 'FAULT'
  | 'ESTOP'
  | 'BOOT'
  | 'BADFRAME'
  | 'ERRORS'
  | 'NOTICE'
  | 'STARTED'
  | 'LEASE'
  | 'OVERFLOW';

/**
 * What a driver reports without being asked. `axis` is the driver's own address, null for the whole
 * controller (0 is an address: a Maestro channel, a Dynamixel ID); `fields` is what the API shows with
 * the event.
 */
export type DriverEvent =
  | {
      /** A move ended: DONE at its target, ABORTED short of it. `ref` is what move()'s onSent gave. */
      event: 'DONE' | 'ABORTED';
      axis: number;
      ref: number;
      positionCounts: number;
      fields: Record<string, unknown>;
    }
  | { event: 'HOMED'; axis: number; positionCounts: number; fields: Record<string, unknown> }
  /** A latched fault (cleared by reset()); `code` is the driver's name for it (FERR, WATCHDOG, OVERLOAD...). */
  | { event: 'FAULT'; axis: number | null; code: string; fields: Record<string, unknown> }
  /** The device latched its stop (its own input, or the software stop). */
  | { event: 'ESTOP'; fields: Record<string, unknown> }
  /** The device says it restarted. */
  | { event: 'BOOT'; fields: Record<string, unknown> }
  /** The device saw a damaged frame. */
  | { event: 'BADFRAME'; fields: Record<string, unknown> }
  /** Error bits the device reported and cleared (Maestro Get Errors): shown, not latched. */
  | { event: 'ERRORS'; axis: number | null; fields: Record<string, unknown> }
  /** A position-triggered move fired (servo-edge §v2 Triggered moves): `deviceTimeMs` is the controller's clock at the crossing. */
  | {
      event: 'STARTED';
      axis: number;
      ref: number;
      deviceTimeMs: number;
      fields: Record<string, unknown>;
    }
  /** A jog's lease ran out on the controller, which is stopping the axis (servo-edge §v2 Jog lease). */
  | { event: 'LEASE'; axis: number; positionCounts: number; fields: Record<string, unknown> }
  /**
   * The controller could not keep `lost` events for the host (servo-edge §v2 Events, OVERFLOW): the
   * service resynchronises every axis of the controller from its state.
   */
  | { event: 'OVERFLOW'; lost: number; fields: Record<string, unknown> }
  /** Anything else the device said that the API shows and the service does not act on; `fields.name` names it. */
  | { event: 'NOTICE'; axis: number | null; fields: Record<string, unknown> }
  /** Telemetry: positions and velocities of some axes. Not shown as a device event. */
  | {
      event: 'POS';
      samples: readonly {
        axis: number;
        positionCounts: number;
        velocityCountsPerS: number;
        /** A polling driver's state of the axis with the sample (no event tells the service it changed). */
        state?: DriverAxisState;
        queueDepth?: number;
      }[];
    };

/** What a driver tells the service; every hook is called synchronously and must not throw. */
export interface DriverHooks {
  /**
   * Called once the device answers, before the driver's own start-up steps: true when a software stop
   * latched on the host (asked for while the link was down) must be delivered first.
   */
  softwareStopPending(): boolean;
  /**
   * The start-up steps succeeded; called just before the state becomes `ready`. `reports` has each
   * configured axis's state, by axis name. `rebooted`: true when the device lost its state (positions,
   * queued moves) since it was last ready, false when it kept it, undefined at first contact.
   */
  connected(reports: ReadonlyMap<string, AxisReport>, rebooted: boolean | undefined): void;
  event(event: DriverEvent): void;
  stateChanged(state: LinkState): void;
  /** The link was lost; every request in flight has been failed (DriverCommandError). */
  down(error: LinkError): void;
}

export interface DriverOptions {
  config: ControllerConfig;
  /** The configured axes of this controller; `axis` of each is the driver's own address. */
  axes: readonly AxisConfig[];
  reconnect: ReconnectConfig;
  transports: TransportFactory;
  clock: Clock;
  log: Logger;
  hooks: DriverHooks;
}

/** A move that waits on the controller until another of its axes crosses a position (MC_MoveAbsolute + a trigger). */
export interface PositionTrigger {
  /** The source axis, in the driver's numbering; on the same controller, not the moving axis. */
  sourceAxis: number;
  /** The position of the source axis that fires the move, in its counts. */
  atCounts: number;
  /** 1: fires when the source axis passes atCounts increasing; -1: decreasing. */
  direction: 1 | -1;
}

/** Options of a jog. */
export interface JogOptions {
  /**
   * Hold-to-run: the controller stops the axis if renewJog() is not called within this many ms (servo-edge
   * §v2 Jog lease, 50..5000). Only when capabilities.jogLease is `native`; otherwise the service times it.
   */
  leaseMs?: number;
}

/** Options of a command that goes on the wire. */
export interface SendOptions {
  /** The command left for the device; for a move, `ref` names it in its DONE/ABORTED event. */
  onSent?(ref: number): void;
}

/**
 * One controller link behind the seam. The constructor does no I/O: start() connects in the background
 * and reconnects after a loss; close() ends it (idempotent). Commands resolve once the device accepted
 * them and reject with DriverCommandError; addresses are `axes[].axis` (the driver's own numbering).
 */
export interface ControllerDriver {
  readonly id: string;
  readonly kind: DriverKind;
  readonly capabilities: DriverCapabilities;
  readonly state: LinkState;
  /** state === 'ready'. */
  readonly ready: boolean;
  /** Starts connecting; returns at once. Idempotent. */
  start(): void;
  /** Closes for good: requests in flight fail. Idempotent. */
  close(): Promise<void>;
  /** Resolves when ready (at once if it is); rejects if closed first. */
  whenReady(): Promise<void>;
  health(): LinkHealth;
  /** MC_ReadStatus + MC_ReadActualPosition. */
  read(axis: number, options?: SendOptions): Promise<AxisReport>;
  /** MC_MoveAbsolute: queued behind the axis's open moves. Resolves when accepted (queued). */
  move(axis: number, move: AbsoluteMove, options?: SendOptions): Promise<void>;
  /**
   * Moves of several axes of this controller, started together (one packet where the protocol has one,
   * else back to back without awaiting in between). One promise per leg, each settled as move()'s.
   */
  moveTogether(legs: readonly { axis: number; move: AbsoluteMove; options?: SendOptions }[]): Promise<void>[];
  /** MC_MoveVelocity: signed velocity; 0 decelerates to a stop. Aborts the axis's moves. */
  jog(
    axis: number,
    velocityCountsPerS: number,
    accelerationCountsPerS2: number,
    options?: JogOptions,
  ): Promise<void>;
  /**
   * Renews a jog's lease on the controller for `leaseMs` from now (only when capabilities.jogLease is
   * `native`). Rejects with a DriverCommandError when the axis no longer jogs (the lease ran out first).
   */
  renewJog?(axis: number, leaseMs: number): Promise<void>;
  /**
   * A move that the controller arms at the head of the axis's queue and starts when the trigger fires
   * (only when capabilities.positionTriggeredMoves). Its ref names it in STARTED and DONE/ABORTED; a
   * trigger already passed when it is armed ends ABORTED. stop(axis) cancels it.
   */
  moveTriggered?(
    axis: number,
    move: AbsoluteMove,
    trigger: PositionTrigger,
    options?: SendOptions,
  ): Promise<void>;
  /**
   * As moveTriggered, but the target is fixed when the trigger fires: the axis's commanded position then
   * plus `distanceCounts` (only when capabilities.positionTriggeredSteps). A target outside the axis's
   * limits then ends the move ABORTED (why LIMIT) without a start.
   */
  stepTriggered?(
    axis: number,
    step: RelativeMove,
    trigger: PositionTrigger,
    options?: SendOptions,
  ): Promise<void>;
  /** MC_Stop: a controlled stop; the running and queued moves end ABORTED. */
  stop(axis: number): Promise<void>;
  /** MC_Power. */
  power(axis: number, on: boolean): Promise<void>;
  /** MC_Home: resolves when homing started; HOMED or FAULT follows as an event. */
  home(axis: number): Promise<void>;
  /**
   * The software stop, to every axis at once: the realtime byte where the protocol has one, else the
   * fastest command that stops motion (per axis config). Never throws; false when it could not be
   * written (no port open).
   */
  softwareStop(): boolean;
  /** MC_Reset: clears the device's stop and fault latches. ESTOP_INPUT_ACTIVE when it refuses. */
  reset(): Promise<void>;
}

/**
 * A command that did not complete. It is a MotionError with the API's code, plus what the service needs
 * for move tracking: whether the command certainly did not execute (`failed`) or may have (`unknown`),
 * and whether the device answered and refused it (then the axis's state is worth reading before
 * answering).
 */
export class DriverCommandError extends MotionError {
  readonly outcome: 'failed' | 'unknown';
  readonly refusedByDevice: boolean;

  constructor(
    code: MotionErrorCode,
    detail: string | undefined,
    extensions: ProblemExtensions,
    outcome: 'failed' | 'unknown',
    refusedByDevice = false,
  ) {
    super(code, detail, extensions);
    this.outcome = outcome;
    this.refusedByDevice = refusedByDevice;
  }
}

/** A driver that cannot do something: 409 NOT_SUPPORTED_BY_CONTROLLER, never sent. */
export function notSupported(
  driver: Pick<ControllerDriver, 'id' | 'kind'>,
  what: string,
  extensions: ProblemExtensions = {},
): DriverCommandError {
  return new DriverCommandError(
    'NOT_SUPPORTED_BY_CONTROLLER',
    `${what}: the ${driver.kind} controller ${driver.id} cannot do this`,
    { controller: driver.id, driver: driver.kind, ...extensions },
    'failed',
  );
}
