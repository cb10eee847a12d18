// servo-sim's flags: one table drives both the parser and --help, so the help documents every flag.
// `--model` picks the device at the end of each pty; a flag that only one model has is refused with
// another, and each model's options go through that model's schema.

import { ConfigError, type ConfigProblem } from '@servo-edge/common/config';
import {
  parseDynamixelServos,
  SIM_MAESTRO_SERIAL_MODES,
  SIM_MODELS,
  type SimModel,
} from '@servo-edge/firmware-protocol';
import type { FaultDirection } from '../config.js';
import { SimulatorError } from '../errors.js';
import { checkLinkOptions, type LinkOptionsOf } from '../link/link-options.js';
import type { HardwareErrorName } from '../models/dynamixel/index.js';

interface FlagSpec {
  name: string;
  /** Placeholder of the value; absent for a switch. */
  value?: string;
  repeatable?: boolean;
  help: string;
  /** The option it sets, as a dotted path (how a problem with that option names the flag). */
  option?: string;
  /** The models it applies to; absent for every model. */
  models?: readonly SimModel[];
}

const SERVO_EDGE = ['servo-edge'] as const;
const MAESTRO = ['maestro'] as const;
const DYNAMIXEL = ['dynamixel'] as const;

export const FLAGS: readonly FlagSpec[] = [
  {
    name: '--pty',
    value: 'LINK',
    repeatable: true,
    help: 'Create a pseudo-terminal and symlink it at LINK. Repeat for several devices (ids sim1, sim2, ...).',
  },
  {
    name: '--model',
    value: 'MODEL',
    help: 'The device on every pty: servo-edge (protocol v2, or v1 with --protocol 1), maestro (Pololu Maestro) or dynamixel (Protocol 2.0 bus). Default servo-edge.',
  },
  { name: '--id', option: 'id', value: 'NAME', help: 'Device id (single --pty only). Default sim1.' },
  {
    name: '--axes',
    option: 'axes',
    value: 'N',
    models: SERVO_EDGE,
    help: 'Axes per controller, 1..16. Default 4.',
  },
  {
    name: '--channels',
    option: 'channels',
    value: 'N',
    models: MAESTRO,
    help: 'Maestro channels: 6 (Micro), 12, 18 or 24 (Mini). Default 6.',
  },
  {
    name: '--device-number',
    option: 'deviceNumber',
    value: 'N',
    models: MAESTRO,
    help: 'Maestro device number for the Pololu protocol (0xAA), 0..127. Default 12.',
  },
  {
    name: '--crc',
    option: 'crc',
    models: MAESTRO,
    help: 'Maestro "Enable CRC": every command ends in a CRC-7 byte.',
  },
  {
    name: '--serial-mode',
    option: 'serialMode',
    value: 'MODE',
    models: MAESTRO,
    help: `Maestro serial mode: ${SIM_MAESTRO_SERIAL_MODES.join(', ')}. Default usbDualPort; the UART modes (a new Maestro's) ignore the pty.`,
  },
  {
    name: '--servos',
    option: 'servos',
    value: 'LIST',
    models: DYNAMIXEL,
    help: 'Dynamixel servos on the bus, ID[:MODEL],... (XM430-W350, XM430-W210, XL430-W250). Default 1:XM430-W350.',
  },
  {
    name: '--baud',
    option: 'baud',
    value: 'B',
    help: 'Simulated line rate; bytes cross at B/10 per second. Default 115200 (dynamixel: 57600).',
  },
  {
    name: '--no-pacing',
    option: 'pacing',
    help: 'Deliver bytes as fast as the pty takes them instead of at the baud rate.',
  },
  {
    name: '--protocol',
    option: 'protocol',
    value: 'N',
    models: SERVO_EDGE,
    help: 'Highest protocol version the controller speaks: 2 (a plain HELLO still gets exactly v1) or 1 (a v1-only device). Default 2.',
  },
  {
    name: '--event-window',
    option: 'eventWindow',
    value: 'N',
    models: SERVO_EDGE,
    help: "v2 event buffer (HELLO 2's ev=), 1..256. Default 16.",
  },
  {
    name: '--queue-depth',
    option: 'queueDepth',
    value: 'N',
    models: SERVO_EDGE,
    help: "Per-axis move queue depth (HELLO's qd=). Default 8.",
  },
  {
    name: '--watchdog-ms',
    option: 'watchdogDefaultMs',
    models: SERVO_EDGE,
    value: 'MS',
    help: "Watchdog period a session starts with (HELLO's wd=). Default 1000.",
  },
  {
    name: '--window',
    option: 'windowFrames',
    models: SERVO_EDGE,
    value: 'N',
    help: "Frames the host may have unanswered (HELLO's win=), 1..32. Default 8.",
  },
  {
    name: '--rx-bytes',
    option: 'rxBytes',
    models: SERVO_EDGE,
    value: 'N',
    help: 'Receive buffer advertised by HELLO (rx=). Default 256.',
  },
  {
    name: '--home-switch',
    option: 'axisDefaults.homeSwitchCounts',
    models: SERVO_EDGE,
    value: 'COUNTS',
    help: 'Home switch position (power-on frame) of every axis. Default -2000.',
  },
  {
    name: '--encoder-noise',
    option: 'axisDefaults.encoderNoiseCounts',
    models: SERVO_EDGE,
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
    models: SERVO_EDGE,
    value: 'AXIS',
    repeatable: true,
    help: 'Start with AXIS jammed (it trips FERR when moved).',
  },
  {
    name: '--estop-input',
    option: 'faults.estopInput',
    models: SERVO_EDGE,
    help: 'Start with the hardware e-stop input active (RESET is refused until released).',
  },
  {
    name: '--seed',
    option: 'seed',
    value: 'N',
    help: 'Seed for line faults and encoder noise. Default 1.',
  },
  {
    name: '--firmware',
    value: 'ELF',
    models: SERVO_EDGE,
    help: 'Serve the reference firmware ELF in the simavr AVR emulator (npm run build:firmware builds firmware-protocol/firmware/build/servo-edge.elf) instead of the TypeScript model; the device options above do not apply.',
  },
  {
    name: '--pin-edges',
    value: 'FILE',
    models: SERVO_EDGE,
    help: "With --firmware: record the firmware's output pin edges (step, dir, servo pulses) with their cycle times to FILE.",
  },
  { name: '--socat', value: 'PATH', help: 'The socat executable. Default socat on PATH.' },
  { name: '--help', help: 'Print this help and exit.' },
  { name: '--version', help: 'Print the version and exit.' },
];

/**
 * Hardware Error Status bits (e-Manual §Hardware Error Status). Listed here rather than read off the
 * model, so --help loads no device model; the check below fails the build if the two lists differ.
 */
const HARDWARE_ERROR_NAMES = [
  'INPUT_VOLTAGE',
  'OVERHEATING',
  'MOTOR_ENCODER',
  'ELECTRICAL_SHOCK',
  'OVERLOAD',
] as const satisfies readonly HardwareErrorName[];
const HARDWARE_ERRORS_LISTED: [HardwareErrorName] extends [(typeof HARDWARE_ERROR_NAMES)[number]]
  ? true
  : never = true;
void HARDWARE_ERRORS_LISTED;

/** Dynamixel hardware errors as stdin names them: `overload` is OVERLOAD. */
export const HARDWARE_ERROR_WORDS: readonly string[] = HARDWARE_ERROR_NAMES.map((name) =>
  name.toLowerCase().replace(/_/g, '-'),
);

/** Commands read from stdin while servo-sim runs; they act on every device (of the models listed). */
export const STDIN_COMMANDS: readonly { usage: string; help: string; models?: readonly SimModel[] }[] = [
  {
    usage: 'reboot',
    help: 'Power-cycle the device (servo-edge: BOOT; Maestro: channels off; Dynamixel: errors cleared).',
  },
  { usage: 'unplug', help: 'Pull the cable: the pty and its link disappear; an open client gets EIO.' },
  { usage: 'replug', help: 'Plug it back: a new pty appears at the same link.' },
  { usage: 'withhold', help: 'Lose the next reply on the wire.' },
  { usage: 'garbage N', help: 'Send N random bytes to the host.' },
  { usage: 'corrupt P | drop P | duplicate P | latency MS', help: 'Change a line fault rate.' },
  { usage: 'estop on|off', models: SERVO_EDGE, help: 'The hardware e-stop input.' },
  { usage: 'stick AXIS on|off', models: SERVO_EDGE, help: 'Jam or free an axis.' },
  {
    usage: 'serial-error signal|overrun|buffer-full',
    models: MAESTRO,
    help: 'A serial error: its bit is set, every servo goes to its home setting.',
  },
  {
    usage: 'hw-error ID NAME',
    models: DYNAMIXEL,
    help: `A hardware error on servo ID, NAME one of ${HARDWARE_ERROR_WORDS.join(', ')}: alert bit, torque off; a reboot clears it.`,
  },
];

export function helpText(): string {
  const lines = [
    'Usage: servo-sim --pty <link-path> [--pty <link-path>...] [--model MODEL] [options]',
    '',
    'Simulated serial devices on pseudo-terminals: servo-edge controllers speaking protocol v2 and v1,',
    'a Pololu Maestro speaking its compact and Pololu protocols, or a ROBOTIS Dynamixel bus',
    'speaking Protocol 2.0. Prints "READY <link-path>" on stdout for each pty once it can be',
    'opened, and serves until SIGINT or SIGTERM. Needs socat (Debian: apt-get install socat).',
    '',
    'Options:',
  ];
  const only = (models: readonly SimModel[] | undefined) => (models ? ` [${models.join(', ')}]` : '');
  for (const flag of FLAGS) {
    const left = `  ${flag.name}${flag.value ? ` ${flag.value}` : ''}`;
    lines.push(`${left.padEnd(28)}${flag.help}${flag.repeatable ? ' (repeatable)' : ''}${only(flag.models)}`);
  }
  lines.push(
    '',
    'Commands on stdin (one per line, applied to every device; with --firmware: reboot, unplug, replug,',
    'estop on|off):',
  );
  for (const command of STDIN_COMMANDS) {
    lines.push(`  ${command.usage.padEnd(46)}${command.help}${only(command.models)}`);
  }
  return `${lines.join('\n')}\n`;
}

export type ParsedArgs =
  | { kind: 'help' }
  | { kind: 'version' }
  | {
      kind: 'run';
      model: SimModel;
      servers: { linkPath: string; options: LinkOptionsOf<SimModel> }[];
      socatPath: string;
      /** --firmware: the ELF to run in simavr instead of the TypeScript model. */
      firmware?: { elfPath: string; edgesPath?: string };
    };

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
  const model = modelOf(one('--model'));
  for (const name of values.keys()) {
    const models = FLAGS.find((flag) => flag.name === name)?.models;
    if (models && !models.includes(model)) usage(`${name} is for --model ${models.join('|')}, not ${model}`);
  }
  const id = one('--id');
  if (id !== undefined && links.length > 1) usage('--id works with a single --pty only');
  const direction = one('--fault-direction');
  const defined = <T extends object>(object: T): T =>
    Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined)) as T;
  const lineFaults = {
    corruptRate: num('--corrupt-rate'),
    dropRate: num('--drop-rate'),
    duplicateRate: num('--duplicate-rate'),
    extraLatencyMs: num('--latency-ms'),
    direction: direction as FaultDirection | undefined,
  };
  /** What every model's options have. */
  const common = (index: number) => ({
    id: id ?? `sim${index + 1}`,
    baud: int('--baud'),
    pacing: values.has('--no-pacing') ? false : undefined,
    seed: int('--seed'),
  });
  let optionsAt: (index: number) => LinkOptionsOf<SimModel>;
  if (model === 'maestro') {
    optionsAt = (index) =>
      defined<LinkOptionsOf<'maestro'>>({
        ...common(index),
        channels: int('--channels') as LinkOptionsOf<'maestro'>['channels'],
        deviceNumber: int('--device-number'),
        crc: values.has('--crc') ? true : undefined,
        serialMode: one('--serial-mode') as LinkOptionsOf<'maestro'>['serialMode'],
        faults: defined(lineFaults),
      });
  } else if (model === 'dynamixel') {
    const servos = servoList(one('--servos'));
    optionsAt = (index) =>
      defined<LinkOptionsOf<'dynamixel'>>({ ...common(index), servos, faults: defined(lineFaults) });
  } else {
    const homeSwitch = int('--home-switch');
    const noise = int('--encoder-noise');
    const axisDefaults = {
      ...(homeSwitch === undefined ? {} : { homeSwitchCounts: homeSwitch }),
      ...(noise === undefined ? {} : { encoderNoiseCounts: noise }),
    };
    const faults = {
      ...lineFaults,
      stuckAxes: (values.get('--stuck-axis') ?? []).map((text) => toNumber('--stuck-axis', text, true)),
      estopInput: values.has('--estop-input'),
    };
    optionsAt = (index) =>
      defined<LinkOptionsOf<'servo-edge'>>({
        ...common(index),
        axes: int('--axes'),
        protocol: int('--protocol') as LinkOptionsOf<'servo-edge'>['protocol'],
        eventWindow: int('--event-window'),
        queueDepth: int('--queue-depth'),
        watchdogDefaultMs: int('--watchdog-ms'),
        windowFrames: int('--window'),
        rxBytes: int('--rx-bytes'),
        axisDefaults,
        faults: defined(faults),
      });
  }
  const servers = links.map((linkPath, index) => ({ linkPath, options: optionsAt(index) }));
  checkServers(
    model,
    servers.map((server) => server.options),
  );
  const elfPath = one('--firmware');
  const edgesPath = one('--pin-edges');
  if (edgesPath !== undefined && elfPath === undefined) usage('--pin-edges needs --firmware');
  if (elfPath !== undefined && servers.length !== 1) usage('--firmware serves one --pty');
  return {
    kind: 'run',
    model,
    servers,
    socatPath: one('--socat') ?? 'socat',
    ...(elfPath === undefined
      ? {}
      : { firmware: { elfPath, ...(edgesPath === undefined ? {} : { edgesPath }) } }),
  };
}

function refused(problem: Omit<ConfigProblem, 'line' | 'column'>): never {
  throw new ConfigError('CONFIG_INVALID', [problem], { source: 'servo-sim' });
}

/** --model, checked like an option: an unknown model is CONFIG_BAD_VALUE at --model. */
function modelOf(text: string | undefined): SimModel {
  if (text === undefined) return 'servo-edge';
  if ((SIM_MODELS as readonly string[]).includes(text)) return text as SimModel;
  return refused({
    code: 'CONFIG_BAD_VALUE',
    path: '--model',
    message: `--model must be one of ${SIM_MODELS.join(', ')}, not ${text}`,
  });
}

/** --servos, parsed by the same code as a sim://dynamixel path's `servos` (firmware-protocol's sim-path). */
function servoList(text: string | undefined): LinkOptionsOf<'dynamixel'>['servos'] {
  if (text === undefined) return undefined;
  const parsed = parseDynamixelServos(text);
  if (parsed.ok) return parsed.value;
  throw new ConfigError(
    'CONFIG_INVALID',
    parsed.problems.map((problem) => ({ ...problem, path: '--servos' })),
    { source: 'servo-sim' },
  );
}

/** The flag that sets the option at a problem's path (`faults.stuckAxes[1]` is --stuck-axis, `servos[0].id` --servos). */
function flagOf(path: string): string {
  const option = path.replace(/\[\d+\].*$/, '');
  return FLAGS.find((flag) => flag.option === option)?.name ?? path;
}

/**
 * The options go through the model's options schema, like any other config: a value out of bounds
 * is a ConfigError (CONFIG_INVALID) whose problems name the flag (`--axes`) instead of the option path.
 */
function checkServers(model: SimModel, options: readonly LinkOptionsOf<SimModel>[]): void {
  const problems = new Map<string, ConfigProblem>();
  for (const server of options) {
    const result = checkLinkOptions(model, server);
    if (result.ok) continue;
    for (const problem of result.problems) {
      const named = { ...problem, path: flagOf(problem.path) };
      problems.set(`${named.code} ${named.path}`, named);
    }
  }
  if (problems.size > 0)
    throw new ConfigError('CONFIG_INVALID', [...problems.values()], { source: 'servo-sim' });
}
