// What the bridge publishes, as small interfaces: the motion API and the line model supply the real sources.

import type { EpochMs } from '@servo-edge/common/clock';
import type { LineChange, LineStateSnapshot } from '../packml/line-model.js';

export type { LineStateSnapshot } from '../packml/line-model.js';

/** One axis, in user units; published retained on `<prefix>/axes/<axis>/state`. */
export interface AxisStateSnapshot {
  axis: string;
  controller: string;
  /** The axis's user unit from the motion config, e.g. `mm` or `deg`. */
  unit: string;
  position: number;
  velocity: number;
  target: number | null;
  /** The motion API's axis state, e.g. IDLE, MOVING, HOMING, ESTOP, FAULT, DISABLED. */
  state: string;
  homed: boolean;
  /** Set after a controller reboot: the axis must be homed again. */
  positionUncertain: boolean;
  fault: string | null;
  queueDepth: number;
  /** When the snapshot was taken, epoch ms. */
  timestampMs: EpochMs;
}

/** One serial link to a controller; published retained on `<prefix>/links/<controller>/state`. */
export interface LinkStateSnapshot {
  controller: string;
  /** e.g. `/dev/serial/by-id/...` or `sim://...`. */
  path: string;
  state: 'connecting' | 'connected' | 'disconnected' | 'reconnecting';
  rttMs: number | null;
  retransmits: number;
  crcErrors: number;
  bytesIn: number;
  bytesOut: number;
  lastError: string | null;
  /** When the snapshot was taken, epoch ms. */
  timestampMs: EpochMs;
}

/**
 * A set of keyed snapshots. `current()` is read at start and after each reconnect, so retained
 * topics are right again at once; `subscribe()` delivers every change (the bridge rate-limits).
 */
export interface SnapshotSource<T> {
  current(): readonly T[];
  /** Returns an unsubscribe function. */
  subscribe(listener: (snapshot: T) => void): () => void;
}

export type AxisStateSource = SnapshotSource<AxisStateSnapshot>;
export type LinkStateSource = SnapshotSource<LinkStateSnapshot>;

/** The line model (`LineModel` implements it). */
export interface LineStateSource {
  snapshot(): LineStateSnapshot;
  onChange(listener: (snapshot: LineStateSnapshot, change: LineChange) => void): () => void;
}
