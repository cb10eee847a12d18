// The life cycle of a link to a device that keeps no session (a Pololu Maestro, a Dynamixel bus): open
// the port (bounded by connectTimeoutMs), run the driver's start-up steps, be ready; on any loss (the
// port closes, the driver gives up on an unanswering device) mark itself down and reconnect with capped
// exponential backoff, then run the start-up again. The servo-edge driver's ControllerLink does the same
// around a HostSession; this one leaves the bytes to the driver.

import type { Clock } from '@servo-edge/common/clock';
import type { Logger } from '@servo-edge/common/log';
import type { ControllerConfig, ReconnectConfig } from '../../config/schema.js';
import { type Backoff, createBackoff } from '../../link/backoff.js';
import { createAbortableAttempt, openTransportWithin } from '../../link/connect-attempt.js';
import type { LinkTransport, TransportCloseInfo, TransportFactory } from '../../link/transport.js';
import type { LinkError, LinkState } from '../driver.js';

/** An error with a stable code for `lastError` (LINK_*, MAESTRO_*, DXL_*). */
export class LinkStepError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ConnectAttempt {
  /** First contact since the driver was created (nothing to compare a reboot against). */
  firstContact: boolean;
  setState(state: 'probing' | 'handshaking' | 'configuring'): void;
  /** Races a step against the loss of the port: rejects with LINK_CLOSED when it goes. */
  step<T>(promise: Promise<T>): Promise<T>;
}

export interface LinkSupervisorOptions {
  config: ControllerConfig;
  reconnect: ReconnectConfig;
  transports: TransportFactory;
  clock: Clock;
  log: Logger;
  /** Bytes from the device (the current port's only). */
  onData(chunk: Buffer): void;
  /** The driver's start-up steps once the port is open. Resolve: ready. Reject: retried after the backoff. */
  connect(attempt: ConnectAttempt): Promise<void>;
  /** The port is gone (or being dropped): fail whatever is in flight. Called before onDown. */
  onTransportGone(detail: string): void;
  onStateChange(state: LinkState): void;
  /** A ready link was lost. */
  onDown(error: LinkError): void;
}

class AttemptAborted extends LinkStepError {}

export class LinkSupervisor {
  private stateValue: LinkState = 'idle';
  private transport: LinkTransport | undefined;
  private transportClosing: Promise<void> | undefined;
  private generation = 0;
  private cancelTimer: (() => void) | undefined;
  private abortAttempt: ((error: Error) => void) | undefined;
  private readonly backoff: Backoff;
  private everReady = false;
  private readyWaiters: { resolve(): void; reject(error: Error): void }[] = [];
  reconnects = 0;
  sessions = 0;
  bytesIn = 0;
  bytesOut = 0;
  lastError: LinkError | undefined;

  constructor(private readonly opts: LinkSupervisorOptions) {
    this.backoff = createBackoff(opts.reconnect);
  }

  get state(): LinkState {
    return this.stateValue;
  }
  get ready(): boolean {
    return this.stateValue === 'ready';
  }
  /** A port is open (during start-up too). */
  get open(): boolean {
    return this.transport !== undefined && this.transportClosing === undefined;
  }

  start(): void {
    if (this.stateValue !== 'idle') return;
    void this.attempt();
  }

  whenReady(): Promise<void> {
    if (this.ready) return Promise.resolve();
    if (this.stateValue === 'closed') return Promise.reject(new LinkStepError('LINK_CLOSED', 'link closed'));
    return new Promise((resolve, reject) => this.readyWaiters.push({ resolve, reject }));
  }

  /** Writes to the open port; false when none is open. */
  write(bytes: Buffer): boolean {
    if (!this.transport || this.transportClosing) return false;
    this.bytesOut += bytes.length;
    this.transport.write(bytes);
    return true;
  }

  /** The driver gives up on the device (it stopped answering): down, then reconnect after the backoff. */
  lost(code: string, message: string): void {
    if (this.stateValue === 'closed' || this.stateValue === 'backoff') return;
    this.noteError(code, message);
    const wasReady = this.ready;
    this.abortAttempt?.(new LinkStepError(code, message));
    this.dropTransport(message);
    if (wasReady) {
      this.opts.onDown(this.lastError!);
      this.retryLater();
    }
  }

  async close(): Promise<void> {
    if (this.stateValue === 'closed') {
      await this.transportClosing;
      return;
    }
    this.setState('closed');
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.abortAttempt?.(new AttemptAborted('LINK_CLOSED', 'closed'));
    for (const waiter of this.readyWaiters.splice(0))
      waiter.reject(new LinkStepError('LINK_CLOSED', 'link closed'));
    await this.dropTransport('link closed by the host');
  }

  noteError(code: string, message: string): void {
    this.lastError = { code, message, at: new Date().toISOString() };
  }

  // ---- connect sequence ----

  private async attempt(): Promise<void> {
    if (this.stateValue === 'closed') return;
    this.cancelTimer = undefined;
    if (this.everReady) this.reconnects++;
    const { step, abort } = createAbortableAttempt();
    this.abortAttempt = abort;
    try {
      // 1. Open the port (a previous one fully closed first, so the path can be reopened).
      this.setState('connecting');
      await this.transportClosing;
      await step(this.openTransport());
      // 2. The driver's steps: a first exchange that proves the device answers, then its set-up.
      this.setState('handshaking');
      await this.opts.connect({
        firstContact: !this.everReady,
        setState: (state) => this.setState(state),
        step,
      });
      if (this.isClosed()) return;
      this.sessions++;
      this.backoff.reset();
      this.everReady = true;
      this.setState('ready');
      for (const waiter of this.readyWaiters.splice(0)) waiter.resolve();
    } catch (error) {
      if (this.isClosed()) return;
      const code =
        typeof (error as { code?: unknown })?.code === 'string'
          ? (error as { code: string }).code
          : 'LINK_BRING_UP_FAILED';
      this.noteError(code, error instanceof Error ? error.message : String(error));
      this.opts.log.warn({ controller: this.opts.config.id, code }, 'motion.link.connect_failed');
      void this.dropTransport(this.lastError!.message);
      this.retryLater();
    } finally {
      this.abortAttempt = undefined;
    }
  }

  private async openTransport(): Promise<void> {
    const generation = ++this.generation;
    this.transport = await openTransportWithin({
      path: this.opts.config.path,
      baud: this.opts.config.baud,
      transports: this.opts.transports,
      timeoutMs: this.opts.reconnect.connectTimeoutMs,
      clock: this.opts.clock,
      openError: (message) => new LinkStepError('LINK_OPEN_FAILED', message),
      handlers: {
        onData: (chunk) => {
          if (generation !== this.generation) return;
          this.bytesIn += chunk.length;
          this.opts.onData(chunk);
        },
        onClose: (info) => {
          if (generation === this.generation) this.handleTransportClose(info);
        },
      },
    });
    this.transportClosing = undefined;
  }

  // ---- losses ----

  private handleTransportClose(info: TransportCloseInfo): void {
    if (this.stateValue === 'closed') return;
    const detail = `${info.disconnected ? 'disconnected' : 'port error'}: ${info.message}`;
    this.transport = undefined;
    this.generation++;
    this.noteError('LINK_CLOSED', detail);
    const wasReady = this.ready;
    this.opts.onTransportGone(detail);
    this.abortAttempt?.(new LinkStepError('LINK_CLOSED', detail));
    if (wasReady) {
      this.opts.onDown(this.lastError!);
      this.retryLater();
    }
  }

  private retryLater(): void {
    if (this.stateValue === 'closed' || this.stateValue === 'backoff') return;
    this.setState('backoff');
    const delayMs = this.backoff.nextDelayMs();
    this.cancelTimer?.();
    this.cancelTimer = this.opts.clock.after(delayMs, () => void this.attempt());
  }

  private dropTransport(detail: string): Promise<void> {
    const transport = this.transport;
    this.transport = undefined;
    this.generation++;
    this.opts.onTransportGone(detail);
    if (transport) this.transportClosing = transport.close().catch(() => {});
    return this.transportClosing ?? Promise.resolve();
  }

  private isClosed(): boolean {
    return this.stateValue === 'closed';
  }

  private setState(state: LinkState): void {
    if (this.stateValue === state) return;
    this.stateValue = state;
    this.opts.onStateChange(state);
  }
}
