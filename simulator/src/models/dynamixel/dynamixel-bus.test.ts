// The Dynamixel bus model against the ROBOTIS e-Manual: the Protocol 2.0 examples byte for byte (the
// manual's own packets, written out here), the X-series profile, Bus Watchdog, hardware errors, EEPROM
// lock, and answer order and timing. The model's packets are not built with motion-api's codec, which
// the model exists to check (STYLE.md lesson 16). Time is stepped with ManualClock.

import { ManualClock } from '@servo-edge/common/testing';
import { describe, expect, it } from 'vitest';
import { crc16 } from './crc16.js';
import { createDynamixelBusModel, type DynamixelServoSpec } from './dynamixel-bus.js';
import { BusPacketReader, framePacket } from './packet-io.js';
import { ACCELERATION_UNIT_PULSES_PER_MS2, VELOCITY_UNIT_PULSES_PER_MS } from './x-servo.js';

const hex = (bytes: Uint8Array | number[]) =>
  Buffer.from(bytes)
    .toString('hex')
    .toUpperCase()
    .replace(/(..)(?=.)/g, '$1 ');
const bytes = (text: string) => Uint8Array.from(Buffer.from(text.replace(/ /g, ''), 'hex'));
const le = (value: number, size: number) =>
  Array.from(
    { length: size },
    (_, i) => Math.floor((value < 0 ? value + 2 ** (size * 8) : value) / 256 ** i) % 256,
  );

const I = {
  PING: 1,
  READ: 2,
  WRITE: 3,
  REG_WRITE: 4,
  ACTION: 5,
  REBOOT: 8,
  CLEAR: 0x10,
  SYNC_READ: 0x82,
  SYNC_WRITE: 0x83,
  FAST_SYNC_READ: 0x8a,
  BULK_READ: 0x92,
};
const A = {
  torque: 64,
  statusReturnLevel: 68,
  hwError: 70,
  watchdog: 98,
  profileAcc: 108,
  profileVel: 112,
  goal: 116,
  moving: 122,
  movingStatus: 123,
  velocity: 128,
  position: 132,
  mode: 11,
  returnDelay: 9,
};

const read = (id: number, address: number, length: number) =>
  framePacket(id, I.READ, [...le(address, 2), ...le(length, 2)]);
const write = (id: number, address: number, data: number[]) =>
  framePacket(id, I.WRITE, [...le(address, 2), ...data]);

function rig(servos: DynamixelServoSpec[] = [{ id: 1 }], baud = 1_000_000) {
  const clock = new ManualClock();
  const received: { atMs: number; bytes: Uint8Array }[] = [];
  const bus = createDynamixelBusModel({
    clock,
    servos,
    baud,
    write: (b) => received.push({ atMs: clock.monotonicMs(), bytes: b }),
  });
  bus.start();
  /** Sends a packet, lets `ms` pass, and returns the status packets that came back, parsed. */
  const exchange = (packet: Uint8Array, ms = 5) => {
    received.length = 0;
    bus.receive(packet);
    clock.advanceBy(ms);
    return received.map(({ bytes: b, atMs }) => ({
      atMs,
      wire: b,
      id: b[4]!,
      error: b[8]!,
      data: [...b.subarray(9, b.length - 2)],
    }));
  };
  const value = (id: number, address: number, size: number) => {
    const [reply] = exchange(read(id, address, size));
    let v = 0;
    for (let i = size - 1; i >= 0; i--) v = v * 256 + reply!.data[i]!;
    return v >= 2 ** (size * 8 - 1) ? v - 2 ** (size * 8) : v;
  };
  return { clock, bus, exchange, value, received };
}

describe('packets (Protocol 2.0 §Instruction Details examples)', () => {
  it("frames the manual's packets byte for byte, and the restore packet with the CRC the algorithm gives (9E F5)", () => {
    expect(hex(framePacket(1, I.PING, []))).toBe('FF FF FD 00 01 03 00 01 19 4E');
    expect(hex(read(1, 132, 4))).toBe('FF FF FD 00 01 07 00 02 84 00 04 00 1D 15');
    expect(hex(write(1, 116, le(512, 4)))).toBe('FF FF FD 00 01 09 00 03 74 00 00 02 00 00 CA 89');
    expect(hex(framePacket(0xfe, 0x55, [0x00, 0x03, 0xa6, 0, 0, 0]).subarray(0, 4))).toBe('FF FF FD 00');
    // The e-Manual prints 92 F5 for this one; the CRC-16 that reproduces every other example gives 9E F5.
    expect(hex(framePacket(1, 0x20, [0x02, 0x43, 0x54, 0x52, 0x4c]).subarray(-2))).toBe('9E F5');
    expect(crc16(Buffer.from('123456789')).toString(16)).toBe('fee8');
  });

  it('stuffs FF FF FD in parameters, and reads it back; a damaged packet is reported, the next one still read', () => {
    const packet = write(1, 116, [0xff, 0xff, 0xfd, 0x00]);
    expect(hex(packet.subarray(7, -2))).toBe('03 74 00 FF FF FD FD 00');
    const reader = new BusPacketReader();
    const events: string[] = [];
    const damaged = Uint8Array.from(packet);
    damaged[9] = damaged[9]! ^ 0x40;
    reader.push(Uint8Array.from([0x00, 0xff, ...damaged, ...packet]), (e) =>
      events.push(e.kind === 'packet' ? hex(e.packet.params) : `crc ${e.id}`),
    );
    expect(events).toEqual(['crc 1', '74 00 FF FF FD 00']);
  });
});

describe('Ping and Read', () => {
  it('answers a Ping with the manual status for an XM430-W210, firmware 38, after the 500 µs return delay', () => {
    const r = rig([{ id: 1, model: 'XM430-W210', firmwareVersion: 38 }]);
    const [status] = r.exchange(bytes('FF FF FD 00 01 03 00 01 19 4E'));
    expect(hex(status!.wire)).toBe('FF FF FD 00 01 07 00 55 00 06 04 26 65 5D');
    expect(status!.atMs).toBeCloseTo(0.5, 9);
  });

  it('a broadcast Ping is answered by every servo in ID order, one after the other on the wire', () => {
    const baud = 57_600;
    const r = rig([{ id: 3 }, { id: 1 }, { id: 2, model: 'XL430-W250' }], baud);
    const replies = r.exchange(bytes('FF FF FD 00 FE 03 00 01 31 42'), 20);
    expect(replies.map((s) => [s.id, le(1020, 2)[0] === s.data[0] ? 'XM430-W350' : s.data])).toEqual([
      [1, 'XM430-W350'],
      [2, [...le(1060, 2), 46]],
      [3, 'XM430-W350'],
    ]);
    const wireMs = (14 * 10_000) / baud;
    expect(replies[1]!.atMs - replies[0]!.atMs).toBeCloseTo(wireMs + 0.5, 9);
    expect(replies[2]!.atMs - replies[1]!.atMs).toBeCloseTo(wireMs + 0.5, 9);
  });

  it("Read of Present Position 166 gives the manual's status bytes; Sync Read answers in the listed order", () => {
    const r = rig([
      { id: 1, positionPulses: 166 },
      { id: 2, positionPulses: 2079 },
    ]);
    const [one] = r.exchange(bytes('FF FF FD 00 01 07 00 02 84 00 04 00 1D 15'));
    expect(hex(one!.wire)).toBe('FF FF FD 00 01 08 00 55 00 A6 00 00 00 8C C0');
    const sync = r.exchange(bytes('FF FF FD 00 FE 09 00 82 84 00 04 00 01 02 CE FA'));
    expect(sync.map((s) => hex(s.wire))).toEqual([
      'FF FF FD 00 01 08 00 55 00 A6 00 00 00 8C C0',
      'FF FF FD 00 02 08 00 55 00 1F 08 00 00 BA BE',
    ]);
    const reversed = r.exchange(framePacket(0xfe, I.SYNC_READ, [0x84, 0, 4, 0, 2, 1]));
    expect(reversed.map((s) => s.id)).toEqual([2, 1]);
  });

  it("Fast Sync Read gives the manual's one packet: every block, and the running CRC between them", () => {
    const r = rig([
      { id: 3, positionPulses: 166 },
      { id: 7, positionPulses: 2079 },
      { id: 4, positionPulses: 1023 },
    ]);
    const [status] = r.exchange(bytes('FF FF FD 00 FE 0A 00 8A 84 00 04 00 03 07 04 20 F2'));
    expect(hex(status!.wire)).toBe(
      'FF FF FD 00 FE 19 00 55 00 03 A6 00 00 00 84 08 00 07 1F 08 00 00 16 CA 00 04 FF 03 00 00 D1 9E',
    );
    // A listed ID that is not on the bus: no answer at all.
    expect(r.exchange(framePacket(0xfe, I.FAST_SYNC_READ, [0x84, 0, 4, 0, 3, 9]))).toEqual([]);
  });

  it('Bulk Read answers each servo with its own item; a read past the table is an Access Error', () => {
    const r = rig([{ id: 1 }, { id: 2 }]);
    const replies = r.exchange(bytes('FF FF FD 00 FE 0D 00 92 01 90 00 02 00 02 92 00 01 00 1A 05'));
    expect(replies.map((s) => [s.id, s.data])).toEqual([
      [1, le(120, 2)],
      [2, [36]],
    ]);
    expect(r.exchange(read(1, 200, 2))[0]).toMatchObject({ error: 0x07, data: [] });
  });
});

describe('writes and the control table', () => {
  it('EEPROM items are written only with the torque off: Access Error (0x07) otherwise', () => {
    const r = rig();
    expect(r.exchange(write(1, A.mode, [4]))[0]!.error).toBe(0);
    expect(r.exchange(write(1, A.torque, [1]))[0]!.error).toBe(0);
    expect(r.exchange(write(1, A.mode, [3]))[0]!.error).toBe(0x07);
    expect(r.value(1, A.mode, 1)).toBe(4);
  });

  it('refuses read-only items (Access), half an item (Data Length), out-of-range values (Data Range), goals past the limits (Data Limit)', () => {
    const r = rig();
    expect(r.exchange(write(1, A.position, le(5, 4)))[0]!.error).toBe(0x07);
    expect(r.exchange(write(1, A.goal, le(5, 2)))[0]!.error).toBe(0x05);
    expect(r.exchange(write(1, A.torque, [2]))[0]!.error).toBe(0x04);
    expect(r.exchange(write(1, A.goal, le(5000, 4)))[0]!.error).toBe(0x06);
    // A write spanning several items is all or nothing.
    expect(r.exchange(write(1, A.profileVel, [...le(100, 4), ...le(5000, 4)]))[0]!.error).toBe(0x06);
    expect(r.value(1, A.profileVel, 4)).toBe(0);
  });

  it('Status Return Level 1 answers reads only; a broadcast write is never answered; Action without Reg Write is an Instruction Error', () => {
    const r = rig();
    expect(r.exchange(framePacket(1, I.ACTION, []))[0]!.error).toBe(0x02);
    r.exchange(write(1, A.statusReturnLevel, [1]));
    expect(r.exchange(write(1, A.torque, [1]))).toEqual([]);
    expect(r.exchange(read(1, A.torque, 1))[0]!.data).toEqual([1]);
    expect(r.exchange(write(0xfe, A.torque, [0]))).toEqual([]);
    expect(r.exchange(framePacket(1, I.PING, []))).toHaveLength(1);
  });

  it('a damaged instruction is answered with CRC Error (0x03) by the servo it was for', () => {
    const r = rig();
    const damaged = Uint8Array.from(write(1, A.torque, [1]));
    damaged[damaged.length - 1] = damaged[damaged.length - 1]! ^ 1;
    expect(r.exchange(damaged)[0]).toMatchObject({ id: 1, error: 0x03 });
    expect(r.value(1, A.torque, 1)).toBe(0);
  });
});

describe('motion (X-series §Profile Velocity, §Moving, §Moving Status)', () => {
  /** Sets the profile, turns the torque on and sends the goal; returns when the goal arrived. */
  function moving(r: ReturnType<typeof rig>, velocity: number, acceleration: number, goal: number): number {
    r.exchange(write(1, A.profileAcc, [...le(acceleration, 4), ...le(velocity, 4)]));
    r.exchange(write(1, A.torque, [1]));
    const sentAtMs = r.clock.monotonicMs();
    expect(r.exchange(write(1, A.goal, le(goal, 4)), 1)[0]!.error).toBe(0);
    return sentAtMs;
  }

  it('a trapezoid: the analytic time, the profile velocity mid-move, Moving and Moving Status as the manual says', () => {
    const r = rig([{ id: 1, positionPulses: 0 }]);
    const t0 = moving(r, 100, 10, 2000);
    const v = 100 * VELOCITY_UNIT_PULSES_PER_MS;
    const a = 10 * ACCELERATION_UNIT_PULSES_PER_MS2;
    // t1 = 64 × Profile Velocity / Profile Acceleration ms (the e-Manual's acceleration-time relation).
    expect(v / a).toBeCloseTo((64 * 100) / 10, 0);
    const totalMs = 2000 / v + v / a;
    r.clock.advanceTo(t0 + totalMs / 2);
    expect(r.value(1, A.velocity, 4)).toBe(100);
    expect(r.value(1, A.moving, 1)).toBe(1);
    expect(r.value(1, A.movingStatus, 1)).toBe(0x30 | 0x02);
    r.clock.advanceTo(t0 + totalMs - 100);
    expect(r.value(1, A.position, 4)).toBeLessThan(2000);
    r.clock.advanceTo(t0 + totalMs);
    expect(r.value(1, A.position, 4)).toBe(2000);
    expect(r.value(1, A.moving, 1)).toBe(0);
    expect(r.value(1, A.movingStatus, 1)).toBe(0x30 | 0x01);
  });

  it('a short move is triangular (0x20); Profile Acceleration 0 is rectangular (0x10); Profile Velocity 0 a step (0x00)', () => {
    const tri = rig([{ id: 1, positionPulses: 0 }]);
    moving(tri, 100, 10, 300);
    expect(tri.value(1, A.movingStatus, 1) & 0x30).toBe(0x20);
    const rect = rig([{ id: 1, positionPulses: 0 }]);
    moving(rect, 100, 0, 3000);
    expect(rect.value(1, A.movingStatus, 1) & 0x30).toBe(0x10);
    rect.clock.advanceBy(1000);
    expect(rect.value(1, A.velocity, 4)).toBe(100);
    const step = rig([{ id: 1, positionPulses: 0 }]);
    moving(step, 0, 0, 3000);
    expect(step.value(1, A.movingStatus, 1) & 0x30).toBe(0x00);
  });

  it('Sync Write starts every listed servo in one packet', () => {
    const r = rig([
      { id: 1, positionPulses: 0 },
      { id: 2, positionPulses: 0 },
    ]);
    for (const id of [1, 2]) r.exchange(write(id, A.torque, [1]));
    r.exchange(framePacket(0xfe, I.SYNC_WRITE, [116, 0, 4, 0, 1, ...le(150, 4), 2, ...le(170, 4)]), 1000);
    expect([r.value(1, A.position, 4), r.value(2, A.position, 4)]).toEqual([150, 170]);
  });

  it('Reg Write holds a goal until Action', () => {
    const r = rig([{ id: 1, positionPulses: 0 }]);
    r.exchange(write(1, A.torque, [1]));
    r.exchange(framePacket(1, I.REG_WRITE, [116, 0, ...le(1000, 4)]), 500);
    expect(r.value(1, A.position, 4)).toBe(0);
    expect(r.value(1, 69, 1)).toBe(1);
    r.exchange(framePacket(1, I.ACTION, []), 1000);
    expect(r.value(1, A.position, 4)).toBe(1000);
  });

  it('extended position mode takes goals beyond one turn; Clear while moving is Result Fail; a reboot keeps one turn', () => {
    const r = rig([{ id: 1, positionPulses: 0 }]);
    r.exchange(write(1, A.mode, [4]));
    moving(r, 200, 20, 10_000);
    expect(r.exchange(framePacket(1, I.CLEAR, [1, 0x44, 0x58, 0x4c, 0x22]))[0]!.error).toBe(0x01);
    r.clock.advanceBy(10_000);
    expect(r.value(1, A.position, 4)).toBe(10_000);
    r.exchange(framePacket(1, I.REBOOT, []));
    expect(r.value(1, A.position, 4)).toBe(10_000 % 4096);
    expect(r.value(1, A.torque, 1)).toBe(0);
  });
});

describe('Bus Watchdog (§Bus Watchdog)', () => {
  it('stops the servo when the host goes quiet, reads -1, refuses goals with Data Range Error until it is written 0', () => {
    const r = rig([{ id: 1, positionPulses: 0 }]);
    r.exchange(write(1, A.profileAcc, [...le(0, 4), ...le(20, 4)]));
    r.exchange(write(1, A.torque, [1]));
    r.exchange(write(1, A.watchdog, [5]), 1); // 5 × 20 ms
    r.exchange(write(1, A.goal, le(4000, 4)), 1);
    // Talking every 60 ms keeps it running.
    for (let i = 0; i < 5; i++) r.exchange(framePacket(1, I.PING, []), 60);
    expect(r.bus.servo(1).moving).toBe(true);
    r.clock.advanceBy(100);
    const stoppedAt = r.bus.servo(1).positionPulses;
    expect(r.bus.servo(1)).toMatchObject({ moving: false, busWatchdog: -1 });
    r.clock.advanceBy(500);
    expect(r.value(1, A.position, 4)).toBe(Math.round(stoppedAt));
    expect(r.value(1, A.watchdog, 1)).toBe(-1);
    expect(r.exchange(write(1, A.goal, le(100, 4)))[0]!.error).toBe(0x04);
    expect(r.exchange(write(1, A.watchdog, [0]))[0]!.error).toBe(0);
    expect(r.exchange(write(1, A.goal, le(100, 4)))[0]!.error).toBe(0);
  });

  it("the manual's example: velocity mode, Goal Velocity 50, Bus Watchdog 100 (2000 ms), then silence", () => {
    const r = rig([{ id: 1, positionPulses: 0 }]);
    // 1. Velocity control mode, torque on. 2. Goal Velocity 50: it turns CCW (positions grow).
    r.exchange(write(1, A.mode, [1]));
    r.exchange(write(1, A.torque, [1]));
    r.exchange(write(1, 104, le(50, 4)));
    r.clock.advanceBy(500);
    expect(r.value(1, A.velocity, 4)).toBe(50);
    // 3. Bus Watchdog 100 = 2000 ms. 4. No instruction for 2000 ms: it stops.
    r.exchange(write(1, A.watchdog, [100]), 1);
    r.clock.advanceBy(1990);
    expect(r.bus.servo(1).velocityPulsesPerMs).toBeGreaterThan(0);
    r.clock.advanceBy(20);
    expect(r.bus.servo(1)).toMatchObject({ velocityPulsesPerMs: 0, busWatchdog: -1 });
    // 5. The goal values are read-only now: a Range Error.
    expect(r.exchange(write(1, 104, le(30, 4)))[0]!.error).toBe(0x04);
  });

  it('does not watch while the torque is off', () => {
    const r = rig();
    r.exchange(write(1, A.watchdog, [1]));
    r.clock.advanceBy(1000);
    expect(r.value(1, A.watchdog, 1)).toBe(1);
  });
});

describe('hardware errors (§Hardware Error Status)', () => {
  it('an overload latches its bit, turns the torque off, sets the alert bit in every status, and only a reboot clears it', () => {
    const r = rig([{ id: 1, positionPulses: 0 }]);
    r.exchange(write(1, A.torque, [1]));
    r.exchange(write(1, A.goal, le(3000, 4)));
    r.bus.injectHardwareError(1, 'OVERLOAD');
    expect(r.bus.servo(1)).toMatchObject({ torqueEnabled: false, moving: false, hardwareErrorStatus: 0x20 });
    const [ping] = r.exchange(framePacket(1, I.PING, []));
    expect(ping!.error).toBe(0x80);
    expect(r.exchange(write(1, A.torque, [1]))[0]!.error).toBe(0x80 | 0x01);
    r.exchange(framePacket(1, I.REBOOT, []));
    expect(r.value(1, A.hwError, 1)).toBe(0);
    expect(r.exchange(write(1, A.torque, [1]))[0]!.error).toBe(0);
  });

  it('an error the Shutdown setting does not name latches without turning the torque off', () => {
    const r = rig();
    r.exchange(write(1, A.torque, [1]));
    r.bus.injectHardwareError(1, 'INPUT_VOLTAGE');
    expect(r.bus.servo(1)).toMatchObject({ torqueEnabled: true, hardwareErrorStatus: 0x01 });
  });
});

describe('lifecycle', () => {
  it('no timers before start(); close() cancels answers in flight; bad specs are refused', () => {
    const clock = new ManualClock();
    const out: Uint8Array[] = [];
    const bus = createDynamixelBusModel({ clock, servos: [{ id: 1 }], write: (b) => out.push(b) });
    bus.receive(framePacket(1, I.PING, []));
    expect(clock.pendingTimers()).toBe(0);
    bus.start();
    bus.receive(framePacket(1, I.PING, []));
    bus.close();
    bus.close();
    clock.advanceBy(10);
    expect(out).toEqual([]);
    expect(() => createDynamixelBusModel({ clock, servos: [{ id: 1 }, { id: 1 }], write: () => {} })).toThrow(
      expect.objectContaining({ code: 'SIM_INVALID_ARGUMENT' }),
    );
    expect(() => bus.servo(9)).toThrow(expect.objectContaining({ code: 'SIM_NO_SUCH_AXIS' }));
  });
});
