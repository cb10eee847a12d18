// The device-event reducer: what the drivers report (events, axis reads, the outcome of a start-up, the
// loss of a link) turned into axis state and move outcomes. DONE and ABORTED settle the move with that
// ref (servo-edge: the MOVE's seq, §Events), HOMED ends homing, FAULT and ESTOP latch, POS updates
// positions; the rest is shown. Where events arrive exactly once (servo-edge v2, §v2 Events) reads never
// settle a move; only an OVERFLOW or a reconnect to a controller that kept its state resynchronises the
// moves from the axis's state (q and run, §v2 Fields).

import type { AxisReport, DriverEvent } from '../drivers/driver.js';
import { MotionError } from '../errors.js';
import type { AxisRuntime, ControllerRuntime } from './axis-runtime.js';
import type { MotionContext } from './motion-context.js';

export class DeviceEventReducer {
  constructor(
    private readonly ctx: MotionContext,
    /** Asks the controller for the axis's state again (after an event that changes more than it says). */
    private readonly refresh: (axis: AxisRuntime) => Promise<void>,
    /** Ends the jog leases of these axes: their jog is over (LEASE, FAULT, ESTOP). */
    private readonly endJogLeases: (axes: readonly AxisRuntime[]) => void = () => {},
    /** Reads the axis until it stands still: it is ramping down with no move to report its end. */
    private readonly readUntilStill: (axis: AxisRuntime) => void = () => {},
    /** The link to these axes is down (suspend) or back with the axis still moving or not (resume). */
    private readonly jogLeaseLink: {
      suspend(axes: readonly AxisRuntime[]): void;
      resume(axis: AxisRuntime, stillMoving: boolean): void;
    } = { suspend: () => {}, resume: () => {} },
  ) {}

  onEvent(c: ControllerRuntime, event: DriverEvent): void {
    if (event.event === 'POS') {
      for (const sample of event.samples) {
        const axis = c.axes.find((a) => a.config.axis === sample.axis);
        if (!axis) continue;
        // A polling driver's sample carries the axis's state too: nothing else says it changed.
        const stateChanged =
          (sample.state !== undefined && sample.state !== axis.deviceState) ||
          (sample.queueDepth !== undefined && sample.queueDepth !== axis.deviceQueue);
        if (
          !stateChanged &&
          axis.positionCounts === sample.positionCounts &&
          axis.velocityCountsPerS === sample.velocityCountsPerS
        )
          continue;
        axis.positionCounts = sample.positionCounts;
        axis.velocityCountsPerS = sample.velocityCountsPerS;
        if (sample.state !== undefined) axis.applyState(sample.state);
        if (sample.queueDepth !== undefined) axis.deviceQueue = sample.queueDepth;
        this.ctx.axisChanged(axis);
      }
      return;
    }
    const axisNumber = 'axis' in event ? event.axis : null;
    const axis = axisNumber === null ? undefined : c.axes.find((a) => a.config.axis === axisNumber);
    switch (event.event) {
      case 'DONE':
      case 'ABORTED': {
        const outcome = event.event === 'DONE' ? 'done' : 'aborted';
        const why = typeof event.fields.why === 'string' ? event.fields.why : undefined;
        this.ctx.moves.reported(c.config.id, event.ref, outcome, event.positionCounts, why);
        if (axis) {
          axis.positionCounts = event.positionCounts;
          axis.lastReportAtMs = this.ctx.clock.monotonicMs();
          void this.refresh(axis);
        }
        break;
      }
      case 'HOMED':
        if (axis) {
          axis.homed = true;
          axis.homing = false;
          axis.positionUncertain = false;
          axis.positionCounts = event.positionCounts;
          axis.resolveHomeWaiters();
          void this.refresh(axis);
        }
        break;
      case 'FAULT': {
        if (axisNumber === null) c.fault = event.code;
        const affected = axisNumber === null ? c.axes : axis ? [axis] : [];
        this.endJogLeases(affected);
        for (const a of affected) {
          if (axisNumber !== null) a.fault = event.code;
          a.rejectHomeWaiters(
            new MotionError('HOMING_FAILED', `homing ${a.name} ended in FAULT ${event.code}`, {
              axis: a.name,
              deviceCode: event.code,
            }),
          );
          void this.refresh(a);
        }
        break;
      }
      case 'ESTOP':
        c.estopLatched = true;
        this.endJogLeases(c.axes);
        for (const a of c.axes) {
          a.homing = false;
          a.rejectHomeWaiters(
            new MotionError('AXIS_ESTOP', `homing ${a.name} cut short by e-stop`, { axis: a.name }),
          );
          a.commandedTargetCounts = undefined;
          void this.refresh(a);
        }
        break;
      case 'LEASE':
        // §v2 Jog lease: the controller stopped the jog itself; the lease is over.
        if (axis) {
          this.endJogLeases([axis]);
          axis.positionCounts = event.positionCounts;
          // LEASE comes as the ramp-down starts, and no event says when it ends: read until IDLE.
          this.readUntilStill(axis);
        }
        break;
      case 'STARTED':
        // §v2 Triggered moves: the move left its trigger at device time t.
        this.ctx.moves.started(c.config.id, event.ref, event.deviceTimeMs);
        if (axis) void this.refresh(axis);
        break;
      case 'OVERFLOW':
        // §v2 Events, Overflow (host): which outcomes were lost is unknown; read every axis again and
        // settle the moves from its state.
        for (const a of c.axes) {
          a.resyncAfterOrder = this.ctx.nextSendOrder();
          void this.refresh(a);
        }
        this.ctx.log.warn({ controller: c.config.id, lost: event.lost }, 'motion.events.overflow');
        break;
      case 'BOOT':
        // The link ends the session (PROTO_DEVICE_RESET) and its bring-up reports the reboot;
        // a BOOT at first contact (a controller that resets when its port opens) changes nothing.
        break;
      case 'BADFRAME':
      case 'ERRORS':
      case 'NOTICE':
        break;
    }
    this.ctx.emit({
      type: 'device',
      controller: c.config.id,
      axis: axis?.name ?? null,
      event: event.event,
      fields: { ...event.fields },
    });
  }

  /** An axis read back: its state, and its queue depth to reconcile the moves sent before the read. */
  onReport(axis: AxisRuntime, report: AxisReport, readOrder: number): void {
    const wasHoming = axis.homing;
    axis.applyReport(report);
    axis.lastReportAtMs = this.ctx.clock.monotonicMs();
    let lost = 0;
    if (!exactlyOnce(axis.controller)) {
      // Events may be lost on the line: moves the controller no longer holds have ended unheard.
      const moving = report.state === 'MOVING' ? { targetCounts: report.targetCounts } : undefined;
      const idleAt = report.state === 'IDLE' ? report.positionCounts : undefined;
      lost = this.ctx.moves.reconcile(axis.name, report.queueDepth, readOrder, moving, idleAt);
    } else if (axis.resyncAfterOrder !== undefined && readOrder > axis.resyncAfterOrder) {
      axis.resyncAfterOrder = undefined;
      lost = this.ctx.moves.resync(axis.name, report, readOrder);
    }
    if (lost > 0) this.ctx.log.warn({ axis: axis.name, lost }, 'motion.events.lost');
    // Homing that stopped without HOMED (a STOP, a fault cleared meanwhile) fails its waiters.
    if (wasHoming && !axis.homing && !axis.homed && report.state !== 'HOMING') {
      axis.rejectHomeWaiters(
        new MotionError('HOMING_FAILED', `homing ${axis.name} ended in ${report.state} without HOMED`, {
          axis: axis.name,
        }),
      );
    }
    this.ctx.axisChanged(axis);
  }

  /** A start-up succeeded: each axis's report; after a reboot, open moves are lost for good and zeros forgotten. */
  onConnected(c: ControllerRuntime, reports: ReadonlyMap<string, AxisReport>, rebooted: boolean): void {
    if (rebooted) {
      // Its axes must be homed again.
      this.ctx.log.warn({ controller: c.config.id }, 'motion.controller.rebooted');
      c.fault = undefined;
      this.ctx.moves.forgetController(c.config.id, 'the controller rebooted');
      for (const axis of c.axes) axis.markRebooted();
    }
    // §v2 Negotiation: the controller kept its state, but the events of the old session are gone:
    // settle the moves sent before from each axis's state (§v2 Events, as after an OVERFLOW).
    const readOrder = this.ctx.nextSendOrder();
    for (const axis of c.axes) {
      const report = reports.get(axis.name);
      if (report && !rebooted && exactlyOnce(c)) {
        const lost = this.ctx.moves.resync(axis.name, report, readOrder);
        if (lost > 0) this.ctx.log.warn({ axis: axis.name, lost }, 'motion.events.lost');
      }
    }
    for (const axis of c.axes) {
      const report = reports.get(axis.name);
      if (report) axis.applyReport(report);
      if (report?.state === 'ESTOP') c.estopLatched = true;
      axis.commandedTargetCounts = undefined;
      // A jog has no move in the queue: MOVING with nothing queued is the jog the controller kept.
      this.jogLeaseLink.resume(axis, !rebooted && report?.state === 'MOVING' && report.queueDepth === 0);
      this.ctx.axisChanged(axis);
    }
  }

  /** The link went down: moves in flight lose sight, homing waiters fail. */
  onLinkDown(c: ControllerRuntime, detail: string): void {
    // With exactly-once events the loss is provisional: the controller's state decides once it is back
    // (onConnected), unless it rebooted or the service closes.
    const provisional = exactlyOnce(c) && !this.ctx.closing;
    this.ctx.moves.lostSight(c.config.id, `link to ${c.config.id} lost: ${detail}`, provisional);
    // A lease cannot be renewed through a link that is down: a client's runs out on the controller, and
    // a jog on a controller without leases is left to its watchdog (§Device rule 6). A kept-alive lease
    // waits: it is renewed, or forgotten, once the controller answers again (onConnected).
    if (provisional) this.jogLeaseLink.suspend(c.axes);
    else this.endJogLeases(c.axes);
    for (const axis of c.axes) {
      axis.commandedTargetCounts = undefined;
      axis.rejectHomeWaiters(
        new MotionError('MOVE_OUTCOME_UNKNOWN', `homing ${axis.name}: link lost (${detail})`, {
          axis: axis.name,
          controller: c.config.id,
        }),
      );
      this.ctx.axisChanged(axis);
    }
  }
}

/** The controller's driver delivers move outcomes exactly once (servo-edge v2, §v2 Events). */
function exactlyOnce(c: ControllerRuntime): boolean {
  return c.driver.capabilities.eventDelivery === 'exactly-once';
}
