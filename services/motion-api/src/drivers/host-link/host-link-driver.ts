// What every driver for a device that only speaks when asked (a Pololu Maestro, a Dynamixel bus) does the
// same way, whatever its protocol: the link's life cycle (LinkSupervisor) and its request/answer exchange
// (Exchange), the host-side move queue with its DONE/ABORTED events, the PLCopen operations whose logic
// does not depend on the wire (MC_MoveAbsolute queueing, MC_MoveVelocity toward a soft limit, MC_Stop's
// bookkeeping, the software stop's latch), the polling loop that serves telemetry and completion, the
// resynchronisation after a lost answer (the line must fall quiet before the next question), and the
// refusals every driver words alike. A driver supplies what its protocol decides: how a move, a jog, a
// stop and the software stop go on the wire, how its axes are read, and when a move is done.

import type { AxisConfig } from '../../config/schema.js';
import type { ProblemExtensions } from '../../errors.js';
import { positionToCounts } from '../../units.js';
import {
  type AbsoluteMove,
  type AxisReport,
  type DriverAxisState,
  type DriverCapabilities,
  DriverCommandError,
  type DriverKind,
  type DriverOptions,
  type LinkHealth,
  type LinkState,
  type SendOptions,
  type SoftwareStopMode,
} from '../driver.js';
import { commandFailure } from './command-failure.js';
import type { DeviceRate } from './device-rate.js';
import { Exchange } from './exchange.js';
import { type HostMove, HostMoveQueue } from './host-queue.js';
import { type ConnectAttempt, LinkSupervisor } from './link-supervisor.js';

/** Moves waiting per axis on the host, the running one included. */
export const HOST_QUEUE_DEPTH = 64;
/** Polls while moves run when telemetry is off (streamHz 0): completion still needs them. */
export const COMPLETION_POLL_MS = 50;

/** What the host keeps of one axis, whatever the device. */
export interface HostAxis {
  readonly config: AxisConfig;
  /** The driver's own address (`axes[].axis`): the Maestro channel, the Dynamixel ID. */
  readonly address: number;
  readonly softwareStop: SoftwareStopMode;
  /** The position last read, counts; undefined before the first read. */
  position: number | undefined;
  /** Counts/s, as last read or estimated. */
  velocity: number;
  /** Reads in a row that found the axis where it was (a stall, or a move held short of its target). */
  unchangedPolls: number;
  /** A jog (host-emulated MC_MoveVelocity) is running toward a soft limit. */
  jogging: boolean;
}

/** What differs in wording and timing between the host-link drivers. */
export interface HostLinkDriverSettings {
  /** What an address is called in messages: `channel`, `ID`. */
  addressName: string;
  /** Why MC_Home is refused (NOT_SUPPORTED_BY_CONTROLLER). */
  nothingToHome: string;
  /** The field of a RATE_CLAMPED notice that carries the rate in the device's own units. */
  rateUnitsField: string;
  /** How long the line must stay quiet after a lost or damaged answer before the next question, ms. */
  resyncQuietMs: number;
}

export abstract class HostLinkDriver<A extends HostAxis> {
  abstract readonly kind: DriverKind;
  abstract readonly capabilities: DriverCapabilities;
  protected readonly opts: DriverOptions;
  protected readonly link: LinkSupervisor;
  protected readonly exchange: Exchange;
  protected readonly queue = new HostMoveQueue(HOST_QUEUE_DEPTH);
  /** By address. */
  protected readonly axes: ReadonlyMap<number, A>;
  protected estopLatched = false;
  /** After a lost or damaged answer, until the line has been quiet for resyncQuietMs. */
  protected resyncing = false;
  protected retries = 0;
  private readonly settings: HostLinkDriverSettings;
  private cancelQuiet: (() => void) | undefined;
  private cancelPoll: (() => void) | undefined;
  private polling = false;

  protected constructor(
    options: DriverOptions,
    axes: ReadonlyMap<number, A>,
    settings: HostLinkDriverSettings,
  ) {
    this.opts = options;
    this.axes = axes;
    this.settings = settings;
    this.link = new LinkSupervisor({
      config: options.config,
      reconnect: options.reconnect,
      transports: options.transports,
      clock: options.clock,
      log: options.log,
      onData: (chunk) => this.receive(chunk),
      connect: (attempt) => this.connect(attempt),
      onTransportGone: (detail) => this.transportGone(detail),
      onStateChange: (state) => {
        options.hooks.stateChanged(state);
        if (state === 'ready') this.startTimers();
      },
      onDown: (error) => options.hooks.down(error),
    });
    this.exchange = new Exchange({
      clock: options.clock,
      write: (bytes) => this.link.write(bytes),
      timeoutMs: options.config.replyTimeoutMs,
      maxQueued: options.config.maxPendingRequests,
      onTimeout: () => this.answerTimedOut(),
    });
  }

  // ---- what each protocol decides ----

  /** Bytes from the device. */
  protected abstract receive(chunk: Buffer): void;
  /** The start-up steps once the port is open; end with finishConnect(). */
  protected abstract connectSteps(attempt: ConnectAttempt): Promise<void>;
  /** What a failed start-up step tells the link (a LinkStepError with the driver's code), or the error. */
  protected abstract connectFailure(error: unknown): unknown;
  /** The answer in flight did not come in time. */
  protected abstract answerTimedOut(): void;
  /** Forgets a partly read answer (the reader's or parser's state). */
  protected abstract clearReceiver(): void;
  /** Reads the axis's position (and what else the report needs); `onFirstWrite` when the question left. */
  protected abstract readAxis(axis: A, onFirstWrite: () => void): Promise<void>;
  /** Writes the running move of the axis; rejects with a DriverCommandError. */
  protected abstract startMove(axis: A, entry: HostMove): Promise<void>;
  /** Starts a jog toward `move.targetCounts` (a soft limit) and marks the axis jogging. */
  protected abstract startJog(axis: A, move: AbsoluteMove): Promise<void>;
  /** MC_Stop on the wire, after the axis's moves were taken from the queue. */
  protected abstract stopAxis(axis: A): Promise<void>;
  /** The software stop's packets, written now; false when they could not be. */
  protected abstract writeSoftwareStop(): boolean;
  /** MC_Reset's device side (faults cleared), before the software stop's latch is released. */
  protected abstract clearFaults(): Promise<void>;
  /** One poll's reads: every axis's position, velocity and whatever completion needs. */
  protected abstract readTelemetry(): Promise<void>;
  /** After a poll: ends the running move of the axis when it is done, starts the next. */
  protected abstract checkProgress(axis: A): void | Promise<void>;
  /** The poll period, ms, or undefined for no poll now. `active`: a move or jog runs. */
  protected abstract pollPeriodMs(active: boolean): number | undefined;
  protected abstract report(axis: A): AxisReport;
  protected abstract stateOf(axis: A): DriverAxisState;
  /** Why the axis cannot move now (disabled, faulted), beyond the link and the software stop. */
  protected abstract moveRefusal(axis: A, what: string): DriverCommandError | undefined;
  /** Health counters that depend on the protocol. */
  protected abstract wireCounters(): Pick<LinkHealth, 'crcErrors' | 'linkErrorReplies'>;

  // ---- life cycle ----

  get id(): string {
    return this.opts.config.id;
  }
  get state(): LinkState {
    return this.link.state;
  }
  get ready(): boolean {
    return this.link.ready;
  }

  start(): void {
    this.link.start();
  }
  close(): Promise<void> {
    return this.link.close();
  }
  whenReady(): Promise<void> {
    return this.link.whenReady();
  }

  health(): LinkHealth {
    return {
      id: this.id,
      path: this.opts.config.path,
      state: this.link.state,
      connected: this.link.ready,
      rttMs: this.exchange.rttMs ?? null,
      retransmits: this.retries,
      timeouts: this.exchange.timeouts,
      ...this.wireCounters(),
      duplicateReplies: 0,
      framesSent: this.exchange.framesSent,
      bytesIn: this.link.bytesIn,
      bytesOut: this.link.bytesOut,
      pendingRequests: this.exchange.pending,
      sessions: this.link.sessions,
      reconnects: this.link.reconnects,
      device: null,
      lastError: this.link.lastError ?? null,
    };
  }

  // ---- PLCopen operations ----

  /** MC_ReadStatus + MC_ReadActualPosition: asked of the device now (onSent once the question left). */
  async read(address: number, options?: SendOptions): Promise<AxisReport> {
    const axis = this.axisOf(address);
    this.assertReady(axis, 'read');
    try {
      await this.readAxis(axis, () => options?.onSent?.(0));
    } catch (error) {
      throw commandFailure(error, `read ${axis.config.name}`, this.ext(axis));
    }
    return this.report(axis);
  }

  /** MC_MoveAbsolute: queued on the host behind the axis's moves; written when it is the first. */
  async move(address: number, move: AbsoluteMove, options?: SendOptions): Promise<void> {
    const axis = this.axisOf(address);
    this.assertCanMove(axis, 'move');
    if (this.queue.full(address))
      throw this.refusal('AXIS_QUEUE_FULL', axis, `${HOST_QUEUE_DEPTH} moves are queued on the host`);
    const entry = this.queue.add(address, move);
    options?.onSent?.(entry.ref);
    const started = this.queue.startNext(address);
    if (started) await this.startMove(axis, started);
  }

  /** Host-emulated MC_MoveVelocity: toward the soft limit in the jog's direction, at its speed. */
  async jog(address: number, velocityCountsPerS: number, accelerationCountsPerS2: number): Promise<void> {
    const axis = this.axisOf(address);
    if (velocityCountsPerS === 0) return this.stop(address);
    this.assertCanMove(axis, 'jog');
    this.abortMoves(axis, 'JOG');
    const limit = velocityCountsPerS > 0 ? axis.config.maxUnits : axis.config.minUnits;
    await this.startJog(axis, {
      targetCounts: positionToCounts(limit, axis.config),
      velocityCountsPerS: Math.abs(velocityCountsPerS),
      accelerationCountsPerS2,
    });
  }

  /** MC_Stop: the running and queued moves end ABORTED (STOP) whether or not the stop reached the wire. */
  async stop(address: number): Promise<void> {
    const axis = this.axisOf(address);
    this.assertReady(axis, 'stop');
    const aborted = this.queue.takeAll(address);
    axis.jogging = false;
    try {
      await this.stopAxis(axis);
    } catch (error) {
      throw commandFailure(error, `stop ${axis.config.name}`, this.ext(axis));
    } finally {
      for (const entry of aborted) this.ended(axis, entry, 'ABORTED', 'STOP');
    }
  }

  async home(address: number): Promise<void> {
    const axis = this.axisOf(address);
    throw new DriverCommandError(
      'NOT_SUPPORTED_BY_CONTROLLER',
      `home ${axis.config.name}: ${this.settings.nothingToHome}`,
      this.ext(axis),
      'failed',
    );
  }

  /**
   * No realtime byte: everything queued is dropped and the driver's stop packets go out now, ahead of
   * everything; every move ends ABORTED (ESTOP). Latched until reset().
   */
  softwareStop(): boolean {
    this.estopLatched = true;
    if (!this.link.open) return false;
    this.exchange.dropQueued('dropped by the software stop');
    for (const axis of this.axes.values()) axis.jogging = false;
    const written = this.writeSoftwareStop();
    for (const axis of this.axes.values()) this.abortMoves(axis, 'ESTOP');
    this.opts.hooks.event({ event: 'ESTOP', fields: { src: 'host' } });
    return written;
  }

  async reset(): Promise<void> {
    if (!this.link.ready)
      throw new DriverCommandError(
        'CONTROLLER_DISCONNECTED',
        `reset: ${this.id} is ${this.link.state}`,
        { controller: this.id },
        'failed',
      );
    await this.clearFaults();
    this.estopLatched = false;
  }

  // ---- connect and loss ----

  private async connect(attempt: ConnectAttempt): Promise<void> {
    try {
      await this.connectSteps(attempt);
    } catch (error) {
      throw this.connectFailure(error);
    }
  }

  /** The last start-up steps: a software stop asked for while the link was down, then the axes' reports. */
  protected finishConnect(attempt: ConnectAttempt): void {
    if (this.opts.hooks.softwareStopPending()) this.softwareStop();
    const reports = new Map<string, AxisReport>();
    for (const axis of this.axes.values()) reports.set(axis.config.name, this.report(axis));
    // The device keeps no session: nothing it forgets changes a position (positions are absolute).
    this.opts.hooks.connected(reports, attempt.firstContact ? undefined : false);
  }

  private transportGone(detail: string): void {
    this.stopTimers();
    this.exchange.failAll(detail);
    this.endResync();
    // Moves that never started certainly never will: ABORTED. A running one's fate is unknown.
    for (const entry of this.queue.takeWaiting()) {
      const axis = this.axes.get(entry.axis);
      if (axis) this.ended(axis, entry, 'ABORTED', 'LINK_LOST');
    }
    this.queue.clear();
    for (const axis of this.axes.values()) axis.jogging = false;
  }

  // ---- polling: telemetry and completion ----

  /** The link became ready. */
  protected startTimers(): void {
    this.schedulePoll();
  }

  protected stopTimers(): void {
    this.cancelPoll?.();
    this.cancelPoll = undefined;
  }

  protected schedulePoll(): void {
    if (this.cancelPoll || this.polling || !this.link.ready) return;
    const active = [...this.axes.values()].some((axis) => this.isActive(axis));
    const periodMs = this.pollPeriodMs(active);
    if (periodMs === undefined) return;
    this.cancelPoll = this.opts.clock.after(periodMs, () => {
      this.cancelPoll = undefined;
      void this.poll();
    });
  }

  /** The telemetry period streamHz asks for, ms, or undefined when telemetry is off. */
  protected streamPeriodMs(): number | undefined {
    const hz = this.opts.config.streamHz;
    return hz > 0 ? Math.max(5, Math.round(1000 / hz)) : undefined;
  }

  /** One round: the reads, a POS event, then the end of the moves that arrived. */
  private async poll(): Promise<void> {
    if (!this.link.ready) return;
    this.polling = true;
    try {
      await this.readTelemetry();
      const samples = [...this.axes.values()]
        .filter((axis) => this.knowsPosition(axis))
        .map((axis) => ({
          axis: axis.address,
          positionCounts: axis.position!,
          velocityCountsPerS: axis.velocity,
          state: this.stateOf(axis),
          queueDepth: this.queue.depth(axis.address),
        }));
      if (samples.length > 0) this.opts.hooks.event({ event: 'POS', samples });
      for (const axis of this.axes.values()) await this.checkProgress(axis);
    } catch {
      // A read that failed for good counts toward losing the link (the driver's rule); the next poll, or
      // the next connect, reads again.
    } finally {
      this.polling = false;
    }
    this.schedulePoll();
  }

  /** Whether the axis's position is known (a POS sample carries it). */
  protected knowsPosition(axis: A): boolean {
    return axis.position !== undefined;
  }

  protected isActive(axis: A): boolean {
    return this.queue.depth(axis.address) > 0 || axis.jogging;
  }

  // ---- resynchronisation ----

  /** After a lost or damaged answer: nothing is written until the line has been quiet for a while. */
  protected startResync(): void {
    this.clearReceiver();
    if (!this.resyncing) {
      this.resyncing = true;
      this.exchange.hold();
    }
    this.quietThenResume();
  }

  /** (Re)starts the quiet period: bytes that still arrive belong to a question given up on. */
  protected quietThenResume(): void {
    this.cancelQuiet?.();
    this.cancelQuiet = this.opts.clock.after(this.settings.resyncQuietMs, () => {
      this.cancelQuiet = undefined;
      this.resyncing = false;
      this.clearReceiver();
      this.exchange.release();
    });
  }

  /** Ends a resynchronisation at once (a new port: nothing on it belongs to an old question). */
  protected endResync(): void {
    this.clearReceiver();
    this.cancelQuiet?.();
    this.cancelQuiet = undefined;
    if (this.resyncing) {
      this.resyncing = false;
      this.exchange.release();
    }
  }

  // ---- the host queue's events ----

  /** Writes the next queued move of the axis, if any (a failure to write ends it: startMove). */
  protected async startNextMove(axis: A): Promise<void> {
    if (this.estopLatched) return;
    const next = this.queue.startNext(axis.address);
    if (next) await this.startMove(axis, next).catch(() => {});
  }

  protected abortMoves(axis: A, why: string): void {
    for (const entry of this.queue.takeAll(axis.address)) this.ended(axis, entry, 'ABORTED', why);
  }

  /** The running move is over: DONE or ABORTED, then the next queued one is written. */
  protected finishRunning(axis: A, entry: HostMove, outcome: 'DONE' | 'ABORTED', why?: string): void {
    this.queue.finishRunning(axis.address);
    this.ended(axis, entry, outcome, why);
  }

  protected ended(axis: A, entry: HostMove, outcome: 'DONE' | 'ABORTED', why?: string): void {
    const pos = axis.position ?? 0;
    this.opts.hooks.event({
      event: outcome,
      axis: axis.address,
      ref: entry.ref,
      positionCounts: pos,
      fields: { axis: axis.address, ref: entry.ref, pos, ...(why === undefined ? {} : { why }) },
    });
  }

  /** A rate the device cannot express is clamped; the API hears of it as a NOTICE. */
  protected reportClamp(
    axis: A,
    what: 'velocity' | 'acceleration',
    askedCounts: number,
    rate: DeviceRate,
  ): void {
    if (rate.clamped === 'none') return;
    this.opts.hooks.event({
      event: 'NOTICE',
      axis: axis.address,
      fields: {
        name: 'RATE_CLAMPED',
        what,
        asked: askedCounts,
        sent: rate.effective,
        [this.settings.rateUnitsField]: rate.units,
        clamped: rate.clamped,
      },
    });
  }

  // ---- refusals ----

  protected axisOf(address: number): A {
    const axis = this.axes.get(address);
    if (!axis)
      throw new DriverCommandError(
        'INTERNAL_ERROR',
        `${this.settings.addressName} ${address} is not configured on ${this.id}`,
        { controller: this.id },
        'failed',
      );
    return axis;
  }

  protected ext(axis: A): ProblemExtensions {
    return { axis: axis.config.name, controller: this.id };
  }

  protected refusal(
    code: 'AXIS_ESTOP' | 'AXIS_DISABLED' | 'AXIS_QUEUE_FULL' | 'AXIS_FAULT' | 'AXIS_BUSY',
    axis: A,
    detail: string,
  ): DriverCommandError {
    return new DriverCommandError(code, `${axis.config.name}: ${detail}`, this.ext(axis), 'failed');
  }

  protected assertReady(axis: A, what: string): void {
    if (!this.link.ready)
      throw new DriverCommandError(
        'CONTROLLER_DISCONNECTED',
        `${what} ${axis.config.name}: ${this.id} is ${this.link.state}`,
        this.ext(axis),
        'failed',
      );
  }

  protected assertCanMove(axis: A, what: string): void {
    this.assertReady(axis, what);
    if (this.estopLatched) throw this.refusal('AXIS_ESTOP', axis, 'the software stop is latched');
    const refusal = this.moveRefusal(axis, what);
    if (refusal) throw refusal;
  }

  /** Awaits the writes of a command; a failure is the command's. */
  protected async settleWrites(axis: A, what: string, writes: Promise<unknown>[]): Promise<void> {
    try {
      await Promise.all(writes);
    } catch (error) {
      throw commandFailure(error, `${what} ${axis.config.name}`, this.ext(axis));
    }
  }
}
