// Test support: a motion port whose axes move on a ManualClock, so the line controller and the virtual
// line can run together for thousands of products in stepped time. Each move runs for its trapezoid's
// duration (the same planTrapezoid timing the controllers use) with its position interpolated linearly;
// a triggered move starts when the conveyor passes its position; moves on one axis run in order. The
// conveyor jogs at its velocity at once (no ramp). Every position is known on the timeline (positionAt),
// as the simulated controller's is, so the virtual line judges exactly.

import type { ManualClock } from '@servo-edge/common/testing';
import { trapezoidDurationS } from '@servo-edge/firmware-protocol';
import type { AxisStatus, MotionServiceEvent, MoveRecord, MoveRequest } from '@servo-edge/motion-api';
import type { LineMotion } from '../line-controller.js';

interface Segment {
  startMs: number;
  endMs: number;
  from: number;
  to: number;
  /** The move it runs, ended aborted if a stop cuts it short or drops it. */
  moveId: string;
}

interface KinematicAxis {
  name: string;
  segments: Segment[];
  /** The conveyor: jogging since `jog.atMs` from `jog.from` at `jog.velocity`. */
  jog?: { atMs: number; from: number; velocity: number };
  enabled: boolean;
  /**
   * Moves the host has sent and not yet heard the end of, and the target of the last: as the motion
   * service does, a relative move chains from that target while any is open, else from the position.
   */
  open: number;
  commanded: number;
}

export interface KinematicMotion {
  motion: LineMotion;
  positionAt(axis: string, atMs: number): number;
  /** Moves that ended other than done, for a test that makes one fail. */
  failNextMove(axis: string): void;
  /**
   * The axis's next triggered move reaches the controller after the belt passed its trigger: ABORTED
   * why=LATE (§v2 Triggered moves) and does not move; the host hears of it `reportAfterMs` later (a
   * serial round trip, or longer if its reader stalled).
   */
  lateNextTriggeredMove(
    axis: string,
    reportAfterMs?: number,
    which?: (request: MoveRequest) => boolean,
  ): void;
  /** The link's requests waiting or unanswered, as the controller's health reports them. */
  setLinkBacklog(requests: number): void;
  /** Every move this model ran or refused, per axis, in order: what the controller saw. */
  history(axis: string): { moveId: string; from: number; to: number; status: string }[];
}

/** How long after a LATE move was sent its ABORTED reaches the host (a serial round trip). */
const LATE_REPORT_MS = 3;

export function createKinematicMotion(
  clock: ManualClock,
  axisNames: readonly string[],
  options: { conveyor: string; positionTriggeredMoves: boolean; positionTriggeredSteps?: boolean },
): KinematicMotion {
  const axes = new Map<string, KinematicAxis>(
    axisNames.map((name) => [name, { name, segments: [], enabled: false, open: 0, commanded: 0 }]),
  );
  interface Move {
    record: MoveRecord;
    done: Promise<MoveRecord>;
    end(status: 'done' | 'aborted', error: MoveRecord['error']): void;
  }
  const moves = new Map<string, Move>();
  const history = new Map<string, { moveId: string; from: number; to: number; status: string }[]>();
  const failing = new Set<string>();
  const late = new Map<string, { reportAfterMs: number; which: (request: MoveRequest) => boolean }>();
  const listeners = new Set<(e: MotionServiceEvent) => void>();
  let nextMove = 0;
  let linkBacklog = 0;
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
      const stopped = { code: 'MOVE_ABORTED', reason: 'STOP' } as MoveRecord['error'];
      // The controller drops its queue and cuts the running move short (§v2 STOP): both end aborted.
      for (const s of axis.segments.filter((s) => s.startMs > now))
        moves.get(s.moveId)?.end('aborted', stopped);
      axis.segments = axis.segments.filter((s) => s.startMs <= now);
      const last = axis.segments.at(-1);
      if (last && last.endMs > now) {
        Object.assign(last, { endMs: now, to: here });
        moves.get(last.moveId)?.end('aborted', stopped);
      }
      axis.commanded = here;
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
      // Where the axis will physically be when this move starts, and the target the host planned.
      const from = axis.segments.at(-1)?.to ?? positionAt(name, now);
      const base = axis.open > 0 ? axis.commanded : positionAt(name, now);
      // A step (§v2 Triggered steps) counts from where the axis stands when it fires: where the moves
      // queued before it physically end, a LATE one (never run) not among them.
      const step = request.trigger?.distanceFrom === 'trigger';
      if (step && !options.positionTriggeredSteps)
        throw Object.assign(new Error('no TSTEP'), { code: 'NOT_SUPPORTED_BY_CONTROLLER' });
      const to = request.position ?? (step ? from : base) + (request.distance ?? 0);
      const moveId = `m${++nextMove}`;
      // The leg's `started` is set as the controller's STARTED would be heard (a triggered move firing).
      const record = {
        moveId,
        status: 'queued',
        error: null,
        legs: [{ started: null }],
      } as unknown as MoveRecord;
      const log = history.get(name) ?? [];
      history.set(name, log);
      const entry = { moveId, from, to, status: 'queued' };
      log.push(entry);
      let resolve!: (r: MoveRecord) => void;
      const done = new Promise<MoveRecord>((r) => {
        resolve = r;
      });
      const move: Move = {
        record,
        done,
        end(status, error) {
          if (entry.status !== 'queued') return;
          entry.status = status;
          axis.open--;
          resolve({ ...record, status, error } as MoveRecord);
        },
      };
      moves.set(moveId, move);
      axis.open++;
      axis.commanded = to;
      let startMs = Math.max(now, queuedEnd);
      if (request.trigger) {
        if (!options.positionTriggeredMoves) {
          move.end('aborted', null);
          throw Object.assign(new Error('no TRIG'), { code: 'UNSUPPORTED' });
        }
        const lateOne = late.get(name);
        if (lateOne?.which(request)) {
          late.delete(name);
          const { reportAfterMs } = lateOne;
          const error = { code: 'MOVE_ABORTED', reason: 'LATE' } as MoveRecord['error'];
          clock.schedule((now + reportAfterMs) as never, () => move.end('aborted', error));
          return record;
        }
        startMs = Math.max(startMs, conveyorReaches(request.trigger.position!));
      }
      const durationMs =
        1000 * trapezoidDurationS(Math.abs(to - from), request.velocity ?? 1000, request.acceleration ?? 1e6);
      const segment = { startMs, endMs: startMs + durationMs, from, to, moveId };
      axis.segments.push(segment);
      if (request.trigger && Number.isFinite(startMs)) {
        clock.schedule(startMs as never, () => {
          if (entry.status === 'queued') record.legs[0]!.started = { deviceTimeMs: startMs, at: '' };
        });
      }
      const fail = failing.delete(name);
      clock.schedule(segment.endMs as never, () =>
        fail
          ? move.end('aborted', { code: 'MOVE_ABORTED', detail: 'following error', reason: 'FAULT' } as never)
          : move.end('done', null),
      );
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
          pendingRequests: linkBacklog,
          capabilities: {
            positionTriggeredMoves: options.positionTriggeredMoves,
            positionTriggeredSteps: options.positionTriggeredSteps === true,
          },
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
    lateNextTriggeredMove: (axis, reportAfterMs = LATE_REPORT_MS, which = () => true) =>
      late.set(axis, { reportAfterMs, which }),
    history: (axis) => history.get(axis) ?? [],
    setLinkBacklog: (requests) => {
      linkBacklog = requests;
    },
  };
}
