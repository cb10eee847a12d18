// Who may command an axis, by unit mode (ANSI/ISA-TR88.00.02 §5.1): in Production the line owns its
// stations' axes and outside clients may only stop them; in Manual an operator may move every axis at
// a reduced speed; Maintenance allows what the config lists. The line itself uses the raw motion
// service; REST clients get the guarded one, so a refused command never reaches a controller.

import { MotionError, type MotionService } from '@servo-edge/motion-api';
import type { UnitMode } from '../packml/unit-modes.js';

/** What an outside client asks of one axis. Stop is absent: a software stop is always accepted. */
export const GUARDED_COMMANDS = ['move', 'jog', 'home', 'enable', 'disable'] as const;
export type GuardedCommand = (typeof GUARDED_COMMANDS)[number];

export interface AxisOwnershipPolicy {
  /** Axis name → the station that owns it while the line is in Production. */
  owners: ReadonlyMap<string, string>;
  /** Commands Maintenance allows on owned axes (the rest are refused as in Production). */
  maintenanceAllows: readonly GuardedCommand[];
  /**
   * Fraction of an axis's configured maximum velocity allowed outside Production, as machines limit
   * speed in setup modes (EN 60204-1 §9.2.3.4 "reduced speed" for set-up; the value is the builder's).
   */
  reducedSpeedFraction: number;
}

export type OwnershipDecision =
  | { allowed: true; velocityLimit?: number }
  | { allowed: false; owner: string; mode: UnitMode };

/** Pure: the decision for one command on one axis in one mode. */
export function decideAxisCommand(
  policy: AxisOwnershipPolicy,
  mode: UnitMode,
  axis: string,
  command: GuardedCommand,
  maxVelocity: number,
): OwnershipDecision {
  const owner = policy.owners.get(axis);
  const reduced = { allowed: true as const, velocityLimit: maxVelocity * policy.reducedSpeedFraction };
  if (mode === 'Manual') return reduced;
  if (owner === undefined) return mode === 'Production' ? { allowed: true } : reduced;
  if (mode === 'Maintenance' && policy.maintenanceAllows.includes(command)) return reduced;
  return { allowed: false, owner, mode };
}

/** The members that command one or more axes: checked against the policy before they run. */
export const GUARDED_MEMBERS = ['move', 'moveCoordinated', 'jog', 'home', 'enable', 'disable'] as const;

/**
 * Every other MotionService member, classified. A member added to the interface and left out here fails
 * axis-ownership.test.ts, so a new command cannot slip past the guard unclassified.
 */
export const PASS_THROUGH_MEMBERS = [
  'start',
  'close',
  'isReady',
  'whenReady',
  'listAxes',
  'axis',
  'controllers',
  'getMove',
  'waitForMove',
  'stop',
  // Renewing a jog's lease extends a jog the guard already allowed; cancelling a move is a stop.
  'renewJog',
  'cancelMove',
  'estop',
  'resetEstop',
  'subscribe',
] as const;

export interface GuardContext {
  policy: AxisOwnershipPolicy;
  mode: () => UnitMode;
}

/** The motion service as outside clients see it: the same object, with owned axes guarded. */
export function guardMotionService(motion: MotionService, context: GuardContext): MotionService {
  const check = (axis: string, command: GuardedCommand): number | undefined => {
    const status = motion.axis(axis); // throws AXIS_NOT_FOUND first, as the unguarded call would
    const decision = decideAxisCommand(
      context.policy,
      context.mode(),
      axis,
      command,
      status.limits.maxVelocity,
    );
    if (!decision.allowed) {
      throw new MotionError(
        'AXIS_OWNED_BY_LINE',
        `${axis} belongs to the line's ${decision.owner} station in ${decision.mode} mode; switch the line to Manual or Maintenance to command it.`,
        { axis, owner: decision.owner, mode: decision.mode },
      );
    }
    return decision.velocityLimit;
  };
  const capped = (velocity: number | undefined, limit: number | undefined, fallback: number) => {
    if (limit === undefined) return velocity;
    const requested = velocity ?? fallback;
    return Math.sign(requested) * Math.min(Math.abs(requested), limit);
  };

  const guarded: Pick<MotionService, (typeof GUARDED_MEMBERS)[number]> = {
    move: async (axis, request) => {
      const limit = check(axis, 'move');
      const velocity = capped(request.velocity, limit, motion.axis(axis).defaults.velocity);
      return motion.move(axis, velocity === undefined ? request : { ...request, velocity });
    },
    moveCoordinated: async (request) => {
      const axes = request.axes.map((entry) => {
        const limit = check(entry.axis, 'move');
        const velocity = capped(entry.velocity, limit, motion.axis(entry.axis).defaults.velocity);
        return velocity === undefined ? entry : { ...entry, velocity };
      });
      return motion.moveCoordinated({ ...request, axes });
    },
    jog: async (axis, request) => {
      const limit = check(axis, 'jog');
      return motion.jog(axis, { ...request, velocity: capped(request.velocity, limit, 0) ?? 0 });
    },
    home: async (axis, options) => {
      check(axis, 'home');
      return motion.home(axis, options);
    },
    enable: async (axis) => {
      check(axis, 'enable');
      return motion.enable(axis);
    },
    disable: async (axis) => {
      check(axis, 'disable');
      return motion.disable(axis);
    },
  };
  return new Proxy(motion, {
    get(target, property, receiver) {
      if (typeof property === 'string' && property in guarded) {
        return guarded[property as keyof typeof guarded];
      }
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      // Fail closed: a command added to MotionService and not classified here is refused, not passed.
      if (!(PASS_THROUGH_MEMBERS as readonly (string | symbol)[]).includes(property)) {
        return () => {
          throw new MotionError(
            'INTERNAL_ERROR',
            `MotionService.${String(property)} is not classified by the axis guard`,
          );
        };
      }
      return value.bind(target);
    },
  });
}
