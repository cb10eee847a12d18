// servo-sim's flag parsing and --help (which must document every flag the parser accepts).

import { configKeyRows } from '@servo-edge/common/config';
import { describe, expect, it } from 'vitest';
import { ControllerOptionsSchema } from '../options-schema.js';
import { FLAGS, helpText, parseArgs } from './args.js';

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
      '--id',
      'bench',
    ]);
    expect(parsed).toEqual({
      kind: 'run',
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

  it.each([
    [[]],
    [['--pty']],
    [['--pty', '/a', '--bogus']],
    [['--pty', '/a', '--axes', 'four']],
    [['--pty', '/a', '--axes', '2', '--axes', '3']],
    [['--pty', '/a', '--pty', '/a']],
    [['--pty', '/a', '--pty', '/b', '--id', 'x']],
    [['--pty', '/a', '--no-pacing=1']],
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
  ])('$argv: the options schema refuses it (CONFIG_INVALID, $code at $flag)', ({ argv, code, flag }) => {
    expect(() => parseArgs(argv)).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        problems: [expect.objectContaining({ code, path: flag })],
      }),
    );
  });

  it('every flag that sets an option names one the schema knows', () => {
    const known = new Set(configKeyRows(ControllerOptionsSchema).map((row) => row.path));
    for (const flag of FLAGS.filter((f) => f.option !== undefined)) expect(known).toContain(flag.option);
  });

  it('--help and --version win over everything else', () => {
    expect(parseArgs(['--help'])).toEqual({ kind: 'help' });
    expect(parseArgs(['--pty', '/a', '--version'])).toEqual({ kind: 'version' });
  });
});
