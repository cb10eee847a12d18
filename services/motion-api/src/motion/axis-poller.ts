// Reading axes back through their drivers: one coalesced read per axis (at most one in flight, one more
// owed), and the poll of quiet axes: while moves are queued anywhere, each axis with queued moves that the
// controller has not reported on for moves.pollIntervalMs is read, so a DONE/ABORTED lost on the line
// (servo-edge v1 events have no retransmission) is noticed instead of leaving its move queued for ever.

import { elapsedMs } from '@servo-edge/common/clock';
import { type AxisReport, DriverCommandError } from '../drivers/driver.js';
import type { AxisRuntime, OwedRefresh } from './axis-runtime.js';
import type { MotionContext } from './motion-context.js';

/** Applies a read; `readOrder` is the read's place in the service's send order. */
export type ReportHandler = (axis: AxisRuntime, report: AxisReport, readOrder: number) => void;

export class AxisPoller {
  private cancelPoll: (() => void) | undefined;
  /** Axes ramping down with no move to end (a jog whose lease ran out): read until they stand still. */
  private readonly settling = new Set<string>();

  constructor(
    private readonly ctx: MotionContext,
    private readonly onReport: ReportHandler,
  ) {}

  /**
   * Read the axis again; resolves once a read sent after this call has been applied (never rejects).
   * Coalesced: at most one read per axis is in flight and one more is owed.
   */
  refresh(axis: AxisRuntime): Promise<void> {
    if (axis.refreshInFlight) {
      axis.refreshAgain ??= owed();
      return axis.refreshAgain.promise;
    }
    const driver = axis.controller.driver;
    if (!driver.ready) return Promise.resolve();
    axis.refreshInFlight = true;
    let readOrder = Number.NEGATIVE_INFINITY;
    return driver
      .read(axis.config.axis, { onSent: () => (readOrder = this.ctx.nextSendOrder()) })
      .then(
        (report) => this.onReport(axis, report, readOrder),
        () => {},
      )
      .finally(() => {
        axis.refreshInFlight = false;
        const again = axis.refreshAgain;
        axis.refreshAgain = undefined;
        if (again) void this.refresh(axis).then(again.resolve);
      });
  }

  /**
   * Read the axis now, outside the coalescing; throws the MotionError a failed read maps to. A read the
   * device refuses changes nothing.
   */
  async refreshNow(axis: AxisRuntime): Promise<void> {
    let readOrder = Number.NEGATIVE_INFINITY;
    let report: AxisReport;
    try {
      report = await axis.controller.driver.read(axis.config.axis, {
        onSent: () => (readOrder = this.ctx.nextSendOrder()),
      });
    } catch (error) {
      if (error instanceof DriverCommandError && error.refusedByDevice) return;
      throw error;
    }
    this.onReport(axis, report, readOrder);
  }

  /** Reads the axis now and then at the poll interval until it reports a state other than MOVING. */
  readUntilStill(axis: AxisRuntime): void {
    this.settling.add(axis.name);
    void this.refresh(axis);
    this.arm();
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
        if (this.settling.has(axis.name) && axis.deviceState !== 'MOVING') this.settling.delete(axis.name);
        if (!moves.hasQueued(axis.name) && !this.settling.has(axis.name)) continue;
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
