// servo-sim as a user runs it: a child process that prints READY, serves protocol v2 (and v1) on the pty it
// links, takes fault commands on stdin, and on SIGTERM removes the link and exits 0.

import { type ChildProcess, spawn } from 'node:child_process';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { autoDetect } from '@serialport/bindings-cpp';
import { SerialPortStream } from '@serialport/stream';
import { REGISTER_SOURCE_HOOKS_PATH } from '@servo-edge/common/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { connectBytes } from '../test-support/byte-client.js';
import { connectHost, withTimeout } from '../test-support/host-over-stream.js';
import { ptyTransport } from '../test-support/transports.js';

const cli = fileURLToPath(new URL('./servo-sim.ts', import.meta.url));

/** Runs the CLI from its TypeScript source (no build needed), as `node servo-sim.js` would. */
function servoSim(args: string[]): ChildProcess {
  return spawn(
    process.execPath,
    ['--conditions=source', '--import', REGISTER_SOURCE_HOOKS_PATH, cli, ...args],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
}

function output(
  child: ChildProcess,
  stream: 'stdout' | 'stderr',
  match: RegExp,
  timeoutMs: number,
): Promise<string> {
  let text = '';
  return withTimeout(
    new Promise<string>((resolve) => {
      child[stream]?.setEncoding('utf8');
      child[stream]?.on('data', (chunk: string) => {
        text += chunk;
        if (match.test(text)) resolve(text);
      });
    }),
    timeoutMs,
    `${match} on ${stream}`,
  );
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });

describe('servo-sim CLI', () => {
  let child: ChildProcess | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGKILL');
      await exited(child);
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('--help documents the flags and exits 0; a bad flag exits 2', async () => {
    child = servoSim(['--help']);
    const help = output(child, 'stdout', /--estop-input[\s\S]*--version/, 20_000);
    expect(await help).toContain('--pty LINK');
    expect(await exited(child)).toBe(0);
    child = servoSim(['--pty']);
    expect(await exited(child)).toBe(2);
    // A value the options schema refuses: exit 2, the problem names the flag and carries its code.
    child = servoSim(['--pty', join(tmpdir(), 'never-created'), '--axes', '17']);
    const refused = output(child, 'stderr', /\n/, 20_000);
    expect(await exited(child)).toBe(2);
    expect(await refused).toMatch(/^servo-sim: --axes: .*\[CONFIG_OUT_OF_RANGE\]\n$/);
    // Three processes that each load the TypeScript sources: 15 s apiece on a loaded 2-core machine.
  }, 90_000);

  it.skipIf(ptyTransport.skipReason)(
    'serves a pty: READY, HELLO over native bindings, stdin faults, SIGTERM cleans up',
    async () => {
      dir = await mkdtemp(join(tmpdir(), 'servo-sim-cli-'));
      const link = join(dir, 'ctrl');
      child = servoSim(['--pty', link, '--axes', '2', '--watchdog-ms', '500']);
      const ready = await output(child, 'stdout', /READY .*\n/, 20_000);
      expect(ready).toBe(`READY ${link}\n`);
      const host = await connectHost(
        new SerialPortStream({ binding: autoDetect(), path: link, baudRate: 115_200, autoOpen: false }),
      );
      try {
        // A v1 host (a plain HELLO) gets exactly v1 from the v2 device.
        expect(await host.session.start()).toMatchObject({ proto: 1, axes: 2, wd: 500 });
        expect(await host.session.request('GET', { axis: 2 })).toMatchObject({
          ok: true,
          fields: { st: 'DISABLED' },
        });
        const from = host.events.length;
        child.stdin?.write('estop on\n');
        await host.waitForEvent((e) => e.event === 'ESTOP', 3000, from);
        expect(await host.session.request('ENABLE', { axis: 1 })).toMatchObject({ ok: false, code: 'ESTOP' });
      } finally {
        await host.close();
      }
      // The same device to a host that asks for v2 (§v2 Negotiation): servo-sim speaks v2 by default.
      const v2 = await connectHost(
        new SerialPortStream({ binding: autoDetect(), path: link, baudRate: 115_200, autoOpen: false }),
        { maxProtocol: 2 },
      );
      try {
        expect(await v2.session.start()).toMatchObject({
          proto: 2,
          axes: 2,
          feat: ['TRIG', 'TSTEP', 'LEASE'],
        });
      } finally {
        await v2.close();
      }
      child.kill('SIGTERM');
      expect(await withTimeout(exited(child), 10_000, 'servo-sim to exit')).toBe(0);
      await expect(access(link)).rejects.toMatchObject({ code: 'ENOENT' });
    },
  );

  it.skipIf(ptyTransport.skipReason)(
    '--model maestro and --model dynamixel serve their protocols; stdin injects their own faults',
    async () => {
      dir = await mkdtemp(join(tmpdir(), 'servo-sim-cli-'));
      const maestroLink = join(dir, 'm0');
      const busLink = join(dir, 'bus');
      child = servoSim(['--pty', maestroLink, '--model', 'maestro', '--channels', '12']);
      const bus = servoSim([
        '--pty',
        busLink,
        '--model',
        'dynamixel',
        '--servos',
        '1:XM430-W210',
        '--baud',
        '1000000',
      ]);
      try {
        // Two processes loading the TypeScript sources at once: allow for a loaded 2-core machine.
        await Promise.all([
          output(child, 'stdout', /READY .*\n/, 60_000),
          output(bus, 'stdout', /READY .*\n/, 60_000),
        ]);
        const open = (path: string, baudRate: number) =>
          connectBytes(new SerialPortStream({ binding: autoDetect(), path, baudRate, autoOpen: false }));
        const maestro = await open(maestroLink, 115_200);
        try {
          // Pololu Maestro User's Guide §5.e: Set Target channel 2 to 1500 µs, Get Position.
          await maestro.write([0x84, 0x02, 0x70, 0x2e, 0x90, 0x02]);
          expect([...(await maestro.read(2))]).toEqual([0x70, 0x17]);
          const reported = output(child, 'stderr', /ok serial-error overrun/, 5000);
          child.stdin?.write('serial-error overrun\n');
          await reported;
          await maestro.write([0xa1]); // Get Errors
          expect([...(await maestro.read(2))]).toEqual([0x02, 0x00]);
        } finally {
          await maestro.close();
        }
        const dxl = await open(busLink, 1_000_000);
        try {
          // ROBOTIS e-Manual, Protocol 2.0 §Ping: instruction to ID 1; the status carries model 1030.
          await dxl.write(Buffer.from('FFFFFD0001030001194E', 'hex'));
          const status = await dxl.read(14);
          expect([status[4], status[8], status.readUInt16LE(9)]).toEqual([1, 0x00, 1030]);
          const reported = output(bus, 'stderr', /ok hw-error 1 overload/, 5000);
          bus.stdin?.write('hw-error 1 overload\n');
          await reported;
          await dxl.write(Buffer.from('FFFFFD0001030001194E', 'hex'));
          expect((await dxl.read(14))[8]).toBe(0x80); // §Status Packet: the Alert bit
        } finally {
          await dxl.close();
        }
      } finally {
        if (bus.exitCode === null) {
          bus.kill('SIGTERM');
          await withTimeout(exited(bus), 10_000, 'servo-sim (dynamixel) to exit');
        }
      }
      child.kill('SIGTERM');
      expect(await withTimeout(exited(child), 10_000, 'servo-sim to exit')).toBe(0);
    },
    90_000,
  );
});
