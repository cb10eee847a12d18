// The public contract of a simulated controller: what tests, the binding and the pty server see.

import type { Clock } from '@servo-edge/common/clock';
import type { AxisState, HandledCommand, SimModel } from '@servo-edge/firmware-protocol';
import type { FaultDirection } from './config.js';
import type { DynamixelBusModel, HardwareErrorName } from './models/dynamixel/index.js';
import type { MaestroModel, MaestroModelError } from './models/maestro/index.js';

/** One accepted MOVE waiting in (or running at the head of) an axis queue. */
export interface QueuedMove {
  /** The seq of the MOVE (or TMOVE, TSTEP) frame; its DONE or ABORTED carries it. */
  seq: number;
  targetCounts: number;
  velocityCountsPerS: number;
  accelerationCountsPerS2: number;
  /** A TMOVE's trigger (§v2 Triggered moves): start when axis `src` crosses `atCounts` in direction `dir`. */
  trigger?: MoveTrigger;
  /**
   * A TSTEP (§v2 Triggered steps): `targetCounts` is fixed when the trigger fires, as the commanded
   * position then plus this distance.
   */
  stepCounts?: number;
}

/** §v2 Triggered moves: TMOVE's src, at and dir. */
export interface MoveTrigger {
  src: number;
  /** In the source axis's reported frame. */
  atCounts: number;
  dir: 1 | -1;
}

/** Read-only view of one axis, as of the simulation clock's now. */
export interface AxisSnapshot {
  axis: number;
  /** What GET reports as st= (§Commands). */
  state: AxisState;
  /** Exact (unrounded, noise-free) position in the axis's current frame (HOME resets it to 0). */
  positionCounts: number;
  /** Commanded position; differs from positionCounts only while the axis is stuck. */
  commandedCounts: number;
  velocityCountsPerS: number;
  /** GET's tgt=. */
  targetCounts: number;
  enabled: boolean;
  homed: boolean;
  stuck: boolean;
  /** 'move', 'jog', 'stop', 'home' or 'idle'. */
  motion: 'idle' | 'move' | 'jog' | 'stop' | 'home';
  /** Running (or armed) move first. */
  queue: readonly QueuedMove[];
  /** The head of the queue is a TMOVE waiting for its trigger (§v2 Triggered moves). */
  armed: boolean;
  /** Limits as last SET (or configured). */
  limits: {
    minCounts: number;
    maxCounts: number;
    vmaxCountsPerS: number;
    amaxCountsPerS2: number;
    ferrCounts: number;
  };
  /** The latched axis fault, if any. */
  fault: 'FERR' | 'LIMIT' | 'HOME' | 'DRIVE' | undefined;
}

/** One command the device executed (§Device rule 2: each seq at most once per session). */
export interface ExecutedCommand {
  /** Counts HELLOs since start: seqs restart in every session. */
  session: number;
  seq: number;
  /** HELLO, WDOG and ACK are handled inside the DeviceSession and are not logged; v2's TMOVE and RENEW are. */
  verb: HandledCommand['verb'] | 'TMOVE' | 'TSTEP' | 'RENEW';
  args: Readonly<Record<string, unknown>>;
  atMs: number;
}

/** What every simulated link reports: its power and its cable. */
export interface LinkStatus {
  started: boolean;
  closed: boolean;
  pluggedIn: boolean;
  /** Power-ons: start() and every reboot. */
  bootCount: number;
}

export interface ControllerStatus extends LinkStatus {
  /** A HELLO has started a session since the last boot. */
  hasSession: boolean;
  estopLatched: boolean;
  estopInputActive: boolean;
  /** FAULT axis=0 code=WATCHDOG is latched (§Device rule 6). */
  watchdogFaultLatched: boolean;
  watchdogMs: number;
  streamHz: number;
}

/** Counters of what fault injection did, for tests. */
export interface FaultCounts {
  corrupted: number;
  dropped: number;
  duplicated: number;
  withheldReplies: number;
  garbageBytes: number;
}

/**
 * Run-time fault injection on the line and the power, for every link (the same knobs as the `faults`
 * option and the CLI flags). Rates are read at every write, so a change applies to the next bytes.
 */
export interface LinkFaultInjector {
  /** Probability that a byte has one bit flipped. */
  corruptRate: number;
  dropRate: number;
  duplicateRate: number;
  /** Added to every delivery, ms. */
  extraLatencyMs: number;
  /** Which way the rates apply. */
  direction: FaultDirection;
  readonly counts: Readonly<FaultCounts>;
  /** The next reply the device sends is lost on the wire (the command still executes). */
  withholdNextReply(): void;
  /** Random bytes on the line: toHost (default) garbles the host's input; toDevice never holds a stop byte (0x18, 0x96). */
  garbageBurst(bytes: number, direction?: 'toHost' | 'toDevice'): void;
  /** Power-cycles the device; bytes on their way to it are lost. What else that means is the device's. */
  reboot(): void;
  /** Pulls the cable: an open port errors as disconnected and closes; the path cannot be opened. The device runs on. */
  unplug(): void;
  /** Plugs the cable back in: the path can be opened again. */
  replug(): void;
}

/** A servo-edge controller's fault injection: the line and power, and its axes and e-stop input. */
export interface FaultInjector extends LinkFaultInjector {
  /** Power-cycles the device: motion stops, the session is forgotten, it emits `! BOOT` (§Device rule 3). */
  reboot(): void;
  /** Jams an axis: it stops following its command and trips FAULT code=FERR (§Commands SET FERR). */
  stickAxis(axis: number, on: boolean): void;
  /** The hardware e-stop input (§Device rule 5, src=input). Releasing it does not clear the latch: RESET does. */
  setEstopInput(active: boolean): void;
}

/** The host end of the simulated cable, supplied by a transport (the serialport binding, the pty server). */
export interface HostEndpoint {
  /** Bytes from the device, after pacing and line faults. */
  deliver(bytes: Buffer): void;
  /** The cable was pulled. The attachment is already detached when this runs. */
  unplugged(): void;
}

/** A transport's connection to the controller, from attach() until detach() or an unplug. */
export interface Attachment {
  /** Bytes from the host onto the wire toward the device (paced, faulted). Ignored once detached. */
  write(bytes: Buffer): void;
  /** Bytes written and not yet delivered to the device. */
  readonly pendingToDeviceBytes: number;
  /** Resolves once everything written so far reached the device (or the attachment ended). */
  drained(): Promise<void>;
  /** Discards bytes written toward the device and not yet delivered (tcflush of the output). */
  flush(): void;
  detach(): void;
  readonly attached: boolean;
}

/**
 * The device end of a simulated serial cable, whatever device is at that end: what the serialport
 * binding, the registry and the pty server need. Bytes cross the cable no faster than `baud` allows
 * (with `pacing`), suffer the line faults, and stop when the cable is unplugged.
 */
export interface SimulatedLink {
  /** Unique in a registry; `sim://<id>` and `sim://<model>/<id>` both open this link. */
  readonly id: string;
  /** The canonical path (`simPath(id, model)`): `sim://<id>` for servo-edge, `sim://<model>/<id>` otherwise. */
  readonly path: string;
  /** The device at the far end, and so the protocol it speaks. */
  readonly model: SimModel;
  readonly baud: number;
  readonly pacing: boolean;
  readonly clock: Clock;
  readonly faults: LinkFaultInjector;
  readonly status: LinkStatus;
  /** Powers the device on. Constructors do no I/O; idempotent. Throws SIM_CONTROLLER_CLOSED after close(). */
  start(): Promise<void>;
  /** Stops every timer and detaches the host (it sees a disconnect). Idempotent. */
  close(): Promise<void>;
  /** Connects a transport's host end. Throws SIM_PORT_LOCKED if one is attached, SIM_PORT_NOT_FOUND if unplugged, not started or closed. */
  attach(host: HostEndpoint): Attachment;
  /** Called with true on replug and false on unplug; returns an unsubscribe function. */
  onPlugChange(listener: (pluggedIn: boolean) => void): () => void;
}

/** A simulated servo-edge controller: protocol v1 through DeviceSession, axes on a trapezoid model. */
export interface SimulatedController extends SimulatedLink {
  readonly model: 'servo-edge';
  /** `sim://<id>`: what a SerialPortStream opens through createSimulatorBinding(). */
  readonly path: string;
  readonly axisCount: number;
  readonly faults: FaultInjector;
  readonly status: ControllerStatus;
  /** Powers the device on: arms its timers and emits `! BOOT`. Constructors do no I/O; idempotent. */
  start(): Promise<void>;
  /** Snapshot of one axis (1-based). Throws SIM_NO_SUCH_AXIS. */
  axis(axis: number): AxisSnapshot;
  axes(): AxisSnapshot[];
  /**
   * Where an axis was (counts, its reported frame, unrounded) at a recent instant of the simulation
   * clock: the exact simulated timeline, whenever the caller gets to ask (the virtual line judges its
   * reject arm with it, so a stalled event loop cannot make a stroke look late). The last 30 s are kept;
   * undefined before that, and for an instant after the clock's now the motion then is extrapolated.
   * Throws SIM_NO_SUCH_AXIS.
   */
  positionAt(axis: number, atMs: number): number | undefined;
  /** Every executed command, oldest first (bounded by executedLogLimit). */
  readonly executed: readonly ExecutedCommand[];
  /** How many times (seq, verb) ran in the current session: tests prove exactly-once with it. */
  executionCount(seq: number, session?: number): number;
}

/** A serial error the Maestro's host cannot cause with bytes alone (§4.b Errors). */
export type MaestroInjectedError = Extract<
  MaestroModelError,
  'SERIAL_SIGNAL' | 'SERIAL_OVERRUN' | 'SERIAL_BUFFER_FULL'
>;

export interface MaestroFaultInjector extends LinkFaultInjector {
  /**
   * A power cycle: settings from flash, the error register cleared, every channel at its start-up
   * setting (off by default: no pulses).
   */
  reboot(): void;
  /** A serial error (§4.b Errors): its bit is set and every servo goes to its "On startup or error" setting. */
  serialError(error: MaestroInjectedError): void;
}

/** A simulated Pololu Maestro on its USB Command Port (models/maestro/). */
export interface MaestroLink extends SimulatedLink {
  readonly model: 'maestro';
  /** 6, 12, 18 or 24. */
  readonly channels: number;
  /** The device model: channel positions and targets, the error register (test readback). */
  readonly maestro: MaestroModel;
  readonly faults: MaestroFaultInjector;
}

export interface DynamixelFaultInjector extends LinkFaultInjector {
  /** A power cycle of every servo on the bus: EEPROM settings survive, RAM and hardware errors do not. */
  reboot(): void;
  /**
   * A hardware error on one servo (e-Manual §Hardware Error Status): the bit latches, the torque goes off
   * if Shutdown names it, every status carries the alert bit, only a reboot clears it. Throws
   * SIM_NO_SUCH_AXIS for an ID that is not on the bus.
   */
  hardwareError(id: number, error: HardwareErrorName): void;
}

/** A simulated Dynamixel Protocol 2.0 bus of X-series servos behind a U2D2 (models/dynamixel/). */
export interface DynamixelLink extends SimulatedLink {
  readonly model: 'dynamixel';
  /** The IDs on the bus, ascending. */
  readonly servoIds: readonly number[];
  /** The device model: each servo's control table and motion (test readback). */
  readonly bus: DynamixelBusModel;
  readonly faults: DynamixelFaultInjector;
}

/** Any simulated link, by the device at its far end. */
export type AnySimulatedLink = SimulatedController | MaestroLink | DynamixelLink;
