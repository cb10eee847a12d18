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
  type SimulatedControllerOptions,
} from './options-schema.js';

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
  fw: string;
  rxBytes: number;
  windowFrames: number;
  queueDepth: number;
  watchdogDefaultMs: number;
  executedLogLimit: number;
}

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
  const limitsInOrder = (axis: ResolvedAxisConfig, at: readonly (string | number)[]) => {
    if (axis.minCounts >= axis.maxCounts) {
      problems.push({
        code: 'CONFIG_CONFLICT',
        segments: [...at, 'minCounts'],
        message: `${[...at, 'minCounts'].join('.')} must be below maxCounts`,
      });
    }
  };
  const base = mergeAxis(DEFAULT_AXIS_CONFIG, options.axisDefaults);
  if (options.axisDefaults) limitsInOrder(base, ['axisDefaults']);
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
      limitsInOrder(mergeAxis(base, patch), ['perAxis', key]);
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
  const base = mergeAxis(DEFAULT_AXIS_CONFIG, checked.axisDefaults);
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
