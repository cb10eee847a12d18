// The Maestro model against the figures of the Pololu Maestro Servo Controller User's Guide: the byte
// sequences are the guide's own (§5.c–5.e), written out by hand rather than built with motion-api's
// codec, which this model exists to check (STYLE.md lesson 16). Time is stepped with ManualClock.

import { ManualClock } from '@servo-edge/common/testing';
import { describe, expect, it } from 'vitest';
import { createMaestroModel, type MaestroModelOptions } from './maestro-model.js';

const us = (microseconds: number) => microseconds * 4;
/** §5.e: a 14-bit value as its two 7-bit data bytes. */
const v14 = (value: number) => [value & 0x7f, (value >> 7) & 0x7f];
const setTarget = (channel: number, quarterUs: number) => [0x84, channel, ...v14(quarterUs)];
const setSpeed = (channel: number, speed: number) => [0x87, channel, ...v14(speed)];
const setAcceleration = (channel: number, acceleration: number) => [0x89, channel, ...v14(acceleration)];
const getPosition = (channel: number) => [0x90, channel];
const GET_MOVING_STATE = [0x93];
const GET_ERRORS = [0xa1];
const GO_HOME = [0xa2];

function rig(options: Partial<MaestroModelOptions> = {}) {
  const clock = new ManualClock();
  const out: number[] = [];
  const model = createMaestroModel({ clock, write: (bytes) => out.push(...bytes), ...options });
  model.start();
  const send = (...packets: number[][]) => model.receive(Uint8Array.from(packets.flat()));
  /** Sends a query and returns its answer. */
  const ask = (...packet: number[]) => {
    out.length = 0;
    send(packet);
    return [...out];
  };
  const position = (channel: number) => {
    const [lo, hi] = ask(...getPosition(channel));
    return lo! | (hi! << 8);
  };
  const errors = () => {
    const [lo, hi] = ask(...GET_ERRORS);
    return lo! | (hi! << 8);
  };
  return { clock, model, send, ask, position, errors, out };
}

/** Steps 10 ms at a time until the channel reaches `targetQuarterUs`; returns the elapsed time. */
function timeToReach(
  r: ReturnType<typeof rig>,
  channel: number,
  targetQuarterUs: number,
  limitMs = 120_000,
): number {
  const start = r.clock.monotonicMs();
  while (r.model.channel(channel).positionQuarterUs !== targetQuarterUs) {
    if (r.clock.monotonicMs() - start > limitMs) throw new Error('never reached');
    r.clock.advanceBy(10);
  }
  return r.clock.monotonicMs() - start;
}

describe('Maestro model: targets and positions (§5.e)', () => {
  it('Set Target 0x84 0x00 0x70 0x2E puts channel 0 at 1500 µs; Get Position answers 0x70 0x17 (6000)', () => {
    const r = rig();
    r.send([0x84, 0x00, 0x70, 0x2e]);
    expect(r.ask(0x90, 0x00)).toEqual([0x70, 0x17]);
    expect(r.model.channel(0)).toMatchObject({
      targetQuarterUs: 6000,
      positionQuarterUs: 6000,
      moving: false,
    });
  });

  it('a channel that is off jumps to its first target even with limits; later targets obey them (§5.e Go Home note)', () => {
    const r = rig();
    r.send(setSpeed(0, 10), setTarget(0, us(1000)));
    expect(r.position(0)).toBe(us(1000));
    r.send(setTarget(0, us(1100)));
    expect(r.position(0)).toBe(us(1000));
    expect(timeToReach(r, 0, us(1100))).toBe(400); // 400 quarter-µs at 10 per 10 ms
  });

  it('targets are clamped to Min and Max (992..2000 µs by default, §3 and §4.b); 0 turns the pulses off', () => {
    const r = rig();
    r.send(setTarget(1, us(3000)));
    expect(r.position(1)).toBe(us(2000));
    r.send(setTarget(1, us(500)));
    expect(r.position(1)).toBe(us(992));
    r.send(setTarget(1, 0));
    expect(r.position(1)).toBe(0);
  });
});

describe('Maestro model: speed and acceleration (§4.b, §5.e)', () => {
  it('speed 140 (3.5 µs/ms): 1000 µs to 1350 µs takes 100 ms, and Get Moving State says 1 until then', () => {
    const r = rig({ channels: 12 });
    r.send(setTarget(5, us(1000)), [0x87, 0x05, 0x0c, 0x01], setTarget(5, us(1350)));
    expect(r.model.channel(5).speed).toBe(140);
    r.clock.advanceBy(90);
    expect(r.position(5)).toBe(us(1000) + 9 * 140);
    expect(r.ask(...GET_MOVING_STATE)).toEqual([1]);
    r.clock.advanceBy(10);
    expect(r.position(5)).toBe(us(1350));
    expect(r.ask(...GET_MOVING_STATE)).toEqual([0]);
  });

  it('at the minimum speed of 1, the output takes 40 s to move from 1 ms to 2 ms', () => {
    const r = rig();
    r.send(setTarget(0, us(1000)), setSpeed(0, 1), setTarget(0, us(2000)));
    expect(timeToReach(r, 0, us(2000))).toBe(40_000);
  });

  it('at the minimum acceleration of 1, the output takes about 3 seconds from 1 ms to 2 ms, speeding up then slowing down', () => {
    const r = rig();
    r.send(setTarget(0, us(1000)), setAcceleration(0, 1), setTarget(0, us(2000)));
    const steps: number[] = [];
    let last = r.model.channel(0).positionQuarterUs;
    while (r.model.channel(0).positionQuarterUs !== us(2000)) {
      r.clock.advanceBy(10);
      const now = r.model.channel(0).positionQuarterUs;
      steps.push(now - last);
      last = now;
    }
    const elapsedS = steps.length / 100;
    expect(elapsedS).toBeGreaterThan(3);
    expect(elapsedS).toBeLessThan(4);
    // Symmetric ramp: fastest near the middle, 1/8 quarter-µs per update per update either side.
    const peak = steps.indexOf(Math.max(...steps));
    expect(Math.abs(peak - steps.length / 2)).toBeLessThan(steps.length / 10);
    expect(steps[1]! - steps[0]!).toBeCloseTo(1 / 8, 9);
  });

  it('with both limits the speed ramps to the limit and holds it: time ≈ distance/speed + speed/acceleration', () => {
    const r = rig();
    // speed 20 quarter-µs per 10 ms; acceleration 4 = 0.5 quarter-µs per 10 ms per 10 ms.
    r.send(setTarget(0, us(1000)), setSpeed(0, 20), setAcceleration(0, 4), setTarget(0, us(2000)));
    const elapsed = timeToReach(r, 0, us(2000));
    const analyticMs = (4000 / 20 + 20 / 0.5) * 10;
    expect(Math.abs(elapsed - analyticMs) / analyticMs).toBeLessThan(0.02);
  });

  it('the units: acceleration 4 is 1250 µs/s² and speed 4 is 100 µs/s (§4.b examples)', () => {
    const r = rig();
    r.send(setTarget(0, us(1000)), setSpeed(0, 4), setTarget(0, us(1100)));
    r.clock.advanceBy(1000);
    expect(r.position(0) - us(1000)).toBe(us(100));
    const accel = rig();
    accel.send(setTarget(0, us(1000)), setAcceleration(0, 4), setTarget(0, us(2000)));
    accel.clock.advanceBy(200);
    // Starting from rest, s = a t²/2 (discretely: a·n(n+1)/2 with a = 0.5 quarter-µs per update²).
    const travelledUs = (accel.model.channel(0).positionQuarterUs - us(1000)) / 4;
    expect(travelledUs).toBeCloseTo((0.5 * 20 * 21) / 2 / 4, 6);
    expect((0.5 / 4) * 100 * 100).toBe(1250); // µs per s²
  });
});

describe('Maestro model: protocols (§5.c, §5.d)', () => {
  it('Pololu protocol for its device number (default 12); a packet for another device is ignored without error', () => {
    const r = rig();
    r.send([0xaa, 0x0c, 0x04, 0x00, 0x70, 0x2e]);
    expect(r.position(0)).toBe(6000);
    r.send([0xaa, 0x0d, 0x04, 0x00, 0x10, 0x1f]);
    expect(r.position(0)).toBe(6000);
    expect(r.errors()).toBe(0);
    expect(r.ask(0xaa, 0x0c, 0x10, 0x00)).toEqual([0x70, 0x17]);
  });

  it('CRC mode: AA 01 10 00 6B is answered; a wrong CRC sets the CRC error bit, is ignored, and sends the servos home', () => {
    const r = rig({ crc: true, deviceNumber: 1 });
    // Set Target channel 0 to 1500 µs with its CRC (computed by hand from the table in §5.d's algorithm).
    r.send([0x84, 0x00, 0x70, 0x2e, crcOf([0x84, 0x00, 0x70, 0x2e])]);
    expect(r.ask(0xaa, 0x01, 0x10, 0x00, 0x6b)).toEqual([0x70, 0x17]);
    r.send([0x84, 0x00, 0x10, 0x1f, 0x00]);
    expect(r.model.channel(0).targetQuarterUs).toBe(0); // home = off
    expect(r.ask(0xa1, crcOf([0xa1]))).toEqual([1 << 3, 0]);
    expect(r.ask(0xa1, crcOf([0xa1]))).toEqual([0, 0]); // cleared by the read
  });

  it('a packet interrupted by a command byte, an unknown command, a stray data byte, a channel it lacks: protocol errors', () => {
    for (const bytes of [[0x84, 0x00, 0x90, 0x00], [0x80], [0x05], setTarget(6, 6000)]) {
      const r = rig();
      r.send(setTarget(0, 6000));
      r.send(bytes);
      expect(r.errors()).toBe(1 << 4);
      expect(r.model.channel(0).positionQuarterUs).toBe(0);
    }
  });

  it('Set Multiple Targets: the guide example on a Mini; a protocol error on a Micro', () => {
    const mini = rig({ channels: 12 });
    mini.send([0x9f, 0x02, 0x03, 0x00, 0x00, 0x70, 0x2e]);
    expect([mini.position(3), mini.position(4)]).toEqual([0, 6000]);
    const micro = rig({ channels: 6 });
    micro.send([0x9f, 0x02, 0x03, 0x00, 0x00, 0x70, 0x2e]);
    expect(micro.errors()).toBe(1 << 4);
  });

  it('in the UART serial modes the Command Port is ignored: no answer, no motion (§5.a)', () => {
    const r = rig({ serialMode: 'uartDetectBaudRate' });
    r.send(setTarget(0, 6000));
    expect(r.ask(...GET_ERRORS)).toEqual([]);
    expect(r.model.channel(0).positionQuarterUs).toBe(0);
  });
});

describe('Maestro model: errors send every servo home (§4.b Errors)', () => {
  it('"Go to" homes ramp there under the speed limit; "Ignore" channels stay; "Off" ones stop', () => {
    const r = rig({
      channelSettings: [{ home: { goToQuarterUs: us(1500) } }, { home: 'ignore' }, { home: 'off' }],
    });
    // Start-up: channel 0 at its home, the others off.
    expect([r.position(0), r.position(1), r.position(2)]).toEqual([us(1500), 0, 0]);
    r.send(setSpeed(0, 100), setTarget(0, us(1000)), setTarget(1, us(1000)), setTarget(2, us(1000)));
    r.clock.advanceBy(1000);
    r.model.injectError('SERIAL_OVERRUN');
    expect(r.model.channel(0)).toMatchObject({ positionQuarterUs: us(1000), targetQuarterUs: us(1500) });
    expect([r.position(1), r.position(2)]).toEqual([us(1000), 0]);
    expect(timeToReach(r, 0, us(1500))).toBe(200); // 2000 quarter-µs at 100 per update
    expect(r.errors()).toBe(1 << 1);
  });

  it('Go Home does the same without an error', () => {
    const r = rig();
    r.send(setTarget(0, 6000), GO_HOME);
    expect(r.position(0)).toBe(0);
    expect(r.errors()).toBe(0);
  });

  it('the serial timeout fires after silence, once, and valid commands keep it off', () => {
    const r = rig({ serialTimeoutMs: 500 });
    r.send(setTarget(0, 6000));
    for (let i = 0; i < 5; i++) {
      r.clock.advanceBy(400);
      r.send(setTarget(0, 6000));
    }
    expect(r.model.errors).toBe(0);
    r.clock.advanceBy(500);
    expect(r.model.errors).toBe(1 << 5);
    expect(r.model.channel(0).positionQuarterUs).toBe(0);
    r.model.close();
    r.model.close();
    expect(r.clock.pendingTimers()).toBe(0);
  });
});

describe('Maestro model: Get Moving State', () => {
  it('on a Micro Maestro it may answer 0 while a servo moves (§5.e), so it cannot be trusted alone', () => {
    const r = rig({ channels: 6 });
    r.send(setTarget(0, us(1000)), setSpeed(0, 1), setTarget(0, us(2000)));
    const answers = Array.from({ length: 4 }, () => r.ask(...GET_MOVING_STATE)[0]);
    expect(answers).toContain(0);
    expect(answers).toContain(1);
    expect(r.model.channel(0).moving).toBe(true);
  });

  it('without a speed or acceleration limit nothing is ever moving', () => {
    const r = rig({ channels: 12 });
    r.send(setTarget(0, us(1000)), setTarget(0, us(2000)));
    expect(r.ask(...GET_MOVING_STATE)).toEqual([0]);
  });
});

describe('Maestro model: lifecycle', () => {
  it('does nothing before start(), and refuses impossible options', () => {
    const clock = new ManualClock();
    const out: number[] = [];
    const model = createMaestroModel({ clock, write: (b) => out.push(...b), serialTimeoutMs: 100 });
    expect(clock.pendingTimers()).toBe(0);
    model.receive(Uint8Array.from(GET_ERRORS));
    expect(out).toEqual([]);
    expect(() => createMaestroModel({ clock, write: () => {}, channels: 8 as 6 })).toThrow(
      expect.objectContaining({ code: 'SIM_INVALID_ARGUMENT' }),
    );
    expect(() => model.channel(6)).toThrow(expect.objectContaining({ code: 'SIM_NO_SUCH_AXIS' }));
  });

  it('a reboot clears the error register and restores the start-up settings', () => {
    const r = rig();
    r.send(setSpeed(0, 5), [0x80]);
    r.model.reboot();
    expect(r.model.errors).toBe(0);
    expect(r.model.channel(0).speed).toBe(0);
  });
});

/** CRC-7 by the guide's long-division description (§5.d), bit by bit, for the tests' own packets. */
function crcOf(bytes: number[]): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc ^ 0x91) >> 1 : crc >> 1;
  }
  return crc;
}
