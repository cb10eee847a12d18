// A simulated servo controller: the device end of a serial cable. DeviceSession speaks protocol v2 (or
// only v1, with `protocol: 1`) and negotiates per session (§v2 Negotiation), ControllerModel moves the
// axes behind the handler of session-handler.ts, and a SerialWire (link/serial-wire.ts: the paced pipes,
// line faults, attachment and plug state every simulated link shares) is the cable. Transports (the
// serialport binding, the pty server) attach a HostEndpoint to its far end.

import type { Clock, MonotonicMs } from '@servo-edge/common/clock';
import { systemClock } from '@servo-edge/common/clock';
import {
  createSessionDriver,
  DeviceSession,
  type EventFieldsOf,
  type EventName,
  type SessionDriver,
} from '@servo-edge/firmware-protocol';
import { seededRandom } from '@servo-edge/firmware-protocol/testing';
import {
  type ResolvedControllerConfig,
  resolveControllerConfig,
  type SimulatedControllerOptions,
} from './config.js';
import { SimulatorError } from './errors.js';
import { SerialWire } from './link/serial-wire.js';
import { ControllerModel } from './model/controller-model.js';
import { createSessionHandler } from './session-handler.js';
import type {
  Attachment,
  AxisSnapshot,
  ControllerStatus,
  ExecutedCommand,
  FaultInjector,
  HostEndpoint,
  SimulatedController,
} from './types.js';

/** POS samples are skipped while this much wire time is already queued toward the host. */
const TELEMETRY_BACKLOG_LIMIT_MS = 20;
/** Without pacing, the same guard in bytes. */
const TELEMETRY_BACKLOG_LIMIT_BYTES = 4096;
const EVENT_MARK = '!'.charCodeAt(0);

class Controller implements SimulatedController {
  readonly model = 'servo-edge' as const;
  readonly id: string;
  readonly path: string;
  readonly axisCount: number;
  readonly baud: number;
  readonly pacing: boolean;
  readonly clock: Clock;
  readonly faults: FaultInjector;

  private readonly config: ResolvedControllerConfig;
  private readonly axesModel: ControllerModel;
  private readonly session: DeviceSession;
  private readonly wire: SerialWire;
  private readonly sessionDriver: SessionDriver;
  private readonly modelDriver: SessionDriver;
  private readonly log: ExecutedCommand[] = [];
  private started = false;
  private closed = false;
  private bootCount = 0;
  private sessionCount = 0;
  /** Events raised while the handler runs go out after the line the session writes next (its reply). */
  private inHandler = false;
  private deferred: [EventName, EventFieldsOf<EventName>][] = [];

  constructor(options: SimulatedControllerOptions) {
    this.config = resolveControllerConfig(options);
    const config = this.config;
    this.id = config.id;
    this.path = config.path;
    this.axisCount = config.axes;
    this.baud = config.baud;
    this.pacing = config.pacing;
    this.clock = options.clock ?? systemClock;
    const clock = this.clock;
    this.wire = new SerialWire({
      path: config.path,
      clock,
      baud: config.baud,
      pacing: config.pacing,
      faults: {
        corruptRate: config.faults.corruptRate,
        dropRate: config.faults.dropRate,
        duplicateRate: config.faults.duplicateRate,
        extraLatencyMs: config.faults.extraLatencyMs,
        direction: config.faults.direction,
      },
      seed: config.seed,
      receive: (bytes) => this.receiveFromWire(bytes),
      power: () => (this.closed ? 'closed' : this.started ? 'on' : 'off'),
    });
    const wire = this.wire;
    this.axesModel = new ControllerModel({
      config,
      nowMs: () => clock.monotonicMs(),
      emit: (event, fields) => this.emitEvent(event, fields),
      telemetryHasRoom: () =>
        config.pacing
          ? wire.toHostBacklogMs() < TELEMETRY_BACKLOG_LIMIT_MS
          : wire.toHostPendingBytes < TELEMETRY_BACKLOG_LIMIT_BYTES,
      random: seededRandom(config.seed ^ 0x5bd1e995),
    });
    const model = this.axesModel;
    this.session = new DeviceSession({
      clock,
      write: (bytes) => this.deviceWrite(bytes),
      maxProtocol: config.protocol,
      // §v2 Events: the retransmission timeout counts wire time at the link's rate.
      baud: config.baud,
      identity: {
        fw: config.fw,
        axes: config.axes,
        rxBytes: config.rxBytes,
        windowFrames: config.windowFrames,
        queueDepth: config.queueDepth,
        watchdogDefaultMs: config.watchdogDefaultMs,
        // §v2 Negotiation / §v2 Sizing: HELLO 2's ev= and pmax=.
        ...(config.protocol >= 2 ? { eventWindow: config.eventWindow, positionMax: config.positionMax } : {}),
      },
      handler: createSessionHandler({
        model,
        protocol: config.protocol,
        inHandler: (run) => this.inHandlerDo(run),
        record: (verb, args, seq) => this.record(verb, args, seq),
        sessionStarted: () => {
          this.sessionCount++;
        },
      }),
    });
    this.sessionDriver = createSessionDriver(
      {
        tick: () => {
          this.session.tick();
          this.afterActivity();
        },
        nextDeadlineMs: () => this.session.nextDeadlineMs(),
      },
      clock,
    );
    this.modelDriver = createSessionDriver(
      {
        tick: () => {
          model.tick();
          this.afterActivity();
        },
        // The model keeps its time on this controller's monotonic clock.
        nextDeadlineMs: () => model.nextDeadlineMs() as MonotonicMs | undefined,
      },
      clock,
    );
    this.faults = this.createFaultInjector();
  }

  get status(): ControllerStatus {
    if (this.started && !this.closed) this.axesModel.advance();
    const model = this.axesModel.status;
    return {
      started: this.started,
      closed: this.closed,
      pluggedIn: this.wire.pluggedIn,
      hasSession: this.session.hasSession,
      bootCount: this.bootCount,
      estopLatched: model.estopLatched,
      estopInputActive: model.estopInputActive,
      watchdogFaultLatched: model.watchdogFaultLatched,
      watchdogMs: this.session.currentWatchdogMs,
      streamHz: model.streamHz,
    };
  }

  get executed(): readonly ExecutedCommand[] {
    return this.log;
  }

  executionCount(seq: number, session = this.sessionCount): number {
    let n = 0;
    for (const entry of this.log) if (entry.seq === seq && entry.session === session) n++;
    return n;
  }

  async start(): Promise<void> {
    if (this.closed) throw new SimulatorError('SIM_CONTROLLER_CLOSED', this.path);
    if (this.started) return;
    this.started = true;
    this.powerOn();
    for (const axis of this.config.faults.stuckAxes) this.axesModel.setStuck(axis, true);
    if (this.config.faults.estopInput) this.faults.setEstopInput(true);
    this.afterActivity();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.sessionDriver.stop();
    this.modelDriver.stop();
    this.wire.close();
  }

  axis(axis: number): AxisSnapshot {
    if (!Number.isInteger(axis) || axis < 1 || axis > this.axisCount) {
      throw new SimulatorError('SIM_NO_SUCH_AXIS', `axis ${axis} of ${this.path}`);
    }
    const snapshot = this.axesModel.snapshot(axis);
    this.afterActivity();
    return snapshot;
  }

  positionAt(axis: number, atMs: number): number | undefined {
    if (!Number.isInteger(axis) || axis < 1 || axis > this.axisCount) {
      throw new SimulatorError('SIM_NO_SUCH_AXIS', `axis ${axis} of ${this.path}`);
    }
    if (!this.started || this.closed) return undefined;
    const position = this.axesModel.positionAt(axis, atMs);
    this.afterActivity();
    return position;
  }

  axes(): AxisSnapshot[] {
    return Array.from({ length: this.axisCount }, (_, i) => this.axis(i + 1));
  }

  attach(host: HostEndpoint): Attachment {
    return this.wire.attach(host);
  }

  onPlugChange(listener: (pluggedIn: boolean) => void): () => void {
    return this.wire.onPlugChange(listener);
  }

  // ---- internals ----

  private powerOn(): void {
    this.bootCount++;
    this.deferred = [];
    this.axesModel.boot();
    // §Device rule 3: BOOT, and the session is forgotten.
    this.session.boot();
  }

  private record(verb: ExecutedCommand['verb'], args: object, seq: number): void {
    // Events that happened before this command arrived go out before its reply.
    this.axesModel.advance();
    this.log.push({
      session: this.sessionCount,
      seq,
      verb,
      args: { ...args },
      atMs: this.clock.monotonicMs(),
    });
    if (this.log.length > this.config.executedLogLimit)
      this.log.splice(0, this.log.length - this.config.executedLogLimit);
  }

  /** Events raised inside `run` go out after the line the session writes next (the reply). */
  private inHandlerDo<T>(run: () => T): T {
    this.axesModel.advance();
    this.inHandler = true;
    try {
      return run();
    } finally {
      this.inHandler = false;
    }
  }

  private emitEvent<E extends EventName>(event: E, fields: EventFieldsOf<E>): void {
    if (this.inHandler) this.deferred.push([event, fields as EventFieldsOf<EventName>]);
    else this.session.emit(event, fields);
  }

  private flushDeferred(): void {
    while (this.deferred.length > 0) {
      const [event, fields] = this.deferred.shift()!;
      this.session.emit(event, fields);
    }
  }

  /** Every line the DeviceSession writes: a reply, or an event (withholdNextReply loses replies only). */
  private deviceWrite(bytes: Buffer): void {
    this.wire.sendToHost(bytes, bytes[0] !== EVENT_MARK);
    if (!this.inHandler) this.flushDeferred();
  }

  private receiveFromWire(bytes: Buffer): void {
    if (this.closed) return;
    this.session.receive(bytes);
    this.afterActivity();
  }

  /** Re-arms the timers after anything that may have moved a deadline. */
  private afterActivity(): void {
    if (this.closed || !this.started) return;
    this.flushDeferred();
    this.sessionDriver.poke();
    this.modelDriver.poke();
  }

  private createFaultInjector(): FaultInjector {
    const reboot = () => {
      if (!this.started || this.closed) return;
      this.wire.flushToDevice();
      this.powerOn();
      // An e-stop input held through the reboot is reported again after BOOT (§Device rule 5).
      if (this.axesModel.status.estopInputActive) this.session.estop('input');
      this.afterActivity();
    };
    return this.wire.faultInjector(reboot, {
      stickAxis: (axis: number, on: boolean) => {
        this.axis(axis);
        this.axesModel.setStuck(axis, on);
        this.afterActivity();
      },
      setEstopInput: (active: boolean) => {
        const rising = this.axesModel.setEstopInput(active);
        // §Device rule 5, src=input: only a rising edge raises the e-stop; releasing leaves the latch for RESET.
        if (rising && this.started && !this.closed) {
          this.session.estop('input');
          this.afterActivity();
        }
      },
    });
  }
}

/** Creates a controller. No I/O and no timers until start() (constructors do no I/O). */
export function createSimulatedController(options: SimulatedControllerOptions): SimulatedController {
  return new Controller(options);
}
