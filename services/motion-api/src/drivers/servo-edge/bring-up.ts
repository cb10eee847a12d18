// The start-up steps of one controller after HELLO, as an explicit list: read each axis (GET), apply
// the configured limits (SET MIN/MAX/VMAX/AMAX/FERR), start telemetry (STREAM). Requests of a step are
// pipelined; any ERR fails the bring-up, and the link retries it after its backoff.

import type { LimitKey, ReplyFieldsOf } from '@servo-edge/firmware-protocol';
import type { AxisConfig } from '../../config/schema.js';
import { positionToCounts, unitsToPositiveCounts } from '../../units.js';
import type { BringUpContext } from './controller-link.js';

export class BringUpError extends Error {
  readonly code = 'LINK_BRING_UP_FAILED';
}

/**
 * The SET commands that apply an axis's configured limits, in counts. The soft limits are clamped to
 * what the session carries (`maxPositionCounts`: ±(2^31-1) in v1, pmax in v2, §v2 Positions): the
 * host refuses a target beyond that range anyway, so the clamp only keeps SET on the wire.
 */
export function limitCommands(
  axis: AxisConfig,
  maxPositionCounts = Number.MAX_SAFE_INTEGER,
): { key: LimitKey; value: number }[] {
  const cpu = axis.countsPerUnit;
  const clamp = (counts: number) => Math.max(-maxPositionCounts, Math.min(maxPositionCounts, counts));
  const commands: { key: LimitKey; value: number }[] = [
    { key: 'MIN', value: clamp(positionToCounts(axis.minUnits, axis)) },
    { key: 'MAX', value: clamp(positionToCounts(axis.maxUnits, axis)) },
    { key: 'VMAX', value: unitsToPositiveCounts(axis.maxVelocityUnitsPerS, cpu) },
    { key: 'AMAX', value: unitsToPositiveCounts(axis.maxAccelerationUnitsPerS2, cpu) },
  ];
  if (axis.followingErrorLimitUnits !== undefined) {
    commands.push({ key: 'FERR', value: unitsToPositiveCounts(axis.followingErrorLimitUnits, cpu) });
  }
  return commands;
}

/** Runs the steps; resolves with each axis's GET reply, keyed by axis name. */
export async function bringUpController(
  context: BringUpContext,
  axes: readonly AxisConfig[],
  streamHz: number,
  maxPositionCounts?: number,
): Promise<Map<string, ReplyFieldsOf<'GET'>>> {
  // 0. Every configured axis must exist on this controller.
  for (const axis of axes) {
    if (axis.axis > context.device.axes) {
      throw new BringUpError(
        `axis "${axis.name}" is number ${axis.axis}, the controller has ${context.device.axes}`,
      );
    }
  }
  // 1. GET each axis.
  const states = new Map<string, ReplyFieldsOf<'GET'>>();
  await Promise.all(
    axes.map(async (axis) => {
      const reply = await context.request('GET', { axis: axis.axis });
      if (!reply.ok) throw new BringUpError(`GET ${axis.axis} answered ERR ${reply.code}`);
      states.set(axis.name, reply.fields);
    }),
  );
  // 2. SET the configured limits.
  await Promise.all(
    axes.flatMap((axis) =>
      limitCommands(axis, maxPositionCounts).map(async ({ key, value }) => {
        const reply = await context.request('SET', { axis: axis.axis, key, value });
        if (!reply.ok) throw new BringUpError(`SET ${axis.axis} ${key} ${value} answered ERR ${reply.code}`);
      }),
    ),
  );
  // 3. STREAM at the configured rate (0 turns it off, which a kept session may still have on).
  const reply = await context.request('STREAM', { hz: streamHz });
  if (!reply.ok) throw new BringUpError(`STREAM ${streamHz} answered ERR ${reply.code}`);
  return states;
}
