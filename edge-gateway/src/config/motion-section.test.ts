// The motion section through the motion API's loader: valid sections pass, problems come back under motion.*.

import { describe, expect, it } from 'vitest';
import { checkConfigText } from './load.js';
import { validateMotionSection } from './motion-section.js';

const axis = {
  name: 'conveyor',
  controller: 'ctrl-a',
  axis: 1,
  unit: 'mm',
  countsPerUnit: 10,
  minUnits: -1000,
  maxUnits: 1000,
  maxVelocityUnitsPerS: 3000,
  maxAccelerationUnitsPerS2: 10_000,
  defaultVelocityUnitsPerS: 1000,
  defaultAccelerationUnitsPerS2: 5000,
};
const section = { controllers: [{ id: 'ctrl-a', path: 'sim://ctrl-a' }], axes: [axis] };

describe('validateMotionSection', () => {
  it('accepts a valid motion section', () => {
    expect(validateMotionSection(section, {})).toEqual([]);
  });

  it("reports the motion API's problems with gateway-style paths", () => {
    const problems = validateMotionSection({ ...section, axes: [{ ...axis, minUnits: 5, maxUnits: 1 }] }, {});
    expect(problems).toEqual([expect.objectContaining({ path: 'axes[0].maxUnits', code: 'CONFIG_INVALID' })]);
  });

  it('refuses http and auth inside motion: the gateway owns them', () => {
    const problems = validateMotionSection({ ...section, http: { port: 1 }, auth: {} }, {});
    expect(problems.map((p) => [p.path, p.code])).toEqual([
      ['http', 'GATEWAY_OWNED'],
      ['auth', 'GATEWAY_OWNED'],
    ]);
  });

  it('plugs into the gateway loader: problems appear as EDGE_CONFIG_MOTION_INVALID under motion.', () => {
    const text = `
auth:
  keys: [{ name: admin, key: admin-secret-0123456789, role: admin }]
motion:
  controllers: []
`;
    const result = checkConfigText(text, { env: {}, validateMotion: validateMotionSection });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problems.every((p) => p.code === 'EDGE_CONFIG_MOTION_INVALID')).toBe(true);
      expect(result.problems.map((p) => p.path)).toContain('motion.controllers');
    }
  });
});

describe('line axes against the motion section', () => {
  it('line.axes must name declared motion axes', () => {
    const text = `
auth:
  keys: [{ name: admin, key: admin-secret-0123456789, role: admin }]
line:
  axes: { conveyor: conveyor, rejectArm: rejct-arm }
motion:
  controllers: [{ id: ctrl-a, path: "sim://ctrl-a" }]
  axes:
    - { name: conveyor, controller: ctrl-a, axis: 1, unit: mm, countsPerUnit: 10, minUnits: 0, maxUnits: 10, maxVelocityUnitsPerS: 1, maxAccelerationUnitsPerS2: 1, defaultVelocityUnitsPerS: 1, defaultAccelerationUnitsPerS2: 1 }
    - { name: reject-arm, controller: ctrl-a, axis: 2, unit: deg, countsPerUnit: 10, minUnits: 0, maxUnits: 10, maxVelocityUnitsPerS: 1, maxAccelerationUnitsPerS2: 1, defaultVelocityUnitsPerS: 1, defaultAccelerationUnitsPerS2: 1 }
`;
    const result = checkConfigText(text, { env: {}, validateMotion: validateMotionSection });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problems).toEqual([
        expect.objectContaining({
          code: 'EDGE_CONFIG_CONFLICT',
          path: 'line.axes.rejectArm',
          suggestions: ['reject-arm'],
        }),
      ]);
    }
  });
});
