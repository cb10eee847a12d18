// Hand-driven axis and link sources for bridge tests.

import { asEpochMs } from '@servo-edge/common/clock';
import type { AxisStateSnapshot, SnapshotSource } from '../bridge/state-sources.js';

export interface ManualSource<T> extends SnapshotSource<T> {
  emit(snapshot: T): void;
  listenerCount(): number;
}

export function createManualSource<T>(key: (snapshot: T) => string, initial: T[] = []): ManualSource<T> {
  const latest = new Map(initial.map((snapshot) => [key(snapshot), snapshot]));
  const listeners = new Set<(snapshot: T) => void>();
  return {
    current: () => [...latest.values()],
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit(snapshot) {
      latest.set(key(snapshot), snapshot);
      for (const listener of listeners) listener(snapshot);
    },
    listenerCount: () => listeners.size,
  };
}

export const axisSnapshot = (overrides: Partial<AxisStateSnapshot> = {}): AxisStateSnapshot => ({
  axis: 'conveyor',
  controller: 'ctrl-a',
  unit: 'mm',
  position: 0,
  velocity: 0,
  target: null,
  state: 'IDLE',
  homed: true,
  positionUncertain: false,
  fault: null,
  queueDepth: 0,
  timestampMs: asEpochMs(0),
  ...overrides,
});
