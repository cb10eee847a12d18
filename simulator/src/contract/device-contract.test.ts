// The Maestro and Dynamixel device models as a host sees them, run unchanged over both transports (the
// in-process serialport binding and a real pty opened with serialport's native bindings), like the
// protocol v1 contract suite. The host writes the makers' own packets, byte for byte from the manuals
// (services/motion-api/test-fixtures/hw-vectors.json, copied here by hand: the simulator must not use
// motion-api's codecs, which these models exist to check, STYLE.md lesson 16), and reads the answers.
// Packets the manuals do not print are built with the models' own framing (packet-io, crc7).
// Real time: every wait is for an answer, with a bounded timeout; nothing sleeps.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createDynamixelLink } from '../link/dynamixel-link.js';
import { createMaestroLink } from '../link/maestro-link.js';
import type { DynamixelLinkOptions, MaestroLinkOptions } from '../link/model-link-options.js';
import { framePacket } from '../models/dynamixel/packet-io.js';
import { crc7 } from '../models/maestro/crc7.js';
import { type ByteClient, connectBytes } from '../test-support/byte-client.js';
import {
  bindingLinkTransport,
  type LinkRig,
  type LinkTransport,
  ptyLinkTransport,
} from '../test-support/device-transports.js';
import { withTimeout } from '../test-support/host-over-stream.js';
import type { SimulatedLink } from '../types.js';

const hex = (text: string) => Buffer.from(text.replace(/ /g, ''), 'hex');
const toHex = (bytes: Buffer) =>
  bytes
    .toString('hex')
    .toUpperCase()
    .replace(/(..)(?=.)/g, '$1 ');

/** The manuals' packets, as printed (hw-vectors.json names in the comments). */
const MAESTRO = {
  /** set_target_ch2_1500us_compact */
  setTargetCh2: '84 02 70 2E',
  /** set_target_ch0_1500us_pololu_device12 */
  setTargetCh0Pololu12: 'AA 0C 04 00 70 2E',
  /** set_speed_ch5_140_compact */
  setSpeedCh5: '87 05 0C 01',
  /** get_position_ch0_pololu_device1_with_crc */
  getPositionCh0Crc: 'AA 01 10 00 6B',
};
const DYNAMIXEL = {
  ping: 'FF FF FD 00 01 03 00 01 19 4E',
  pingStatusId1: 'FF FF FD 00 01 07 00 55 00 06 04 26 65 5D',
  pingBroadcast: 'FF FF FD 00 FE 03 00 01 31 42',
  pingStatusId2: 'FF FF FD 00 02 07 00 55 00 06 04 26 6F 6D',
  read: 'FF FF FD 00 01 07 00 02 84 00 04 00 1D 15',
  readStatus: 'FF FF FD 00 01 08 00 55 00 A6 00 00 00 8C C0',
  write: 'FF FF FD 00 01 09 00 03 74 00 00 02 00 00 CA 89',
  okStatusId1: 'FF FF FD 00 01 04 00 55 00 A1 0C',
  reboot: 'FF FF FD 00 01 03 00 08 2F 4E',
  syncRead: 'FF FF FD 00 FE 09 00 82 84 00 04 00 01 02 CE FA',
  syncReadStatusId2: 'FF FF FD 00 02 08 00 55 00 1F 08 00 00 BA BE',
  syncWrite: 'FF FF FD 00 FE 11 00 83 74 00 04 00 01 96 00 00 00 02 AA 00 00 00 82 87',
};

it('the hand-written packets are the manuals’ (hw-vectors.json)', () => {
  const vectors = JSON.parse(
    readFileSync(
      new URL('../../../services/motion-api/test-fixtures/hw-vectors.json', import.meta.url),
      'utf8',
    ),
  ) as {
    dynamixel_protocol_2: { packets: Record<string, string> };
    pololu_maestro: { packets: Record<string, string> };
  };
  const maestro = vectors.pololu_maestro.packets;
  const dxl = vectors.dynamixel_protocol_2.packets;
  expect(MAESTRO).toEqual({
    setTargetCh2: maestro['set_target_ch2_1500us_compact'],
    setTargetCh0Pololu12: maestro['set_target_ch0_1500us_pololu_device12'],
    setSpeedCh5: maestro['set_speed_ch5_140_compact'],
    getPositionCh0Crc: maestro['get_position_ch0_pololu_device1_with_crc'],
  });
  expect(DYNAMIXEL).toEqual({
    ping: dxl['ping_inst_id1'],
    pingStatusId1: dxl['ping_status_id1'],
    pingBroadcast: dxl['ping_inst_bcast'],
    pingStatusId2: dxl['ping_status_id2'],
    read: dxl['read_inst'],
    readStatus: dxl['read_status'],
    write: dxl['write_inst'],
    okStatusId1: dxl['ok_status_id1'],
    reboot: dxl['reboot_inst'],
    syncRead: dxl['sync_read_inst'],
    syncReadStatusId2: dxl['sync_read_status_id2'],
    syncWrite: dxl['sync_write_inst'],
  });
});

const TRANSPORTS: readonly LinkTransport[] = [bindingLinkTransport, ptyLinkTransport];

async function withClient<L extends SimulatedLink>(
  transport: LinkTransport,
  create: (id: string) => L,
  body: (client: ByteClient, rig: LinkRig<L>) => Promise<void>,
): Promise<void> {
  const rig = await transport.rig(create);
  try {
    const client = await connectBytes(rig.port());
    try {
      await body(client, rig);
    } finally {
      await client.close();
    }
  } finally {
    await rig.close();
  }
}

/** Pulls the cable on an open client: it closes as disconnected and the path cannot be opened until replug. */
async function unplugAndReplug<L extends SimulatedLink>(
  transport: LinkTransport,
  client: ByteClient,
  rig: LinkRig<L>,
): Promise<ByteClient> {
  rig.link.faults.unplug();
  await rig.settled();
  // Over a pty the native binding may notice only when the port is next used, as a driver's next poll
  // would: write one byte (not awaited: a write to a port that has closed never calls back).
  if (client.port.isOpen) client.port.write(Buffer.of(0));
  const error = await withTimeout(client.closed, 3000, 'the port to close by itself');
  expect(client.port.isOpen).toBe(false);
  // The in-process binding always says disconnected; a pty may end with a bare close (end of file).
  if (error !== null || transport === bindingLinkTransport)
    expect(error).toMatchObject({ disconnected: true });
  await expect(connectBytes(rig.port())).rejects.toBeDefined();
  rig.link.faults.replug();
  await rig.settled();
  return connectBytes(rig.port());
}

describe.each(TRANSPORTS)('Maestro over $name', (transport) => {
  if (transport.skipReason) {
    // Only the pty leg can skip, and only outside CI when socat is not installed: the report then
    // says why instead of the suite silently shrinking. In CI (.ci/run installs socat) it never skips.
    it.skip(`skipped: ${transport.skipReason}`, () => {});
    return;
  }
  const maestro =
    (options: Omit<MaestroLinkOptions, 'id'> = {}) =>
    (id: string) =>
      createMaestroLink({ id, channels: 12, ...options });
  const position = async (client: ByteClient, channel: number) => {
    await client.write([0x90, channel]);
    return (await client.read(2)).readUInt16LE(0);
  };
  const errors = async (client: ByteClient) => {
    await client.write([0xa1]);
    return (await client.read(2)).readUInt16LE(0);
  };

  it('Set Target in the compact and the Pololu protocol; Get Position answers 0x70 0x17 (§5.c, §5.e)', async () => {
    await withClient(transport, maestro(), async (client) => {
      await client.write(hex(MAESTRO.setTargetCh2));
      await client.write(hex(MAESTRO.setTargetCh0Pololu12));
      await client.write(hex('90 02 90 00'));
      expect(toHex(await client.read(4))).toBe('70 17 70 17'); // 6000 quarter-µs = 1500 µs, twice
      // Another device number on the Pololu protocol is not this Maestro's business (§5.c).
      await client.write(hex('AA 0D 04 01 70 2E'));
      expect(await position(client, 1)).toBe(0);
      expect(await errors(client)).toBe(0);
    });
  });

  it('with CRC enabled, the manual’s CRC-7 packet is answered and a bad CRC is a serial CRC error (§5.d)', async () => {
    await withClient(transport, maestro({ deviceNumber: 1, crc: true }), async (client) => {
      await client.write(hex(MAESTRO.getPositionCh0Crc));
      expect(toHex(await client.read(2))).toBe('00 00'); // channel 0 is off at power-on
      await client.write(hex('AA 01 10 00 6C'));
      const getErrors = [0xaa, 0x01, 0x21];
      await client.write([...getErrors, crc7(getErrors)]);
      expect((await client.read(2)).readUInt16LE(0)).toBe(1 << 3); // Serial CRC error
    });
  });

  it('a speed-limited move: Get Position follows it, Get Moving State says when it is done (§5.e)', async () => {
    await withClient(transport, maestro(), async (client) => {
      // Speed 140 takes 100 ms from 1000 to 1350 µs (the guide's own figure, §4.b).
      await client.write(hex(`${MAESTRO.setSpeedCh5} 84 05 20 1F`)); // target 4000 (1000 µs): off, so it jumps
      expect(await position(client, 5)).toBe(4000);
      const startedAt = performance.now();
      await client.write(hex('84 05 18 2A')); // 5400 quarter-µs = 1350 µs
      const seen = new Set<number>();
      let moving = 1;
      for (let polls = 0; moving === 1 && polls < 5000; polls++) {
        seen.add(await position(client, 5));
        await client.write([0x93]);
        moving = (await client.read(1))[0]!;
      }
      const elapsedMs = performance.now() - startedAt;
      expect(moving).toBe(0);
      expect(await position(client, 5)).toBe(5400);
      expect(elapsedMs).toBeGreaterThanOrEqual(90);
      expect([...seen].some((p) => p > 4000 && p < 5400)).toBe(true);
    });
  });

  it('a serial error sends every servo home and is reported once by Get Errors (§4.b Errors)', async () => {
    await withClient(transport, maestro(), async (client, rig) => {
      await client.write(hex(MAESTRO.setTargetCh2));
      expect(await position(client, 2)).toBe(6000);
      rig.link.faults.serialError('SERIAL_SIGNAL');
      expect(await position(client, 2)).toBe(0); // home = off: no pulses, the servo goes limp
      expect(await errors(client)).toBe(1 << 0);
      expect(await errors(client)).toBe(0);
      // A data byte with no command is a serial protocol error, with the same consequence.
      await client.write(hex(MAESTRO.setTargetCh2));
      await client.write([0x05]);
      expect(await errors(client)).toBe(1 << 4);
      expect(await position(client, 2)).toBe(0);
    });
  });

  it('a device that answers garbage: the junk arrives before the next answer', async () => {
    await withClient(transport, maestro(), async (client, rig) => {
      await client.write(hex(MAESTRO.setTargetCh2));
      rig.link.faults.garbageBurst(16);
      await client.write(hex('90 02'));
      const all = await client.read(18);
      expect(toHex(all.subarray(16))).toBe('70 17');
      expect(rig.link.faults.counts.garbageBytes).toBe(16);
    });
  });

  it('unplug and replug: the port closes as disconnected; the Maestro runs on and is there again', async () => {
    await withClient(transport, maestro(), async (client, rig) => {
      await client.write(hex(MAESTRO.setTargetCh2));
      expect(await position(client, 2)).toBe(6000);
      const again = await unplugAndReplug(transport, client, rig);
      try {
        expect(await position(again, 2)).toBe(6000);
      } finally {
        await again.close();
      }
    });
  });

  it('paced at the baud rate: 40 Get Position at 9600 baud take at least 82 bytes of wire time', async () => {
    await withClient(transport, maestro({ baud: 9600 }), async (client) => {
      const startedAt = performance.now();
      await client.write(Array.from({ length: 40 }, () => [0x90, 0x00]).flat());
      await client.read(80, 5000);
      // 80 bytes out, then the last 2-byte answer back, at 10 bits a byte: 85 ms.
      expect(performance.now() - startedAt).toBeGreaterThanOrEqual(82);
    });
  });
});

/** A status packet in the stream: junk before its header is skipped (Protocol 2.0 §Status Packet). */
const HEADER = hex('FF FF FD 00');
const statusFrame = (pending: Buffer) => {
  const at = pending.indexOf(HEADER);
  if (at < 0 || pending.length < at + 7) return undefined;
  return { skip: at, length: 7 + pending.readUInt16LE(at + 5) };
};

describe.each(TRANSPORTS)('Dynamixel bus over $name', (transport) => {
  if (transport.skipReason) {
    // Only the pty leg can skip, and only outside CI when socat is not installed: the report then
    // says why instead of the suite silently shrinking. In CI (.ci/run installs socat) it never skips.
    it.skip(`skipped: ${transport.skipReason}`, () => {});
    return;
  }
  /** The manual's servos: XM430-W210s (model 1030), firmware 38, ID 1 at 166 and ID 2 at 2079. */
  const bus =
    (options: Omit<DynamixelLinkOptions, 'id'> = {}) =>
    (id: string) =>
      createDynamixelLink({
        id,
        servos: [
          { id: 1, model: 'XM430-W210', firmwareVersion: 38, positionPulses: 166 },
          { id: 2, model: 'XM430-W210', firmwareVersion: 38, positionPulses: 2079 },
        ],
        ...options,
      });
  const status = async (client: ByteClient) => (await client.readFrame(statusFrame)).frame;
  const exchange = async (client: ByteClient, packet: Uint8Array) => {
    await client.write(packet);
    const frame = await status(client);
    return { id: frame[4]!, error: frame[8]!, data: frame.subarray(9, frame.length - 2) };
  };
  const write = (id: number, address: number, data: number[]) =>
    framePacket(id, 0x03, [address & 0xff, address >> 8, ...data]);
  const read = (id: number, address: number, length: number) =>
    framePacket(id, 0x02, [address & 0xff, address >> 8, length & 0xff, length >> 8]);
  const presentPosition = async (client: ByteClient, id: number) =>
    (await exchange(client, read(id, 132, 4))).data.readInt32LE(0);
  const untilStopped = async (client: ByteClient, ids: number[]) => {
    for (let polls = 0; polls < 10_000; polls++) {
      const moving = await Promise.all(
        ids.map(async (id) => (await exchange(client, read(id, 122, 1))).data[0]),
      );
      if (moving.every((m) => m === 0)) return;
    }
    throw new Error('still moving');
  };

  it('Ping, broadcast Ping and Read: the manual’s status packets, byte for byte', async () => {
    await withClient(transport, bus(), async (client) => {
      await client.write(hex(DYNAMIXEL.ping));
      expect(toHex(await status(client))).toBe(DYNAMIXEL.pingStatusId1);
      await client.write(hex(DYNAMIXEL.pingBroadcast));
      expect(toHex(await status(client))).toBe(DYNAMIXEL.pingStatusId1);
      expect(toHex(await status(client))).toBe(DYNAMIXEL.pingStatusId2);
      await client.write(hex(DYNAMIXEL.read));
      expect(toHex(await status(client))).toBe(DYNAMIXEL.readStatus);
    });
  });

  it('a move: torque on, the manual’s Goal Position write, Moving until it arrives; Sync Read reads both', async () => {
    await withClient(transport, bus(), async (client) => {
      expect((await exchange(client, write(1, 64, [1]))).error).toBe(0);
      await client.write(hex(DYNAMIXEL.write)); // Goal Position 512
      expect(toHex(await status(client))).toBe(DYNAMIXEL.okStatusId1);
      await untilStopped(client, [1]);
      expect(await presentPosition(client, 1)).toBe(512);
      await client.write(hex(DYNAMIXEL.syncRead));
      const first = await status(client);
      expect([first[4], first.readInt32LE(9)]).toEqual([1, 512]);
      expect(toHex(await status(client))).toBe(DYNAMIXEL.syncReadStatusId2);
    });
  });

  it('a coordinated move: one Sync Write starts both servos, with no status (§Sync Write)', async () => {
    await withClient(transport, bus(), async (client) => {
      await exchange(client, write(1, 64, [1]));
      await exchange(client, write(2, 64, [1]));
      await client.write(hex(DYNAMIXEL.syncWrite)); // Goal Position 150 (ID 1) and 170 (ID 2)
      await untilStopped(client, [1, 2]);
      expect([await presentPosition(client, 1), await presentPosition(client, 2)]).toEqual([150, 170]);
      expect(client.pending.length).toBe(0);
    });
  });

  it('a hardware error: alert bit in every status, its bit in Hardware Error Status; the manual’s Reboot clears it', async () => {
    await withClient(transport, bus(), async (client, rig) => {
      await exchange(client, write(1, 64, [1]));
      rig.link.faults.hardwareError(1, 'OVERLOAD');
      const ping = await exchange(client, hex(DYNAMIXEL.ping));
      expect(ping.error).toBe(0x80); // §Status Packet: bit 7, Alert
      expect((await exchange(client, read(1, 70, 1))).data[0]).toBe(1 << 5); // Overload Error
      expect((await exchange(client, read(1, 64, 1))).data[0]).toBe(0); // Shutdown: torque off
      // The Reboot's status is formed before the servo reboots: it still carries the alert bit.
      const reboot = await exchange(client, hex(DYNAMIXEL.reboot));
      expect([reboot.id, reboot.error, reboot.data.length]).toEqual([1, 0x80, 0]);
      await client.write(hex(DYNAMIXEL.ping));
      expect(toHex(await status(client))).toBe(DYNAMIXEL.pingStatusId1);
    });
  });

  it('a damaged instruction is answered with CRC Error; junk before a status is skipped by its header', async () => {
    await withClient(transport, bus(), async (client, rig) => {
      const damaged = hex(DYNAMIXEL.ping);
      damaged.writeUInt8(damaged.readUInt8(damaged.length - 1) ^ 0x01, damaged.length - 1);
      expect((await exchange(client, damaged)).error).toBe(0x03); // §Status Packet: CRC Error
      rig.link.faults.garbageBurst(24);
      await client.write(hex(DYNAMIXEL.ping));
      const { skipped, frame } = await client.readFrame(statusFrame);
      expect(skipped.length).toBeGreaterThanOrEqual(1);
      expect(toHex(frame)).toBe(DYNAMIXEL.pingStatusId1);
    });
  });

  it('unplug and replug: the port closes as disconnected; the servos keep their state', async () => {
    await withClient(transport, bus(), async (client, rig) => {
      await exchange(client, write(1, 64, [1]));
      const again = await unplugAndReplug(transport, client, rig);
      try {
        expect((await exchange(again, read(1, 64, 1))).data[0]).toBe(1);
        expect(await presentPosition(again, 2)).toBe(2079);
      } finally {
        await again.close();
      }
    });
  });

  it('paced at the baud rate: five Pings at 9600 baud take at least their 120 bytes of wire time', async () => {
    await withClient(transport, bus({ baud: 9600 }), async (client) => {
      const startedAt = performance.now();
      for (let i = 0; i < 5; i++) {
        await client.write(hex(DYNAMIXEL.ping));
        expect(toHex(await status(client))).toBe(DYNAMIXEL.pingStatusId1);
      }
      // 10 bytes in and 14 out per Ping, 10 bits a byte, plus the 0.5 ms Return Delay Time: 127.5 ms.
      expect(performance.now() - startedAt).toBeGreaterThanOrEqual(125);
    });
  });
});
