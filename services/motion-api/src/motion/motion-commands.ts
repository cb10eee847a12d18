// The command API: what the REST routes (and the gateway's line) ask of the axes: move, coordinated
// moves, jog, stop, home, enable, disable, e-stop and its reset. Each command is checked on the host in
// the order the API documents (link, e-stop, fault, not homed, disabled), planned (move-planning.ts),
// sent on the axis's link, and its ERR or rejection mapped to a MotionError (command-errors.ts).

import { MotionError, type MotionErrorCode, type ProblemExtensions } from '../errors.js';
import type { ControllerLink } from '../link/controller-link.js';
import type { AxisPoller } from './axis-poller.js';
import type { AxisRuntime, AxisStatus, HomeWaiter } from './axis-runtime.js';
import { errorFromReply, failureFromRejection } from './command-errors.js';
import type { MotionContext } from './motion-context.js';
import {
  legOf,
  planCoordinatedLegs,
  planJogVelocity,
  planRate,
  planTarget,
  type Target,
} from './move-planning.js';
import type { MoveRecord } from './move-tracker.js';
import type {
  CoordinatedMoveRequest,
  EstopResult,
  HomeResult,
  JogRequest,
  MoveRequest,
  ResetResult,
} from './types.js';

/** States in which an axis is not moving (§Commands GET st=): a coordinated move may start from them. */
const SETTLED_STATES = new Set(['IDLE', 'DISABLED', 'FAULT', 'ESTOP']);
/** Failures after which a command may have run on the controller. */
const UNKNOWN_OUTCOME_CODES = new Set<MotionErrorCode>([
  'MOVE_OUTCOME_UNKNOWN',
  'DEVICE_TIMEOUT',
  'DEVICE_ERROR',
  'INTERNAL_ERROR',
]);

export class MotionCommands {
  constructor(
    private readonly ctx: MotionContext,
    private readonly poller: AxisPoller,
  ) {}

  async move(name: string, request: MoveRequest): Promise<MoveRecord> {
    const axis = this.ctx.axisOrThrow(name);
    // A relative move chains from the end of the moves still open, else from where the axis is.
    const open = this.ctx.moves.openCount(axis.name) > 0;
    const baseCounts =
      open && axis.commandedTargetCounts !== undefined ? axis.commandedTargetCounts : axis.positionCounts;
    const target = planTarget(axis.config, request, baseCounts);
    const velocity = planRate(axis.config, request.velocity, 'velocity');
    const acceleration = planRate(axis.config, request.acceleration, 'acceleration');
    this.assertCanMove(axis, { requireHomed: true });
    const record = this.ctx.moves.create('single', [
      legOf(axis.config, target, velocity.units, acceleration.units),
    ]);
    await this.sendLeg(record, 0, axis, target, velocity.counts, acceleration.counts);
    return record;
  }

  async moveCoordinated(request: CoordinatedMoveRequest): Promise<MoveRecord> {
    const names = request.axes.map((a) => a.axis);
    if (names.length === 0)
      throw new MotionError('INVALID_MOVE', 'a coordinated move needs at least one axis');
    const duplicate = names.find((n, i) => names.indexOf(n) !== i);
    if (duplicate)
      throw new MotionError('INVALID_MOVE', `axis "${duplicate}" is listed twice`, { axis: duplicate });
    const axes = names.map((n) => this.ctx.axisOrThrow(n));
    // 1. Every axis must be idle with nothing queued, or the axes could not start together.
    for (const axis of axes) {
      this.assertCanMove(axis, { requireHomed: true });
      await this.assertIdle(axis);
    }
    // 2. Targets and per-axis caps, then one profile for all: rates scaled by each axis's distance.
    const planned = planCoordinatedLegs(
      request.axes.map((entry, i) => ({
        config: axes[i]!.config,
        request: entry,
        positionCounts: axes[i]!.positionCounts,
      })),
    );
    const record = this.ctx.moves.create(
      'coordinated',
      planned.map((p) => p.leg),
    );
    // 3. Send every MOVE in one burst, without awaiting in between, so the frames leave back to back.
    const sends = planned.map((p, i) => {
      if (p.velocityCountsPerS === 0) {
        this.ctx.moves.completedInPlace(record.moveId, i, p.target.units);
        return Promise.resolve();
      }
      return this.sendLeg(record, i, axes[i]!, p.target, p.velocityCountsPerS, p.accelerationCountsPerS2);
    });
    const results = await Promise.allSettled(sends);
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (!failure) return record;
    // 4. One leg was refused: stop the ones that were accepted, so no axis travels alone.
    await Promise.allSettled(
      record.legs.map((leg, i) =>
        leg.status === 'queued' ? this.command(axes[i]!, 'STOP', { axis: axes[i]!.config.axis }) : undefined,
      ),
    );
    throw withMove(failure.reason as MotionError, record);
  }

  async jog(name: string, request: JogRequest): Promise<AxisStatus> {
    const axis = this.ctx.axisOrThrow(name);
    const velocityCounts = planJogVelocity(axis.config, request.velocity);
    const acceleration = planRate(axis.config, request.acceleration, 'acceleration');
    this.assertCanMove(axis, { requireHomed: false });
    axis.commandedTargetCounts = undefined;
    await this.command(axis, 'JOG', {
      axis: axis.config.axis,
      vel: velocityCounts,
      acc: acceleration.counts,
    });
    return this.ctx.statusOf(axis);
  }

  async stop(name: string): Promise<AxisStatus> {
    const axis = this.ctx.axisOrThrow(name);
    this.assertConnected(axis);
    axis.commandedTargetCounts = undefined;
    await this.command(axis, 'STOP', { axis: axis.config.axis });
    return this.ctx.statusOf(axis);
  }

  async enable(name: string): Promise<AxisStatus> {
    const axis = this.ctx.axisOrThrow(name);
    this.assertConnected(axis);
    if (axis.controller.estopLatched) throw new MotionError('AXIS_ESTOP', undefined, { axis: name });
    await this.command(axis, 'ENABLE', { axis: axis.config.axis });
    return this.ctx.statusOf(axis);
  }

  async disable(name: string): Promise<AxisStatus> {
    const axis = this.ctx.axisOrThrow(name);
    this.assertConnected(axis);
    axis.commandedTargetCounts = undefined;
    await this.command(axis, 'DISABLE', { axis: axis.config.axis });
    return this.ctx.statusOf(axis);
  }

  async home(name: string, options: { wait?: boolean; maxWaitMs?: number } = {}): Promise<HomeResult> {
    const axis = this.ctx.axisOrThrow(name);
    this.assertCanMove(axis, { requireHomed: false });
    axis.commandedTargetCounts = undefined;
    // Before sending: a HOMED decoded in the same chunk as the OK must not be overwritten afterwards.
    const homedBefore = axis.homed;
    axis.homed = false;
    axis.homing = true;
    try {
      await this.command(axis, 'HOME', { axis: axis.config.axis });
    } catch (error) {
      // Only a refused or never-sent HOME leaves the zero as it was; one that may have run does not.
      const maybeRan = error instanceof MotionError && UNKNOWN_OUTCOME_CODES.has(error.code);
      if (axis.homing && !maybeRan) {
        axis.homed = homedBefore;
        axis.homing = false;
      }
      throw error;
    } finally {
      this.ctx.axisChanged(axis);
    }
    if (!options.wait) return { axis: name, status: axis.homed ? 'homed' : 'homing' };
    if (axis.homed) return { axis: name, status: 'homed' };
    const maxWaitMs = this.ctx.config.moves.maxWaitMs;
    const timeout = this.ctx.delay(Math.min(options.maxWaitMs ?? maxWaitMs, maxWaitMs));
    try {
      return await new Promise<HomeResult>((resolve, reject) => {
        const waiter: HomeWaiter = { resolve, reject };
        axis.homeWaiters.push(waiter);
        void timeout.promise.then(() => {
          const i = axis.homeWaiters.indexOf(waiter);
          if (i >= 0) axis.homeWaiters.splice(i, 1);
          resolve({ axis: name, status: axis.homed ? 'homed' : 'homing' });
        });
      });
    } finally {
      timeout.cancel();
    }
  }

  /** 0x18 to every controller at once (§Realtime bytes), ahead of every queue; never throws. */
  estop(): EstopResult {
    const controllers: EstopResult['controllers'] = [];
    // Each controller separately: one failing write must not keep the byte from the others.
    for (const c of this.ctx.controllers.values()) {
      let delivered = false;
      try {
        delivered = c.link.estop();
      } catch (error) {
        this.ctx.log.error({ controller: c.config.id, err: error }, 'motion.estop.write_failed');
      }
      c.estopLatched = true;
      controllers.push({ id: c.config.id, delivered });
    }
    for (const axis of this.ctx.axes.values()) {
      this.ctx.safely(() => {
        axis.commandedTargetCounts = undefined;
        this.ctx.axisChanged(axis);
      });
    }
    const result = { delivered: controllers.every((c) => c.delivered), controllers };
    if (!result.delivered) {
      // The host latch re-sends it as soon as each link is back.
      const undelivered = controllers.filter((c) => !c.delivered).map((c) => c.id);
      this.ctx.log.warn({ controllers: undelivered }, 'motion.estop.not_delivered');
    }
    return result;
  }

  /** RESET on every controller; clears the host latches where it succeeds. */
  async resetEstop(): Promise<ResetResult> {
    const controllers = await Promise.all(
      [...this.ctx.controllers.values()].map(async (c) => {
        const id = c.config.id;
        if (!c.link.ready) return { id, ok: false, code: 'CONTROLLER_DISCONNECTED' as MotionErrorCode };
        try {
          const reply = await c.link.request('RESET', {});
          if (!reply.ok) return { id, ok: false, code: 'ESTOP_INPUT_ACTIVE' as MotionErrorCode };
          c.estopLatched = false;
          c.fault = undefined;
          for (const axis of c.axes) {
            axis.fault = undefined;
            void this.poller.refresh(axis);
          }
          return { id, ok: true, code: null };
        } catch (error) {
          return { id, ok: false, code: failureFromRejection(error, 'RESET', {}).error.code };
        }
      }),
    );
    return { ok: controllers.every((c) => c.ok), controllers };
  }

  // ---- sending ----

  private sendLeg(
    record: MoveRecord,
    index: number,
    axis: AxisRuntime,
    target: Target,
    velocityCounts: number,
    accelerationCounts: number,
  ): Promise<void> {
    const { moves } = this.ctx;
    const c = axis.controller;
    const ext: ProblemExtensions = { axis: axis.name, controller: c.config.id, moveId: record.moveId };
    const what = `MOVE ${axis.name}`;
    axis.commandedTargetCounts = target.counts;
    return c.link
      .request(
        'MOVE',
        { axis: axis.config.axis, pos: target.counts, vel: velocityCounts, acc: accelerationCounts },
        { onSent: (seq) => moves.bindSeq(record.moveId, index, seq, this.ctx.nextSendOrder()) },
      )
      .then(
        (reply) => {
          if (reply.ok) {
            moves.accepted(record.moveId, index);
            void this.poller.refresh(axis);
            this.poller.arm();
            return;
          }
          const error = errorFromReply(reply, what, ext);
          moves.failed(record.moveId, index, 'failed', { code: error.code, detail: error.message });
          if (axis.commandedTargetCounts === target.counts) axis.commandedTargetCounts = undefined;
          throw withMove(error, record);
        },
        (rejection: unknown) => {
          const { error, outcome } = failureFromRejection(rejection, what, ext);
          moves.failed(record.moveId, index, outcome, { code: error.code, detail: error.message });
          throw withMove(error, record);
        },
      );
  }

  /** Sends a command whose OK needs nothing but a state refresh; maps ERR and rejections. */
  private async command(
    axis: AxisRuntime,
    verb: 'JOG' | 'STOP' | 'ENABLE' | 'DISABLE' | 'HOME',
    args: Record<string, number>,
  ): Promise<void> {
    const c = axis.controller;
    const ext: ProblemExtensions = { axis: axis.name, controller: c.config.id };
    const what = `${verb} ${axis.name}`;
    let reply: Awaited<ReturnType<ControllerLink['request']>>;
    try {
      reply = await c.link.request(verb, args as never);
    } catch (rejection) {
      void this.poller.refresh(axis);
      throw failureFromRejection(rejection, what, ext).error;
    }
    // The answer shows the state after the command, not the report from before it.
    await this.poller.refresh(axis);
    if (!reply.ok) throw errorFromReply(reply, what, ext);
  }

  // ---- host-side checks ----

  private async assertIdle(axis: AxisRuntime): Promise<void> {
    const busy = () =>
      this.ctx.moves.openCount(axis.name) > 0 ||
      axis.deviceQueue > 0 ||
      (axis.deviceState !== undefined && !SETTLED_STATES.has(axis.deviceState));
    // The last report may predate a DONE that just arrived: ask once before refusing.
    if (busy()) await this.poller.refreshNow(axis);
    if (busy()) {
      throw new MotionError('AXIS_BUSY', `${axis.name} is ${axis.deviceState ?? 'unknown'} with moves open`, {
        axis: axis.name,
      });
    }
  }

  private assertConnected(axis: AxisRuntime): void {
    const c = axis.controller;
    if (this.ctx.closing)
      throw new MotionError('CONTROLLER_DISCONNECTED', 'the motion service is closing', { axis: axis.name });
    if (!c.link.ready) {
      throw new MotionError('CONTROLLER_DISCONNECTED', `controller ${c.config.id} is ${c.link.state}`, {
        axis: axis.name,
        controller: c.config.id,
      });
    }
  }

  /** Host-side checks in the order the API documents: link, e-stop, fault, not homed, disabled. */
  private assertCanMove(axis: AxisRuntime, options: { requireHomed: boolean }): void {
    this.assertConnected(axis);
    const c = axis.controller;
    const ext = { axis: axis.name, controller: c.config.id };
    if (c.estopLatched || axis.deviceState === 'ESTOP') throw new MotionError('AXIS_ESTOP', undefined, ext);
    const fault = axis.fault ?? c.fault;
    if (fault !== undefined || axis.deviceState === 'FAULT') {
      throw new MotionError('AXIS_FAULT', `${axis.name} has fault ${fault ?? 'UNKNOWN'}`, {
        ...ext,
        deviceCode: fault ?? 'UNKNOWN',
      });
    }
    if (options.requireHomed && axis.config.homingRequired && !axis.homed) {
      throw new MotionError(
        'AXIS_NOT_HOMED',
        axis.positionUncertain
          ? `${axis.name}: position uncertain after a controller reboot, home again`
          : undefined,
        { ...ext, positionUncertain: axis.positionUncertain },
      );
    }
    if (axis.deviceState === 'DISABLED') throw new MotionError('AXIS_DISABLED', undefined, ext);
  }
}

/** Adds the move's id and status to an error about it (problem+json extension members). */
function withMove(error: MotionError, record: MoveRecord): MotionError {
  return new MotionError(error.code, error.message, {
    ...error.extensions,
    moveId: record.moveId,
    moveStatus: record.status,
  });
}
