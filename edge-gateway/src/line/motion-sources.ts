// Adapts the motion service to the bridge's snapshot sources: axis state and link state.

import type { Clock, EpochMs } from '@servo-edge/common/clock';
import type { AxisStatus, ControllerStatus, MotionService } from '@servo-edge/motion-api';
import type {
  AxisStateSnapshot,
  AxisStateSource,
  LinkStateSnapshot,
  LinkStateSource,
} from '../bridge/state-sources.js';

function axisSnapshot(status: AxisStatus, timestampMs: EpochMs): AxisStateSnapshot {
  return {
    axis: status.name,
    controller: status.controller,
    unit: status.unit,
    position: status.position ?? 0,
    velocity: status.velocity ?? 0,
    target: status.target,
    state: status.state,
    homed: status.homed,
    positionUncertain: status.positionUncertain,
    fault: status.fault,
    queueDepth: status.queue.device,
    timestampMs,
  };
}

function linkSnapshot(status: ControllerStatus, timestampMs: EpochMs): LinkStateSnapshot {
  const state: LinkStateSnapshot['state'] = status.connected
    ? 'connected'
    : status.state === 'backoff'
      ? 'reconnecting'
      : status.state === 'idle' || status.state === 'closed'
        ? 'disconnected'
        : 'connecting';
  return {
    controller: status.id,
    path: status.path,
    state,
    rttMs: status.rttMs,
    retransmits: status.retransmits,
    crcErrors: status.crcErrors,
    bytesIn: status.bytesIn,
    bytesOut: status.bytesOut,
    lastError: status.lastError ? `${status.lastError.code}: ${status.lastError.message}` : null,
    timestampMs,
  };
}

/** Snapshots are stamped with the wall clock (`epochMs`): they are published, and read on other machines. */
export function createMotionSources(
  motion: MotionService,
  clock: Pick<Clock, 'epochMs'>,
): { axes: AxisStateSource; links: LinkStateSource } {
  return {
    axes: {
      current: () => motion.listAxes().map((a) => axisSnapshot(a, clock.epochMs())),
      subscribe: (listener) =>
        motion.subscribe((event) => {
          if (event.type === 'axis') listener(axisSnapshot(motion.axis(event.axis), clock.epochMs()));
        }),
    },
    links: {
      current: () => motion.controllers().map((c) => linkSnapshot(c, clock.epochMs())),
      subscribe: (listener) =>
        motion.subscribe((event) => {
          if (event.type !== 'controller') return;
          const status = motion.controllers().find((c) => c.id === event.controller);
          if (status) listener(linkSnapshot(status, clock.epochMs()));
        }),
    },
  };
}
