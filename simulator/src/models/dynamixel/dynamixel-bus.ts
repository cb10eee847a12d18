// A simulated DYNAMIXEL bus: X-series servos on one half-duplex line, as a U2D2 shows it to the host.
// Every servo hears every instruction packet; the addressed ones act and answer with status packets,
// each after its Return Delay Time (9) and after the status before it has left the wire, so answers
// never overlap: a broadcast Ping is answered in ID order, a Sync Read or Bulk Read in the order the IDs
// are listed (§Ping "according to their arranged order", §Sync Read, §Bulk Read), a Fast Sync Read with
// one packet from ID 254 holding every block (§Fast Sync Read).
// Source: ROBOTIS e-Manual, DYNAMIXEL Protocol 2.0 §Instruction Details and §Status Packet. Time comes
// from the common Clock; answers are scheduled on it, so tests step it.
//
// Choices where the manual is silent, listed in models/README.md too: an ID listed in a Sync/Bulk Read that is
// not on the bus is skipped (the others still answer, in order); a Fast Sync Read naming an absent ID
// gets no answer at all; malformed parameters get Result Fail; a CRC error is answered (CRC Error) by
// the servo whose ID the damaged packet carries, if its Status Return Level answers that instruction.

import type { Clock, MonotonicMs } from '@servo-edge/common/clock';
import { SimulatorError } from '../../errors.js';
import type { ServoModelName } from './control-table.js';
import { crc16 } from './crc16.js';
import { BusPacketReader, framePacket, type InstructionPacket } from './packet-io.js';
import { type HardwareErrorName, STATUS_ERROR, XServo, type XServoSnapshot } from './x-servo.js';

const BROADCAST_ID = 0xfe;
const STATUS = 0x55;

const INSTRUCTION = {
  PING: 0x01,
  READ: 0x02,
  WRITE: 0x03,
  REG_WRITE: 0x04,
  ACTION: 0x05,
  FACTORY_RESET: 0x06,
  REBOOT: 0x08,
  CLEAR: 0x10,
  BACKUP: 0x20,
  SYNC_READ: 0x82,
  SYNC_WRITE: 0x83,
  FAST_SYNC_READ: 0x8a,
  BULK_READ: 0x92,
  BULK_WRITE: 0x93,
} as const;

/** The instructions that answer at Status Return Level 1 (§Status Return Level: Ping and Read). */
const READ_INSTRUCTIONS: ReadonlySet<number> = new Set([
  INSTRUCTION.READ,
  INSTRUCTION.SYNC_READ,
  INSTRUCTION.FAST_SYNC_READ,
  INSTRUCTION.BULK_READ,
]);

export interface DynamixelServoSpec {
  /** 0..252, unique on the bus. */
  id: number;
  /** Default XM430-W350. */
  model?: ServoModelName;
  firmwareVersion?: number;
  /** Present Position at power-on, pulses (0..4095). Default 2048. */
  positionPulses?: number;
}

export interface DynamixelBusOptions {
  clock: Clock;
  /** Bytes toward the host (status packets). */
  write(bytes: Uint8Array): void;
  servos: readonly DynamixelServoSpec[];
  /** Bits per second, for how long a status packet occupies the line (10 bits a byte). Default 57600. */
  baud?: number;
}

const u16 = (bytes: Uint8Array, at: number) => bytes[at]! | (bytes[at + 1]! << 8);

export class DynamixelBusModel {
  private readonly clock: Clock;
  private readonly write: (bytes: Uint8Array) => void;
  private readonly servos = new Map<number, XServo>();
  private readonly reader = new BusPacketReader();
  private readonly msPerByte: number;
  private readonly pending = new Set<() => void>();
  /** When the last answer scheduled so far has left the wire. */
  private lineFreeAtMs = 0;
  private started = false;
  private closed = false;

  constructor(options: DynamixelBusOptions) {
    this.clock = options.clock;
    this.write = options.write;
    const baud = options.baud ?? 57_600;
    if (!(baud > 0)) throw new SimulatorError('SIM_INVALID_ARGUMENT', `baud ${baud}`);
    this.msPerByte = 10_000 / baud;
    for (const spec of options.servos) {
      if (!Number.isInteger(spec.id) || spec.id < 0 || spec.id > 252) {
        throw new SimulatorError('SIM_INVALID_ARGUMENT', `servo ID ${spec.id} is not 0..252`);
      }
      if (this.servos.has(spec.id))
        throw new SimulatorError('SIM_INVALID_ARGUMENT', `servo ID ${spec.id} twice`);
      this.servos.set(
        spec.id,
        new XServo({
          id: spec.id,
          model: spec.model ?? 'XM430-W350',
          clock: this.clock,
          firmwareVersion: spec.firmwareVersion,
          positionPulses: spec.positionPulses,
        }),
      );
    }
  }

  /** Powers the bus on. No timers before this. Idempotent. */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    for (const servo of this.servos.values()) servo.powerOn();
  }

  /** Cancels pending answers and watchdogs. Idempotent. */
  close(): void {
    this.closed = true;
    for (const cancel of this.pending) cancel();
    this.pending.clear();
    for (const servo of this.servos.values()) servo.close();
  }

  /** A power cycle of every servo: settings in EEPROM survive, RAM and errors do not; answers not yet sent are lost. */
  powerCycle(): void {
    if (!this.started || this.closed) return;
    for (const cancel of this.pending) cancel();
    this.pending.clear();
    this.lineFreeAtMs = 0;
    this.reader.reset();
    for (const servo of this.servos.values()) servo.powerOn();
  }

  /** Bytes from the host, as the servos receive them. */
  receive(bytes: Uint8Array): void {
    if (!this.started || this.closed) return;
    this.reader.push(bytes, (event) => {
      if (event.kind === 'crcError') {
        const servo = this.byId(event.id);
        if (servo && servo.statusReturnLevel >= 2)
          this.answer([{ servo, error: STATUS_ERROR.CRC, data: [] }]);
        return;
      }
      for (const servo of this.servos.values()) servo.heardInstruction();
      this.execute(event.packet);
    });
  }

  /** Fault injection: a hardware error on one servo (overload, overheating, ...). */
  injectHardwareError(id: number, error: HardwareErrorName): void {
    this.servo(id);
    this.byId(id)!.raiseHardwareError(error);
  }

  servo(id: number): XServoSnapshot {
    const servo = this.byId(id);
    if (!servo) throw new SimulatorError('SIM_NO_SUCH_AXIS', `no servo with ID ${id} on the bus`);
    return servo.snapshot();
  }

  get ids(): number[] {
    return [...this.servos.values()].map((s) => s.id).sort((a, b) => a - b);
  }

  // ---- instructions ----

  /** The servo that answers to `id` now (IDs can be rewritten over the bus). */
  private byId(id: number): XServo | undefined {
    for (const servo of this.servos.values()) if (servo.id === id) return servo;
    return undefined;
  }

  private targets(id: number): XServo[] {
    if (id === BROADCAST_ID) return [...this.servos.values()];
    const servo = this.byId(id);
    return servo ? [servo] : [];
  }

  private execute(packet: InstructionPacket): void {
    const { id, instruction, params } = packet;
    const broadcast = id === BROADCAST_ID;
    const replies: Reply[] = [];
    const single = (servo: XServo, error: number, data: number[] = []) =>
      replies.push({ servo, error, data });
    switch (instruction) {
      case INSTRUCTION.PING: {
        const servos = this.targets(id).sort((a, b) => a.id - b.id);
        for (const servo of servos) {
          const { data } = servo.read(0, 3);
          replies.push({
            servo,
            error: STATUS_ERROR.NONE,
            data: [data[0]!, data[1]!, servo.read(6, 1).data[0]!],
            ping: true,
          });
        }
        break;
      }
      case INSTRUCTION.READ: {
        if (broadcast) return;
        for (const servo of this.targets(id)) {
          if (params.length !== 4) single(servo, STATUS_ERROR.RESULT_FAIL);
          else {
            const result = servo.read(u16(params, 0), u16(params, 2));
            single(servo, result.error, result.data);
          }
        }
        break;
      }
      case INSTRUCTION.WRITE:
      case INSTRUCTION.REG_WRITE:
        for (const servo of this.targets(id)) {
          if (params.length < 3) single(servo, STATUS_ERROR.RESULT_FAIL);
          else {
            const address = u16(params, 0);
            const data = params.slice(2);
            single(
              servo,
              instruction === INSTRUCTION.WRITE ? servo.write(address, data) : servo.regWrite(address, data),
            );
          }
        }
        break;
      case INSTRUCTION.ACTION:
        for (const servo of this.targets(id)) single(servo, servo.action());
        break;
      case INSTRUCTION.FACTORY_RESET: {
        const option = params[0];
        // §Factory Reset: reset-all sent to the broadcast ID is not acted on.
        if (option === undefined || ![0xff, 0x01, 0x02].includes(option) || (broadcast && option === 0xff)) {
          for (const servo of this.targets(id)) single(servo, STATUS_ERROR.RESULT_FAIL);
          break;
        }
        // The status goes out before the reset takes the old settings away.
        for (const servo of this.targets(id)) {
          single(servo, STATUS_ERROR.NONE);
          replies.at(-1)!.after = () => servo.factoryReset(option);
        }
        break;
      }
      case INSTRUCTION.REBOOT:
        for (const servo of this.targets(id)) {
          single(servo, STATUS_ERROR.NONE);
          replies.at(-1)!.after = () => servo.powerOn();
        }
        break;
      case INSTRUCTION.CLEAR: {
        const ok =
          params.length === 5 &&
          params[0] === 0x01 &&
          params[1] === 0x44 &&
          params[2] === 0x58 &&
          params[3] === 0x4c &&
          params[4] === 0x22;
        for (const servo of this.targets(id))
          single(servo, ok ? servo.clearMultiTurn() : STATUS_ERROR.DATA_RANGE);
        break;
      }
      case INSTRUCTION.BACKUP: {
        const ok =
          params.length === 5 &&
          params[1] === 0x43 &&
          params[2] === 0x54 &&
          params[3] === 0x52 &&
          params[4] === 0x4c;
        for (const servo of this.targets(id))
          single(servo, ok ? servo.backupOrRestore(params[0]!) : STATUS_ERROR.DATA_RANGE);
        break;
      }
      case INSTRUCTION.SYNC_READ:
      case INSTRUCTION.FAST_SYNC_READ: {
        if (!broadcast || params.length < 5) return;
        const address = u16(params, 0);
        const length = u16(params, 2);
        const listed = [...params.subarray(4)];
        if (instruction === INSTRUCTION.FAST_SYNC_READ) {
          this.fastSyncRead(listed, address, length);
          return;
        }
        for (const listedId of listed) {
          const servo = this.byId(listedId);
          if (!servo) continue;
          const result = servo.read(address, length);
          single(servo, result.error, result.data);
        }
        break;
      }
      case INSTRUCTION.SYNC_WRITE: {
        if (!broadcast || params.length < 5) return;
        const address = u16(params, 0);
        const length = u16(params, 2);
        for (let at = 4; at + 1 + length <= params.length; at += 1 + length) {
          this.byId(params[at]!)?.write(address, params.slice(at + 1, at + 1 + length));
        }
        return;
      }
      case INSTRUCTION.BULK_READ: {
        if (!broadcast) return;
        for (let at = 0; at + 5 <= params.length; at += 5) {
          const servo = this.byId(params[at]!);
          if (!servo) continue;
          const result = servo.read(u16(params, at + 1), u16(params, at + 3));
          single(servo, result.error, result.data);
        }
        break;
      }
      case INSTRUCTION.BULK_WRITE: {
        if (!broadcast) return;
        for (let at = 0; at + 5 <= params.length; ) {
          const length = u16(params, at + 3);
          this.byId(params[at]!)?.write(u16(params, at + 1), params.slice(at + 5, at + 5 + length));
          at += 5 + length;
        }
        return;
      }
      default:
        for (const servo of this.targets(id)) single(servo, STATUS_ERROR.INSTRUCTION);
    }
    // §Packet ID NOTE: a broadcast Write (and the like) gets no status; Ping and the reads do.
    const answered = broadcast
      ? replies.filter((r) => r.ping || READ_INSTRUCTIONS.has(instruction))
      : replies;
    this.answer(
      answered.filter(
        (r) =>
          r.ping ||
          r.servo.statusReturnLevel >= 2 ||
          (r.servo.statusReturnLevel >= 1 && READ_INSTRUCTIONS.has(instruction)),
      ),
    );
    // What must happen after the status was formed (a reboot) happens whether or not it is sent.
    for (const reply of replies) reply.after?.();
  }

  /** §Fast Sync Read: one packet from ID 254; after each block but the last, the running CRC so far. */
  private fastSyncRead(ids: readonly number[], address: number, length: number): void {
    const servos = ids.map((id) => this.byId(id));
    if (servos.length === 0 || servos.some((s) => s === undefined || s.statusReturnLevel < 1)) return;
    const blocks = servos.map((servo) => {
      const result = servo!.read(address, length);
      const data = result.error === STATUS_ERROR.NONE ? result.data : new Array<number>(length).fill(0);
      return { error: servo!.errorByte(result.error), id: servo!.id, data };
    });
    // Each inner CRC covers the packet as sent up to it, length field included, and the length depends
    // on the stuffing the CRC bytes themselves may need: iterate until they agree.
    let crcs = blocks.map(() => 0);
    for (let round = 0; round < 8; round++) {
      const params: number[] = [];
      blocks.forEach((block, i) => {
        params.push(block.error, block.id, ...block.data);
        if (i < blocks.length - 1) params.push(crcs[i]! & 0xff, crcs[i]! >> 8);
      });
      const packet = framePacket(BROADCAST_ID, STATUS, params);
      const ends = fieldByteEnds(packet);
      const next: number[] = [];
      for (let i = 0; i < blocks.length - 1; i++) {
        // The last data byte of block i is field byte 1 + i * (length + 4) + 2 + length - 1.
        const lastData = 1 + i * (length + 4) + 1 + length;
        next.push(crc16(packet, 0, ends[lastData]!));
      }
      if (next.every((crc, i) => crc === crcs[i])) {
        this.send([{ bytes: packet, delayUs: servos[0]!.returnDelayUs }]);
        return;
      }
      crcs = next;
    }
    // No consistent packet exists for these bytes: like a garbled bus, nothing the host can use.
  }

  // ---- answers on the wire ----

  private answer(replies: readonly Reply[]): void {
    this.send(
      replies.map((r) => ({
        bytes: framePacket(r.servo.id, STATUS, [r.servo.errorByte(r.error), ...r.data]),
        delayUs: r.servo.returnDelayUs,
      })),
    );
  }

  /** Puts packets on the line one after another, each after its servo's return delay. */
  private send(packets: readonly { bytes: Uint8Array; delayUs: number }[]): void {
    let free = Math.max(this.clock.monotonicMs(), this.lineFreeAtMs);
    for (const { bytes, delayUs } of packets) {
      const at = free + delayUs / 1000;
      free = at + bytes.length * this.msPerByte;
      const cancel = this.clock.schedule(at as MonotonicMs, () => {
        this.pending.delete(cancel);
        if (!this.closed) this.write(bytes);
      });
      this.pending.add(cancel);
    }
    this.lineFreeAtMs = free;
  }
}

/**
 * For each byte of the instruction-and-parameters field (unstuffed), where it ends in the framed packet,
 * counting the stuffing 0xFD that follows an FF FF FD.
 */
function fieldByteEnds(packet: Uint8Array): number[] {
  const ends: number[] = [];
  const last = packet.length - 2;
  for (let wire = 7; wire < last; wire++) {
    const stuffedAfter =
      wire >= 9 &&
      packet[wire] === 0xfd &&
      packet[wire - 1] === 0xff &&
      packet[wire - 2] === 0xff &&
      packet[wire + 1] === 0xfd;
    if (stuffedAfter) wire++;
    ends.push(wire + 1);
  }
  return ends;
}

interface Reply {
  servo: XServo;
  error: number;
  data: number[];
  /** A Ping answers whatever the Status Return Level. */
  ping?: boolean;
  /** Runs once the status is formed (reboot, factory reset). */
  after?: () => void;
}

export function createDynamixelBusModel(options: DynamixelBusOptions): DynamixelBusModel {
  return new DynamixelBusModel(options);
}
