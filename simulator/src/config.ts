// Controller options: their types, defaults and load-time checks (unknown keys are rejected as typos).

import type { Clock } from '@servo-edge/common/clock';
import {
  DEFAULT_BAUD,
  WATCHDOG_MAX_MS,
  WATCHDOG_MIN_MS,
} from '@servo-edge/firmware-protocol';
import { SimulatorError } from './errors.js';

/** One axis of a simulated controller. Positions are counts in the axis's power-on frame. */
export interface AxisConfig {
  /** Soft limits (SET MIN / SET MAX); MOVE targets outside them get ERR RANGE, a JOG that reaches one faults LIMIT. */
  minCounts?: number;
  maxCounts?: number;
  /** SET VMAX / SET AMAX defaults; MOVE and JOG above them get ERR RANGE. */
  vmaxCountsPerS?: number;
  amaxCountsPerS2?: number;
  /** SET FERR default: following error that trips FAULT code=FERR. */
  ferrCounts?: number;
  /** Where the axis is at power-on (the encoder reads this until HOME sets 0). */
  startPositionCounts?: number;
  /** Position of the home switch in the power-on frame; null = no switch (HOME then faults). */
  homeSwitchCounts?: number | null;
  /** Direction HOME searches in: the switch is active on that side of homeSwitchCounts. */
  homeDirection?: 1 | -1;
  homeVelocityCountsPerS?: number;
  homeBackoffVelocityCountsPerS?: number;
  homeAccelerationCountsPerS2?: number;
  /** HOME gives up (FAULT code=HOME) after searching this far without finding the switch. */
  homeSearchRangeCounts?: number;
  /** GET and POS report the position plus uniform noise within ±this many counts. 0 = off. */
  encoderNoiseCounts?: number;
}

export type FaultDirection = 'both' | 'toDevice' | 'toHost';

/** Faults on the serial line; all can also be changed at run time through `controller.faults`. */
export interface LineFaultConfig {
  /** Probability that a byte has one bit flipped. */
  corruptRate?: number;
  dropRate?: number;
  duplicateRate?: number;
  /** Added to every delivery, in ms. */
  extraLatencyMs?: number;
  /** Which way the rates above apply. Default both. */
  direction?: FaultDirection;
}

export interface FaultConfig extends LineFaultConfig {
  /** Axes that start jammed (FERR once they are commanded to move). */
  stuckAxes?: number[];
  /** The hardware e-stop input starts active. */
  estopInput?: boolean;
}

export interface SimulatedControllerOptions {
  /** Names the controller; its path is `sim://<id>`. */
  id: string;
  /** Number of axes, 1..16. Default 4. */
  axes?: number;
  /** Simulation clock. Default real time (systemClock); pass a ManualClock to step it in tests. */
  clock?: Clock;
  /** Line rate in baud (8N1: 10 bits per byte). Default 115200. */
  baud?: number;
  /** Deliver bytes no faster than baud/10 bytes/s. Default true. */
  pacing?: boolean;
  /** Settings for every axis. */
  axisDefaults?: AxisConfig;
  /** Settings for single axes, keyed by axis number (1-based), over axisDefaults. */
  perAxis?: Record<number, AxisConfig>;
  faults?: FaultConfig;
  /** Seeds fault injection and encoder noise, so runs are reproducible. Default 1. */
  seed?: number;
  /** Firmware version reported by HELLO and BOOT. Default 1.0.0. */
  fw?: string;
  /** HELLO's rx= (receive buffer). Default 256. */
  rxBytes?: number;
  /** HELLO's win=. Default 8, at most 32. */
  windowFrames?: number;
  /** HELLO's qd= (per-axis move queue depth, counting the running move). Default 8. */
  queueDepth?: number;
  /** HELLO's wd= (watchdog period a session starts with). Default 1000. */
  watchdogDefaultMs?: number;
  /** Entries kept in the executed-command log (oldest dropped first). Default 100000. */
  executedLogLimit?: number;
}

export type ResolvedAxisConfig = Required<Omit<AxisConfig, 'homeSwitchCounts'>> & {
  homeSwitchCounts: number | null;
};

export interface ResolvedControllerConfig {
  id: string;
  path: string;
  axes: number;
  baud: number;
  pacing: boolean;
  axisConfigs: ResolvedAxisConfig[];
  faults: Required<LineFaultConfig> & { stuckAxes: number[]; estopInput: boolean };
  seed: number;
  fw: string;
  rxBytes: number;
  windowFrames: number;
  queueDepth: number;
  watchdogDefaultMs: number;
  executedLogLimit: number;
}

export const SIM_PATH_PREFIX = 'sim://';

export const DEFAULT_AXIS_CONFIG: ResolvedAxisConfig = {
  // Wide soft limits, as a controller ships: the host sets its own with SET MIN / SET MAX.
  minCounts: -2_000_000_000,
  maxCounts: 2_000_000_000,
  vmaxCountsPerS: 200_000,
  amaxCountsPerS2: 2_000_000,
  ferrCounts: 1_000,
  startPositionCounts: 0,
  homeSwitchCounts: -2_000,
  homeDirection: -1,
  homeVelocityCountsPerS: 20_000,
  homeBackoffVelocityCountsPerS: 2_000,
  homeAccelerationCountsPerS2: 200_000,
  homeSearchRangeCounts: 2_000_000,
  encoderNoiseCounts: 0,
};

const INT32_MAX = 2 ** 31 - 1;
const ID_RE = /^[A-Za-z0-9._-]{1,64}$/;
const SEMVER_RE = /^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$/;

function fail(detail: string): never {
  throw new SimulatorError('SIM_CONFIG_INVALID', detail);
}

function checkKeys(what: string, value: object, allowed: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) fail(`${what}: unknown key "${key}" (allowed: ${allowed.join(', ')})`);
  }
}

function intIn(what: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(`${what} must be an integer in ${min}..${max}, got ${String(value)}`);
  }
  return value;
}

function numberIn(what: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    fail(`${what} must be a number in ${min}..${max}, got ${String(value)}`);
  }
  return value;
}

const AXIS_KEYS = Object.keys(DEFAULT_AXIS_CONFIG);

function resolveAxis(
  what: string,
  base: ResolvedAxisConfig,
  patch: AxisConfig | undefined,
): ResolvedAxisConfig {
  if (patch === undefined) return base;
  if (typeof patch !== 'object' || patch === null) fail(`${what} must be an object`);
  checkKeys(what, patch, AXIS_KEYS);
  const merged = { ...base, ...patch } as ResolvedAxisConfig;
  const out: ResolvedAxisConfig = {
    minCounts: intIn(`${what}.minCounts`, merged.minCounts, -INT32_MAX, INT32_MAX),
    maxCounts: intIn(`${what}.maxCounts`, merged.maxCounts, -INT32_MAX, INT32_MAX),
    vmaxCountsPerS: intIn(`${what}.vmaxCountsPerS`, merged.vmaxCountsPerS, 1, INT32_MAX),
    amaxCountsPerS2: intIn(`${what}.amaxCountsPerS2`, merged.amaxCountsPerS2, 1, INT32_MAX),
    ferrCounts: intIn(`${what}.ferrCounts`, merged.ferrCounts, 1, INT32_MAX),
    startPositionCounts: intIn(
      `${what}.startPositionCounts`,
      merged.startPositionCounts,
      -INT32_MAX,
      INT32_MAX,
    ),
    homeSwitchCounts:
      merged.homeSwitchCounts === null
        ? null
        : intIn(`${what}.homeSwitchCounts`, merged.homeSwitchCounts, -INT32_MAX, INT32_MAX),
    homeDirection:
      merged.homeDirection === 1 || merged.homeDirection === -1
        ? merged.homeDirection
        : fail(`${what}.homeDirection must be 1 or -1`),
    homeVelocityCountsPerS: intIn(
      `${what}.homeVelocityCountsPerS`,
      merged.homeVelocityCountsPerS,
      1,
      INT32_MAX,
    ),
    homeBackoffVelocityCountsPerS: intIn(
      `${what}.homeBackoffVelocityCountsPerS`,
      merged.homeBackoffVelocityCountsPerS,
      1,
      INT32_MAX,
    ),
    homeAccelerationCountsPerS2: intIn(
      `${what}.homeAccelerationCountsPerS2`,
      merged.homeAccelerationCountsPerS2,
      1,
      INT32_MAX,
    ),
    homeSearchRangeCounts: intIn(`${what}.homeSearchRangeCounts`, merged.homeSearchRangeCounts, 1, INT32_MAX),
    encoderNoiseCounts: intIn(`${what}.encoderNoiseCounts`, merged.encoderNoiseCounts, 0, 1_000_000),
  };
  if (out.minCounts >= out.maxCounts) fail(`${what}: minCounts must be below maxCounts`);
  return out;
}

const OPTION_KEYS = [
  'id',
  'axes',
  'clock',
  'baud',
  'pacing',
  'axisDefaults',
  'perAxis',
  'faults',
  'seed',
  'fw',
  'rxBytes',
  'windowFrames',
  'queueDepth',
  'watchdogDefaultMs',
  'executedLogLimit',
] as const satisfies readonly (keyof SimulatedControllerOptions)[];
const FAULT_KEYS = [
  'corruptRate',
  'dropRate',
  'duplicateRate',
  'extraLatencyMs',
  'direction',
  'stuckAxes',
  'estopInput',
];

export function checkLineFaults(what: string, faults: LineFaultConfig): void {
  if (faults.corruptRate !== undefined) numberIn(`${what}.corruptRate`, faults.corruptRate, 0, 1);
  if (faults.dropRate !== undefined) numberIn(`${what}.dropRate`, faults.dropRate, 0, 1);
  if (faults.duplicateRate !== undefined) numberIn(`${what}.duplicateRate`, faults.duplicateRate, 0, 1);
  if (faults.extraLatencyMs !== undefined)
    numberIn(`${what}.extraLatencyMs`, faults.extraLatencyMs, 0, 60_000);
  if (faults.direction !== undefined && !['both', 'toDevice', 'toHost'].includes(faults.direction)) {
    fail(`${what}.direction must be both, toDevice or toHost`);
  }
}

/** Checks options and fills in defaults. Throws SIM_CONFIG_INVALID naming the offending key. */
export function resolveControllerConfig(options: SimulatedControllerOptions): ResolvedControllerConfig {
  if (typeof options !== 'object' || options === null) fail('options must be an object');
  checkKeys('options', options, OPTION_KEYS);
  if (typeof options.id !== 'string' || !ID_RE.test(options.id)) {
    fail(`options.id must be 1-64 characters of A-Z a-z 0-9 . _ -, got ${JSON.stringify(options.id)}`);
  }
  const axes = intIn('options.axes', options.axes ?? 4, 1, 16);
  const base = resolveAxis('options.axisDefaults', DEFAULT_AXIS_CONFIG, options.axisDefaults);
  const perAxis = options.perAxis ?? {};
  for (const key of Object.keys(perAxis)) {
    const n = Number(key);
    if (!Number.isInteger(n) || n < 1 || n > axes) fail(`options.perAxis: axis ${key} is not in 1..${axes}`);
  }
  const axisConfigs: ResolvedAxisConfig[] = [];
  for (let axis = 1; axis <= axes; axis++) {
    axisConfigs.push(resolveAxis(`options.perAxis[${axis}]`, base, perAxis[axis]));
  }
  const faults = options.faults ?? {};
  checkKeys('options.faults', faults, FAULT_KEYS);
  checkLineFaults('options.faults', faults);
  const stuckAxes = faults.stuckAxes ?? [];
  if (!Array.isArray(stuckAxes)) fail('options.faults.stuckAxes must be an array');
  for (const axis of stuckAxes) intIn('options.faults.stuckAxes[]', axis, 1, axes);
  const fw = options.fw ?? '1.0.0';
  if (!SEMVER_RE.test(fw)) fail(`options.fw must be MAJOR.MINOR.PATCH, got ${JSON.stringify(fw)}`);
  if (options.pacing !== undefined && typeof options.pacing !== 'boolean')
    fail('options.pacing must be a boolean');
  const clock = options.clock;
  if (clock !== undefined && (typeof clock.monotonicMs !== 'function' || typeof clock.schedule !== 'function')) {
    fail('options.clock must be a Clock (monotonicMs, schedule)');
  }
  return {
    id: options.id,
    path: `${SIM_PATH_PREFIX}${options.id}`,
    axes,
    baud: intIn('options.baud', options.baud ?? DEFAULT_BAUD, 300, 12_000_000),
    pacing: options.pacing ?? true,
    axisConfigs,
    faults: {
      corruptRate: faults.corruptRate ?? 0,
      dropRate: faults.dropRate ?? 0,
      duplicateRate: faults.duplicateRate ?? 0,
      extraLatencyMs: faults.extraLatencyMs ?? 0,
      direction: faults.direction ?? 'both',
      stuckAxes: [...stuckAxes],
      estopInput: faults.estopInput === true,
    },
    seed: intIn('options.seed', options.seed ?? 1, 0, 2 ** 32 - 1),
    fw,
    rxBytes: intIn('options.rxBytes', options.rxBytes ?? 256, 16, 65_536),
    windowFrames: intIn('options.windowFrames', options.windowFrames ?? 8, 1, 32),
    queueDepth: intIn('options.queueDepth', options.queueDepth ?? 8, 1, 1024),
    watchdogDefaultMs: intIn(
      'options.watchdogDefaultMs',
      options.watchdogDefaultMs ?? 1000,
      WATCHDOG_MIN_MS,
      WATCHDOG_MAX_MS,
    ),
    executedLogLimit: intIn('options.executedLogLimit', options.executedLogLimit ?? 100_000, 0, 10_000_000),
  };
}
