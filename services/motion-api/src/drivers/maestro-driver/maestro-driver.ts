// The Pololu Maestro driver: hobby RC servos on a Micro Maestro 6 or a Mini Maestro 12/18/24, through its
// USB Command Port, with the pure codec in ../maestro. The Maestro queues nothing and reports nothing by
// itself (Pololu Maestro User's Guide §5.e), so the driver keeps a move queue per channel on the host,
// gives each move its speed and acceleration (Set Speed, Set Acceleration), and learns that a move is done
// by polling Get Position until it reads the target; Get Moving State only confirms a stall (it is
// unreliable on the Micro Maestro, §5.e). Get Errors is read on connect and every errorPollMs, its bits
// reported by name: every serial error sends every servo to its home setting (§4.b Errors), so the moves
// in progress are aborted. There is no realtime stop: the software stop is a Set Target per channel,
// written ahead of everything queued (hold: the position last read; limp: 0, no pulses).

import type { AxisConfig } from '../../config/schema.js';
import type { ProblemExtensions } from '../../errors.js';
import { positionToCounts } from '../../units.js';
import {
  type AbsoluteMove,
  type AxisReport,
  type ControllerDriver,
  type DriverAxisState,
  type DriverCapabilities,
  DriverCommandError,
  type DriverOptions,
  type LinkHealth,
  type LinkState,
  type SendOptions,
  type SoftwareStopMode,
} from '../driver.js';
import { commandFailure, DeviceAnswerError } from '../host-link/command-failure.js';
import { Exchange, ExchangeError } from '../host-link/exchange.js';
import { type HostMove, HostMoveQueue } from '../host-link/host-queue.js';
import { type ConnectAttempt, LinkStepError, LinkSupervisor } from '../host-link/link-supervisor.js';
import {
  encodeMaestroCommand,
  MAESTRO_TARGET_MAX_QUARTER_US,
  type MaestroChannelCount,
  type MaestroCommand,
  type MaestroFraming,
  type MaestroQuery,
  type MaestroReply,
  type MaestroReplyItem,
  MaestroReplyReader,
} from '../maestro/index.js';
import { type MaestroRate, maestroAcceleration, maestroSpeed } from './rates.js';
import { maestroNoReplyMessage } from './uart-mode-help.js';

/** Moves waiting per channel on the host, the running one included. */
const HOST_QUEUE_DEPTH = 64;
/** Polls while moves run when telemetry is off (streamHz 0): completion still needs them. */
const COMPLETION_POLL_MS = 50;
/** A running move whose position has not changed for this many polls is checked for a stall. */
const STALL_POLLS = 3;
/** Bad answers in a row after which the device is taken for something that is not a Maestro. */
const MAX_BAD_REPLIES = 8;

interface Channel {
  readonly config: AxisConfig;
  readonly channel: number;
  readonly softwareStop: SoftwareStopMode;
  /** MC_Power: false keeps the channel limp (target 0) and refuses moves. */
  enabled: boolean;
  /** Last Get Position, quarter-µs; 0 = no pulses (the servo is limp, its position unknown). */
  position: number | undefined;
  positionAtMs: number | undefined;
  /** Estimated from the last two reads, quarter-µs/s. */
  velocity: number;
  /** The target last written, quarter-µs (0 = off). */
  target: number | undefined;
  /** Set Speed / Set Acceleration last written (undefined: unknown, write before the next move). */
  speedUnits: number | undefined;
  accelerationUnits: number | undefined;
  unchangedPolls: number;
  /** A jog (host-emulated MC_MoveVelocity) is running toward a soft limit. */
  jogging: boolean;
}

export function maestroCapabilities(protocol: 'compact' | 'pololu', crc7: boolean): DriverCapabilities {
  return {
    protocol: `maestro-${protocol}${crc7 ? '+crc7' : ''}`,
    moveQueue: 'host',
    completion: 'polling',
    // A servo's position is its pulse width: known without homing.
    position: 'absolute',
    // The Maestro's serial timeout exists, but is set in the Control Center, not over serial (§5.a).
    hardwareWatchdog: false,
    positionTriggeredMoves: false,
    realtimeStop: false,
    commands: {
      // Pulses on with the first Set Target, off with Set Target 0 (§5.e).
      power: 'native',
      home: 'none',
      // A Set Target to the soft limit at the jog's speed.
      jog: 'host',
      // Set Multiple Targets (Mini Maestro) starts a contiguous block in one packet; otherwise back to back.
      coordinatedStart: 'host',
    },
  };
}

export class MaestroDriver implements ControllerDriver {
  readonly kind = 'maestro' as const;
  readonly capabilities: DriverCapabilities;
  private readonly opts: DriverOptions;
  private readonly framing: MaestroFraming;
  private readonly channelCount: MaestroChannelCount;
  private readonly link: LinkSupervisor;
  private readonly exchange: Exchange;
  private readonly reader = new MaestroReplyReader();
  private readonly queue = new HostMoveQueue(HOST_QUEUE_DEPTH);
  private readonly channels = new Map<number, Channel>();
  private estopLatched = false;
  private resyncing = false;
  private cancelQuiet: (() => void) | undefined;
  private cancelPoll: (() => void) | undefined;
  private cancelErrorPoll: (() => void) | undefined;
  private polling = false;
  private consecutiveTimeouts = 0;
  /** Bad answers in a row (reset by a good one). */
  private badReplies = 0;
  /** Over the life of the driver: answers that were not a Maestro's, and chunks nobody asked for. */
  private badAnswersTotal = 0;
  private unaskedChunks = 0;
  private retries = 0;

  constructor(options: DriverOptions) {
    this.opts = options;
    const settings = options.config.maestro;
    if (!settings) throw new Error(`controller ${options.config.id}: driver maestro needs maestro.channels`);
    this.channelCount = settings.channels;
    this.framing = {
      protocol: settings.protocol,
      deviceNumber: settings.deviceNumber,
      crc: settings.crc7,
      channels: settings.channels,
    };
    this.capabilities = maestroCapabilities(settings.protocol, settings.crc7);
    for (const axis of options.axes) {
      this.channels.set(axis.axis, {
        config: axis,
        channel: axis.axis,
        softwareStop: axis.softwareStop ?? 'hold',
        enabled: false,
        position: undefined,
        positionAtMs: undefined,
        velocity: 0,
        target: undefined,
        speedUnits: undefined,
        accelerationUnits: undefined,
        unchangedPolls: 0,
        jogging: false,
      });
    }
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
      onTimeout: () => this.answerLost(),
    });
  }

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
      crcErrors: this.badAnswersTotal + this.unaskedChunks,
      linkErrorReplies: 0,
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

  async read(axis: number, options?: SendOptions): Promise<AxisReport> {
    const ch = this.channelOf(axis);
    this.assertReady(ch, 'read');
    try {
      await this.readPosition(ch, () => options?.onSent?.(0));
    } catch (error) {
      throw commandFailure(error, `read ${ch.config.name}`, this.ext(ch));
    }
    return this.report(ch);
  }

  async move(axis: number, move: AbsoluteMove, options?: SendOptions): Promise<void> {
    const ch = this.channelOf(axis);
    this.assertCanMove(ch, 'move');
    if (this.queue.full(axis))
      throw this.refusal('AXIS_QUEUE_FULL', ch, `${HOST_QUEUE_DEPTH} moves are queued on the host`);
    const entry = this.queue.add(axis, move);
    options?.onSent?.(entry.ref);
    const started = this.queue.startNext(axis);
    if (started) await this.startMove(ch, started);
  }

  moveTogether(
    legs: readonly { axis: number; move: AbsoluteMove; options?: SendOptions }[],
  ): Promise<void>[] {
    let block: ReturnType<MaestroDriver['contiguousIdleBlock']>;
    try {
      block = this.contiguousIdleBlock(legs);
    } catch (error) {
      return legs.map(() => Promise.reject(error));
    }
    if (!block) return legs.map((leg) => this.move(leg.axis, leg.move, leg.options));
    // §5.e Set Multiple Targets: one packet starts the whole block (Mini Maestro only).
    const entries = block.map(({ ch, leg }) => {
      const entry = this.queue.add(ch.channel, leg.move);
      leg.options?.onSent?.(entry.ref);
      this.queue.startNext(ch.channel);
      return { ch, entry };
    });
    const rates = entries.map(({ ch, entry }) => this.writeRates(ch, entry.move));
    for (const { ch, entry } of entries) this.beginMotion(ch, entry.move.targetCounts);
    const first = Math.min(...entries.map(({ ch }) => ch.channel));
    const targets = [...entries]
      .sort((a, b) => a.ch.channel - b.ch.channel)
      .map(({ entry }) => entry.move.targetCounts);
    const sent = Promise.all([
      ...rates,
      this.send({ command: 'setMultipleTargets', firstChannel: first, targetsQuarterUs: targets }),
    ]).then(() => {});
    return legs.map((leg) => {
      const { ch } = block.find((b) => b.leg === leg)!;
      return sent.catch((error) => {
        this.queue.finishRunning(ch.channel);
        throw commandFailure(error, `move ${ch.config.name}`, this.ext(ch));
      });
    });
  }

  async jog(axis: number, velocityCountsPerS: number, accelerationCountsPerS2: number): Promise<void> {
    const ch = this.channelOf(axis);
    if (velocityCountsPerS === 0) return this.stop(axis);
    this.assertCanMove(ch, 'jog');
    // Host-emulated MC_MoveVelocity: toward the soft limit in the jog's direction, at its speed.
    this.abortMoves(ch, 'JOG');
    const limit = velocityCountsPerS > 0 ? ch.config.maxUnits : ch.config.minUnits;
    const target = clampTarget(positionToCounts(limit, ch.config));
    const sends = this.writeRates(ch, {
      targetCounts: target,
      velocityCountsPerS: Math.abs(velocityCountsPerS),
      accelerationCountsPerS2,
    });
    this.beginMotion(ch, target);
    ch.jogging = true;
    await this.settleWrites(ch, 'jog', [
      sends,
      this.send({ command: 'setTarget', channel: axis, targetQuarterUs: target }),
    ]);
  }

  async stop(axis: number): Promise<void> {
    const ch = this.channelOf(axis);
    this.assertReady(ch, 'stop');
    const aborted = this.queue.takeAll(axis);
    ch.jogging = false;
    // MC_Stop: the channel's target becomes where it is now; with an acceleration limit the Maestro
    // ramps down to it (§5.e Set Acceleration).
    let position: number;
    try {
      position = await this.readPosition(ch);
    } catch (error) {
      for (const entry of aborted) this.ended(ch, entry, 'ABORTED', 'STOP');
      throw commandFailure(error, `stop ${ch.config.name}`, this.ext(ch));
    }
    if (position !== 0) {
      await this.settleWrites(ch, 'stop', [
        this.send({ command: 'setTarget', channel: axis, targetQuarterUs: position }),
      ]);
      ch.target = position;
    }
    for (const entry of aborted) this.ended(ch, entry, 'ABORTED', 'STOP');
  }

  async power(axis: number, on: boolean): Promise<void> {
    const ch = this.channelOf(axis);
    this.assertReady(ch, on ? 'enable' : 'disable');
    if (on) {
      // Pulses start with the next Set Target: a limp servo then jumps to it at its own speed, since the
      // Maestro cannot ramp from a position it does not know (§5.e Go Home).
      ch.enabled = true;
      return;
    }
    this.abortMoves(ch, 'DISABLE');
    ch.enabled = false;
    ch.jogging = false;
    await this.settleWrites(ch, 'disable', [
      this.send({ command: 'setTarget', channel: axis, targetQuarterUs: 0 }),
    ]);
    ch.target = 0;
    ch.position = 0;
  }

  async home(axis: number): Promise<void> {
    const ch = this.channelOf(axis);
    throw new DriverCommandError(
      'NOT_SUPPORTED_BY_CONTROLLER',
      `home ${ch.config.name}: a Maestro channel's position is its pulse width; there is nothing to home`,
      this.ext(ch),
      'failed',
    );
  }

  /**
   * No realtime byte: one Set Target per channel, written now, ahead of every queued command (which is
   * dropped). hold: the position last read (the servo ramps back to it at its acceleration setting);
   * limp: 0, no pulses.
   */
  softwareStop(): boolean {
    this.estopLatched = true;
    if (!this.link.open) return false;
    this.exchange.dropQueued('dropped by the software stop');
    const packets: Buffer[] = [];
    for (const ch of this.channels.values()) {
      ch.jogging = false;
      const hold = ch.softwareStop === 'hold';
      const target = hold ? (ch.position ?? 0) : 0;
      // A limp channel stays limp either way; hold never turns pulses on.
      if (hold && target === 0) continue;
      packets.push(
        encodeMaestroCommand(
          { command: 'setTarget', channel: ch.channel, targetQuarterUs: target },
          this.framing,
        ),
      );
      ch.target = target;
      if (!hold) ch.enabled = false;
    }
    const written = packets.length === 0 || this.exchange.writeNow(Buffer.concat(packets));
    for (const ch of this.channels.values()) this.abortMoves(ch, 'ESTOP');
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
    this.estopLatched = false;
  }

  // ---- connect ----

  private async connect(attempt: ConnectAttempt): Promise<void> {
    try {
      await this.connectSteps(attempt);
    } catch (error) {
      if (error instanceof BadReply) throw new LinkStepError('MAESTRO_BAD_REPLY', error.message);
      if (error instanceof ExchangeError && error.code === 'EXCHANGE_TIMEOUT')
        throw new LinkStepError(
          'MAESTRO_NO_REPLY',
          maestroNoReplyMessage(this.opts.config.path, this.opts.config.maxRetransmits + 1),
        );
      throw error;
    }
  }

  private async connectSteps(attempt: ConnectAttempt): Promise<void> {
    this.resetReader();
    this.consecutiveTimeouts = 0;
    this.badReplies = 0;
    // 1. Get Errors: proves the Command Port answers (and reads the register, which clears it).
    let errors: Extract<MaestroReply, { command: 'getErrors' }>;
    try {
      errors = (await attempt.step(this.query({ command: 'getErrors' }, 'Get Errors'))) as typeof errors;
    } catch (error) {
      if (error instanceof ExchangeError && error.code === 'EXCHANGE_TIMEOUT')
        throw new LinkStepError(
          'MAESTRO_NO_REPLY',
          maestroNoReplyMessage(this.opts.config.path, this.opts.config.maxRetransmits + 1),
        );
      throw error;
    }
    this.reportErrors(errors);
    // 2. Where every configured channel is: pulses on (a position) or off (0, limp).
    attempt.setState('configuring');
    for (const ch of this.channels.values()) {
      const position = await attempt.step(this.readPosition(ch));
      ch.enabled = position !== 0;
      ch.target = position;
      ch.velocity = 0;
      ch.speedUnits = undefined;
      ch.accelerationUnits = undefined;
      ch.jogging = false;
    }
    // 3. A software stop asked for while the link was down.
    if (this.opts.hooks.softwareStopPending()) this.softwareStop();
    const reports = new Map<string, AxisReport>();
    for (const ch of this.channels.values()) reports.set(ch.config.name, this.report(ch));
    // A Maestro keeps no session: nothing it forgets changes a position (positions are absolute).
    this.opts.hooks.connected(reports, attempt.firstContact ? undefined : false);
  }

  private transportGone(detail: string): void {
    this.stopTimers();
    this.exchange.failAll(detail);
    this.resetReader();
    // Moves that never started certainly never will: ABORTED. A running one's fate is unknown.
    for (const entry of this.queue.takeWaiting()) {
      const ch = this.channels.get(entry.axis);
      if (ch) this.ended(ch, entry, 'ABORTED', 'LINK_LOST');
    }
    this.queue.clear();
    for (const ch of this.channels.values()) ch.jogging = false;
  }

  // ---- polling: telemetry, completion, errors ----

  private startTimers(): void {
    this.schedulePoll();
    this.cancelErrorPoll?.();
    const every = this.opts.config.maestro!.errorPollMs;
    const tick = () => {
      this.cancelErrorPoll = this.opts.clock.after(every, () => {
        if (!this.link.ready) return;
        this.query({ command: 'getErrors' }, 'Get Errors').then(
          (reply) => this.reportErrors(reply as Extract<MaestroReply, { command: 'getErrors' }>),
          () => {},
        );
        tick();
      });
    };
    tick();
  }

  private stopTimers(): void {
    this.cancelPoll?.();
    this.cancelPoll = undefined;
    this.cancelErrorPoll?.();
    this.cancelErrorPoll = undefined;
  }

  private schedulePoll(): void {
    if (this.cancelPoll || this.polling || !this.link.ready) return;
    const hz = this.opts.config.streamHz;
    const active = [...this.channels.values()].some((ch) => this.isActive(ch));
    if (hz === 0 && !active) return;
    const periodMs = hz > 0 ? Math.max(5, Math.round(1000 / hz)) : COMPLETION_POLL_MS;
    this.cancelPoll = this.opts.clock.after(periodMs, () => {
      this.cancelPoll = undefined;
      void this.poll();
    });
  }

  /** One round: Get Position of every channel, a POS event, then the end of the moves that arrived. */
  private async poll(): Promise<void> {
    if (!this.link.ready) return;
    this.polling = true;
    try {
      for (const ch of this.channels.values()) await this.readPosition(ch);
      const samples = [...this.channels.values()]
        .filter((ch) => ch.position !== undefined && ch.position !== 0)
        .map((ch) => ({
          axis: ch.channel,
          positionCounts: ch.position!,
          velocityCountsPerS: ch.velocity,
          state: this.stateOf(ch),
          queueDepth: this.queue.depth(ch.channel),
        }));
      if (samples.length > 0) this.opts.hooks.event({ event: 'POS', samples });
      for (const ch of this.channels.values()) await this.checkProgress(ch);
    } catch {
      // A read that failed for good has declared the link lost; the next connect polls again.
    } finally {
      this.polling = false;
    }
    this.schedulePoll();
  }

  private async checkProgress(ch: Channel): Promise<void> {
    const running = this.queue.running(ch.channel);
    if (ch.jogging && ch.position === ch.target) ch.jogging = false;
    if (!running) return;
    // Done when Get Position, the speed- and acceleration-limited output, reads the target (§5.e).
    if (ch.position === running.move.targetCounts) {
      this.queue.finishRunning(ch.channel);
      this.ended(ch, running, 'DONE');
      await this.startNextMove(ch);
      return;
    }
    if (ch.unchangedPolls < STALL_POLLS) return;
    // Standing still short of its target: the channel's Min/Max (set in the Control Center) clamped it.
    // Get Moving State confirms (it may answer 0 while moving on a Micro, never 1 while still: §5.e).
    const moving = (await this.query({ command: 'getMovingState' }, 'Get Moving State')) as Extract<
      MaestroReply,
      { command: 'getMovingState' }
    >;
    if (moving.moving || this.queue.running(ch.channel) !== running || ch.unchangedPolls < STALL_POLLS)
      return;
    this.opts.log.warn(
      {
        controller: this.id,
        axis: ch.config.name,
        targetCounts: running.move.targetCounts,
        positionCounts: ch.position,
      },
      'motion.maestro.target_clamped',
    );
    this.queue.finishRunning(ch.channel);
    this.ended(ch, running, 'ABORTED', 'CLAMPED');
    await this.startNextMove(ch);
  }

  private reportErrors(reply: Extract<MaestroReply, { command: 'getErrors' }>): void {
    if (reply.register === 0) return;
    this.opts.log.warn({ controller: this.id, errors: reply.errors }, 'motion.maestro.errors');
    // §4.b: every error sent every servo to its home setting: the moves in progress are over.
    for (const ch of this.channels.values()) {
      ch.jogging = false;
      this.abortMoves(ch, 'MAESTRO_ERROR');
    }
    this.opts.hooks.event({
      event: 'ERRORS',
      axis: null,
      fields: { errors: [...reply.errors], register: reply.register, unknownBits: [...reply.unknownBits] },
    });
  }

  // ---- moves ----

  private async startNextMove(ch: Channel): Promise<void> {
    if (this.estopLatched) return;
    const next = this.queue.startNext(ch.channel);
    if (next) await this.startMove(ch, next).catch(() => {});
  }

  /** Set Speed and Set Acceleration where they change, then Set Target. Resolves once written. */
  private async startMove(ch: Channel, entry: HostMove): Promise<void> {
    const rates = this.writeRates(ch, entry.move);
    this.beginMotion(ch, entry.move.targetCounts);
    const target = this.send({
      command: 'setTarget',
      channel: ch.channel,
      targetQuarterUs: entry.move.targetCounts,
    });
    try {
      await Promise.all([rates, target]);
    } catch (error) {
      if (this.queue.running(ch.channel) === entry) this.queue.finishRunning(ch.channel);
      throw commandFailure(error, `move ${ch.config.name}`, this.ext(ch));
    }
  }

  private beginMotion(ch: Channel, target: number): void {
    ch.target = target;
    ch.unchangedPolls = 0;
    this.schedulePoll();
  }

  /** Set Speed and Set Acceleration for a move, where they differ from what the channel has. */
  private writeRates(ch: Channel, move: AbsoluteMove): Promise<unknown> {
    const speed = maestroSpeed(move.velocityCountsPerS);
    const acceleration = maestroAcceleration(move.accelerationCountsPerS2);
    this.reportClamp(ch, 'velocity', move.velocityCountsPerS, speed);
    this.reportClamp(ch, 'acceleration', move.accelerationCountsPerS2, acceleration);
    const writes: Promise<unknown>[] = [];
    if (ch.speedUnits !== speed.units) {
      writes.push(
        this.send({ command: 'setSpeed', channel: ch.channel, speedQuarterUsPer10Ms: speed.units }),
      );
      ch.speedUnits = speed.units;
    }
    if (ch.accelerationUnits !== acceleration.units) {
      writes.push(
        this.send({
          command: 'setAcceleration',
          channel: ch.channel,
          accelerationQuarterUsPer10MsPer80Ms: acceleration.units,
        }),
      );
      ch.accelerationUnits = acceleration.units;
    }
    return Promise.all(writes).catch((error) => {
      // Not written: unknown what the channel has now.
      ch.speedUnits = undefined;
      ch.accelerationUnits = undefined;
      throw error;
    });
  }

  /** A rate the Maestro cannot express is clamped; the API hears of it as a NOTICE. */
  private reportClamp(
    ch: Channel,
    what: 'velocity' | 'acceleration',
    askedCounts: number,
    rate: MaestroRate,
  ): void {
    if (rate.clamped === 'none') return;
    this.opts.hooks.event({
      event: 'NOTICE',
      axis: ch.channel,
      fields: {
        name: 'RATE_CLAMPED',
        what,
        asked: askedCounts,
        sent: rate.effective,
        maestroUnits: rate.units,
        clamped: rate.clamped,
      },
    });
  }

  private abortMoves(ch: Channel, why: string): void {
    for (const entry of this.queue.takeAll(ch.channel)) this.ended(ch, entry, 'ABORTED', why);
  }

  private ended(ch: Channel, entry: HostMove, outcome: 'DONE' | 'ABORTED', why?: string): void {
    const pos = ch.position ?? 0;
    this.opts.hooks.event({
      event: outcome,
      axis: ch.channel,
      ref: entry.ref,
      positionCounts: pos,
      fields: { axis: ch.channel, ref: entry.ref, pos, ...(why === undefined ? {} : { why }) },
    });
  }

  /** The legs when they are a contiguous block of idle channels on a Mini Maestro, else undefined. */
  private contiguousIdleBlock(
    legs: readonly { axis: number; move: AbsoluteMove; options?: SendOptions }[],
  ): { ch: Channel; leg: (typeof legs)[number] }[] | undefined {
    if (this.channelCount === 6 || legs.length < 2) return undefined;
    const block = legs.map((leg) => ({ ch: this.channels.get(leg.axis), leg }));
    if (block.some((b) => !b.ch)) return undefined;
    const numbers = block.map((b) => b.ch!.channel).sort((a, b) => a - b);
    if (numbers.some((n, i) => i > 0 && n !== numbers[i - 1]! + 1)) return undefined;
    for (const b of block) {
      this.assertCanMove(b.ch!, 'move');
      if (this.queue.depth(b.ch!.channel) > 0) return undefined;
    }
    return block as { ch: Channel; leg: (typeof legs)[number] }[];
  }

  // ---- the wire ----

  private send(command: MaestroCommand): Promise<unknown> {
    return this.exchange.run({
      bytes: encodeMaestroCommand(command, this.framing),
      answered: false,
      what: command.command,
    });
  }

  /** Get Position, retried on a lost or damaged answer (a read may be asked again). */
  private async readPosition(ch: Channel, onFirstWrite?: () => void): Promise<number> {
    const reply = (await this.query(
      { command: 'getPosition', channel: ch.channel },
      `Get Position ${ch.channel}`,
      onFirstWrite,
    )) as Extract<MaestroReply, { command: 'getPosition' }>;
    this.observe(ch, reply.positionQuarterUs);
    return reply.positionQuarterUs;
  }

  private observe(ch: Channel, position: number): void {
    const now = this.opts.clock.monotonicMs();
    if (
      ch.position !== undefined &&
      ch.positionAtMs !== undefined &&
      now > ch.positionAtMs &&
      ch.position !== 0 &&
      position !== 0
    )
      ch.velocity = ((position - ch.position) * 1000) / (now - ch.positionAtMs);
    else ch.velocity = 0;
    ch.unchangedPolls = position === ch.position && position !== ch.target ? ch.unchangedPolls + 1 : 0;
    ch.position = position;
    ch.positionAtMs = now;
  }

  /** A Get command and its answer; a timeout or a damaged answer is retried up to maxRetransmits times. */
  private async query(query: MaestroQuery, what: string, onFirstWrite?: () => void): Promise<MaestroReply> {
    for (let attempt = 0; ; attempt++) {
      try {
        const item = await this.exchange.run<MaestroReplyItem>({
          bytes: encodeMaestroCommand(query, this.framing),
          answered: true,
          what,
          onWritten: () => {
            this.reader.expect(query);
            if (attempt === 0) onFirstWrite?.();
          },
        });
        const problem = item.kind === 'error' ? item.detail : implausible(item);
        if (problem !== undefined) throw new BadReply(`${what}: ${problem}`);
        this.consecutiveTimeouts = 0;
        this.badReplies = 0;
        return item as MaestroReply;
      } catch (error) {
        const retriable =
          error instanceof BadReply || (error instanceof ExchangeError && error.code === 'EXCHANGE_TIMEOUT');
        if (error instanceof BadReply) this.badAnswer(error.message);
        if (!retriable || attempt >= this.opts.config.maxRetransmits) throw error;
        this.retries++;
      }
    }
  }

  private receive(chunk: Buffer): void {
    if (this.resyncing) {
      // After a lost answer: whatever still comes belongs to a question given up on.
      this.unaskedChunks++;
      this.quietThenResume();
      return;
    }
    this.reader.push(chunk, (item) => {
      if (item.kind === 'error' && item.code === 'MAESTRO_UNEXPECTED_BYTES') {
        // A Maestro never speaks unasked.
        this.unaskedChunks++;
        return;
      }
      this.exchange.settle(item);
    });
  }

  /** An answer did not come in time: resynchronise, and give up on the device after too many. */
  private answerLost(): void {
    this.consecutiveTimeouts++;
    this.startResync();
    if (this.link.ready && this.consecutiveTimeouts > this.opts.config.maxRetransmits)
      this.link.lost(
        'MAESTRO_NO_REPLY',
        maestroNoReplyMessage(this.opts.config.path, this.consecutiveTimeouts),
      );
  }

  private badAnswer(detail: string): void {
    this.badReplies++;
    this.badAnswersTotal++;
    this.startResync();
    this.link.noteError('MAESTRO_BAD_REPLY', detail);
    if (this.link.ready && this.badReplies >= MAX_BAD_REPLIES)
      this.link.lost(
        'MAESTRO_BAD_REPLY',
        `${this.badReplies} answers in a row were not a Maestro's: ${detail}`,
      );
  }

  /** Answers are positional (§5.d: no framing): after a loss, wait for the line to fall quiet first. */
  private startResync(): void {
    this.reader.abandon();
    if (!this.resyncing) {
      this.resyncing = true;
      this.exchange.hold();
    }
    this.quietThenResume();
  }

  private quietThenResume(): void {
    this.cancelQuiet?.();
    const quietMs = Math.max(20, Math.min(100, Math.round(this.opts.config.replyTimeoutMs / 2)));
    this.cancelQuiet = this.opts.clock.after(quietMs, () => {
      this.cancelQuiet = undefined;
      this.resyncing = false;
      this.exchange.release();
    });
  }

  private resetReader(): void {
    this.reader.abandon();
    this.cancelQuiet?.();
    this.cancelQuiet = undefined;
    if (this.resyncing) {
      this.resyncing = false;
      this.exchange.release();
    }
  }

  // ---- state ----

  private report(ch: Channel): AxisReport {
    const off = ch.position === 0 || ch.position === undefined;
    return {
      positionCounts: off ? null : ch.position!,
      velocityCountsPerS: off ? 0 : ch.velocity,
      targetCounts: ch.target === undefined || ch.target === 0 ? null : ch.target,
      state: this.stateOf(ch),
      queueDepth: this.queue.depth(ch.channel),
    };
  }

  private stateOf(ch: Channel): DriverAxisState {
    if (this.estopLatched) return 'ESTOP';
    if (!ch.enabled) return 'DISABLED';
    return this.isActive(ch) ? 'MOVING' : 'IDLE';
  }

  private isActive(ch: Channel): boolean {
    return this.queue.depth(ch.channel) > 0 || ch.jogging;
  }

  private channelOf(axis: number): Channel {
    const ch = this.channels.get(axis);
    if (!ch)
      throw new DriverCommandError(
        'INTERNAL_ERROR',
        `channel ${axis} is not configured on ${this.id}`,
        { controller: this.id },
        'failed',
      );
    return ch;
  }

  private ext(ch: Channel): ProblemExtensions {
    return { axis: ch.config.name, controller: this.id };
  }

  private refusal(
    code: 'AXIS_ESTOP' | 'AXIS_DISABLED' | 'AXIS_QUEUE_FULL',
    ch: Channel,
    detail: string,
  ): DriverCommandError {
    return new DriverCommandError(code, `${ch.config.name}: ${detail}`, this.ext(ch), 'failed');
  }

  private assertReady(ch: Channel, what: string): void {
    if (!this.link.ready)
      throw new DriverCommandError(
        'CONTROLLER_DISCONNECTED',
        `${what} ${ch.config.name}: ${this.id} is ${this.link.state}`,
        this.ext(ch),
        'failed',
      );
  }

  private assertCanMove(ch: Channel, what: string): void {
    this.assertReady(ch, what);
    if (this.estopLatched) throw this.refusal('AXIS_ESTOP', ch, 'the software stop is latched');
    if (!ch.enabled)
      throw this.refusal('AXIS_DISABLED', ch, 'the channel is off (no pulses); enable it first');
  }

  private async settleWrites(ch: Channel, what: string, writes: Promise<unknown>[]): Promise<void> {
    try {
      await Promise.all(writes);
    } catch (error) {
      throw commandFailure(error, `${what} ${ch.config.name}`, this.ext(ch));
    }
  }
}

class BadReply extends DeviceAnswerError {}

/** What a Maestro cannot have answered: a position beyond 14 bits, error bits the guide does not name. */
function implausible(reply: MaestroReply): string | undefined {
  if (reply.command === 'getPosition' && reply.positionQuarterUs > MAESTRO_TARGET_MAX_QUARTER_US)
    return `position ${reply.positionQuarterUs} is beyond 14 bits`;
  if (reply.command === 'getErrors' && reply.unknownBits.length > 0)
    return `error bits ${reply.unknownBits.join(', ')} are not a Maestro's`;
  return undefined;
}

function clampTarget(counts: number): number {
  return Math.min(MAESTRO_TARGET_MAX_QUARTER_US, Math.max(1, counts));
}

export function createMaestroDriver(options: DriverOptions): MaestroDriver {
  return new MaestroDriver(options);
}
