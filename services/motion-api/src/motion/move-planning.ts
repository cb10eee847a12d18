// Move planning: a request in user units checked against the axis's configuration (soft limits
// minUnits/maxUnits, velocity and acceleration maxima and defaults) and turned into the whole counts
// the wire carries (§Commands MOVE, JOG). Pure: no link, no state beyond the positions passed in.

import type { AxisConfig } from '../config/schema.js';
import { MotionError } from '../errors.js';
import {
  countsToPosition,
  countsToUnits,
  positionToCounts,
  unitsToCounts,
  unitsToPositiveCounts,
} from '../units.js';
import { planCoordinated } from './coordinate.js';
import type { NewLeg } from './move-tracker.js';
import type { MoveRequest } from './types.js';

/** A position both ways: the counts sent, and the units they stand for (after rounding). */
export interface Target {
  counts: number;
  units: number;
}

/** A velocity or acceleration: as asked (units) and as sent (positive whole counts, capped at the maximum). */
export interface Rate {
  units: number;
  counts: number;
}

/**
 * The target of a move. `baseCounts` is where a relative move starts: the end of the moves still open
 * on the axis, else its position; undefined when neither is known (AXIS_BUSY). Throws INVALID_MOVE
 * (position and distance together or neither) or TARGET_OUT_OF_RANGE (outside [minUnits, maxUnits]).
 */
export function planTarget(config: AxisConfig, request: MoveRequest, baseCounts: number | undefined): Target {
  const hasPosition = request.position !== undefined;
  const hasDistance = request.distance !== undefined;
  if (hasPosition === hasDistance) {
    throw new MotionError('INVALID_MOVE', 'give exactly one of position and distance', { axis: config.name });
  }
  let units: number;
  if (hasPosition) units = request.position!;
  else {
    if (baseCounts === undefined) {
      throw new MotionError('AXIS_BUSY', `${config.name}: position not known yet`, { axis: config.name });
    }
    units = countsToPosition(baseCounts, config) + request.distance!;
  }
  // Both soft limits, as the controller's SET MIN/MAX would: a target outside never reaches the wire.
  if (!Number.isFinite(units) || units < config.minUnits || units > config.maxUnits) {
    throw new MotionError(
      'TARGET_OUT_OF_RANGE',
      `${units} ${config.unit} is outside [${config.minUnits}, ${config.maxUnits}]`,
      { axis: config.name },
    );
  }
  const counts = positionToCounts(units, config);
  return { counts, units: countsToPosition(counts, config) };
}

/** A move's velocity or acceleration: the configured default when none is asked; (0, max] or *_OUT_OF_RANGE. */
export function planRate(
  config: AxisConfig,
  requested: number | undefined,
  kind: 'velocity' | 'acceleration',
): Rate {
  const max = kind === 'velocity' ? config.maxVelocityUnitsPerS : config.maxAccelerationUnitsPerS2;
  const units =
    requested ??
    (kind === 'velocity' ? config.defaultVelocityUnitsPerS : config.defaultAccelerationUnitsPerS2);
  if (!(units > 0) || units > max) {
    const code = kind === 'velocity' ? 'VELOCITY_OUT_OF_RANGE' : 'ACCELERATION_OUT_OF_RANGE';
    throw new MotionError(code, `${kind} ${units} is outside (0, ${max}]`, { axis: config.name });
  }
  const counts = Math.min(
    unitsToPositiveCounts(units, config.countsPerUnit),
    unitsToPositiveCounts(max, config.countsPerUnit),
  );
  return { units, counts };
}

/** A jog's signed velocity in counts/s; |velocity| above the maximum is VELOCITY_OUT_OF_RANGE. */
export function planJogVelocity(config: AxisConfig, velocityUnitsPerS: number): number {
  if (Math.abs(velocityUnitsPerS) > config.maxVelocityUnitsPerS) {
    throw new MotionError(
      'VELOCITY_OUT_OF_RANGE',
      `|${velocityUnitsPerS}| > ${config.maxVelocityUnitsPerS} ${config.unit}/s`,
      { axis: config.name },
    );
  }
  return unitsToCounts(velocityUnitsPerS, config.countsPerUnit);
}

/** The move tracker's record of one leg, in user units. */
export function legOf(
  config: AxisConfig,
  target: Target,
  velocityUnits: number,
  accelerationUnits: number,
): NewLeg {
  return {
    axis: config.name,
    controller: config.controller,
    targetPosition: target.units,
    velocity: velocityUnits,
    acceleration: accelerationUnits,
    countsPerUnit: config.countsPerUnit,
    countAtZero: config.countAtZero,
  };
}

export interface CoordinatedLegInput {
  config: AxisConfig;
  request: MoveRequest;
  /** The axis's position now (a coordinated move starts from rest, with nothing open). */
  positionCounts: number | undefined;
}

export interface PlannedLeg {
  config: AxisConfig;
  target: Target;
  /** 0 when the axis is already there: no MOVE is sent for it. */
  velocityCountsPerS: number;
  accelerationCountsPerS2: number;
  /** For the move's record: the rates each axis runs, in its units. */
  leg: NewLeg;
}

/** Every axis's target and caps, then one profile for all (coordinate.ts): rates scaled by each distance. */
export function planCoordinatedLegs(inputs: readonly CoordinatedLegInput[]): PlannedLeg[] {
  const legs = inputs.map(({ config, request, positionCounts }) => {
    const target = planTarget(config, request, positionCounts);
    const velocity = planRate(config, request.velocity, 'velocity');
    const acceleration = planRate(config, request.acceleration, 'acceleration');
    return { config, target, velocity, acceleration, distanceCounts: target.counts - (positionCounts ?? 0) };
  });
  const plan = planCoordinated(
    legs.map((l) => ({
      distanceCounts: l.distanceCounts,
      velocityLimitCountsPerS: l.velocity.counts,
      accelerationLimitCountsPerS2: l.acceleration.counts,
    })),
  );
  return legs.map((l, i) => {
    const p = plan.legs[i]!;
    const cpu = l.config.countsPerUnit;
    return {
      config: l.config,
      target: l.target,
      velocityCountsPerS: p.velocityCountsPerS,
      accelerationCountsPerS2: p.accelerationCountsPerS2,
      leg: legOf(
        l.config,
        l.target,
        countsToUnits(p.velocityCountsPerS, cpu),
        countsToUnits(p.accelerationCountsPerS2, cpu),
      ),
    };
  });
}
