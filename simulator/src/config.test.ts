// Options are bounds-checked at creation and unknown keys are rejected as typos, with the common
// config problem codes and dotted paths.

import { ConfigError } from '@servo-edge/common/config';
import { ManualClock } from '@servo-edge/common/testing';
import { describe, expect, it } from 'vitest';
import { DEFAULT_AXIS_CONFIG, resolveControllerConfig, type SimulatedControllerOptions } from './config.js';

describe('resolveControllerConfig', () => {
  it('fills in the documented defaults', () => {
    const config = resolveControllerConfig({ id: 'a' });
    expect(config).toMatchObject({
      path: 'sim://a',
      axes: 4,
      baud: 115_200,
      pacing: true,
      rxBytes: 256,
      windowFrames: 8,
      queueDepth: 8,
      watchdogDefaultMs: 1000,
      fw: '1.0.0',
    });
    expect(config.axisConfigs).toEqual([
      DEFAULT_AXIS_CONFIG,
      DEFAULT_AXIS_CONFIG,
      DEFAULT_AXIS_CONFIG,
      DEFAULT_AXIS_CONFIG,
    ]);
  });

  it('layers perAxis over axisDefaults', () => {
    const config = resolveControllerConfig({
      id: 'a',
      axes: 2,
      axisDefaults: { vmaxCountsPerS: 10 },
      perAxis: { 2: { vmaxCountsPerS: 20, homeSwitchCounts: null } },
    });
    expect(config.axisConfigs.map((c) => [c.vmaxCountsPerS, c.homeSwitchCounts])).toEqual([
      [10, -2000],
      [20, null],
    ]);
  });

  it.each([
    { options: { id: 'a', axis: 3 }, code: 'CONFIG_UNKNOWN_KEY', path: 'axis' },
    { options: { id: 'a b' }, code: 'CONFIG_BAD_VALUE', path: 'id' },
    { options: { id: 'a', axes: 0 }, code: 'CONFIG_OUT_OF_RANGE', path: 'axes' },
    { options: { id: 'a', axes: 17 }, code: 'CONFIG_OUT_OF_RANGE', path: 'axes' },
    { options: { id: 'a', windowFrames: 33 }, code: 'CONFIG_OUT_OF_RANGE', path: 'windowFrames' },
    { options: { id: 'a', watchdogDefaultMs: 99 }, code: 'CONFIG_OUT_OF_RANGE', path: 'watchdogDefaultMs' },
    { options: { id: 'a', baud: 1.5 }, code: 'CONFIG_WRONG_TYPE', path: 'baud' },
    {
      options: { id: 'a', faults: { corruptRate: 2 } },
      code: 'CONFIG_OUT_OF_RANGE',
      path: 'faults.corruptRate',
    },
    {
      options: { id: 'a', faults: { stuckAxes: [5] } },
      code: 'CONFIG_OUT_OF_RANGE',
      path: 'faults.stuckAxes[0]',
    },
    { options: { id: 'a', faults: { direction: 'up' } }, code: 'CONFIG_BAD_VALUE', path: 'faults.direction' },
    { options: { id: 'a', faults: { stuck: [1] } }, code: 'CONFIG_UNKNOWN_KEY', path: 'faults.stuck' },
    {
      options: { id: 'a', axisDefaults: { vmax: 1 } },
      code: 'CONFIG_UNKNOWN_KEY',
      path: 'axisDefaults.vmax',
    },
    {
      options: { id: 'a', axisDefaults: { minCounts: 5, maxCounts: 5 } },
      code: 'CONFIG_CONFLICT',
      path: 'axisDefaults.minCounts',
    },
    {
      options: { id: 'a', axisDefaults: { homeDirection: 0 } },
      code: 'CONFIG_BAD_VALUE',
      path: 'axisDefaults.homeDirection',
    },
    { options: { id: 'a', perAxis: { 9: {} } }, code: 'CONFIG_OUT_OF_RANGE', path: 'perAxis.9' },
    { options: { id: 'a', perAxis: { x: {} } }, code: 'CONFIG_BAD_VALUE', path: 'perAxis.x' },
    { options: { id: 'a', fw: '1.0' }, code: 'CONFIG_BAD_VALUE', path: 'fw' },
    { options: { id: 'a', clock: { now: () => 0 } }, code: 'CONFIG_WRONG_TYPE', path: 'clock' },
    { options: { axes: 2 }, code: 'CONFIG_MISSING_KEY', path: 'id' },
  ])('rejects $options with ConfigError CONFIG_INVALID: $code at $path', ({ options, code, path }) => {
    let thrown: unknown;
    try {
      resolveControllerConfig(options as unknown as SimulatedControllerOptions);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect(thrown).toMatchObject({ code: 'CONFIG_INVALID', problems: [{ code, path }] });
  });

  it('reports every problem at once, and each mistake once', () => {
    let thrown: ConfigError | undefined;
    try {
      resolveControllerConfig({
        id: 'a',
        axes: 17,
        perAxis: { 9: {} },
        faults: { corruptRate: -1 },
      } as unknown as SimulatedControllerOptions);
    } catch (error) {
      thrown = error as ConfigError;
    }
    // axes is refused, so perAxis.9 is not measured against it.
    expect(thrown?.problems.map((p) => [p.code, p.path])).toEqual([
      ['CONFIG_OUT_OF_RANGE', 'axes'],
      ['CONFIG_OUT_OF_RANGE', 'faults.corruptRate'],
    ]);
  });

  it('takes a Clock and keeps perAxis null home switches', () => {
    const config = resolveControllerConfig({
      id: 'a',
      clock: new ManualClock(),
      perAxis: { 1: { homeSwitchCounts: null } },
    });
    expect(config.axisConfigs[0]?.homeSwitchCounts).toBeNull();
  });
});
