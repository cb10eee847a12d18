// Controller options resolved: checked against their schema (options-schema.ts) by the common config
// walker, with the cross-field checks a schema cannot express, and the defaults filled in.

import {
  type ConfigCheck,
  ConfigError,
  checkConfigValue,
  isMapping,
  parseConfigValue,
  type RawProblem,
} from '@servo-edge/common/config';
import { DEFAULT_BAUD, simPath } from '@servo-edge/firmware-protocol';
import { Type } from '@sinclair/typebox';
import {
  type AxisConfig,
  ControllerOptionsSchema,
  DEFAULT_AXES,
  type LineFaultConfig,
  LineFaultConfigSchema,
  MAX_AXES,
  MIN_POSITION_MAX,
  PROTOCOL_VERSIONS,
  type SimulatedControllerOptions,
} from './options-schema.js';

/** Positions on a v1 wire are signed 32-bit (§Framing). */
const INT32_MAX = 2 ** 31 - 1;
/** A v1-only device's soft limits as it ships: inside int32, so a jog faults LIMIT before the wire overflows. */
const V1_DEFAULT_LIMIT_COUNTS = 2_000_000_000;

/** A run-time change of line faults, checked at the same path as the option. */
const RuntimeFaultsSchema = Type.Object({ faults: LineFaultConfigSchema }, { additionalProperties: false });

export { SIM_PATH_PREFIX } from '@servo-edge/firmware-protocol';
export {
  type AxisConfig,
  DEFAULT_AXES,
  type FaultConfig,
  type FaultDirection,
  type LineFaultConfig,
  MAX_AXES,
  MIN_POSITION_MAX,
  PROTOCOL_VERSIONS,
  type SimulatedControllerOptions,
} from './options-schema.js';

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
  /** The highest protocol version spoken (§v2 Negotiation). */
  protocol: 1 | 2;
  /** §v2 Events: HELLO's ev=. */
  eventWindow: number;
  /** §v2 Positions: HELLO's pmax=; in a v1-only device the int32 bound of its wire. */
  positionMax: number;
  fw: string;
  rxBytes: number;
  windowFrames: number;
  queueDepth: number;
  watchdogDefaultMs: number;
  executedLogLimit: number;
}

export const DEFAULT_AXIS_CONFIG: ResolvedAxisConfig = {
  // Wide soft limits, as a controller ships: the host sets its own with SET MIN / SET MAX. A v2 device
  // (the default) ships with its whole position range, ±pmax (§v2 Positions); see defaultAxisConfig.
  minCounts: -MIN_POSITION_MAX,
  maxCounts: MIN_POSITION_MAX,
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

/** The shipped axis settings of a device speaking up to `protocol` with bound `positionMax`. */
function defaultAxisConfig(protocol: 1 | 2, positionMax: number): ResolvedAxisConfig {
  const limit = protocol === 1 ? V1_DEFAULT_LIMIT_COUNTS : positionMax;
  return { ...DEFAULT_AXIS_CONFIG, minCounts: -limit, maxCounts: limit };
}

/** The largest |position| the device's wire carries: pmax in v2, int32 for a v1-only device. */
function wireBoundOf(options: SimulatedControllerOptions): number {
  return (options.protocol ?? 2) === 1 ? INT32_MAX : (options.positionMax ?? MIN_POSITION_MAX);
}

const POSITION_KEYS = ['minCounts', 'maxCounts', 'startPositionCounts', 'homeSwitchCounts'] as const;

/** An axis's settings over its base; undefined keys (a partially checked value) leave the base. */
function mergeAxis(base: ResolvedAxisConfig, patch: AxisConfig | undefined): ResolvedAxisConfig {
  const merged = { ...base };
  for (const [key, value] of Object.entries(patch ?? {})) {
    if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
  }
  return merged;
}

/**
 * What the schema cannot say: limits in order, axis numbers within `axes`, a clock that is a Clock.
 * `options` is the checked value; `axesRefused` when the schema refused `axes` (then nothing is
 * measured against it, so one mistake gives one problem).
 */
function crossFieldProblems(options: SimulatedControllerOptions, axesRefused: boolean): RawProblem[] {
  const problems: RawProblem[] = [];
  const axes = axesRefused ? MAX_AXES : (options.axes ?? DEFAULT_AXES);
  const bound = wireBoundOf(options);
  const limitsInOrder = (axis: ResolvedAxisConfig, patch: AxisConfig, at: readonly (string | number)[]) => {
    for (const key of POSITION_KEYS) {
      const value = patch[key];
      // §v2 Positions: nothing the device reports may lie beyond what its wire carries.
      if (typeof value === 'number' && Math.abs(value) > bound) {
        problems.push({
          code: 'CONFIG_OUT_OF_RANGE',
          segments: [...at, key],
          message: `${[...at, key].join('.')} must be within ±${bound} (the device's ${bound === INT32_MAX ? 'int32 wire' : 'pmax'})`,
        });
      }
    }
    if (axis.minCounts >= axis.maxCounts) {
      problems.push({
        code: 'CONFIG_CONFLICT',
        segments: [...at, 'minCounts'],
        message: `${[...at, 'minCounts'].join('.')} must be below maxCounts`,
      });
    }
  };
  const protocol = PROTOCOL_VERSIONS.includes(options.protocol as 1 | 2) ? options.protocol! : 2;
  const base = mergeAxis(defaultAxisConfig(protocol, bound), options.axisDefaults);
  if (options.axisDefaults) limitsInOrder(base, options.axisDefaults, ['axisDefaults']);
  for (const [key, patch] of Object.entries(options.perAxis ?? {})) {
    const axis = Number(key);
    if (axis > axes) {
      problems.push({
        code: 'CONFIG_OUT_OF_RANGE',
        segments: ['perAxis', key],
        message: `perAxis: axis ${key} is not in 1..${axes}`,
        atKey: true,
      });
    } else {
      limitsInOrder(mergeAxis(base, patch), patch, ['perAxis', key]);
    }
  }
  (options.faults?.stuckAxes ?? []).forEach((axis, index) => {
    if (axis > axes) {
      problems.push({
        code: 'CONFIG_OUT_OF_RANGE',
        segments: ['faults', 'stuckAxes', index],
        message: `faults.stuckAxes: axis ${axis} is not in 1..${axes}`,
      });
    }
  });
  const clock = options.clock as unknown;
  if (
    clock !== undefined &&
    !(
      isMapping(clock) &&
      typeof clock['monotonicMs'] === 'function' &&
      typeof clock['schedule'] === 'function'
    )
  ) {
    problems.push({
      code: 'CONFIG_WRONG_TYPE',
      segments: ['clock'],
      message: 'clock must be a Clock (monotonicMs, epochMs, schedule, after)',
    });
  }
  return problems;
}

/** Checks options without throwing: the checked options, or every problem with its dotted path. */
export function checkControllerOptions(options: unknown): ConfigCheck<SimulatedControllerOptions> {
  return checkConfigValue(ControllerOptionsSchema, options, {
    check: (value) =>
      crossFieldProblems(
        value as SimulatedControllerOptions,
        isMapping(options) && options['axes'] !== undefined && value.axes === undefined,
      ),
  }) as ConfigCheck<SimulatedControllerOptions>;
}

/**
 * Checks options and fills in defaults. Throws the common ConfigError (code CONFIG_INVALID) listing
 * every problem with its dotted path, e.g. `faults.corruptRate` CONFIG_OUT_OF_RANGE.
 */
export function resolveControllerConfig(options: SimulatedControllerOptions): ResolvedControllerConfig {
  const result = checkControllerOptions(options);
  if (!result.ok) {
    const id = isMapping(options) && typeof options.id === 'string' ? options.id : undefined;
    throw new ConfigError('CONFIG_INVALID', result.problems, {
      source: id === undefined ? 'simulated controller' : simPath(id),
    });
  }
  const checked = result.value;
  const axes = checked.axes ?? DEFAULT_AXES;
  const protocol = checked.protocol ?? 2;
  const positionMax = wireBoundOf(checked);
  const base = mergeAxis(defaultAxisConfig(protocol, positionMax), checked.axisDefaults);
  const axisConfigs: ResolvedAxisConfig[] = [];
  for (let axis = 1; axis <= axes; axis++) axisConfigs.push(mergeAxis(base, checked.perAxis?.[axis]));
  const faults = checked.faults ?? {};
  return {
    id: checked.id,
    path: simPath(checked.id),
    axes,
    baud: checked.baud ?? DEFAULT_BAUD,
    pacing: checked.pacing ?? true,
    axisConfigs,
    faults: {
      corruptRate: faults.corruptRate ?? 0,
      dropRate: faults.dropRate ?? 0,
      duplicateRate: faults.duplicateRate ?? 0,
      extraLatencyMs: faults.extraLatencyMs ?? 0,
      direction: faults.direction ?? 'both',
      stuckAxes: [...(faults.stuckAxes ?? [])],
      estopInput: faults.estopInput === true,
    },
    seed: checked.seed ?? 1,
    protocol,
    eventWindow: checked.eventWindow ?? 16,
    positionMax,
    fw: checked.fw ?? '1.0.0',
    rxBytes: checked.rxBytes ?? 256,
    windowFrames: checked.windowFrames ?? 8,
    queueDepth: checked.queueDepth ?? 8,
    watchdogDefaultMs: checked.watchdogDefaultMs ?? 1000,
    executedLogLimit: checked.executedLogLimit ?? 100_000,
  };
}

/**
 * A run-time change of the line faults (`controller.faults.corruptRate = ...`), checked like the
 * `faults` option. Throws ConfigError CONFIG_INVALID with the problem at `faults.<key>`.
 */
export function checkLineFaults(faults: LineFaultConfig): void {
  parseConfigValue(RuntimeFaultsSchema, { faults }, { source: 'controller.faults' });
}
