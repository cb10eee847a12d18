// The command API: what the REST routes (and the gateway's line) ask of the axes: move, coordinated
// moves, jog, stop, home, enable, disable, e-stop and its reset. Each command is checked on the host in
// the order the API documents (link, e-stop, fault, not homed, disabled), planned (move-planning.ts),
// and handed to the axis's driver (drivers/driver.ts), whose failures are MotionErrors already.

import {
  type ControllerDriver,
  type DriverCapabilities,
  DriverCommandError,
  notSupported,
} from '../drivers/driver.js';
import { MotionError, type MotionErrorCode } from '../errors.js';
import { countsToPosition, positionToCounts } from '../units.js';
import type { AxisPoller } from './axis-poller.js';
import type { AxisRuntime, AxisStatus, HomeWaiter } from './axis-runtime.js';
import { type JogLease, JogLeases, KEEPALIVE_LEASE_MS } from './jog-leases.js';
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
  JogResult,
  MoveRequest,
  MoveTrigger,
  ResetResult,
  SingleMoveRequest,
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
  private readonly leases: JogLeases;

  constructor(
    private readonly ctx: MotionContext,
    private readonly poller: AxisPoller,
  ) {
    this.leases = new JogLeases(ctx, {
      stop: (axis) => this.command(axis, 'stop', (d, n) => d.stop(n)),
      renew: async (axis, leaseMs) => {
        const driver = axis.controller.driver;
        if (!driver.renewJog) throw notSupported(driver, `renew jog ${axis.name}`, { axis: axis.name });
        try {
          await driver.renewJog(axis.config.axis, leaseMs);
        } catch (rejection) {
          throw asDriverError(rejection, axis, 'renew jog');
        }
      },
    });
  }

  /** The jog leases (the device-event reducer ends them on LEASE, ESTOP, FAULT and link loss). */
  get jogLeases(): JogLeases {
    return this.leases;
  }

  async move(name: string, request: SingleMoveRequest): Promise<MoveRecord> {
    if (request.trigger) return this.moveTriggered(name, request, request.trigger);
    const axis = this.ctx.axisOrThrow(name);
    // A relative move chains from the end of the moves still open, else from where the axis is.
    const open = this.ctx.moves.openCount(axis.name) > 0;
    const baseCounts =
      open && axis.commandedTargetCounts !== undefined ? axis.commandedTargetCounts : axis.positionCounts;
    const target = planTarget(axis.config, request, baseCounts);
    assertRepresentable(axis, target.counts);
    const velocity = planRate(axis.config, request.velocity, 'velocity');
    const acceleration = planRate(axis.config, request.acceleration, 'acceleration');
    this.assertCanMove(axis, { requireHomed: true });
    const record = this.ctx.moves.create('single', [
      legOf(axis.config, target, velocity.units, acceleration.units),
    ]);
    await this.sendLeg(record, 0, axis, target, velocity.counts, acceleration.counts);
    return record;
  }

  /**
   * PROTOCOL.md §v2 Triggered moves: the move is armed on the controller (TMOVE) and starts when another
   * axis of the same controller crosses the trigger position; the controller reports the start (STARTED,
   * with its clock) and then DONE or ABORTED (ABORTED at once if the trigger was already passed when it
   * was armed: a stroke that fires late hits the wrong product).
   */
  private async moveTriggered(name: string, request: MoveRequest, trigger: MoveTrigger): Promise<MoveRecord> {
    const axis = this.ctx.axisOrThrow(name);
    const source = this.ctx.axisOrThrow(trigger.axis);
    const driver = axis.controller.driver;
    if (!driver.capabilities.positionTriggeredMoves || !driver.moveTriggered)
      throw notSupported(driver, `position-triggered move ${axis.name}`, {
        axis: axis.name,
        capability: 'positionTriggeredMoves',
      });
    const step = trigger.distanceFrom === 'trigger';
    if (step) this.assertCanStep(axis, request);
    if (source.controller !== axis.controller || source === axis)
      throw new MotionError(
        'INVALID_MOVE',
        `the trigger axis must be another axis of controller ${axis.controller.config.id}`,
        { axis: axis.name, triggerAxis: source.name },
      );
    if ((trigger.position === undefined) === (trigger.positionCounts === undefined))
      throw new MotionError(
        'INVALID_MOVE',
        'give exactly one of trigger.position and trigger.positionCounts',
        {
          axis: axis.name,
        },
      );
    const atCounts = trigger.positionCounts ?? positionToCounts(trigger.position!, source.config);
    assertRepresentable(source, atCounts, 'trigger');
    // Relative to the end of the moves open on the axis, as any move.
    const open = this.ctx.moves.openCount(axis.name) > 0;
    const baseCounts =
      open && axis.commandedTargetCounts !== undefined ? axis.commandedTargetCounts : axis.positionCounts;
    const target = planTarget(axis.config, request, baseCounts);
    assertRepresentable(axis, target.counts);
    const velocity = planRate(axis.config, request.velocity, 'velocity');
    const acceleration = planRate(axis.config, request.acceleration, 'acceleration');
    this.assertCanMove(axis, { requireHomed: true });
    const record = this.ctx.moves.create('single', [
      {
        ...legOf(axis.config, target, velocity.units, acceleration.units),
        trigger: {
          axis: source.name,
          position: countsToPosition(atCounts, source.config),
          direction: trigger.direction,
          ...(step ? { distanceFrom: 'trigger' as const } : {}),
        },
      },
    ]);
    const rates = { velocityCountsPerS: velocity.counts, accelerationCountsPerS2: acceleration.counts };
    const firing = {
      sourceAxis: source.config.axis,
      atCounts,
      direction: trigger.direction === 'increasing' ? 1 : -1,
    } as const;
    const options = this.legSendOptions(record, 0, axis, target.counts);
    // A step's target is predicted here (from the same base as any relative move); the controller fixes
    // it when the trigger fires (§v2 Triggered steps).
    const sent = step
      ? driver.stepTriggered!(
          axis.config.axis,
          { distanceCounts: target.counts - baseCounts!, ...rates },
          firing,
          options,
        )
      : driver.moveTriggered(axis.config.axis, { targetCounts: target.counts, ...rates }, firing, options);
    await this.settleLeg(record, 0, axis, target.counts, sent);
    return record;
  }

  /** §v2 Triggered steps: a distance, and a controller that fixes the target when the trigger fires. */
  private assertCanStep(axis: AxisRuntime, request: MoveRequest): void {
    if (request.distance === undefined)
      throw new MotionError(
        'INVALID_MOVE',
        'trigger.distanceFrom "trigger" needs a distance, not a position',
        {
          axis: axis.name,
        },
      );
    const driver = axis.controller.driver;
    if (!driver.capabilities.positionTriggeredSteps || !driver.stepTriggered)
      throw notSupported(driver, `position-triggered step ${axis.name}`, {
        axis: axis.name,
        capability: 'positionTriggeredSteps',
      });
  }

  /**
   * Cancels an open move: a controlled stop of each axis it still has open (§v2 Triggered moves: STOP
   * is how an armed triggered move is cancelled). The controller aborts every move queued on those axes.
   */
  async cancelMove(record: MoveRecord): Promise<MoveRecord> {
    const open = record.legs.filter((l) => l.status === 'sending' || l.status === 'queued');
    const names = [...new Set(open.map((l) => l.axis))];
    for (const name of names) {
      const axis = this.ctx.axisOrThrow(name);
      this.assertConnected(axis);
      axis.commandedTargetCounts = undefined;
      this.leases.end(axis);
      await this.command(axis, 'stop', (d, n) => d.stop(n));
    }
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
    // 0. A driver that cannot start its axes together refuses before anything is sent.
    if (axes.length > 1)
      for (const axis of axes) this.assertSupports(axis, 'coordinatedStart', 'coordinated move');
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
    planned.forEach((p, i) => {
      assertRepresentable(axes[i]!, p.target.counts);
    });
    const record = this.ctx.moves.create(
      'coordinated',
      planned.map((p) => p.leg),
    );
    // 3. Hand every leg to its driver in one burst, without awaiting in between: each driver starts its
    //    axes together (one packet where its protocol has one), and the controllers follow one another.
    const sends: Promise<void>[] = new Array(planned.length);
    const byDriver = new Map<ControllerDriver, number[]>();
    planned.forEach((p, i) => {
      if (p.velocityCountsPerS === 0) {
        this.ctx.moves.completedInPlace(record.moveId, i, p.target.units);
        sends[i] = Promise.resolve();
        return;
      }
      const driver = axes[i]!.controller.driver;
      byDriver.set(driver, [...(byDriver.get(driver) ?? []), i]);
    });
    for (const [driver, indices] of byDriver) {
      const started = driver.moveTogether(
        indices.map((i) => {
          const p = planned[i]!;
          return {
            axis: axes[i]!.config.axis,
            move: {
              targetCounts: p.target.counts,
              velocityCountsPerS: p.velocityCountsPerS,
              accelerationCountsPerS2: p.accelerationCountsPerS2,
            },
            options: this.legSendOptions(record, i, axes[i]!, p.target.counts),
          };
        }),
      );
      indices.forEach((i, k) => {
        sends[i] = this.settleLeg(record, i, axes[i]!, planned[i]!.target.counts, started[k]!);
      });
    }
    const results = await Promise.allSettled(sends);
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (!failure) return record;
    // 4. One leg was refused: stop the ones that were accepted, so no axis travels alone.
    await Promise.allSettled(
      record.legs.map((leg, i) =>
        leg.status === 'queued' ? this.command(axes[i]!, 'stop', (d, n) => d.stop(n)) : undefined,
      ),
    );
    throw withMove(failure.reason as MotionError, record);
  }

  /**
   * MC_MoveVelocity with hold-to-run (PROTOCOL.md §v2 Jog lease): with `leaseMs` the axis stops unless the
   * lease is renewed in time, by the controller where it times leases (capabilities.jogLease `native`),
   * else by this service's timer (`host`). A jog at velocity 0 is a stop and has no lease.
   */
  async jog(name: string, request: JogRequest): Promise<JogResult> {
    const axis = this.ctx.axisOrThrow(name);
    this.assertSupports(axis, 'jog', 'jog');
    const velocityCounts = planJogVelocity(axis.config, request.velocity);
    const acceleration = planRate(axis.config, request.acceleration, 'acceleration');
    this.assertCanMove(axis, { requireHomed: false });
    axis.commandedTargetCounts = undefined;
    const native = axis.controller.driver.capabilities.jogLease === 'native';
    const running = velocityCounts !== 0;
    // On the wire a native lease is never absent (§v2 Jog lease: a v2 JOG without one is ERR ARGS).
    const wireLeaseMs = native ? (request.leaseMs ?? KEEPALIVE_LEASE_MS) : undefined;
    // A refused jog leaves the running one (and its lease, still timing) as it was.
    await this.command(axis, 'jog', (d, n) =>
      d.jog(
        n,
        velocityCounts,
        acceleration.counts,
        wireLeaseMs === undefined ? {} : { leaseMs: wireLeaseMs },
      ),
    );
    let lease: JogLease | undefined;
    this.leases.end(axis);
    if (running && request.leaseMs !== undefined)
      lease = this.leases.started(axis, request.leaseMs, native ? 'controller' : 'host');
    else if (running && native) this.leases.started(axis, KEEPALIVE_LEASE_MS, 'controller', true);
    const status = this.ctx.statusOf(axis);
    return lease ? { ...status, lease } : status;
  }

  /** Renews a jog's lease (cheap: no state refresh, and no log line). */
  async renewJog(name: string, leaseId: string): Promise<JogLease> {
    this.ctx.axisOrThrow(name);
    return this.leases.renew(name, leaseId);
  }

  async stop(name: string): Promise<AxisStatus> {
    const axis = this.ctx.axisOrThrow(name);
    this.assertConnected(axis);
    axis.commandedTargetCounts = undefined;
    this.leases.end(axis);
    await this.command(axis, 'stop', (d, n) => d.stop(n));
    // A stopped jog ramps down with no move whose DONE would say when it stands still: read until then.
    if (axis.deviceState === 'MOVING') this.poller.readUntilStill(axis);
    return this.ctx.statusOf(axis);
  }

  async enable(name: string): Promise<AxisStatus> {
    const axis = this.ctx.axisOrThrow(name);
    this.assertSupports(axis, 'power', 'enable');
    this.assertConnected(axis);
    if (axis.controller.estopLatched) throw new MotionError('AXIS_ESTOP', undefined, { axis: name });
    await this.command(axis, 'enable', (d, n) => d.power(n, true));
    return this.ctx.statusOf(axis);
  }

  async disable(name: string): Promise<AxisStatus> {
    const axis = this.ctx.axisOrThrow(name);
    this.assertSupports(axis, 'power', 'disable');
    this.assertConnected(axis);
    axis.commandedTargetCounts = undefined;
    await this.command(axis, 'disable', (d, n) => d.power(n, false));
    return this.ctx.statusOf(axis);
  }

  async home(name: string, options: { wait?: boolean; maxWaitMs?: number } = {}): Promise<HomeResult> {
    const axis = this.ctx.axisOrThrow(name);
    this.assertSupports(axis, 'home', 'home');
    this.assertCanMove(axis, { requireHomed: false });
    axis.commandedTargetCounts = undefined;
    // Before sending: a HOMED decoded in the same chunk as the OK must not be overwritten afterwards.
    const homedBefore = axis.homed;
    axis.homed = false;
    axis.homing = true;
    try {
      await this.command(axis, 'home', (d, n) => d.home(n));
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

  /**
   * The software stop to every controller at once: the realtime byte where the driver has one (servo-edge
   * 0x18, §Realtime bytes, ahead of every queue), else its fastest stopping command; never throws.
   */
  estop(): EstopResult {
    this.leases.endAll();
    const controllers: EstopResult['controllers'] = [];
    // Each controller separately: one failing write must not keep the stop from the others.
    for (const c of this.ctx.controllers.values()) {
      let delivered = false;
      try {
        delivered = c.driver.softwareStop();
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

  /** MC_Reset on every controller; clears the host latches where it succeeds. */
  async resetEstop(): Promise<ResetResult> {
    const controllers = await Promise.all(
      [...this.ctx.controllers.values()].map(async (c) => {
        const id = c.config.id;
        if (!c.driver.ready) return { id, ok: false, code: 'CONTROLLER_DISCONNECTED' as MotionErrorCode };
        try {
          await c.driver.reset();
          c.estopLatched = false;
          c.fault = undefined;
          for (const axis of c.axes) {
            axis.fault = undefined;
            void this.poller.refresh(axis);
          }
          return { id, ok: true, code: null };
        } catch (error) {
          return { id, ok: false, code: error instanceof MotionError ? error.code : 'INTERNAL_ERROR' };
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
    const sent = axis.controller.driver.move(
      axis.config.axis,
      {
        targetCounts: target.counts,
        velocityCountsPerS: velocityCounts,
        accelerationCountsPerS2: accelerationCounts,
      },
      this.legSendOptions(record, index, axis, target.counts),
    );
    return this.settleLeg(record, index, axis, target.counts, sent);
  }

  /** Before a leg goes to its driver: the end of the axis's moves, and the ref its DONE/ABORTED will name. */
  private legSendOptions(record: MoveRecord, index: number, axis: AxisRuntime, targetCounts: number) {
    axis.commandedTargetCounts = targetCounts;
    return {
      onSent: (ref: number) => this.ctx.moves.bindSeq(record.moveId, index, ref, this.ctx.nextSendOrder()),
    };
  }

  /** A leg's acceptance (queued) or failure: failed when it certainly did not run, else unknown. */
  private settleLeg(
    record: MoveRecord,
    index: number,
    axis: AxisRuntime,
    targetCounts: number,
    sent: Promise<void>,
  ): Promise<void> {
    const { moves } = this.ctx;
    return sent.then(
      () => {
        moves.accepted(record.moveId, index);
        void this.poller.refresh(axis);
        this.poller.arm();
      },
      (rejection: unknown) => {
        const error = asDriverError(rejection, axis);
        moves.failed(record.moveId, index, error.outcome, { code: error.code, detail: error.message });
        if (error.refusedByDevice && axis.commandedTargetCounts === targetCounts)
          axis.commandedTargetCounts = undefined;
        throw withMove(error, record);
      },
    );
  }

  /** Sends a command whose acceptance needs nothing but a state refresh. */
  private async command(
    axis: AxisRuntime,
    what: 'jog' | 'stop' | 'enable' | 'disable' | 'home',
    run: (driver: ControllerDriver, axisNumber: number) => Promise<void>,
  ): Promise<void> {
    try {
      await run(axis.controller.driver, axis.config.axis);
    } catch (rejection) {
      const error = asDriverError(rejection, axis, what);
      // A refusal: answer with the state after it. Otherwise the device may not answer at all.
      if (error.refusedByDevice) await this.poller.refresh(axis);
      else void this.poller.refresh(axis);
      throw error;
    }
    // The answer shows the state after the command, not the report from before it.
    await this.poller.refresh(axis);
  }

  // ---- host-side checks ----

  /** A command the axis's driver declares it cannot do: NOT_SUPPORTED_BY_CONTROLLER, never faked. */
  private assertSupports(
    axis: AxisRuntime,
    command: keyof DriverCapabilities['commands'],
    what: string,
  ): void {
    const driver = axis.controller.driver;
    if (driver.capabilities.commands[command] === 'none')
      throw notSupported(driver, `${what} ${axis.name}`, { axis: axis.name, capability: command });
  }

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
    if (!c.driver.ready) {
      throw new MotionError('CONTROLLER_DISCONNECTED', `controller ${c.config.id} is ${c.driver.state}`, {
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

/**
 * §v2 Positions: a position in counts must be one the link carries (the driver's maxPositionCounts:
 * ±(2^31-1) on a servo-edge v1 link, pmax on v2) and one a JSON number holds exactly (±(2^53-1)).
 */
function assertRepresentable(axis: AxisRuntime, counts: number, what = 'target'): void {
  const max = Math.min(
    axis.controller.driver.capabilities.maxPositionCounts ?? Number.MAX_SAFE_INTEGER,
    Number.MAX_SAFE_INTEGER,
  );
  if (Number.isSafeInteger(counts) && Math.abs(counts) <= max) return;
  throw new MotionError(
    'POSITION_NOT_REPRESENTABLE',
    `${axis.name}: ${what} count ${counts} is beyond ±${max} on controller ${axis.controller.config.id}`,
    { axis: axis.name, controller: axis.controller.config.id, maxPositionCounts: max },
  );
}

/** A driver's rejection; anything else (a bug) is an INTERNAL_ERROR whose outcome is unknown. */
function asDriverError(rejection: unknown, axis: AxisRuntime, what = 'move'): DriverCommandError {
  if (rejection instanceof DriverCommandError) return rejection;
  return new DriverCommandError(
    'INTERNAL_ERROR',
    `${what} ${axis.name}: ${(rejection as Error)?.message ?? String(rejection)}`,
    { axis: axis.name, controller: axis.controller.config.id },
    'unknown',
  );
}

/** Adds the move's id and status to an error about it (problem+json extension members). */
function withMove(error: MotionError, record: MoveRecord): MotionError {
  return new MotionError(error.code, error.message, {
    ...error.extensions,
    moveId: record.moveId,
    moveStatus: record.status,
  });
}
