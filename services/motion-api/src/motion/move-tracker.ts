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
 * reports it after reconnecting. On a controller whose events arrive exactly once (servo-edge v2,
 * PROTOCOL.md §v2 Events) a link loss makes a leg *provisionally* unknown: waiters are not answered
 * until the controller is back and its state says what happened (resync()), or it was lost for good.
 */
export type MoveStatus = 'sending' | 'queued' | 'done' | 'aborted' | 'failed' | 'unknown';

const FINAL: ReadonlySet<MoveStatus> = new Set(['done', 'aborted', 'failed']);
/** States a waiter is answered in (unknown may still improve, but the caller must hear of it now). */
const ANSWERED: ReadonlySet<MoveStatus> = new Set(['done', 'aborted', 'failed', 'unknown']);

export interface MoveProblem {
  code: MotionErrorCode;
  detail: string;
  /**
   * Why, where the controller or the host says more than the code: ABORTED's why= on v2 links (STOP,
   * ESTOP, FAULT, LATE, LIMIT; PROTOCOL.md §v2 Triggered moves), or EVENTS_LOST for a move that ended
   * while its outcome was lost (§v2 Events, Overflow (host)). A stable token, for clients to branch on.
   */
  reason?: string;
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
  /** A position-triggered move (§v2 Triggered moves): the source axis, where it fires (its units), which way. */
  trigger?: {
    axis: string;
    position: number;
    direction: 'increasing' | 'decreasing';
    /** A step (§v2 Triggered steps): targetPosition is predicted; the controller fixes it when it fires. */
    distanceFrom?: 'trigger';
  };
  /**
   * When a triggered move fired: the controller's clock at the crossing (ms since its boot, STARTED t=),
   * and when this service heard it (ISO 8601). null until then.
   */
  started?: { deviceTimeMs: number; at: string } | null;
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
  /** The target in the driver's counts, as sent. */
  targetCounts: number;
  /** Unknown only until the controller is back (exactly-once events; see MoveStatus). */
  provisional: boolean;
}

interface MoveEntry {
  record: MoveRecord;
  legs: LegEntry[];
  waiters: ((record: MoveRecord) => void)[];
  /** Waiters were answered (the move is in the history). */
  answered: boolean;
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
  trigger?: MoveLeg['trigger'];
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
    const entry: MoveEntry = { record, legs: [], waiters: [], answered: false };
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
        ...(l.trigger ? { trigger: l.trigger, started: null } : {}),
      };
      record.legs.push(leg);
      const legEntry: LegEntry = {
        leg,
        move: entry,
        seq: undefined,
        sentOrder: Number.POSITIVE_INFINITY,
        countsPerUnit: l.countsPerUnit,
        countAtZero: l.countAtZero ?? 0,
        targetCounts: Math.round((l.countAtZero ?? 0) + l.targetPosition * l.countsPerUnit),
        provisional: false,
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

  /** §v2 Triggered moves: the move with this (controller, seq) fired at the controller's `deviceTimeMs`. */
  started(controller: string, seq: number, deviceTimeMs: number): boolean {
    const legEntry = this.bySeq.get(seqKey(controller, seq));
    if (!legEntry) return false;
    legEntry.leg.started = { deviceTimeMs, at: this.now().toISOString() };
    this.changed(legEntry.move);
    return true;
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
  reported(
    controller: string,
    seq: number,
    outcome: 'done' | 'aborted',
    positionCounts: number,
    /** v2 ABORTED why= (STOP, ESTOP, FAULT, LATE, LIMIT; §v2 Triggered moves), when the controller says. */
    why?: string,
  ): boolean {
    const key = seqKey(controller, seq);
    const legEntry = this.bySeq.get(key);
    if (!legEntry) return false;
    this.bySeq.delete(key);
    if (FINAL.has(legEntry.leg.status)) return true;
    legEntry.leg.finalPosition = (positionCounts - legEntry.countAtZero) / legEntry.countsPerUnit;
    this.setLeg(
      legEntry,
      outcome,
      outcome === 'aborted'
        ? {
            code: 'MOVE_ABORTED',
            detail:
              why === undefined
                ? 'the controller reported ABORTED'
                : `the controller reported ABORTED why=${why}`,
            ...(why === undefined ? {} : { reason: why }),
          }
        : null,
    );
    return true;
  }

  /**
   * The link to `controller` went down: every leg it had accepted (or that was on the wire) is now
   * of unknown fate. Legs stay indexed, so a DONE after the reconnect still settles them.
   */
  lostSight(controller: string, detail: string, provisional = false): void {
    for (const set of this.openByAxis.values()) {
      for (const legEntry of [...set]) {
        if (legEntry.leg.controller !== controller) continue;
        // A final loss also ends the provisional ones: their waiters are answered now.
        const wasProvisional = legEntry.leg.status === 'unknown' && legEntry.provisional && !provisional;
        if (legEntry.leg.status !== 'queued' && !wasProvisional) continue;
        legEntry.provisional = provisional;
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
   * Resynchronises an axis's legs from its state instead of guessing (PROTOCOL.md §v2 Events, Overflow
   * (host); §v2 Fields): after an OVERFLOW, or when the link is back and the controller kept its state
   * but the events of the old session are gone. The controller still owes `run` and the `q-1` moves
   * accepted after it (GET run= and q=); those are queued again. The legs sent before `run` have ended:
   * the last of them is done if the axis is at rest on its target (nothing else can have put it there
   * exactly), the others are unknown for good (EVENTS_LOST: done or aborted cannot be told). With
   * `runningRef` undefined (the driver cannot say) nothing is concluded. Returns the legs settled unknown.
   */
  resync(
    axis: string,
    report: { queueDepth: number; runningRef?: number; positionCounts: number | null; state: string },
    readOrder: number,
  ): number {
    if (report.runningRef === undefined) return 0;
    const open = [...(this.openByAxis.get(axis) ?? [])]
      .filter((l) => (l.leg.status === 'queued' || l.leg.status === 'unknown') && l.sentOrder < readOrder)
      .sort((a, b) => a.sentOrder - b.sentOrder);
    const runningAt =
      report.queueDepth === 0 ? open.length : open.findIndex((l) => l.seq === report.runningRef);
    // A running move this service did not send (or no longer knows): nothing can be concluded.
    if (runningAt < 0) return 0;
    const ended = open.slice(0, runningAt);
    const owed = open.slice(runningAt, runningAt + report.queueDepth);
    for (const legEntry of owed) {
      legEntry.provisional = false;
      if (legEntry.leg.status === 'unknown') this.setLeg(legEntry, 'queued', null);
    }
    let lost = 0;
    ended.forEach((legEntry, i) => {
      // Already unknown for good (an earlier resync, or a request whose answer was lost): as it was.
      if (legEntry.leg.status === 'unknown' && !legEntry.provisional) return;
      legEntry.provisional = false;
      const last = i === ended.length - 1 && report.queueDepth === 0;
      if (last && report.state === 'IDLE' && report.positionCounts === legEntry.targetCounts) {
        legEntry.leg.finalPosition = (report.positionCounts - legEntry.countAtZero) / legEntry.countsPerUnit;
        this.bySeq.delete(seqKey(legEntry.leg.controller, legEntry.seq ?? 0));
        this.setLeg(legEntry, 'done', null);
        return;
      }
      lost++;
      this.setLeg(legEntry, 'unknown', {
        code: 'MOVE_OUTCOME_UNKNOWN',
        detail: 'the controller finished it, but its DONE/ABORTED was lost and its state cannot tell which',
        reason: 'EVENTS_LOST',
      });
    });
    return lost;
  }

  /**
   * A GET sent at `getOrder` reported `deviceQueue` moves on the axis (the running one included).
   * Moves run in order, so if more legs sent before that GET are still queued here, the oldest of
   * them have finished and their DONE/ABORTED never arrived (an event damaged on the line has no
   * retransmission): they become unknown rather than waiting forever. Returns how many.
   */
  reconcile(
    axis: string,
    deviceQueue: number,
    getOrder: number,
    moving?: { targetCounts: number | null },
    /** The axis's position when the GET found it IDLE (at rest, drive on); undefined otherwise. */
    idleAtCounts?: number | null,
  ): number {
    const queued = [...(this.openByAxis.get(axis) ?? [])]
      .filter((l) => l.leg.status === 'queued' && l.sentOrder < getOrder)
      .sort((a, b) => a.sentOrder - b.sentOrder);
    let count = Math.max(0, queued.length - deviceQueue);
    if (moving) {
      // §v2 Fields, host robustness: while the axis moves, q alone proves nothing (a device may count
      // only the waiting moves). tgt names the running move; only the moves before it have ended.
      const running = queued.findIndex((l) => l.targetCounts === moving.targetCounts);
      count = running < 0 ? 0 : Math.min(count, running);
    }
    const finished = queued.slice(0, count);
    let lost = 0;
    finished.forEach((legEntry, i) => {
      // §v2 Fields: nothing owed, the axis at rest on the target of the last move sent: that move is
      // proven done (only the outcome of the moves before it cannot be told).
      const last = i === finished.length - 1 && deviceQueue === 0 && finished.length === queued.length;
      if (last && idleAtCounts != null && idleAtCounts === legEntry.targetCounts) {
        legEntry.leg.finalPosition = (idleAtCounts - legEntry.countAtZero) / legEntry.countsPerUnit;
        this.setLeg(legEntry, 'done', null);
        return;
      }
      lost++;
      this.setLeg(legEntry, 'unknown', {
        code: 'MOVE_OUTCOME_UNKNOWN',
        detail: 'the controller finished it, but its DONE/ABORTED event was lost on the line',
      });
    });
    return lost;
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
    if (entry.answered) return Promise.resolve(entry.record);
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
    record.status = aggregate(entry.legs.map((l) => l.leg.status));
    record.error = record.legs.find((l) => l.error && l.status === record.status)?.error ?? null;
    const answered = ANSWERED.has(record.status) && !entry.legs.some((l) => l.provisional);
    if (answered && !entry.answered) record.settledAt = this.now().toISOString();
    if (answered) {
      for (const waiter of entry.waiters.splice(0)) waiter(record);
    }
    if (answered && !entry.answered) this.remember(record.moveId);
    entry.answered = answered;
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
