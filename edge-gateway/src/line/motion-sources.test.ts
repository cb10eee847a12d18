// The bridge's axis and link sources over a fake motion service: every snapshot, the first ones read at
// start and each change after, is stamped with the wall clock (epoch ms), never the monotonic reading.

import { ManualClock } from '@servo-edge/common/testing';
import type { AxisStatus, ControllerStatus, MotionService, MotionServiceEvent } from '@servo-edge/motion-api';
import { describe, expect, it } from 'vitest';
import { createMotionSources } from './motion-sources.js';

const EPOCH_START_MS = 1_700_000_000_000;

function fakeMotion() {
  const listeners = new Set<(event: MotionServiceEvent) => void>();
  const axis = { name: 'conveyor', controller: 'ctrl-a', unit: 'mm', position: 1, velocity: 0 } as AxisStatus;
  const controller = {
    id: 'ctrl-a',
    path: 'sim://ctrl-a',
    connected: true,
    lastError: null,
  } as ControllerStatus;
  const motion = {
    listAxes: () => [{ ...axis, queue: { device: 0 } }],
    axis: () => ({ ...axis, queue: { device: 0 } }),
    controllers: () => [controller],
    subscribe: (listener: (event: MotionServiceEvent) => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  } as unknown as MotionService;
  const emit = (event: MotionServiceEvent) => {
    for (const listener of listeners) listener(event);
  };
  return { motion, emit };
}

describe('motion sources', () => {
  it('stamp axis and link snapshots with epoch ms, at start and on every change', () => {
    const clock = new ManualClock({ monotonicMs: 5_000, epochMs: EPOCH_START_MS });
    const { motion, emit } = fakeMotion();
    const sources = createMotionSources(motion, clock);
    // 1. What the bridge reads at start and after each reconnect.
    expect(sources.axes.current().map((s) => s.timestampMs)).toEqual([EPOCH_START_MS]);
    expect(sources.links.current().map((s) => s.timestampMs)).toEqual([EPOCH_START_MS]);
    // 2. Changes, 250 ms later.
    clock.advanceBy(250);
    const stamps: number[] = [];
    sources.axes.subscribe((s) => stamps.push(s.timestampMs));
    sources.links.subscribe((s) => stamps.push(s.timestampMs));
    emit({ type: 'axis', axis: 'conveyor' } as MotionServiceEvent);
    emit({ type: 'controller', controller: 'ctrl-a' } as MotionServiceEvent);
    expect(stamps).toEqual([EPOCH_START_MS + 250, EPOCH_START_MS + 250]);
  });
});
