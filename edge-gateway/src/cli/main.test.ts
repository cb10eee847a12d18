// The CLI in-process: exit codes, check-config output, ports with and without udev, dispatch of `--config` to `run`.

import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_CONFIG_ENV, EXAMPLE_CONFIG_PATH } from '../test-support/example-configs.js';
import type { CliCommand, CliIo } from './cli-command.js';
import { COMMANDS } from './commands/index.js';
import { createPortsCommand } from './commands/ports.js';
import { main } from './main.js';

const example = EXAMPLE_CONFIG_PATH;
const exampleEnv = EXAMPLE_CONFIG_ENV;

const capture = (env: Record<string, string> = {}) => {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (line) => out.push(line), err: (line) => err.push(line), env };
  return { io, out, err };
};
const tempFile = async (text: string) => {
  const dir = await mkdtemp(join(tmpdir(), 'servo-edge-cli-'));
  const file = join(dir, 'edge.yaml');
  await writeFile(file, text);
  return file;
};

describe('servo-edge', () => {
  it('with no arguments prints usage and exits 2; --help exits 0', async () => {
    const none = capture();
    expect(await main([], none.io)).toBe(2);
    expect(none.err.join('\n')).toContain('check-config <file>');
    const help = capture();
    expect(await main(['--help'], help.io)).toBe(0);
    expect(help.out.join('\n')).toContain('ports');
  });

  it('an unknown command exits 2 with EDGE_CLI_USAGE', async () => {
    const { io, err } = capture();
    expect(await main(['frobnicate'], io)).toBe(2);
    expect(err[0]).toContain('[EDGE_CLI_USAGE]');
  });

  it('prints its version', async () => {
    const { io, out } = capture();
    expect(await main(['--version'], io)).toBe(0);
    expect(out[0]).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('`--config <file>` goes to the `run` command', async () => {
    // A stand-in for the real run command, so nothing starts.
    const others = COMMANDS.filter((command) => command.name !== 'run');
    const calls: (readonly string[])[] = [];
    const run: CliCommand = {
      name: 'run',
      summary: 'Run the gateway.',
      usage: 'run --config <file>',
      run: async (args) => {
        calls.push(args);
        return 0;
      },
    };
    expect(await main(['--config', 'edge.yaml'], capture().io, [...others, run])).toBe(0);
    expect(await main(['run', '--config', 'edge.yaml'], capture().io, [...others, run])).toBe(0);
    expect(calls).toEqual([
      ['--config', 'edge.yaml'],
      ['--config', 'edge.yaml'],
    ]);
    // Without a run command, the option is an unknown command.
    expect(await main(['--config', 'edge.yaml'], capture().io, others)).toBe(2);
    expect(COMMANDS.map((command) => command.name)).toContain('run');
  });

  it('a command that throws exits 1 with its code', async () => {
    const broken: CliCommand = {
      name: 'broken',
      summary: '',
      usage: 'broken',
      run: async () => {
        throw Object.assign(new Error('boom'), { code: 'EDGE_BROKER_LISTEN_FAILED' });
      },
    };
    const { io, err } = capture();
    expect(await main(['broken'], io, [broken])).toBe(1);
    expect(err[0]).toContain('[EDGE_BROKER_LISTEN_FAILED]');
  });
});

describe('check-config', () => {
  it('exits 0 on the example and summarizes it without secrets', async () => {
    const { io, out } = capture(exampleEnv);
    expect(await main(['check-config', example], io)).toBe(0);
    expect(out[0]).toBe(`${example}: ok`);
    const printed = out.join('\n');
    for (const secret of Object.values(exampleEnv)) expect(printed).not.toContain(secret);
  });

  it('exits 1 and lists every problem with file:line and code', async () => {
    const motion = [
      'motion:',
      '  controllers: [{ id: c, path: "sim://c" }]',
      '  axes: [{ name: conveyor, controller: c, axis: 1, unit: mm, countsPerUnit: 1, minUnits: 0, maxUnits: 9,',
      '      maxVelocityUnitsPerS: 1, maxAccelerationUnitsPerS2: 1, defaultVelocityUnitsPerS: 1, defaultAccelerationUnitsPerS2: 1 }]',
    ].join('\n');
    const file = await tempFile(
      `http:\n  prot: 80\nmqtt:\n  embedded:\n    portTCP: 1\n    drainTimeoutMs: 5\n${motion}\n`,
    );
    const { io, err } = capture();
    expect(await main(['check-config', file], io)).toBe(1);
    const codes = err.map((line) => line.match(/\[([A-Z_]+)\]$/)?.[1]);
    expect(codes).toEqual([
      'CONFIG_UNKNOWN_KEY',
      'CONFIG_UNKNOWN_KEY',
      'CONFIG_OUT_OF_RANGE',
      'CONFIG_MISSING_KEY',
      'CONFIG_INVALID',
    ]);
    expect(err[0]?.startsWith(`${file}:2:3 `)).toBe(true);
  });

  it('exits 1 on an unreadable file and 2 on a wrong command line', async () => {
    const missing = capture();
    expect(await main(['check-config', '/nonexistent/edge.yaml'], missing.io)).toBe(1);
    expect(missing.err[0]).toContain('[CONFIG_UNREADABLE]');
    expect(await main(['check-config'], capture().io)).toBe(2);
    expect(await main(['check-config', 'a', 'b'], capture().io)).toBe(2);
  });

  it("reports the motion section's problems with their common code at their real path", async () => {
    // The example with the reject arm's lower limit above its upper one.
    const text = (await readFile(example, 'utf8')).replace('minUnits: -10\n', 'minUnits: 100\n');
    const file = await tempFile(text);
    const { io, err } = capture(exampleEnv);
    expect(await main(['check-config', file], io)).toBe(1);
    expect(err[0]).toMatch(new RegExp(`^${file}:\\d+:\\d+ `));
    expect(err[0]).toContain('motion.axes[1].maxUnits');
    expect(err[0]).toContain('[CONFIG_CONFLICT]');
  });
});

describe('ports', () => {
  it('lists ports with their by-id links', async () => {
    const command = createPortsCommand({
      enumerate: async () => [
        {
          path: '/dev/ttyUSB0',
          vendorId: '0403',
          productId: '6001',
          manufacturer: 'FTDI',
          serialNumber: 'A1',
        },
      ],
      readdir: async (dir) => (dir === '/dev/serial/by-id' ? ['usb-FTDI_A1-if00-port0'] : []),
      realpath: async () => '/dev/ttyUSB0',
    });
    const { io, out, err } = capture();
    expect(await main(['ports'], io, [command])).toBe(0);
    expect(out).toEqual(['/dev/ttyUSB0 0403:6001 FTDI A1', '  /dev/serial/by-id/usb-FTDI_A1-if00-port0']);
    expect(err).toEqual([]);
  });

  it('without udevadm: a warning with EDGE_PORTS_LIST_FAILED, then the fallback listing', async () => {
    const command = createPortsCommand({
      enumerate: async () => {
        throw Object.assign(new Error('spawn udevadm ENOENT'), { code: 'ENOENT' });
      },
      readdir: async (dir) => (dir === '/dev' ? ['ttyACM0'] : []),
      realpath: async (path) => path,
    });
    const { io, out, err } = capture();
    expect(await main(['ports'], io, [command])).toBe(0);
    expect(err[0]).toContain('[EDGE_PORTS_LIST_FAILED]');
    expect(out).toEqual(['/dev/ttyACM0']);
  });
});
