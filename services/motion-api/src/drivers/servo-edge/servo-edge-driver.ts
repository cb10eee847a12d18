// The servo-edge driver: our own protocol (firmware-protocol's HostSession over a ControllerLink) behind
// the seam. The device queues moves and reports their end (§Events DONE/ABORTED), homes its axes
// (§Commands HOME), runs a watchdog (WDOG, §Device rule 6) and takes the realtime stop byte 0x18 ahead
// of every queued frame (§Device rule 5): every capability is native.

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
  type LinkHealth,
  type LinkState,
  type SendOptions,
} from '../driver.js';
import { bringUpController } from './bring-up.js';
import { errorFromReply, failureFromRejection } from './command-errors.js';
import { type BringUpContext, type ControllerLink, createControllerLink } from './controller-link.js';
import { toAxisReport, toDriverEvent } from './events.js';

export const SERVO_EDGE_CAPABILITIES: DriverCapabilities = {
  protocol: 'servo-edge/1',
  moveQueue: 'device',
  // DONE/ABORTED events; a quiet axis with queued moves is also read back (events have no
  // retransmission in v1), but that only notices a lost event, it does not complete a move.
  completion: 'event',
  position: 'homing',
  hardwareWatchdog: true,
  // Triggered moves are a v2 feature (§v2 Triggered moves); this driver speaks v1.
  positionTriggeredMoves: false,
  realtimeStop: true,
  commands: { power: 'native', home: 'native', jog: 'native', coordinatedStart: 'host' },
};

type OkReply<V extends Verb> = Extract<Reply<V>, { ok: true }>;

export class ServoEdgeDriver implements ControllerDriver {
  readonly kind = 'servo-edge' as const;
  readonly capabilities = SERVO_EDGE_CAPABILITIES;
  private readonly opts: DriverOptions;
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

  async jog(axis: number, velocityCountsPerS: number, accelerationCountsPerS2: number): Promise<void> {
    await this.send('JOG', { axis, vel: velocityCountsPerS, acc: accelerationCountsPerS2 }, axis);
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
    // An e-stop asked for while the link was down is delivered now, before anything else.
    if (this.opts.hooks.softwareStopPending()) this.link.estop();
    const states = await bringUpController(context, this.opts.axes, this.opts.config.streamHz);
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
