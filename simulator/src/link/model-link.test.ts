// The Maestro and Dynamixel links on a ManualClock: the device models behind the same wire as a
// servo-edge controller — bytes paced at the baud rate both ways, line faults, withheld replies,
// garbage, unplug and replug, reboot — and their options checked like every config. The packets are the
// makers' own examples (services/motion-api/test-fixtures/hw-vectors.json), written out by hand: the
// simulator must not use motion-api's codecs, which these models exist to check (STYLE.md lesson 16).

import { ManualClock } from '@servo-edge/common/testing';
import { describe, expect, it } from 'vitest';
import type { HostEndpoint } from '../types.js';
import { createDynamixelLink } from './dynamixel-link.js';
import { createMaestroLink } from './maestro-link.js';

const hex = (text: string) => Buffer.from(text.replace(/ /g, ''), 'hex');
const toHex = (bytes: Buffer) =>
  bytes
    .toString('hex')
    .toUpperCase()
    .replace(/(..)(?=.)/g, '$1 ');

/** A host end that records what arrives and when. */
function recorder(clock: ManualClock) {
  const received: { atMs: number; bytes: Buffer }[] = [];
  let unplugged = 0;
  const host: HostEndpoint = {
    deliver: (bytes) => received.push({ atMs: clock.monotonicMs(), bytes: Buffer.from(bytes) }),
    unplugged: () => unplugged++,
  };
  return {
    host,
    received,
    get unplugged() {
      return unplugged;
    },
    all: () => Buffer.concat(received.map((r) => r.bytes)),
    clear: () => {
      received.length = 0;
    },
  };
}

// Pololu Maestro User's Guide §5.e, hw-vectors pololu_maestro.packets.
const SET_TARGET_CH0_1500US = '84 00 70 2E';
const GET_POSITION_CH0 = '90 00';
const GET_ERRORS = 'A1';

// ROBOTIS e-Manual Protocol 2.0, hw-vectors dynamixel_protocol_2.packets.
const PING_ID1 = 'FF FF FD 00 01 03 00 01 19 4E';
const PING_STATUS_ID1 = 'FF FF FD 00 01 07 00 55 00 06 04 26 65 5D';
const READ_PRESENT_POSITION_ID1 = 'FF FF FD 00 01 07 00 02 84 00 04 00 1D 15';
const READ_STATUS_166 = 'FF FF FD 00 01 08 00 55 00 A6 00 00 00 8C C0';
/** The Ping example's servo: an XM430-W210 (model number 1030), firmware 38, at position 166. */
const MANUAL_SERVO = { id: 1, model: 'XM430-W210', firmwareVersion: 38, positionPulses: 166 } as const;

async function maestroRig(options: Partial<Parameters<typeof createMaestroLink>[0]> = {}) {
  const clock = new ManualClock();
  const link = createMaestroLink({ id: 'm0', clock, baud: 9600, ...options });
  await link.start();
  const host = recorder(clock);
  const attachment = link.attach(host.host);
  return { clock, link, host, attachment };
}

async function dynamixelRig(options: Partial<Parameters<typeof createDynamixelLink>[0]> = {}) {
  const clock = new ManualClock();
  const link = createDynamixelLink({ id: 'bus', clock, baud: 57_600, servos: [MANUAL_SERVO], ...options });
  await link.start();
  const host = recorder(clock);
  const attachment = link.attach(host.host);
  return { clock, link, host, attachment };
}

describe('Maestro link', () => {
  it('is paced at the baud rate both ways: 6 bytes out, 2 back at 9600 baud take 8.33 ms', async () => {
    const { clock, link, host, attachment } = await maestroRig();
    expect(link.path).toBe('sim://maestro/m0');
    attachment.write(hex(`${SET_TARGET_CH0_1500US} ${GET_POSITION_CH0}`));
    // 8N1: 10 bits a byte; 8 bytes at 9600 baud are 8.333 ms on the wire.
    clock.advanceBy(8.3);
    expect(host.received).toEqual([]);
    clock.advanceBy(0.05);
    expect(toHex(host.all())).toBe('70 17'); // 6000 quarter-µs = 1500 µs
    expect(link.maestro.channel(0).targetQuarterUs).toBe(6000);
    await link.close();
  });

  it('withholdNextReply loses one answer, not the command; a toHost garbage burst reaches the host first', async () => {
    const { clock, link, host, attachment } = await maestroRig({ pacing: false });
    link.faults.withholdNextReply();
    attachment.write(hex(`${SET_TARGET_CH0_1500US} ${GET_POSITION_CH0}`));
    clock.advanceBy(1);
    expect(host.received).toEqual([]);
    expect(link.maestro.channel(0).targetQuarterUs).toBe(6000);
    link.faults.garbageBurst(5);
    attachment.write(hex(GET_POSITION_CH0));
    clock.advanceBy(1);
    expect(host.all()).toHaveLength(7);
    expect(toHex(host.all().subarray(5))).toBe('70 17');
    expect(link.faults.counts).toMatchObject({ withheldReplies: 1, garbageBytes: 5 });
    await link.close();
  });

  it('a serial error sets its bit and sends every servo home (off: no pulses); Get Errors clears it (§4.b)', async () => {
    const { clock, link, host, attachment } = await maestroRig({ pacing: false });
    attachment.write(hex(SET_TARGET_CH0_1500US));
    clock.advanceBy(1);
    link.faults.serialError('SERIAL_OVERRUN');
    expect(link.maestro.channel(0).positionQuarterUs).toBe(0);
    attachment.write(hex(`${GET_ERRORS} ${GET_ERRORS}`));
    clock.advanceBy(1);
    expect(toHex(host.all())).toBe('02 00 00 00'); // bit 1, Serial overrun error; then cleared
    expect(() => link.faults.serialError('SERIAL_CRC' as never)).toThrow(
      expect.objectContaining({ code: 'SIM_INVALID_ARGUMENT' }),
    );
    await link.close();
  });

  it('unplug drops the host and refuses opens while the Maestro runs on; replug opens again', async () => {
    const { clock, link, host, attachment } = await maestroRig({ pacing: false });
    const changes: boolean[] = [];
    link.onPlugChange((pluggedIn) => changes.push(pluggedIn));
    // Speed 1: 1 quarter-µs per 10 ms (§5.e), so the channel is still moving after the unplug.
    attachment.write(hex(`${SET_TARGET_CH0_1500US} 87 00 01 00 84 00 00 30`));
    clock.advanceBy(1);
    link.faults.unplug();
    expect(host.unplugged).toBe(1);
    expect(attachment.attached).toBe(false);
    expect(link.status).toMatchObject({ pluggedIn: false, started: true });
    expect(() => link.attach(recorder(clock).host)).toThrow(
      expect.objectContaining({ code: 'SIM_PORT_NOT_FOUND', errno: 'ENOENT' }),
    );
    const before = link.maestro.channel(0).positionQuarterUs;
    clock.advanceBy(100);
    expect(link.maestro.channel(0).positionQuarterUs).toBe(before + 10);
    link.faults.replug();
    const again = recorder(clock);
    const back = link.attach(again.host);
    back.write(hex(GET_POSITION_CH0));
    clock.advanceBy(1);
    expect(again.all().readUInt16LE(0)).toBe(before + 10);
    expect(changes).toEqual([false, true]);
    await link.close();
  });

  it('reboot: a power cycle, bytes on their way are lost, the channels start off', async () => {
    const { clock, link, host, attachment } = await maestroRig();
    attachment.write(hex(SET_TARGET_CH0_1500US));
    clock.advanceBy(5);
    attachment.write(hex(GET_POSITION_CH0)); // in flight when the power goes
    clock.advanceBy(1);
    link.faults.reboot();
    clock.advanceBy(10);
    expect(host.received).toEqual([]);
    expect(link.status.bootCount).toBe(2);
    expect(link.maestro.channel(0).positionQuarterUs).toBe(0);
    await link.close();
  });

  it('in a UART serial mode (a new Maestro’s) the link is ignored: no answer, no change (§5.a)', async () => {
    const { clock, link, host, attachment } = await maestroRig({ serialMode: 'uartDetectBaudRate' });
    attachment.write(hex(`${SET_TARGET_CH0_1500US} ${GET_POSITION_CH0}`));
    clock.advanceBy(1000);
    expect(host.received).toEqual([]);
    expect(link.maestro.channel(0).targetQuarterUs).toBe(0);
    await link.close();
  });

  it('byte faults apply on its wire too, and their rates are checked like the option', async () => {
    const { clock, link, host, attachment } = await maestroRig({ pacing: false, faults: { corruptRate: 1 } });
    attachment.write(hex(GET_POSITION_CH0));
    clock.advanceBy(1);
    expect(link.faults.counts.corrupted).toBeGreaterThan(0);
    expect(host.all().length).toBeLessThanOrEqual(2);
    expect(() => {
      link.faults.dropRate = 2;
    }).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    await link.close();
  });
});

describe('Dynamixel link', () => {
  it("answers the manual's Ping after its return delay, paced at 57600 baud", async () => {
    const { clock, link, host, attachment } = await dynamixelRig();
    expect(link.path).toBe('sim://dynamixel/bus');
    expect(link.servoIds).toEqual([1]);
    attachment.write(hex(PING_ID1));
    // 10 bytes in (1.736 ms), Return Delay Time 250 x 2 µs (0.5 ms), 14 bytes back (2.431 ms).
    clock.advanceBy(4.6);
    expect(host.received).toEqual([]);
    clock.advanceBy(0.1);
    expect(toHex(host.all())).toBe(PING_STATUS_ID1);
    host.clear();
    attachment.write(hex(READ_PRESENT_POSITION_ID1));
    clock.advanceBy(10);
    expect(toHex(host.all())).toBe(READ_STATUS_166);
    await link.close();
  });

  it('a hardware error sets the alert bit of every status until a reboot clears it', async () => {
    const { clock, link, host, attachment } = await dynamixelRig({ pacing: false });
    link.faults.hardwareError(1, 'OVERLOAD');
    attachment.write(hex(PING_ID1));
    clock.advanceBy(5);
    expect(host.all()[8]).toBe(0x80); // §Status Packet: Error field, bit 7 = Alert
    expect(link.bus.servo(1)).toMatchObject({ torqueEnabled: false });
    expect(() => link.faults.hardwareError(9, 'OVERLOAD')).toThrow(
      expect.objectContaining({ code: 'SIM_NO_SUCH_AXIS' }),
    );
    link.faults.reboot();
    host.clear();
    attachment.write(hex(PING_ID1));
    clock.advanceBy(5);
    expect(toHex(host.all())).toBe(PING_STATUS_ID1);
    expect(link.status.bootCount).toBe(2);
    await link.close();
  });

  it('a reboot loses a status not yet sent', async () => {
    const { clock, link, host, attachment } = await dynamixelRig();
    attachment.write(hex(PING_ID1));
    clock.advanceBy(2); // the Ping has arrived; its status waits out the return delay
    link.faults.reboot();
    clock.advanceBy(10);
    expect(host.received).toEqual([]);
    await link.close();
  });
});

describe('model link options', () => {
  it.each([
    {
      name: 'a 7-channel Maestro',
      create: () => createMaestroLink({ id: 'm', channels: 7 as never }),
      code: 'CONFIG_BAD_VALUE',
      path: 'channels',
    },
    {
      name: 'device number 128',
      create: () => createMaestroLink({ id: 'm', deviceNumber: 128 }),
      code: 'CONFIG_OUT_OF_RANGE',
      path: 'deviceNumber',
    },
    {
      name: 'a typo',
      create: () => createMaestroLink({ id: 'm', chanels: 6 } as never),
      code: 'CONFIG_UNKNOWN_KEY',
      path: 'chanels',
    },
    {
      name: 'Min above Max',
      create: () =>
        createMaestroLink({ id: 'm', channelSettings: [{ minQuarterUs: 8000, maxQuarterUs: 4000 }] }),
      code: 'CONFIG_CONFLICT',
      path: 'channelSettings[0].minQuarterUs',
    },
    {
      name: 'an ID twice',
      create: () => createDynamixelLink({ id: 'b', servos: [{ id: 1 }, { id: 1 }] }),
      code: 'CONFIG_DUPLICATE',
      path: 'servos[1].id',
    },
    {
      name: 'ID 253',
      create: () => createDynamixelLink({ id: 'b', servos: [{ id: 253 }] }),
      code: 'CONFIG_OUT_OF_RANGE',
      path: 'servos[0].id',
    },
    {
      name: 'an unknown servo model',
      create: () => createDynamixelLink({ id: 'b', servos: [{ id: 1, model: 'XM540' as never }] }),
      code: 'CONFIG_BAD_VALUE',
      path: 'servos[0].model',
    },
    {
      name: 'a bad id',
      create: () => createDynamixelLink({ id: 'no spaces' }),
      code: 'CONFIG_BAD_VALUE',
      path: 'id',
    },
  ])('$name: refused with CONFIG_INVALID, $code at $path', ({ create, code, path }) => {
    expect(create).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        problems: [expect.objectContaining({ code, path })],
      }),
    );
  });

  it('defaults: a 6-channel Maestro at 115200, one XM430-W350 (ID 1) at 57600; start after close is refused', async () => {
    const maestro = createMaestroLink({ id: 'm' });
    const bus = createDynamixelLink({ id: 'b' });
    expect([maestro.channels, maestro.baud, maestro.pacing]).toEqual([6, 115_200, true]);
    expect([bus.servoIds, bus.baud, bus.bus.servo(1).model]).toEqual([[1], 57_600, 'XM430-W350']);
    expect(maestro.status).toEqual({ started: false, closed: false, pluggedIn: true, bootCount: 0 });
    expect(() => maestro.attach({ deliver: () => {}, unplugged: () => {} })).toThrow(
      expect.objectContaining({ code: 'SIM_PORT_NOT_FOUND' }),
    );
    await maestro.close();
    await maestro.close();
    await expect(maestro.start()).rejects.toMatchObject({ code: 'SIM_CONTROLLER_CLOSED' });
    await bus.close();
  });
});
