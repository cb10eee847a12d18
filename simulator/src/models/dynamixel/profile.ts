// The velocity-based profile an X-series servo runs toward a Goal Position (ROBOTIS e-Manual, X-series
// §Profile Velocity(112)): Profile Velocity 0 is a step (no profile), Profile Acceleration 0 with a
// velocity a rectangular profile, both set a triangular or trapezoidal one depending on the distance; a
// new goal while moving starts from the present velocity ("Velocity Override"). Positions in pulses,
// time in ms. The servo's jerk limiting (the manual's t4 > t3 note) is not modelled.

/** One stretch of constant acceleration. */
export interface MotionSegment {
  startMs: number;
  /** Infinity for the last stretch of a velocity command. */
  durationMs: number;
  startPulses: number;
  startPulsesPerMs: number;
  accelerationPulsesPerMs2: number;
}

/** Moving Status (123) bits 4-5. */
export type ProfileType = 'step' | 'rectangular' | 'triangular' | 'trapezoidal';

export interface MotionPlan {
  segments: MotionSegment[];
  /** Where the plan ends (a goal position), or undefined for a velocity command. */
  endPulses: number | undefined;
  endMs: number;
  type: ProfileType;
}

export interface MotionState {
  pulses: number;
  pulsesPerMs: number;
}

/** State at `atMs` (held at the plan's end after it). */
export function evaluate(plan: MotionPlan, atMs: number): MotionState {
  let state: MotionState = { pulses: plan.segments[0]?.startPulses ?? plan.endPulses ?? 0, pulsesPerMs: 0 };
  for (const segment of plan.segments) {
    if (atMs < segment.startMs) break;
    const t = Math.min(atMs - segment.startMs, segment.durationMs);
    const a = segment.accelerationPulsesPerMs2;
    state = {
      pulses: segment.startPulses + segment.startPulsesPerMs * t + 0.5 * a * t * t,
      pulsesPerMs: segment.startPulsesPerMs + a * t,
    };
  }
  if (plan.endPulses !== undefined && atMs >= plan.endMs) return { pulses: plan.endPulses, pulsesPerMs: 0 };
  return state;
}

class Builder {
  readonly segments: MotionSegment[] = [];
  constructor(
    public atMs: number,
    public pulses: number,
    public pulsesPerMs: number,
  ) {}

  add(accelerationPulsesPerMs2: number, durationMs: number): void {
    if (!(durationMs > 0)) return;
    this.segments.push({
      startMs: this.atMs,
      durationMs,
      startPulses: this.pulses,
      startPulsesPerMs: this.pulsesPerMs,
      accelerationPulsesPerMs2,
    });
    if (durationMs === Number.POSITIVE_INFINITY) return;
    this.pulses += this.pulsesPerMs * durationMs + 0.5 * accelerationPulsesPerMs2 * durationMs * durationMs;
    this.pulsesPerMs += accelerationPulsesPerMs2 * durationMs;
    this.atMs += durationMs;
  }
}

/** Holding still at `pulses`. */
export function holdPlan(atMs: number, pulses: number): MotionPlan {
  return { segments: [], endPulses: pulses, endMs: atMs, type: 'step' };
}

/**
 * From `from` at `atMs` to `goalPulses` with at most `velocity` (pulses/ms, > 0) and `acceleration`
 * (pulses/ms², Infinity for a rectangular profile).
 */
export function planMove(
  atMs: number,
  from: MotionState,
  goalPulses: number,
  velocity: number,
  acceleration: number,
  type: ProfileType,
): MotionPlan {
  const b = new Builder(atMs, from.pulses, from.pulsesPerMs);
  let planned: ProfileType = type;
  if (acceleration === Number.POSITIVE_INFINITY) {
    const distance = goalPulses - b.pulses;
    b.pulsesPerMs = Math.sign(distance) * velocity;
    b.add(0, Math.abs(distance) / velocity);
  } else {
    // Moving away from the goal, or too fast to stop before it: brake to rest first.
    const direction0 = Math.sign(goalPulses - b.pulses);
    const stopping = (b.pulsesPerMs * b.pulsesPerMs) / (2 * acceleration);
    if (b.pulsesPerMs * direction0 < 0 || stopping > Math.abs(goalPulses - b.pulses)) {
      b.add(-Math.sign(b.pulsesPerMs) * acceleration, Math.abs(b.pulsesPerMs) / acceleration);
      b.pulsesPerMs = 0;
    }
    const distance = Math.abs(goalPulses - b.pulses);
    const direction = Math.sign(goalPulses - b.pulses);
    const v0 = Math.abs(b.pulsesPerMs);
    if (distance > 0) {
      // The peak the distance allows (accelerating from v0, then braking to 0).
      const reachable = Math.sqrt(acceleration * distance + (v0 * v0) / 2);
      const peak = Math.min(velocity, reachable);
      if (v0 > peak) {
        b.add(-direction * acceleration, (v0 - peak) / acceleration);
      } else {
        b.add(direction * acceleration, (peak - v0) / acceleration);
      }
      const braking = (peak * peak) / (2 * acceleration);
      const cruise = Math.abs(goalPulses - b.pulses) - braking;
      if (cruise > 1e-9) b.add(0, cruise / peak);
      b.add(-direction * acceleration, peak / acceleration);
      planned = peak < velocity - 1e-12 ? 'triangular' : 'trapezoidal';
    }
  }
  return { segments: b.segments, endPulses: goalPulses, endMs: b.atMs, type: planned };
}

/** Velocity Control Mode: ramp to `velocity` (signed) at `acceleration` (Infinity: at once), then hold it. */
export function planVelocity(
  atMs: number,
  from: MotionState,
  velocity: number,
  acceleration: number,
): MotionPlan {
  const b = new Builder(atMs, from.pulses, from.pulsesPerMs);
  if (acceleration === Number.POSITIVE_INFINITY) {
    b.pulsesPerMs = velocity;
  } else {
    const delta = velocity - b.pulsesPerMs;
    b.add(Math.sign(delta) * acceleration, Math.abs(delta) / acceleration);
    b.pulsesPerMs = velocity;
  }
  b.add(0, Number.POSITIVE_INFINITY);
  return { segments: b.segments, endPulses: undefined, endMs: Number.POSITIVE_INFINITY, type: 'trapezoidal' };
}
