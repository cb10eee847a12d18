// The cross-field checks of a motion config that a schema cannot express: unique ids and paths, axis
// references, min < max, defaults within the maxima, limits that fit the protocol's 32-bit counts, dev
// mode only on loopback, and what each driver takes (its axis addresses, its count range, its settings
// on its own controllers only). Problems use the common codes (@servo-edge/common/config), with paths
// relative to the motion config's root, so the edge gateway can run the same checks on its `motion` section.

import type { PathSegment, RawProblem } from '@servo-edge/common/config';
import type { DriverKind } from '../drivers/kinds.js';
import type { MotionConfig } from './schema.js';

/** Positions and rates go on the wire as signed 32-bit integers (firmware-protocol §Commands). */
const INT32_MAX = 2 ** 31 - 1;

/** Baud Rate (8) of the X-series control table: index 0..7 (e-Manual §Baud Rate). */
export const DYNAMIXEL_BAUD_RATES = [
  9600, 57_600, 115_200, 1_000_000, 2_000_000, 3_000_000, 4_000_000, 4_500_000,
];
/** Bus Watchdog (98): unit 20 ms, 1..127 (e-Manual §Bus Watchdog). */
const DXL_WATCHDOG_STEP_MS = 20;
const DXL_WATCHDOG_MAX_MS = 127 * DXL_WATCHDOG_STEP_MS;
/** servo-edge's WDOG takes 100..60000 ms (§Commands WDOG). */
const SERVO_EDGE_WATCHDOG_MIN_MS = 100;

/** Each driver's axis addresses (`axes[].axis`): servo-edge axis numbers, Maestro channels, Dynamixel IDs. */
const AXIS_ADDRESSES: Record<DriverKind, { min: number; max: number; what: string }> = {
  'servo-edge': { min: 1, max: 64, what: 'a servo-edge axis number (1-64)' },
  // Pololu Maestro User's Guide §5.e: channel numbers 0..23 on the Mini Maestro 24.
  maestro: { min: 0, max: 23, what: 'a Maestro channel (0-23, as printed on the board)' },
  // e-Manual §Protocol 2.0 ID: 0..252 (253 reserved, 254 broadcast).
  dynamixel: { min: 0, max: 252, what: 'a Dynamixel ID (0-252)' },
};

/**
 * The counts each driver's positions can take: a Maestro target is 14-bit quarter-microseconds, 0 being
 * "no pulses" (§5.e Set Target); a Dynamixel Goal Position is 0..4095 in position mode, ±1,048,575 in
 * extended position mode (Goal Position 116).
 */
function positionCountRange(driver: DriverKind, operatingMode: string | undefined): [number, number] {
  if (driver === 'maestro') return [1, 0x3fff];
  if (driver === 'dynamixel')
    return operatingMode === 'extended-position' ? [-1_048_575, 1_048_575] : [0, 4095];
  return [-INT32_MAX, INT32_MAX];
}
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** What a check may see: with schemaOk false, any key the schema refused is absent. */
type Loose<T> = {
  [K in keyof T]?: T[K] extends readonly (infer E)[]
    ? readonly Loose<E>[]
    : T[K] extends object
      ? Loose<T[K]>
      : T[K];
};

const isNumber = (value: unknown): value is number => typeof value === 'number';

/** Each default rate of a move, with the maximum it must not exceed. */
const RATE_DEFAULTS = [
  ['defaultVelocityUnitsPerS', 'maxVelocityUnitsPerS'],
  ['defaultAccelerationUnitsPerS2', 'maxAccelerationUnitsPerS2'],
] as const;

/**
 * Cross-field checks of a motion config, for `check` of the common config loader. With `schemaOk`
 * false the value is partial (keys the schema refused are absent); only checks whose inputs are all
 * there run, so one mistake is reported once. Never echoes a key.
 */
export function checkMotionConfig(config: MotionConfig, _schemaOk: boolean): RawProblem[] {
  const value = config as Loose<MotionConfig>;
  const problems: RawProblem[] = [];
  const add = (code: RawProblem['code'], segments: readonly PathSegment[], message: string, hint?: string) =>
    problems.push({ code, segments, message, ...(hint === undefined ? {} : { hint }) });

  const controllerIds = new Set<string>();
  const paths = new Set<string>();
  const driverOf = new Map<string, DriverKind>();
  const maestroChannels = new Map<string, number>();
  (value.controllers ?? []).forEach((c, i) => {
    const at = (key: string): PathSegment[] => ['controllers', i, key];
    const driver = c.driver;
    if (c.id !== undefined && driver !== undefined) driverOf.set(c.id, driver);
    if (c.id !== undefined && c.maestro?.channels !== undefined)
      maestroChannels.set(c.id, c.maestro.channels);
    // A driver's settings belong on that driver's controllers only.
    for (const key of ['maestro', 'dynamixel'] as const) {
      if (c[key] !== undefined && driver !== undefined && driver !== key)
        add(
          'CONFIG_CONFLICT',
          at(key),
          `\`${key}\` settings on a ${driver} controller`,
          `set driver: ${key}, or remove them`,
        );
    }
    if (driver === 'maestro' && c.maestro === undefined && value.controllers !== undefined)
      add(
        'CONFIG_MISSING_KEY',
        at('maestro'),
        'a maestro controller needs `maestro.channels` (6, 12, 18 or 24)',
        'the model: 6 for a Micro Maestro, 12, 18 or 24 for a Mini Maestro',
      );
    if (driver === 'dynamixel' && isNumber(c.baud) && !DYNAMIXEL_BAUD_RATES.includes(c.baud))
      add(
        'CONFIG_BAD_VALUE',
        at('baud'),
        `a Dynamixel bus does not run at ${c.baud} baud`,
        `one of ${DYNAMIXEL_BAUD_RATES.join(', ')} (57600 is the X-series factory setting)`,
      );
    if (isNumber(c.watchdogMs)) {
      if (driver === 'maestro')
        add(
          'CONFIG_CONFLICT',
          at('watchdogMs'),
          "a Maestro's serial timeout is set in the Maestro Control Center, not over serial",
          'remove watchdogMs',
        );
      else if (
        driver === 'dynamixel' &&
        (c.watchdogMs > DXL_WATCHDOG_MAX_MS || c.watchdogMs % DXL_WATCHDOG_STEP_MS !== 0)
      )
        add(
          'CONFIG_OUT_OF_RANGE',
          at('watchdogMs'),
          `the Bus Watchdog takes 20 to ${DXL_WATCHDOG_MAX_MS} ms in steps of 20, not ${c.watchdogMs}`,
        );
      else if (driver === 'servo-edge' && c.watchdogMs < SERVO_EDGE_WATCHDOG_MIN_MS)
        add('CONFIG_OUT_OF_RANGE', at('watchdogMs'), `WDOG takes 100 to 60000 ms, not ${c.watchdogMs}`);
    }
    if (c.id !== undefined) {
      if (controllerIds.has(c.id))
        add('CONFIG_DUPLICATE', ['controllers', i, 'id'], `duplicate controller id "${c.id}"`);
      controllerIds.add(c.id);
    }
    if (c.path !== undefined) {
      if (paths.has(c.path))
        add('CONFIG_DUPLICATE', ['controllers', i, 'path'], `path "${c.path}" is used twice`);
      paths.add(c.path);
    }
  });

  const names = new Set<string>();
  const slots = new Set<string>();
  (value.axes ?? []).forEach((a, i) => {
    const at = (key: string): PathSegment[] => ['axes', i, key];
    if (a.name !== undefined) {
      if (names.has(a.name)) add('CONFIG_DUPLICATE', at('name'), `duplicate axis name "${a.name}"`);
      names.add(a.name);
    }
    // Only when the controllers list is whole: a refused controller must not make every axis unknown.
    if (a.controller !== undefined && value.controllers !== undefined && !controllerIds.has(a.controller)) {
      add(
        'CONFIG_UNKNOWN_REFERENCE',
        at('controller'),
        `no controller "${a.controller}"`,
        `declared controllers: ${[...controllerIds].join(', ') || 'none'}`,
      );
    }
    if (a.controller !== undefined && a.axis !== undefined) {
      const slot = `${a.controller}/${a.axis}`;
      if (slots.has(slot))
        add('CONFIG_DUPLICATE', at('axis'), `axis ${a.axis} of "${a.controller}" is configured twice`);
      slots.add(slot);
    }
    const driver = a.controller === undefined ? undefined : driverOf.get(a.controller);
    if (driver !== undefined) checkAxisForDriver(a, driver, at, add, maestroChannels.get(a.controller!));
    if (isNumber(a.minUnits) && isNumber(a.maxUnits) && !(a.minUnits < a.maxUnits))
      add(
        'CONFIG_CONFLICT',
        at('maxUnits'),
        `maxUnits ${a.maxUnits} must be greater than minUnits ${a.minUnits}`,
      );
    for (const [key, maxKey] of RATE_DEFAULTS) {
      const rate = a[key];
      const max = a[maxKey];
      if (isNumber(rate) && isNumber(max) && rate > max)
        add('CONFIG_CONFLICT', at(key), `${key} must not exceed ${maxKey}`);
    }
    const countsPerUnit = a.countsPerUnit;
    if (!isNumber(countsPerUnit)) return;
    const countAtZero = isNumber(a.countAtZero) ? a.countAtZero : 0;
    // servo-edge positions are 64-bit in v2 (PROTOCOL.md §v2 Positions), and the API carries them as JSON
    // numbers, exact to ±(2^53-1); a v1 link clamps its SET MIN/MAX and refuses targets beyond ±(2^31-1).
    const positionMax = driver === 'servo-edge' ? Number.MAX_SAFE_INTEGER : INT32_MAX;
    const inCounts: [string, number | undefined, number, number][] = [
      ['minUnits', a.minUnits, countAtZero, positionMax],
      ['maxUnits', a.maxUnits, countAtZero, positionMax],
      ['maxVelocityUnitsPerS', a.maxVelocityUnitsPerS, 0, INT32_MAX],
      ['maxAccelerationUnitsPerS2', a.maxAccelerationUnitsPerS2, 0, INT32_MAX],
      ['followingErrorLimitUnits', a.followingErrorLimitUnits, 0, INT32_MAX],
    ];
    for (const [key, units, offset, max] of inCounts) {
      if (isNumber(units) && Math.abs(Math.round(offset + units * countsPerUnit)) > max)
        add(
          'CONFIG_OUT_OF_RANGE',
          at(key),
          `${units} ${a.unit ?? ''} is beyond ±(${max === INT32_MAX ? '2^31-1' : '2^53-1'}) counts at ${countsPerUnit} counts per unit`,
        );
    }
    // The soft limits must be positions the driver can command.
    if (driver !== undefined && driver !== 'servo-edge') {
      const [low, high] = positionCountRange(driver, a.dynamixel?.operatingMode);
      for (const key of ['minUnits', 'maxUnits'] as const) {
        const units = a[key];
        if (!isNumber(units)) continue;
        const counts = Math.round(countAtZero + units * countsPerUnit);
        if (counts < low || counts > high)
          add(
            'CONFIG_OUT_OF_RANGE',
            at(key),
            `${units} ${a.unit ?? ''} is count ${counts}, outside the ${driver} range ${low}..${high}`,
            'check countsPerUnit and countAtZero',
          );
      }
    }
    // MOVE needs a rate of at least one count per second (per second²) on the wire.
    for (const [key] of RATE_DEFAULTS) {
      const rate = a[key];
      if (isNumber(rate) && rate * countsPerUnit < 1)
        add('CONFIG_OUT_OF_RANGE', at(key), `${key} is below 1 count`);
    }
  });

  const auth = value.auth;
  if (auth !== undefined) {
    const keyIds = new Set<string>();
    const secrets = new Set<string>();
    (auth.keys ?? []).forEach((k, i) => {
      const at: PathSegment[] = ['auth', 'keys', i];
      if (k.id !== undefined) {
        if (keyIds.has(k.id)) add('CONFIG_DUPLICATE', [...at, 'id'], `duplicate key id "${k.id}"`);
        keyIds.add(k.id);
      }
      if (k.key !== undefined && k.sha256 !== undefined)
        add('CONFIG_CONFLICT', at, 'give exactly one of key and sha256, not both');
      else if (k.key === undefined && k.sha256 === undefined)
        add(
          'CONFIG_MISSING_KEY',
          at,
          'give one of key and sha256',
          'sha256 keeps the key itself out of the file',
        );
      const secret = k.key ?? k.sha256;
      // Never echo the key: the message names the entry only.
      if (secret !== undefined && secrets.has(secret))
        add('CONFIG_DUPLICATE', at, 'the same key is listed twice');
      if (secret !== undefined) secrets.add(secret);
    });
    const host = value.http?.host;
    if (auth.disabled === true) {
      if (host !== undefined && !isLoopbackHost(host))
        add(
          'CONFIG_CONFLICT',
          ['auth', 'disabled'],
          `dev mode without auth is only allowed on a loopback host, not "${host}"`,
          'set http.host to 127.0.0.1, or list keys in auth.keys',
        );
    } else if (auth.disabled === false && auth.keys !== undefined && auth.keys.length === 0) {
      add(
        'CONFIG_CONFLICT',
        ['auth', 'keys'],
        'auth is on but no key is listed',
        'list at least one key, or set auth.disabled on a loopback host',
      );
    }
  }

  const reconnect = value.reconnect;
  if (
    isNumber(reconnect?.initialDelayMs) &&
    isNumber(reconnect?.maxDelayMs) &&
    reconnect.initialDelayMs > reconnect.maxDelayMs
  )
    add(
      'CONFIG_CONFLICT',
      ['reconnect', 'initialDelayMs'],
      'reconnect.initialDelayMs must not exceed maxDelayMs',
    );
  return problems;
}

/** What an axis may say on its controller's driver: its address range, and settings of that driver only. */
function checkAxisForDriver(
  a: Loose<MotionConfig['axes'][number]>,
  driver: DriverKind,
  at: (key: string) => PathSegment[],
  add: (code: RawProblem['code'], segments: readonly PathSegment[], message: string, hint?: string) => void,
  maestroChannels: number | undefined,
): void {
  const range = AXIS_ADDRESSES[driver];
  const max = driver === 'maestro' && maestroChannels !== undefined ? maestroChannels - 1 : range.max;
  if (isNumber(a.axis) && (a.axis < range.min || a.axis > max))
    add(
      'CONFIG_OUT_OF_RANGE',
      at('axis'),
      `axis ${a.axis} is not ${range.what}${max !== range.max ? ` on a ${maestroChannels}-channel Maestro` : ''}`,
    );
  if (a.softwareStop !== undefined && driver === 'servo-edge')
    add(
      'CONFIG_CONFLICT',
      at('softwareStop'),
      'a servo-edge controller stops on the realtime byte 0x18; its firmware decides how',
      'softwareStop is for Maestro and Dynamixel axes',
    );
  if (a.dynamixel !== undefined && driver !== 'dynamixel')
    add('CONFIG_CONFLICT', at('dynamixel'), `\`dynamixel\` settings on an axis of a ${driver} controller`);
  if (a.followingErrorLimitUnits !== undefined && driver !== 'servo-edge')
    add(
      'CONFIG_CONFLICT',
      at('followingErrorLimitUnits'),
      `a ${driver} controller takes no following-error limit over the wire`,
      'followingErrorLimitUnits is sent as SET FERR to servo-edge controllers',
    );
}
