// The ROBOTIS Dynamixel driver: X-series servos (XL430, XM430, ...) on one half-duplex bus behind a U2D2
// or any USB-RS485/TTL adapter, in DYNAMIXEL Protocol 2.0, with the pure codec in ../dynamixel. Sources:
// ROBOTIS e-Manual, Protocol 2.0 and the X-series control table; the DynamixelSDK.
//
// Start-up: a broadcast Ping, checked against the configured IDs and model numbers; per servo the
// Operating Mode (EEPROM: written only while the torque is off), Velocity Limit, Hardware Error Status and
// the Bus Watchdog, which this driver always arms: a servo whose host goes quiet stops by itself. Moves:
// one Write of Profile Acceleration, Profile Velocity and Goal Position (108..119, contiguous), so the
// servo runs the trapezoid itself; a coordinated move is one Sync Write of the same block to every servo.
// The servo queues nothing: moves wait on the host. Telemetry and completion: one Sync Read of Goal
// Position .. Present Position (116..135) for every servo at each poll. A read is retried after a timeout
// or a damaged status; a write is retried only where writing it again means the same (absolute values);
// a Reboot never is.

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
import {
  DXL_BROADCAST_ID,
  type DynamixelInstruction,
  DynamixelPacketParser,
  type DynamixelStatus,
  decodeItem,
  decodeMovingStatus,
  encodeInstruction,
  encodeItem,
  expectedStatus,
  hardwareErrorNames,
  X_SERIES_CONTROL_TABLE as ITEMS,
  type MovingStatus,
  OPERATING_MODES,
  toStatus,
  X_SERIES_MODEL_NUMBERS,
  type XSeriesModel,
} from '../dynamixel/index.js';
import { commandFailure, DeviceAnswerError } from '../host-link/command-failure.js';
import { Exchange, ExchangeError } from '../host-link/exchange.js';
import { type HostMove, HostMoveQueue } from '../host-link/host-queue.js';
import { type ConnectAttempt, LinkStepError, LinkSupervisor } from '../host-link/link-supervisor.js';
import {
  type ProfileRate,
  profileAcceleration,
  profileVelocity,
  velocityUnitsToPulsesPerS,
} from './profile-units.js';

const HOST_QUEUE_DEPTH = 64;
/** Bus Watchdog when the config gives none, ms. */
export const DEFAULT_BUS_WATCHDOG_MS = 500;
const BUS_WATCHDOG_UNIT_MS = 20;
/** Polls while moves run when telemetry is off (streamHz 0). */
const COMPLETION_POLL_MS = 50;
/** The telemetry block: Goal Position (116) .. Present Position (132..135). */
const TELEMETRY_ADDRESS = ITEMS.goalPosition.address;
const TELEMETRY_LENGTH = ITEMS.presentPosition.address + ITEMS.presentPosition.size - TELEMETRY_ADDRESS;
/** The move block: Profile Acceleration (108), Profile Velocity (112), Goal Position (116). */
const MOVE_ADDRESS = ITEMS.profileAcceleration.address;
const MOVE_LENGTH = ITEMS.goalPosition.address + ITEMS.goalPosition.size - MOVE_ADDRESS;
/** The start-up block: Torque Enable (64) .. Bus Watchdog (98). */
const SETUP_ADDRESS = ITEMS.torqueEnable.address;
const SETUP_LENGTH = ITEMS.busWatchdog.address + ITEMS.busWatchdog.size - SETUP_ADDRESS;
/** Transactions failed in a row (after their retries) before the bus is taken for lost. */
const MAX_FAILED_IN_A_ROW = 3;
/** A status packet's bytes beyond its data: header 4, ID, length 2, instruction, error, CRC 2. */
const STATUS_OVERHEAD_BYTES = 11;

interface Servo {
  readonly config: AxisConfig;
  readonly id: number;
  readonly model: XSeriesModel | undefined;
  readonly operatingMode: 'position' | 'extended-position';
  readonly softwareStop: SoftwareStopMode;
  torque: boolean;
  velocityLimitUnits: number;
  position: number | undefined;
  velocity: number;
  goal: number | undefined;
  moving: boolean;
  movingStatus: MovingStatus | undefined;
  unchangedPolls: number;
  jogging: boolean;
  /** The profile rates of the running move, pulses/s², for a stop's braking distance. */
  accelerationPulsesPerS2: number;
  /** Latched until reset(): a hardware error by name, or WATCHDOG (the Bus Watchdog tripped). */
  fault: string | undefined;
  hardwareCheckPending: boolean;
  /** The last status carried the alert bit: a hardware error is latched on the servo. */
  alert: boolean;
  /** When (in the driver's write order) the running move's goal went out; undefined before. */
  goalSeq: number | undefined;
  /** When the telemetry last observed was asked for. */
  observedSeq: number;
}

/** Status packets, and when (in the driver's write order) the instruction they answer went out. */
type Answer = DynamixelStatus[] & { writtenSeq?: number };

interface Collector {
  /** IDs whose status packets are expected, in order; undefined: any device (a broadcast Ping). */
  ids: readonly number[] | undefined;
  dataBytes: number;
  statuses: DynamixelStatus[];
  /** A broadcast Ping ends early once these have answered and the line stays quiet for `quietMs`. */
  wanted?: ReadonlySet<number>;
  quietMs?: number;
  cancelQuiet?: () => void;
}

export function dynamixelCapabilities(): DriverCapabilities {
  return {
    protocol: 'dynamixel/2.0',
    moveQueue: 'host',
    completion: 'polling',
    // An absolute encoder: within one turn always, multi-turn while powered (extended position mode).
    position: 'absolute',
    // The Bus Watchdog (98): the servo stops when no instruction arrives in time.
    hardwareWatchdog: true,
    positionTriggeredMoves: false,
    realtimeStop: false,
    commands: {
      power: 'native',
      home: 'none',
      jog: 'host',
      // Sync Write: one packet starts every servo's move.
      coordinatedStart: 'native',
    },
  };
}

export class DynamixelDriver implements ControllerDriver {
  readonly kind = 'dynamixel' as const;
  readonly capabilities = dynamixelCapabilities();
  private readonly opts: DriverOptions;
  private readonly link: LinkSupervisor;
  private readonly exchange: Exchange;
  private readonly parser = new DynamixelPacketParser();
  private readonly queue = new HostMoveQueue(HOST_QUEUE_DEPTH);
  private readonly servos = new Map<number, Servo>();
  private readonly watchdogMs: number;
  private collector: Collector | undefined;
  private estopLatched = false;
  private resyncing = false;
  private cancelQuiet: (() => void) | undefined;
  private cancelPoll: (() => void) | undefined;
  private polling = false;
  private failedInARow = 0;
  /** Instructions written so far: orders a move's goal write against the telemetry reads. */
  private wireSeq = 0;
  private retries = 0;
  private crcErrors = 0;
  private badPackets = 0;
  private deviceErrors = 0;
  /** IDs and model numbers that answered the last broadcast Ping. */
  discovered: { id: number; modelNumber: number; firmware: number }[] = [];

  constructor(options: DriverOptions) {
    this.opts = options;
    this.watchdogMs = options.config.watchdogMs ?? DEFAULT_BUS_WATCHDOG_MS;
    for (const axis of options.axes) {
      this.servos.set(axis.axis, {
        config: axis,
        id: axis.axis,
        model: axis.dynamixel?.model,
        operatingMode: axis.dynamixel?.operatingMode ?? 'position',
        softwareStop: axis.softwareStop ?? 'hold',
        torque: false,
        velocityLimitUnits: 0,
        position: undefined,
        velocity: 0,
        goal: undefined,
        moving: false,
        movingStatus: undefined,
        unchangedPolls: 0,
        jogging: false,
        accelerationPulsesPerS2: 0,
        fault: undefined,
        hardwareCheckPending: false,
        alert: false,
        goalSeq: undefined,
        observedSeq: 0,
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
        if (state === 'ready') this.schedulePoll();
      },
      onDown: (error) => options.hooks.down(error),
    });
    this.exchange = new Exchange({
      clock: options.clock,
      write: (bytes) => this.link.write(bytes),
      timeoutMs: options.config.replyTimeoutMs,
      maxQueued: options.config.maxPendingRequests,
      onTimeout: () => this.startResync(),
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
      crcErrors: this.crcErrors + this.badPackets,
      // Status packets saying the servo saw a damaged instruction (CRC Error).
      linkErrorReplies: this.deviceErrors,
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
    const servo = this.servoOf(axis);
    this.assertReady(servo, 'read');
    try {
      const [status] = await this.transact(
        { instruction: 'read', id: servo.id, address: TELEMETRY_ADDRESS, length: TELEMETRY_LENGTH },
        { what: `Read ${servo.id}`, retry: true, onFirstWrite: () => options?.onSent?.(0) },
      );
      this.observe(servo, status!);
    } catch (error) {
      throw commandFailure(error, `read ${servo.config.name}`, this.ext(servo));
    }
    return this.report(servo);
  }

  async move(axis: number, move: AbsoluteMove, options?: SendOptions): Promise<void> {
    const servo = this.servoOf(axis);
    this.assertCanMove(servo, 'move');
    if (this.queue.full(axis))
      throw this.refusal('AXIS_QUEUE_FULL', servo, `${HOST_QUEUE_DEPTH} moves are queued on the host`);
    const entry = this.queue.add(axis, move);
    options?.onSent?.(entry.ref);
    const started = this.queue.startNext(axis);
    if (started) await this.startMove(servo, started);
  }

  moveTogether(
    legs: readonly { axis: number; move: AbsoluteMove; options?: SendOptions }[],
  ): Promise<void>[] {
    if (legs.length < 2) return legs.map((leg) => this.move(leg.axis, leg.move, leg.options));
    let entries: { servo: Servo; leg: (typeof legs)[number] }[];
    try {
      entries = legs.map((leg) => {
        const servo = this.servoOf(leg.axis);
        this.assertCanMove(servo, 'move');
        return { servo, leg };
      });
    } catch (error) {
      return legs.map(() => Promise.reject(error));
    }
    if (entries.some(({ servo }) => this.queue.depth(servo.id) > 0))
      return legs.map((leg) => this.move(leg.axis, leg.move, leg.options));
    // §Sync Write: one packet, every servo's profile and goal; they start together.
    const writes = entries.map(({ servo, leg }) => {
      const entry = this.queue.add(servo.id, leg.move);
      leg.options?.onSent?.(entry.ref);
      this.queue.startNext(servo.id);
      servo.goalSeq = undefined;
      return { id: servo.id, data: this.moveBlock(servo, leg.move) };
    });
    const sent = this.transact(
      { instruction: 'syncWrite', address: MOVE_ADDRESS, length: MOVE_LENGTH, writes },
      {
        what: 'Sync Write (coordinated move)',
        retry: false,
        onFirstWrite: () => {
          for (const { servo } of entries) servo.goalSeq = this.wireSeq;
        },
      },
    ).then(() => {
      this.schedulePoll();
    });
    return entries.map(({ servo }) =>
      sent.catch((error) => {
        this.queue.finishRunning(servo.id);
        throw commandFailure(error, `move ${servo.config.name}`, this.ext(servo));
      }),
    );
  }

  async jog(axis: number, velocityCountsPerS: number, accelerationCountsPerS2: number): Promise<void> {
    const servo = this.servoOf(axis);
    if (velocityCountsPerS === 0) return this.stop(axis);
    this.assertCanMove(servo, 'jog');
    // Host-emulated MC_MoveVelocity: toward the soft limit in the jog's direction, at its speed.
    this.abortMoves(servo, 'JOG');
    const limit = velocityCountsPerS > 0 ? servo.config.maxUnits : servo.config.minUnits;
    const move = {
      targetCounts: positionToCounts(limit, servo.config),
      velocityCountsPerS: Math.abs(velocityCountsPerS),
      accelerationCountsPerS2,
    };
    await this.writeMove(servo, move, 'jog');
    servo.jogging = true;
  }

  async stop(axis: number): Promise<void> {
    const servo = this.servoOf(axis);
    this.assertReady(servo, 'stop');
    const aborted = this.queue.takeAll(axis);
    servo.jogging = false;
    try {
      // MC_Stop: the goal becomes where the servo comes to rest braking at its profile acceleration.
      const [status] = await this.transact(
        { instruction: 'read', id: servo.id, address: TELEMETRY_ADDRESS, length: TELEMETRY_LENGTH },
        { what: `Read ${servo.id}`, retry: true },
      );
      this.observe(servo, status!);
      if (servo.torque && servo.position !== undefined) {
        const a = servo.accelerationPulsesPerS2;
        const brake = a > 0 ? (Math.sign(servo.velocity) * servo.velocity ** 2) / (2 * a) : 0;
        await this.writeGoal(servo, Math.round(servo.position + brake), 'stop');
      }
    } catch (error) {
      throw commandFailure(error, `stop ${servo.config.name}`, this.ext(servo));
    } finally {
      for (const entry of aborted) this.ended(servo, entry, 'ABORTED', 'STOP');
    }
  }

  async power(axis: number, on: boolean): Promise<void> {
    const servo = this.servoOf(axis);
    this.assertReady(servo, on ? 'enable' : 'disable');
    if (!on) {
      this.abortMoves(servo, 'DISABLE');
      servo.jogging = false;
    }
    // §Torque Enable: 1 holds the present position (the goal becomes it) and locks the EEPROM.
    await this.writeItem(servo, 'torqueEnable', on ? 1 : 0, on ? 'enable' : 'disable');
    servo.torque = on;
    if (on) servo.goal = servo.position;
  }

  async home(axis: number): Promise<void> {
    const servo = this.servoOf(axis);
    throw new DriverCommandError(
      'NOT_SUPPORTED_BY_CONTROLLER',
      `home ${servo.config.name}: an X-series servo has an absolute encoder; there is nothing to home`,
      this.ext(servo),
      'failed',
    );
  }

  /**
   * No realtime byte on a Dynamixel bus: everything queued is dropped, and one Sync Write per kind goes
   * out next, ahead of everything (never over a status packet on the half-duplex line). hold: Goal
   * Position = the position last read; limp: Torque Enable 0.
   */
  softwareStop(): boolean {
    this.estopLatched = true;
    if (!this.link.open) return false;
    this.exchange.dropQueued('dropped by the software stop');
    const hold: { id: number; data: Uint8Array }[] = [];
    const limp: { id: number; data: Uint8Array }[] = [];
    for (const servo of this.servos.values()) {
      servo.jogging = false;
      if (!servo.torque) continue;
      if (servo.softwareStop === 'limp') {
        limp.push({ id: servo.id, data: encodeItem(ITEMS.torqueEnable, 0) });
        servo.torque = false;
      } else if (servo.position !== undefined) {
        hold.push({ id: servo.id, data: encodeItem(ITEMS.goalPosition, servo.position) });
        servo.goal = servo.position;
      }
    }
    const packets: DynamixelInstruction[] = [];
    if (limp.length > 0)
      packets.push({
        instruction: 'syncWrite',
        address: ITEMS.torqueEnable.address,
        length: 1,
        writes: limp,
      });
    if (hold.length > 0)
      packets.push({
        instruction: 'syncWrite',
        address: ITEMS.goalPosition.address,
        length: 4,
        writes: hold,
      });
    // Queued first in reverse, so they leave in order: the limp ones, then the hold ones.
    for (const packet of packets.reverse())
      this.exchange
        .runFirst({ bytes: encodeInstruction(packet), answered: false, what: 'software stop' })
        .catch(() => {});
    for (const servo of this.servos.values()) this.abortMoves(servo, 'ESTOP');
    this.opts.hooks.event({ event: 'ESTOP', fields: { src: 'host' } });
    return true;
  }

  /**
   * MC_Reset: a servo with a hardware error is rebooted (the only way to clear it, §Hardware Error
   * Status), and set up again; a tripped Bus Watchdog is cleared by writing 0 (§Bus Watchdog), then armed
   * again. The software-stop latch is released.
   */
  async reset(): Promise<void> {
    if (!this.link.ready)
      throw new DriverCommandError(
        'CONTROLLER_DISCONNECTED',
        `reset: ${this.id} is ${this.link.state}`,
        { controller: this.id },
        'failed',
      );
    for (const servo of this.servos.values()) {
      if (servo.fault === undefined) continue;
      try {
        if (servo.fault === 'WATCHDOG') {
          await this.writeItem(servo, 'busWatchdog', 0, 'reset');
        } else {
          // Never repeated: a second Reboot would restart the servo again.
          await this.transact(
            { instruction: 'reboot', id: servo.id },
            { what: `Reboot ${servo.id}`, retry: false },
          );
          await this.transact(
            { instruction: 'ping', id: servo.id },
            { what: `Ping ${servo.id}`, retry: true },
          );
          servo.torque = false;
        }
        servo.fault = undefined;
        servo.hardwareCheckPending = false;
        servo.alert = false;
        await this.setUp(servo);
      } catch (error) {
        throw commandFailure(error, `reset ${servo.config.name}`, this.ext(servo));
      }
    }
    this.estopLatched = false;
  }

  // ---- connect ----

  private async connect(attempt: ConnectAttempt): Promise<void> {
    try {
      await this.connectSteps(attempt);
    } catch (error) {
      // A step that failed on the wire says what the bus did: nothing, or garbage.
      if (error instanceof DeviceAnswerError) throw new LinkStepError('DXL_BAD_REPLY', error.message);
      if (error instanceof ExchangeError && error.code === 'EXCHANGE_TIMEOUT')
        throw new LinkStepError(
          this.badPackets + this.crcErrors > 0 ? 'DXL_BAD_REPLY' : 'DXL_NO_REPLY',
          error.message,
        );
      throw error;
    }
  }

  private async connectSteps(attempt: ConnectAttempt): Promise<void> {
    this.resetParser();
    this.failedInARow = 0;
    // 1. A broadcast Ping: every servo on the bus answers, in ID order (§Ping).
    const answers = await attempt.step(this.discover());
    const { baud, path } = this.opts.config;
    if (answers.length === 0)
      throw new LinkStepError(
        'DXL_NO_REPLY',
        `no servo answered a broadcast Ping at ${baud} baud on ${path}: check the servos' power supply, ` +
          `the adapter's TTL or RS-485 connector, the baud rate (an X-series servo ships at 57600) and that ` +
          `its Protocol Type (13) is 2.0`,
      );
    this.discovered = answers;
    const byId = new Map(answers.map((a) => [a.id, a]));
    const missing = [...this.servos.keys()].filter((id) => !byId.has(id));
    if (missing.length > 0)
      throw new LinkStepError(
        'DXL_ID_MISSING',
        `ID ${missing.join(', ')} did not answer the broadcast Ping on ${path}; the bus has ID ` +
          `${answers.map((a) => a.id).join(', ')}`,
      );
    for (const servo of this.servos.values()) {
      const expected = servo.model === undefined ? undefined : X_SERIES_MODEL_NUMBERS[servo.model];
      const found = byId.get(servo.id)!.modelNumber;
      if (expected !== undefined && found !== expected)
        throw new LinkStepError(
          'DXL_MODEL_MISMATCH',
          `ID ${servo.id} answers as model number ${found}, the config says ${servo.model} (${expected})`,
        );
    }
    // 2. Each servo: its torque, errors, watchdog, operating mode and velocity limit.
    attempt.setState('configuring');
    for (const servo of this.servos.values()) await attempt.step(this.setUp(servo, true));
    // 3. Where they are.
    await attempt.step(this.pollOnce());
    // 4. A software stop asked for while the link was down.
    if (this.opts.hooks.softwareStopPending()) this.softwareStop();
    const reports = new Map<string, AxisReport>();
    for (const servo of this.servos.values()) reports.set(servo.config.name, this.report(servo));
    this.opts.hooks.connected(reports, attempt.firstContact ? undefined : false);
  }

  /** The start-up of one servo (again after a reset). */
  private async setUp(servo: Servo, atConnect = false): Promise<void> {
    const [block] = await this.transact(
      { instruction: 'read', id: servo.id, address: SETUP_ADDRESS, length: SETUP_LENGTH },
      { what: `Read ${servo.id} set-up`, retry: true },
    );
    const at = (item: (typeof ITEMS)[keyof typeof ITEMS]) =>
      decodeItem(item, block!.data, item.address - SETUP_ADDRESS);
    servo.torque = at(ITEMS.torqueEnable) === 1;
    const hardware = at(ITEMS.hardwareErrorStatus);
    if (hardware !== 0) this.latchHardwareError(servo, hardware);
    // §Bus Watchdog: -1 once it tripped (while this host was away, say); cleared only by reset().
    const watchdog = at(ITEMS.busWatchdog);
    if (watchdog === -1) this.latchFault(servo, 'WATCHDOG', { busWatchdog: -1 });
    // Operating Mode (EEPROM): written only while the torque is off; with it on, refuse rather than
    // turn it off, which would drop whatever the servo holds.
    const [mode] = await this.transact(
      { instruction: 'read', id: servo.id, address: ITEMS.operatingMode.address, length: 1 },
      { what: `Read ${servo.id} Operating Mode`, retry: true },
    );
    const wanted =
      servo.operatingMode === 'extended-position'
        ? OPERATING_MODES.extendedPosition
        : OPERATING_MODES.position;
    if (mode!.data[0] !== wanted) {
      if (servo.torque)
        throw new LinkStepError(
          'DXL_EEPROM_LOCKED',
          `ID ${servo.id} is in Operating Mode ${mode!.data[0]}, the config says ${servo.operatingMode} (${wanted}); ` +
            'the mode is written only with the torque off: power-cycle the servo (its torque is off after power-on)',
        );
      await this.writeItem(servo, 'operatingMode', wanted, 'set-up', atConnect);
    }
    const [limit] = await this.transact(
      { instruction: 'read', id: servo.id, address: ITEMS.velocityLimit.address, length: 4 },
      { what: `Read ${servo.id} Velocity Limit`, retry: true },
    );
    servo.velocityLimitUnits = decodeItem(ITEMS.velocityLimit, limit!.data);
    // The Bus Watchdog, armed (RAM: again after every power-on). Not over a tripped one.
    const units = Math.round(this.watchdogMs / BUS_WATCHDOG_UNIT_MS);
    if (servo.fault !== 'WATCHDOG' && watchdog !== units)
      await this.writeItem(servo, 'busWatchdog', units, 'set-up', atConnect);
  }

  /** A broadcast Ping, collected until every configured ID answered (then a short quiet) or the deadline. */
  private async discover(): Promise<{ id: number; modelNumber: number; firmware: number }[]> {
    const packetMs = (14 * 10 * 1000) / this.opts.config.baud + 0.5;
    const windowMs = Math.ceil(this.opts.config.replyTimeoutMs + 253 * packetMs);
    const statuses = await this.transact(
      { instruction: 'ping', id: DXL_BROADCAST_ID },
      {
        what: 'broadcast Ping',
        retry: false,
        collectMs: windowMs,
        // IDs answer in order (§Ping): once every configured one has, a few packet times of quiet end it.
        wanted: new Set(this.servos.keys()),
        quietMs: Math.ceil(5 * packetMs),
      },
    );
    return statuses.map((s) => ({
      id: s.id,
      modelNumber: s.data[0]! | (s.data[1]! << 8),
      firmware: s.data[2]!,
    }));
  }

  private transportGone(detail: string): void {
    this.cancelPoll?.();
    this.cancelPoll = undefined;
    this.exchange.failAll(detail);
    this.collector = undefined;
    this.resetParser();
    for (const entry of this.queue.takeWaiting()) {
      const servo = this.servos.get(entry.axis);
      if (servo) this.ended(servo, entry, 'ABORTED', 'LINK_LOST');
    }
    this.queue.clear();
    for (const servo of this.servos.values()) servo.jogging = false;
  }

  // ---- telemetry and completion ----

  private schedulePoll(): void {
    if (this.cancelPoll || this.polling || !this.link.ready) return;
    const hz = this.opts.config.streamHz;
    const active = [...this.servos.values()].some((s) => this.isActive(s));
    // The Bus Watchdog needs an instruction within its period: poll at least twice per period.
    const keepAliveMs = Math.max(10, Math.floor(this.watchdogMs / 2));
    const periodMs = Math.min(
      hz > 0 ? Math.max(5, Math.round(1000 / hz)) : keepAliveMs,
      keepAliveMs,
      active ? COMPLETION_POLL_MS : keepAliveMs,
    );
    this.cancelPoll = this.opts.clock.after(periodMs, () => {
      this.cancelPoll = undefined;
      void this.poll();
    });
  }

  private async poll(): Promise<void> {
    if (!this.link.ready) return;
    this.polling = true;
    try {
      await this.pollOnce();
      const samples = [...this.servos.values()]
        .filter((s) => s.position !== undefined)
        .map((s) => ({
          axis: s.id,
          positionCounts: s.position!,
          velocityCountsPerS: s.velocity,
          state: this.stateOf(s),
          queueDepth: this.queue.depth(s.id),
        }));
      if (samples.length > 0) this.opts.hooks.event({ event: 'POS', samples });
      for (const servo of this.servos.values()) this.checkProgress(servo);
    } catch {
      // Retried reads that still failed count toward losing the bus (transact); the next poll tries again.
    } finally {
      this.polling = false;
    }
    this.schedulePoll();
  }

  /** §Sync Read of the telemetry block from every servo: one instruction, one status per servo in order. */
  private async pollOnce(): Promise<void> {
    const ids = [...this.servos.keys()];
    if (ids.length === 0) return;
    const statuses = await this.transact(
      { instruction: 'syncRead', address: TELEMETRY_ADDRESS, length: TELEMETRY_LENGTH, ids },
      { what: 'Sync Read telemetry', retry: true },
    );
    for (const status of statuses) {
      const servo = this.servos.get(status.id);
      if (!servo) continue;
      this.observe(servo, status);
      servo.observedSeq = statuses.writtenSeq ?? 0;
    }
  }

  private observe(servo: Servo, status: DynamixelStatus): void {
    servo.alert = status.error.alert;
    if (status.error.alert) this.checkHardware(servo);
    if (status.data.length < TELEMETRY_LENGTH) return;
    const at = (item: (typeof ITEMS)[keyof typeof ITEMS]) =>
      decodeItem(item, status.data, item.address - TELEMETRY_ADDRESS);
    const position = at(ITEMS.presentPosition);
    servo.unchangedPolls = position === servo.position ? servo.unchangedPolls + 1 : 0;
    servo.position = position;
    servo.velocity = velocityUnitsToPulsesPerS(at(ITEMS.presentVelocity));
    servo.goal = at(ITEMS.goalPosition);
    servo.moving = at(ITEMS.moving) === 1;
    servo.movingStatus = decodeMovingStatus(at(ITEMS.movingStatus));
  }

  private checkProgress(servo: Servo): void {
    const profileDone = servo.movingStatus !== undefined && !servo.movingStatus.profileOngoing;
    if (servo.jogging && profileDone && !servo.moving) servo.jogging = false;
    const running = this.queue.running(servo.id);
    // A servo with its alert bit set stopped for a hardware error: its fault, not a DONE, ends the move.
    if (!running || servo.alert) return;
    // Only telemetry asked for after the move's goal went out says anything about the move.
    if (servo.goalSeq === undefined || servo.observedSeq < servo.goalSeq) return;
    if (servo.goal !== running.move.targetCounts) {
      // The goal read back is not the one written: the write never reached the servo.
      this.queue.finishRunning(servo.id);
      this.ended(servo, running, 'ABORTED', 'GOAL_NOT_APPLIED');
      void this.startNextMove(servo);
      return;
    }
    // §Moving Status: the profile has ended, and the servo is in position (or has settled short of it,
    // held by a load: its final position says where).
    if (profileDone && (servo.movingStatus!.inPosition || servo.unchangedPolls >= 2)) {
      this.queue.finishRunning(servo.id);
      this.ended(servo, running, 'DONE');
      void this.startNextMove(servo);
    }
  }

  // ---- moves ----

  private async startNextMove(servo: Servo): Promise<void> {
    if (this.estopLatched || servo.fault !== undefined) return;
    const next = this.queue.startNext(servo.id);
    if (next) await this.startMove(servo, next).catch(() => {});
  }

  private async startMove(servo: Servo, entry: HostMove): Promise<void> {
    try {
      await this.writeMove(servo, entry.move, 'move');
    } catch (error) {
      if (this.queue.running(servo.id) === entry) this.queue.finishRunning(servo.id);
      throw error;
    }
  }

  /** One Write of Profile Acceleration, Profile Velocity and Goal Position: the servo runs the trapezoid. */
  private async writeMove(servo: Servo, move: AbsoluteMove, what: string): Promise<void> {
    const data = this.moveBlock(servo, move);
    servo.goalSeq = undefined;
    try {
      await this.expectOk(
        servo,
        await this.transact(
          { instruction: 'write', id: servo.id, address: MOVE_ADDRESS, data },
          // Absolute values: writing them again means the same.
          {
            what: `Write ${servo.id} move`,
            retry: true,
            onFirstWrite: () => {
              servo.goalSeq = this.wireSeq;
            },
          },
        ),
        what,
      );
    } catch (error) {
      throw commandFailure(error, `${what} ${servo.config.name}`, this.ext(servo));
    }
    this.schedulePoll();
  }

  private async writeGoal(servo: Servo, goal: number, what: string): Promise<void> {
    await this.writeItem(servo, 'goalPosition', goal, what);
    servo.goal = goal;
  }

  /** The bytes of the move block, with the rates clamped to what the servo takes (reported). */
  private moveBlock(servo: Servo, move: AbsoluteMove): Uint8Array {
    const velocity = profileVelocity(move.velocityCountsPerS, servo.velocityLimitUnits);
    const acceleration = profileAcceleration(move.accelerationCountsPerS2);
    this.reportClamp(servo, 'velocity', move.velocityCountsPerS, velocity);
    this.reportClamp(servo, 'acceleration', move.accelerationCountsPerS2, acceleration);
    servo.accelerationPulsesPerS2 = acceleration.effective;
    const data = new Uint8Array(MOVE_LENGTH);
    data.set(encodeItem(ITEMS.profileAcceleration, acceleration.units), 0);
    data.set(encodeItem(ITEMS.profileVelocity, velocity.units), ITEMS.profileVelocity.address - MOVE_ADDRESS);
    data.set(encodeItem(ITEMS.goalPosition, move.targetCounts), ITEMS.goalPosition.address - MOVE_ADDRESS);
    servo.unchangedPolls = 0;
    return data;
  }

  private reportClamp(
    servo: Servo,
    what: 'velocity' | 'acceleration',
    asked: number,
    rate: ProfileRate,
  ): void {
    if (rate.clamped === 'none') return;
    this.opts.hooks.event({
      event: 'NOTICE',
      axis: servo.id,
      fields: {
        name: 'RATE_CLAMPED',
        what,
        asked,
        sent: rate.effective,
        profileUnits: rate.units,
        clamped: rate.clamped,
      },
    });
  }

  private abortMoves(servo: Servo, why: string): void {
    for (const entry of this.queue.takeAll(servo.id)) this.ended(servo, entry, 'ABORTED', why);
  }

  private ended(servo: Servo, entry: HostMove, outcome: 'DONE' | 'ABORTED', why?: string): void {
    const pos = servo.position ?? 0;
    this.opts.hooks.event({
      event: outcome,
      axis: servo.id,
      ref: entry.ref,
      positionCounts: pos,
      fields: { axis: servo.id, ref: entry.ref, pos, ...(why === undefined ? {} : { why }) },
    });
  }

  // ---- faults ----

  /** A status with the alert bit: read Hardware Error Status (70) once, and latch what it names. */
  private checkHardware(servo: Servo): void {
    if (servo.fault !== undefined || servo.hardwareCheckPending) return;
    servo.hardwareCheckPending = true;
    this.transact(
      { instruction: 'read', id: servo.id, address: ITEMS.hardwareErrorStatus.address, length: 1 },
      { what: `Read ${servo.id} Hardware Error Status`, retry: true },
    ).then(
      ([status]) => {
        servo.hardwareCheckPending = false;
        const register = status!.data[0] ?? 0;
        if (register !== 0) this.latchHardwareError(servo, register);
      },
      () => {
        servo.hardwareCheckPending = false;
      },
    );
  }

  private latchHardwareError(servo: Servo, register: number): void {
    const errors = hardwareErrorNames(register);
    this.latchFault(servo, errors[0] ?? 'HARDWARE', { errors, register });
  }

  /** A latched fault: the servo's moves end, the API hears FAULT; cleared by reset(). */
  private latchFault(servo: Servo, code: string, fields: Record<string, unknown>): void {
    if (servo.fault !== undefined) return;
    servo.fault = code;
    servo.jogging = false;
    this.abortMoves(servo, code);
    this.opts.log.warn({ controller: this.id, axis: servo.config.name, code }, 'motion.dynamixel.fault');
    this.opts.hooks.event({
      event: 'FAULT',
      axis: servo.id,
      code,
      fields: { axis: servo.id, code, ...fields },
    });
  }

  /** A write the servo refused: a Data Range Error after the Bus Watchdog tripped says so. */
  private async expectOk(servo: Servo, statuses: DynamixelStatus[], what: string): Promise<void> {
    const status = statuses[0];
    if (!status || status.error.errorNumber === 0) return;
    const name = status.error.error ?? `error ${status.error.errorNumber}`;
    if (status.error.error === 'DATA_RANGE_ERROR') {
      // §Bus Watchdog: after it trips, goal writes get a Data Range Error until 0 is written.
      const [watchdog] = await this.transact(
        { instruction: 'read', id: servo.id, address: ITEMS.busWatchdog.address, length: 1 },
        { what: `Read ${servo.id} Bus Watchdog`, retry: true },
      );
      if (decodeItem(ITEMS.busWatchdog, watchdog!.data) === -1)
        this.latchFault(servo, 'WATCHDOG', { busWatchdog: -1 });
    }
    if (status.error.error === 'CRC_ERROR') this.deviceErrors++;
    const range = status.error.error === 'DATA_RANGE_ERROR' || status.error.error === 'DATA_LIMIT_ERROR';
    throw new DriverCommandError(
      servo.fault === 'WATCHDOG' ? 'AXIS_FAULT' : range ? 'DEVICE_REJECTED_RANGE' : 'DEVICE_ERROR',
      `${what} ${servo.config.name}: ID ${servo.id} answered ${name}`,
      { ...this.ext(servo), deviceCode: name },
      'failed',
      true,
    );
  }

  /** A Write of one item, with its status checked. EEPROM items only while the torque is off. */
  private async writeItem(
    servo: Servo,
    name: keyof typeof ITEMS,
    value: number,
    what: string,
    atConnect = false,
  ): Promise<void> {
    const item = ITEMS[name];
    if (item.area === 'EEPROM' && servo.torque)
      throw this.refusal(
        'AXIS_BUSY',
        servo,
        `${name} is in the EEPROM, written only while the torque is off`,
      );
    const statuses = await this.transact(
      { instruction: 'write', id: servo.id, address: item.address, data: encodeItem(item, value) },
      // One item, an absolute value: writing it again means the same.
      { what: `Write ${servo.id} ${name}`, retry: true },
    );
    try {
      await this.expectOk(servo, statuses, what);
    } catch (error) {
      if (atConnect && error instanceof DriverCommandError)
        throw new LinkStepError('DXL_STATUS_ERROR', `${name} ${value} to ID ${servo.id}: ${error.message}`);
      throw error;
    }
  }

  // ---- the bus ----

  /**
   * One instruction and the status packets it draws (expectedStatus), collected in order. A read (retry:
   * true) is sent again after a timeout or a damaged status, up to maxRetransmits times; failures in a
   * row beyond that lose the bus.
   */
  private async transact(
    instruction: DynamixelInstruction,
    options: {
      what: string;
      retry: boolean;
      onFirstWrite?: () => void;
      collectMs?: number;
      wanted?: ReadonlySet<number>;
      quietMs?: number;
    },
  ): Promise<Answer> {
    const expected = expectedStatus(instruction);
    const bytes = encodeInstruction(instruction);
    if (expected.kind === 'none') {
      let sentSeq: number | undefined;
      await this.exchange.run({
        bytes,
        answered: false,
        what: options.what,
        onWritten: () => {
          sentSeq = ++this.wireSeq;
          options.onFirstWrite?.();
        },
      });
      return Object.assign([] as DynamixelStatus[], { writtenSeq: sentSeq });
    }
    const ids = expected.kind === 'each' ? expected.replies.map((r) => r.id) : undefined;
    const dataBytes = expected.kind === 'each' ? (expected.replies[0]?.dataBytes ?? 0) : 3;
    const baudMsPerByte = 10_000 / this.opts.config.baud;
    const answerMs = (ids?.length ?? 1) * ((STATUS_OVERHEAD_BYTES + dataBytes) * baudMsPerByte + 0.5);
    const timeoutMs =
      options.collectMs ??
      Math.ceil(this.opts.config.replyTimeoutMs + bytes.length * baudMsPerByte + answerMs);
    for (let attempt = 0; ; attempt++) {
      let writtenSeq: number | undefined;
      const collector: Collector = {
        ids,
        dataBytes,
        statuses: [],
        ...(options.wanted === undefined ? {} : { wanted: options.wanted, quietMs: options.quietMs ?? 5 }),
      };
      try {
        const result = await this.exchange.run<DynamixelStatus[] | undefined>({
          bytes,
          answered: true,
          timeoutMs,
          collectUntilDeadline: options.collectMs !== undefined,
          what: options.what,
          onWritten: () => {
            this.collector = collector;
            writtenSeq = ++this.wireSeq;
            if (attempt === 0) options.onFirstWrite?.();
          },
        });
        collector.cancelQuiet?.();
        if (this.collector === collector) this.collector = undefined;
        this.failedInARow = 0;
        return Object.assign(result ?? collector.statuses, { writtenSeq });
      } catch (error) {
        collector.cancelQuiet?.();
        if (this.collector === collector) this.collector = undefined;
        const retriable =
          error instanceof DeviceAnswerError ||
          (error instanceof ExchangeError && error.code === 'EXCHANGE_TIMEOUT');
        if (!retriable) throw error;
        if (options.retry && attempt < this.opts.config.maxRetransmits) {
          this.retries++;
          continue;
        }
        this.failedInARow++;
        if (this.link.ready && this.failedInARow >= MAX_FAILED_IN_A_ROW) {
          const code = error instanceof DeviceAnswerError ? 'DXL_BAD_REPLY' : 'DXL_NO_REPLY';
          this.link.lost(code, `${options.what}: ${error.message} (${this.failedInARow} failures in a row)`);
        }
        throw error;
      }
    }
  }

  private receive(chunk: Buffer): void {
    if (this.resyncing) {
      this.quietThenResume();
    }
    this.parser.push(chunk, (item) => {
      if (item.kind === 'error') {
        if (item.code === 'DXL_CRC_MISMATCH') this.crcErrors++;
        else this.badPackets++;
        // A damaged answer to what is in flight: give it up now rather than at its deadline.
        if (this.collector && !this.resyncing && item.code !== 'DXL_NOISE')
          this.failCurrent(`${item.code}: ${item.detail}`);
        return;
      }
      const collector = this.collector;
      if (this.resyncing || !collector) {
        // Nobody asked: a late answer to a question given up on, or a device that speaks unasked.
        this.badPackets++;
        return;
      }
      const expectId = collector.ids?.[collector.statuses.length];
      const result = toStatus(item.packet, {
        ...(expectId === undefined ? {} : { id: expectId }),
        dataBytes: collector.dataBytes,
      });
      if (result.kind === 'error') {
        this.badPackets++;
        this.failCurrent(`${result.code}: ${result.detail}`);
        return;
      }
      collector.statuses.push(result.status);
      if (collector.ids && collector.statuses.length === collector.ids.length) {
        this.collector = undefined;
        this.exchange.settle(collector.statuses);
        return;
      }
      const wanted = collector.wanted;
      if (wanted && [...wanted].every((id) => collector.statuses.some((s) => s.id === id))) {
        collector.cancelQuiet?.();
        collector.cancelQuiet = this.opts.clock.after(collector.quietMs ?? 5, () => {
          if (this.collector !== collector) return;
          this.collector = undefined;
          this.exchange.settle(collector.statuses);
        });
      }
    });
  }

  private failCurrent(detail: string): void {
    this.collector = undefined;
    this.startResync();
    this.exchange.fail(new DeviceAnswerError(detail));
  }

  /** After a lost or damaged answer: wait for the line to fall quiet before the next instruction. */
  private startResync(): void {
    this.collector = undefined;
    this.parser.reset();
    if (!this.resyncing) {
      this.resyncing = true;
      this.exchange.hold();
    }
    this.quietThenResume();
  }

  private quietThenResume(): void {
    this.cancelQuiet?.();
    const quietMs = Math.max(5, Math.min(50, Math.round(this.opts.config.replyTimeoutMs / 4)));
    this.cancelQuiet = this.opts.clock.after(quietMs, () => {
      this.cancelQuiet = undefined;
      this.resyncing = false;
      this.parser.reset();
      this.exchange.release();
    });
  }

  private resetParser(): void {
    this.parser.reset();
    this.cancelQuiet?.();
    this.cancelQuiet = undefined;
    if (this.resyncing) {
      this.resyncing = false;
      this.exchange.release();
    }
  }

  // ---- state ----

  private report(servo: Servo): AxisReport {
    return {
      positionCounts: servo.position ?? null,
      velocityCountsPerS: servo.velocity,
      targetCounts: servo.goal ?? null,
      state: this.stateOf(servo),
      queueDepth: this.queue.depth(servo.id),
    };
  }

  private stateOf(servo: Servo): DriverAxisState {
    if (this.estopLatched) return 'ESTOP';
    if (servo.fault !== undefined) return 'FAULT';
    if (!servo.torque) return 'DISABLED';
    return this.isActive(servo) || servo.moving ? 'MOVING' : 'IDLE';
  }

  private isActive(servo: Servo): boolean {
    return this.queue.depth(servo.id) > 0 || servo.jogging;
  }

  private servoOf(axis: number): Servo {
    const servo = this.servos.get(axis);
    if (!servo)
      throw new DriverCommandError(
        'INTERNAL_ERROR',
        `ID ${axis} is not configured on ${this.id}`,
        { controller: this.id },
        'failed',
      );
    return servo;
  }

  private ext(servo: Servo): ProblemExtensions {
    return { axis: servo.config.name, controller: this.id };
  }

  private refusal(
    code: 'AXIS_ESTOP' | 'AXIS_DISABLED' | 'AXIS_QUEUE_FULL' | 'AXIS_FAULT' | 'AXIS_BUSY',
    servo: Servo,
    detail: string,
  ): DriverCommandError {
    return new DriverCommandError(code, `${servo.config.name}: ${detail}`, this.ext(servo), 'failed');
  }

  private assertReady(servo: Servo, what: string): void {
    if (!this.link.ready)
      throw new DriverCommandError(
        'CONTROLLER_DISCONNECTED',
        `${what} ${servo.config.name}: ${this.id} is ${this.link.state}`,
        this.ext(servo),
        'failed',
      );
  }

  private assertCanMove(servo: Servo, what: string): void {
    this.assertReady(servo, what);
    if (this.estopLatched) throw this.refusal('AXIS_ESTOP', servo, 'the software stop is latched');
    if (servo.fault !== undefined) throw this.refusal('AXIS_FAULT', servo, `fault ${servo.fault} is latched`);
    if (!servo.torque) throw this.refusal('AXIS_DISABLED', servo, 'the torque is off; enable it first');
  }
}

export function createDynamixelDriver(options: DriverOptions): DynamixelDriver {
  return new DynamixelDriver(options);
}
