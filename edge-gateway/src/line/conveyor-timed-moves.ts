// Moves timed from the conveyor's position, for every station that acts on a passing product (the reject
// arm, the filler, the sealer, the labeler, the infeed): armed on the controller, which starts each one
// as the conveyor's encoder passes its position (PROTOCOL.md §v2 Triggered moves), where the controller
// can; sent by this process's timer otherwise (late when the host is busy). One helper, so a station
// and the reject arm cannot drift apart in how they are timed.

import type { Clock, MonotonicMs } from '@servo-edge/common/clock';
import type { Logger } from '@servo-edge/common/log';
import type { MotionService, MoveRecord, MoveRequest } from '@servo-edge/motion-api';

/**
 * `position`: armed on the controller (v2 TMOVE on the conveyor's position). `host`: sent by this
 * process's timer. `auto`: position where the controller can (v2, TRIG, the conveyor and the moving axis
 * on one controller), host otherwise, with a warning.
 */
export type ConveyorTiming = 'auto' | 'position' | 'host';

export type TimedMotion = Pick<MotionService, 'axis' | 'move' | 'controllers'>;

/** One move of a cycle. */
export interface TimedStep {
  request: MoveRequest;
  /**
   * The conveyor position (mm) at which it starts. Undefined: it follows the previous step on the
   * controller's queue with no round trip between (the reject arm's back-move, the filler's refill).
   */
  atMm?: number;
  /**
   * Armed on the controller, the request's distance counts from where the axis stands when the step
   * fires (PROTOCOL.md §v2 Triggered steps), not from the end of the moves open when it is sent. Only
   * where stepTiming() says the controller can; ignored with host timing.
   */
  fromTrigger?: boolean;
}

export interface TimedMovesOptions {
  clock: Pick<Clock, 'monotonicMs' | 'schedule'>;
  motion: TimedMotion;
  log: Logger;
  conveyorAxis: string;
  /** The belt's running speed: converts a later step's belt position into a host timer's delay. */
  conveyorVelocityMmPerS: number;
  timing: ConveyorTiming;
}

/** A cycle handed to the helper. `moves` settle as each move is accepted (host timing: once sent). */
export interface SentCycle {
  timing: 'position' | 'host';
  moves: Promise<MoveRecord>[];
}

export class ConveyorTimedMoves {
  private readonly warned = new Set<string>();
  /** Host timing: the timers of steps not sent yet, with their axis and how to refuse their moves. */
  private readonly pending = new Set<PendingSend>();

  constructor(private readonly options: TimedMovesOptions) {}

  /**
   * Whether moves of `axis` are armed on the controller. Checked at each use: the protocol version is
   * known only once the link is up, and a controller that reconnects may come back as another version.
   * `warnEvent` is logged once per axis when the answer is host timing on a connected controller.
   */
  positionTiming(axis: string, warnEvent: string): boolean {
    if (this.options.timing === 'host') return false;
    const { motion, conveyorAxis, log } = this.options;
    const belt = motion.axis(conveyorAxis).controller;
    const own = motion.axis(axis).controller;
    const controller = motion.controllers().find((c) => c.id === own);
    const capable =
      belt === own && controller?.connected === true && controller.capabilities.positionTriggeredMoves;
    if (!capable && !this.warned.has(axis) && controller?.connected === true) {
      this.warned.add(axis);
      log.warn(
        {
          axis,
          conveyorController: belt,
          axisController: own,
          proto: controller?.proto ?? null,
          missingFeatures: controller?.missingFeatures ?? [],
        },
        warnEvent,
      );
    }
    return capable;
  }

  /**
   * The links' backlogs as they stand now: for an axis, the requests its controller's link has
   * waiting or unanswered (0 where the driver does not say), a backlog that only grows when the host
   * cannot keep up. The controllers' status is read once, on the first question: the runner asks
   * for every station at each belt sample, and `motion.controllers()` builds every controller's.
   */
  linkBacklogs(): (axis: string) => number {
    const { motion } = this.options;
    let byController: Map<string, number> | undefined;
    return (axis) => {
      byController ??= new Map(motion.controllers().map((c) => [c.id, c.pendingRequests]));
      return byController.get(motion.axis(axis).controller) ?? 0;
    };
  }

  /**
   * Whether moves of `axis` armed on the controller can be steps (§v2 Triggered steps: feature TSTEP),
   * so an indexing station can arm many cycles ahead. `warnEvent` is logged once per axis when the
   * controller arms moves but not steps.
   */
  stepTiming(axis: string, warnEvent: string): boolean {
    if (!this.positionTiming(axis, warnEvent)) return false;
    const { motion, log } = this.options;
    const own = motion.axis(axis).controller;
    const controller = motion.controllers().find((c) => c.id === own);
    const capable = controller?.capabilities.positionTriggeredSteps === true;
    const key = `${axis}:steps`;
    if (!capable && !this.warned.has(key)) {
      this.warned.add(key);
      log.warn({ axis, axisController: own, missingFeatures: controller?.missingFeatures ?? [] }, warnEvent);
    }
    return capable;
  }

  /**
   * Sends one cycle. Position timing: each step with `atMm` waits on the controller for the conveyor
   * to pass it; the others queue behind. Host timing: the first step leaves at `sendAtMs` (the instant
   * the caller computed for steps[0].atMm), a later step with `atMm` that much belt travel later;
   * `onSent` is told when the first one left.
   */
  send(
    axis: string,
    steps: readonly TimedStep[],
    positionTiming: boolean,
    sendAtMs: MonotonicMs,
    onSent?: (sentAtMs: MonotonicMs) => void,
    /**
     * Host timing: a step whose timer runs later than this (a stalled event loop) is not sent; it and
     * the steps after it reject with `code: 'SEND_LATE'`. Sent however late when undefined.
     */
    maxLateMs?: number,
  ): SentCycle {
    const { motion, conveyorAxis, clock, conveyorVelocityMmPerS } = this.options;
    if (positionTiming) {
      const moves = steps.map((step) =>
        motion.move(
          axis,
          step.atMm === undefined
            ? step.request
            : {
                ...step.request,
                trigger: {
                  axis: conveyorAxis,
                  position: step.atMm,
                  direction: 'increasing',
                  ...(step.fromTrigger ? { distanceFrom: 'trigger' as const } : {}),
                },
              },
        ),
      );
      return { timing: 'position', moves };
    }
    const firstMm = steps[0]?.atMm;
    // Steps go in groups: one that starts at a belt position, and the steps queued right behind it.
    const deferred = steps.map(() => deferredMove());
    let skipped = false;
    let index = 0;
    while (index < steps.length) {
      const start = index;
      index++;
      while (index < steps.length && steps[index]!.atMm === undefined) index++;
      const group = steps.slice(start, index).map((step, offset) => ({ step, slot: start + offset }));
      const startMm = steps[start]!.atMm;
      const delayMs =
        startMm === undefined || firstMm === undefined
          ? 0
          : ((startMm - firstMm) / conveyorVelocityMmPerS) * 1000;
      const entry: PendingSend = {
        axis,
        cancel: () => {},
        refuse: () => {
          for (const { slot } of group) deferred[slot]!.reject(new CancelledSend());
        },
      };
      const dueAtMs = (sendAtMs + delayMs) as MonotonicMs;
      entry.cancel = clock.schedule(dueAtMs, () => {
        this.pending.delete(entry);
        if (skipped || (maxLateMs !== undefined && clock.monotonicMs() - dueAtMs > maxLateMs)) {
          // Sent now it would meet the wrong part of its product, or a moved-on belt; and a burst of
          // overdue moves would fill the controller's queue.
          skipped = true;
          for (const { slot } of group) deferred[slot]!.reject(new LateSend());
          return;
        }
        if (start === 0) onSent?.(clock.monotonicMs());
        for (const { step, slot } of group) {
          motion.move(axis, step.request).then(deferred[slot]!.resolve, deferred[slot]!.reject);
        }
      });
      this.pending.add(entry);
    }
    return { timing: 'host', moves: deferred.map((d) => d.promise) };
  }

  /**
   * Host timing: drops the steps not sent yet, of `axis` or of every axis: the belt stopped (Hold,
   * Stop), so their timers no longer say where the product is; or close(). Their moves reject with
   * `code: 'SEND_CANCELLED'`.
   */
  cancelPending(axis?: string): void {
    for (const entry of [...this.pending]) {
      if (axis !== undefined && entry.axis !== axis) continue;
      entry.cancel();
      this.pending.delete(entry);
      entry.refuse();
    }
  }
}

interface PendingSend {
  axis: string;
  cancel: () => void;
  refuse: () => void;
}

/** A host-timed step not sent because its timer ran too late (send's maxLateMs). */
export class LateSend extends Error {
  readonly code = 'SEND_LATE';
  constructor() {
    super('the step was not sent: its timer ran too late');
  }
}

/** A host-timed step dropped before it was sent (cancelPending). */
export class CancelledSend extends Error {
  readonly code = 'SEND_CANCELLED';
  constructor() {
    super('the step was dropped before it was sent: the belt stopped');
  }
}

function deferredMove(): {
  promise: Promise<MoveRecord>;
  resolve: (record: MoveRecord) => void;
  reject: (error: unknown) => void;
} {
  let resolve!: (record: MoveRecord) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<MoveRecord>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
