// The host's side of the protocol as a state machine with no I/O and no timers: it negotiates the
// version, assigns seq, keeps the window, matches replies, retransmits go-back-N, drops duplicate
// replies, schedules PINGs and settles every request exactly once. In a v2 session it also delivers
// sequenced events exactly once and in order, acknowledges them, and keeps the session until there
// is evidence it is gone (§v2 Liveness). The owner feeds bytes in (receive), calls tick() at
// nextDeadlineMs(), and supplies write().

import type { Clock, MonotonicMs } from '@servo-edge/common/clock';
import { ProtocolError, type ProtocolErrorCode } from '../errors.js';
import {
  DEFAULT_BAUD,
  ESTOP_BYTE,
  EVENT_WINDOW_MAX,
  PROTOCOL_VERSION,
  REPLAY_WINDOW_FRAMES,
  V2_STOP_SEQUENCE,
  wireTimeMs,
} from '../wire/constants.js';
import { DeviceLineDecoder } from '../wire/decoder.js';
import { encodeCommandBody, encodeLine } from '../wire/encode.js';
import type { EventFrame, HostBoundItem, ReplyFrame } from '../wire/frames.js';
import {
  type ArgsOf,
  argsIn,
  FEATURES,
  type Feature,
  LINK_ERROR_CODES,
  type ProtocolVersion,
  type Reply,
  type ReplyFieldsOf,
  type Verb,
  verbFeature,
  verbSince,
} from '../wire/messages.js';
import { parseReplyFields } from '../wire/parse-line.js';
import { nextSeq, seqDistance } from '../wire/seq.js';

export type HostSessionState = 'idle' | 'handshaking' | 'ready' | 'lost' | 'closed';
/** What HELLO reported; `ev`, `pmax` and `feat` only in a v2 session (§v2 Negotiation). */
export type DeviceInfo = ReplyFieldsOf<'HELLO'>;

export interface HostSessionOptions {
  clock: Clock;
  /** Puts bytes on the link, in order. Must not throw: transport failures are reported with linkLost(). */
  write(bytes: Buffer): void;
  /**
   * Every event line (§Events), in arrival order, including BOOT and ESTOP. In a v2 session sequenced
   * events are delivered exactly once and in eseq order (§v2 Events), OVERFLOW included.
   */
  onEvent?(event: EventFrame): void;
  /** The session ended (link lost, device reset, timeout, desync, close). Called once per session. */
  onSessionLost?(error: ProtocolError): void;
  /**
   * The highest protocol version to ask for (§v2 Negotiation). Default 1: a plain HELLO, exactly v1.
   * With 2 the host sends `HELLO 2` and runs whatever the device answers (falling back to a plain
   * HELLO for a v1-only device).
   */
  maxProtocol?: ProtocolVersion;
  /** Reply wait beyond the wire time of the bytes ahead of the frame. Default 250 ms (device budget 50 ms + USB/OS latency). */
  replyTimeoutMs?: number;
  /**
   * v1 sessions: retransmissions of one frame before the session is declared lost. Default 5.
   * While handshaking with maxProtocol 2: HELLO transmissions that got no line back at all.
   * Unused in a v2 session (§v2 Liveness).
   */
  maxRetransmits?: number;
  /** Bound on requests waiting for window space. Default 1024. */
  maxPendingRequests?: number;
  /** Line rate, used to scale reply timeouts with the bytes queued ahead. Default 115200. */
  baud?: number;
  /** Send PING after wd/4 of silence (§Device rule 6). Default true. */
  heartbeat?: boolean;
  /** §v2 Events: acknowledge at most this long after the first unacknowledged event. Default 20 ms. */
  ackDelayMs?: number;
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
  /**
   * §v2 Events: sequenced events delivered; duplicates dropped (and re-acknowledged); events that came
   * ahead of a missing one (held until it arrives, or dropped when more than 32 ahead).
   */
  eventsDelivered: number;
  duplicateEvents: number;
  eventGaps: number;
  /** §v2 Events: ACK frames sent (first transmissions), and those the device refused (ERR RANGE). */
  acksSent: number;
  acksRefused: number;
  /** Lines refused for a value beyond ±(2^53-1) (§v2 Positions). */
  badValues: number;
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
  /** The axis the command names (0 = every axis, for STOP), when it names one. */
  axis?: number;
  /** For WDOG: the period it asks for, which the heartbeat follows once the device accepts it. */
  watchdogMs?: number;
  body: string;
  /** Built when the frame goes out rather than when it is queued (HELLO, ACK: the latest eseq). */
  bodyAtSend?: () => string;
  /** ACK with RESEND: the eseq it asked for. */
  resendFor?: number;
  /** ACK: the eseq it acknowledges. */
  ackedEseq?: number;
  onSent: ((seq: number) => void) | undefined;
  resolve(reply: Reply): void;
  reject(error: ProtocolError): void;
  /** Internal frames (PING, ACK) settle nobody. */
  internal: boolean;
  // Set once the frame takes a seq and goes out:
  seq: number;
  bytes: Buffer;
  txCount: number;
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
  maxProtocol: 1 as ProtocolVersion,
  ackDelayMs: 20,
};

/** §v2 Negotiation: what a v1-only device answers to `HELLO <max>`; the host then sends a plain HELLO. */
const V1_DEVICE_HELLO_REFUSALS: readonly string[] = ['ARGS', 'HELLO', 'SEQ', 'VERB'];
/** §v2 Liveness: a v2 host retransmits at least this often per watchdog period. */
const RETRANSMITS_PER_WATCHDOG = 8;
/**
 * §v2 Liveness, seen from a busy host: a liveness check that runs this long after its deadline means this
 * host was stalled (a Pi rendering a page, a GC), and the device's lines may be waiting in the port's
 * buffer behind the very timer that runs the check. The verdict waits LIVENESS_GRACE_MS more, so the
 * I/O gets its turn; a device that really fell silent is declared lost that much later, never earlier.
 */
const LATE_TICK_MS = 50;
/** The commands that set an axis moving (§Commands): they never go ahead of anything. */
const STARTS_MOTION: ReadonlySet<Verb> = new Set(['MOVE', 'TMOVE', 'TSTEP', 'JOG', 'HOME']);
const LIVENESS_GRACE_MS = 250;
/** A bound on the transmissions remembered while their replies are awaited (lost ones are dropped anyway). */
const MAX_AWAITED_TRANSMISSIONS = REPLAY_WINDOW_FRAMES * RETRANSMITS_PER_WATCHDOG;

/** One transmission of a frame: which one it was (1 = the first), and until when its reply is awaited. */
interface Transmission {
  entry: Outstanding;
  txNumber: number;
  deadlineMs: number;
}
/** §v2 Events: an eseq among this many before `expected` is a duplicate; as many ahead are held. */

export class HostSession {
  private readonly opts: Required<Omit<HostSessionOptions, 'onEvent' | 'onSessionLost'>> &
    Pick<HostSessionOptions, 'onEvent' | 'onSessionLost'>;
  private readonly decoder = new DeviceLineDecoder();
  private stateValue: HostSessionState = 'idle';
  private device: DeviceInfo | undefined;
  /** The negotiated version while a session is up. */
  private version: ProtocolVersion | undefined;
  /** The `max` of the HELLO being sent: maxProtocol, or 1 after a v1-only device refused it. */
  private helloMax: ProtocolVersion = 1;
  /** Settles the promise start() returned. */
  private helloSettle: { resolve(info: DeviceInfo): void; reject(error: ProtocolError): void } = {
    resolve: () => {},
    reject: () => {},
  };
  /** The device's watchdog period: HELLO's wd, then whatever an answered WDOG set (§Device rule 6). */
  private watchdogMs = 0;
  /** Frames sent and not yet retired, in seq order; a contiguous run of seqs. */
  private inflight: Outstanding[] = [];
  private readonly bySeq = new Map<number, Outstanding>();
  private pending: Outstanding[] = [];
  private unansweredBytes = 0;
  private nextSeqToSend = 1;
  private txOrder = 0;
  /**
   * §Host, go-back-N: the transmissions whose reply has not come, in the order they went out. Replies
   * come back in that order, which is how a reply is matched to a transmission, not just to a frame.
   */
  private awaitingReply: Transmission[] = [];
  private lastWriteAtMs = 0;
  private pingOutstanding = false;
  // §v2 Liveness: when the last valid line arrived; lines of any kind, to tell a silent HELLO.
  private lastValidLineAtMs = 0;
  /** Set when a late tick found the liveness deadline passed: the verdict waits until then. */
  private livenessGraceUntilMs: number | undefined;
  private linesReceived = 0;
  /** §v2 Liveness, handshake: lines received at the last HELLO timeout (or when HELLO first went out). */
  private linesAtHelloCheck = 0;
  private silentHelloTx = 0;
  // §v2 Events: the eseq delivered next, the last delivered, how many are unacknowledged.
  private expectedEseq = 1;
  private lastDeliveredEseq = 0;
  private unackedEvents = 0;
  private ackDueAtMs: number | undefined;
  /** An ACK queued for the window, not sent yet: it carries the latest eseq when it goes out. */
  private ackWaiting: Outstanding | undefined;
  /** §v2 Events: events received ahead of `expected`, held until the missing ones arrive. */
  private readonly held = new Map<number, EventFrame>();
  /** The eseq an ACK with RESEND in flight asks for; its reply decides whether to ask again. */
  private resendAsked: number | undefined;
  /** An ACK was due while a RESEND was in flight. */
  private ackAfterResendReply = false;
  /**
   * §v2 Events, flow control: the outcome events still owed for MOVE/TMOVE/TSTEP frames sent (seq -> events:
   * 1 for MOVE, 2 for TMOVE and TSTEP until their STARTED), and the last eseq whose ACK the device answered.
   */
  private readonly owedEvents = new Map<number, number>();
  private owedEventCount = 0;
  private confirmedAckEseq = 0;
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
    eventsDelivered: 0,
    duplicateEvents: 0,
    eventGaps: 0,
    acksSent: 0,
    acksRefused: 0,
    badValues: 0,
  };
  private readonly onItem = (item: HostBoundItem) => this.handleItem(item);

  constructor(options: HostSessionOptions) {
    this.opts = { ...DEFAULTS, ...options };
  }

  get state(): HostSessionState {
    return this.stateValue;
  }
  /** What HELLO reported, while a session is up. `proto` is the negotiated version. */
  get deviceInfo(): DeviceInfo | undefined {
    return this.device;
  }
  /** The negotiated version while a session is up (§v2 Negotiation). */
  get protocolVersion(): ProtocolVersion | undefined {
    return this.version;
  }
  /** The v2 features the device advertised that this package knows; none in a v1 session. */
  get features(): readonly Feature[] {
    const advertised = this.device?.feat ?? [];
    return FEATURES.filter((f) => advertised.includes(f));
  }
  /** The v2 features this session lacks (all of them in a v1 session), for reports such as `GET /controllers`. */
  get missingFeatures(): readonly Feature[] {
    const have = this.features;
    return FEATURES.filter((f) => !have.includes(f));
  }
  get stats(): Readonly<HostSessionStats> {
    return this.statsValue;
  }
  /** Requests sent and not yet answered plus requests waiting for window space (internal frames included). */
  get outstandingCount(): number {
    return this.pending.length + this.inflight.filter((o) => !o.answered).length;
  }

  /**
   * Sends HELLO (§Device rule 3, §v2 Negotiation) and resolves with the device's limits once the
   * session is up. Rejects with PROTO_INCOMPATIBLE_DEVICE, PROTO_REPLY_TIMEOUT, PROTO_LINK_LOST or
   * PROTO_SESSION_CLOSED.
   */
  start(): Promise<DeviceInfo> {
    if (this.stateValue === 'closed') return Promise.reject(new ProtocolError('PROTO_SESSION_CLOSED'));
    if (this.stateValue === 'handshaking' || this.stateValue === 'ready') {
      return Promise.reject(new ProtocolError('PROTO_INVALID_ARGUMENT', 'start() while a session is up'));
    }
    this.stateValue = 'handshaking';
    this.decoder.reset();
    this.decoder.version = 1;
    this.device = undefined;
    this.version = undefined;
    this.helloMax = this.opts.maxProtocol;
    this.silentHelloTx = 0;
    return new Promise<DeviceInfo>((resolve, reject) => {
      this.helloSettle = { resolve, reject };
      this.sendHello();
    });
  }

  /**
   * Queues a command. Resolves exactly once with the device's reply (OK or an application
   * ERR such as RANGE or ESTOP), or rejects with a ProtocolError whose `sent` flag says whether
   * the frame ever reached the wire (if not, it certainly did not execute). A command the session
   * cannot carry (a v2 verb in a v1 session, a verb of a feature the device lacks, JOG with a lease
   * in v1) is refused with PROTO_NOT_SUPPORTED before it takes a seq.
   */
  request<V extends Verb>(verb: V, args: ArgsOf<V>, options?: RequestOptions): Promise<Reply<V>> {
    if (this.stateValue === 'closed') return Promise.reject(new ProtocolError('PROTO_SESSION_CLOSED'));
    if (this.stateValue !== 'ready') {
      return Promise.reject(
        new ProtocolError('PROTO_NOT_READY', `state ${this.stateValue}`, { disconnected: true }),
      );
    }
    if (verb === 'HELLO') return Promise.reject(new ProtocolError('PROTO_INVALID_ARGUMENT', 'use start()'));
    if (verb === 'ACK') {
      return Promise.reject(
        new ProtocolError('PROTO_INVALID_ARGUMENT', 'the session acknowledges events itself'),
      );
    }
    if (this.pending.length >= this.opts.maxPendingRequests) {
      return Promise.reject(new ProtocolError('PROTO_QUEUE_FULL', `${this.pending.length} waiting`));
    }
    let body: string;
    try {
      this.checkSupported(verb, args);
      body = encodeCommandBody(verb, args, this.version ?? 1);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<Reply<V>>((resolve, reject) => {
      const entry = this.makeOutstanding(verb, body, false, resolve as (reply: Reply) => void);
      entry.reject = reject;
      const axis = (args as { axis?: unknown }).axis;
      if (typeof axis === 'number') entry.axis = axis;
      entry.onSent = options?.onSent;
      if (verb === 'WDOG') entry.watchdogMs = (args as ArgsOf<'WDOG'>).ms;
      this.pending.push(entry);
      this.pump();
    });
  }

  /**
   * §Device rule 5 / §v2 Stop: the realtime stop. Written at once, ahead of every pending request;
   * only bytes already handed to write() are ahead of it, and the window bounds those to `rx`.
   * 0x18 in a v1 session, 0x96 eight times in a v2 session; a host that may speak v2 and has no agreed
   * version (handshaking, or the session was lost) writes 0x96 x8 then 0x18, which stops either once.
   */
  estop(): void {
    if (this.version === 2) this.writeBytes(Buffer.from(V2_STOP_SEQUENCE));
    else if (this.version === 1 || this.opts.maxProtocol === 1) this.writeBytes(Buffer.from([ESTOP_BYTE]));
    else this.writeBytes(Buffer.from([...V2_STOP_SEQUENCE, ESTOP_BYTE]));
  }

  /** Bytes from the link, any chunking. */
  receive(chunk: Uint8Array): void {
    this.statsValue.bytesIn += chunk.length;
    this.decoder.push(chunk, this.onItem);
  }

  /** Runs timeouts, acknowledgements, liveness and the heartbeat. Call it at nextDeadlineMs() (early is harmless). */
  tick(): void {
    if (this.stateValue !== 'ready' && this.stateValue !== 'handshaking') return;
    const now = this.opts.clock.monotonicMs();
    const silentSinceMs = this.livenessDeadlineMs();
    if (silentSinceMs !== undefined && now >= silentSinceMs) {
      const silentForMs = now - this.lastValidLineAtMs;
      if (this.livenessGraceUntilMs === undefined && now - silentSinceMs > LATE_TICK_MS) {
        this.livenessGraceUntilMs = now + LIVENESS_GRACE_MS;
      } else {
        // §v2 Liveness: nothing valid for wd ms; the device's own watchdog has stopped its axes.
        this.loseSession(
          'PROTO_REPLY_TIMEOUT',
          `no valid line from the device for ${Math.round(silentForMs)} ms (wd ${this.watchdogMs} ms)`,
        );
        return;
      }
    }
    const overdue = this.firstOverdue(now);
    if (overdue) {
      this.statsValue.timeouts++;
      if (this.handshakeGivesUp(overdue)) return;
      if (this.countsRetransmits() && overdue.txCount > this.opts.maxRetransmits) {
        this.loseSession(
          'PROTO_REPLY_TIMEOUT',
          `${overdue.verb} seq=${overdue.seq} after ${overdue.txCount} tries`,
        );
        return;
      }
      this.goBack(this.oldestUnanswered() ?? overdue);
    }
    if (this.ackDueAtMs !== undefined && now >= this.ackDueAtMs) this.queueAck();
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
    const consider = (atMs: number | undefined) => {
      if (atMs !== undefined && (next === undefined || atMs < next)) next = atMs;
    };
    for (const o of this.inflight) if (!o.answered) consider(o.deadlineMs);
    consider(this.pingDueAtMs());
    consider(this.ackDueAtMs);
    consider(this.livenessDeadlineMs());
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
      lastTxOrder: 0,
      firstTxAtMs: 0,
      deadlineMs: 0,
      answered: false,
    };
  }

  /** §v2 Negotiation: what a request needs that this session may not have. */
  private checkSupported<V extends Verb>(verb: V, args: ArgsOf<V>): void {
    const version = this.version ?? 1;
    if (verbSince(verb) > version) {
      throw new ProtocolError(
        'PROTO_NOT_SUPPORTED',
        `${verb} needs protocol v2; the device speaks v${version}`,
      );
    }
    const values = args as Record<string, unknown>;
    if (version === 1) {
      if (verb === 'JOG' && values.lease !== undefined) {
        throw new ProtocolError('PROTO_NOT_SUPPORTED', 'a jog lease needs protocol v2');
      }
      return;
    }
    // §v2 Jog lease: in v2 every JOG is leased, so JOG needs LEASE like RENEW.
    const feature = verb === 'JOG' ? 'LEASE' : verbFeature(verb);
    if (feature && !this.features.includes(feature)) {
      throw new ProtocolError('PROTO_NOT_SUPPORTED', `${verb} needs feature ${feature}`);
    }
    // §v2 Positions: never command beyond min(pmax, 2^53-1); the encoder refuses beyond 2^53-1.
    const pmax = this.device?.pmax ?? Number.MAX_SAFE_INTEGER;
    for (const arg of argsIn(verb, 2)) {
      const value = values[arg.name];
      if (arg.type === 'position' && typeof value === 'number' && Math.abs(value) > pmax) {
        throw new ProtocolError('PROTO_INVALID_ARGUMENT', `${verb} ${arg.name}=${value} beyond pmax=${pmax}`);
      }
    }
  }

  /** HELLO goes out with `max` when the host may speak v2 (§v2 Negotiation); a plain HELLO otherwise. */
  private sendHello(): void {
    const { resolve, reject } = this.helloSettle;
    const hello = this.makeOutstanding('HELLO', 'HELLO', false, (reply) => {
      if (!reply.ok) {
        const detail = `HELLO answered ERR ${reply.code}`;
        this.loseSession('PROTO_INCOMPATIBLE_DEVICE', detail);
        reject(new ProtocolError('PROTO_INCOMPATIBLE_DEVICE', detail, { sent: true }));
        return;
      }
      const info = reply.fields as DeviceInfo;
      const problem = this.incompatibility(info);
      if (problem) {
        this.loseSession('PROTO_INCOMPATIBLE_DEVICE', problem);
        reject(new ProtocolError('PROTO_INCOMPATIBLE_DEVICE', problem, { sent: true }));
        return;
      }
      this.device = info;
      this.version = info.proto as ProtocolVersion;
      this.decoder.version = this.version; // lines after this one in the same chunk are read in it
      this.watchdogMs = info.wd;
      this.heardFromDevice();
      this.expectedEseq = 1;
      this.lastDeliveredEseq = 0;
      this.unackedEvents = 0;
      this.ackDueAtMs = undefined;
      this.held.clear();
      this.resendAsked = undefined;
      this.ackAfterResendReply = false;
      this.forgetOwedEvents();
      this.confirmedAckEseq = 0;
      this.stateValue = 'ready';
      this.statsValue.sessions++;
      resolve(info);
      this.pump();
    });
    hello.reject = reject;
    const max = this.helloMax;
    hello.bodyAtSend = () => (max >= 2 ? `HELLO ${max}` : 'HELLO');
    // HELLO is executed whatever its seq (§Device rule 3), so it needs no window bookkeeping.
    this.send(hello);
  }

  private incompatibility(info: DeviceInfo): string | undefined {
    const spoken = info.proto === PROTOCOL_VERSION || (info.proto === 2 && this.helloMax >= 2);
    if (!spoken) return `proto=${info.proto}`;
    if (info.win < 1 || info.rx < 16) return `win=${info.win} rx=${info.rx}`;
    if (info.proto === 2 && (info.ev! < 1 || info.ev! > EVENT_WINDOW_MAX)) return `ev=${info.ev}`;
    return undefined;
  }

  /** v1 counts retransmissions; v2 does not (§v2 Liveness), nor does a v2-capable host's handshake. */
  private countsRetransmits(): boolean {
    return this.stateValue === 'handshaking' ? this.opts.maxProtocol === 1 : this.version !== 2;
  }

  /**
   * §v2 Liveness, handshake: give up after more than maxRetransmits HELLO timeouts in a row with no line
   * at all from the device in between (a damaged reply retransmits HELLO at once, and proves the device
   * is there).
   */
  private handshakeGivesUp(overdue: Outstanding): boolean {
    if (this.stateValue !== 'handshaking' || this.opts.maxProtocol === 1 || overdue.verb !== 'HELLO')
      return false;
    this.silentHelloTx = this.linesReceived === this.linesAtHelloCheck ? this.silentHelloTx + 1 : 0;
    this.linesAtHelloCheck = this.linesReceived;
    if (this.silentHelloTx <= this.opts.maxRetransmits) return false;
    this.loseSession('PROTO_REPLY_TIMEOUT', `HELLO got no line back after ${this.silentHelloTx} tries`);
    return true;
  }

  /** §v2 Events, flow control: how many sequenced events a command will cause (v2 sessions only). */
  private outcomeEventsOf(verb: Verb): number {
    if (this.version !== 2) return 0;
    return verb === 'MOVE' ? 1 : verb === 'TMOVE' || verb === 'TSTEP' ? 2 : 0;
  }

  /**
   * §v2 Events, flow control: the device may hold every event the host is owed plus those delivered and
   * not yet acknowledged (ACK answered); a move goes out only if that stays within ev − ⌈ev/4⌉, the
   * quarter left for events no move announces (HOMED, FAULT, ESTOP, LEASE). So the buffer cannot
   * overflow while the host is there; only a host that stops acknowledging sees OVERFLOW.
   */
  private eventBufferHasRoom(events: number): boolean {
    const ev = this.device?.ev ?? 1;
    const limit = Math.max(1, ev - Math.ceil(ev / 4));
    const unconfirmed = seqDistance(this.confirmedAckEseq, this.lastDeliveredEseq);
    return this.owedEventCount + unconfirmed + events <= limit || this.owedEventCount + unconfirmed === 0;
  }

  /**
   * §v2 Events, delivery: how far from `expected` an eseq can be and still be one the device sent. The
   * device holds at most `ev` unacknowledged events, so no valid eseq is further; 32 for small buffers,
   * as before `ev` could exceed 32.
   */
  private eventSpan(): number {
    return Math.max(32, this.device?.ev ?? 0);
  }

  /** An event for a move arrived (or the move never ran): its share of the buffer is no longer owed. */
  private settleOwedEvent(seq: number, all: boolean): void {
    const owed = this.owedEvents.get(seq);
    if (owed === undefined) return;
    const settled = all ? owed : 1;
    this.owedEventCount -= settled;
    if (owed - settled <= 0) this.owedEvents.delete(seq);
    else this.owedEvents.set(seq, owed - settled);
  }

  private forgetOwedEvents(): void {
    this.owedEvents.clear();
    this.owedEventCount = 0;
  }

  /**
   * §v2 Liveness: a v2 session retransmits at least 8 times per watchdog period, so that a frame the
   * window waits on gets 8 chances to feed the watchdog before the device gives up; v1 waits replyTimeoutMs.
   */
  private replyWaitMs(): number {
    if (this.version !== 2) return this.opts.replyTimeoutMs;
    return Math.min(this.opts.replyTimeoutMs, this.watchdogMs / RETRANSMITS_PER_WATCHDOG);
  }

  private heardFromDevice(): void {
    this.lastValidLineAtMs = this.opts.clock.monotonicMs();
    this.livenessGraceUntilMs = undefined;
  }

  private livenessDeadlineMs(): number | undefined {
    if (this.stateValue !== 'ready' || this.version !== 2) return undefined;
    return Math.max(this.lastValidLineAtMs + this.watchdogMs, this.livenessGraceUntilMs ?? 0);
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
      // retransmission always stays within the device's reply cache (§Device rule 2, §v2 Sizing).
      if (this.inflight.length >= windowFrames) return;
      this.renewalFirst();
      const next = this.pending[0]!;
      const bytes = encodeLine(`${this.nextSeqToSend} ${next.bodyAtSend?.() ?? next.body}`);
      if (this.unansweredBytes + bytes.length > this.device.rx) {
        if (this.unansweredBytes > 0) return;
        // A frame larger than the device's buffer can never be sent.
        this.pending.shift();
        next.reject(
          new ProtocolError('PROTO_INVALID_ARGUMENT', `${bytes.length}-byte frame > rx=${this.device.rx}`),
        );
        continue;
      }
      // §v2 Events, flow control: a move waits (and everything behind it, to keep the order) while
      // its outcome might not fit the device's event buffer.
      const events = this.outcomeEventsOf(next.verb);
      if (events > 0 && !this.eventBufferHasRoom(events)) {
        if (this.sendPastFlowControl(windowFrames)) continue;
        return;
      }
      this.pending.shift();
      next.bytes = bytes;
      if (next === this.ackWaiting) this.ackGoesOut();
      this.send(next);
      if (events > 0) {
        this.owedEvents.set(next.seq, events);
        this.owedEventCount += events;
      }
    }
  }

  /**
   * §v2 Events, flow control: what may go ahead of a move held for event-buffer room. Armed TMOVEs owe
   * their events until their trigger comes, so with the belt halted a held move could wait for a product,
   * and behind it a STOP of another axis could not stop it, nor a RENEW keep a jog alive. So:
   * - a command of one axis that starts no motion (STOP, GET, RENEW, SET, ENABLE...) goes ahead when
   *   nothing it passes names its axis or no axis: every axis still sees its own commands in order, and
   *   nothing the caller asked for is dropped or reordered on its axis;
   * - the session's own frames (the heartbeat PING, an ACK) go ahead, and never hold anything back:
   *   they order nothing.
   * Motion commands and a caller's commands of no axis (PING, RESET, STOP 0) keep their places. True if
   * one went.
   */
  private sendPastFlowControl(windowFrames: number): boolean {
    if (this.inflight.length >= windowFrames || !this.device) return false;
    for (let at = 1; at < this.pending.length; at++) {
      const entry = this.pending[at]!;
      if (!this.mayGoAhead(at)) continue;
      const bytes = encodeLine(`${this.nextSeqToSend} ${entry.body}`);
      if (this.unansweredBytes > 0 && this.unansweredBytes + bytes.length > this.device.rx) return false;
      this.pending = this.pending.filter((p) => p !== entry);
      if (entry === this.ackWaiting) this.ackGoesOut();
      entry.bytes = bytes;
      this.send(entry);
      return true;
    }
    return false;
  }

  /**
   * Whether the pending request at `at` may be sent before those ahead of it: the session's own
   * frames, and a command of one axis that sets nothing moving when nothing ahead names its axis or
   * no axis (so every axis still sees its commands in order).
   */
  private mayGoAhead(at: number): boolean {
    const entry = this.pending[at]!;
    if (entry.internal) return true;
    if (STARTS_MOTION.has(entry.verb) || entry.axis === undefined || entry.axis === 0) return false;
    for (let i = 0; i < at; i++) {
      const p = this.pending[i]!;
      if (!p.internal && (p.axis === undefined || p.axis === 0 || p.axis === entry.axis)) return false;
    }
    return true;
  }

  /**
   * §v2 Jog lease: a RENEW goes to the front of what waits when it may (mayGoAhead). A backlog of
   * other axes' moves (a busy line on a loaded host) must not hold a lease's renewal back until the
   * controller stops the jog: a running conveyor was stopped that way, its RENEW 128 frames back.
   */
  private renewalFirst(): void {
    for (let at = 1; at < this.pending.length; at++) {
      if (this.pending[at]!.verb !== 'RENEW' || !this.mayGoAhead(at)) continue;
      const [renewal] = this.pending.splice(at, 1);
      this.pending.unshift(renewal!);
      return;
    }
  }

  private send(entry: Outstanding): void {
    if (entry.verb === 'HELLO') {
      entry.bytes = encodeLine(`${this.nextSeqToSend} ${entry.bodyAtSend!()}`);
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
    entry.deadlineMs = now + this.replyWaitMs() + 2 * wireTimeMs(this.unansweredBytes, this.opts.baud);
    // An earlier transmission whose deadline passed before this one is given up: its line or its reply
    // was lost to noise, and a reply that comes now answers this transmission.
    this.awaitingReply = this.awaitingReply.filter((t) => t.entry !== entry || t.deadlineMs > now);
    this.awaitingReply.push({ entry, txNumber: entry.txCount, deadlineMs: entry.deadlineMs });
    if (this.awaitingReply.length > MAX_AWAITED_TRANSMISSIONS) this.awaitingReply.shift();
    this.statsValue.framesSent++;
    if (entry.txCount > 1) this.statsValue.retransmits++;
    if (entry.verb === 'HELLO' && entry.txCount === 1) this.linesAtHelloCheck = this.linesReceived;
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
    const limited = this.countsRetransmits();
    for (let i = start; i < this.inflight.length; i++) {
      const entry = this.inflight[i]!;
      if (entry.answered) continue;
      if (limited && entry.txCount > this.opts.maxRetransmits) {
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
    if (item.kind !== 'estop') this.linesReceived++;
    switch (item.kind) {
      case 'reply':
        this.heardFromDevice();
        this.handleReply(item);
        return;
      case 'event':
        this.heardFromDevice();
        this.handleEvent(item);
        return;
      case 'error': {
        if (item.code === 'RANGE') {
          this.statsValue.badValues++;
          // §v2 Positions: a sequenced event this host cannot read can never be acknowledged.
          if (item.eseq !== undefined && this.stateValue === 'ready') {
            this.loseSession('PROTO_BAD_REPLY', `event eseq=${item.eseq}: ${item.detail}`);
          }
          return;
        }
        this.statsValue.crcErrors++;
        // A damaged reply to an unanswered frame: ask again now rather than wait for the timeout.
        // If the damaged seq is wrong, the cost is one duplicate the device answers from its cache.
        const entry = item.seq === undefined ? undefined : this.bySeq.get(item.seq);
        if (entry && !entry.answered && this.answersLatestTransmission(entry)) this.goBack(entry);
        return;
      }
      case 'estop':
        return; // Devices do not send the stop; the splitter already dropped any partial line.
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
    if (event.eseq !== undefined && this.stateValue === 'ready' && this.version === 2) {
      this.handleSequencedEvent(event, event.eseq);
      return;
    }
    this.opts.onEvent?.(event);
  }

  /**
   * §v2 Events, delivery: in eseq order, each once. An event ahead of `expected` is held (up to
   * max(32, ev) ahead) until the missing ones arrive, and the host repeats its last ACK at once so the device
   * resends the oldest missing event without waiting for its timeout. A duplicate is dropped and
   * acknowledged again (its ACK was probably lost).
   */
  private handleSequencedEvent(event: EventFrame, eseq: number): void {
    const ahead = seqDistance(this.expectedEseq, eseq);
    if (ahead === 0) {
      this.deliver(event, eseq);
      // Events held behind this one can go now, in order.
      for (let next = this.held.get(this.expectedEseq); next; next = this.held.get(this.expectedEseq)) {
        this.held.delete(this.expectedEseq);
        this.deliver(next, this.expectedEseq);
      }
      if (this.held.size > 0) this.askForMissing();
      return;
    }
    if (ahead <= this.eventSpan()) {
      if (!this.held.has(eseq)) this.statsValue.eventGaps++;
      this.held.set(eseq, event);
      this.askForMissing();
      return;
    }
    if (seqDistance(eseq, this.expectedEseq) <= this.eventSpan() && this.lastDeliveredEseq !== 0) {
      this.statsValue.duplicateEvents++;
      this.queueAck();
      return;
    }
    this.statsValue.eventGaps++;
  }

  private deliver(event: EventFrame, eseq: number): void {
    if (event.event === 'DONE' || event.event === 'ABORTED') this.settleOwedEvent(event.fields.seq, true);
    else if (event.event === 'STARTED') this.settleOwedEvent(event.fields.seq, false);
    // OVERFLOW: which outcomes were lost is unknown; the owner resynchronises from state.
    else if (event.event === 'OVERFLOW') this.forgetOwedEvents();
    this.expectedEseq = nextSeq(eseq);
    this.lastDeliveredEseq = eseq;
    this.unackedEvents++;
    this.statsValue.eventsDelivered++;
    this.ackDueAtMs ??= this.opts.clock.monotonicMs() + this.opts.ackDelayMs;
    if (this.unackedEvents >= Math.ceil((this.device?.ev ?? 1) / 2)) this.queueAck();
    this.opts.onEvent?.(event);
  }

  /**
   * §v2 Events, fast retransmission: an ACK with RESEND asks the device for the oldest event it has
   * not had acknowledged. The resent copy is written before that ACK's reply, so if the reply comes
   * back and the event still has not, it was lost again: ask again then (see queueAck).
   */
  private askForMissing(): void {
    this.queueAck(true);
  }

  /** §v2 Events, ACK policy: one ACK waits for the window at a time, ahead of the requests. */
  private queueAck(evenIfNothingDelivered = false): void {
    this.ackDueAtMs = undefined;
    if (this.ackWaiting || this.stateValue !== 'ready') return; // the waiting one carries the latest eseq
    // ACK 0 repeats "nothing yet": only to ask for a missing first event.
    if (this.lastDeliveredEseq === 0 && !evenIfNothingDelivered) return;
    if (this.resendAsked !== undefined) {
      this.ackAfterResendReply = true; // one RESEND at a time: its reply sends this one
      return;
    }
    const ack = this.makeOutstanding('ACK', 'ACK', true, (reply) => {
      if (!reply.ok) this.statsValue.acksRefused++;
      else if (ack.ackedEseq !== undefined && ack.ackedEseq !== 0) {
        // The device has freed its buffer up to here: moves waiting for room may go.
        if (seqDistance(this.confirmedAckEseq, ack.ackedEseq) <= this.eventSpan() * 2) {
          this.confirmedAckEseq = ack.ackedEseq;
        }
        this.pump();
      }
      if (ack.resendFor === undefined) return;
      this.resendAsked = undefined;
      const again = this.ackAfterResendReply;
      this.ackAfterResendReply = false;
      // The resent copy came before this reply: if the event is still missing, it was lost again.
      if (this.held.size > 0 && this.expectedEseq === ack.resendFor) this.queueAck(true);
      else if (again || this.unackedEvents > 0) this.queueAck();
    });
    ack.bodyAtSend = () => {
      // Decided when the ACK takes its seq: the latest eseq, and RESEND while later events are held.
      ack.resendFor = this.held.size > 0 ? this.expectedEseq : undefined;
      ack.ackedEseq = this.lastDeliveredEseq;
      this.resendAsked = ack.resendFor;
      return ack.resendFor === undefined
        ? `ACK ${this.lastDeliveredEseq}`
        : `ACK ${this.lastDeliveredEseq} RESEND`;
    };
    this.ackWaiting = ack;
    this.pending.unshift(ack);
    this.pump();
  }

  /** The waiting ACK takes its seq now, with the latest eseq: everything delivered so far is acknowledged. */
  private ackGoesOut(): void {
    this.ackWaiting = undefined;
    this.unackedEvents = 0;
    this.ackDueAtMs = undefined;
    this.statsValue.acksSent++;
  }

  private handleReply(reply: ReplyFrame): void {
    const entry = this.bySeq.get(reply.seq);
    if (!entry || entry.answered) {
      this.statsValue.duplicateReplies++;
      return;
    }
    const latest = this.answersLatestTransmission(entry);
    if (
      !reply.ok &&
      entry.verb === 'HELLO' &&
      this.helloMax >= 2 &&
      V1_DEVICE_HELLO_REFUSALS.includes(reply.code)
    ) {
      // §v2 Negotiation: a v1-only device does not know HELLO's argument. Ask again, plainly.
      this.retire(entry);
      this.helloMax = 1;
      this.sendHello();
      return;
    }
    if (!reply.ok && (LINK_ERROR_CODES as readonly string[]).includes(reply.code)) {
      this.handleLinkError(entry, reply, latest);
      return;
    }
    // A move the device refused causes no event.
    if (!reply.ok) this.settleOwedEvent(entry.seq, true);
    let settled: Reply;
    if (reply.ok) {
      // HELLO's reply is read in the version it announces; the rest in the session's.
      const version: ProtocolVersion =
        entry.verb === 'HELLO'
          ? reply.fields.proto === '2' && this.helloMax >= 2
            ? 2
            : 1
          : (this.version ?? 1);
      const fields = parseReplyFields(entry.verb, reply.fields, version);
      if (typeof fields === 'string') {
        this.retire(entry);
        const error = new ProtocolError('PROTO_BAD_REPLY', `${entry.verb}: ${fields}`, { sent: true });
        if (entry.verb === 'HELLO') this.loseSession('PROTO_BAD_REPLY', error.message);
        entry.reject(error);
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
  private handleLinkError(
    entry: Outstanding,
    reply: Extract<ReplyFrame, { ok: false }>,
    answersLatest: boolean,
  ): void {
    this.statsValue.linkErrorReplies++;
    if (reply.code === 'HELLO') {
      this.loseSession('PROTO_DEVICE_RESET', 'device has no session (ERR HELLO)');
      return;
    }
    // A reply to an earlier transmission of this frame: the latest one is still on its way.
    if (!answersLatest) return;
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
    if (this.version === 2 && this.isStaleSeq(expected, target)) return;
    this.loseSession(
      'PROTO_SESSION_DESYNC',
      `device expects seq ${expected}, host has ${entry.seq} outstanding`,
    );
  }

  /**
   * §v2 Liveness: an ERR SEQ naming a frame already answered, or one of the 32 seqs before the window,
   * is a stale reply to an earlier transmission (its accounting was lost to noise); the timeout resends.
   */
  private isStaleSeq(expected: number, target: Outstanding | undefined): boolean {
    if (target) return true;
    const oldest = this.inflight[0];
    const back = oldest ? seqDistance(expected, oldest.seq) : 0;
    return back >= 1 && back <= REPLAY_WINDOW_FRAMES;
  }

  /**
   * Matches a reply for `entry` to the oldest of its transmissions still awaiting one. Replies come back
   * in transmission order, so the transmissions before that one will get none and are forgotten. True
   * if the reply answers the frame's latest transmission, false if an earlier one (a go-back has resent
   * it since) or none that is remembered.
   */
  private answersLatestTransmission(entry: Outstanding): boolean {
    const at = this.awaitingReply.findIndex((t) => t.entry === entry);
    if (at < 0) return false;
    const { txNumber } = this.awaitingReply[at]!;
    this.awaitingReply.splice(0, at + 1);
    return txNumber === entry.txCount;
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
    this.awaitingReply = [];
    this.unansweredBytes = 0;
    this.pingOutstanding = false;
    this.ackWaiting = undefined;
    this.ackDueAtMs = undefined;
    this.held.clear();
    this.resendAsked = undefined;
    this.ackAfterResendReply = false;
    this.forgetOwedEvents();
    this.device = undefined;
    this.version = undefined;
    this.decoder.reset();
    this.decoder.version = 1;
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
