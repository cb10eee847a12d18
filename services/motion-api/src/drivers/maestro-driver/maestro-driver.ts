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
import type {
  AbsoluteMove,
  AxisReport,
  ControllerDriver,
  DriverAxisState,
  DriverCapabilities,
  DriverCommandError,
  DriverOptions,
  LinkHealth,
  SendOptions,
} from '../driver.js';
import { commandFailure, DeviceAnswerError } from '../host-link/command-failure.js';
import { ExchangeError } from '../host-link/exchange.js';
import { COMPLETION_POLL_MS, type HostAxis, HostLinkDriver } from '../host-link/host-link-driver.js';
import type { HostMove } from '../host-link/host-queue.js';
import { type ConnectAttempt, LinkStepError } from '../host-link/link-supervisor.js';
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
import { maestroAcceleration, maestroSpeed } from './rates.js';
import { maestroNoReplyMessage } from './uart-mode-help.js';

/** A running move whose position has not changed for this many polls is checked for a stall. */
const STALL_POLLS = 3;
/**
 * ... and for this long. The Maestro updates its outputs every 10 ms, and from rest at the lowest
 * acceleration (1 unit: 1/8 quarter-µs per update, per update) its position shows a change only after a
 * few updates (§5.e Set Speed, Set Acceleration); at 200 Hz three polls span less than that. A target
 * clamped by Min/Max never moves: it is found all the same, 100 ms later.
 */
const STALL_MS = 100;
/** Bad answers in a row after which the device is taken for something that is not a Maestro. */
const MAX_BAD_REPLIES = 8;

/**
 * A channel. `position` is the last Get Position, quarter-µs; 0 = no pulses (the servo is limp, its
 * position unknown). `velocity` is estimated from the last two reads, quarter-µs/s.
 */
interface Channel extends HostAxis {
  /** = address: the channel as printed on the board. */
  readonly channel: number;
  /** MC_Power: false keeps the channel limp (target 0) and refuses moves. */
  enabled: boolean;
  positionAtMs: number | undefined;
  /** Since when Get Position has read the same (or since the move's target was written). */
  stillSinceMs: number;
  /** The target last written, quarter-µs (0 = off). */
  target: number | undefined;
  /** Set Speed / Set Acceleration last written (undefined: unknown, write before the next move). */
  speedUnits: number | undefined;
  accelerationUnits: number | undefined;
}

function newChannel(axis: AxisConfig): Channel {
  return {
    config: axis,
    address: axis.axis,
    channel: axis.axis,
    softwareStop: axis.softwareStop ?? 'hold',
    enabled: false,
    position: undefined,
    positionAtMs: undefined,
    stillSinceMs: 0,
    velocity: 0,
    target: undefined,
    speedUnits: undefined,
    accelerationUnits: undefined,
    unchangedPolls: 0,
    jogging: false,
  };
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
    positionTriggeredSteps: false,
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

export class MaestroDriver extends HostLinkDriver<Channel> implements ControllerDriver {
  readonly kind = 'maestro' as const;
  readonly capabilities: DriverCapabilities;
  private readonly framing: MaestroFraming;
  private readonly channelCount: MaestroChannelCount;
  private readonly reader = new MaestroReplyReader();
  private cancelErrorPoll: (() => void) | undefined;
  private consecutiveTimeouts = 0;
  /** Bad answers in a row (reset by a good one). */
  private badReplies = 0;
  /** Over the life of the driver: answers that were not a Maestro's, and chunks nobody asked for. */
  private badAnswersTotal = 0;
  private unaskedChunks = 0;

  constructor(options: DriverOptions) {
    const settings = options.config.maestro;
    if (!settings) throw new Error(`controller ${options.config.id}: driver maestro needs maestro.channels`);
    super(options, new Map(options.axes.map((axis) => [axis.axis, newChannel(axis)])), {
      addressName: 'channel',
      nothingToHome: "a Maestro channel's position is its pulse width; there is nothing to home",
      rateUnitsField: 'maestroUnits',
      // Answers are positional (§5.d: no framing): after a loss, the line must fall quiet first.
      resyncQuietMs: Math.max(20, Math.min(100, Math.round(options.config.replyTimeoutMs / 2))),
    });
    this.channelCount = settings.channels;
    this.framing = {
      protocol: settings.protocol,
      deviceNumber: settings.deviceNumber,
      crc: settings.crc7,
      channels: settings.channels,
    };
    this.capabilities = maestroCapabilities(settings.protocol, settings.crc7);
  }

  protected wireCounters(): Pick<LinkHealth, 'crcErrors' | 'linkErrorReplies'> {
    return { crcErrors: this.badAnswersTotal + this.unaskedChunks, linkErrorReplies: 0 };
  }

  // ---- PLCopen operations (read, move, jog, stop, home, reset: HostLinkDriver) ----

  protected async readAxis(ch: Channel, onFirstWrite: () => void): Promise<void> {
    await this.readPosition(ch, onFirstWrite);
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

  /** A Set Target to the soft limit at the jog's speed. */
  protected async startJog(ch: Channel, move: AbsoluteMove): Promise<void> {
    const target = clampTarget(move.targetCounts);
    const sends = this.writeRates(ch, { ...move, targetCounts: target });
    this.beginMotion(ch, target);
    ch.jogging = true;
    await this.settleWrites(ch, 'jog', [
      sends,
      this.send({ command: 'setTarget', channel: ch.channel, targetQuarterUs: target }),
    ]);
  }

  /**
   * MC_Stop: the channel's target becomes where it is now; with an acceleration limit the Maestro ramps
   * down to it (§5.e Set Acceleration).
   */
  protected async stopAxis(ch: Channel): Promise<void> {
    const position = await this.readPosition(ch);
    if (position === 0) return;
    await this.settleWrites(ch, 'stop', [
      this.send({ command: 'setTarget', channel: ch.channel, targetQuarterUs: position }),
    ]);
    ch.target = position;
  }

  async power(axis: number, on: boolean): Promise<void> {
    const ch = this.axisOf(axis);
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

  /**
   * The software stop: one Set Target per channel in one write. hold: the position last read (the servo
   * ramps back to it at its acceleration setting); limp: 0, no pulses.
   */
  protected writeSoftwareStop(): boolean {
    const packets: Buffer[] = [];
    for (const ch of this.axes.values()) {
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
    return packets.length === 0 || this.exchange.writeNow(Buffer.concat(packets));
  }

  /** Nothing latches on a Maestro: its error register clears on read (§5.e Get Errors). */
  protected async clearFaults(): Promise<void> {}

  // ---- connect ----

  protected connectFailure(error: unknown): unknown {
    if (error instanceof BadReply) return new LinkStepError('MAESTRO_BAD_REPLY', error.message);
    if (error instanceof ExchangeError && error.code === 'EXCHANGE_TIMEOUT')
      return new LinkStepError(
        'MAESTRO_NO_REPLY',
        maestroNoReplyMessage(this.opts.config.path, this.opts.config.maxRetransmits + 1),
      );
    return error;
  }

  protected async connectSteps(attempt: ConnectAttempt): Promise<void> {
    this.endResync();
    this.consecutiveTimeouts = 0;
    this.badReplies = 0;
    // 1. Get Errors: proves the Command Port answers (and reads the register, which clears it). A
    // timeout here is MAESTRO_NO_REPLY with the serial-mode hint (connectFailure).
    const errors = (await attempt.step(this.query({ command: 'getErrors' }, 'Get Errors'))) as Extract<
      MaestroReply,
      { command: 'getErrors' }
    >;
    this.reportErrors(errors);
    // 2. Where every configured channel is: pulses on (a position) or off (0, limp).
    attempt.setState('configuring');
    for (const ch of this.axes.values()) {
      const position = await attempt.step(this.readPosition(ch));
      ch.enabled = position !== 0;
      ch.target = position;
      ch.velocity = 0;
      ch.speedUnits = undefined;
      ch.accelerationUnits = undefined;
      ch.jogging = false;
    }
    // 3. A software stop asked for while the link was down; the reports.
    this.finishConnect(attempt);
  }

  // ---- polling: telemetry, completion, errors ----

  protected override startTimers(): void {
    super.startTimers();
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

  protected override stopTimers(): void {
    super.stopTimers();
    this.cancelErrorPoll?.();
    this.cancelErrorPoll = undefined;
  }

  protected pollPeriodMs(active: boolean): number | undefined {
    return this.streamPeriodMs() ?? (active ? COMPLETION_POLL_MS : undefined);
  }

  /** Get Position of every channel, one after the other (the Maestro has no read of several). */
  protected async readTelemetry(): Promise<void> {
    for (const ch of this.axes.values()) await this.readPosition(ch);
  }

  /** A channel whose pulses are off (0) has no position to report. */
  protected override knowsPosition(ch: Channel): boolean {
    return ch.position !== undefined && ch.position !== 0;
  }

  protected async checkProgress(ch: Channel): Promise<void> {
    const running = this.queue.running(ch.channel);
    if (ch.jogging && ch.position === ch.target) ch.jogging = false;
    if (!running) return;
    // Done when Get Position, the speed- and acceleration-limited output, reads the target (§5.e).
    if (ch.position === running.move.targetCounts) {
      this.finishRunning(ch, running, 'DONE');
      await this.startNextMove(ch);
      return;
    }
    if (!this.stalled(ch)) return;
    // Standing still short of its target: the channel's Min/Max (set in the Control Center) clamped it.
    // Get Moving State confirms (it may answer 0 while moving on a Micro, never 1 while still: §5.e).
    const moving = (await this.query({ command: 'getMovingState' }, 'Get Moving State')) as Extract<
      MaestroReply,
      { command: 'getMovingState' }
    >;
    if (moving.moving || this.queue.running(ch.channel) !== running || !this.stalled(ch)) return;
    this.opts.log.warn(
      {
        controller: this.id,
        axis: ch.config.name,
        targetCounts: running.move.targetCounts,
        positionCounts: ch.position,
      },
      'motion.maestro.target_clamped',
    );
    this.finishRunning(ch, running, 'ABORTED', 'CLAMPED');
    await this.startNextMove(ch);
  }

  /** Standing still short of its target for STALL_POLLS polls and STALL_MS. */
  private stalled(ch: Channel): boolean {
    return ch.unchangedPolls >= STALL_POLLS && this.opts.clock.monotonicMs() - ch.stillSinceMs >= STALL_MS;
  }

  private reportErrors(reply: Extract<MaestroReply, { command: 'getErrors' }>): void {
    if (reply.register === 0) return;
    this.opts.log.warn({ controller: this.id, errors: reply.errors }, 'motion.maestro.errors');
    // §4.b: every error sent every servo to its home setting: the moves in progress are over.
    for (const ch of this.axes.values()) {
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

  /** Set Speed and Set Acceleration where they change, then Set Target. Resolves once written. */
  protected async startMove(ch: Channel, entry: HostMove): Promise<void> {
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
    ch.stillSinceMs = this.opts.clock.monotonicMs();
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

  /** The legs when they are a contiguous block of idle channels on a Mini Maestro, else undefined. */
  private contiguousIdleBlock(
    legs: readonly { axis: number; move: AbsoluteMove; options?: SendOptions }[],
  ): { ch: Channel; leg: (typeof legs)[number] }[] | undefined {
    if (this.channelCount === 6 || legs.length < 2) return undefined;
    const block = legs.map((leg) => ({ ch: this.axes.get(leg.axis), leg }));
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
    if (position !== ch.position) ch.stillSinceMs = now;
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

  protected receive(chunk: Buffer): void {
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
  protected answerTimedOut(): void {
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

  protected clearReceiver(): void {
    this.reader.abandon();
  }

  // ---- state ----

  protected report(ch: Channel): AxisReport {
    const off = ch.position === 0 || ch.position === undefined;
    return {
      positionCounts: off ? null : ch.position!,
      velocityCountsPerS: off ? 0 : ch.velocity,
      targetCounts: ch.target === undefined || ch.target === 0 ? null : ch.target,
      state: this.stateOf(ch),
      queueDepth: this.queue.depth(ch.channel),
    };
  }

  protected stateOf(ch: Channel): DriverAxisState {
    if (this.estopLatched) return 'ESTOP';
    if (!ch.enabled) return 'DISABLED';
    return this.isActive(ch) ? 'MOVING' : 'IDLE';
  }

  protected moveRefusal(ch: Channel): DriverCommandError | undefined {
    return ch.enabled
      ? undefined
      : this.refusal('AXIS_DISABLED', ch, 'the channel is off (no pulses); enable it first');
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
