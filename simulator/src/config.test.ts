// Options are bounds-checked at creation and unknown keys are rejected as typos.

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
    { id: 'a', axis: 3 },
    { id: 'a b' },
    { id: 'a', axes: 0 },
    { id: 'a', axes: 17 },
    { id: 'a', windowFrames: 33 },
    { id: 'a', watchdogDefaultMs: 99 },
    { id: 'a', baud: 1.5 },
    { id: 'a', faults: { corruptRate: 2 } },
    { id: 'a', faults: { stuckAxes: [5] } },
    { id: 'a', faults: { direction: 'up' } },
    { id: 'a', faults: { stuck: [1] } },
    { id: 'a', axisDefaults: { vmax: 1 } },
    { id: 'a', axisDefaults: { minCounts: 5, maxCounts: 5 } },
    { id: 'a', axisDefaults: { homeDirection: 0 } },
    { id: 'a', perAxis: { 9: {} } },
    { id: 'a', fw: '1.0' },
  ])('rejects %j with SIM_CONFIG_INVALID', (options) => {
    expect(() => resolveControllerConfig(options as unknown as SimulatedControllerOptions)).toThrow(
      expect.objectContaining({ code: 'SIM_CONFIG_INVALID' }),
    );
  });
});
