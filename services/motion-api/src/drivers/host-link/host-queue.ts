// The move queue a driver keeps on the host for a device that has none (a Maestro channel, a Dynamixel
// servo): per axis, the running move and those waiting behind it, in order, each with the ref its
// DONE/ABORTED names. Bounded: a full queue refuses (AXIS_QUEUE_FULL), as a device queue would.

import type { AbsoluteMove } from '../driver.js';

export interface HostMove {
  readonly ref: number;
  readonly axis: number;
  readonly move: AbsoluteMove;
}

interface AxisQueue {
  running: HostMove | undefined;
  waiting: HostMove[];
}

export class HostMoveQueue {
  private readonly axes = new Map<number, AxisQueue>();
  private lastRef = 0;

  constructor(private readonly maxPerAxis: number) {}

  private of(axis: number): AxisQueue {
    let q = this.axes.get(axis);
    if (!q) {
      q = { running: undefined, waiting: [] };
      this.axes.set(axis, q);
    }
    return q;
  }

  /** Moves on the axis, the running one included. */
  depth(axis: number): number {
    const q = this.axes.get(axis);
    return q ? q.waiting.length + (q.running ? 1 : 0) : 0;
  }

  full(axis: number): boolean {
    return this.depth(axis) >= this.maxPerAxis;
  }

  running(axis: number): HostMove | undefined {
    return this.axes.get(axis)?.running;
  }

  /** Queues a move and gives it its ref (never 0, increasing over the life of the driver). */
  add(axis: number, move: AbsoluteMove): HostMove {
    const entry: HostMove = { ref: ++this.lastRef, axis, move };
    this.of(axis).waiting.push(entry);
    return entry;
  }

  /** The next waiting move becomes the running one, if nothing runs. */
  startNext(axis: number): HostMove | undefined {
    const q = this.of(axis);
    if (q.running) return undefined;
    q.running = q.waiting.shift();
    return q.running;
  }

  /** The running move ended. */
  finishRunning(axis: number): HostMove | undefined {
    const q = this.of(axis);
    const done = q.running;
    q.running = undefined;
    return done;
  }

  /** Every move of the axis, running first, removed. */
  takeAll(axis: number): HostMove[] {
    const q = this.of(axis);
    const all = [...(q.running ? [q.running] : []), ...q.waiting];
    q.running = undefined;
    q.waiting = [];
    return all;
  }

  /** Every waiting (never started) move of every axis, removed; running moves stay. */
  takeWaiting(): HostMove[] {
    const all: HostMove[] = [];
    for (const q of this.axes.values()) all.push(...q.waiting.splice(0));
    return all;
  }

  /** Forgets everything (running moves included). */
  clear(): void {
    this.axes.clear();
  }
}
