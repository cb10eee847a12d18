// The dashboard feed of a gateway without a line (no `line` in its config): the snapshot carries the axes
// and `line: null`, so the page says no line is configured; updates carry axes, never a line or verdicts.

import { ManualClock } from '@servo-edge/common/testing';
import type { AxisStatus, ControllerStatus, MotionServiceEvent } from '@servo-edge/motion-api';
import { FakeWebSocket as FakeSocket } from '@servo-edge/motion-api/testing';
import { describe, expect, it } from 'vitest';
import { DashboardFeed } from './dashboard-feed.js';

function axisStatus(name: string, position: number): AxisStatus {
  return { name, position, velocity: 0, state: 'IDLE' } as AxisStatus;
}

describe('DashboardFeed without a line', () => {
  it('sends the axes and line: null, then axis updates only', () => {
    const clock = new ManualClock({ monotonicMs: 1000 });
    const listeners = new Set<(event: MotionServiceEvent) => void>();
    const positions = new Map([['pan', 0]]);
    const feed = new DashboardFeed({
      motion: {
        listAxes: () => [...positions].map(([name, p]) => axisStatus(name, p)),
        axis: (name: string) => axisStatus(name, positions.get(name)!),
        controllers: () => [{ id: 'servos' }] as unknown as ControllerStatus[],
        subscribe(listener) {
          listeners.add(listener);
          return () => listeners.delete(listener);
        },
      },
      broker: () => ({ kind: 'embedded', connected: true }),
      clock,
      rateHz: 10,
      maxClients: 2,
      maxBufferedBytes: 10_000,
      controllersPeriodMs: 60_000,
    });
    const socket = new FakeSocket();
    feed.add(socket, 'admin');
    expect(socket.last()).toMatchObject({
      type: 'snapshot',
      axes: [{ name: 'pan', position: 0 }],
      line: null,
      inspections: [],
    });
    // 1. An axis moves: the next tick sends it, and nothing about a line.
    positions.set('pan', 45);
    for (const listener of listeners) listener({ type: 'axis', axis: 'pan' });
    clock.advanceBy(100);
    const update = socket.last() as Record<string, unknown>;
    expect(update).toMatchObject({ type: 'update', axes: [{ name: 'pan', position: 45 }] });
    expect(update).not.toHaveProperty('line');
    expect(update).not.toHaveProperty('inspections');
    feed.close();
  });
});
