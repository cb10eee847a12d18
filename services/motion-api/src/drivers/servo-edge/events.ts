// Protocol events (§Events) as the seam's DriverEvents: DONE/ABORTED name their MOVE by seq (the move's
// ref), POS lists every axis from 1 (or from a= in a v2 split sample, §v2 Positions), and an event the
// service does not act on is passed on as a NOTICE for the API to show.

import type { EventFrame, ReplyFieldsOf } from '@servo-edge/firmware-protocol';
import type { AxisReport, DriverEvent } from '../driver.js';

export function toDriverEvent(frame: EventFrame): DriverEvent {
  const fields = { ...frame.fields } as Record<string, unknown>;
  switch (frame.event) {
    case 'POS': {
      const first = frame.fields.a ?? 1;
      const { p, v } = frame.fields;
      return {
        event: 'POS',
        samples: p.map((positionCounts, i) => ({
          axis: first + i,
          positionCounts,
          velocityCountsPerS: v[i] ?? 0,
        })),
      };
    }
    case 'DONE':
    case 'ABORTED':
      return {
        event: frame.event,
        axis: frame.fields.axis,
        ref: frame.fields.seq,
        positionCounts: frame.fields.pos,
        fields,
      };
    case 'HOMED':
      return { event: 'HOMED', axis: frame.fields.axis, positionCounts: frame.fields.pos, fields };
    case 'FAULT':
      // §Events FAULT: axis 0 is the whole controller (a WATCHDOG, say).
      return {
        event: 'FAULT',
        axis: frame.fields.axis === 0 ? null : frame.fields.axis,
        code: frame.fields.code,
        fields,
      };
    case 'ESTOP':
      return { event: 'ESTOP', fields };
    case 'STARTED':
      // §v2 Triggered moves: the TMOVE's seq is the move's ref; t is the device time of the crossing.
      return {
        event: 'STARTED',
        axis: frame.fields.axis,
        ref: frame.fields.seq,
        deviceTimeMs: frame.fields.t,
        fields,
      };
    case 'LEASE':
      return { event: 'LEASE', axis: frame.fields.axis, positionCounts: frame.fields.pos, fields };
    case 'OVERFLOW':
      return { event: 'OVERFLOW', lost: frame.fields.lost, fields };
    case 'BOOT':
      return { event: 'BOOT', fields };
    case 'BADFRAME':
      return { event: 'BADFRAME', fields };
    default: {
      // An event of a newer protocol than this table: shown, not acted on.
      const other = frame as { event: string; fields: Record<string, unknown> };
      return {
        event: 'NOTICE',
        axis: 'axis' in other.fields && Number(other.fields.axis) !== 0 ? Number(other.fields.axis) : null,
        fields: { name: other.event, ...fields },
      };
    }
  }
}

/** A GET reply (§Commands GET) as the seam's AxisReport. */
export function toAxisReport(fields: ReplyFieldsOf<'GET'>): AxisReport {
  return {
    positionCounts: fields.pos,
    velocityCountsPerS: fields.vel,
    targetCounts: fields.tgt,
    state: fields.st,
    queueDepth: fields.q,
    // §v2 Fields: GET run= (v2 only).
    ...(fields.run === undefined ? {} : { runningRef: fields.run }),
  };
}
