// What the parts of the motion service share: the configured controllers and axes (their state), the
// move tracker, the subscribers and the service's timers. The command API, the device-event reducer and
// the poller each get this one object, so an axis's state is never kept in two places.

import type { Clock } from '@servo-edge/common/clock';
import type { Logger } from '@servo-edge/common/log';
import type { MotionConfig } from '../config/schema.js';
import { MotionError } from '../errors.js';
import type { AxisRuntime, AxisStatus, ControllerRuntime } from './axis-runtime.js';
import { MoveTracker } from './move-tracker.js';
import type { MotionServiceEvent } from './types.js';

export class MotionContext {
  readonly controllers = new Map<string, ControllerRuntime>();
  readonly axes = new Map<string, AxisRuntime>();
  readonly moves: MoveTracker;
  /** close() has been called: no new commands, no new timers. */
  closing = false;
  private readonly listeners = new Set<(event: MotionServiceEvent) => void>();
  private readonly timers = new Set<() => void>();
  /** Frames this service has sent, in order (MOVE and GET), for MoveTracker.reconcile(). */
  private sendOrder = 0;

  constructor(
    readonly config: MotionConfig,
    readonly clock: Clock,
    readonly log: Logger,
  ) {
    this.moves = new MoveTracker({
      historySize: config.moves.historySize,
      onChange: (move) => this.emit({ type: 'move', move }),
      // createdAt/settledAt leave the process: wall time, from the service's clock.
      now: () => new Date(clock.epochMs()),
    });
  }

  /** The next position in the service's send order (one counter across controllers). */
  nextSendOrder(): number {
    return ++this.sendOrder;
  }

  axisOrThrow(name: string): AxisRuntime {
    const axis = this.axes.get(name);
    if (!axis) throw new MotionError('AXIS_NOT_FOUND', `no axis "${name}"`, { axis: name });
    return axis;
  }

  statusOf(axis: AxisRuntime): AxisStatus {
    return axis.status(this.moves.openCount(axis.name));
  }

  subscribe(listener: (event: MotionServiceEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: MotionServiceEvent): void {
    for (const listener of this.listeners) this.safely(() => listener(event));
  }

  axisChanged(axis: AxisRuntime): void {
    this.emit({ type: 'axis', axis: axis.name });
  }

  /** One failing listener or handler must not break the others (the e-stop path above all). */
  safely(run: () => void): void {
    try {
      run();
    } catch (error) {
      this.log.error({ err: error }, 'motion.handler.failed');
    }
  }

  /** A cancellable wait on the service clock; close() cancels every one still pending. */
  delay(ms: number): { promise: Promise<void>; cancel(): void } {
    let cancelTimer: () => void = () => {};
    const promise = new Promise<void>((resolve) => {
      cancelTimer = this.clock.after(ms, () => {
        this.timers.delete(cancel);
        resolve();
      });
    });
    const cancel = () => {
      cancelTimer();
      this.timers.delete(cancel);
    };
    this.timers.add(cancel);
    return { promise, cancel };
  }

  cancelTimers(): void {
    for (const cancel of this.timers) cancel();
    this.timers.clear();
  }
}
