// The packaging line as PackML sees it: state machine, counters, recent verdicts, e-stop and vision events.

import { type Clock, type EpochMs, elapsedMs, type MonotonicMs } from '@servo-edge/common/clock';
import type {
  VerdictMessage as InspectionVerdict,
  StationFault,
  StationReport,
} from '@servo-edge/common/mqtt';
import { GatewayError } from '../errors.js';
import { BoundedRing } from '../util/bounded-ring.js';
import { type OeeSnapshot, OeeTracker } from './oee.js';
import { type CounterSnapshot, ProductionCounters, type ProductOutcome } from './production-counters.js';
import { PackMLStateMachine, type PackMLTransition } from './state-machine.js';
import type { PackMLCommand, PackMLState } from './states.js';
import { commandAllowedInMode, type ModeChange, type UnitMode, UnitModeSwitch } from './unit-modes.js';

/** Why the line left Execute on its own rather than on an operator's command. */
export type AutomaticReason = 'estop' | 'vision-offline' | 'station-fault';

export interface LineTransition extends PackMLTransition {
  /** When, on the wall clock (it is published). */
  atEpochMs: EpochMs;
  /** Set when the model issued the command itself (e-stop, vision offline/online). */
  reason?: AutomaticReason;
}

/** What the bridge publishes on `<prefix>/line/state` and `GET /api/v1/line` returns. */
export interface LineStateSnapshot {
  line: string;
  state: PackMLState;
  /** The PackML unit mode (ISA-TR88.00.02 §5.1): who may command the line's axes. */
  mode: UnitMode;
  /** The commands the state and the mode both allow now. */
  allowedCommands: PackMLCommand[];
  /** When the current state was entered, epoch ms (wire name kept; read by other machines). */
  stateSinceMs: EpochMs;
  /**
   * How long the line has been in this state, on the monotonic clock: unlike
   * `timestampMs - stateSinceMs` it stays right when NTP steps the wall clock.
   */
  timeInStateMs: number;
  counters: CounterSnapshot;
  /** Availability, performance, quality and OEE over `oeeWindowMs`. */
  oee: OeeSnapshot;
  /** Set while Suspending/Suspended because vision is offline. */
  suspendedBy: AutomaticReason | null;
  visionOnline: boolean;
  /** The line's stations (infeed, filler, sealer, labeler): cycles, faults, state (the MQTT contract's shape). */
  stations: StationReport[];
  /** The station fault that stopped the line (Aborting or Holding), until the next Reset or Unhold. */
  stationFault: StationFault;
  /** When this snapshot was taken, epoch ms. */
  timestampMs: EpochMs;
}

/** A station fault, as the line controller reports it to the model. */
export interface StationFaultReport {
  station: string;
  code: string;
  reason: string;
  severity: 'abort' | 'hold';
}

export type LineChange = 'state' | 'counters' | 'mode';

export interface LineModelOptions {
  /** Line name, echoed in snapshots. */
  line: string;
  /** Read only: the model sets no timers. Epoch for timestamps it publishes, monotonic for durations. */
  clock: Pick<Clock, 'monotonicMs' | 'epochMs'>;
  rateWindowMs: number;
  /** OEE window (default one hour, as the config's `line.oeeWindowMs`). */
  oeeWindowMs?: number;
  /** The rate OEE's performance factor is measured against (default 600/min, the config's target rate). */
  idealRatePerMin?: number;
  recentInspectionsMax: number;
  initialMode?: UnitMode;
  initialState?: PackMLState;
  /** Whether vision is known to be online at start; default false until its status says so. */
  visionOnline?: boolean;
}

/**
 * Pure apart from the injected clock: the caller (the line controller) turns motion results into
 * `stateComplete()` and products into `recordProduct()`. Listeners run synchronously, after the change.
 */
export class LineModel {
  private readonly machine: PackMLStateMachine;
  private readonly counters: ProductionCounters;
  private readonly modes: UnitModeSwitch;
  private readonly oee: OeeTracker;
  private readonly inspections: BoundedRing<InspectionVerdict>;
  private readonly listeners = new Set<(snapshot: LineStateSnapshot, change: LineChange) => void>();
  private readonly transitionListeners = new Set<(transition: LineTransition) => void>();
  /** When the current state was entered, on both clocks: epoch to publish, monotonic to measure. */
  private stateSince: { epochMs: EpochMs; monotonicMs: MonotonicMs };
  private suspendedBy: AutomaticReason | null = null;
  private vision: boolean;
  private stationSource: () => StationReport[] = () => [];
  private lastStationFault: StationFault = null;

  constructor(private readonly options: LineModelOptions) {
    this.machine = new PackMLStateMachine(options.initialState);
    this.counters = new ProductionCounters(options.rateWindowMs, () => options.clock.monotonicMs());
    this.modes = new UnitModeSwitch(options.initialMode);
    this.oee = new OeeTracker({
      windowMs: options.oeeWindowMs ?? 3_600_000,
      idealRatePerMin: options.idealRatePerMin ?? 600,
      monotonicNowMs: () => options.clock.monotonicMs(),
      initialState: this.machine.state,
      initialMode: this.modes.mode,
    });
    this.inspections = new BoundedRing(options.recentInspectionsMax);
    this.stateSince = { epochMs: options.clock.epochMs(), monotonicMs: options.clock.monotonicMs() };
    this.vision = options.visionOnline ?? false;
  }

  get state(): PackMLState {
    return this.machine.state;
  }

  get mode(): UnitMode {
    return this.modes.mode;
  }

  /** The commands the state and the unit mode both allow. */
  allowedCommands(): PackMLCommand[] {
    return this.machine.allowedCommands().filter((c) => commandAllowedInMode(this.modes.mode, c));
  }

  /**
   * An operator's command. Throws EDGE_PACKML_UNKNOWN_COMMAND / EDGE_PACKML_COMMAND_NOT_ALLOWED, and
   * EDGE_COMMAND_NOT_ALLOWED_IN_MODE for a command the unit mode does not use (Start in Manual).
   */
  command(command: PackMLCommand | string): LineTransition {
    if (
      this.machine.accepts(command as PackMLCommand) &&
      !commandAllowedInMode(this.modes.mode, command as PackMLCommand)
    ) {
      throw new GatewayError('EDGE_COMMAND_NOT_ALLOWED_IN_MODE', `${command} in ${this.modes.mode} mode`, {
        state: this.machine.state,
        allowedCommands: this.allowedCommands(),
      });
    }
    const transition = this.apply(this.machine.command(command));
    if (transition.to === 'Suspending' || transition.to === 'Stopping' || transition.to === 'Aborting') {
      // An operator's Suspend is the operator's; Stop and Abort end any automatic suspension.
      this.suspendedBy = null;
    }
    return transition;
  }

  /** The current acting state finished. Throws EDGE_PACKML_NOT_ACTING in a wait state. */
  stateComplete(): LineTransition {
    const transition = this.apply(this.machine.stateComplete());
    if (transition.to === 'Execute') this.suspendIfVisionOffline();
    return transition;
  }

  /**
   * The e-stop fired (software stop or controller ESTOP event): Abort, unless already aborting or
   * aborted. The caller completes Aborting once every axis is stopped.
   */
  estop(): LineTransition | undefined {
    if (!this.machine.accepts('Abort')) return undefined;
    this.suspendedBy = null;
    return this.apply(this.machine.command('Abort'), 'estop');
  }

  /** Vision went offline: a running line suspends (and stays suspended on any later return to Execute). */
  visionOffline(): LineTransition | undefined {
    this.vision = false;
    const transition = this.suspendIfVisionOffline();
    if (!transition) this.emit('state');
    return transition;
  }

  /** Vision is back: a line that vision suspended unsuspends; an operator's suspension stays. */
  visionOnline(): LineTransition | undefined {
    this.vision = true;
    if (this.machine.state === 'Suspended' && this.suspendedBy === 'vision-offline') {
      this.suspendedBy = null;
      return this.apply(this.machine.command('Unsuspend'), 'vision-offline');
    }
    this.emit('state');
    return undefined;
  }

  /**
   * Changes the unit mode (operator or admin, checked by the route). Throws EDGE_UNIT_MODE_UNKNOWN and
   * EDGE_UNIT_MODE_CHANGE_NOT_ALLOWED outside Stopped, Idle and Aborted.
   */
  changeMode(mode: UnitMode | string): ModeChange {
    const change = this.modes.change(mode, this.machine.state);
    this.oee.observe(this.machine.state, this.modes.mode);
    if (change.from !== change.to) this.emit('mode');
    return change;
  }

  /** Where the snapshot reads the stations' reports from (the line controller's station runner). */
  setStationSource(source: () => StationReport[]): void {
    this.stationSource = source;
  }

  /**
   * A station faulted: the line stops as PackML says for the station's severity, Abort (Aborting) or
   * Hold (Holding, where the state allows it; else Stop, as a controlled stop). The fault, station and
   * reason named, stays in the snapshot until the next Reset or Unhold. Returns the transition, if any.
   */
  stationFault(fault: StationFaultReport): LineTransition | undefined {
    this.lastStationFault = { ...fault, atMs: this.options.clock.epochMs() };
    const command: PackMLCommand =
      fault.severity === 'abort' ? 'Abort' : this.machine.accepts('Hold') ? 'Hold' : 'Stop';
    if (!this.machine.accepts(command)) {
      this.emit('state');
      return undefined;
    }
    this.suspendedBy = null;
    return this.apply(this.machine.command(command), 'station-fault');
  }

  recordProduct(outcome: ProductOutcome): void {
    this.counters.record(outcome);
    this.oee.recordProduct(outcome);
    this.emit('counters');
  }

  resetCounters(): void {
    this.counters.reset();
    this.emit('counters');
  }

  recordInspection(verdict: InspectionVerdict): void {
    this.inspections.push(verdict);
  }

  /** Up to `limit` verdicts, newest first. */
  recentInspections(limit?: number): InspectionVerdict[] {
    return this.inspections.newest(limit);
  }

  snapshot(): LineStateSnapshot {
    const { clock } = this.options;
    return {
      line: this.options.line,
      state: this.machine.state,
      mode: this.modes.mode,
      allowedCommands: this.allowedCommands(),
      stateSinceMs: this.stateSince.epochMs,
      timeInStateMs: elapsedMs(this.stateSince.monotonicMs, clock.monotonicMs()),
      counters: this.counters.snapshot(),
      oee: this.oee.snapshot(),
      suspendedBy: this.suspendedBy,
      visionOnline: this.vision,
      stations: this.stationSource(),
      stationFault: this.lastStationFault,
      timestampMs: clock.epochMs(),
    };
  }

  /** Every state or counter change; returns an unsubscribe function. */
  onChange(listener: (snapshot: LineStateSnapshot, change: LineChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Every transition, including automatic ones; returns an unsubscribe function. */
  onTransition(listener: (transition: LineTransition) => void): () => void {
    this.transitionListeners.add(listener);
    return () => this.transitionListeners.delete(listener);
  }

  private suspendIfVisionOffline(): LineTransition | undefined {
    if (this.vision || this.machine.state !== 'Execute') return undefined;
    this.suspendedBy = 'vision-offline';
    return this.apply(this.machine.command('Suspend'), 'vision-offline');
  }

  private apply(base: PackMLTransition, reason?: AutomaticReason): LineTransition {
    const { clock } = this.options;
    const transition: LineTransition = {
      ...base,
      atEpochMs: clock.epochMs(),
      ...(reason ? { reason } : {}),
    };
    this.stateSince = { epochMs: transition.atEpochMs, monotonicMs: clock.monotonicMs() };
    // Reset or Unhold is the operator acknowledging the fault.
    if (transition.to === 'Resetting' || transition.to === 'Unholding') this.lastStationFault = null;
    this.oee.observe(transition.to, this.modes.mode);
    // Each listener is isolated: one that throws must not stop the others or the state change.
    for (const listener of this.transitionListeners) {
      try {
        listener(transition);
      } catch {}
    }
    this.emit('state');
    return transition;
  }

  private emit(change: LineChange): void {
    if (this.listeners.size === 0) return;
    const snapshot = this.snapshot();
    for (const listener of this.listeners) {
      try {
        listener(snapshot, change);
      } catch {}
    }
  }
}
