// What every WebSocket broadcaster of servo-edge shares (motion-api's /stream, the gateway's dashboard
// feed): a bounded set of clients, each dropped with 1013 once it stops draining what it was sent (never
// buffered forever), refused with 1008 beyond maxClients, told 1001 when the server closes; and the set
// of axes that changed since the last update, sent as their latest state only (coalesced).

import type { AxisStatus } from '../motion/axis-runtime.js';
import type { MotionService } from '../motion/motion-service.js';

/** The part of a ws WebSocket a fan-out uses. */
export interface FanoutSocket {
  readonly bufferedAmount: number;
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  on(event: 'close', listener: () => void): unknown;
}

/** Close codes (RFC 6455 §7.4.1). */
export const WS_CLOSE = {
  /** 1001: the server is going away. */
  GOING_AWAY: 1001,
  /** 1008: policy violation; here, one client too many. */
  TOO_MANY: 1008,
  /** 1013: try again later; here, a client too slow to drain what it was sent. */
  TOO_SLOW: 1013,
} as const;

/** WebSocket.OPEN (RFC 6455 §4.1 "_The WebSocket Connection is Established_"). */
const OPEN = 1;

export interface WsFanoutOptions<T> {
  /** Clients at once; the next is closed with 1008. */
  maxClients: number;
  /** A client with more unsent bytes than this is dropped (1013). */
  maxBufferedBytes: number;
  /** Who refuses, in close reasons: `too many ${what} clients`. */
  what: string;
  /** The first client joined: start watching what is broadcast. */
  onFirstClient?(): void;
  /** The last client left (or was dropped): stop watching, no timer need run. */
  onLastClient?(): void;
  onClientCount?(count: number): void;
  /** A client was dropped for being too slow. */
  onDropped?(): void;
  /** A client left, was dropped or closed: release what its state holds (a timer). */
  onRemove?(state: T): void;
}

/**
 * A bounded set of WebSocket clients, each with state `T` of the broadcaster's own (a rate, queued
 * events). send() never buffers beyond maxBufferedBytes: a client that has not drained is dropped.
 */
export class WsFanout<T> {
  private readonly clients = new Map<FanoutSocket, T>();
  private closed = false;

  constructor(private readonly opts: WsFanoutOptions<T>) {}

  get size(): number {
    return this.clients.size;
  }

  /** The clients and their state, in the order they joined (a copy: sending may drop one). */
  entries(): [FanoutSocket, T][] {
    return [...this.clients];
  }

  has(socket: FanoutSocket): boolean {
    return this.clients.has(socket);
  }

  /** Takes a client; false (and the socket closed with 1008) when closed or full. */
  add(socket: FanoutSocket, state: T): boolean {
    if (this.closed || this.clients.size >= this.opts.maxClients) {
      socket.close(WS_CLOSE.TOO_MANY, `too many ${this.opts.what} clients`);
      return false;
    }
    if (this.clients.size === 0) this.opts.onFirstClient?.();
    this.clients.set(socket, state);
    socket.on('close', () => this.remove(socket));
    this.opts.onClientCount?.(this.clients.size);
    return true;
  }

  /** Sends unless the socket is not open; drops it instead when it has not drained what it was sent. */
  send(socket: FanoutSocket, data: string): void {
    if (socket.readyState !== OPEN) return;
    if (socket.bufferedAmount > this.opts.maxBufferedBytes) {
      this.drop(socket, 'send buffer full');
      return;
    }
    socket.send(data);
  }

  /** The same bytes to every client. */
  broadcast(data: string): void {
    for (const [socket] of this.entries()) this.send(socket, data);
  }

  /** Removes a client that cannot keep up and closes it with 1013. */
  drop(socket: FanoutSocket, reason: string): void {
    if (!this.clients.has(socket)) return;
    this.remove(socket);
    this.opts.onDropped?.();
    socket.close(WS_CLOSE.TOO_SLOW, `too slow: ${reason}`);
  }

  remove(socket: FanoutSocket): void {
    const state = this.clients.get(socket);
    if (!this.clients.delete(socket)) return;
    this.opts.onRemove?.(state as T);
    if (this.clients.size === 0) this.opts.onLastClient?.();
    this.opts.onClientCount?.(this.clients.size);
  }

  /** Closes every client with 1001 and refuses new ones. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const [socket] of this.entries()) {
      this.remove(socket);
      socket.close(WS_CLOSE.GOING_AWAY, 'server closing');
    }
  }
}

/** Axes that changed since the last update: only their latest state is sent, however often they changed. */
export class DirtyAxes {
  private names = new Set<string>();

  get size(): number {
    return this.names.size;
  }

  mark(axis: string): void {
    this.names.add(axis);
  }

  clear(): void {
    this.names = new Set();
  }

  /** The current status of each axis marked since the last take, in marking order; then forgets them. */
  take(motion: Pick<MotionService, 'axis'>): AxisStatus[] {
    const axes = [...this.names].map((name) => motion.axis(name));
    this.names = new Set();
    return axes;
  }
}
