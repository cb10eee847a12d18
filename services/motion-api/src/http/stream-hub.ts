// Live telemetry for WebSocket clients: each client gets a snapshot, then at its own rate one message
// with the axes that changed since the last one (coalesced) and the events in between. A client that
// cannot keep up (unsent bytes or queued events beyond their bounds) is dropped, never buffered forever.

import type { Clock } from '@servo-edge/common/clock';
import type { StreamConfig } from '../config/schema.js';
import type { MotionService, MotionServiceEvent } from '../motion/motion-service.js';

/** The part of a ws WebSocket the hub uses. */
export interface StreamSocket {
  readonly bufferedAmount: number;
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  on(event: 'close', listener: () => void): unknown;
}

/** Close codes (RFC 6455 §7.4.1): 1013 try again later (too slow), 1001 going away, 1008 policy. */
export const CLOSE_TOO_SLOW = 1013;
export const CLOSE_GOING_AWAY = 1001;
export const CLOSE_TOO_MANY = 1008;
const OPEN = 1;

type StreamEvent = Exclude<MotionServiceEvent, { type: 'axis' }>;

interface Client {
  socket: StreamSocket;
  periodMs: number;
  dirtyAxes: Set<string>;
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
  private readonly clients = new Set<Client>();
  private readonly unsubscribe: () => void;
  private closed = false;

  constructor(private readonly opts: StreamHubOptions) {
    this.unsubscribe = opts.service.subscribe((event) => this.onServiceEvent(event));
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** Takes a new client; rateHz is capped by the configured rate. */
  add(socket: StreamSocket, rateHz?: number): void {
    const { config } = this.opts;
    if (this.closed || this.clients.size >= config.maxClients) {
      socket.close(CLOSE_TOO_MANY, 'too many stream clients');
      return;
    }
    const hz = Math.min(rateHz ?? config.rateHz, config.rateHz);
    const client: Client = {
      socket,
      periodMs: 1000 / hz,
      dirtyAxes: new Set(),
      events: [],
      cancelTimer: undefined,
    };
    this.clients.add(client);
    this.opts.onClientCount?.(this.clients.size);
    socket.on('close', () => this.remove(client));
    this.sendTo(client, {
      type: 'snapshot',
      axes: this.opts.service.listAxes(),
      controllers: this.opts.service.controllers(),
    });
    this.arm(client);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    for (const client of [...this.clients]) {
      this.remove(client);
      client.socket.close(CLOSE_GOING_AWAY, 'server closing');
    }
  }

  private onServiceEvent(event: MotionServiceEvent): void {
    for (const client of this.clients) {
      if (event.type === 'axis') {
        client.dirtyAxes.add(event.axis);
        continue;
      }
      if (client.events.length >= this.opts.config.maxQueuedEvents) {
        this.drop(client, 'event queue overflow');
        continue;
      }
      client.events.push(event);
    }
  }

  private arm(client: Client): void {
    const { clock } = this.opts;
    client.cancelTimer = clock.after(client.periodMs, () => {
      client.cancelTimer = undefined;
      if (!this.clients.has(client)) return;
      this.flush(client);
      if (this.clients.has(client)) this.arm(client);
    });
  }

  private flush(client: Client): void {
    if (client.dirtyAxes.size === 0 && client.events.length === 0) return;
    const axes = [...client.dirtyAxes].map((name) => this.opts.service.axis(name));
    const events = client.events;
    client.dirtyAxes = new Set();
    client.events = [];
    this.sendTo(client, { type: 'update', axes, events });
  }

  private sendTo(client: Client, message: unknown): void {
    const { socket } = client;
    if (socket.readyState !== OPEN) return;
    // The socket has not drained what we sent before: this client cannot keep up.
    if (socket.bufferedAmount > this.opts.config.maxBufferedBytes) {
      this.drop(client, 'send buffer full');
      return;
    }
    socket.send(JSON.stringify(message));
  }

  private drop(client: Client, reason: string): void {
    this.remove(client);
    this.opts.onDropped?.();
    client.socket.close(CLOSE_TOO_SLOW, `too slow: ${reason}`);
  }

  private remove(client: Client): void {
    if (!this.clients.delete(client)) return;
    client.cancelTimer?.();
    client.cancelTimer = undefined;
    this.opts.onClientCount?.(this.clients.size);
  }
}
