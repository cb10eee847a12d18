// The dashboard's live feed: one snapshot per new client, then one shared, coalesced update per tick
// (changed axes, line state (and at least once a second: OEE runs on), new verdicts, link health, broker status, device events) sent to all.
// No timer runs and nothing is subscribed while nobody watches. The client set, the drop of a client
// that cannot keep up, the close codes and the changed-axes set are motion-api's ws-fanout, shared with
// its /api/v1/stream.

import { type Clock, elapsedMs, type MonotonicMs } from '@servo-edge/common/clock';
import type { VerdictMessage as InspectionVerdict } from '@servo-edge/common/mqtt';
import {
  type AxisStatus,
  type ControllerStatus,
  DirtyAxes,
  type FanoutSocket,
  type MotionService,
  type MotionServiceEvent,
  WsFanout,
} from '@servo-edge/motion-api';
import type { LineModel, LineStateSnapshot } from '../packml/line-model.js';
import type { PackMLState } from '../packml/states.js';
import { MODE_CHANGE_STATES, UNIT_MODES, type UnitMode } from '../packml/unit-modes.js';

/** The part of a ws WebSocket the feed uses. */
export type FeedSocket = FanoutSocket;

export interface BrokerStatus {
  kind: 'embedded' | 'external';
  /** null before the gateway's MQTT connection exists. */
  connected: boolean | null;
}

/** A verdict as the page shows it: no decoded data, so a message stays small whatever vision sends. */
export interface FeedInspection {
  productId: string | null;
  verdict: 'pass' | 'reject';
  reasons: string[];
  detail?: string;
  camera: string;
  capturedAtMs: number | null;
  inspectedAtMs: number;
  totalMs: number;
}

export interface FeedDeviceEvent {
  controller: string;
  axis: string | null;
  event: string;
  fields: Record<string, unknown>;
}

/**
 * The unit-mode rules the page needs to offer a switch (ISA-TR88.00.02 §5.1): sent by the server so the
 * page greys out a change the state forbids without keeping its own copy of unit-modes.ts.
 */
export interface FeedUnitModes {
  modes: readonly UnitMode[];
  /** The PackML states in which the mode may change. */
  changeStates: readonly PackMLState[];
}

export interface FeedSnapshot {
  type: 'snapshot';
  role: string;
  axes: AxisStatus[];
  /** Axis name → the line station that owns it in Production (axis-ownership.ts); unowned axes absent. */
  axisOwners: Record<string, string>;
  unitModes: FeedUnitModes;
  controllers: ControllerStatus[];
  /** null: the gateway has no line (no `line` in its config); the page says so. */
  line: LineStateSnapshot | null;
  /** Newest first. */
  inspections: FeedInspection[];
  broker: BrokerStatus;
}

export interface FeedUpdate {
  type: 'update';
  axes?: AxisStatus[];
  line?: LineStateSnapshot;
  /** Verdicts since the previous update, newest first. */
  inspections?: FeedInspection[];
  controllers?: ControllerStatus[];
  broker?: BrokerStatus;
  events?: FeedDeviceEvent[];
}

export interface DashboardFeedOptions {
  motion: Pick<MotionService, 'listAxes' | 'axis' | 'controllers' | 'subscribe'>;
  /** Absent without a line: snapshots carry `line: null` and no verdicts, updates never a line. */
  line?: Pick<LineModel, 'snapshot' | 'onChange' | 'recentInspections'>;
  broker(): BrokerStatus;
  /** Axis name → owning station, as the REST guard uses it; read at each snapshot. None by default. */
  axisOwners?(): ReadonlyMap<string, string>;
  /** Ticks and the link-health period, on the monotonic clock. */
  clock: Clock;
  /** Updates per second. */
  rateHz: number;
  maxClients: number;
  /** A client with more unsent bytes than this is dropped. */
  maxBufferedBytes: number;
  /** Verdicts in a snapshot, and at most this many per update. Default 12. */
  inspectionsMax?: number;
  /** Link statistics (rtt, counters) change continuously: sent this often, and at once on a link event. Default 1000. */
  controllersPeriodMs?: number;
  /**
   * The line is sent on every change, and at least this often: OEE and the time in state run on with
   * the clock while nothing else changes (a Held line's availability falls). Default 1000.
   */
  linePeriodMs?: number;
  /** Device events held between two ticks; the rest are counted, not kept. Default 64. */
  maxEventsPerUpdate?: number;
  /** Called once per tick with the verdicts that arrived since the previous one, newest first. */
  onNewInspections?(verdicts: readonly InspectionVerdict[]): void;
  onClientCount?(count: number): void;
}

export function slimInspection(v: InspectionVerdict): FeedInspection {
  return {
    productId: v.productId,
    verdict: v.verdict,
    reasons: v.reasons,
    ...(v.detail === undefined ? {} : { detail: v.detail }),
    camera: v.camera,
    capturedAtMs: v.capturedAtMs,
    inspectedAtMs: v.inspectedAtMs,
    totalMs: v.timings.totalMs,
  };
}

export class DashboardFeed {
  private readonly clients: WsFanout<null>;
  private readonly periodMs: number;
  private readonly inspectionsMax: number;
  private readonly controllersPeriodMs: number;
  private readonly linePeriodMs: number;
  private readonly maxEvents: number;
  private readonly dirtyAxes = new DirtyAxes();
  private lineDirty = false;
  private controllersDirty = false;
  private events: FeedDeviceEvent[] = [];
  private lastInspection: InspectionVerdict | undefined;
  private lastBroker = '';
  private lastControllersAtMs: MonotonicMs;
  private lastLineAtMs: MonotonicMs;
  private cancelTick: (() => void) | undefined;
  private unsubscribe: (() => void)[] = [];
  private closed = false;

  constructor(private readonly opts: DashboardFeedOptions) {
    this.periodMs = 1000 / Math.max(0.1, opts.rateHz);
    this.inspectionsMax = opts.inspectionsMax ?? 12;
    this.controllersPeriodMs = opts.controllersPeriodMs ?? 1000;
    this.linePeriodMs = opts.linePeriodMs ?? 1000;
    this.maxEvents = opts.maxEventsPerUpdate ?? 64;
    this.lastControllersAtMs = opts.clock.monotonicMs();
    this.lastLineAtMs = opts.clock.monotonicMs();
    this.clients = new WsFanout<null>({
      what: 'dashboard',
      maxClients: opts.maxClients,
      maxBufferedBytes: opts.maxBufferedBytes,
      onFirstClient: () => this.startWatching(),
      onLastClient: () => this.stopWatching(),
      ...(opts.onClientCount ? { onClientCount: opts.onClientCount } : {}),
    });
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** Takes an authenticated socket; `role` is the key's, so the page can grey out what it may not do. */
  add(socket: FeedSocket, role: string): void {
    if (!this.clients.add(socket, null)) return;
    const broker = this.opts.broker();
    const snapshot: FeedSnapshot = {
      type: 'snapshot',
      role,
      axes: this.opts.motion.listAxes(),
      axisOwners: Object.fromEntries(this.opts.axisOwners?.() ?? []),
      unitModes: { modes: UNIT_MODES, changeStates: MODE_CHANGE_STATES },
      controllers: this.opts.motion.controllers(),
      line: this.opts.line?.snapshot() ?? null,
      inspections: (this.opts.line?.recentInspections(this.inspectionsMax) ?? []).map(slimInspection),
      broker,
    };
    this.clients.send(socket, JSON.stringify(snapshot));
  }

  close(): void {
    this.closed = true;
    this.clients.close();
  }

  /** Subscribes and arms the tick: only while at least one client is connected. */
  private startWatching(): void {
    const { motion, line, clock } = this.opts;
    this.dirtyAxes.clear();
    this.events = [];
    this.lineDirty = false;
    this.controllersDirty = false;
    // Verdicts already in the snapshot are not news.
    this.lastInspection = line?.recentInspections(1)[0];
    this.lastBroker = JSON.stringify(this.opts.broker());
    this.lastControllersAtMs = clock.monotonicMs();
    this.lastLineAtMs = clock.monotonicMs();
    this.unsubscribe = [motion.subscribe((event) => this.onMotionEvent(event))];
    if (line) {
      this.unsubscribe.push(
        line.onChange(() => {
          this.lineDirty = true;
        }),
      );
    }
    this.arm();
  }

  private stopWatching(): void {
    for (const off of this.unsubscribe) off();
    this.unsubscribe = [];
    this.cancelTick?.();
    this.cancelTick = undefined;
  }

  private onMotionEvent(event: MotionServiceEvent): void {
    switch (event.type) {
      case 'axis':
        this.dirtyAxes.mark(event.axis);
        return;
      case 'controller':
        this.controllersDirty = true;
        return;
      case 'device':
        // DONE ends every move (two per reject stroke): routine, and the axis state already shows it.
        if (event.event === 'DONE') return;
        // ESTOP and BOOT change a controller's latch and session: show them without waiting a period.
        if (event.event === 'ESTOP' || event.event === 'BOOT') this.controllersDirty = true;
        if (this.events.length < this.maxEvents) {
          this.events.push({
            controller: event.controller,
            axis: event.axis,
            event: event.event,
            fields: event.fields,
          });
        }
        return;
      case 'move':
        return;
    }
  }

  private arm(): void {
    const { clock } = this.opts;
    this.cancelTick = clock.after(this.periodMs, () => {
      this.cancelTick = undefined;
      if (this.clients.size === 0 || this.closed) return;
      this.tick();
      if (this.clients.size > 0 && !this.closed) this.arm();
    });
  }

  /** Builds one update and sends the same bytes to every client. Public for tests on a stepped clock. */
  tick(): void {
    const { motion, line, clock } = this.opts;
    const nowMs = clock.monotonicMs();
    const update: FeedUpdate = { type: 'update' };
    let changed = false;
    if (this.dirtyAxes.size > 0) {
      update.axes = this.dirtyAxes.take(motion);
      changed = true;
    }
    if (line && (this.lineDirty || elapsedMs(this.lastLineAtMs, nowMs) >= this.linePeriodMs)) {
      update.line = line.snapshot();
      this.lineDirty = false;
      this.lastLineAtMs = nowMs;
      changed = true;
    }
    const fresh = this.newInspections();
    if (fresh.length > 0) {
      this.opts.onNewInspections?.(fresh);
      update.inspections = fresh.map(slimInspection);
      changed = true;
    }
    if (this.controllersDirty || elapsedMs(this.lastControllersAtMs, nowMs) >= this.controllersPeriodMs) {
      update.controllers = motion.controllers();
      this.controllersDirty = false;
      this.lastControllersAtMs = nowMs;
      changed = true;
    }
    const broker = this.opts.broker();
    const brokerKey = JSON.stringify(broker);
    if (brokerKey !== this.lastBroker) {
      update.broker = broker;
      this.lastBroker = brokerKey;
      changed = true;
    }
    if (this.events.length > 0) {
      update.events = this.events;
      this.events = [];
      changed = true;
    }
    if (!changed) return;
    this.clients.broadcast(JSON.stringify(update));
  }

  /** Verdicts pushed since the last tick, newest first (the ring holds references, so identity works). */
  private newInspections(): InspectionVerdict[] {
    const recent = this.opts.line?.recentInspections(this.inspectionsMax) ?? [];
    if (recent.length === 0 || recent[0] === this.lastInspection) return [];
    const seenAt = this.lastInspection === undefined ? -1 : recent.indexOf(this.lastInspection);
    this.lastInspection = recent[0];
    return seenAt === -1 ? recent : recent.slice(0, seenAt);
  }
}
