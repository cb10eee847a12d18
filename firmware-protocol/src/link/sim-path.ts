// The device path of a simulated controller: `sim://<id>` names a controller of @servo-edge/simulator
// running in the same process, opened through the simulator's serialport binding instead of a tty.
// Declared here, below everything that needs it, so the motion API, the gateway and the simulator share
// one constant and one parser, and a process can tell a simulated path without loading the simulator.
//
// Syntax (the one place it is parsed; simulator/README.md documents it):
//   sim://<id>                                   the device the controller's `driver` speaks to
//   sim://servo-edge/<id>                        a servo-edge protocol controller
//   sim://maestro/<id>[?channels=6&deviceNumber=12&crc=on&serialMode=usbDualPort]
//   sim://dynamixel/<id>[?servos=1:XM430-W350,2:XL430-W250]
// <id> is 1-64 characters of A-Z a-z 0-9 . _ -. Query values are plain text (no percent-encoding); a
// key not listed for the model, a key given twice or a value out of bounds is a problem with one of the
// common config codes, so a config loader can report it at the path's key like any other mistake.

import type { ConfigProblemCode } from '@servo-edge/common/config';

export const SIM_PATH_PREFIX = 'sim://';

/** The devices a simulated link can have at its far end. */
export const SIM_MODELS = ['servo-edge', 'maestro', 'dynamixel'] as const;
export type SimModel = (typeof SIM_MODELS)[number];

/** A simulated link's id (also the simulator's `id` option). */
export const SIM_ID_PATTERN = '^[A-Za-z0-9._-]{1,64}$';
const ID = new RegExp(SIM_ID_PATTERN);

/** Pololu Maestro User's Guide §1.a: the Micro Maestro has 6 channels, the Mini Maestros 12, 18 and 24. */
export const SIM_MAESTRO_CHANNEL_COUNTS = [6, 12, 18, 24] as const;
export type SimMaestroChannelCount = (typeof SIM_MAESTRO_CHANNEL_COUNTS)[number];
/** Maestro User's Guide §5.a Serial Settings, as the simulator's Maestro model names them. */
export const SIM_MAESTRO_SERIAL_MODES = [
  'usbDualPort',
  'usbChained',
  'uartDetectBaudRate',
  'uartFixedBaudRate',
] as const;
export type SimMaestroSerialMode = (typeof SIM_MAESTRO_SERIAL_MODES)[number];
/** §5.c Pololu protocol: the device number is 0..127. */
export const SIM_MAESTRO_MAX_DEVICE_NUMBER = 127;

/** The X-series servos the simulator's Dynamixel bus models (one control table each). */
export const SIM_DYNAMIXEL_MODELS = ['XL430-W250', 'XM430-W210', 'XM430-W350'] as const;
export type SimDynamixelModel = (typeof SIM_DYNAMIXEL_MODELS)[number];
/** A servo listed without a model. */
export const SIM_DYNAMIXEL_DEFAULT_MODEL: SimDynamixelModel = 'XM430-W350';
/** ROBOTIS e-Manual, Protocol 2.0 §Packet ID: 0..252 address one device (253 is reserved, 254 broadcast). */
export const SIM_DYNAMIXEL_MAX_ID = 252;

export interface SimDynamixelServo {
  id: number;
  model: SimDynamixelModel;
}

/** What a sim:// path says; the query's keys are present only when given. */
export type SimPath =
  | { /** `sim://<id>`: the controller's driver decides the device. */ model: undefined; id: string }
  | { model: 'servo-edge'; id: string }
  | {
      model: 'maestro';
      id: string;
      channels?: SimMaestroChannelCount;
      deviceNumber?: number;
      crc?: boolean;
      serialMode?: SimMaestroSerialMode;
    }
  | { model: 'dynamixel'; id: string; servos?: SimDynamixelServo[] };

/** One mistake in a sim:// path, with the common config code for it. */
export interface SimPathProblem {
  code: Extract<
    ConfigProblemCode,
    'CONFIG_BAD_VALUE' | 'CONFIG_OUT_OF_RANGE' | 'CONFIG_DUPLICATE' | 'CONFIG_UNKNOWN_KEY'
  >;
  message: string;
  hint?: string;
}

export type SimParse<T> = { ok: true; value: T } | { ok: false; problems: SimPathProblem[] };

/** True for `sim://...`. */
export function isSimPath(path: string): boolean {
  return path.startsWith(SIM_PATH_PREFIX);
}

/** The link id of a sim:// path that parses; undefined for any other path. */
export function simControllerId(path: string): string | undefined {
  const parsed = isSimPath(path) ? parseSimPath(path) : undefined;
  return parsed?.ok ? parsed.value.id : undefined;
}

/** The canonical path of a link: `sim://<id>` for a servo-edge controller (or none named), else `sim://<model>/<id>`. */
export function simPath(id: string, model?: SimModel): string {
  return model === undefined || model === 'servo-edge'
    ? `${SIM_PATH_PREFIX}${id}`
    : `${SIM_PATH_PREFIX}${model}/${id}`;
}

const QUERY_KEYS: Readonly<Record<SimModel, readonly string[]>> = {
  'servo-edge': [],
  maestro: ['channels', 'deviceNumber', 'crc', 'serialMode'],
  dynamixel: ['servos'],
};

/** Parses a sim:// path; every problem is reported, none thrown. */
export function parseSimPath(path: string): SimParse<SimPath> {
  if (!isSimPath(path)) {
    return fail('CONFIG_BAD_VALUE', `${path} is not a ${SIM_PATH_PREFIX} path`);
  }
  const rest = path.slice(SIM_PATH_PREFIX.length);
  const mark = rest.indexOf('?');
  const location = mark < 0 ? rest : rest.slice(0, mark);
  const query = mark < 0 ? undefined : rest.slice(mark + 1);
  const parts = location.split('/');
  if (parts.length > 2) {
    return fail('CONFIG_BAD_VALUE', `${path}: expected sim://<id> or sim://<model>/<id>`, syntaxHint);
  }
  const named = parts.length === 2 ? parts[0]! : undefined;
  const id = parts.at(-1)!;
  const problems: SimPathProblem[] = [];
  if (named !== undefined && !(SIM_MODELS as readonly string[]).includes(named)) {
    problems.push({
      code: 'CONFIG_BAD_VALUE',
      message: `${path}: unknown model "${named}"`,
      hint: `one of ${SIM_MODELS.join(', ')}`,
    });
  }
  if (!ID.test(id)) {
    problems.push({
      code: 'CONFIG_BAD_VALUE',
      message: `${path}: the id "${id}" is not 1-64 characters of A-Z a-z 0-9 . _ -`,
    });
  }
  const model = problems.length === 0 ? (named as SimModel | undefined) : undefined;
  if (query !== undefined && named === undefined) {
    problems.push({
      code: 'CONFIG_BAD_VALUE',
      message: `${path}: settings after ? need the model in the path`,
      hint: 'for example sim://maestro/<id>?channels=12',
    });
  }
  if (problems.length > 0) return { ok: false, problems };
  const fields = query === undefined ? new Map<string, string>() : readQuery(path, query, model!, problems);
  const value = readSettings(path, { model, id } as SimPath, fields, problems);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value };
}

/** `1:XM430-W350,2:XL430-W250` (a servo without `:MODEL` is an XM430-W350): the `servos` query value and servo-sim's --servos. */
export function parseDynamixelServos(text: string): SimParse<SimDynamixelServo[]> {
  const problems: SimPathProblem[] = [];
  const servos: SimDynamixelServo[] = [];
  const seen = new Set<number>();
  if (text.trim() === '') {
    return fail('CONFIG_BAD_VALUE', 'the servo list is empty', 'ID[:MODEL],... for example 1:XM430-W350,2');
  }
  for (const entry of text.split(',')) {
    const [idText = '', modelText, extra] = entry.split(':');
    if (extra !== undefined || !/^\d+$/.test(idText)) {
      problems.push({
        code: 'CONFIG_BAD_VALUE',
        message: `servo "${entry}" is not ID or ID:MODEL`,
        hint: 'for example 1:XM430-W350',
      });
      continue;
    }
    const id = Number(idText);
    if (id > SIM_DYNAMIXEL_MAX_ID) {
      problems.push({
        code: 'CONFIG_OUT_OF_RANGE',
        message: `servo ID ${id} is not 0..${SIM_DYNAMIXEL_MAX_ID}`,
      });
      continue;
    }
    if (seen.has(id)) {
      problems.push({ code: 'CONFIG_DUPLICATE', message: `servo ID ${id} is listed twice` });
      continue;
    }
    seen.add(id);
    const model = modelText ?? SIM_DYNAMIXEL_DEFAULT_MODEL;
    if (!(SIM_DYNAMIXEL_MODELS as readonly string[]).includes(model)) {
      problems.push({
        code: 'CONFIG_BAD_VALUE',
        message: `servo ${id}: unknown model "${model}"`,
        hint: `one of ${SIM_DYNAMIXEL_MODELS.join(', ')}`,
      });
      continue;
    }
    servos.push({ id, model: model as SimDynamixelModel });
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: servos };
}

const syntaxHint = 'sim://<id>, sim://maestro/<id>?channels=6 or sim://dynamixel/<id>?servos=1:XM430-W350';

function fail<T>(code: SimPathProblem['code'], message: string, hint?: string): SimParse<T> {
  return { ok: false, problems: [{ code, message, ...(hint === undefined ? {} : { hint }) }] };
}

function readQuery(
  path: string,
  query: string,
  model: SimModel,
  problems: SimPathProblem[],
): Map<string, string> {
  const known = QUERY_KEYS[model];
  const fields = new Map<string, string>();
  for (const pair of query.split('&')) {
    const eq = pair.indexOf('=');
    const key = eq < 0 ? pair : pair.slice(0, eq);
    if (!known.includes(key)) {
      problems.push({
        code: 'CONFIG_UNKNOWN_KEY',
        message: `${path}: a ${model} path has no setting "${key}"`,
        hint: known.length === 0 ? `a ${model} path takes no settings` : `settings: ${known.join(', ')}`,
      });
    } else if (fields.has(key)) {
      problems.push({ code: 'CONFIG_DUPLICATE', message: `${path}: "${key}" is given twice` });
    } else if (eq < 0 || pair.length === eq + 1) {
      problems.push({ code: 'CONFIG_BAD_VALUE', message: `${path}: "${key}" needs a value (${key}=...)` });
    } else {
      fields.set(key, pair.slice(eq + 1));
    }
  }
  return fields;
}

function readSettings(
  path: string,
  base: SimPath,
  fields: ReadonlyMap<string, string>,
  problems: SimPathProblem[],
): SimPath {
  const bad = (key: string, expected: string, code: SimPathProblem['code'] = 'CONFIG_BAD_VALUE') =>
    problems.push({ code, message: `${path}: ${key}=${fields.get(key)} is not ${expected}` });
  const integer = (key: string) => {
    const text = fields.get(key)!;
    return /^\d{1,9}$/.test(text) ? Number(text) : undefined;
  };
  if (base.model === 'maestro') {
    const value: Extract<SimPath, { model: 'maestro' }> = { model: 'maestro', id: base.id };
    if (fields.has('channels')) {
      const channels = integer('channels');
      if ((SIM_MAESTRO_CHANNEL_COUNTS as readonly number[]).includes(channels ?? -1)) {
        value.channels = channels as SimMaestroChannelCount;
      } else bad('channels', `one of ${SIM_MAESTRO_CHANNEL_COUNTS.join(', ')}`);
    }
    if (fields.has('deviceNumber')) {
      const number = integer('deviceNumber');
      if (number === undefined) bad('deviceNumber', 'an integer');
      else if (number > SIM_MAESTRO_MAX_DEVICE_NUMBER)
        bad('deviceNumber', `0..${SIM_MAESTRO_MAX_DEVICE_NUMBER}`, 'CONFIG_OUT_OF_RANGE');
      else value.deviceNumber = number;
    }
    if (fields.has('crc')) {
      const crc = fields.get('crc');
      if (crc === 'on' || crc === 'off') value.crc = crc === 'on';
      else bad('crc', 'on or off');
    }
    if (fields.has('serialMode')) {
      const mode = fields.get('serialMode')!;
      if ((SIM_MAESTRO_SERIAL_MODES as readonly string[]).includes(mode))
        value.serialMode = mode as SimMaestroSerialMode;
      else bad('serialMode', `one of ${SIM_MAESTRO_SERIAL_MODES.join(', ')}`);
    }
    return value;
  }
  if (base.model === 'dynamixel' && fields.has('servos')) {
    const servos = parseDynamixelServos(fields.get('servos')!);
    if (!servos.ok) {
      for (const problem of servos.problems)
        problems.push({ ...problem, message: `${path}: ${problem.message}` });
      return base;
    }
    return { ...base, servos: servos.value };
  }
  return base;
}
