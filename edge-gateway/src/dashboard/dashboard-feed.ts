// The dashboard's live feed: one snapshot per new client, then one shared, coalesced update per tick
// (changed axes, line state, new verdicts, link health, broker status, device events) sent to all.
// No timer runs and nothing is subscribed while nobody watches; a client that cannot keep up is dropped.

import type { TimerClock } from '@servo-edge/firmware-protocol';
import type { AxisStatus, ControllerStatus, MotionService, MotionServiceEvent } from '@servo-edge/motion-api';
import type { InspectionVerdict } from '../inspection/inspection-verdict.js';
import type { LineModel, LineStateSnapshot } from '../packml/line-model.js';

/** The part of a ws WebSocket the feed uses. */
export interface FeedSocket {
  readonly bufferedAmount: number;
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  on(event: 'close', listener: () => void): unknown;
}

/** Close codes (RFC 6455 §7.4.1): 1013 try again later (too slow), 1001 going away, 1008 policy. */
export const FEED_CLOSE_TOO_SLOW = 1013;
export const FEED_CLOSE_GOING_AWAY = 1001;
export const FEED_CLOSE_TOO_MANY = 1008;
const OPEN = 1;

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

export interface FeedSnapshot {
  type: 'snapshot';
  role: string;
  axes: AxisStatus[];
  controllers: ControllerStatus[];
  line: LineStateSnapshot;
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
  line: Pick<LineModel, 'snapshot' | 'onChange' | 'recentInspections'>;
  broker(): BrokerStatus;
  clock: TimerClock;
  /** Updates per second. */
  rateHz: number;
  maxClients: number;
  /** A client with more unsent bytes than this is dropped. */
  maxBufferedBytes: number;
  /** Verdicts in a snapshot, and at most this many per update. Default 12. */
  inspectionsMax?: number;
  /** Link statistics (rtt, counters) change continuously: sent this often, and at once on a link event. Default 1000. */
  controllersPeriodMs?: number;
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
  private readonly clients = new Set<FeedSocket>();
  private readonly periodMs: number;
  private readonly inspectionsMax: number;
  private readonly controllersPeriodMs: number;
  private readonly maxEvents: number;
  private dirtyAxes = new Set<string>();
  private lineDirty = false;
  private controllersDirty = false;
  private events: FeedDeviceEvent[] = [];
  private lastInspection: InspectionVerdict | undefined;
  private lastBroker = '';
  private lastControllersAtMs = 0;
  private cancelTick: (() => void) | undefined;
  private unsubscribe: (() => void)[] = [];
  private closed = false;

  constructor(private readonly opts: DashboardFeedOptions) {
    this.periodMs = 1000 / Math.max(0.1, opts.rateHz);
    this.inspectionsMax = opts.inspectionsMax ?? 12;
    this.controllersPeriodMs = opts.controllersPeriodMs ?? 1000;
    this.maxEvents = opts.maxEventsPerUpdate ?? 64;
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** Takes an authenticated socket; `role` is the key's, so the page can grey out what it may not do. */
  add(socket: FeedSocket, role: string): void {
    if (this.closed || this.clients.size >= this.opts.maxClients) {
      socket.close(FEED_CLOSE_TOO_MANY, 'too many dashboard clients');
      return;
    }
    if (this.clients.size === 0) this.startWatching();
    this.clients.add(socket);
    socket.on('close', () => this.remove(socket));
    this.opts.onClientCount?.(this.clients.size);
    const broker = this.opts.broker();
    const snapshot: FeedSnapshot = {
      type: 'snapshot',
      role,
      axes: this.opts.motion.listAxes(),
      controllers: this.opts.motion.controllers(),
      line: this.opts.line.snapshot(),
      inspections: this.opts.line.recentInspections(this.inspectionsMax).map(slimInspection),
      broker,
    };
    this.sendTo(socket, JSON.stringify(snapshot));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const socket of [...this.clients]) {
      this.remove(socket);
      socket.close(FEED_CLOSE_GOING_AWAY, 'server closing');
    }
  }

  /** Subscribes and arms the tick: only while at least one client is connected. */
  private startWatching(): void {
    const { motion, line, clock } = this.opts;
    this.dirtyAxes.clear();
    this.events = [];
    this.lineDirty = false;
    this.controllersDirty = false;
    // Verdicts already in the snapshot are not news.
    this.lastInspection = line.recentInspections(1)[0];
    this.lastBroker = JSON.stringify(this.opts.broker());
    this.lastControllersAtMs = clock.nowMs();
    this.unsubscribe = [
      motion.subscribe((event) => this.onMotionEvent(event)),
      line.onChange(() => {
        this.lineDirty = true;
      }),
    ];
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
        this.dirtyAxes.add(event.axis);
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
    this.cancelTick = clock.schedule(clock.nowMs() + this.periodMs, () => {
      this.cancelTick = undefined;
      if (this.clients.size === 0 || this.closed) return;
      this.tick();
      if (this.clients.size > 0 && !this.closed) this.arm();
    });
  }

  /** Builds one update and sends the same bytes to every client. Public for tests on a stepped clock. */
  tick(): void {
    const { motion, line, clock } = this.opts;
    const nowMs = clock.nowMs();
    const update: FeedUpdate = { type: 'update' };
    let changed = false;
    if (this.dirtyAxes.size > 0) {
      update.axes = [...this.dirtyAxes].map((name) => motion.axis(name));
      this.dirtyAxes = new Set();
      changed = true;
    }
    if (this.lineDirty) {
      update.line = line.snapshot();
      this.lineDirty = false;
      changed = true;
    }
    const fresh = this.newInspections();
    if (fresh.length > 0) {
      this.opts.onNewInspections?.(fresh);
      update.inspections = fresh.map(slimInspection);
      changed = true;
    }
    if (this.controllersDirty || nowMs - this.lastControllersAtMs >= this.controllersPeriodMs) {
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
    const data = JSON.stringify(update);
    for (const socket of [...this.clients]) this.sendTo(socket, data);
  }

  /** Verdicts pushed since the last tick, newest first (the ring holds references, so identity works). */
  private newInspections(): InspectionVerdict[] {
    const recent = this.opts.line.recentInspections(this.inspectionsMax);
    if (recent.length === 0 || recent[0] === this.lastInspection) return [];
    const seenAt = this.lastInspection === undefined ? -1 : recent.indexOf(this.lastInspection);
    this.lastInspection = recent[0];
    return seenAt === -1 ? recent : recent.slice(0, seenAt);
  }

  private sendTo(socket: FeedSocket, data: string): void {
    if (socket.readyState !== OPEN) return;
    // It has not drained what we sent before: a slow tablet on bad Wi-Fi. Drop it, never buffer forever.
    if (socket.bufferedAmount > this.opts.maxBufferedBytes) {
      this.remove(socket);
      socket.close(FEED_CLOSE_TOO_SLOW, 'too slow: send buffer full');
      return;
    }
    socket.send(data);
  }

  private remove(socket: FeedSocket): void {
    if (!this.clients.delete(socket)) return;
    if (this.clients.size === 0) this.stopWatching();
    this.opts.onClientCount?.(this.clients.size);
  }
}
