// What `servo-sim --pty LINK --firmware ELF` runs: the reference firmware in simavr with its pty linked
// at LINK, served like any simulated controller. The CLI prints `READY LINK` once this resolves and
// closes the device on SIGINT/SIGTERM.

import { access } from 'node:fs/promises';
import { SimulatorError } from '../errors.js';
import { FIRMWARE_HARNESS_PATH } from './firmware-build.js';
import { createFirmwareDevice, type FirmwareDevice } from './firmware-device.js';

export interface ServeFirmwareOptions {
  /** The firmware ELF (firmware-protocol/firmware/build/servo-edge.elf after `npm run build:firmware`). */
  elfPath: string;
  /** Where the pty is linked: the path clients open. */
  linkPath: string;
  /** Simulated home switches (see the harness): default -2000 counts, the TypeScript simulator's. */
  homeSwitchCounts?: number;
  /** Record the output pins' edges to this file. */
  edgesPath?: string;
  /** The harness; default firmware-protocol/firmware/build/servo-edge-harness. */
  harnessPath?: string;
}

/** Starts the firmware on a pty at linkPath. Resolves once a client can open it; throws SIM_PTY_FAILED. */
export async function serveFirmware(options: ServeFirmwareOptions): Promise<FirmwareDevice> {
  const harnessPath = options.harnessPath ?? FIRMWARE_HARNESS_PATH;
  for (const [what, path] of [
    ['firmware ELF', options.elfPath],
    ['simavr harness', harnessPath],
  ] as const) {
    try {
      await access(path);
    } catch {
      throw new SimulatorError('SIM_PTY_FAILED', `no ${what} at ${path}: run npm run build:firmware`);
    }
  }
  const device = createFirmwareDevice({
    elfPath: options.elfPath,
    harnessPath,
    linkPath: options.linkPath,
    homeSwitchCounts: options.homeSwitchCounts ?? -2000,
    ...(options.edgesPath === undefined ? {} : { edgesPath: options.edgesPath }),
  });
  await device.start();
  return device;
}
