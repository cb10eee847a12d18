// servo-sim's flags: one table drives both the parser and --help, so the help documents every flag.

import type { FaultDirection, SimulatedControllerOptions } from '../config.js';
import { SimulatorError } from '../errors.js';

interface FlagSpec {
  name: string;
  /** Placeholder of the value; absent for a switch. */
  value?: string;
  repeatable?: boolean;
  help: string;
}

export const FLAGS: readonly FlagSpec[] = [
  {
    name: '--pty',
    value: 'LINK',
    repeatable: true,
    help: 'Create a pseudo-terminal and symlink it at LINK. Repeat for several controllers (ids sim1, sim2, ...).',
  },
  { name: '--id', value: 'NAME', help: 'Controller id (single --pty only). Default sim1.' },
  { name: '--axes', value: 'N', help: 'Axes per controller, 1..16. Default 4.' },
  {
    name: '--baud',
    value: 'B',
    help: 'Simulated line rate; bytes cross at B/10 per second. Default 115200.',
  },
  { name: '--no-pacing', help: 'Deliver bytes as fast as the pty takes them instead of at the baud rate.' },
  { name: '--queue-depth', value: 'N', help: "Per-axis move queue depth (HELLO's qd=). Default 8." },
  {
    name: '--watchdog-ms',
    value: 'MS',
    help: "Watchdog period a session starts with (HELLO's wd=). Default 1000.",
  },
  {
    name: '--window',
    value: 'N',
    help: "Frames the host may have unanswered (HELLO's win=), 1..32. Default 8.",
  },
  { name: '--rx-bytes', value: 'N', help: 'Receive buffer advertised by HELLO (rx=). Default 256.' },
  {
    name: '--home-switch',
    value: 'COUNTS',
    help: 'Home switch position (power-on frame) of every axis. Default -2000.',
  },
  {
    name: '--encoder-noise',
    value: 'COUNTS',
    help: 'GET and POS report positions with uniform noise of +/-COUNTS. Default 0.',
  },
  {
    name: '--corrupt-rate',
    value: 'P',
    help: 'Probability that a byte on the line has a bit flipped. Default 0.',
  },
  { name: '--drop-rate', value: 'P', help: 'Probability that a byte on the line is lost. Default 0.' },
  {
    name: '--duplicate-rate',
    value: 'P',
    help: 'Probability that a byte on the line is doubled. Default 0.',
  },
  { name: '--latency-ms', value: 'MS', help: 'Extra latency on every delivery, both ways. Default 0.' },
  {
    name: '--fault-direction',
    value: 'DIR',
    help: 'Where the rates above apply: both, toDevice or toHost. Default both.',
  },
  {
    name: '--stuck-axis',
    value: 'AXIS',
    repeatable: true,
    help: 'Start with AXIS jammed (it trips FERR when moved).',
  },
  {
    name: '--estop-input',
    help: 'Start with the hardware e-stop input active (RESET is refused until released).',
  },
  { name: '--seed', value: 'N', help: 'Seed for fault injection and encoder noise. Default 1.' },
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

/** Parses argv (without node and the script). Option values are range-checked later by the controller config. */
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
  if (direction !== undefined && !['both', 'toDevice', 'toHost'].includes(direction)) {
    usage(`--fault-direction must be both, toDevice or toHost, got "${direction}"`);
  }
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
  return { kind: 'run', servers, socatPath: one('--socat') ?? 'socat' };
}
