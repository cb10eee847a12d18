// One simulated X-series servo: its control table, what reads and writes to it do, its motion profile,
// its hardware errors and its Bus Watchdog. Sources: ROBOTIS e-Manual, X-series control table
// (XM430-W350, XL430-W250 pages: §Torque Enable, §Hardware Error Status, §Bus Watchdog, §Moving,
// §Moving Status, §Profile Velocity, §Operating Mode) and Protocol 2.0 §Status Packet (error numbers).
//
// Choices where the manual is silent, listed in models/README.md too:
// - Goal Position outside the position limits (position mode) and Profile Velocity above Velocity Limit
//   are refused with Data Limit Error, and the write does not happen;
// - a Profile Velocity of 0 (a step) moves at Velocity Limit with no acceleration limit;
// - Torque Enable 1 while a shutdown error is latched answers Result Fail (only a reboot clears it);
// - Homing Offset, Drive Mode (reverse, time-based profile) and the gains are stored but do not act;
// - a reboot keeps the position within one turn, as the absolute encoder does, and forgets the turn count.

import type { Clock, MonotonicMs } from '@servo-edge/common/clock';
import {
  CONTROL_TABLE_END,
  controlTableOf,
  decodeValue,
  encodeValue,
  type ModelItem,
  SERVO_MODELS,
  type ServoModelName,
} from './control-table.js';
import { evaluate, holdPlan, type MotionPlan, type ProfileType, planMove, planVelocity } from './profile.js';

/** Protocol 2.0 §Status Packet, error numbers. */
export const STATUS_ERROR = {
  NONE: 0,
  RESULT_FAIL: 1,
  INSTRUCTION: 2,
  CRC: 3,
  DATA_RANGE: 4,
  DATA_LENGTH: 5,
  DATA_LIMIT: 6,
  ACCESS: 7,
} as const;
const ALERT = 0x80;

/** Hardware Error Status (70) bits. */
export const HARDWARE_ERRORS = {
  INPUT_VOLTAGE: 0,
  OVERHEATING: 2,
  MOTOR_ENCODER: 3,
  ELECTRICAL_SHOCK: 4,
  OVERLOAD: 5,
} as const;
export type HardwareErrorName = keyof typeof HARDWARE_ERRORS;

/** 0.229 rev/min and 214.577 rev/min² in pulses (4096 a turn) per ms and per ms². */
export const VELOCITY_UNIT_PULSES_PER_MS = (0.229 * 4096) / 60 / 1000;
export const ACCELERATION_UNIT_PULSES_PER_MS2 = (214.577 * 4096) / 3600 / 1e6;
const WATCHDOG_UNIT_MS = 20;
const PULSES_PER_TURN = 4096;

const PROFILE_BITS: Record<ProfileType, number> = {
  step: 0x00,
  rectangular: 0x10,
  triangular: 0x20,
  trapezoidal: 0x30,
};

export interface XServoOptions {
  id: number;
  model: ServoModelName;
  clock: Clock;
  firmwareVersion?: number;
  /** Present Position at power-on, pulses (within one turn). Default 2048. */
  positionPulses?: number;
}

export interface XServoSnapshot {
  id: number;
  model: ServoModelName;
  torqueEnabled: boolean;
  operatingMode: number;
  positionPulses: number;
  velocityPulsesPerMs: number;
  goalPositionPulses: number;
  moving: boolean;
  hardwareErrorStatus: number;
  busWatchdog: number;
}

export class XServo {
  readonly model: ServoModelName;
  private readonly clock: Clock;
  private readonly items: readonly ModelItem[];
  private readonly byName: Map<string, ModelItem>;
  private readonly memory = new Uint8Array(CONTROL_TABLE_END);
  private backup: Uint8Array | undefined;
  private plan: MotionPlan;
  private registered: { address: number; data: Uint8Array } | undefined;
  private watchdogTimer: (() => void) | undefined;
  private lastInstructionMs = 0;
  private bootMs = 0;
  private closed = false;

  constructor(options: XServoOptions) {
    this.model = options.model;
    this.clock = options.clock;
    this.items = controlTableOf(options.model);
    this.byName = new Map(this.items.map((i) => [i.name, i]));
    for (const i of this.items) this.put(i, i.initial);
    this.put(this.item('id'), options.id);
    if (options.firmwareVersion !== undefined)
      this.put(this.item('firmwareVersion'), options.firmwareVersion);
    const start = options.positionPulses ?? 2048;
    this.plan = holdPlan(0, start);
    this.put(this.item('goalPosition'), start);
  }

  get id(): number {
    return this.get('id');
  }

  get returnDelayUs(): number {
    return this.get('returnDelayTime') * 2;
  }

  get statusReturnLevel(): number {
    return this.get('statusReturnLevel');
  }

  /** The error byte of this servo's next status: the alert bit when a hardware error is latched. */
  errorByte(errorNumber: number): number {
    return (this.get('hardwareErrorStatus') !== 0 ? ALERT : 0) | errorNumber;
  }

  /** Power on (and reboot): RAM to its initial values, torque off, errors and watchdog cleared. */
  powerOn(): void {
    const now = this.clock.monotonicMs();
    const here = this.state(now).pulses;
    for (const i of this.items) if (i.area === 'RAM') this.put(i, i.initial);
    this.registered = undefined;
    this.bootMs = now;
    const pulses = ((Math.round(here) % PULSES_PER_TURN) + PULSES_PER_TURN) % PULSES_PER_TURN;
    this.plan = holdPlan(now, pulses);
    this.put(this.item('goalPosition'), pulses);
    this.disarmWatchdog();
  }

  close(): void {
    this.closed = true;
    this.disarmWatchdog();
  }

  /** §Factory Reset: the table to its initial values, keeping the ID (and baud rate) if asked; then a reboot. */
  factoryReset(option: number): void {
    const id = this.get('id');
    const baud = this.get('baudRate');
    for (const i of this.items) this.put(i, i.initial);
    if (option === 0x01 || option === 0x02) this.put(this.item('id'), id);
    if (option === 0x02) this.put(this.item('baudRate'), baud);
    this.powerOn();
  }

  /** Any valid instruction packet on the bus is communication for the Bus Watchdog (§Bus Watchdog). */
  heardInstruction(): void {
    this.lastInstructionMs = this.clock.monotonicMs();
    this.armWatchdog();
  }

  /** §Read: the bytes [address, address + length), or an error number. */
  read(address: number, length: number): { error: number; data: number[] } {
    if (length < 1 || address + length > CONTROL_TABLE_END) return { error: STATUS_ERROR.ACCESS, data: [] };
    this.refresh();
    return { error: STATUS_ERROR.NONE, data: [...this.memory.subarray(address, address + length)] };
  }

  /** §Write: checks every item the bytes cover, then writes all of them, or nothing. */
  write(address: number, data: Uint8Array): number {
    const end = address + data.length;
    if (data.length === 0) return STATUS_ERROR.DATA_LENGTH;
    const covered: { item: ModelItem; value: number }[] = [];
    for (let at = address; at < end; ) {
      const item = this.items.find((i) => at >= i.address && at < i.address + i.size);
      if (!item || item.address !== at) {
        return item ? STATUS_ERROR.DATA_LENGTH : STATUS_ERROR.ACCESS;
      }
      if (item.address + item.size > end) return STATUS_ERROR.DATA_LENGTH;
      covered.push({ item, value: decodeValue(data, at - address, item.size, item.signed) });
      at += item.size;
    }
    for (const { item, value } of covered) {
      const error = this.check(item, value);
      if (error !== STATUS_ERROR.NONE) return error;
    }
    for (const { item, value } of covered) this.apply(item, value);
    return STATUS_ERROR.NONE;
  }

  /** §Reg Write: held until Action, and checked then, like a Write. */
  regWrite(address: number, data: Uint8Array): number {
    if (data.length === 0) return STATUS_ERROR.DATA_LENGTH;
    this.registered = { address, data };
    this.put(this.item('registeredInstruction'), 1);
    return STATUS_ERROR.NONE;
  }

  /** §Action: runs the registered write; without one, an Instruction Error. */
  action(): number {
    const registered = this.registered;
    if (!registered) return STATUS_ERROR.INSTRUCTION;
    this.registered = undefined;
    this.put(this.item('registeredInstruction'), 0);
    return this.write(registered.address, registered.data);
  }

  /** §Clear 0x01: the multi-turn count back within one turn; only while stopped. */
  clearMultiTurn(): number {
    const now = this.clock.monotonicMs();
    if (this.isProfileRunning(now)) return STATUS_ERROR.RESULT_FAIL;
    const here = Math.round(this.state(now).pulses);
    const within = ((here % PULSES_PER_TURN) + PULSES_PER_TURN) % PULSES_PER_TURN;
    this.plan = holdPlan(now, within);
    this.put(this.item('goalPosition'), within);
    return STATUS_ERROR.NONE;
  }

  /** §Control Table Backup: store or restore the EEPROM area; only with the torque off. */
  backupOrRestore(operation: number): number {
    if (this.get('torqueEnable') === 1) return STATUS_ERROR.ACCESS;
    if (operation === 0x01) {
      this.backup = this.memory.slice(0, 64);
      this.put(this.item('backupReady'), 1);
      return STATUS_ERROR.NONE;
    }
    if (operation === 0x02) {
      if (!this.backup) return STATUS_ERROR.RESULT_FAIL;
      this.memory.set(this.backup, 0);
      return STATUS_ERROR.NONE;
    }
    return STATUS_ERROR.DATA_RANGE;
  }

  /** A hardware error (fault injection): the bit latches; if Shutdown (63) names it, the torque goes off. */
  raiseHardwareError(error: HardwareErrorName): void {
    const bit = 1 << HARDWARE_ERRORS[error];
    this.put(this.item('hardwareErrorStatus'), this.get('hardwareErrorStatus') | bit);
    if (this.get('shutdown') & bit) this.torqueOff();
  }

  snapshot(): XServoSnapshot {
    const now = this.clock.monotonicMs();
    const state = this.state(now);
    return {
      id: this.id,
      model: this.model,
      torqueEnabled: this.get('torqueEnable') === 1,
      operatingMode: this.get('operatingMode'),
      positionPulses: state.pulses,
      velocityPulsesPerMs: state.pulsesPerMs,
      goalPositionPulses: this.get('goalPosition'),
      moving: this.isProfileRunning(now),
      hardwareErrorStatus: this.get('hardwareErrorStatus'),
      busWatchdog: this.get('busWatchdog'),
    };
  }

  // ---- the table ----

  private item(name: string): ModelItem {
    const item = this.byName.get(name);
    if (!item) throw new Error(`no item ${name} on ${this.model}`);
    return item;
  }

  private get(name: string): number {
    const item = this.item(name);
    return decodeValue(this.memory, item.address, item.size, item.signed);
  }

  private put(item: ModelItem, value: number): void {
    this.memory.set(encodeValue(item.size, value), item.address);
  }

  private check(item: ModelItem, value: number): number {
    if (item.access === 'R') return STATUS_ERROR.ACCESS;
    // §Control Table: "Data in the EEPROM Area can only be written when Torque Enable is 0"; §Status
    // Packet lists that as an Access Error (ROM lock).
    if (item.area === 'EEPROM' && this.get('torqueEnable') === 1) return STATUS_ERROR.ACCESS;
    if (value < item.min || value > item.max) return STATUS_ERROR.DATA_RANGE;
    const goal =
      item.name === 'goalPosition' ||
      item.name === 'goalVelocity' ||
      item.name === 'goalPwm' ||
      item.name === 'goalCurrent';
    // §Bus Watchdog: after it trips, the goal items are read-only and a write gets a Range Error.
    if (goal && this.get('busWatchdog') === -1) return STATUS_ERROR.DATA_RANGE;
    if (item.name === 'operatingMode' && !SERVO_MODELS[this.model].operatingModes.includes(value)) {
      return STATUS_ERROR.DATA_RANGE;
    }
    if (item.name === 'goalPosition' && this.get('operatingMode') === 3) {
      if (value < this.get('minPositionLimit') || value > this.get('maxPositionLimit'))
        return STATUS_ERROR.DATA_LIMIT;
    }
    if (item.name === 'goalVelocity' && Math.abs(value) > this.get('velocityLimit'))
      return STATUS_ERROR.DATA_LIMIT;
    if (item.name === 'profileVelocity' && value > this.get('velocityLimit')) return STATUS_ERROR.DATA_LIMIT;
    if (
      item.name === 'torqueEnable' &&
      value === 1 &&
      (this.get('hardwareErrorStatus') & this.get('shutdown')) !== 0
    ) {
      return STATUS_ERROR.RESULT_FAIL;
    }
    return STATUS_ERROR.NONE;
  }

  private apply(item: ModelItem, value: number): void {
    const now = this.clock.monotonicMs();
    switch (item.name) {
      case 'torqueEnable':
        if (value === 1 && this.get('torqueEnable') === 0) {
          // Holding where it is: the goal becomes the present position.
          const here = Math.round(this.state(now).pulses);
          this.put(item, 1);
          this.plan = holdPlan(now, here);
          this.put(this.item('goalPosition'), here);
          this.armWatchdog();
        } else if (value === 0) {
          this.torqueOff();
        }
        return;
      case 'operatingMode': {
        this.put(item, value);
        if (value === 3) {
          const here = Math.round(this.state(now).pulses);
          const within = ((here % PULSES_PER_TURN) + PULSES_PER_TURN) % PULSES_PER_TURN;
          this.plan = holdPlan(now, within);
        }
        return;
      }
      case 'busWatchdog':
        this.put(item, value);
        if (value === 0) this.disarmWatchdog();
        else this.armWatchdog();
        return;
      case 'goalPosition':
        this.put(item, value);
        if (this.get('torqueEnable') === 1 && this.isPositionMode()) this.startMove(now, value);
        return;
      case 'goalVelocity':
        this.put(item, value);
        if (this.get('torqueEnable') === 1 && this.get('operatingMode') === 1) {
          const acceleration = this.get('profileAcceleration');
          this.plan = planVelocity(
            now,
            this.state(now),
            value * VELOCITY_UNIT_PULSES_PER_MS,
            acceleration === 0 ? Number.POSITIVE_INFINITY : acceleration * ACCELERATION_UNIT_PULSES_PER_MS2,
          );
        }
        return;
      default:
        this.put(item, value);
    }
  }

  // ---- motion ----

  private isPositionMode(): boolean {
    const mode = this.get('operatingMode');
    return mode === 3 || mode === 4 || mode === 5;
  }

  private startMove(now: number, goal: number): void {
    const profileVelocity = this.get('profileVelocity');
    const profileAcceleration = this.get('profileAcceleration');
    const velocityUnits = profileVelocity === 0 ? this.get('velocityLimit') : profileVelocity;
    const velocity = Math.max(velocityUnits, 1) * VELOCITY_UNIT_PULSES_PER_MS;
    const acceleration =
      profileVelocity === 0 || profileAcceleration === 0
        ? Number.POSITIVE_INFINITY
        : profileAcceleration * ACCELERATION_UNIT_PULSES_PER_MS2;
    const type: ProfileType = profileVelocity === 0 ? 'step' : 'rectangular';
    this.plan = planMove(now, this.state(now), goal, velocity, acceleration, type);
  }

  private state(now: number): { pulses: number; pulsesPerMs: number } {
    return evaluate(this.plan, now);
  }

  private isProfileRunning(now: number): boolean {
    return now < this.plan.endMs;
  }

  /** Free run: the motor output stops where the servo is. */
  private torqueOff(): void {
    const now = this.clock.monotonicMs();
    this.plan = holdPlan(now, Math.round(this.state(now).pulses));
    this.put(this.item('torqueEnable'), 0);
    this.disarmWatchdog();
  }

  /** The live items, computed for `now` before a read. */
  private refresh(): void {
    const now = this.clock.monotonicMs();
    const { pulses, pulsesPerMs } = this.state(now);
    const running = this.isProfileRunning(now);
    const velocityUnits = Math.round(pulsesPerMs / VELOCITY_UNIT_PULSES_PER_MS);
    this.put(this.item('presentPosition'), Math.round(pulses));
    this.put(this.item('presentVelocity'), velocityUnits);
    this.put(this.item('positionTrajectory'), Math.round(pulses));
    this.put(this.item('velocityTrajectory'), velocityUnits);
    this.put(this.item('realtimeTick'), Math.floor(now - this.bootMs) % 32768);
    const goal = this.get('goalPosition');
    const moving = running || Math.abs(velocityUnits) > this.get('movingThreshold');
    this.put(this.item('moving'), moving ? 1 : 0);
    let status = PROFILE_BITS[this.plan.type];
    if (running) status |= 0x02;
    else if (this.isPositionMode() && Math.round(pulses) === goal) status |= 0x01;
    this.put(this.item('movingStatus'), status);
  }

  // ---- Bus Watchdog (§Bus Watchdog) ----

  private armWatchdog(): void {
    this.disarmWatchdog();
    const setting = this.get('busWatchdog');
    if (this.closed || setting <= 0 || this.get('torqueEnable') !== 1) return;
    const due = (this.lastInstructionMs + setting * WATCHDOG_UNIT_MS) as MonotonicMs;
    this.watchdogTimer = this.clock.schedule(due, () => {
      this.watchdogTimer = undefined;
      this.tripWatchdog();
    });
  }

  private disarmWatchdog(): void {
    this.watchdogTimer?.();
    this.watchdogTimer = undefined;
  }

  /** "The DYNAMIXEL will stop ... Profile Acceleration and Profile Velocity are applied as 0": at once. */
  private tripWatchdog(): void {
    const now = this.clock.monotonicMs();
    this.plan = holdPlan(now, Math.round(this.state(now).pulses));
    this.put(this.item('busWatchdog'), -1);
  }
}
