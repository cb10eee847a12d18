// The host's side of protocol v1 as a state machine with no I/O and no timers: it assigns seq,
// keeps the window, matches replies, retransmits go-back-N, drops duplicate replies, schedules
// PINGs and settles every request exactly once. The owner feeds bytes in (receive), calls
// tick() at nextDeadlineMs(), and supplies write().

import type { Clock, MonotonicMs } from '@servo-edge/common/clock';
import { ProtocolError, type ProtocolErrorCode } from '../errors.js';
import {
  DEFAULT_BAUD,
  ESTOP_BYTE,
  PROTOCOL_VERSION,
  REPLAY_WINDOW_FRAMES,
  wireTimeMs,
} from '../wire/constants.js';
import { DeviceLineDecoder } from '../wire/decoder.js';
import { encodeCommandBody, encodeLine } from '../wire/encode.js';
import type { EventFrame, HostBoundItem, ReplyFrame } from '../wire/frames.js';
import {
  type ArgsOf,
  LINK_ERROR_CODES,
  type Reply,
  type ReplyFieldsOf,
  type Verb,
} from '../wire/messages.js';
import { parseReplyFields } from '../wire/parse-line.js';
import { nextSeq } from '../wire/seq.js';

export type HostSessionState = 'idle' | 'handshaking' | 'ready' | 'lost' | 'closed';
export type DeviceInfo = ReplyFieldsOf<'HELLO'>;

export interface HostSessionOptions {
  clock: Clock;
  /** Puts bytes on the link, in order. Must not throw: transport failures are reported with linkLost(). */
  write(bytes: Buffer): void;
  /** Every event line (§Events), in arrival order, including BOOT and ESTOP. */
  onEvent?(event: EventFrame): void;
  /** The session ended (link lost, device reset, timeout, desync, close). Called once per session. */
  onSessionLost?(error: ProtocolError): void;
  /** Reply wait beyond the wire time of the bytes ahead of the frame. Default 250 ms (device budget 50 ms + USB/OS latency). */
  replyTimeoutMs?: number;
  /** Retransmissions of one frame before the session is declared lost. Default 5. */
  maxRetransmits?: number;
  /** Bound on requests waiting for window space. Default 1024. */
  maxPendingRequests?: number;
  /** Line rate, used to scale reply timeouts with the bytes queued ahead. Default 115200. */
  baud?: number;
  /** Send PING after wd/4 of silence (§Device rule 6). Default true. */
  heartbeat?: boolean;
}

export interface HostSessionStats {
  framesSent: number;
  retransmits: number;
  timeouts: number;
  /** Lines from the device that failed checksum or syntax here. */
  crcErrors: number;
  /** ERR CRC / SYNTAX / TOO_LONG / SEQ replies: the device saw a damaged or out-of-order frame. */
  linkErrorReplies: number;
  duplicateReplies: number;
  bytesOut: number;
  bytesIn: number;
  /** Smoothed request->reply time of frames answered on their first transmission (Karn's rule). */
  rttMs: number | undefined;
  sessions: number;
  lastError: { code: ProtocolErrorCode; atMs: number; detail: string } | undefined;
}

/** Per-request options of HostSession.request(). */
export interface RequestOptions {
  /**
   * Called synchronously when the frame takes its seq, just before its first write, so before any reply or
   * event can be processed. MOVE needs it: DONE and ABORTED name the MOVE by its seq (§Commands),
   * and they may be decoded from the same chunk as the reply, before the request's promise settles.
   */
  onSent?(seq: number): void;
}

interface Outstanding {
  verb: Verb;
  /** For WDOG: the period it asks for, which the heartbeat follows once the device accepts it. */
  watchdogMs?: number;
  body: string;
  onSent: ((seq: number) => void) | undefined;
  resolve(reply: Reply): void;
  reject(error: ProtocolError): void;
  /** Internal frames (PING) settle nobody. */
  internal: boolean;
  // Set once the frame takes a seq and goes out:
  seq: number;
  bytes: Buffer;
  txCount: number;
  /** Replies (good or damaged) attributed to this seq; replies arrive in transmission order. */
  replyCount: number;
  /** Global transmission order of the latest transmission. */
  lastTxOrder: number;
  firstTxAtMs: number;
  deadlineMs: number;
  answered: boolean;
}

const DEFAULTS = {
  replyTimeoutMs: 250,
  maxRetransmits: 5,
  maxPendingRequests: 1024,
  baud: DEFAULT_BAUD,
  heartbeat: true,
};

export class HostSession {
  private readonly opts: Required<Omit<HostSessionOptions, 'onEvent' | 'onSessionLost'>> &
    Pick<HostSessionOptions, 'onEvent' | 'onSessionLost'>;
  private readonly decoder = new DeviceLineDecoder();
  private stateValue: HostSessionState = 'idle';
  private device: DeviceInfo | undefined;
  /** The device's watchdog period: HELLO's wd, then whatever an answered WDOG set (§Device rule 6). */
  private watchdogMs = 0;
  /** Frames sent and not yet retired, in seq order; a contiguous run of seqs. */
  private inflight: Outstanding[] = [];
  private readonly bySeq = new Map<number, Outstanding>();
  private pending: Outstanding[] = [];
  private unansweredBytes = 0;
  private nextSeqToSend = 1;
  private txOrder = 0;
  private lastWriteAtMs = 0;
  private pingOutstanding = false;
  private readonly statsValue: HostSessionStats = {
    framesSent: 0,
    retransmits: 0,
    timeouts: 0,
    crcErrors: 0,
    linkErrorReplies: 0,
    duplicateReplies: 0,
    bytesOut: 0,
    bytesIn: 0,
    rttMs: undefined,
    sessions: 0,
    lastError: undefined,
  };
  private readonly onItem = (item: HostBoundItem) => this.handleItem(item);

  constructor(options: HostSessionOptions) {
    this.opts = { ...DEFAULTS, ...options };
  }

  get state(): HostSessionState {
    return this.stateValue;
  }
  /** What HELLO reported, while a session is up. */
  get deviceInfo(): DeviceInfo | undefined {
    return this.device;
  }
  get stats(): Readonly<HostSessionStats> {
    return this.statsValue;
  }
  /** Requests sent and not yet answered plus requests waiting for window space. */
  get outstandingCount(): number {
    return this.pending.length + this.inflight.filter((o) => !o.answered).length;
  }

  /**
   * Sends HELLO (§Device rule 3) and resolves with the device's limits once the session is up.
   * Rejects with PROTO_INCOMPATIBLE_DEVICE, PROTO_REPLY_TIMEOUT, PROTO_LINK_LOST or PROTO_SESSION_CLOSED.
   */
  start(): Promise<DeviceInfo> {
    if (this.stateValue === 'closed') return Promise.reject(new ProtocolError('PROTO_SESSION_CLOSED'));
    if (this.stateValue === 'handshaking' || this.stateValue === 'ready') {
      return Promise.reject(new ProtocolError('PROTO_INVALID_ARGUMENT', 'start() while a session is up'));
    }
    this.stateValue = 'handshaking';
    this.decoder.reset();
    this.device = undefined;
    return new Promise<DeviceInfo>((resolve, reject) => {
      const hello = this.makeOutstanding('HELLO', 'HELLO', false, (reply) => {
        if (!reply.ok) {
          const detail = `HELLO answered ERR ${reply.code}`;
          this.loseSession('PROTO_INCOMPATIBLE_DEVICE', detail);
          reject(new ProtocolError('PROTO_INCOMPATIBLE_DEVICE', detail, { sent: true }));
          return;
        }
        const info = reply.fields as DeviceInfo;
        const problem =
          info.proto !== PROTOCOL_VERSION
            ? `proto=${info.proto}`
            : info.win < 1 || info.rx < 16
              ? `win=${info.win} rx=${info.rx}`
              : undefined;
        if (problem) {
          this.loseSession('PROTO_INCOMPATIBLE_DEVICE', problem);
          reject(new ProtocolError('PROTO_INCOMPATIBLE_DEVICE', problem, { sent: true }));
          return;
        }
        this.device = info;
        this.watchdogMs = info.wd;
        this.stateValue = 'ready';
        this.statsValue.sessions++;
        resolve(info);
        this.pump();
      });
      hello.reject = reject;
      // HELLO is executed whatever its seq (§Device rule 3), so it needs no window bookkeeping.
      this.send(hello);
    });
  }

  /**
   * Queues a command. Resolves exactly once with the device's reply (OK or an application
   * ERR such as RANGE or ESTOP), or rejects with a ProtocolError whose `sent` flag says whether
   * the frame ever reached the wire (if not, it certainly did not execute).
   */
  request<V extends Verb>(verb: V, args: ArgsOf<V>, options?: RequestOptions): Promise<Reply<V>> {
    if (this.stateValue === 'closed') return Promise.reject(new ProtocolError('PROTO_SESSION_CLOSED'));
    if (this.stateValue !== 'ready') {
      return Promise.reject(
        new ProtocolError('PROTO_NOT_READY', `state ${this.stateValue}`, { disconnected: true }),
      );
    }
    if (verb === 'HELLO') return Promise.reject(new ProtocolError('PROTO_INVALID_ARGUMENT', 'use start()'));
    if (this.pending.length >= this.opts.maxPendingRequests) {
      return Promise.reject(new ProtocolError('PROTO_QUEUE_FULL', `${this.pending.length} waiting`));
    }
    let body: string;
    try {
      body = encodeCommandBody(verb, args);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<Reply<V>>((resolve, reject) => {
      const entry = this.makeOutstanding(verb, body, false, resolve as (reply: Reply) => void);
      entry.reject = reject;
      entry.onSent = options?.onSent;
      if (verb === 'WDOG') entry.watchdogMs = (args as ArgsOf<'WDOG'>).ms;
      this.pending.push(entry);
      this.pump();
    });
  }

  /**
   * §Device rule 5: the realtime e-stop byte. Written at once, ahead of every pending request;
   * only bytes already handed to write() are ahead of it, and the window bounds those to `rx`.
   */
  estop(): void {
    this.writeBytes(Buffer.from([ESTOP_BYTE]));
  }

  /** Bytes from the link, any chunking. */
  receive(chunk: Uint8Array): void {
    this.statsValue.bytesIn += chunk.length;
    this.decoder.push(chunk, this.onItem);
  }

  /** Runs timeouts and the heartbeat. Call it at nextDeadlineMs() (calling it early is harmless). */
  tick(): void {
    if (this.stateValue !== 'ready' && this.stateValue !== 'handshaking') return;
    const now = this.opts.clock.monotonicMs();
    const overdue = this.firstOverdue(now);
    if (overdue) {
      this.statsValue.timeouts++;
      if (overdue.txCount > this.opts.maxRetransmits) {
        this.loseSession(
          'PROTO_REPLY_TIMEOUT',
          `${overdue.verb} seq=${overdue.seq} after ${overdue.txCount} tries`,
        );
        return;
      }
      this.goBack(this.oldestUnanswered() ?? overdue);
    }
    const pingAtMs = this.pingDueAtMs();
    if (pingAtMs !== undefined && now >= pingAtMs) {
      this.pingOutstanding = true;
      const ping = this.makeOutstanding('PING', 'PING', true, () => {
        this.pingOutstanding = false;
      });
      this.pending.push(ping);
      this.pump();
    }
  }

  /** When tick() next has work, on the injected clock; undefined when nothing is scheduled. */
  nextDeadlineMs(): MonotonicMs | undefined {
    let next: number | undefined;
    for (const o of this.inflight) {
      if (!o.answered && (next === undefined || o.deadlineMs < next)) next = o.deadlineMs;
    }
    const pingAtMs = this.pingDueAtMs();
    if (pingAtMs !== undefined && (next === undefined || pingAtMs < next)) next = pingAtMs;
    return next as MonotonicMs | undefined;
  }

  /** The transport closed or failed: every outstanding request fails with PROTO_LINK_LOST. */
  linkLost(detail = 'transport closed'): void {
    this.loseSession('PROTO_LINK_LOST', detail);
  }

  /** Ends the session for good. Idempotent. */
  close(): void {
    this.loseSession('PROTO_SESSION_CLOSED', 'closed by owner');
    this.stateValue = 'closed';
  }

  // ---- internals ----

  private makeOutstanding(
    verb: Verb,
    body: string,
    internal: boolean,
    resolve: (reply: Reply) => void,
  ): Outstanding {
    return {
      verb,
      body,
      onSent: undefined,
      resolve,
      reject: () => {},
      internal,
      seq: 0,
      bytes: Buffer.alloc(0),
      txCount: 0,
      replyCount: 0,
      lastTxOrder: 0,
      firstTxAtMs: 0,
      deadlineMs: 0,
      answered: false,
    };
  }

  private pingDueAtMs(): number | undefined {
    if (!this.opts.heartbeat || this.stateValue !== 'ready' || this.pingOutstanding || !this.device)
      return undefined;
    return this.lastWriteAtMs + this.watchdogMs / 4;
  }

  /** Sends pending requests while the window (§Device rule 4: win frames, rx bytes) has room. */
  private pump(): void {
    if (this.stateValue !== 'ready' || !this.device) return;
    const windowFrames = Math.min(this.device.win, REPLAY_WINDOW_FRAMES);
    while (this.pending.length > 0) {
      // The span from the oldest unretired frame counts, not just unanswered ones, so a
      // retransmission always stays within the device's 32-reply cache (§Device rule 2).
      if (this.inflight.length >= windowFrames) return;
      const next = this.pending[0]!;
      const bytes = encodeLine(`${this.nextSeqToSend} ${next.body}`);
      if (this.unansweredBytes + bytes.length > this.device.rx) {
        if (this.unansweredBytes > 0) return;
        // A frame larger than the device's buffer can never be sent.
        this.pending.shift();
        next.reject(
          new ProtocolError('PROTO_INVALID_ARGUMENT', `${bytes.length}-byte frame > rx=${this.device.rx}`),
        );
        continue;
      }
      this.pending.shift();
      next.bytes = bytes;
      this.send(next);
    }
  }

  private send(entry: Outstanding): void {
    if (entry.verb === 'HELLO') {
      entry.bytes = encodeLine(`${this.nextSeqToSend} HELLO`);
    }
    entry.seq = this.nextSeqToSend;
    this.nextSeqToSend = nextSeq(this.nextSeqToSend);
    this.inflight.push(entry);
    this.bySeq.set(entry.seq, entry);
    this.unansweredBytes += entry.bytes.length;
    entry.onSent?.(entry.seq);
    this.transmit(entry);
    entry.firstTxAtMs = this.lastWriteAtMs;
  }

  private transmit(entry: Outstanding): void {
    const now = this.opts.clock.monotonicMs();
    entry.txCount++;
    entry.lastTxOrder = ++this.txOrder;
    // Replies can only come back after everything unanswered ahead has crossed the wire twice.
    entry.deadlineMs = now + this.opts.replyTimeoutMs + 2 * wireTimeMs(this.unansweredBytes, this.opts.baud);
    this.statsValue.framesSent++;
    if (entry.txCount > 1) this.statsValue.retransmits++;
    this.writeBytes(entry.bytes);
  }

  private writeBytes(bytes: Buffer): void {
    this.lastWriteAtMs = this.opts.clock.monotonicMs();
    this.statsValue.bytesOut += bytes.length;
    this.opts.write(bytes);
  }

  private oldestUnanswered(): Outstanding | undefined {
    return this.inflight.find((o) => !o.answered);
  }

  private firstOverdue(now: number): Outstanding | undefined {
    let overdue: Outstanding | undefined;
    for (const o of this.inflight) {
      if (!o.answered && o.deadlineMs <= now && (!overdue || o.deadlineMs < overdue.deadlineMs)) overdue = o;
    }
    return overdue;
  }

  /** Go-back-N: resend every unanswered frame from `from` on, in seq order. */
  private goBack(from: Outstanding): void {
    const start = this.inflight.indexOf(from);
    if (start < 0) return;
    for (let i = start; i < this.inflight.length; i++) {
      const entry = this.inflight[i]!;
      if (entry.answered) continue;
      if (entry.txCount > this.opts.maxRetransmits) {
        this.loseSession(
          'PROTO_REPLY_TIMEOUT',
          `${entry.verb} seq=${entry.seq} after ${entry.txCount} tries`,
        );
        return;
      }
      this.transmit(entry);
    }
  }

  private handleItem(item: HostBoundItem): void {
    switch (item.kind) {
      case 'reply':
        this.handleReply(item);
        return;
      case 'event':
        this.handleEvent(item);
        return;
      case 'error': {
        this.statsValue.crcErrors++;
        // A damaged reply to an unanswered frame: ask again now rather than wait for the timeout.
        // If the damaged seq is wrong, the cost is one duplicate the device answers from its cache.
        const entry = item.seq === undefined ? undefined : this.bySeq.get(item.seq);
        if (entry && !entry.answered && ++entry.replyCount === entry.txCount) this.goBack(entry);
        return;
      }
      case 'estop':
        return; // Devices do not send 0x18; the splitter already dropped any partial line.
    }
  }

  private handleEvent(event: EventFrame): void {
    if (event.event === 'BOOT') {
      if (this.stateValue === 'handshaking') {
        // The device booted under a HELLO that may have been lost in the reset: ask again.
        const hello = this.oldestUnanswered();
        if (hello) this.goBack(hello);
      } else if (this.stateValue === 'ready') {
        this.loseSession('PROTO_DEVICE_RESET', `BOOT fw=${event.fields.fw}`);
      }
    }
    this.opts.onEvent?.(event);
  }

  private handleReply(reply: ReplyFrame): void {
    const entry = this.bySeq.get(reply.seq);
    if (!entry || entry.answered) {
      this.statsValue.duplicateReplies++;
      return;
    }
    entry.replyCount++;
    if (!reply.ok && (LINK_ERROR_CODES as readonly string[]).includes(reply.code)) {
      this.handleLinkError(entry, reply);
      return;
    }
    let settled: Reply;
    if (reply.ok) {
      const fields = parseReplyFields(entry.verb, reply.fields);
      if (typeof fields === 'string') {
        this.retire(entry);
        entry.reject(new ProtocolError('PROTO_BAD_REPLY', `${entry.verb}: ${fields}`, { sent: true }));
        return;
      }
      settled = { ok: true, fields };
    } else {
      settled = { ok: false, code: reply.code, fields: reply.fields };
    }
    if (reply.ok && entry.watchdogMs !== undefined) this.watchdogMs = entry.watchdogMs;
    if (entry.txCount === 1) {
      const rtt = this.opts.clock.monotonicMs() - entry.firstTxAtMs;
      const prev = this.statsValue.rttMs;
      this.statsValue.rttMs = prev === undefined ? rtt : prev + (rtt - prev) / 8;
    }
    this.retire(entry);
    entry.resolve(settled);
  }

  /** ERR CRC / SYNTAX / TOO_LONG / SEQ / HELLO: the frame was not executed (§Device rules 1-3). */
  private handleLinkError(entry: Outstanding, reply: Extract<ReplyFrame, { ok: false }>): void {
    this.statsValue.linkErrorReplies++;
    if (reply.code === 'HELLO') {
      this.loseSession('PROTO_DEVICE_RESET', 'device has no session (ERR HELLO)');
      return;
    }
    // A reply to an earlier transmission of this frame: the latest one is still on its way.
    if (entry.replyCount !== entry.txCount) return;
    if (reply.code !== 'SEQ') {
      this.goBack(entry);
      return;
    }
    const expected = Number(reply.fields.next);
    const target = this.bySeq.get(expected);
    if (target && !target.answered) {
      // The device is waiting for `target`; if it was sent before this frame, it never arrived intact.
      if (target.lastTxOrder < entry.lastTxOrder) this.goBack(target);
      return;
    }
    this.loseSession(
      'PROTO_SESSION_DESYNC',
      `device expects seq ${expected}, host has ${entry.seq} outstanding`,
    );
  }

  /** Marks a frame answered and drops the answered prefix of the window. */
  private retire(entry: Outstanding): void {
    entry.answered = true;
    this.unansweredBytes -= entry.bytes.length;
    while (this.inflight.length > 0 && this.inflight[0]!.answered) {
      const done = this.inflight.shift()!;
      this.bySeq.delete(done.seq);
    }
    this.pump();
  }

  private loseSession(code: ProtocolErrorCode, detail: string): void {
    if (this.stateValue !== 'ready' && this.stateValue !== 'handshaking') return;
    this.stateValue = 'lost';
    const error = new ProtocolError(code, detail, { disconnected: true });
    this.statsValue.lastError = { code, atMs: this.opts.clock.monotonicMs(), detail };
    const inflight = this.inflight;
    const pending = this.pending;
    this.inflight = [];
    this.pending = [];
    this.bySeq.clear();
    this.unansweredBytes = 0;
    this.pingOutstanding = false;
    this.device = undefined;
    this.decoder.reset();
    for (const o of inflight) {
      if (!o.answered) o.reject(new ProtocolError(code, detail, { disconnected: true, sent: true }));
    }
    for (const o of pending) o.reject(new ProtocolError(code, detail, { disconnected: true, sent: false }));
    this.opts.onSessionLost?.(error);
  }
}

export function createHostSession(options: HostSessionOptions): HostSession {
  return new HostSession(options);
}
