// servo-sim's main loop, apart from process globals so it can be tested: parse flags, start a device
// (of the --model) and a pty per --pty, print READY, serve until told to stop, shut down in reverse order.

import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { formatProblem, isConfigError } from '@servo-edge/common/config';
import type { SimModel } from '@servo-edge/firmware-protocol';
import { isSimulatorError } from '../errors.js';
import type { LinkOptionsOf } from '../link/link-options.js';
import { createPtyServer, type PtyServer } from '../pty/pty-server.js';
import type { AnySimulatedLink } from '../types.js';
import { helpText, parseArgs } from './args.js';
import { applyStdinCommand } from './stdin-commands.js';

export interface ServoSimIo {
  stdout: Writable;
  stderr: Writable;
  stdin?: Readable;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM). */
  stopRequested: Promise<unknown>;
}

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** A usage or config error for stderr: one line per config problem, each ending in its code. */
function describeError(error: unknown): string {
  if (isConfigError(error)) {
    return error.problems.map((problem) => `servo-sim: ${formatProblem(problem).trimStart()}\n`).join('');
  }
  const code = (error as { code?: unknown }).code;
  return `servo-sim: ${(error as Error).message}${typeof code === 'string' ? ` [${code}]` : ''}\n`;
}

/**
 * The one model's factory, loaded when needed: --help, a usage error and a servo-edge run load no
 * Maestro or Dynamixel model (a faster start, most of all from the TypeScript sources under test).
 */
async function linkFactory(model: SimModel): Promise<(options: LinkOptionsOf<SimModel>) => AnySimulatedLink> {
  switch (model) {
    case 'maestro': {
      const { createMaestroLink } = await import('../link/maestro-link.js');
      return (options) => createMaestroLink(options as LinkOptionsOf<'maestro'>);
    }
    case 'dynamixel': {
      const { createDynamixelLink } = await import('../link/dynamixel-link.js');
      return (options) => createDynamixelLink(options as LinkOptionsOf<'dynamixel'>);
    }
    default: {
      const { createSimulatedController } = await import('../controller.js');
      return (options) => createSimulatedController(options as LinkOptionsOf<'servo-edge'>);
    }
  }
}

/** Returns the exit code: 0 after a clean stop, 1 if a pty could not be served, 2 on a usage error. */
export async function runServoSim(argv: readonly string[], io: ServoSimIo): Promise<number> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(argv);
  } catch (error) {
    io.stderr.write(describeError(error));
    return 2;
  }
  if (parsed.kind === 'help') {
    io.stdout.write(helpText());
    return 0;
  }
  if (parsed.kind === 'version') {
    io.stdout.write(`servo-sim ${packageVersion()} (protocol 1 and 2)\n`);
    return 0;
  }
  if (parsed.firmware) return serveFirmwareCli(parsed.firmware, parsed.servers[0]!.linkPath, io);
  const links: AnySimulatedLink[] = [];
  const servers: PtyServer[] = [];
  let code = 0;
  try {
    const create = await linkFactory(parsed.model);
    for (const { options } of parsed.servers) links.push(create(options));
  } catch (error) {
    io.stderr.write(describeError(error));
    return 2;
  }
  const lines = io.stdin ? createInterface({ input: io.stdin }) : undefined;
  try {
    for (const [i, { linkPath }] of parsed.servers.entries()) {
      const link = links[i]!;
      await link.start();
      const server = createPtyServer(link, { linkPath, socatPath: parsed.socatPath });
      servers.push(server);
      await server.start();
      io.stdout.write(`READY ${linkPath}\n`);
    }
    lines?.on('line', (line) => {
      const result = applyStdinCommand(line, links);
      if (result) io.stderr.write(`servo-sim: ${result}\n`);
    });
    await io.stopRequested;
  } catch (error) {
    io.stderr.write(`servo-sim: ${isSimulatorError(error) ? error.message : String(error)}\n`);
    code = 1;
  } finally {
    lines?.close();
    // Ptys first, so clients see the line go away, then the devices' timers.
    await Promise.all(servers.map((server) => server.close()));
    await Promise.all(links.map((link) => link.close()));
  }
  return code;
}

/** --firmware: the reference firmware in simavr on the one pty, until SIGINT/SIGTERM. */
async function serveFirmwareCli(
  firmware: { elfPath: string; edgesPath?: string },
  linkPath: string,
  io: ServoSimIo,
): Promise<number> {
  // Loaded only here: the simavr launcher is not needed by any other use of the CLI.
  const { serveFirmware } = await import('../firmware/serve-firmware.js');
  let device: Awaited<ReturnType<typeof serveFirmware>> | undefined;
  try {
    device = await serveFirmware({
      elfPath: firmware.elfPath,
      linkPath,
      ...(firmware.edgesPath ? { edgesPath: firmware.edgesPath } : {}),
    });
    io.stdout.write(`READY ${linkPath}\n`);
    const lines = io.stdin ? createInterface({ input: io.stdin }) : undefined;
    const firmwareDevice = device;
    lines?.on('line', (line) => {
      applyFirmwareCommand(line, firmwareDevice).then(
        (result) => {
          if (result) io.stderr.write(`servo-sim: ${result}\n`);
        },
        (error: unknown) =>
          io.stderr.write(`servo-sim: ${isSimulatorError(error) ? error.message : String(error)}\n`),
      );
    });
    try {
      await io.stopRequested;
    } finally {
      lines?.close();
    }
    return 0;
  } catch (error) {
    io.stderr.write(`servo-sim: ${isSimulatorError(error) ? error.message : String(error)}\n`);
    return 1;
  } finally {
    await device?.close();
  }
}

/**
 * --firmware's stdin: what the harness can do to the board (the line's fault rates are the TypeScript
 * model's; a real cable has no such knob). Returns a short result for stderr.
 */
async function applyFirmwareCommand(
  line: string,
  device: {
    reboot(): Promise<void>;
    unplug(): Promise<void>;
    replug(): Promise<void>;
    setEstopInput(active: boolean): Promise<void>;
  },
): Promise<string> {
  const [command, arg] = line.trim().split(/\s+/);
  switch (command) {
    case undefined:
    case '':
      return '';
    case 'reboot':
      await device.reboot();
      return 'rebooted';
    case 'unplug':
      await device.unplug();
      return 'unplugged';
    case 'replug':
      await device.replug();
      return 'replugged';
    case 'estop':
      if (arg !== 'on' && arg !== 'off') return 'usage: estop on|off';
      await device.setEstopInput(arg === 'on');
      return `e-stop input ${arg}`;
    default:
      return `"${command}" does not apply to --firmware (reboot, unplug, replug, estop on|off)`;
  }
}
