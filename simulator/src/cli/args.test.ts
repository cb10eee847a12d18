// servo-sim's flag parsing and --help (which must document every flag the parser accepts).

import { readFileSync } from 'node:fs';
import { configKeyRows } from '@servo-edge/common/config';
import { SIM_MODELS } from '@servo-edge/firmware-protocol';
import { describe, expect, it } from 'vitest';
import { LINK_OPTIONS_SCHEMAS } from '../link/link-options.js';
import { FLAGS, helpText, parseArgs, STDIN_COMMANDS } from './args.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('servo-sim flags', () => {
  it('--help documents every flag', () => {
    const help = helpText();
    for (const flag of FLAGS) expect(help).toContain(`  ${flag.name}`);
  });

  it('parses a full command line into controller options', () => {
    const parsed = parseArgs([
      '--pty',
      '/tmp/a',
      '--axes=2',
      '--baud',
      '57600',
      '--no-pacing',
      '--corrupt-rate',
      '0.01',
      '--drop-rate=0.002',
      '--duplicate-rate',
      '0.001',
      '--latency-ms',
      '5',
      '--fault-direction',
      'toHost',
      '--stuck-axis',
      '2',
      '--stuck-axis',
      '1',
      '--estop-input',
      '--seed',
      '9',
      '--home-switch',
      '-50',
      '--encoder-noise',
      '2',
      '--watchdog-ms',
      '500',
      '--queue-depth',
      '4',
      '--window',
      '16',
      '--rx-bytes',
      '512',
      '--protocol',
      '1',
      '--event-window',
      '8',
      '--id',
      'bench',
    ]);
    expect(parsed).toEqual({
      kind: 'run',
      model: 'servo-edge',
      socatPath: 'socat',
      servers: [
        {
          linkPath: '/tmp/a',
          options: {
            id: 'bench',
            axes: 2,
            baud: 57600,
            pacing: false,
            queueDepth: 4,
            watchdogDefaultMs: 500,
            windowFrames: 16,
            rxBytes: 512,
            protocol: 1,
            eventWindow: 8,
            seed: 9,
            axisDefaults: { homeSwitchCounts: -50, encoderNoiseCounts: 2 },
            faults: {
              corruptRate: 0.01,
              dropRate: 0.002,
              duplicateRate: 0.001,
              extraLatencyMs: 5,
              direction: 'toHost',
              stuckAxes: [2, 1],
              estopInput: true,
            },
          },
        },
      ],
    });
  });

  it('several --pty make several controllers sim1, sim2', () => {
    const parsed = parseArgs(['--pty', '/tmp/a', '--pty', '/tmp/b']);
    expect(parsed.kind === 'run' && parsed.servers.map((s) => [s.linkPath, s.options.id])).toEqual([
      ['/tmp/a', 'sim1'],
      ['/tmp/b', 'sim2'],
    ]);
  });

  it('--firmware serves an ELF in simavr on the one pty, --pin-edges records its pins', () => {
    const parsed = parseArgs([
      '--pty',
      '/tmp/fw',
      '--firmware',
      'build/servo-edge.elf',
      '--pin-edges',
      '/tmp/e',
    ]);
    expect(parsed.kind === 'run' && parsed.firmware).toEqual({
      elfPath: 'build/servo-edge.elf',
      edgesPath: '/tmp/e',
    });
    const plain = parseArgs(['--pty', '/tmp/ts']);
    expect(plain.kind === 'run' && plain.firmware).toBeUndefined();
  });

  it.each([
    [[]],
    [['--pty']],
    [['--pty', '/a', '--bogus']],
    [['--pty', '/a', '--axes', 'four']],
    [['--pty', '/a', '--axes', '2', '--axes', '3']],
    [['--pty', '/a', '--pty', '/a']],
    [['--pty', '/a', '--pty', '/b', '--id', 'x']],
    [['--pty', '/a', '--no-pacing=1']],
    [['--pty', '/a', '--pin-edges', '/tmp/edges']],
    [['--pty', '/a', '--pty', '/b', '--firmware', 'fw.elf']],
    [['--pty', '/a', '--model', 'maestro', '--firmware', 'fw.elf']],
  ])('%j is a usage error (SIM_CLI_USAGE)', (argv) => {
    expect(() => parseArgs(argv)).toThrow(expect.objectContaining({ code: 'SIM_CLI_USAGE' }));
  });

  it.each([
    {
      argv: ['--pty', '/a', '--fault-direction', 'sideways'],
      code: 'CONFIG_BAD_VALUE',
      flag: '--fault-direction',
    },
    { argv: ['--pty', '/a', '--axes', '17'], code: 'CONFIG_OUT_OF_RANGE', flag: '--axes' },
    {
      argv: ['--pty', '/a', '--axes', '2', '--stuck-axis', '3'],
      code: 'CONFIG_OUT_OF_RANGE',
      flag: '--stuck-axis',
    },
    { argv: ['--pty', '/a', '--corrupt-rate', '1.5'], code: 'CONFIG_OUT_OF_RANGE', flag: '--corrupt-rate' },
    { argv: ['--pty', '/a', '--id', 'no spaces'], code: 'CONFIG_BAD_VALUE', flag: '--id' },
    { argv: ['--pty', '/a', '--watchdog-ms', '5'], code: 'CONFIG_OUT_OF_RANGE', flag: '--watchdog-ms' },
    { argv: ['--pty', '/a', '--protocol', '3'], code: 'CONFIG_BAD_VALUE', flag: '--protocol' },
    { argv: ['--pty', '/a', '--event-window', '257'], code: 'CONFIG_OUT_OF_RANGE', flag: '--event-window' },
  ])('$argv: the options schema refuses it (CONFIG_INVALID, $code at $flag)', ({ argv, code, flag }) => {
    expect(() => parseArgs(argv)).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        problems: [expect.objectContaining({ code, path: flag })],
      }),
    );
  });

  it("every flag that sets an option names one its models' schemas know", () => {
    for (const model of SIM_MODELS) {
      const known = new Set(configKeyRows(LINK_OPTIONS_SCHEMAS[model]).map((row) => row.path));
      const flags = FLAGS.filter((f) => f.option !== undefined && (f.models ?? SIM_MODELS).includes(model));
      for (const flag of flags) expect(known, `${flag.name} for ${model}`).toContain(flag.option);
    }
  });

  it('the README documents every flag and every stdin command', () => {
    for (const flag of FLAGS) expect(readme).toContain(`\`${flag.name}`);
    for (const command of STDIN_COMMANDS) {
      for (const word of command.usage.split(' | ').map((part) => part.split(' ')[0]!)) {
        expect(readme).toContain(`\`${word}`);
      }
    }
  });

  it('--model maestro takes the Maestro flags and the line flags', () => {
    const parsed = parseArgs([
      '--pty',
      '/tmp/m0',
      '--model',
      'maestro',
      '--channels',
      '12',
      '--device-number',
      '1',
      '--crc',
      '--serial-mode',
      'uartDetectBaudRate',
      '--drop-rate',
      '0.01',
      '--seed',
      '4',
    ]);
    expect(parsed).toEqual({
      kind: 'run',
      model: 'maestro',
      socatPath: 'socat',
      servers: [
        {
          linkPath: '/tmp/m0',
          options: {
            id: 'sim1',
            seed: 4,
            channels: 12,
            deviceNumber: 1,
            crc: true,
            serialMode: 'uartDetectBaudRate',
            faults: { dropRate: 0.01 },
          },
        },
      ],
    });
  });

  it('--model dynamixel takes --servos ID[:MODEL],...', () => {
    const parsed = parseArgs([
      '--pty',
      '/tmp/bus',
      '--model=dynamixel',
      '--servos',
      '1:XM430-W350,2:XL430-W250,3',
    ]);
    expect(parsed.kind === 'run' && parsed.servers[0]!.options).toEqual({
      id: 'sim1',
      servos: [
        { id: 1, model: 'XM430-W350' },
        { id: 2, model: 'XL430-W250' },
        { id: 3, model: 'XM430-W350' },
      ],
      faults: {},
    });
  });

  it.each([
    [['--pty', '/a', '--model', 'maestro', '--axes', '2']],
    [['--pty', '/a', '--model', 'dynamixel', '--channels', '6']],
    [['--pty', '/a', '--servos', '1']],
    [['--pty', '/a', '--crc']],
    [['--pty', '/a', '--model', 'maestro', '--estop-input']],
  ])('%j: a flag of another model is a usage error (SIM_CLI_USAGE)', (argv) => {
    expect(() => parseArgs(argv)).toThrow(expect.objectContaining({ code: 'SIM_CLI_USAGE' }));
  });

  it.each([
    { argv: ['--pty', '/a', '--model', 'stepper'], code: 'CONFIG_BAD_VALUE', flag: '--model' },
    {
      argv: ['--pty', '/a', '--model', 'maestro', '--channels', '7'],
      code: 'CONFIG_BAD_VALUE',
      flag: '--channels',
    },
    {
      argv: ['--pty', '/a', '--model', 'maestro', '--device-number', '128'],
      code: 'CONFIG_OUT_OF_RANGE',
      flag: '--device-number',
    },
    {
      argv: ['--pty', '/a', '--model', 'maestro', '--serial-mode', 'uart'],
      code: 'CONFIG_BAD_VALUE',
      flag: '--serial-mode',
    },
    {
      argv: ['--pty', '/a', '--model', 'dynamixel', '--servos', '1,1'],
      code: 'CONFIG_DUPLICATE',
      flag: '--servos',
    },
    {
      argv: ['--pty', '/a', '--model', 'dynamixel', '--servos', '1:XM999'],
      code: 'CONFIG_BAD_VALUE',
      flag: '--servos',
    },
    {
      argv: ['--pty', '/a', '--model', 'dynamixel', '--servos', '253'],
      code: 'CONFIG_OUT_OF_RANGE',
      flag: '--servos',
    },
  ])('$argv: refused as CONFIG_INVALID, $code at $flag', ({ argv, code, flag }) => {
    expect(() => parseArgs(argv)).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        problems: [expect.objectContaining({ code, path: flag })],
      }),
    );
  });

  it('--help and --version win over everything else', () => {
    expect(parseArgs(['--help'])).toEqual({ kind: 'help' });
    expect(parseArgs(['--pty', '/a', '--version'])).toEqual({ kind: 'version' });
  });
});
