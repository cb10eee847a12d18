import { createMotionService, type MotionService } from '@servo-edge/motion-api';
import { testConfig } from '@servo-edge/motion-api/testing';
import { describe, expect, it, vi } from 'vitest';
import { UNIT_MODES, type UnitMode } from '../packml/unit-modes.js';
import {
  type AxisOwnershipPolicy,
  decideAxisCommand,
  GUARDED_COMMANDS,
  GUARDED_MEMBERS,
  guardMotionService,
  PASS_THROUGH_MEMBERS,
} from './axis-ownership.js';

const policy: AxisOwnershipPolicy = {
  owners: new Map([
    ['conveyor', 'infeed'],
    ['reject-arm', 'reject'],
  ]),
  maintenanceAllows: ['home', 'enable', 'disable'],
  reducedSpeedFraction: 0.25,
};

describe('the ownership decision', () => {
  it.each(GUARDED_COMMANDS)('Production refuses %s on an owned axis and names the owner', (command) => {
    expect(decideAxisCommand(policy, 'Production', 'reject-arm', command, 180)).toEqual({
      allowed: false,
      owner: 'reject',
      mode: 'Production',
    });
  });

  it('Production leaves an axis no station owns alone, at full speed', () => {
    expect(decideAxisCommand(policy, 'Production', 'lift', 'move', 100)).toEqual({ allowed: true });
  });

  it.each(GUARDED_COMMANDS)('Manual allows %s on every axis at the reduced speed', (command) => {
    expect(decideAxisCommand(policy, 'Manual', 'conveyor', command, 400)).toEqual({
      allowed: true,
      velocityLimit: 100,
    });
  });

  it('Maintenance allows exactly what the config lists on owned axes', () => {
    for (const command of GUARDED_COMMANDS) {
      const decision = decideAxisCommand(policy, 'Maintenance', 'conveyor', command, 400);
      expect(decision.allowed).toBe(policy.maintenanceAllows.includes(command));
    }
  });
});

function fakeMotion(): MotionService & { calls: unknown[][] } {
  const real = createMotionService(testConfig()); // no I/O before start()
  const calls: unknown[][] = [];
  const record =
    (name: string) =>
    async (...args: unknown[]) => {
      calls.push([name, ...args]);
      return {} as never;
    };
  return Object.assign(Object.create(real) as MotionService, {
    calls,
    move: record('move'),
    moveCoordinated: record('moveCoordinated'),
    jog: record('jog'),
    home: record('home'),
    enable: record('enable'),
    disable: record('disable'),
    stop: record('stop'),
  });
}

describe('the guarded motion service', () => {
  it('classifies every member of the real MotionService (a new command cannot slip past)', () => {
    const real = createMotionService(testConfig());
    const members = new Set<string>();
    for (
      let proto = Object.getPrototypeOf(real);
      proto && proto !== Object.prototype;
      proto = Object.getPrototypeOf(proto)
    ) {
      for (const name of Object.getOwnPropertyNames(proto)) {
        if (
          name !== 'constructor' &&
          typeof (real as unknown as Record<string, unknown>)[name] === 'function'
        )
          members.add(name);
      }
    }
    const classified = new Set<string>([...GUARDED_MEMBERS, ...PASS_THROUGH_MEMBERS]);
    const unclassified = [...members].filter((name) => !classified.has(name));
    expect(unclassified).toEqual([]);
  });

  it('refuses a move on an owned axis in Production before anything reaches the controller', async () => {
    const motion = fakeMotion();
    const guarded = guardMotionService(motion, { policy, mode: () => 'Production' });
    await expect(guarded.move('reject-arm', { position: 10 })).rejects.toMatchObject({
      code: 'AXIS_OWNED_BY_LINE',
      status: 409,
      extensions: { axis: 'reject-arm', owner: 'reject', mode: 'Production' },
    });
    await expect(
      guarded.moveCoordinated({
        axes: [
          { axis: 'lift', position: 1 },
          { axis: 'conveyor', position: 1 },
        ],
      }),
    ).rejects.toMatchObject({ code: 'AXIS_OWNED_BY_LINE' });
    expect(motion.calls).toEqual([]);
  });

  it('always passes the software stop, in every mode', async () => {
    for (const mode of UNIT_MODES) {
      const motion = fakeMotion();
      const guarded = guardMotionService(motion, { policy, mode: () => mode });
      await guarded.stop('reject-arm');
      expect(motion.calls).toEqual([['stop', 'reject-arm']]);
    }
  });

  it('caps velocity to the reduced speed in Manual, keeping the sign of a jog', async () => {
    const motion = fakeMotion();
    let mode: UnitMode = 'Manual';
    const guarded = guardMotionService(motion, { policy, mode: () => mode });
    await guarded.jog('conveyor', { velocity: -400 });
    await guarded.move('reject-arm', { position: 5 }); // default velocity 90 > 45
    await guarded.move('reject-arm', { position: 6, velocity: 10 });
    expect(motion.calls).toEqual([
      ['jog', 'conveyor', { velocity: -125 }],
      ['move', 'reject-arm', { position: 5, velocity: 45 }],
      ['move', 'reject-arm', { position: 6, velocity: 10 }],
    ]);
    mode = 'Production';
    await guarded.move('lift', { position: 1 });
    expect(motion.calls.at(-1)).toEqual(['move', 'lift', { position: 1 }]);
  });

  it('refuses an unknown axis with AXIS_NOT_FOUND, as the unguarded service does', async () => {
    const guarded = guardMotionService(fakeMotion(), { policy, mode: () => 'Production' });
    await expect(guarded.home('nope')).rejects.toMatchObject({ code: 'AXIS_NOT_FOUND' });
  });

  it('fails closed on a member it does not know', () => {
    const motion = fakeMotion();
    (motion as unknown as Record<string, unknown>).teleport = vi.fn();
    const guarded = guardMotionService(motion, { policy, mode: () => 'Production' });
    expect(() => (guarded as unknown as { teleport: () => void }).teleport()).toThrowError(
      expect.objectContaining({ code: 'INTERNAL_ERROR' }),
    );
  });
});
