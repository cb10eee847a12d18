// Live telemetry for /api/v1/stream: each client gets a snapshot, then at its own rate one message with
// the axes that changed since the last one (coalesced) and the events in between. The client set, the
// drop of a client that cannot keep up and the close codes are ws-fanout.ts's, shared with the gateway's
// dashboard feed; what is here is the per-client rate and event queue.

import type { Clock } from '@servo-edge/common/clock';
import type { StreamConfig } from '../config/schema.js';
import type { MotionService } from '../motion/motion-service.js';
import type { MotionServiceEvent } from '../motion/types.js';
import { DirtyAxes, type FanoutSocket, WsFanout } from './ws-fanout.js';

type StreamEvent = Exclude<MotionServiceEvent, { type: 'axis' }>;

interface Client {
  socket: FanoutSocket;
  periodMs: number;
  dirtyAxes: DirtyAxes;
  events: StreamEvent[];
  cancelTimer: (() => void) | undefined;
}

export interface StreamHubOptions {
  service: MotionService;
  config: StreamConfig;
  clock: Clock;
  onDropped?(): void;
  onClientCount?(count: number): void;
}

export class StreamHub {
  private readonly clients: WsFanout<Client>;
  private readonly unsubscribe: () => void;

  constructor(private readonly opts: StreamHubOptions) {
    this.clients = new WsFanout<Client>({
      what: 'stream',
      maxClients: opts.config.maxClients,
      maxBufferedBytes: opts.config.maxBufferedBytes,
      ...(opts.onDropped ? { onDropped: opts.onDropped } : {}),
      ...(opts.onClientCount ? { onClientCount: opts.onClientCount } : {}),
      onRemove: (client) => {
        client.cancelTimer?.();
        client.cancelTimer = undefined;
      },
    });
    this.unsubscribe = opts.service.subscribe((event) => this.onServiceEvent(event));
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** Takes a new client; rateHz is capped by the configured rate. */
  add(socket: FanoutSocket, rateHz?: number): void {
    const { config } = this.opts;
    const hz = Math.min(rateHz ?? config.rateHz, config.rateHz);
    const client: Client = {
      socket,
      periodMs: 1000 / hz,
      dirtyAxes: new DirtyAxes(),
      events: [],
      cancelTimer: undefined,
    };
    if (!this.clients.add(socket, client)) return;
    this.clients.send(
      socket,
      JSON.stringify({
        type: 'snapshot',
        axes: this.opts.service.listAxes(),
        controllers: this.opts.service.controllers(),
      }),
    );
    this.arm(client);
  }

  close(): void {
    this.unsubscribe();
    this.clients.close();
  }

  private onServiceEvent(event: MotionServiceEvent): void {
    for (const [socket, client] of this.clients.entries()) {
      if (event.type === 'axis') {
        client.dirtyAxes.mark(event.axis);
        continue;
      }
      if (client.events.length >= this.opts.config.maxQueuedEvents) {
        this.clients.drop(socket, 'event queue overflow');
        continue;
      }
      client.events.push(event);
    }
  }

  private arm(client: Client): void {
    if (!this.clients.has(client.socket)) return;
    client.cancelTimer = this.opts.clock.after(client.periodMs, () => {
      client.cancelTimer = undefined;
      if (!this.clients.has(client.socket)) return;
      this.flush(client);
      this.arm(client);
    });
  }

  private flush(client: Client): void {
    if (client.dirtyAxes.size === 0 && client.events.length === 0) return;
    const axes = client.dirtyAxes.take(this.opts.service);
    const events = client.events;
    client.events = [];
    this.clients.send(client.socket, JSON.stringify({ type: 'update', axes, events }));
  }
}
