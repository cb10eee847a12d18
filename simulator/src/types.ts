// The public contract of a simulated controller: what tests, the binding and the pty server see.

import type { Clock } from '@servo-edge/common/clock';
import type { AxisState, HandledCommand } from '@servo-edge/firmware-protocol';
import type { FaultDirection } from './config.js';

/** One accepted MOVE waiting in (or running at the head of) an axis queue. */
export interface QueuedMove {
  /** The seq of the MOVE frame; its DONE or ABORTED carries it. */
  seq: number;
  targetCounts: number;
  velocityCountsPerS: number;
  accelerationCountsPerS2: number;
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
  /** Running move first. */
  queue: readonly QueuedMove[];
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
  /** HELLO and WDOG are handled inside the DeviceSession and are not logged. */
  verb: HandledCommand['verb'];
  args: Readonly<Record<string, unknown>>;
  atMs: number;
}

export interface ControllerStatus {
  started: boolean;
  closed: boolean;
  pluggedIn: boolean;
  /** A HELLO has started a session since the last boot. */
  hasSession: boolean;
  bootCount: number;
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

/** Run-time fault injection (the same knobs as the `faults` option and the CLI flags). */
export interface FaultInjector {
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
  /** Random bytes on the line: toHost (default) garbles the host's input; toDevice never contains 0x18. */
  garbageBurst(bytes: number, direction?: 'toHost' | 'toDevice'): void;
  /** Power-cycles the device: motion stops, the session is forgotten, it emits `! BOOT` (§Device rule 3). */
  reboot(): void;
  /** Pulls the cable: an open port errors as disconnected and closes; the path cannot be opened. The device runs on. */
  unplug(): void;
  /** Plugs the cable back in: the path can be opened again. */
  replug(): void;
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

export interface SimulatedController {
  readonly id: string;
  /** `sim://<id>`: what a SerialPortStream opens through createSimulatorBinding(). */
  readonly path: string;
  readonly axisCount: number;
  readonly baud: number;
  readonly pacing: boolean;
  readonly clock: Clock;
  readonly faults: FaultInjector;
  readonly status: ControllerStatus;
  /** Powers the device on: arms its timers and emits `! BOOT`. Constructors do no I/O; idempotent. */
  start(): Promise<void>;
  /** Stops every timer and detaches the host. Idempotent. */
  close(): Promise<void>;
  /** Snapshot of one axis (1-based). Throws SIM_NO_SUCH_AXIS. */
  axis(axis: number): AxisSnapshot;
  axes(): AxisSnapshot[];
  /** Every executed command, oldest first (bounded by executedLogLimit). */
  readonly executed: readonly ExecutedCommand[];
  /** How many times (seq, verb) ran in the current session: tests prove exactly-once with it. */
  executionCount(seq: number, session?: number): number;
  /** Connects a transport's host end. Throws SIM_PORT_LOCKED if one is attached, SIM_PORT_NOT_FOUND if unplugged or not started. */
  attach(host: HostEndpoint): Attachment;
  /** Called with true on replug and false on unplug; returns an unsubscribe function. */
  onPlugChange(listener: (pluggedIn: boolean) => void): () => void;
}
