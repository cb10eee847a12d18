// The servo-edge driver: our own protocol (firmware-protocol's HostSession over a ControllerLink) behind
// the seam. The device queues moves and reports their end (§Events DONE/ABORTED), homes its axes
// (§Commands HOME), runs a watchdog (WDOG, §Device rule 6) and takes the realtime stop ahead of every
// queued frame (0x18 in v1, §Device rule 5; 0x96 x8 in v2, §v2 Stop): every capability is native. The
// link asks for v2 (§v2 Negotiation) and still drives v1 devices; what the driver declares follows the
// version negotiated: exactly-once events (§v2 Events), triggered moves (TRIG), jog leases (LEASE) and
// 64-bit positions (§v2 Positions) only in a v2 session.

import type { ArgsOf, Reply, RequestOptions, Verb } from '@servo-edge/firmware-protocol';
import type { AxisConfig } from '../../config/schema.js';
import type { ProblemExtensions } from '../../errors.js';
import {
  type AbsoluteMove,
  type AxisReport,
  type ControllerDriver,
  type DriverCapabilities,
  DriverCommandError,
  type DriverOptions,
  type JogOptions,
  type LinkHealth,
  type LinkState,
  type PositionTrigger,
  type RelativeMove,
  type SendOptions,
} from '../driver.js';
import { bringUpController } from './bring-up.js';
import { errorFromReply, failureFromRejection } from './command-errors.js';
import { type BringUpContext, type ControllerLink, createControllerLink } from './controller-link.js';
import { toAxisReport, toDriverEvent } from './events.js';

/** §Framing: v1 integers are within ±(2^31-1). */
const V1_POSITION_MAX = 2 ** 31 - 1;

/** What a v1 session (and a driver that has not negotiated yet) can do. */
export const SERVO_EDGE_CAPABILITIES: DriverCapabilities = {
  protocol: 'servo-edge/1',
  moveQueue: 'device',
  // DONE/ABORTED events; a quiet axis with queued moves is also read back (events have no
  // retransmission in v1), but that only notices a lost event, it does not complete a move.
  completion: 'event',
  eventDelivery: 'best-effort',
  position: 'homing',
  hardwareWatchdog: true,
  // Triggered moves are a v2 feature (§v2 Triggered moves).
  positionTriggeredMoves: false,
  positionTriggeredSteps: false,
  realtimeStop: true,
  // No lease in v1: the service times the dead-man (and the device's watchdog covers a dead host).
  jogLease: 'host',
  maxPositionCounts: V1_POSITION_MAX,
  commands: { power: 'native', home: 'native', jog: 'native', coordinatedStart: 'host' },
};

/** What a session of `version` with these features can do (§v2 Negotiation). */
export function servoEdgeCapabilities(
  version: number | undefined,
  features: readonly string[],
  pmax: number | undefined,
): DriverCapabilities {
  if (version !== 2) return SERVO_EDGE_CAPABILITIES;
  const lease = features.includes('LEASE');
  return {
    ...SERVO_EDGE_CAPABILITIES,
    protocol: 'servo-edge/2',
    // §v2 Events: acknowledged, retransmitted, in order; only a lost controller loses an outcome.
    eventDelivery: 'exactly-once',
    positionTriggeredMoves: features.includes('TRIG'),
    // §v2 Triggered steps: optional; without it the caller arms one triggered move at a time.
    positionTriggeredSteps: features.includes('TSTEP'),
    jogLease: lease ? 'native' : 'none',
    // §v2 Positions: the device's pmax, and never beyond what a JSON number carries exactly.
    maxPositionCounts: Math.min(pmax ?? Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
    // §v2 Jog lease: a v2 device without LEASE refuses every JOG (a jog without a lease does not exist in v2).
    commands: { ...SERVO_EDGE_CAPABILITIES.commands, jog: lease ? 'native' : 'none' },
  };
}

type OkReply<V extends Verb> = Extract<Reply<V>, { ok: true }>;

export class ServoEdgeDriver implements ControllerDriver {
  readonly kind = 'servo-edge' as const;
  private readonly opts: DriverOptions;
  /** The capabilities of the last negotiated session (v1 ones before the first). */
  private capabilitiesValue: DriverCapabilities = SERVO_EDGE_CAPABILITIES;
  private readonly link: ControllerLink;
  private readonly axisByNumber = new Map<number, AxisConfig>();

  constructor(options: DriverOptions) {
    this.opts = options;
    const { hooks } = options;
    for (const axis of options.axes) this.axisByNumber.set(axis.axis, axis);
    this.link = createControllerLink({
      config: options.config,
      reconnect: options.reconnect,
      transports: options.transports,
      clock: options.clock,
      log: options.log,
      bringUp: (context) => this.bringUp(context),
      onEvent: (frame) => hooks.event(toDriverEvent(frame)),
      onStateChange: (state) => hooks.stateChanged(state),
      onDown: (error) => hooks.down(error),
    });
  }

  get id(): string {
    return this.opts.config.id;
  }
  get state(): LinkState {
    return this.link.state;
  }
  /** Follow the version negotiated; kept from the last session while the link is down. */
  get capabilities(): DriverCapabilities {
    return this.capabilitiesValue;
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
    return this.link.health();
  }

  async read(axis: number, options?: SendOptions): Promise<AxisReport> {
    const reply = await this.send('GET', { axis }, axis, {
      onSent: () => options?.onSent?.(0),
    });
    return toAxisReport(reply.fields);
  }

  async move(axis: number, move: AbsoluteMove, options?: SendOptions): Promise<void> {
    await this.send(
      'MOVE',
      {
        axis,
        pos: move.targetCounts,
        vel: move.velocityCountsPerS,
        acc: move.accelerationCountsPerS2,
      },
      axis,
      // The MOVE's seq names it in its DONE/ABORTED (§Events): the move's ref.
      { onSent: (seq) => options?.onSent?.(seq) },
    );
  }

  moveTogether(
    legs: readonly { axis: number; move: AbsoluteMove; options?: SendOptions }[],
  ): Promise<void>[] {
    // No multi-axis MOVE in v1: the frames leave back to back, without awaiting in between.
    return legs.map((leg) => this.move(leg.axis, leg.move, leg.options));
  }

  async jog(
    axis: number,
    velocityCountsPerS: number,
    accelerationCountsPerS2: number,
    options?: JogOptions,
  ): Promise<void> {
    // §v2 Jog lease: the lease rides on the JOG in v2 (HostSession refuses it in v1: NOT_SUPPORTED).
    const lease = options?.leaseMs === undefined ? {} : { lease: options.leaseMs };
    await this.send('JOG', { axis, vel: velocityCountsPerS, acc: accelerationCountsPerS2, ...lease }, axis);
  }

  /** §v2 Jog lease: RENEW; ERR STATE when the axis no longer jogs (the lease ran out first). */
  async renewJog(axis: number, leaseMs: number): Promise<void> {
    await this.send('RENEW', { axis, lease: leaseMs }, axis);
  }

  /** §v2 Triggered moves: TMOVE; its seq names it in STARTED and DONE/ABORTED, like a MOVE's. */
  async moveTriggered(
    axis: number,
    move: AbsoluteMove,
    trigger: PositionTrigger,
    options?: SendOptions,
  ): Promise<void> {
    await this.send(
      'TMOVE',
      {
        axis,
        pos: move.targetCounts,
        vel: move.velocityCountsPerS,
        acc: move.accelerationCountsPerS2,
        src: trigger.sourceAxis,
        at: trigger.atCounts,
        dir: trigger.direction,
      },
      axis,
      { onSent: (seq) => options?.onSent?.(seq) },
    );
  }

  /** §v2 Triggered steps: TSTEP; STARTED and DONE/ABORTED as for TMOVE, ABORTED why=LIMIT past a limit. */
  async stepTriggered(
    axis: number,
    step: RelativeMove,
    trigger: PositionTrigger,
    options?: SendOptions,
  ): Promise<void> {
    await this.send(
      'TSTEP',
      {
        axis,
        dist: step.distanceCounts,
        vel: step.velocityCountsPerS,
        acc: step.accelerationCountsPerS2,
        src: trigger.sourceAxis,
        at: trigger.atCounts,
        dir: trigger.direction,
      },
      axis,
      { onSent: (seq) => options?.onSent?.(seq) },
    );
  }

  async stop(axis: number): Promise<void> {
    await this.send('STOP', { axis }, axis);
  }

  async power(axis: number, on: boolean): Promise<void> {
    if (on) await this.send('ENABLE', { axis }, axis);
    else await this.send('DISABLE', { axis }, axis);
  }

  async home(axis: number): Promise<void> {
    await this.send('HOME', { axis }, axis);
  }

  /** §Device rule 5: 0x18 now, ahead of every queued request. */
  softwareStop(): boolean {
    return this.link.estop();
  }

  async reset(): Promise<void> {
    const ext: ProblemExtensions = { controller: this.id };
    let reply: Reply<'RESET'>;
    try {
      reply = await this.link.request('RESET', {});
    } catch (rejection) {
      const { error, outcome } = failureFromRejection(rejection, 'RESET', {});
      throw new DriverCommandError(error.code, error.message, error.extensions, outcome);
    }
    // §Commands RESET: refused while the e-stop input is active.
    if (!reply.ok)
      throw new DriverCommandError(
        'ESTOP_INPUT_ACTIVE',
        undefined,
        { ...ext, deviceCode: reply.code },
        'failed',
        true,
      );
  }

  // ---- internals ----

  /** Start-up after HELLO and WDOG: a latched software stop first, then GET, SET limits, STREAM. */
  private async bringUp(context: BringUpContext): Promise<void> {
    this.capabilitiesValue = servoEdgeCapabilities(
      context.device.proto,
      context.device.feat ?? [],
      context.device.pmax,
    );
    // An e-stop asked for while the link was down is delivered now, before anything else.
    if (this.opts.hooks.softwareStopPending()) this.link.estop();
    const states = await bringUpController(
      context,
      this.opts.axes,
      this.opts.config.streamHz,
      this.capabilitiesValue.maxPositionCounts ?? V1_POSITION_MAX,
    );
    const reports = new Map<string, AxisReport>();
    for (const [name, fields] of states) reports.set(name, toAxisReport(fields));
    this.opts.hooks.connected(reports, context.rebooted);
  }

  /** One request; an ERR reply or a rejection becomes a DriverCommandError with the API's code. */
  private async send<V extends Verb>(
    verb: V,
    args: ArgsOf<V>,
    axis: number,
    options?: RequestOptions,
  ): Promise<OkReply<V>> {
    const name = this.axisByNumber.get(axis)?.name ?? String(axis);
    const ext: ProblemExtensions = { axis: name, controller: this.id };
    const what = `${verb} ${name}`;
    let reply: Reply<V>;
    try {
      reply = await this.link.request(verb, args, options);
    } catch (rejection) {
      const { error, outcome } = failureFromRejection(rejection, what, ext);
      throw new DriverCommandError(error.code, error.message, error.extensions, outcome);
    }
    if (!reply.ok) {
      const error = errorFromReply(reply, what, ext);
      throw new DriverCommandError(error.code, error.message, error.extensions, 'failed', true);
    }
    return reply as OkReply<V>;
  }
}

export function createServoEdgeDriver(options: DriverOptions): ServoEdgeDriver {
  return new ServoEdgeDriver(options);
}
