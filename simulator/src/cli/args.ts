// servo-sim's flags: one table drives both the parser and --help, so the help documents every flag.

import { ConfigError, type ConfigProblem } from '@servo-edge/common/config';
import { checkControllerOptions, type FaultDirection, type SimulatedControllerOptions } from '../config.js';
import { SimulatorError } from '../errors.js';

interface FlagSpec {
  name: string;
  /** Placeholder of the value; absent for a switch. */
  value?: string;
  repeatable?: boolean;
  help: string;
  /** The controller option it sets, as a dotted path (how a problem with that option names the flag). */
  option?: string;
}

export const FLAGS: readonly FlagSpec[] = [
  {
    name: '--pty',
    value: 'LINK',
    repeatable: true,
    help: 'Create a pseudo-terminal and symlink it at LINK. Repeat for several controllers (ids sim1, sim2, ...).',
  },
  { name: '--id', option: 'id', value: 'NAME', help: 'Controller id (single --pty only). Default sim1.' },
  { name: '--axes', option: 'axes', value: 'N', help: 'Axes per controller, 1..16. Default 4.' },
  {
    name: '--baud',
    option: 'baud',
    value: 'B',
    help: 'Simulated line rate; bytes cross at B/10 per second. Default 115200.',
  },
  {
    name: '--no-pacing',
    option: 'pacing',
    help: 'Deliver bytes as fast as the pty takes them instead of at the baud rate.',
  },
  {
    name: '--queue-depth',
    option: 'queueDepth',
    value: 'N',
    help: "Per-axis move queue depth (HELLO's qd=). Default 8.",
  },
  {
    name: '--watchdog-ms',
    option: 'watchdogDefaultMs',
    value: 'MS',
    help: "Watchdog period a session starts with (HELLO's wd=). Default 1000.",
  },
  {
    name: '--window',
    option: 'windowFrames',
    value: 'N',
    help: "Frames the host may have unanswered (HELLO's win=), 1..32. Default 8.",
  },
  {
    name: '--rx-bytes',
    option: 'rxBytes',
    value: 'N',
    help: 'Receive buffer advertised by HELLO (rx=). Default 256.',
  },
  {
    name: '--home-switch',
    option: 'axisDefaults.homeSwitchCounts',
    value: 'COUNTS',
    help: 'Home switch position (power-on frame) of every axis. Default -2000.',
  },
  {
    name: '--encoder-noise',
    option: 'axisDefaults.encoderNoiseCounts',
    value: 'COUNTS',
    help: 'GET and POS report positions with uniform noise of +/-COUNTS. Default 0.',
  },
  {
    name: '--corrupt-rate',
    option: 'faults.corruptRate',
    value: 'P',
    help: 'Probability that a byte on the line has a bit flipped. Default 0.',
  },
  {
    name: '--drop-rate',
    option: 'faults.dropRate',
    value: 'P',
    help: 'Probability that a byte on the line is lost. Default 0.',
  },
  {
    name: '--duplicate-rate',
    option: 'faults.duplicateRate',
    value: 'P',
    help: 'Probability that a byte on the line is doubled. Default 0.',
  },
  {
    name: '--latency-ms',
    option: 'faults.extraLatencyMs',
    value: 'MS',
    help: 'Extra latency on every delivery, both ways. Default 0.',
  },
  {
    name: '--fault-direction',
    option: 'faults.direction',
    value: 'DIR',
    help: 'Where the rates above apply: both, toDevice or toHost. Default both.',
  },
  {
    name: '--stuck-axis',
    option: 'faults.stuckAxes',
    value: 'AXIS',
    repeatable: true,
    help: 'Start with AXIS jammed (it trips FERR when moved).',
  },
  {
    name: '--estop-input',
    option: 'faults.estopInput',
    help: 'Start with the hardware e-stop input active (RESET is refused until released).',
  },
  {
    name: '--seed',
    option: 'seed',
    value: 'N',
    help: 'Seed for fault injection and encoder noise. Default 1.',
  },
  { name: '--socat', value: 'PATH', help: 'The socat executable. Default socat on PATH.' },
  { name: '--help', help: 'Print this help and exit.' },
  { name: '--version', help: 'Print the version and exit.' },
];

/** Commands read from stdin while servo-sim runs; they act on every controller. */
export const STDIN_COMMANDS: readonly { usage: string; help: string }[] = [
  { usage: 'reboot', help: 'Power-cycle: motion stops, the session is forgotten, BOOT is sent.' },
  { usage: 'unplug', help: 'Pull the cable: the pty and its link disappear; an open client gets EIO.' },
  { usage: 'replug', help: 'Plug it back: a new pty appears at the same link.' },
  { usage: 'estop on|off', help: 'The hardware e-stop input.' },
  { usage: 'stick AXIS on|off', help: 'Jam or free an axis.' },
  { usage: 'withhold', help: 'Lose the next reply on the wire.' },
  { usage: 'garbage N', help: 'Send N random bytes to the host.' },
  { usage: 'corrupt P | drop P | duplicate P | latency MS', help: 'Change a line fault rate.' },
];

export function helpText(): string {
  const lines = [
    'Usage: servo-sim --pty <link-path> [--pty <link-path>...] [options]',
    '',
    'Simulated servo controllers speaking servo-edge protocol v1 on pseudo-terminals.',
    'Prints "READY <link-path>" on stdout for each pty once it can be opened, and serves',
    'until SIGINT or SIGTERM. Needs socat (Debian: apt-get install socat).',
    '',
    'Options:',
  ];
  for (const flag of FLAGS) {
    const left = `  ${flag.name}${flag.value ? ` ${flag.value}` : ''}`;
    lines.push(`${left.padEnd(28)}${flag.help}${flag.repeatable ? ' (repeatable)' : ''}`);
  }
  lines.push('', 'Commands on stdin (one per line, applied to every controller):');
  for (const command of STDIN_COMMANDS) lines.push(`  ${command.usage.padEnd(46)}${command.help}`);
  return `${lines.join('\n')}\n`;
}

export type ParsedArgs =
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'run'; servers: { linkPath: string; options: SimulatedControllerOptions }[]; socatPath: string };

function usage(detail: string): never {
  throw new SimulatorError('SIM_CLI_USAGE', `${detail} (see servo-sim --help)`);
}

function toNumber(flag: string, text: string, integer: boolean): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    usage(`${flag} needs ${integer ? 'an integer' : 'a number'}, got "${text}"`);
  }
  return n;
}

/**
 * Parses argv (without node and the script). What is not a flag, a missing value or a number that is not
 * one is a usage error (SIM_CLI_USAGE); the options then go through their schema (checkServers).
 */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const values = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    const eq = token.indexOf('=');
    const name = token.startsWith('--') && eq > 0 ? token.slice(0, eq) : token;
    const spec = FLAGS.find((f) => f.name === name);
    if (!spec) usage(`unknown argument "${token}"`);
    let value = '';
    if (spec.value) {
      if (eq > 0 && token.startsWith('--')) value = token.slice(eq + 1);
      else {
        const next = argv[++i];
        if (next === undefined) usage(`${name} needs a value (${spec.value})`);
        value = next;
      }
    } else if (eq > 0) {
      usage(`${name} takes no value`);
    }
    const list = values.get(name) ?? [];
    if (list.length > 0 && !spec.repeatable) usage(`${name} given twice`);
    list.push(value);
    values.set(name, list);
  }
  if (values.has('--help')) return { kind: 'help' };
  if (values.has('--version')) return { kind: 'version' };
  const links = values.get('--pty') ?? [];
  if (links.length === 0) usage('--pty <link-path> is required');
  if (new Set(links).size !== links.length) usage('each --pty needs its own link path');
  const one = (flag: string) => values.get(flag)?.[0];
  const int = (flag: string) => {
    const text = one(flag);
    return text === undefined ? undefined : toNumber(flag, text, true);
  };
  const num = (flag: string) => {
    const text = one(flag);
    return text === undefined ? undefined : toNumber(flag, text, false);
  };
  const id = one('--id');
  if (id !== undefined && links.length > 1) usage('--id works with a single --pty only');
  const direction = one('--fault-direction');
  const homeSwitch = int('--home-switch');
  const noise = int('--encoder-noise');
  const axisDefaults = {
    ...(homeSwitch === undefined ? {} : { homeSwitchCounts: homeSwitch }),
    ...(noise === undefined ? {} : { encoderNoiseCounts: noise }),
  };
  const faults = {
    corruptRate: num('--corrupt-rate'),
    dropRate: num('--drop-rate'),
    duplicateRate: num('--duplicate-rate'),
    extraLatencyMs: num('--latency-ms'),
    direction: direction as FaultDirection | undefined,
    stuckAxes: (values.get('--stuck-axis') ?? []).map((text) => toNumber('--stuck-axis', text, true)),
    estopInput: values.has('--estop-input'),
  };
  const defined = <T extends object>(object: T): T =>
    Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined)) as T;
  const servers = links.map((linkPath, index) => ({
    linkPath,
    options: defined<SimulatedControllerOptions>({
      id: id ?? `sim${index + 1}`,
      axes: int('--axes'),
      baud: int('--baud'),
      pacing: values.has('--no-pacing') ? false : undefined,
      queueDepth: int('--queue-depth'),
      watchdogDefaultMs: int('--watchdog-ms'),
      windowFrames: int('--window'),
      rxBytes: int('--rx-bytes'),
      seed: int('--seed'),
      axisDefaults,
      faults: defined(faults),
    }),
  }));
  checkServers(servers.map((server) => server.options));
  return { kind: 'run', servers, socatPath: one('--socat') ?? 'socat' };
}

/** The flag that sets the option at a problem's path (`faults.stuckAxes[1]` is --stuck-axis). */
function flagOf(path: string): string {
  const option = path.replace(/\[\d+\]$/, '');
  return FLAGS.find((flag) => flag.option === option)?.name ?? path;
}

/**
 * The options go through the controller options' schema, like any other config: a value out of bounds
 * is a ConfigError (CONFIG_INVALID) whose problems name the flag (`--axes`) instead of the option path.
 */
function checkServers(options: readonly SimulatedControllerOptions[]): void {
  const problems = new Map<string, ConfigProblem>();
  for (const server of options) {
    const result = checkControllerOptions(server);
    if (result.ok) continue;
    for (const problem of result.problems) {
      const named = { ...problem, path: flagOf(problem.path) };
      problems.set(`${named.code} ${named.path}`, named);
    }
  }
  if (problems.size > 0)
    throw new ConfigError('CONFIG_INVALID', [...problems.values()], { source: 'servo-sim' });
}
