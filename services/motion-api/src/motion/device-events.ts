// The device-event reducer: what the controllers report (events, GET replies, the outcome of a bring-up,
// the loss of a link) turned into axis state and move outcomes. Events per protocol v1 §Events: DONE and
// ABORTED settle the move with that seq, HOMED ends homing, FAULT and ESTOP latch, POS updates positions.

import type { EventFrame, ReplyFieldsOf } from '@servo-edge/firmware-protocol';
import { MotionError } from '../errors.js';
import type { AxisRuntime, ControllerRuntime } from './axis-runtime.js';
import type { MotionContext } from './motion-context.js';

export class DeviceEventReducer {
  constructor(
    private readonly ctx: MotionContext,
    /** Asks the controller for the axis's state again (after an event that changes more than it says). */
    private readonly refresh: (axis: AxisRuntime) => Promise<void>,
  ) {}

  onEvent(c: ControllerRuntime, event: EventFrame): void {
    if (event.event === 'POS') {
      const { p, v } = event.fields;
      for (const axis of c.axes) {
        const i = axis.config.axis - 1;
        if (i >= p.length) continue;
        if (axis.positionCounts === p[i] && axis.velocityCountsPerS === v[i]) continue;
        axis.positionCounts = p[i];
        axis.velocityCountsPerS = v[i];
        this.ctx.axisChanged(axis);
      }
      return;
    }
    const axisNumber = 'axis' in event.fields ? event.fields.axis : 0;
    const axis = c.axes.find((a) => a.config.axis === axisNumber);
    switch (event.event) {
      case 'DONE':
      case 'ABORTED': {
        const outcome = event.event === 'DONE' ? 'done' : 'aborted';
        this.ctx.moves.reported(c.config.id, event.fields.seq, outcome, event.fields.pos);
        if (axis) {
          axis.positionCounts = event.fields.pos;
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
          axis.positionCounts = event.fields.pos;
          axis.resolveHomeWaiters();
          void this.refresh(axis);
        }
        break;
      case 'FAULT': {
        if (axisNumber === 0) c.fault = event.fields.code;
        const affected = axisNumber === 0 ? c.axes : axis ? [axis] : [];
        for (const a of affected) {
          if (axisNumber !== 0) a.fault = event.fields.code;
          a.rejectHomeWaiters(
            new MotionError('HOMING_FAILED', `homing ${a.name} ended in FAULT ${event.fields.code}`, {
              axis: a.name,
              deviceCode: event.fields.code,
            }),
          );
          void this.refresh(a);
        }
        break;
      }
      case 'ESTOP':
        c.estopLatched = true;
        for (const a of c.axes) {
          a.homing = false;
          a.rejectHomeWaiters(
            new MotionError('AXIS_ESTOP', `homing ${a.name} cut short by e-stop`, { axis: a.name }),
          );
          a.commandedTargetCounts = undefined;
          void this.refresh(a);
        }
        break;
      case 'BOOT':
        // The link ends the session (PROTO_DEVICE_RESET) and its bring-up reports the reboot;
        // a BOOT at first contact (a controller that resets when its port opens) changes nothing.
        break;
      case 'BADFRAME':
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

  /** A GET reply (§Commands GET): the axis's state, and its queue depth to reconcile the moves sent before it. */
  onGetReply(axis: AxisRuntime, fields: ReplyFieldsOf<'GET'>, getOrder: number): void {
    const wasHoming = axis.homing;
    axis.applyGet(fields);
    axis.lastReportAtMs = this.ctx.clock.monotonicMs();
    const lost = this.ctx.moves.reconcile(axis.name, fields.q, getOrder);
    if (lost > 0) this.ctx.log.warn({ axis: axis.name, lost }, 'motion.events.lost');
    // Homing that stopped without HOMED (a STOP, a fault cleared meanwhile) fails its waiters.
    if (wasHoming && !axis.homing && !axis.homed && fields.st !== 'HOMING') {
      axis.rejectHomeWaiters(
        new MotionError('HOMING_FAILED', `homing ${axis.name} ended in ${fields.st} without HOMED`, {
          axis: axis.name,
        }),
      );
    }
    this.ctx.axisChanged(axis);
  }

  /** A bring-up succeeded: each axis's GET reply; after a reboot, open moves are lost for good and zeros forgotten. */
  onBringUp(
    c: ControllerRuntime,
    states: ReadonlyMap<string, ReplyFieldsOf<'GET'>>,
    rebooted: boolean,
  ): void {
    if (rebooted) {
      // Its axes must be homed again.
      this.ctx.log.warn({ controller: c.config.id }, 'motion.controller.rebooted');
      c.fault = undefined;
      this.ctx.moves.forgetController(c.config.id, 'the controller rebooted');
      for (const axis of c.axes) axis.markRebooted();
    }
    for (const axis of c.axes) {
      const fields = states.get(axis.name);
      if (fields) axis.applyGet(fields);
      if (fields?.st === 'ESTOP') c.estopLatched = true;
      axis.commandedTargetCounts = undefined;
      this.ctx.axisChanged(axis);
    }
  }

  /** The link went down: moves in flight lose sight, homing waiters fail. */
  onLinkDown(c: ControllerRuntime, detail: string): void {
    this.ctx.moves.lostSight(c.config.id, `link to ${c.config.id} lost: ${detail}`);
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
