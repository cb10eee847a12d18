// `servo-sim --pty LINK --firmware ELF`: the reference firmware in simavr, served like any simulated
// controller, with the board's faults on stdin (reboot, unplug, replug, estop on|off).

import { lstat, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { expect, it } from 'vitest';
import { buildFirmware, FIRMWARE_ELF_PATH, firmwareSkipReason } from '../firmware/firmware-build.js';
import { runServoSim } from './run-servo-sim.js';

const skipReason = firmwareSkipReason();

const exists = (path: string) =>
  lstat(path).then(
    () => true,
    () => false,
  );

it.skipIf(skipReason !== undefined)(
  'forwards unplug, replug and estop from stdin to the emulated board, and refuses the rest by name',
  async () => {
    await buildFirmware();
    const dir = await mkdtemp(join(tmpdir(), 'servo-sim-fw-'));
    const linkPath = join(dir, 'ttyFw');
    const stdin = new PassThrough();
    let stdout = '';
    let stderr = '';
    const stdoutStream = new PassThrough().on('data', (chunk) => {
      stdout += String(chunk);
    });
    const stderrStream = new PassThrough().on('data', (chunk) => {
      stderr += String(chunk);
    });
    let stop: () => void = () => {};
    const stopRequested = new Promise<void>((resolve) => {
      stop = resolve;
    });
    const run = runServoSim(['--pty', linkPath, '--firmware', FIRMWARE_ELF_PATH], {
      stdin,
      stdout: stdoutStream,
      stderr: stderrStream,
      stopRequested,
    });
    try {
      await expect.poll(() => stdout, { timeout: 20_000 }).toContain(`READY ${linkPath}`);
      expect(await exists(linkPath)).toBe(true);
      stdin.write('unplug\n');
      await expect.poll(() => stderr, { timeout: 10_000 }).toContain('servo-sim: unplugged');
      expect(await exists(linkPath)).toBe(false);
      stdin.write('replug\n');
      await expect.poll(() => stderr, { timeout: 10_000 }).toContain('servo-sim: replugged');
      expect(await exists(linkPath)).toBe(true);
      stdin.write('estop on\n');
      await expect.poll(() => stderr, { timeout: 10_000 }).toContain('servo-sim: e-stop input on');
      stdin.write('corrupt 0.1\n');
      await expect
        .poll(() => stderr, { timeout: 10_000 })
        .toContain('"corrupt" does not apply to --firmware');
      stop();
      expect(await run).toBe(0);
      // The link goes with the device.
      expect(await exists(linkPath)).toBe(false);
    } finally {
      stop();
      await run;
      await rm(dir, { recursive: true, force: true });
    }
  },
  180_000,
);
