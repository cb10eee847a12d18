// The motion service: owns one driver per controller (drivers/driver.ts, the seam every protocol is
// behind) and composes the parts that each do one job: the
// command API (motion-commands.ts), the device-event reducer (device-events.ts), move planning and unit
// conversion (move-planning.ts), the polling of quiet axes (axis-poller.ts), with the axes' state in one
// place (motion-context.ts, axis-runtime.ts). No HTTP here: buildApp() and the edge gateway both drive
// it through this typed interface.

import { type Clock, systemClock } from '@servo-edge/common/clock';
import { type Logger, silentLogger } from '@servo-edge/common/log';
import type { MotionConfig } from '../config/schema.js';
import { createDriver, type DriverFactory } from '../drivers/create-driver.js';
import type { DriverKind } from '../drivers/driver.js';
import { MotionError } from '../errors.js';
import { createSerialTransportFactory, type SerialBinding } from '../link/serial-transport.js';
import type { TransportFactory } from '../link/transport.js';
import { AxisPoller } from './axis-poller.js';
import { AxisRuntime, type AxisStatus, type ControllerRuntime } from './axis-runtime.js';
import { DeviceEventReducer } from './device-events.js';
import type { JogLease } from './jog-leases.js';
import { MotionCommands } from './motion-commands.js';
import { MotionContext } from './motion-context.js';
import type { MoveRecord } from './move-tracker.js';
import type {
  ControllerStatus,
  CoordinatedMoveRequest,
  EstopResult,
  HomeResult,
  JogRequest,
  JogResult,
  MotionServiceEvent,
  ResetResult,
  SingleMoveRequest,
} from './types.js';

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
  move(axis: string, request: SingleMoveRequest): Promise<MoveRecord>;
  moveCoordinated(request: CoordinatedMoveRequest): Promise<MoveRecord>;
  /** Throws MOVE_NOT_FOUND. */
  getMove(moveId: string): MoveRecord;
  /** Resolves when the move is done, aborted, failed or unknown, or with its state after maxWaitMs. */
  waitForMove(moveId: string, maxWaitMs?: number): Promise<MoveRecord>;
  /** With request.leaseMs, a hold-to-run jog: the answer carries its lease, renewed with renewJog(). */
  jog(axis: string, request: JogRequest): Promise<JogResult>;
  /** Renews a jog's lease for its leaseMs from now; throws JOG_LEASE_NOT_FOUND when it is over. */
  renewJog(axis: string, leaseId: string): Promise<JogLease>;
  /**
   * Cancels an open move: a controlled stop of its axes (MC_Stop; PROTOCOL.md §v2 Triggered moves: an
   * armed triggered move is cancelled by STOP). Every move queued on those axes ends aborted too. A move
   * already over is returned as it is.
   */
  cancelMove(moveId: string): Promise<MoveRecord>;
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
  /** Replaces the driver of a kind (tests): a factory over the same DriverOptions. */
  drivers?: Partial<Record<DriverKind, DriverFactory>>;
  /** Timers and durations (monotonic), move timestamps (epoch); systemClock by default. */
  clock?: Clock;
  /** The process's logger (@servo-edge/common/log); silent by default. The API keys never reach it. */
  log?: Logger;
}

export function createMotionService(config: MotionConfig, deps: MotionServiceDeps = {}): MotionService {
  return new MotionServiceImpl(config, deps);
}

class MotionServiceImpl implements MotionService {
  readonly config: MotionConfig;
  private readonly ctx: MotionContext;
  private readonly poller: AxisPoller;
  private readonly reducer: DeviceEventReducer;
  private readonly commands: MotionCommands;
  private started = false;
  private closing: Promise<void> | undefined;

  constructor(config: MotionConfig, deps: MotionServiceDeps) {
    this.config = config;
    const ctx = new MotionContext(config, deps.clock ?? systemClock, deps.log ?? silentLogger);
    this.ctx = ctx;
    this.poller = new AxisPoller(ctx, (axis, report, readOrder) =>
      this.reducer.onReport(axis, report, readOrder),
    );
    this.reducer = new DeviceEventReducer(
      ctx,
      (axis) => this.poller.refresh(axis),
      (axes) => this.commands.jogLeases.endAll(axes),
      (axis) => this.poller.readUntilStill(axis),
      {
        suspend: (axes) => this.commands.jogLeases.suspendAll(axes),
        resume: (axis, stillMoving) => this.commands.jogLeases.resume(axis, stillMoving),
      },
    );
    this.commands = new MotionCommands(ctx, this.poller);
    const transports =
      deps.transports ?? createSerialTransportFactory({ simulatorBinding: deps.simulatorBinding });
    for (const controllerConfig of config.controllers) {
      const axisConfigs = config.axes.filter((a) => a.controller === controllerConfig.id);
      const axes: AxisRuntime[] = [];
      const runtime: ControllerRuntime = {
        config: controllerConfig,
        axes,
        estopLatched: false,
        fault: undefined,
        driver: createDriver(
          controllerConfig.driver,
          {
            config: controllerConfig,
            axes: axisConfigs,
            reconnect: config.reconnect,
            transports,
            clock: ctx.clock,
            log: ctx.log,
            hooks: {
              // An e-stop asked for while the link was down is delivered before anything else.
              softwareStopPending: () => runtime.estopLatched,
              connected: (reports, rebooted) => this.reducer.onConnected(runtime, reports, rebooted === true),
              event: (event) => ctx.safely(() => this.reducer.onEvent(runtime, event)),
              stateChanged: (state) =>
                ctx.safely(() => ctx.emit({ type: 'controller', controller: controllerConfig.id, state })),
              down: (error) =>
                ctx.safely(() => this.reducer.onLinkDown(runtime, `${error.code}: ${error.message}`)),
            },
          },
          deps.drivers,
        ),
      };
      for (const axisConfig of axisConfigs) axes.push(new AxisRuntime(axisConfig, runtime));
      ctx.controllers.set(controllerConfig.id, runtime);
      for (const axis of axes) ctx.axes.set(axis.name, axis);
    }
  }

  // ---- life cycle ----

  async start(): Promise<void> {
    if (this.started || this.closing) return;
    this.started = true;
    for (const c of this.ctx.controllers.values()) c.driver.start();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.ctx.closing = true;
      this.ctx.cancelTimers();
      this.poller.close();
      await Promise.all([...this.ctx.controllers.values()].map((c) => c.driver.close()));
      for (const c of this.ctx.controllers.values()) this.reducer.onLinkDown(c, 'service closed');
    })();
    return this.closing;
  }

  isReady(): boolean {
    return [...this.ctx.controllers.values()].every((c) => c.driver.ready);
  }

  async whenReady(timeoutMs: number): Promise<boolean> {
    if (this.isReady()) return true;
    const timeout = this.ctx.delay(timeoutMs);
    const all = Promise.all([...this.ctx.controllers.values()].map((c) => c.driver.whenReady())).then(
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
    return this.ctx.subscribe(listener);
  }

  // ---- reads ----

  listAxes(): AxisStatus[] {
    return [...this.ctx.axes.values()].map((a) => this.ctx.statusOf(a));
  }

  axis(name: string): AxisStatus {
    return this.ctx.statusOf(this.ctx.axisOrThrow(name));
  }

  controllers(): ControllerStatus[] {
    return [...this.ctx.controllers.values()].map((c) => {
      const health = c.driver.health();
      return {
        ...health,
        proto: health.proto ?? null,
        features: health.features ?? [],
        missingFeatures: health.missingFeatures ?? [],
        driver: c.driver.kind,
        capabilities: c.driver.capabilities,
        estopLatched: c.estopLatched,
        axes: c.axes.map((a) => a.name),
      };
    });
  }

  getMove(moveId: string): MoveRecord {
    const move = this.ctx.moves.get(moveId);
    if (!move) throw new MotionError('MOVE_NOT_FOUND', undefined, { moveId });
    return move;
  }

  async waitForMove(moveId: string, maxWaitMs = this.config.moves.maxWaitMs): Promise<MoveRecord> {
    this.getMove(moveId);
    const timeout = this.ctx.delay(Math.min(maxWaitMs, this.config.moves.maxWaitMs));
    try {
      return await this.ctx.moves.wait(moveId, timeout.promise);
    } finally {
      timeout.cancel();
    }
  }

  // ---- commands (motion-commands.ts) ----

  move(axis: string, request: SingleMoveRequest): Promise<MoveRecord> {
    return this.commands.move(axis, request);
  }

  moveCoordinated(request: CoordinatedMoveRequest): Promise<MoveRecord> {
    return this.commands.moveCoordinated(request);
  }

  jog(axis: string, request: JogRequest): Promise<JogResult> {
    return this.commands.jog(axis, request);
  }

  renewJog(axis: string, leaseId: string): Promise<JogLease> {
    return this.commands.renewJog(axis, leaseId);
  }

  cancelMove(moveId: string): Promise<MoveRecord> {
    return this.commands.cancelMove(this.getMove(moveId));
  }

  stop(axis: string): Promise<AxisStatus> {
    return this.commands.stop(axis);
  }

  enable(axis: string): Promise<AxisStatus> {
    return this.commands.enable(axis);
  }

  disable(axis: string): Promise<AxisStatus> {
    return this.commands.disable(axis);
  }

  home(axis: string, options?: { wait?: boolean; maxWaitMs?: number }): Promise<HomeResult> {
    return this.commands.home(axis, options);
  }

  estop(): EstopResult {
    return this.commands.estop();
  }

  resetEstop(): Promise<ResetResult> {
    return this.commands.resetEstop();
  }
}
