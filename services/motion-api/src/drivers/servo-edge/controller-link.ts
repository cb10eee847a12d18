// The servo-edge driver's link to one controller: owns the transport and the HostSession, runs the connect sequence (open ->
// probe -> HELLO -> WDOG -> bring-up), and on any loss marks itself down and reconnects with capped
// exponential backoff. It never resends a request itself: HostSession settles each one exactly once.

import type { Clock } from '@servo-edge/common/clock';
import type { Logger } from '@servo-edge/common/log';
import {
  type ArgsOf,
  createSessionDriver,
  type DeviceInfo,
  type EventFrame,
  HostSession,
  ProtocolError,
  type Reply,
  type RequestOptions,
  type SessionDriver,
  type Verb,
} from '@servo-edge/firmware-protocol';
import type { ControllerConfig, ReconnectConfig } from '../../config/schema.js';
import { type Backoff, createBackoff } from '../../link/backoff.js';
import { createAbortableAttempt, openTransportWithin } from '../../link/connect-attempt.js';
import type { LinkTransport, TransportCloseInfo, TransportFactory } from '../../link/transport.js';
import type { LinkError, LinkHealth, LinkState } from '../driver.js';
import { type ProbeVerdict, RebootProbe } from './reboot-probe.js';

export type { LinkError, LinkHealth, LinkState };

export interface BringUpContext {
  device: DeviceInfo;
  /**
   * true: the device rebooted since the last completed bring-up (BOOT, ERR HELLO, or the probe).
   * false: it kept its session. undefined: first contact, nothing is known.
   */
  rebooted: boolean | undefined;
  /** Requests on the new session (the link is not `ready` yet, so request() refuses). */
  request<V extends Verb>(verb: V, args: ArgsOf<V>): Promise<Reply<V>>;
}

export interface ControllerLinkOptions {
  config: ControllerConfig;
  reconnect: ReconnectConfig;
  transports: TransportFactory;
  clock: Clock;
  /** The controller-specific start-up steps after HELLO (GET, SET, STREAM). The link is ready when it resolves. */
  bringUp(context: BringUpContext): Promise<void>;
  /** Every device event in arrival order, including those decoded while probing. */
  onEvent?(event: EventFrame): void;
  onStateChange?(state: LinkState): void;
  /** The session ended; every in-flight request has been failed with a typed ProtocolError. */
  onDown?(error: LinkError): void;
  /** The service's logger (never given bytes or keys); silent by default. */
  log?: Logger;
}

class AttemptAborted extends Error {
  readonly code = 'LINK_CLOSED';
}

export class ControllerLink {
  private readonly opts: ControllerLinkOptions;
  private readonly session: HostSession;
  private readonly driver: SessionDriver;
  private readonly backoff: Backoff;
  private stateValue: LinkState = 'idle';
  private transport: LinkTransport | undefined;
  private transportClosing: Promise<void> | undefined;
  private probing: { probe: RebootProbe; finish(verdict: ProbeVerdict): void } | undefined;
  /** Bumped whenever a transport is dropped, so late callbacks of an old port are ignored. */
  private generation = 0;
  private cancelTimer: (() => void) | undefined;
  /** Rejects the awaits of the running attempt when the transport drops under it. */
  private abortAttempt: ((error: Error) => void) | undefined;
  /** A device session existed (or a HELLO went out), so a later connect must ask about reboots. */
  private hadSession = false;
  /** Reboot evidence gathered since the last completed bring-up. */
  private rebootedSinceBringUp: boolean | undefined;
  private reconnects = 0;
  private overflows = 0;
  /** The version of the last session, so the probe reads that session's events (§v2 Events) after a loss. */
  private lastVersion: number | undefined;
  private everReady = false;
  private lastErrorValue: LinkError | undefined;
  private readyWaiters: { resolve(): void; reject(error: Error): void }[] = [];

  constructor(options: ControllerLinkOptions) {
    this.opts = options;
    const { config } = options;
    this.session = new HostSession({
      clock: options.clock,
      write: (bytes) => this.transport?.write(bytes),
      onEvent: (event) => this.handleEvent(event),
      onSessionLost: (error) => this.handleSessionLost(error),
      replyTimeoutMs: config.replyTimeoutMs,
      maxRetransmits: config.maxRetransmits,
      maxPendingRequests: config.maxPendingRequests,
      baud: config.baud,
      // §v2 Negotiation: ask for v2 (a v1 device answers v1, and the session falls back).
      maxProtocol: config.maxProtocol ?? 2,
    });
    this.driver = createSessionDriver(this.session, options.clock);
    this.backoff = createBackoff(options.reconnect);
  }

  get id(): string {
    return this.opts.config.id;
  }
  get state(): LinkState {
    return this.stateValue;
  }
  get ready(): boolean {
    return this.stateValue === 'ready';
  }
  /** The negotiated version while a session is up (§v2 Negotiation). */
  get protocolVersion(): number | undefined {
    return this.session.protocolVersion;
  }
  /** The v2 features the device advertised (none in a v1 session). */
  get features(): readonly string[] {
    return this.session.features;
  }

  /** Starts connecting; returns at once. Idempotent. */
  start(): void {
    if (this.stateValue !== 'idle') return;
    void this.attempt();
  }

  /** Resolves when the link is ready (at once if it is); rejects if the link is closed first. */
  whenReady(): Promise<void> {
    if (this.ready) return Promise.resolve();
    if (this.stateValue === 'closed') return Promise.reject(new ProtocolError('PROTO_SESSION_CLOSED'));
    return new Promise((resolve, reject) => this.readyWaiters.push({ resolve, reject }));
  }

  /**
   * Queues a command on the current session. Refuses with PROTO_NOT_READY (sent: false) unless ready;
   * otherwise settles exactly once as HostSession.request does.
   */
  request<V extends Verb>(verb: V, args: ArgsOf<V>, options?: RequestOptions): Promise<Reply<V>> {
    if (this.stateValue !== 'ready') {
      return Promise.reject(
        new ProtocolError('PROTO_NOT_READY', `link ${this.id} is ${this.stateValue}`, { disconnected: true }),
      );
    }
    const reply = this.session.request(verb, args, options);
    this.driver.poke();
    return reply;
  }

  /**
   * §Device rule 5: writes 0x18 now, ahead of every queued request, in whatever state the session is.
   * Returns false when no port is open, so the byte could not be written.
   */
  estop(): boolean {
    if (!this.transport || this.transportClosing) return false;
    this.session.estop();
    this.driver.poke();
    return true;
  }

  health(): LinkHealth {
    const s = this.session.stats;
    return {
      id: this.id,
      path: this.opts.config.path,
      state: this.stateValue,
      connected: this.ready,
      rttMs: s.rttMs ?? null,
      retransmits: s.retransmits,
      timeouts: s.timeouts,
      crcErrors: s.crcErrors,
      linkErrorReplies: s.linkErrorReplies,
      duplicateReplies: s.duplicateReplies,
      framesSent: s.framesSent,
      bytesIn: s.bytesIn,
      bytesOut: s.bytesOut,
      pendingRequests: this.session.outstandingCount,
      sessions: s.sessions,
      reconnects: this.reconnects,
      device: deviceInfoOf(this.session.deviceInfo),
      lastError: this.lastErrorValue ?? null,
      proto: this.session.protocolVersion ?? null,
      features: [...this.session.features],
      missingFeatures: [...this.session.missingFeatures],
      events: {
        delivered: s.eventsDelivered,
        duplicates: s.duplicateEvents,
        gaps: s.eventGaps,
        acks: s.acksSent,
        overflows: this.overflows,
      },
    };
  }

  /** Closes the link for good: in-flight requests fail with PROTO_SESSION_CLOSED. Idempotent. */
  async close(): Promise<void> {
    if (this.stateValue === 'closed') {
      await this.transportClosing;
      return;
    }
    this.setState('closed');
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.abortAttempt?.(new AttemptAborted('closed'));
    this.session.close();
    this.driver.stop();
    for (const waiter of this.readyWaiters.splice(0))
      waiter.reject(new ProtocolError('PROTO_SESSION_CLOSED'));
    await this.closeTransport();
  }

  // ---- connect sequence ----

  /** One connect attempt; on failure it schedules the next. The steps, in order, are the list below. */
  private async attempt(): Promise<void> {
    if (this.stateValue === 'closed') return;
    this.cancelTimer = undefined;
    if (this.everReady) this.reconnects++;
    const { step, abort } = createAbortableAttempt();
    this.abortAttempt = abort;
    try {
      // 1. Open the port (a previous one is fully closed first, so the path can be reopened).
      this.setState('connecting');
      await this.transportClosing;
      await step(this.openTransport());
      // 2. Probe: only when a session may exist on the device to be told apart from a reboot.
      if (this.hadSession) {
        this.setState('probing');
        const verdict = await step(this.runProbe());
        if (verdict === 'rebooted') this.rebootedSinceBringUp = true;
        else this.rebootedSinceBringUp ??= false;
      }
      // 3. HELLO (§Device rule 3).
      this.setState('handshaking');
      this.hadSession = true;
      const device = await step(this.startSession());
      // 4. The watchdog period, if configured (§Device rule 6).
      const { watchdogMs } = this.opts.config;
      if (watchdogMs !== undefined)
        await step(this.expectOk(this.sessionRequest('WDOG', { ms: watchdogMs }), 'WDOG'));
      // 5. The controller's own steps: read each axis, apply limits, start telemetry.
      this.setState('configuring');
      await step(
        this.opts.bringUp({
          device,
          // Before the first bring-up there is nothing a reboot could have invalidated.
          rebooted: this.everReady ? this.rebootedSinceBringUp : undefined,
          request: (verb, args) => this.sessionRequest(verb, args),
        }),
      );
      this.rebootedSinceBringUp = false;
      this.backoff.reset();
      this.everReady = true;
      this.setState('ready');
      for (const waiter of this.readyWaiters.splice(0)) waiter.resolve();
    } catch (error) {
      if (this.isClosed()) return;
      this.noteError(toLinkError(error, 'LINK_BRING_UP_FAILED'));
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
      openError: (message) => new LinkOpenError(message),
      handlers: {
        onData: (chunk) => {
          if (generation === this.generation) this.handleData(chunk);
        },
        onClose: (info) => {
          if (generation === this.generation) this.handleTransportClose(info);
        },
      },
    });
    this.transportClosing = undefined;
  }

  /** Writes the probe PING up to maxRetransmits+1 times; no answer at all counts as a reboot. */
  private runProbe(): Promise<ProbeVerdict> {
    const probe = new RebootProbe(this.lastVersion);
    const { replyTimeoutMs, maxRetransmits } = this.opts.config;
    return new Promise<ProbeVerdict>((resolve) => {
      let tries = 0;
      let done = false;
      const finish = (verdict: ProbeVerdict) => {
        if (done) return;
        done = true;
        this.cancelTimer?.();
        this.cancelTimer = undefined;
        if (this.probing?.probe === probe) this.probing = undefined;
        resolve(verdict);
      };
      this.probing = { probe, finish };
      const send = () => {
        if (probe.verdict) return;
        if (tries > maxRetransmits) {
          // No answer at all: assume the worst (it rebooted), so positions are not trusted.
          this.opts.log?.warn({ controller: this.id }, 'motion.link.reboot_probe_unanswered');
          finish('rebooted');
          return;
        }
        tries++;
        this.transport?.write(probe.frame());
        this.cancelTimer = this.opts.clock.after(replyTimeoutMs, send);
      };
      send();
    });
  }

  private startSession(): Promise<DeviceInfo> {
    const started = this.session.start().then((device) => {
      this.lastVersion = device.proto;
      return device;
    });
    this.driver.poke();
    return started;
  }

  private sessionRequest<V extends Verb>(verb: V, args: ArgsOf<V>): Promise<Reply<V>> {
    const reply = this.session.request(verb, args);
    this.driver.poke();
    return reply;
  }

  private async expectOk(reply: Promise<Reply>, what: string): Promise<void> {
    const settled = await reply;
    if (!settled.ok) throw new BringUpError(`${what} answered ERR ${settled.code}`);
  }

  // ---- losses ----

  private handleData(chunk: Buffer): void {
    if (this.probing) {
      // Bytes before HELLO go to the probe; its verdict settles the probe step.
      const { probe, finish } = this.probing;
      const verdict = probe.receive(chunk, (event) => this.handleEvent(event));
      if (verdict) finish(verdict);
      return;
    }
    this.session.receive(chunk);
    this.driver.poke();
  }

  private handleEvent(event: EventFrame): void {
    if (event.event === 'BOOT' && this.hadSession) this.rebootedSinceBringUp = true;
    if (event.event === 'OVERFLOW') this.overflows++;
    this.opts.onEvent?.(event);
  }

  private handleTransportClose(info: TransportCloseInfo): void {
    if (this.stateValue === 'closed') return;
    this.transport = undefined;
    this.probing = undefined;
    this.generation++;
    const detail = `${info.disconnected ? 'disconnected' : 'port error'}: ${info.message}`;
    this.noteError({ code: 'LINK_CLOSED', message: detail, at: new Date().toISOString() });
    // Fails the session (if up) with PROTO_LINK_LOST: see handleSessionLost.
    this.session.linkLost(detail);
    this.abortAttempt?.(new LinkClosedError(detail));
  }

  private handleSessionLost(error: ProtocolError): void {
    if (this.stateValue === 'closed') return;
    if (error.code === 'PROTO_DEVICE_RESET') this.rebootedSinceBringUp = true;
    const linkError = toLinkError(error, error.code);
    if (error.code !== 'PROTO_LINK_LOST' || !this.lastErrorValue) this.noteError(linkError);
    this.opts.onDown?.(linkError);
    // During an attempt, the attempt's await rejects and it schedules the retry itself.
    if (this.stateValue === 'ready') this.retryLater();
  }

  private retryLater(): void {
    if (this.stateValue === 'closed' || this.stateValue === 'backoff') return;
    this.setState('backoff');
    this.driver.poke();
    void this.closeTransport();
    const delayMs = this.backoff.nextDelayMs();
    this.cancelTimer?.();
    this.cancelTimer = this.opts.clock.after(delayMs, () => void this.attempt());
  }

  private closeTransport(): Promise<void> {
    const transport = this.transport;
    this.transport = undefined;
    this.probing = undefined;
    this.generation++;
    if (transport) {
      // A port that is still open: tell the session its bytes are gone before they pile up.
      this.session.linkLost('link closed by the host');
      this.transportClosing = transport.close().catch(() => {});
    }
    return this.transportClosing ?? Promise.resolve();
  }

  private noteError(error: LinkError): void {
    this.lastErrorValue = error;
  }

  /** A method, so the compiler does not narrow the state across awaits. */
  private isClosed(): boolean {
    return this.stateValue === 'closed';
  }

  private setState(state: LinkState): void {
    if (this.stateValue === state) return;
    this.stateValue = state;
    this.opts.onStateChange?.(state);
  }
}

class LinkOpenError extends Error {
  readonly code = 'LINK_OPEN_FAILED';
}
class LinkClosedError extends Error {
  readonly code = 'LINK_CLOSED';
}
class BringUpError extends Error {
  readonly code = 'LINK_BRING_UP_FAILED';
}

/** HELLO's fields as the API shows them; the v2 ones only in a v2 session. */
function deviceInfoOf(info: DeviceInfo | undefined): LinkHealth['device'] {
  if (!info) return null;
  const { proto, fw, axes, rx, win, qd, wd, ev, pmax, feat } = info;
  return {
    proto,
    fw,
    axes,
    rx,
    win,
    qd,
    wd,
    ...(ev === undefined ? {} : { ev }),
    ...(pmax === undefined ? {} : { pmax }),
    ...(feat === undefined ? {} : { feat: [...feat] }),
  };
}

function toLinkError(error: unknown, fallbackCode: string): LinkError {
  const code =
    error instanceof ProtocolError
      ? error.code
      : typeof (error as { code?: unknown })?.code === 'string'
        ? (error as { code: string }).code
        : fallbackCode;
  return {
    code,
    message: error instanceof Error ? error.message : String(error),
    at: new Date().toISOString(),
  };
}

export function createControllerLink(options: ControllerLinkOptions): ControllerLink {
  return new ControllerLink(options);
}
