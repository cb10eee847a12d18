// Reading axes back from their controllers: one coalesced GET per axis (at most one in flight, one more
// owed), and the poll of quiet axes: while moves are queued anywhere, each axis with queued moves that the
// controller has not reported on for moves.pollIntervalMs is read, so a DONE/ABORTED lost on the line
// (events have no retransmission in protocol v1) is noticed instead of leaving its move queued for ever.

import { elapsedMs } from '@servo-edge/common/clock';
import type { ReplyFieldsOf } from '@servo-edge/firmware-protocol';
import type { AxisRuntime, OwedRefresh } from './axis-runtime.js';
import { failureFromRejection } from './command-errors.js';
import type { MotionContext } from './motion-context.js';

/** Applies a GET reply; `getOrder` is the GET's place in the service's send order. */
export type GetReplyHandler = (axis: AxisRuntime, fields: ReplyFieldsOf<'GET'>, getOrder: number) => void;

export class AxisPoller {
  private cancelPoll: (() => void) | undefined;

  constructor(
    private readonly ctx: MotionContext,
    private readonly onReply: GetReplyHandler,
  ) {}

  /**
   * GET the axis again; resolves once a GET sent after this call has been applied (never rejects).
   * Coalesced: at most one GET per axis is in flight and one more is owed.
   */
  refresh(axis: AxisRuntime): Promise<void> {
    if (axis.refreshInFlight) {
      axis.refreshAgain ??= owed();
      return axis.refreshAgain.promise;
    }
    const link = axis.controller.link;
    if (!link.ready) return Promise.resolve();
    axis.refreshInFlight = true;
    let getOrder = Number.NEGATIVE_INFINITY;
    return link
      .request('GET', { axis: axis.config.axis }, { onSent: () => (getOrder = this.ctx.nextSendOrder()) })
      .then(
        (reply) => {
          if (reply.ok) this.onReply(axis, reply.fields, getOrder);
        },
        () => {},
      )
      .finally(() => {
        axis.refreshInFlight = false;
        const again = axis.refreshAgain;
        axis.refreshAgain = undefined;
        if (again) void this.refresh(axis).then(again.resolve);
      });
  }

  /** GET the axis now, outside the coalescing; throws the MotionError a failed GET maps to. */
  async refreshNow(axis: AxisRuntime): Promise<void> {
    let getOrder = Number.NEGATIVE_INFINITY;
    try {
      const reply = await axis.controller.link.request(
        'GET',
        { axis: axis.config.axis },
        { onSent: () => (getOrder = this.ctx.nextSendOrder()) },
      );
      if (reply.ok) this.onReply(axis, reply.fields, getOrder);
    } catch (rejection) {
      throw failureFromRejection(rejection, `GET ${axis.name}`, { axis: axis.name }).error;
    }
  }

  /** Starts the poll if it is not running (a move was just accepted). It stops when nothing is queued. */
  arm(): void {
    if (this.cancelPoll || this.ctx.closing) return;
    const { clock, moves } = this.ctx;
    const intervalMs = this.ctx.config.moves.pollIntervalMs;
    this.cancelPoll = clock.after(intervalMs, () => {
      this.cancelPoll = undefined;
      let anyQueued = false;
      for (const axis of this.ctx.axes.values()) {
        if (!moves.hasQueued(axis.name)) continue;
        anyQueued = true;
        const quiet =
          axis.lastReportAtMs === undefined ||
          elapsedMs(axis.lastReportAtMs, clock.monotonicMs()) >= intervalMs;
        if (quiet) void this.refresh(axis);
      }
      if (anyQueued) this.arm();
    });
  }

  close(): void {
    this.cancelPoll?.();
    this.cancelPoll = undefined;
  }
}

function owed(): OwedRefresh {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
