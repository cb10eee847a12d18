// The motion service: owns one link per controller, keeps each axis's state, tracks every move to its
// outcome and turns API requests (in user units) into protocol commands. No HTTP here: buildApp() and
// the edge gateway both drive it through this typed interface.

import type { Clock } from '@servo-edge/common/clock';
import type { EventFrame, ReplyFieldsOf } from '@servo-edge/firmware-protocol';
import { systemClock } from '@servo-edge/common/clock';
import type { ControllerConfig, MotionConfig } from '../config/schema.js';
import { MotionError, type MotionErrorCode, type ProblemExtensions } from '../errors.js';
import {
  type ControllerLink,
  createControllerLink,
  type LinkHealth,
  type LinkState,
} from '../link/controller-link.js';
import { createSerialTransportFactory, type SerialBinding } from '../link/serial-transport.js';
import type { TransportFactory } from '../link/transport.js';
import { countsToUnits, unitsToCounts, unitsToPositiveCounts } from '../units.js';
import { AxisRuntime, type AxisStatus } from './axis-runtime.js';
import { bringUpController } from './bring-up.js';
import { errorFromReply, failureFromRejection } from './command-errors.js';
import { planCoordinated } from './coordinate.js';
import { type MoveRecord, MoveTracker, type NewLeg } from './move-tracker.js';

/** A single-axis move in the axis's units. Exactly one of position and distance. */
export interface MoveRequest {
  /** Absolute target. */
  position?: number;
  /** Relative to the end of the moves still open on the axis, else to the current position. */
  distance?: number;
  /** Defaults to the axis's defaultVelocityUnitsPerS. */
  velocity?: number;
  acceleration?: number;
}

export interface CoordinatedMoveRequest {
  /** Each axis once. Velocity and acceleration cap that axis (defaults: its configured defaults). */
  axes: ({ axis: string } & MoveRequest)[];
}

export interface JogRequest {
  /** Signed, in units/s; 0 decelerates to a stop. */
  velocity: number;
  acceleration?: number;
}

export interface HomeResult {
  axis: string;
  /** homing: HOME accepted, HOMED not yet reported. homed: HOMED reported. */
  status: 'homing' | 'homed';
}

export interface EstopResult {
  /** Every controller's 0x18 was written. */
  delivered: boolean;
  controllers: { id: string; delivered: boolean }[];
}

export interface ResetResult {
  ok: boolean;
  controllers: { id: string; ok: boolean; code: MotionErrorCode | null }[];
}

export interface ControllerStatus extends LinkHealth {
  /** The host's e-stop latch: set by POST /estop or an ESTOP event, cleared by a successful reset. */
  estopLatched: boolean;
  axes: string[];
}

/** What subscribers hear, synchronously and in order. Listeners must not block. */
export type MotionServiceEvent =
  | { type: 'axis'; axis: string }
  | {
      type: 'device';
      controller: string;
      /** The configured axis the event is about, null for controller-wide events. */
      axis: string | null;
      event: Exclude<EventFrame['event'], 'POS'>;
      fields: Record<string, unknown>;
    }
  | { type: 'move'; move: MoveRecord }
  | { type: 'controller'; controller: string; state: LinkState };

export interface MotionService {
  readonly config: MotionConfig;
  /** Starts every link (connecting in the background). Idempotent. */
  start(): Promise<void>;
  /** Closes every link; in-flight commands fail, open moves become unknown. Idempotent. */
  close(): Promise<void>;
  /** Every link is ready. */
  isReady(): boolean;
  /** Resolves true once every link is ready, false after timeoutMs. */
  whenReady(timeoutMs: number): Promise<boolean>;
  listAxes(): AxisStatus[];
  /** Throws AXIS_NOT_FOUND. */
  axis(name: string): AxisStatus;
  controllers(): ControllerStatus[];
  /** Resolves once the controller accepted the move (status queued, or already done). Throws MotionError. */
  move(axis: string, request: MoveRequest): Promise<MoveRecord>;
  moveCoordinated(request: CoordinatedMoveRequest): Promise<MoveRecord>;
  /** Throws MOVE_NOT_FOUND. */
  getMove(moveId: string): MoveRecord;
  /** Resolves when the move is done, aborted, failed or unknown, or with its state after maxWaitMs. */
  waitForMove(moveId: string, maxWaitMs?: number): Promise<MoveRecord>;
  jog(axis: string, request: JogRequest): Promise<AxisStatus>;
  stop(axis: string): Promise<AxisStatus>;
  enable(axis: string): Promise<AxisStatus>;
  disable(axis: string): Promise<AxisStatus>;
  /** With wait: resolves homed, throws HOMING_FAILED, or resolves homing after maxWaitMs. */
  home(axis: string, options?: { wait?: boolean; maxWaitMs?: number }): Promise<HomeResult>;
  /** Writes 0x18 to every controller at once, ahead of every queue; never throws. */
  estop(): EstopResult;
  /** RESET on every controller; clears the host latch where it succeeds. */
  resetEstop(): Promise<ResetResult>;
  /** Returns an unsubscribe function. */
  subscribe(listener: (event: MotionServiceEvent) => void): () => void;
}

export interface MotionServiceDeps {
  /** Binding for sim:// paths: the simulator's createSimulatorBinding(registry). */
  simulatorBinding?: SerialBinding;
  /** Replaces the serialport transport entirely (tests). */
  transports?: TransportFactory;
  /** Timers and monotonic time; systemClock by default. */
  clock?: Clock;
  /** Service messages; the API keys never reach it. */
  log?: { info(msg: string): void; warn(msg: string): void; error(msg: string): void };
}

interface ControllerRuntime {
  config: ControllerConfig;
  link: ControllerLink;
  axes: AxisRuntime[];
  estopLatched: boolean;
  /** A controller-wide fault (FAULT axis=0, e.g. WATCHDOG): latched until a RESET succeeds. */
  fault: string | undefined;
}

interface AxisExtras {
  controller: ControllerRuntime;
  refreshInFlight: boolean;
  /** A GET is owed after the one in flight; its waiters. */
  refreshAgain: Deferred | undefined;
  /** When the controller last reported on this axis (GET reply, DONE/ABORTED), service clock. */
  lastReportAtMs: number;
  /** End of the last move sent on this axis, for relative moves; undefined after a jog, stop, e-stop. */
  commandedTargetCounts: number | undefined;
  homeWaiters: { resolve(result: HomeResult): void; reject(error: MotionError): void }[];
}

const SETTLED_STATES = new Set(['IDLE', 'DISABLED', 'FAULT', 'ESTOP']);
const UNKNOWN_OUTCOME_CODES = new Set<MotionErrorCode>([
  'MOVE_OUTCOME_UNKNOWN',
  'DEVICE_TIMEOUT',
  'DEVICE_ERROR',
  'INTERNAL_ERROR',
]);

export function createMotionService(config: MotionConfig, deps: MotionServiceDeps = {}): MotionService {
  return new MotionServiceImpl(config, deps);
}

class MotionServiceImpl implements MotionService {
  readonly config: MotionConfig;
  private readonly clock: Clock;
  private readonly controllersById = new Map<string, ControllerRuntime>();
  private readonly axesByName = new Map<string, AxisRuntime>();
  private readonly extras = new Map<AxisRuntime, AxisExtras>();
  private readonly moves: MoveTracker;
  private readonly listeners = new Set<(event: MotionServiceEvent) => void>();
  private readonly timers = new Set<() => void>();
  private started = false;
  private closing: Promise<void> | undefined;
  /** Frames this service has sent, in order (MOVE and GET), for MoveTracker.reconcile(). */
  private sendOrder = 0;
  private cancelPoll: (() => void) | undefined;

  constructor(
    config: MotionConfig,
    private readonly deps: MotionServiceDeps,
  ) {
    this.config = config;
    this.clock = deps.clock ?? systemClock;
    this.moves = new MoveTracker({
      historySize: config.moves.historySize,
      onChange: (move) => this.emit({ type: 'move', move }),
    });
    const transports =
      deps.transports ?? createSerialTransportFactory({ simulatorBinding: deps.simulatorBinding });
    for (const controllerConfig of config.controllers) {
      const axisConfigs = config.axes.filter((a) => a.controller === controllerConfig.id);
      const runtime: ControllerRuntime = {
        config: controllerConfig,
        axes: axisConfigs.map((a) => new AxisRuntime(a)),
        estopLatched: false,
        fault: undefined,
        link: createControllerLink({
          config: controllerConfig,
          reconnect: config.reconnect,
          transports,
          clock: this.clock,
          bringUp: (context) => this.bringUp(runtime, context),
          onEvent: (event) => this.safely(() => this.onDeviceEvent(runtime, event)),
          onStateChange: (state) =>
            this.safely(() => this.emit({ type: 'controller', controller: controllerConfig.id, state })),
          onDown: (error) => this.safely(() => this.onLinkDown(runtime, `${error.code}: ${error.message}`)),
          onWarn: (message) => deps.log?.warn(message),
        }),
      };
      this.controllersById.set(controllerConfig.id, runtime);
      for (const axis of runtime.axes) {
        this.axesByName.set(axis.name, axis);
        this.extras.set(axis, {
          controller: runtime,
          refreshInFlight: false,
          refreshAgain: undefined,
          lastReportAtMs: 0,
          commandedTargetCounts: undefined,
          homeWaiters: [],
        });
      }
    }
  }

  // ---- life cycle ----

  async start(): Promise<void> {
    if (this.started || this.closing) return;
    this.started = true;
    for (const c of this.controllersById.values()) c.link.start();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const cancel of this.timers) cancel();
      this.timers.clear();
      this.cancelPoll?.();
      this.cancelPoll = undefined;
      await Promise.all([...this.controllersById.values()].map((c) => c.link.close()));
      for (const c of this.controllersById.values()) this.onLinkDown(c, 'service closed');
    })();
    return this.closing;
  }

  isReady(): boolean {
    return [...this.controllersById.values()].every((c) => c.link.ready);
  }

  async whenReady(timeoutMs: number): Promise<boolean> {
    if (this.isReady()) return true;
    const timeout = this.delay(timeoutMs);
    const all = Promise.all([...this.controllersById.values()].map((c) => c.link.whenReady())).then(
      () => true,
      () => false,
    );
    try {
      return await Promise.race([all, timeout.promise.then(() => false)]);
    } finally {
      timeout.cancel();
    }
  }

  subscribe(listener: (event: MotionServiceEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- reads ----

  listAxes(): AxisStatus[] {
    return [...this.axesByName.values()].map((a) => this.statusOf(a));
  }

  axis(name: string): AxisStatus {
    return this.statusOf(this.axisOrThrow(name));
  }

  controllers(): ControllerStatus[] {
    return [...this.controllersById.values()].map((c) => ({
      ...c.link.health(),
      estopLatched: c.estopLatched,
      axes: c.axes.map((a) => a.name),
    }));
  }

  getMove(moveId: string): MoveRecord {
    const move = this.moves.get(moveId);
    if (!move) throw new MotionError('MOVE_NOT_FOUND', undefined, { moveId });
    return move;
  }

  async waitForMove(moveId: string, maxWaitMs = this.config.moves.maxWaitMs): Promise<MoveRecord> {
    this.getMove(moveId);
    const timeout = this.delay(Math.min(maxWaitMs, this.config.moves.maxWaitMs));
    try {
      return await this.moves.wait(moveId, timeout.promise);
    } finally {
      timeout.cancel();
    }
  }

  // ---- motion ----

  async move(name: string, request: MoveRequest): Promise<MoveRecord> {
    const axis = this.axisOrThrow(name);
    const extras = this.extrasOf(axis);
    const target = this.targetOf(axis, request, extras.commandedTargetCounts);
    const velocity = this.rateOf(axis, request.velocity, 'velocity');
    const acceleration = this.rateOf(axis, request.acceleration, 'acceleration');
    this.assertCanMove(axis, { requireHomed: true });
    const record = this.moves.create('single', [
      this.legOf(axis, target, velocity.units, acceleration.units),
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
    const axes = names.map((n) => this.axisOrThrow(n));
    // 1. Every axis must be idle with nothing queued, or the axes could not start together.
    for (const axis of axes) {
      this.assertCanMove(axis, { requireHomed: true });
      await this.assertIdle(axis);
    }
    // 2. Targets and per-axis caps, in counts.
    const legs = request.axes.map((entry, i) => {
      const axis = axes[i]!;
      const target = this.targetOf(axis, entry, undefined);
      const velocity = this.rateOf(axis, entry.velocity, 'velocity');
      const acceleration = this.rateOf(axis, entry.acceleration, 'acceleration');
      return {
        axis,
        target,
        velocity,
        acceleration,
        distanceCounts: target.counts - (axis.positionCounts ?? 0),
      };
    });
    // 3. One profile for all: velocities and accelerations scaled by each axis's distance.
    const plan = planCoordinated(
      legs.map((l) => ({
        distanceCounts: l.distanceCounts,
        velocityLimitCountsPerS: l.velocity.counts,
        accelerationLimitCountsPerS2: l.acceleration.counts,
      })),
    );
    const record = this.moves.create(
      'coordinated',
      legs.map((l, i) => {
        const cpu = l.axis.config.countsPerUnit;
        return this.legOf(
          l.axis,
          l.target,
          countsToUnits(plan.legs[i]!.velocityCountsPerS, cpu),
          countsToUnits(plan.legs[i]!.accelerationCountsPerS2, cpu),
        );
      }),
    );
    // 4. Send every MOVE in one burst, without awaiting in between, so the frames leave back to back.
    const sends = legs.map((l, i) => {
      const p = plan.legs[i]!;
      if (p.velocityCountsPerS === 0) {
        this.moves.completedInPlace(record.moveId, i, l.target.units);
        return Promise.resolve();
      }
      return this.sendLeg(record, i, l.axis, l.target, p.velocityCountsPerS, p.accelerationCountsPerS2);
    });
    const results = await Promise.allSettled(sends);
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (!failure) return record;
    // 5. One leg was refused: stop the ones that were accepted, so no axis travels alone.
    await Promise.allSettled(
      record.legs.map((leg, i) =>
        leg.status === 'queued'
          ? this.command(legs[i]!.axis, 'STOP', { axis: legs[i]!.axis.config.axis })
          : undefined,
      ),
    );
    const error = failure.reason as MotionError;
    throw withMove(error, record);
  }

  async jog(name: string, request: JogRequest): Promise<AxisStatus> {
    const axis = this.axisOrThrow(name);
    const c = axis.config;
    if (Math.abs(request.velocity) > c.maxVelocityUnitsPerS) {
      throw new MotionError(
        'VELOCITY_OUT_OF_RANGE',
        `|${request.velocity}| > ${c.maxVelocityUnitsPerS} ${c.unit}/s`,
        {
          axis: name,
        },
      );
    }
    const acceleration = this.rateOf(axis, request.acceleration, 'acceleration');
    this.assertCanMove(axis, { requireHomed: false });
    this.extrasOf(axis).commandedTargetCounts = undefined;
    await this.command(axis, 'JOG', {
      axis: c.axis,
      vel: unitsToCounts(request.velocity, c.countsPerUnit),
      acc: acceleration.counts,
    });
    return this.statusOf(axis);
  }

  async stop(name: string): Promise<AxisStatus> {
    const axis = this.axisOrThrow(name);
    this.assertConnected(axis);
    this.extrasOf(axis).commandedTargetCounts = undefined;
    await this.command(axis, 'STOP', { axis: axis.config.axis });
    return this.statusOf(axis);
  }

  async enable(name: string): Promise<AxisStatus> {
    const axis = this.axisOrThrow(name);
    this.assertConnected(axis);
    if (this.extrasOf(axis).controller.estopLatched)
      throw new MotionError('AXIS_ESTOP', undefined, { axis: name });
    await this.command(axis, 'ENABLE', { axis: axis.config.axis });
    return this.statusOf(axis);
  }

  async disable(name: string): Promise<AxisStatus> {
    const axis = this.axisOrThrow(name);
    this.assertConnected(axis);
    this.extrasOf(axis).commandedTargetCounts = undefined;
    await this.command(axis, 'DISABLE', { axis: axis.config.axis });
    return this.statusOf(axis);
  }

  async home(name: string, options: { wait?: boolean; maxWaitMs?: number } = {}): Promise<HomeResult> {
    const axis = this.axisOrThrow(name);
    this.assertCanMove(axis, { requireHomed: false });
    const extras = this.extrasOf(axis);
    extras.commandedTargetCounts = undefined;
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
      this.axisChanged(axis);
    }
    if (!options.wait) return { axis: name, status: axis.homed ? 'homed' : 'homing' };
    if (axis.homed) return { axis: name, status: 'homed' };
    const timeout = this.delay(
      Math.min(options.maxWaitMs ?? this.config.moves.maxWaitMs, this.config.moves.maxWaitMs),
    );
    try {
      return await new Promise<HomeResult>((resolve, reject) => {
        const waiter = { resolve, reject };
        extras.homeWaiters.push(waiter);
        void timeout.promise.then(() => {
          const i = extras.homeWaiters.indexOf(waiter);
          if (i >= 0) extras.homeWaiters.splice(i, 1);
          resolve({ axis: name, status: axis.homed ? 'homed' : 'homing' });
        });
      });
    } finally {
      timeout.cancel();
    }
  }

  estop(): EstopResult {
    const controllers: EstopResult['controllers'] = [];
    // Each controller separately: one failing write must not keep the byte from the others.
    for (const c of this.controllersById.values()) {
      let delivered = false;
      try {
        delivered = c.link.estop();
      } catch (error) {
        this.deps.log?.error(`e-stop write to ${c.config.id} failed: ${(error as Error).message}`);
      }
      c.estopLatched = true;
      controllers.push({ id: c.config.id, delivered });
    }
    for (const axis of this.axesByName.values()) {
      this.safely(() => {
        this.extrasOf(axis).commandedTargetCounts = undefined;
        this.axisChanged(axis);
      });
    }
    const result = { delivered: controllers.every((c) => c.delivered), controllers };
    if (!result.delivered) {
      this.deps.log?.warn(
        `e-stop not written to ${controllers
          .filter((c) => !c.delivered)
          .map((c) => c.id)
          .join(', ')}: the host latch re-sends it on reconnect`,
      );
    }
    return result;
  }

  async resetEstop(): Promise<ResetResult> {
    const controllers = await Promise.all(
      [...this.controllersById.values()].map(async (c) => {
        const id = c.config.id;
        if (!c.link.ready) return { id, ok: false, code: 'CONTROLLER_DISCONNECTED' as MotionErrorCode };
        try {
          const reply = await c.link.request('RESET', {});
          if (!reply.ok) return { id, ok: false, code: 'ESTOP_INPUT_ACTIVE' as MotionErrorCode };
          c.estopLatched = false;
          c.fault = undefined;
          for (const axis of c.axes) {
            axis.fault = undefined;
            void this.refresh(axis);
          }
          return { id, ok: true, code: null };
        } catch (error) {
          return { id, ok: false, code: failureFromRejection(error, 'RESET', {}).error.code };
        }
      }),
    );
    return { ok: controllers.every((c) => c.ok), controllers };
  }

  // ---- bring-up and events ----

  private async bringUp(
    c: ControllerRuntime,
    context: Parameters<typeof bringUpController>[0],
  ): Promise<void> {
    // An e-stop asked for while the link was down is delivered now, before anything else.
    if (c.estopLatched) c.link.estop();
    const states = await bringUpController(
      context,
      c.axes.map((a) => a.config),
      c.config.streamHz,
    );
    if (context.rebooted === true) {
      this.deps.log?.warn(`${c.config.id} rebooted: its axes must be homed again`);
      c.fault = undefined;
      this.moves.forgetController(c.config.id, 'the controller rebooted');
      for (const axis of c.axes) axis.markRebooted();
    }
    for (const axis of c.axes) {
      const fields = states.get(axis.name);
      if (fields) axis.applyGet(fields);
      if (fields?.st === 'ESTOP') c.estopLatched = true;
      this.extrasOf(axis).commandedTargetCounts = undefined;
      this.axisChanged(axis);
    }
  }

  private onLinkDown(c: ControllerRuntime, detail: string): void {
    this.moves.lostSight(c.config.id, `link to ${c.config.id} lost: ${detail}`);
    for (const axis of c.axes) {
      const extras = this.extrasOf(axis);
      extras.commandedTargetCounts = undefined;
      this.rejectHomeWaiters(
        axis,
        new MotionError('MOVE_OUTCOME_UNKNOWN', `homing ${axis.name}: link lost (${detail})`, {
          axis: axis.name,
          controller: c.config.id,
        }),
      );
      this.axisChanged(axis);
    }
  }

  private onDeviceEvent(c: ControllerRuntime, event: EventFrame): void {
    if (event.event === 'POS') {
      const { p, v } = event.fields;
      for (const axis of c.axes) {
        const i = axis.config.axis - 1;
        if (i >= p.length) continue;
        if (axis.positionCounts === p[i] && axis.velocityCountsPerS === v[i]) continue;
        axis.positionCounts = p[i];
        axis.velocityCountsPerS = v[i];
        this.axisChanged(axis);
      }
      return;
    }
    const axisNumber = 'axis' in event.fields ? event.fields.axis : 0;
    const axis = c.axes.find((a) => a.config.axis === axisNumber);
    switch (event.event) {
      case 'DONE':
      case 'ABORTED': {
        const outcome = event.event === 'DONE' ? 'done' : 'aborted';
        this.moves.reported(c.config.id, event.fields.seq, outcome, event.fields.pos);
        if (axis) {
          axis.positionCounts = event.fields.pos;
          this.extrasOf(axis).lastReportAtMs = this.clock.monotonicMs();
          void this.refresh(axis);
        }
        break;
      }
      case 'HOMED':
        if (axis) {
          axis.homed = true;
          axis.homing = false;
          axis.positionUncertain = false;
          axis.positionCounts = event.fields.pos;
          const extras = this.extrasOf(axis);
          for (const waiter of extras.homeWaiters.splice(0))
            waiter.resolve({ axis: axis.name, status: 'homed' });
          void this.refresh(axis);
        }
        break;
      case 'FAULT': {
        if (axisNumber === 0) c.fault = event.fields.code;
        const affected = axisNumber === 0 ? c.axes : axis ? [axis] : [];
        for (const a of affected) {
          if (axisNumber !== 0) a.fault = event.fields.code;
          this.rejectHomeWaiters(
            a,
            new MotionError('HOMING_FAILED', `homing ${a.name} ended in FAULT ${event.fields.code}`, {
              axis: a.name,
              deviceCode: event.fields.code,
            }),
          );
          void this.refresh(a);
        }
        break;
      }
      case 'ESTOP':
        c.estopLatched = true;
        for (const a of c.axes) {
          a.homing = false;
          this.rejectHomeWaiters(
            a,
            new MotionError('AXIS_ESTOP', `homing ${a.name} cut short by e-stop`, { axis: a.name }),
          );
          this.extrasOf(a).commandedTargetCounts = undefined;
          void this.refresh(a);
        }
        break;
      case 'BOOT':
        // The link ends the session (PROTO_DEVICE_RESET) and its bring-up reports the reboot;
        // a BOOT at first contact (a controller that resets when its port opens) changes nothing.
        break;
      case 'BADFRAME':
        break;
    }
    this.emit({
      type: 'device',
      controller: c.config.id,
      axis: axis?.name ?? null,
      event: event.event,
      fields: { ...event.fields },
    });
  }

  // ---- helpers ----

  private sendLeg(
    record: MoveRecord,
    index: number,
    axis: AxisRuntime,
    target: { counts: number; units: number },
    velocityCounts: number,
    accelerationCounts: number,
  ): Promise<void> {
    const extras = this.extrasOf(axis);
    const c = extras.controller;
    const ext: ProblemExtensions = { axis: axis.name, controller: c.config.id, moveId: record.moveId };
    const what = `MOVE ${axis.name}`;
    extras.commandedTargetCounts = target.counts;
    return c.link
      .request(
        'MOVE',
        { axis: axis.config.axis, pos: target.counts, vel: velocityCounts, acc: accelerationCounts },
        { onSent: (seq) => this.moves.bindSeq(record.moveId, index, seq, ++this.sendOrder) },
      )
      .then(
        (reply) => {
          if (reply.ok) {
            this.moves.accepted(record.moveId, index);
            void this.refresh(axis);
            this.armPoll();
            return;
          }
          const error = errorFromReply(reply, what, ext);
          this.moves.failed(record.moveId, index, 'failed', { code: error.code, detail: error.message });
          if (extras.commandedTargetCounts === target.counts) extras.commandedTargetCounts = undefined;
          throw withMove(error, record);
        },
        (rejection: unknown) => {
          const { error, outcome } = failureFromRejection(rejection, what, ext);
          this.moves.failed(record.moveId, index, outcome, { code: error.code, detail: error.message });
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
    const c = this.extrasOf(axis).controller;
    const ext: ProblemExtensions = { axis: axis.name, controller: c.config.id };
    const what = `${verb} ${axis.name}`;
    let reply: Awaited<ReturnType<ControllerLink['request']>>;
    try {
      reply = await c.link.request(verb, args as never);
    } catch (rejection) {
      void this.refresh(axis);
      throw failureFromRejection(rejection, what, ext).error;
    }
    // The answer shows the state after the command, not the report from before it.
    await this.refresh(axis);
    if (!reply.ok) throw errorFromReply(reply, what, ext);
  }

  /**
   * GET the axis again; resolves once a GET sent after this call has been applied (never rejects).
   * Coalesced: at most one GET per axis is in flight and one more is owed.
   */
  private refresh(axis: AxisRuntime): Promise<void> {
    const extras = this.extrasOf(axis);
    if (extras.refreshInFlight) {
      extras.refreshAgain ??= deferred();
      return extras.refreshAgain.promise;
    }
    if (!extras.controller.link.ready) return Promise.resolve();
    extras.refreshInFlight = true;
    let getOrder = Number.NEGATIVE_INFINITY;
    return extras.controller.link
      .request('GET', { axis: axis.config.axis }, { onSent: () => (getOrder = ++this.sendOrder) })
      .then(
        (reply) => {
          if (reply.ok) this.applyRefresh(axis, reply.fields, getOrder);
        },
        () => {},
      )
      .finally(() => {
        extras.refreshInFlight = false;
        const owed = extras.refreshAgain;
        extras.refreshAgain = undefined;
        if (owed) void this.refresh(axis).then(owed.resolve);
      });
  }

  private applyRefresh(axis: AxisRuntime, fields: ReplyFieldsOf<'GET'>, getOrder: number): void {
    const wasHoming = axis.homing;
    axis.applyGet(fields);
    this.extrasOf(axis).lastReportAtMs = this.clock.monotonicMs();
    const lost = this.moves.reconcile(axis.name, fields.q, getOrder);
    if (lost > 0) this.deps.log?.warn(`${axis.name}: ${lost} DONE/ABORTED event(s) lost on the line`);
    // Homing that stopped without HOMED (a STOP, a fault cleared meanwhile) fails its waiters.
    if (wasHoming && !axis.homing && !axis.homed && fields.st !== 'HOMING') {
      this.rejectHomeWaiters(
        axis,
        new MotionError('HOMING_FAILED', `homing ${axis.name} ended in ${fields.st} without HOMED`, {
          axis: axis.name,
        }),
      );
    }
    this.axisChanged(axis);
  }

  private async assertIdle(axis: AxisRuntime): Promise<void> {
    const busy = () =>
      this.moves.openCount(axis.name) > 0 ||
      axis.deviceQueue > 0 ||
      (axis.deviceState !== undefined && !SETTLED_STATES.has(axis.deviceState));
    // The last report may predate a DONE that just arrived: ask once before refusing.
    if (busy()) await this.refreshNow(axis);
    if (busy()) {
      throw new MotionError('AXIS_BUSY', `${axis.name} is ${axis.deviceState ?? 'unknown'} with moves open`, {
        axis: axis.name,
      });
    }
  }

  private async refreshNow(axis: AxisRuntime): Promise<void> {
    const c = this.extrasOf(axis).controller;
    let getOrder = Number.NEGATIVE_INFINITY;
    try {
      const reply = await c.link.request(
        'GET',
        { axis: axis.config.axis },
        { onSent: () => (getOrder = ++this.sendOrder) },
      );
      if (reply.ok) this.applyRefresh(axis, reply.fields, getOrder);
    } catch (rejection) {
      throw failureFromRejection(rejection, `GET ${axis.name}`, { axis: axis.name }).error;
    }
  }

  private assertConnected(axis: AxisRuntime): void {
    const c = this.extrasOf(axis).controller;
    if (this.closing)
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
    const c = this.extrasOf(axis).controller;
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

  private targetOf(
    axis: AxisRuntime,
    request: MoveRequest,
    commandedTargetCounts: number | undefined,
  ): { counts: number; units: number } {
    const c = axis.config;
    const hasPosition = request.position !== undefined;
    const hasDistance = request.distance !== undefined;
    if (hasPosition === hasDistance) {
      throw new MotionError('INVALID_MOVE', 'give exactly one of position and distance', { axis: c.name });
    }
    let units: number;
    if (hasPosition) units = request.position!;
    else {
      const open = this.moves.openCount(axis.name) > 0;
      const baseCounts =
        open && commandedTargetCounts !== undefined ? commandedTargetCounts : axis.positionCounts;
      if (baseCounts === undefined) {
        throw new MotionError('AXIS_BUSY', `${c.name}: position not known yet`, { axis: c.name });
      }
      units = countsToUnits(baseCounts, c.countsPerUnit) + request.distance!;
    }
    if (!Number.isFinite(units) || units < c.minUnits || units > c.maxUnits) {
      throw new MotionError(
        'TARGET_OUT_OF_RANGE',
        `${units} ${c.unit} is outside [${c.minUnits}, ${c.maxUnits}]`,
        {
          axis: c.name,
        },
      );
    }
    const counts = unitsToCounts(units, c.countsPerUnit);
    return { counts, units: countsToUnits(counts, c.countsPerUnit) };
  }

  private rateOf(
    axis: AxisRuntime,
    requested: number | undefined,
    kind: 'velocity' | 'acceleration',
  ): { units: number; counts: number } {
    const c = axis.config;
    const max = kind === 'velocity' ? c.maxVelocityUnitsPerS : c.maxAccelerationUnitsPerS2;
    const units =
      requested ?? (kind === 'velocity' ? c.defaultVelocityUnitsPerS : c.defaultAccelerationUnitsPerS2);
    if (!(units > 0) || units > max) {
      const code = kind === 'velocity' ? 'VELOCITY_OUT_OF_RANGE' : 'ACCELERATION_OUT_OF_RANGE';
      throw new MotionError(code, `${kind} ${units} is outside (0, ${max}]`, { axis: c.name });
    }
    const counts = Math.min(
      unitsToPositiveCounts(units, c.countsPerUnit),
      unitsToPositiveCounts(max, c.countsPerUnit),
    );
    return { units, counts };
  }

  private legOf(
    axis: AxisRuntime,
    target: { units: number },
    velocity: number,
    acceleration: number,
  ): NewLeg {
    return {
      axis: axis.name,
      controller: axis.config.controller,
      targetPosition: target.units,
      velocity,
      acceleration,
      countsPerUnit: axis.config.countsPerUnit,
    };
  }

  private rejectHomeWaiters(axis: AxisRuntime, error: MotionError): void {
    for (const waiter of this.extrasOf(axis).homeWaiters.splice(0)) waiter.reject(error);
  }

  private statusOf(axis: AxisRuntime): AxisStatus {
    const c = this.extrasOf(axis).controller;
    return axis.status(c.link.ready, c.estopLatched, c.fault, this.moves.openCount(axis.name));
  }

  private axisOrThrow(name: string): AxisRuntime {
    const axis = this.axesByName.get(name);
    if (!axis) throw new MotionError('AXIS_NOT_FOUND', `no axis "${name}"`, { axis: name });
    return axis;
  }

  private extrasOf(axis: AxisRuntime): AxisExtras {
    return this.extras.get(axis)!;
  }

  private axisChanged(axis: AxisRuntime): void {
    this.emit({ type: 'axis', axis: axis.name });
  }

  private emit(event: MotionServiceEvent): void {
    for (const listener of this.listeners) this.safely(() => listener(event));
  }

  /** One failing listener or handler must not break the others (the e-stop path above all). */
  private safely(run: () => void): void {
    try {
      run();
    } catch (error) {
      this.deps.log?.error(`motion service handler failed: ${(error as Error)?.stack ?? String(error)}`);
    }
  }

  /**
   * While moves are queued anywhere, reads each quiet axis every pollIntervalMs: an event lost on
   * the line would otherwise leave its move queued for ever. Stops when nothing is queued.
   */
  private armPoll(): void {
    if (this.cancelPoll || this.closing) return;
    const intervalMs = this.config.moves.pollIntervalMs;
    this.cancelPoll = this.clock.after(intervalMs, () => {
      this.cancelPoll = undefined;
      let anyQueued = false;
      for (const axis of this.axesByName.values()) {
        if (!this.moves.hasQueued(axis.name)) continue;
        anyQueued = true;
        if (this.clock.monotonicMs() - this.extrasOf(axis).lastReportAtMs >= intervalMs) void this.refresh(axis);
      }
      if (anyQueued) this.armPoll();
    });
  }

  /** A cancellable wait on the service clock. */
  private delay(ms: number): { promise: Promise<void>; cancel(): void } {
    let cancelTimer: () => void = () => {};
    const promise = new Promise<void>((resolve) => {
      cancelTimer = this.clock.after(ms, () => {
        this.timers.delete(cancel);
        resolve();
      });
    });
    const cancel = () => {
      cancelTimer();
      this.timers.delete(cancel);
    };
    this.timers.add(cancel);
    return { promise, cancel };
  }
}

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
}

function deferred(): Deferred {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Adds the move's id and status to an error about it (problem+json extension members). */
function withMove(error: MotionError, record: MoveRecord): MotionError {
  return new MotionError(error.code, error.message, {
    ...error.extensions,
    moveId: record.moveId,
    moveStatus: record.status,
  });
}
