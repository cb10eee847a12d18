// A simulated servo controller: the device end of a serial cable. DeviceSession speaks protocol v1,
// ControllerModel moves the axes, two PacedPipes are the wires, and fault injection sits on them.
// Transports (the serialport binding, the pty server) attach a HostEndpoint to the far end.

import type { Clock, MonotonicMs } from '@servo-edge/common/clock';
import { systemClock } from '@servo-edge/common/clock';
import {
  createSessionDriver,
  DeviceSession,
  type EventFieldsOf,
  type EventName,
  type HandledCommand,
  type Reply,
  type SessionDriver,
} from '@servo-edge/firmware-protocol';
import { seededRandom } from '@servo-edge/firmware-protocol/testing';
import {
  checkLineFaults,
  type ResolvedControllerConfig,
  resolveControllerConfig,
  type SimulatedControllerOptions,
} from './config.js';
import { SimulatorError } from './errors.js';
import { damageBytes, garbage, type LineFaultState, type WireDirection } from './link/line-faults.js';
import { PacedPipe } from './link/paced-pipe.js';
import { ControllerModel } from './model/controller-model.js';
import type {
  Attachment,
  AxisSnapshot,
  ControllerStatus,
  ExecutedCommand,
  FaultCounts,
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
  readonly id: string;
  readonly path: string;
  readonly axisCount: number;
  readonly baud: number;
  readonly pacing: boolean;
  readonly clock: Clock;
  readonly faults: FaultInjector;

  private readonly config: ResolvedControllerConfig;
  private readonly model: ControllerModel;
  private readonly session: DeviceSession;
  private readonly toDevice: PacedPipe;
  private readonly toHost: PacedPipe;
  private readonly sessionDriver: SessionDriver;
  private readonly modelDriver: SessionDriver;
  private readonly lineFaults: LineFaultState;
  private readonly lineRandom;
  private readonly counts: FaultCounts = {
    corrupted: 0,
    dropped: 0,
    duplicated: 0,
    withheldReplies: 0,
    garbageBytes: 0,
  };
  private readonly log: ExecutedCommand[] = [];
  private readonly plugListeners = new Set<(pluggedIn: boolean) => void>();
  private attachment: ControllerAttachment | undefined;
  private started = false;
  private closed = false;
  private pluggedIn = true;
  private bootCount = 0;
  private sessionCount = 0;
  private withholdReplies = 0;
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
    this.lineFaults = {
      corruptRate: config.faults.corruptRate,
      dropRate: config.faults.dropRate,
      duplicateRate: config.faults.duplicateRate,
      extraLatencyMs: config.faults.extraLatencyMs,
      direction: config.faults.direction,
    };
    this.lineRandom = seededRandom(config.seed);
    const clock = this.clock;
    const extraLatencyMs = () => this.lineFaults.extraLatencyMs;
    this.toDevice = new PacedPipe({
      clock,
      baud: config.baud,
      pacing: config.pacing,
      extraLatencyMs,
      deliver: (bytes) => this.receiveFromWire(bytes),
    });
    this.toHost = new PacedPipe({
      clock,
      baud: config.baud,
      pacing: config.pacing,
      extraLatencyMs,
      deliver: (bytes) => this.attachment?.host.deliver(bytes),
    });
    this.model = new ControllerModel({
      config,
      nowMs: () => clock.monotonicMs(),
      emit: (event, fields) => this.emitEvent(event, fields),
      telemetryHasRoom: () =>
        config.pacing
          ? this.toHost.backlogMs() < TELEMETRY_BACKLOG_LIMIT_MS
          : this.toHost.pendingBytes < TELEMETRY_BACKLOG_LIMIT_BYTES,
      random: seededRandom(config.seed ^ 0x5bd1e995),
    });
    const model = this.model;
    this.session = new DeviceSession({
      clock,
      write: (bytes) => this.deviceWrite(bytes),
      identity: {
        fw: config.fw,
        axes: config.axes,
        rxBytes: config.rxBytes,
        windowFrames: config.windowFrames,
        queueDepth: config.queueDepth,
        watchdogDefaultMs: config.watchdogDefaultMs,
      },
      handler: {
        execute: (command, seq) => this.execute(command, seq),
        estop: (source) => this.inHandlerDo(() => model.estop(source)),
        watchdogExpired: () => this.inHandlerDo(() => model.watchdogExpired()),
        sessionStarted: () => {
          this.sessionCount++;
          this.inHandlerDo(() => model.sessionStarted());
        },
      },
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
    if (this.started && !this.closed) this.model.advance();
    const model = this.model.status;
    return {
      started: this.started,
      closed: this.closed,
      pluggedIn: this.pluggedIn,
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
    for (const axis of this.config.faults.stuckAxes) this.model.setStuck(axis, true);
    if (this.config.faults.estopInput) this.faults.setEstopInput(true);
    this.afterActivity();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.sessionDriver.stop();
    this.modelDriver.stop();
    this.dropAttachment();
    this.toDevice.close();
    this.toHost.close();
    this.plugListeners.clear();
  }

  axis(axis: number): AxisSnapshot {
    if (!Number.isInteger(axis) || axis < 1 || axis > this.axisCount) {
      throw new SimulatorError('SIM_NO_SUCH_AXIS', `axis ${axis} of ${this.path}`);
    }
    const snapshot = this.model.snapshot(axis);
    this.afterActivity();
    return snapshot;
  }

  axes(): AxisSnapshot[] {
    return Array.from({ length: this.axisCount }, (_, i) => this.axis(i + 1));
  }

  attach(host: HostEndpoint): Attachment {
    if (this.closed)
      throw new SimulatorError('SIM_PORT_NOT_FOUND', `${this.path} is closed`, { errno: 'ENOENT' });
    if (!this.started || !this.pluggedIn) {
      throw new SimulatorError('SIM_PORT_NOT_FOUND', `cannot open ${this.path}`, { errno: 'ENOENT' });
    }
    if (this.attachment) throw new SimulatorError('SIM_PORT_LOCKED', this.path, { errno: 'EBUSY' });
    const attachment = new ControllerAttachment(this, host);
    this.attachment = attachment;
    return attachment;
  }

  onPlugChange(listener: (pluggedIn: boolean) => void): () => void {
    this.plugListeners.add(listener);
    return () => this.plugListeners.delete(listener);
  }

  // ---- used by ControllerAttachment ----

  /** @internal */
  hostWrite(from: ControllerAttachment, bytes: Buffer): void {
    if (from !== this.attachment || this.closed) return;
    this.toDevice.write(damageBytes(bytes, 'toDevice', this.lineFaults, this.lineRandom, this.counts));
  }
  /** @internal */
  pendingToDevice(): number {
    return this.toDevice.pendingBytes;
  }
  /** @internal */
  toDeviceDrained(): Promise<void> {
    return this.toDevice.drained();
  }
  /** @internal */
  flushToDevice(): void {
    this.toDevice.flush();
  }
  /** @internal */
  flushLine(): void {
    this.toDevice.flush();
    this.toHost.flush();
  }
  /** @internal */
  release(from: ControllerAttachment): void {
    if (from === this.attachment) this.attachment = undefined;
  }
  /** @internal */
  isAttached(from: ControllerAttachment): boolean {
    return from === this.attachment;
  }

  // ---- internals ----

  private powerOn(): void {
    this.bootCount++;
    this.deferred = [];
    this.model.boot();
    // §Device rule 3: BOOT, and the session is forgotten.
    this.session.boot();
  }

  private execute(command: HandledCommand, seq: number): Reply {
    // Events that happened before this command arrived go out before its reply.
    this.model.advance();
    this.log.push({
      session: this.sessionCount,
      seq,
      verb: command.verb,
      args: { ...command.args },
      atMs: this.clock.monotonicMs(),
    });
    if (this.log.length > this.config.executedLogLimit)
      this.log.splice(0, this.log.length - this.config.executedLogLimit);
    this.inHandler = true;
    try {
      return this.model.execute(command, seq);
    } finally {
      this.inHandler = false;
    }
  }

  private inHandlerDo(run: () => void): void {
    this.model.advance();
    this.inHandler = true;
    try {
      run();
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

  /** Every line the DeviceSession writes: a reply, or an event. */
  private deviceWrite(bytes: Buffer): void {
    if (this.withholdReplies > 0 && bytes[0] !== EVENT_MARK) {
      // Fault injection: this reply is lost on the wire; the command did execute.
      this.withholdReplies--;
      this.counts.withheldReplies++;
    } else {
      this.toHost.write(damageBytes(bytes, 'toHost', this.lineFaults, this.lineRandom, this.counts));
    }
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

  private dropAttachment(): void {
    const attachment = this.attachment;
    this.attachment = undefined;
    this.flushLine();
    attachment?.host.unplugged();
  }

  private createFaultInjector(): FaultInjector {
    const self = this;
    const line = this.lineFaults;
    const rate = (name: 'corruptRate' | 'dropRate' | 'duplicateRate' | 'extraLatencyMs') => ({
      get: () => line[name],
      set: (value: number) => {
        checkLineFaults({ [name]: value });
        line[name] = value;
      },
      enumerable: true,
    });
    const injector = {
      get counts() {
        return { ...self.counts };
      },
      withholdNextReply() {
        self.withholdReplies++;
      },
      garbageBurst(bytes: number, direction: WireDirection = 'toHost') {
        if (!Number.isInteger(bytes) || bytes < 0) {
          throw new SimulatorError('SIM_INVALID_ARGUMENT', `garbageBurst(${bytes})`);
        }
        self.counts.garbageBytes += bytes;
        const junk = garbage(bytes, direction, self.lineRandom);
        if (direction === 'toHost') self.toHost.write(junk);
        else if (self.attachment) self.toDevice.write(junk);
      },
      reboot() {
        if (!self.started || self.closed) return;
        self.toDevice.flush();
        self.powerOn();
        // An e-stop input held through the reboot is reported again after BOOT (§Device rule 5).
        if (self.model.status.estopInputActive) self.session.estop('input');
        self.afterActivity();
      },
      unplug() {
        if (!self.pluggedIn || self.closed) return;
        self.pluggedIn = false;
        self.dropAttachment();
        for (const listener of [...self.plugListeners]) listener(false);
      },
      replug() {
        if (self.pluggedIn || self.closed) return;
        self.pluggedIn = true;
        for (const listener of [...self.plugListeners]) listener(true);
      },
      stickAxis(axis: number, on: boolean) {
        self.axis(axis);
        self.model.setStuck(axis, on);
        self.afterActivity();
      },
      setEstopInput(active: boolean) {
        const rising = self.model.setEstopInput(active);
        // §Device rule 5, src=input: only a rising edge raises the e-stop; releasing leaves the latch for RESET.
        if (rising && self.started && !self.closed) {
          self.session.estop('input');
          self.afterActivity();
        }
      },
    } as FaultInjector;
    Object.defineProperties(injector, {
      corruptRate: rate('corruptRate'),
      dropRate: rate('dropRate'),
      duplicateRate: rate('duplicateRate'),
      extraLatencyMs: rate('extraLatencyMs'),
      direction: {
        get: () => line.direction,
        set: (value: LineFaultState['direction']) => {
          checkLineFaults({ direction: value });
          line.direction = value;
        },
        enumerable: true,
      },
    });
    return injector;
  }
}

class ControllerAttachment implements Attachment {
  constructor(
    private readonly controller: Controller,
    readonly host: HostEndpoint,
  ) {}

  get attached(): boolean {
    return this.controller.isAttached(this);
  }
  get pendingToDeviceBytes(): number {
    return this.attached ? this.controller.pendingToDevice() : 0;
  }
  write(bytes: Buffer): void {
    this.controller.hostWrite(this, bytes);
  }
  drained(): Promise<void> {
    return this.attached ? this.controller.toDeviceDrained() : Promise.resolve();
  }
  flush(): void {
    if (this.attached) this.controller.flushToDevice();
  }
  detach(): void {
    if (!this.attached) return;
    this.controller.flushLine();
    this.controller.release(this);
  }
}

/** Creates a controller. No I/O and no timers until start() (constructors do no I/O). */
export function createSimulatedController(options: SimulatedControllerOptions): SimulatedController {
  return new Controller(options);
}
