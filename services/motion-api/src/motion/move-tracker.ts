// Every move the API has been asked for, from request to outcome: one record per request (one leg per
// axis), an index from (controller, MOVE seq) to the leg its DONE/ABORTED settles, waiters for
// ?wait=true, and a bounded history of finished moves for GET /moves/:id.

import { randomUUID } from 'node:crypto';
import type { MotionErrorCode } from '../errors.js';

/**
 * sending: handed to the link, no reply yet. queued: the controller accepted it (OK).
 * done / aborted: the controller reported DONE / ABORTED. failed: certainly never executed
 * (refused by the controller, or never written). unknown: sight of it was lost after it was written
 * (link lost, timeout, reboot); it is never re-sent, and becomes done/aborted only if the controller
 * reports it after reconnecting.
 */
export type MoveStatus = 'sending' | 'queued' | 'done' | 'aborted' | 'failed' | 'unknown';

const FINAL: ReadonlySet<MoveStatus> = new Set(['done', 'aborted', 'failed']);
/** States a waiter is answered in (unknown may still improve, but the caller must hear of it now). */
const ANSWERED: ReadonlySet<MoveStatus> = new Set(['done', 'aborted', 'failed', 'unknown']);

export interface MoveProblem {
  code: MotionErrorCode;
  detail: string;
}

/** One axis's part of a move, in user units. */
export interface MoveLeg {
  axis: string;
  controller: string;
  /** The target, in the axis's units. */
  targetPosition: number;
  velocity: number;
  acceleration: number;
  status: MoveStatus;
  /** Where the controller reported the axis at DONE/ABORTED, in units. */
  finalPosition: number | null;
  error: MoveProblem | null;
}

export interface MoveRecord {
  moveId: string;
  /** single: POST /axes/:name/move. coordinated: POST /moves. */
  kind: 'single' | 'coordinated';
  status: MoveStatus;
  /** Wall-clock times, ISO 8601. */
  createdAt: string;
  settledAt: string | null;
  legs: MoveLeg[];
  error: MoveProblem | null;
}

interface LegEntry {
  leg: MoveLeg;
  move: MoveEntry;
  seq: number | undefined;
  /** Position in the service's send order (across controllers), for reconcile(). */
  sentOrder: number;
  countsPerUnit: number;
  countAtZero: number;
}

interface MoveEntry {
  record: MoveRecord;
  legs: LegEntry[];
  waiters: ((record: MoveRecord) => void)[];
}

export interface NewLeg {
  axis: string;
  controller: string;
  targetPosition: number;
  velocity: number;
  acceleration: number;
  countsPerUnit: number;
  /** The axis's count at user-unit zero (0 when absent). */
  countAtZero?: number;
}

export interface MoveTrackerOptions {
  /** Finished moves kept for look-up; the oldest is forgotten first. */
  historySize: number;
  /** Called after any change of a record (for the event stream). */
  onChange?(record: MoveRecord): void;
  now?: () => Date;
}

export class MoveTracker {
  private readonly moves = new Map<string, MoveEntry>();
  /** Answered moves in the order they were answered, for eviction. */
  private readonly history: string[] = [];
  private readonly bySeq = new Map<string, LegEntry>();
  /** Legs that are not final, per axis. */
  private readonly openByAxis = new Map<string, Set<LegEntry>>();
  private readonly now: () => Date;

  constructor(private readonly opts: MoveTrackerOptions) {
    this.now = opts.now ?? (() => new Date());
  }

  create(kind: MoveRecord['kind'], legs: NewLeg[]): MoveRecord {
    const record: MoveRecord = {
      moveId: randomUUID(),
      kind,
      status: 'sending',
      createdAt: this.now().toISOString(),
      settledAt: null,
      legs: [],
      error: null,
    };
    const entry: MoveEntry = { record, legs: [], waiters: [] };
    for (const l of legs) {
      const leg: MoveLeg = {
        axis: l.axis,
        controller: l.controller,
        targetPosition: l.targetPosition,
        velocity: l.velocity,
        acceleration: l.acceleration,
        status: 'sending',
        finalPosition: null,
        error: null,
      };
      record.legs.push(leg);
      const legEntry: LegEntry = {
        leg,
        move: entry,
        seq: undefined,
        sentOrder: Number.POSITIVE_INFINITY,
        countsPerUnit: l.countsPerUnit,
        countAtZero: l.countAtZero ?? 0,
      };
      entry.legs.push(legEntry);
      this.openSet(l.axis).add(legEntry);
    }
    this.moves.set(record.moveId, entry);
    this.changed(entry);
    return record;
  }

  get(moveId: string): MoveRecord | undefined {
    return this.moves.get(moveId)?.record;
  }

  /**
   * The MOVE of leg `index` took `seq` on the wire: its DONE/ABORTED will name it. `sentOrder` is
   * the service's running count of frames sent, which reconcile() compares with a GET's.
   */
  bindSeq(moveId: string, index: number, seq: number, sentOrder: number): void {
    const legEntry = this.moves.get(moveId)?.legs[index];
    if (!legEntry) return;
    legEntry.sentOrder = sentOrder;
    const key = seqKey(legEntry.leg.controller, seq);
    // After 65535 seqs wrap; a leg still indexed under this seq can no longer be reported.
    const stale = this.bySeq.get(key);
    if (stale && stale !== legEntry) this.bySeq.delete(key);
    legEntry.seq = seq;
    this.bySeq.set(key, legEntry);
  }

  /** The controller answered OK: queued, unless a DONE/ABORTED in the same chunk got there first. */
  accepted(moveId: string, index: number): void {
    const legEntry = this.moves.get(moveId)?.legs[index];
    if (legEntry?.leg.status === 'sending') this.setLeg(legEntry, 'queued', null);
  }

  /** A leg with nothing to travel: done without a command. */
  completedInPlace(moveId: string, index: number, positionUnits: number): void {
    const legEntry = this.moves.get(moveId)?.legs[index];
    if (legEntry?.leg.status !== 'sending') return;
    legEntry.leg.finalPosition = positionUnits;
    this.setLeg(legEntry, 'done', null);
  }

  /** Certainly not executed (ERR reply, never written), or fate unknown (written, then sight lost). */
  failed(moveId: string, index: number, status: 'failed' | 'unknown', error: MoveProblem): void {
    const legEntry = this.moves.get(moveId)?.legs[index];
    if (!legEntry || FINAL.has(legEntry.leg.status)) return;
    if (status === 'failed' && legEntry.seq !== undefined) {
      this.bySeq.delete(seqKey(legEntry.leg.controller, legEntry.seq));
    }
    this.setLeg(legEntry, status, error);
  }

  /**
   * DONE or ABORTED for (controller, seq). Returns false when no leg has that seq (a move from
   * before this service started, or one forgotten). An unknown leg is upgraded: the controller knows.
   */
  reported(controller: string, seq: number, outcome: 'done' | 'aborted', positionCounts: number): boolean {
    const key = seqKey(controller, seq);
    const legEntry = this.bySeq.get(key);
    if (!legEntry) return false;
    this.bySeq.delete(key);
    if (FINAL.has(legEntry.leg.status)) return true;
    legEntry.leg.finalPosition = (positionCounts - legEntry.countAtZero) / legEntry.countsPerUnit;
    this.setLeg(
      legEntry,
      outcome,
      outcome === 'aborted' ? { code: 'MOVE_ABORTED', detail: 'the controller reported ABORTED' } : null,
    );
    return true;
  }

  /**
   * The link to `controller` went down: every leg it had accepted (or that was on the wire) is now
   * of unknown fate. Legs stay indexed, so a DONE after the reconnect still settles them.
   */
  lostSight(controller: string, detail: string): void {
    for (const set of this.openByAxis.values()) {
      for (const legEntry of [...set]) {
        if (legEntry.leg.controller !== controller || legEntry.leg.status !== 'queued') continue;
        this.setLeg(legEntry, 'unknown', { code: 'MOVE_OUTCOME_UNKNOWN', detail });
      }
    }
  }

  /** The controller rebooted: nothing it had queued can still be reported. */
  forgetController(controller: string, detail: string): void {
    this.lostSight(controller, detail);
    for (const [key, legEntry] of this.bySeq) {
      if (legEntry.leg.controller === controller) this.bySeq.delete(key);
    }
  }

  /**
   * A GET sent at `getOrder` reported `deviceQueue` moves on the axis (the running one included).
   * Moves run in order, so if more legs sent before that GET are still queued here, the oldest of
   * them have finished and their DONE/ABORTED never arrived (an event damaged on the line has no
   * retransmission): they become unknown rather than waiting forever. Returns how many.
   */
  reconcile(axis: string, deviceQueue: number, getOrder: number): number {
    const queued = [...(this.openByAxis.get(axis) ?? [])]
      .filter((l) => l.leg.status === 'queued' && l.sentOrder < getOrder)
      .sort((a, b) => a.sentOrder - b.sentOrder);
    const finished = queued.slice(0, Math.max(0, queued.length - deviceQueue));
    for (const legEntry of finished) {
      this.setLeg(legEntry, 'unknown', {
        code: 'MOVE_OUTCOME_UNKNOWN',
        detail: 'the controller finished it, but its DONE/ABORTED event was lost on the line',
      });
    }
    return finished.length;
  }

  /** Whether any leg on the axis is queued on the controller as far as the host knows. */
  hasQueued(axis: string): boolean {
    for (const legEntry of this.openByAxis.get(axis) ?? []) if (legEntry.leg.status === 'queued') return true;
    return false;
  }

  /** Legs on this axis that are sending or queued. */
  openCount(axis: string): number {
    let n = 0;
    for (const legEntry of this.openByAxis.get(axis) ?? []) if (legEntry.leg.status !== 'unknown') n++;
    return n;
  }

  /** Resolves when the move is answered (done, aborted, failed or unknown), or with its state at `timeout`. */
  wait(moveId: string, timeout: Promise<void>): Promise<MoveRecord> {
    const entry = this.moves.get(moveId);
    if (!entry) return Promise.reject(new Error(`no move ${moveId}`));
    if (ANSWERED.has(entry.record.status)) return Promise.resolve(entry.record);
    return new Promise((resolve) => {
      const waiter = (record: MoveRecord) => resolve(record);
      entry.waiters.push(waiter);
      void timeout.then(() => {
        const i = entry.waiters.indexOf(waiter);
        if (i >= 0) entry.waiters.splice(i, 1);
        resolve(entry.record);
      });
    });
  }

  get size(): number {
    return this.moves.size;
  }

  // ---- internals ----

  private openSet(axis: string): Set<LegEntry> {
    let set = this.openByAxis.get(axis);
    if (!set) {
      set = new Set();
      this.openByAxis.set(axis, set);
    }
    return set;
  }

  private setLeg(legEntry: LegEntry, status: MoveStatus, error: MoveProblem | null): void {
    legEntry.leg.status = status;
    legEntry.leg.error = error;
    if (FINAL.has(status)) this.openByAxis.get(legEntry.leg.axis)?.delete(legEntry);
    this.changed(legEntry.move);
  }

  private changed(entry: MoveEntry): void {
    const record = entry.record;
    const before = record.status;
    record.status = aggregate(entry.legs.map((l) => l.leg.status));
    record.error = record.legs.find((l) => l.error && l.status === record.status)?.error ?? null;
    if (ANSWERED.has(record.status) && !ANSWERED.has(before)) record.settledAt = this.now().toISOString();
    if (ANSWERED.has(record.status)) {
      for (const waiter of entry.waiters.splice(0)) waiter(record);
    }
    if (ANSWERED.has(record.status) && !ANSWERED.has(before)) this.remember(record.moveId);
    this.opts.onChange?.(record);
  }

  private remember(moveId: string): void {
    this.history.push(moveId);
    while (this.history.length > this.opts.historySize) {
      const oldest = this.history.shift()!;
      const entry = this.moves.get(oldest);
      this.moves.delete(oldest);
      for (const legEntry of entry?.legs ?? []) {
        this.openByAxis.get(legEntry.leg.axis)?.delete(legEntry);
        if (legEntry.seq === undefined) continue;
        const key = seqKey(legEntry.leg.controller, legEntry.seq);
        if (this.bySeq.get(key) === legEntry) this.bySeq.delete(key);
      }
    }
  }
}

/**
 * A move's status from its legs: unknown if any leg is; else failed if any leg failed; else
 * aborted if any was aborted; done when all are; sending while any is; queued otherwise.
 */
export function aggregate(statuses: MoveStatus[]): MoveStatus {
  if (statuses.includes('unknown')) return 'unknown';
  if (statuses.includes('failed')) return 'failed';
  if (statuses.includes('sending')) return 'sending';
  if (statuses.includes('queued')) return 'queued';
  if (statuses.includes('aborted')) return 'aborted';
  return 'done';
}

function seqKey(controller: string, seq: number): string {
  return `${controller}\u0000${seq}`;
}
