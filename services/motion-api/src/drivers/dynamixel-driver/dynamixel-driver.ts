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
import {
  type AbsoluteMove,
  type AxisReport,
  type ControllerDriver,
  type DriverAxisState,
  type DriverCapabilities,
  DriverCommandError,
  type DriverOptions,
  type LinkHealth,
  type SendOptions,
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
import { ExchangeError } from '../host-link/exchange.js';
import { COMPLETION_POLL_MS, type HostAxis, HostLinkDriver } from '../host-link/host-link-driver.js';
import type { HostMove } from '../host-link/host-queue.js';
import { type ConnectAttempt, LinkStepError } from '../host-link/link-supervisor.js';
import { profileAcceleration, profileVelocity, velocityUnitsToPulsesPerS } from './profile-units.js';

/** Bus Watchdog when the config gives none, ms. */
export const DEFAULT_BUS_WATCHDOG_MS = 500;
const BUS_WATCHDOG_UNIT_MS = 20;
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

/** A servo: `position` is Present Position, `velocity` Present Velocity, in pulses (4096 a turn). */
interface Servo extends HostAxis {
  /** = address: the servo's ID on the bus. */
  readonly id: number;
  readonly model: XSeriesModel | undefined;
  readonly operatingMode: 'position' | 'extended-position';
  torque: boolean;
  velocityLimitUnits: number;
  goal: number | undefined;
  moving: boolean;
  movingStatus: MovingStatus | undefined;
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

function newServo(axis: AxisConfig): Servo {
  return {
    config: axis,
    address: axis.axis,
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
  };
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
    positionTriggeredSteps: false,
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

export class DynamixelDriver extends HostLinkDriver<Servo> implements ControllerDriver {
  readonly kind = 'dynamixel' as const;
  readonly capabilities = dynamixelCapabilities();
  private readonly parser = new DynamixelPacketParser();
  private readonly watchdogMs: number;
  private collector: Collector | undefined;
  private failedInARow = 0;
  /** Instructions written so far: orders a move's goal write against the telemetry reads. */
  private wireSeq = 0;
  private crcErrors = 0;
  private badPackets = 0;
  private deviceErrors = 0;
  /** IDs and model numbers that answered the last broadcast Ping. */
  discovered: { id: number; modelNumber: number; firmware: number }[] = [];

  constructor(options: DriverOptions) {
    super(options, new Map(options.axes.map((axis) => [axis.axis, newServo(axis)])), {
      addressName: 'ID',
      nothingToHome: 'an X-series servo has an absolute encoder; there is nothing to home',
      rateUnitsField: 'profileUnits',
      // Status packets are framed (a header, a CRC): a short quiet is enough to resynchronise.
      resyncQuietMs: Math.max(5, Math.min(50, Math.round(options.config.replyTimeoutMs / 4))),
    });
    this.watchdogMs = options.config.watchdogMs ?? DEFAULT_BUS_WATCHDOG_MS;
  }

  protected wireCounters(): Pick<LinkHealth, 'crcErrors' | 'linkErrorReplies'> {
    return {
      crcErrors: this.crcErrors + this.badPackets,
      // Status packets saying the servo saw a damaged instruction (CRC Error).
      linkErrorReplies: this.deviceErrors,
    };
  }

  // ---- PLCopen operations (read, move, jog, stop, home, reset: HostLinkDriver) ----

  protected async readAxis(servo: Servo, onFirstWrite?: () => void): Promise<void> {
    const [status] = await this.transact(
      { instruction: 'read', id: servo.id, address: TELEMETRY_ADDRESS, length: TELEMETRY_LENGTH },
      { what: `Read ${servo.id}`, retry: true, onFirstWrite },
    );
    this.observe(servo, status!);
  }

  moveTogether(
    legs: readonly { axis: number; move: AbsoluteMove; options?: SendOptions }[],
  ): Promise<void>[] {
    if (legs.length < 2) return legs.map((leg) => this.move(leg.axis, leg.move, leg.options));
    let entries: { servo: Servo; leg: (typeof legs)[number] }[];
    try {
      entries = legs.map((leg) => {
        const servo = this.axisOf(leg.axis);
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

  protected async startJog(servo: Servo, move: AbsoluteMove): Promise<void> {
    await this.writeMove(servo, move, 'jog');
    servo.jogging = true;
  }

  /** MC_Stop: the goal becomes where the servo comes to rest braking at its profile acceleration. */
  protected async stopAxis(servo: Servo): Promise<void> {
    await this.readAxis(servo);
    if (servo.torque && servo.position !== undefined) {
      const a = servo.accelerationPulsesPerS2;
      const brake = a > 0 ? (Math.sign(servo.velocity) * servo.velocity ** 2) / (2 * a) : 0;
      await this.writeGoal(servo, Math.round(servo.position + brake), 'stop');
    }
  }

  async power(axis: number, on: boolean): Promise<void> {
    const servo = this.axisOf(axis);
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

  /**
   * The software stop on a Dynamixel bus: one Sync Write per kind goes out next, ahead of everything
   * (never over a status packet on the half-duplex line). hold: Goal Position = the position last read;
   * limp: Torque Enable 0.
   */
  protected writeSoftwareStop(): boolean {
    const hold: { id: number; data: Uint8Array }[] = [];
    const limp: { id: number; data: Uint8Array }[] = [];
    for (const servo of this.axes.values()) {
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
    return true;
  }

  /**
   * MC_Reset: a servo with a hardware error is rebooted (the only way to clear it, §Hardware Error
   * Status), and set up again; a tripped Bus Watchdog is cleared by writing 0 (§Bus Watchdog), then armed
   * again. Then the software-stop latch is released (HostLinkDriver.reset).
   */
  protected async clearFaults(): Promise<void> {
    for (const servo of this.axes.values()) {
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
  }

  // ---- connect ----

  /** A step that failed on the wire says what the bus did: nothing, or garbage. */
  protected connectFailure(error: unknown): unknown {
    if (error instanceof DeviceAnswerError) return new LinkStepError('DXL_BAD_REPLY', error.message);
    if (error instanceof ExchangeError && error.code === 'EXCHANGE_TIMEOUT')
      return new LinkStepError(
        this.badPackets + this.crcErrors > 0 ? 'DXL_BAD_REPLY' : 'DXL_NO_REPLY',
        error.message,
      );
    return error;
  }

  protected async connectSteps(attempt: ConnectAttempt): Promise<void> {
    this.endResync();
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
    const missing = [...this.axes.keys()].filter((id) => !byId.has(id));
    if (missing.length > 0)
      throw new LinkStepError(
        'DXL_ID_MISSING',
        `ID ${missing.join(', ')} did not answer the broadcast Ping on ${path}; the bus has ID ` +
          `${answers.map((a) => a.id).join(', ')}`,
      );
    for (const servo of this.axes.values()) {
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
    for (const servo of this.axes.values()) await attempt.step(this.setUp(servo, true));
    // 3. Where they are.
    await attempt.step(this.pollOnce());
    // 4. A software stop asked for while the link was down; the reports.
    this.finishConnect(attempt);
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
        wanted: new Set(this.axes.keys()),
        quietMs: Math.ceil(5 * packetMs),
      },
    );
    return statuses.map((s) => ({
      id: s.id,
      modelNumber: s.data[0]! | (s.data[1]! << 8),
      firmware: s.data[2]!,
    }));
  }

  // ---- telemetry and completion ----

  protected pollPeriodMs(active: boolean): number {
    // The Bus Watchdog needs an instruction within its period: poll at least twice per period.
    const keepAliveMs = Math.max(10, Math.floor(this.watchdogMs / 2));
    return Math.min(
      this.streamPeriodMs() ?? keepAliveMs,
      keepAliveMs,
      active ? COMPLETION_POLL_MS : keepAliveMs,
    );
  }

  protected readTelemetry(): Promise<void> {
    return this.pollOnce();
  }

  /** §Sync Read of the telemetry block from every servo: one instruction, one status per servo in order. */
  private async pollOnce(): Promise<void> {
    const ids = [...this.axes.keys()];
    if (ids.length === 0) return;
    const statuses = await this.transact(
      { instruction: 'syncRead', address: TELEMETRY_ADDRESS, length: TELEMETRY_LENGTH, ids },
      { what: 'Sync Read telemetry', retry: true },
    );
    for (const status of statuses) {
      const servo = this.axes.get(status.id);
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

  protected checkProgress(servo: Servo): void {
    const profileDone = servo.movingStatus !== undefined && !servo.movingStatus.profileOngoing;
    if (servo.jogging && profileDone && !servo.moving) servo.jogging = false;
    const running = this.queue.running(servo.id);
    // A servo with its alert bit set stopped for a hardware error: its fault, not a DONE, ends the move.
    if (!running || servo.alert) return;
    // Only telemetry asked for after the move's goal went out says anything about the move.
    if (servo.goalSeq === undefined || servo.observedSeq < servo.goalSeq) return;
    if (servo.goal !== running.move.targetCounts) {
      // The goal read back is not the one written: the write never reached the servo.
      this.finishRunning(servo, running, 'ABORTED', 'GOAL_NOT_APPLIED');
      void this.startNextMove(servo);
      return;
    }
    // §Moving Status: the profile has ended, and the servo is in position (or has settled short of it,
    // held by a load: its final position says where).
    if (profileDone && (servo.movingStatus!.inPosition || servo.unchangedPolls >= 2)) {
      this.finishRunning(servo, running, 'DONE');
      void this.startNextMove(servo);
    }
  }

  // ---- moves ----

  /** A latched fault holds the queue until reset(). */
  protected override async startNextMove(servo: Servo): Promise<void> {
    if (servo.fault === undefined) await super.startNextMove(servo);
  }

  protected async startMove(servo: Servo, entry: HostMove): Promise<void> {
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

  protected receive(chunk: Buffer): void {
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

  protected answerTimedOut(): void {
    this.startResync();
  }

  protected clearReceiver(): void {
    this.collector = undefined;
    this.parser.reset();
  }

  // ---- state ----

  protected report(servo: Servo): AxisReport {
    return {
      positionCounts: servo.position ?? null,
      velocityCountsPerS: servo.velocity,
      targetCounts: servo.goal ?? null,
      state: this.stateOf(servo),
      queueDepth: this.queue.depth(servo.id),
    };
  }

  protected stateOf(servo: Servo): DriverAxisState {
    if (this.estopLatched) return 'ESTOP';
    if (servo.fault !== undefined) return 'FAULT';
    if (!servo.torque) return 'DISABLED';
    return this.isActive(servo) || servo.moving ? 'MOVING' : 'IDLE';
  }

  protected moveRefusal(servo: Servo): DriverCommandError | undefined {
    if (servo.fault !== undefined)
      return this.refusal('AXIS_FAULT', servo, `fault ${servo.fault} is latched`);
    if (!servo.torque) return this.refusal('AXIS_DISABLED', servo, 'the torque is off; enable it first');
    return undefined;
  }
}

export function createDynamixelDriver(options: DriverOptions): DynamixelDriver {
  return new DynamixelDriver(options);
}
