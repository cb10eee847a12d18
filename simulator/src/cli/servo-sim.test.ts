// servo-sim as a user runs it: a child process that prints READY, serves protocol v1 on the pty it
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
  });

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
      child.kill('SIGTERM');
      expect(await withTimeout(exited(child), 10_000, 'servo-sim to exit')).toBe(0);
      await expect(access(link)).rejects.toMatchObject({ code: 'ENOENT' });
    },
  );
});
