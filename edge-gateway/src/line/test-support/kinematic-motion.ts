// Test support: a motion port whose axes move on a ManualClock, so the line controller and the virtual
// line can run together for thousands of products in stepped time. Each move runs for its trapezoid's
// duration (the same planTrapezoid timing the controllers use) with its position interpolated linearly;
// a triggered move starts when the conveyor passes its position; moves on one axis run in order. The
// conveyor jogs at its velocity at once (no ramp). Every position is known on the timeline (positionAt),
// as the simulated controller's is, so the virtual line judges exactly.

import type { ManualClock } from '@servo-edge/common/testing';
import { trapezoidDurationS } from '@servo-edge/firmware-protocol';
import type { AxisStatus, MotionServiceEvent, MoveRecord } from '@servo-edge/motion-api';
import type { LineMotion } from '../line-controller.js';

interface Segment {
  startMs: number;
  endMs: number;
  from: number;
  to: number;
}

interface KinematicAxis {
  name: string;
  segments: Segment[];
  /** The conveyor: jogging since `jog.atMs` from `jog.from` at `jog.velocity`. */
  jog?: { atMs: number; from: number; velocity: number };
  enabled: boolean;
}

export interface KinematicMotion {
  motion: LineMotion;
  positionAt(axis: string, atMs: number): number;
  /** Moves that ended other than done, for a test that makes one fail. */
  failNextMove(axis: string): void;
  /**
   * The axis's next triggered move reaches the controller after the belt passed its trigger: ABORTED
   * why=LATE (§v2 Triggered moves), and it does not move.
   */
  lateNextTriggeredMove(axis: string): void;
}

export function createKinematicMotion(
  clock: ManualClock,
  axisNames: readonly string[],
  options: { conveyor: string; positionTriggeredMoves: boolean },
): KinematicMotion {
  const axes = new Map<string, KinematicAxis>(
    axisNames.map((name) => [name, { name, segments: [], enabled: false }]),
  );
  const moves = new Map<string, { record: MoveRecord; endMs: number; done: Promise<MoveRecord> }>();
  const failing = new Set<string>();
  const late = new Set<string>();
  const listeners = new Set<(e: MotionServiceEvent) => void>();
  let nextMove = 0;
  const get = (name: string) => {
    const axis = axes.get(name);
    if (!axis) throw Object.assign(new Error(`no axis ${name}`), { code: 'AXIS_NOT_FOUND' });
    return axis;
  };

  function positionAt(name: string, atMs: number): number {
    const axis = get(name);
    if (axis.jog) return axis.jog.from + (axis.jog.velocity * Math.max(0, atMs - axis.jog.atMs)) / 1000;
    let position = 0;
    for (const s of axis.segments) {
      if (atMs < s.startMs) break;
      position =
        atMs >= s.endMs ? s.to : s.from + ((s.to - s.from) * (atMs - s.startMs)) / (s.endMs - s.startMs);
    }
    return position;
  }

  /** When the conveyor passes `position` going up, on its current jog; Infinity if it never will. */
  function conveyorReaches(position: number): number {
    const belt = get(options.conveyor);
    const now = clock.monotonicMs();
    const here = positionAt(options.conveyor, now);
    if (here >= position) return now;
    if (!belt.jog || belt.jog.velocity <= 0) return Number.POSITIVE_INFINITY;
    return now + ((position - here) / belt.jog.velocity) * 1000;
  }

  const status = (name: string): AxisStatus => {
    const axis = get(name);
    const now = clock.monotonicMs();
    const open = axis.segments.filter((s) => s.endMs > now).length;
    return {
      name,
      controller: 'ctrl-a',
      position: positionAt(name, now),
      velocity: axis.jog?.velocity ?? 0,
      enabled: axis.enabled,
      homed: true,
      homingRequired: false,
      estop: false,
      state: 'IDLE',
      queue: { device: open, open },
      limits: { maxVelocity: 1e9 },
    } as unknown as AxisStatus;
  };

  const motion: LineMotion = {
    axis: status,
    async jog(name, request) {
      const axis = get(name);
      const now = clock.monotonicMs();
      axis.jog = { atMs: now, from: positionAt(name, now), velocity: request.velocity };
      return status(name) as never;
    },
    async stop(name) {
      const axis = get(name);
      const now = clock.monotonicMs();
      if (axis.jog) axis.jog = { atMs: now, from: positionAt(name, now), velocity: 0 };
      const here = positionAt(name, now);
      axis.segments = axis.segments.filter((s) => s.startMs <= now);
      const last = axis.segments.at(-1);
      if (last && last.endMs > now) Object.assign(last, { endMs: now, to: here });
      return status(name);
    },
    async enable(name) {
      get(name).enabled = true;
      return status(name);
    },
    async home(name) {
      return { axis: name, status: 'homed' } as never;
    },
    async move(name, request) {
      const axis = get(name);
      const now = clock.monotonicMs();
      const queuedEnd = axis.segments.at(-1)?.endMs ?? now;
      const from = axis.segments.at(-1)?.to ?? positionAt(name, now);
      const to = request.position ?? from + (request.distance ?? 0);
      let startMs = Math.max(now, queuedEnd);
      if (request.trigger) {
        if (!options.positionTriggeredMoves)
          throw Object.assign(new Error('no TRIG'), { code: 'UNSUPPORTED' });
        if (late.delete(name)) {
          const moveId = `m${++nextMove}`;
          const record = { moveId, status: 'queued', error: null } as unknown as MoveRecord;
          const aborted = { ...record, status: 'aborted', error: { code: 'MOVE_ABORTED', reason: 'LATE' } };
          moves.set(moveId, { record, endMs: startMs, done: Promise.resolve(aborted as MoveRecord) });
          return record;
        }
        startMs = Math.max(startMs, conveyorReaches(request.trigger.position!));
      }
      const durationMs =
        1000 * trapezoidDurationS(Math.abs(to - from), request.velocity ?? 1000, request.acceleration ?? 1e6);
      const segment = { startMs, endMs: startMs + durationMs, from, to };
      axis.segments.push(segment);
      const moveId = `m${++nextMove}`;
      const fail = failing.delete(name);
      const record = { moveId, status: 'queued', error: null } as unknown as MoveRecord;
      const done = new Promise<MoveRecord>((resolve) => {
        clock.schedule(segment.endMs as never, () =>
          resolve({
            ...record,
            status: fail ? 'aborted' : 'done',
            error: fail ? { code: 'MOVE_ABORTED', detail: 'following error', reason: 'FAULT' } : null,
          } as MoveRecord),
        );
      });
      moves.set(moveId, { record, endMs: segment.endMs, done });
      // Keep the history short: a long run queues thousands of moves per axis.
      if (axis.segments.length > 64) axis.segments.splice(0, axis.segments.length - 64);
      return record;
    },
    async waitForMove(moveId) {
      const move = moves.get(moveId)!;
      const result = await move.done;
      moves.delete(moveId);
      return result;
    },
    controllers() {
      return [
        {
          id: 'ctrl-a',
          connected: true,
          proto: 2,
          missingFeatures: [],
          capabilities: { positionTriggeredMoves: options.positionTriggeredMoves },
        },
      ] as never;
    },
    estop() {
      return { delivered: true, controllers: [] };
    },
    async resetEstop() {
      return { ok: true, controllers: [] };
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return {
    motion,
    positionAt,
    failNextMove: (axis) => failing.add(axis),
    lateNextTriggeredMove: (axis) => late.add(axis),
  };
}
