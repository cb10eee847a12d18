// The device's side of the protocol with no I/O and no timers: seq rules and the reply cache, HELLO
// and the version it negotiates, WDOG, the stop byte and the watchdog; in v2 also event sequencing,
// acknowledgement and retransmission, and the jog lease timers. Everything else is executed by an
// injected handler (the simulator's controller model, or firmware logic in a port of this).

import type { Clock, MonotonicMs } from '@servo-edge/common/clock';
import { ProtocolError } from '../errors.js';
import {
  DEFAULT_BAUD,
  EVENT_WINDOW_MAX,
  PROTOCOL_VERSION,
  REPLAY_WINDOW_FRAMES,
  WATCHDOG_MAX_MS,
  WATCHDOG_MIN_MS,
  wireTimeMs,
} from '../wire/constants.js';
import { CommandDecoder } from '../wire/decoder.js';
import { encodeErrorReply, encodeEvent, encodeReply } from '../wire/encode.js';
import type { CommandFrame, DeviceBoundItem, InvalidCommandFrame } from '../wire/frames.js';
import {
  type ArgsV2Of,
  argsIn,
  type Command,
  type EstopSource,
  EVENTS,
  type EventFieldsOf,
  type EventName,
  eventSince,
  type Feature,
  type ProtocolVersion,
  type Reply,
  type V1Verb,
  type Verb,
} from '../wire/messages.js';
import { nextSeq, seqBefore, seqDistance } from '../wire/seq.js';

/** §v2 Positions: a v2 device accepts at least ±(2^47-1). */
export const MIN_POSITION_MAX = 2 ** 47 - 1;
/** §v2 Jog lease: bounds of a lease, ms. */
export const LEASE_MIN_MS = 50;
export const LEASE_MAX_MS = 5000;
/** §v2 Events: evto = this + the wire time of the unacknowledged events. */
export const EVENT_RETRANSMIT_BASE_MS = 100;
/** §v2 Positions: SET VMAX, AMAX and FERR stay 32-bit. */
const INT32_MAX = 2 ** 31 - 1;

export interface DeviceIdentity {
  /** Firmware version, MAJOR.MINOR.PATCH. */
  fw: string;
  axes: number;
  /** Receive buffer the host may fill (§Device rule 4). */
  rxBytes: number;
  /** Unanswered frames the host may have out (§Device rule 4); at most 32. In v2 also the reply cache size (§v2 Sizing). */
  windowFrames: number;
  /** Per-axis move queue depth. */
  queueDepth: number;
  /** Watchdog period a new session starts with (§Device rule 6). */
  watchdogDefaultMs: number;
  /** §v2 Events: the event buffer, 1..EVENT_WINDOW_MAX (HELLO's `ev=`). Default 16. */
  eventWindow?: number;
  /** §v2 Positions: the largest |position| accepted (`pmax=`), 2^47-1..2^53-1 here. Default 2^47-1. */
  positionMax?: number;
}

/**
 * A command the session hands to the handler's execute(): the v1 verbs except HELLO and WDOG, which
 * the session executes itself. v2 verbs have hooks of their own (DeviceHandler), and ACK is the
 * session's. JOG arrives here without a lease: a leased jog goes to the `jogLease` hooks.
 */
export type HandledCommand = Exclude<Command, { verb: 'HELLO' | 'WDOG' } | { verb: Exclude<Verb, V1Verb> }>;

/**
 * §v2 Jog lease (feature LEASE). The session times every lease and calls expired() when one runs
 * out; the handler moves the axis.
 */
export interface JogLeaseHandler {
  /** JOG with a lease (v2): start or retarget the jog. The session starts the lease if this answers OK. */
  jog(args: { axis: number; vel: number; acc: number }, seq: number): Reply;
  /** RENEW: OK if the axis is jogging, ERR STATE otherwise. The session restarts the lease on OK. */
  renew(axis: number, seq: number): Reply;
  /**
   * The lease ran out: make a controlled stop at the jog's acceleration. Returns the position where
   * the lease ran out, which the session reports as `LEASE`, or undefined if the axis no longer jogs
   * (a STOP, a fault or the end of travel got there first, and reported itself).
   */
  expired(axis: number): number | undefined;
}

export interface DeviceHandler {
  /**
   * Executes a command that passed the seq rules, exactly once. Must return at once (the device
   * answers within 50 ms, §Device rule 4); long operations reply OK and report by event. In a v2
   * session a GET reply must carry `run` (§v2 Fields); in v1 it is left out of the line.
   */
  execute(command: HandledCommand, seq: number): Reply;
  /** §Device rule 5 / §v2 Stop: stop every axis at once, drop queued moves, latch ESTOP. The session emits the ESTOP event. */
  estop(source: EstopSource): void;
  /** §Device rule 6: controlled stop of moving axes, latch the fault. The session emits the FAULT event. */
  watchdogExpired(): void;
  /** HELLO started a new session of this version. */
  sessionStarted?(version: ProtocolVersion): void;
  /**
   * §v2 Triggered moves (feature TRIG; implementing it advertises TRIG). The session has checked the
   * axes (`src` != `axis`, both in range) and `pos`/`at` against pmax. The handler answers like
   * MOVE, then emits STARTED and DONE/ABORTED, or ABORTED why=LATE.
   */
  triggeredMove?(args: ArgsV2Of<'TMOVE'>, seq: number): Reply;
  /**
   * §v2 Triggered steps (feature TSTEP; implementing it advertises TSTEP). Checked as TMOVE; the target
   * is fixed when the trigger fires: the axis's commanded position then, plus `dist`.
   */
  triggeredStep?(args: ArgsV2Of<'TSTEP'>, seq: number): Reply;
  /** §v2 Jog lease (feature LEASE; implementing it advertises LEASE). */
  jogLease?: JogLeaseHandler;
}

export interface DeviceSessionOptions {
  clock: Clock;
  /** Puts bytes on the link, in order. Must not throw. */
  write(bytes: Buffer): void;
  identity: DeviceIdentity;
  handler: DeviceHandler;
  /** The highest version this device speaks (§v2 Negotiation). Default 1: exactly v1. */
  maxProtocol?: ProtocolVersion;
  /** Line rate, for the event retransmission timeout (§v2 Events). Default 115200. */
  baud?: number;
}

export interface DeviceSessionStats {
  /** Sequenced events sent for the first time (§v2 Events). */
  eventsSent: number;
  /** Sequenced events sent again (go-back-N after evto, and fast retransmissions). */
  eventRetransmits: number;
  /** Oldest unacknowledged events resent at once because an ACK said RESEND (§v2 Events). */
  fastRetransmits: number;
  /** Sequenced events not stored because the buffer was full (each reported by an OVERFLOW). */
  eventsLost: number;
  /** Stops from the line (0x18 in v1, three 0x96 in a row in v2), not counting repeats (§v2 Stop). */
  lineStops: number;
  watchdogTrips: number;
}

interface BufferedEvent {
  eseq: number;
  bytes: Buffer;
  lastSentAtMs: number;
}

export class DeviceSession {
  private readonly decoder: CommandDecoder;
  private readonly replyCache = new Map<number, Buffer>();
  private readonly maxProtocol: ProtocolVersion;
  private readonly eventWindow: number;
  private readonly positionMax: number;
  private readonly features: readonly Feature[];
  /** Seq the device executes next; undefined before the first HELLO (§Device rule 3). */
  private expectedSeq: number | undefined;
  /** The version of the current session (§v2 Negotiation); 1 also while there is none. */
  private version: ProtocolVersion = 1;
  private watchdogMs: number;
  private lastValidFrameAtMs = 0;
  private watchdogTripped = false;
  /** §v2 Stop: a line stop was taken and no valid frame has arrived since, so another is the same stop. */
  private lineStopHeld = false;
  // §v2 Events: the unacknowledged events, oldest first; the eseq the next one takes; the last acked.
  private unacked: BufferedEvent[] = [];
  private nextEseq = 1;
  private ackedEseq = 0;
  private lostEvents = 0;
  /** When the last byte written so far has left the device, at the link's rate (§v2 Events: evto counts from there). */
  private txFreeAtMs = 0;
  /** §v2 Jog lease: axis -> when its lease runs out. */
  private readonly leases = new Map<number, number>();
  private readonly statsValue: DeviceSessionStats = {
    eventsSent: 0,
    eventRetransmits: 0,
    fastRetransmits: 0,
    eventsLost: 0,
    lineStops: 0,
    watchdogTrips: 0,
  };
  private readonly onItem = (item: DeviceBoundItem) => this.handleItem(item);

  constructor(private readonly opts: DeviceSessionOptions) {
    this.watchdogMs = opts.identity.watchdogDefaultMs;
    this.maxProtocol = opts.maxProtocol ?? 1;
    this.decoder = new CommandDecoder(this.maxProtocol);
    this.eventWindow = opts.identity.eventWindow ?? 16;
    this.positionMax = opts.identity.positionMax ?? MIN_POSITION_MAX;
    const { handler } = opts;
    this.features = [
      ...(handler.triggeredMove ? (['TRIG'] as const) : []),
      ...(handler.triggeredStep ? (['TSTEP'] as const) : []),
      ...(handler.jogLease ? (['LEASE'] as const) : []),
    ];
    if (this.maxProtocol >= 2) {
      if (
        !Number.isInteger(this.eventWindow) ||
        this.eventWindow < 1 ||
        this.eventWindow > EVENT_WINDOW_MAX
      ) {
        throw new ProtocolError(
          'PROTO_INVALID_ARGUMENT',
          `eventWindow=${this.eventWindow} (1..${EVENT_WINDOW_MAX})`,
        );
      }
      if (!(this.positionMax >= MIN_POSITION_MAX && this.positionMax <= Number.MAX_SAFE_INTEGER)) {
        throw new ProtocolError('PROTO_INVALID_ARGUMENT', `positionMax=${this.positionMax} (2^47-1..2^53-1)`);
      }
    }
  }

  get hasSession(): boolean {
    return this.expectedSeq !== undefined;
  }
  /** The version of the current session, undefined before the first HELLO. */
  get protocolVersion(): ProtocolVersion | undefined {
    return this.expectedSeq === undefined ? undefined : this.version;
  }
  get currentWatchdogMs(): number {
    return this.watchdogMs;
  }
  /** §v2 Events: sequenced events sent and not yet acknowledged. */
  get unacknowledgedEvents(): number {
    return this.unacked.length;
  }
  get stats(): Readonly<DeviceSessionStats> {
    return this.statsValue;
  }

  /** §Device rule 3: on boot or reset, forget the session and announce BOOT (with `max=` if v2 is spoken). */
  boot(): void {
    this.expectedSeq = undefined;
    this.replyCache.clear();
    this.decoder.reset();
    this.setVersion(1);
    this.resetEvents();
    this.leases.clear();
    this.watchdogTripped = false;
    const { fw, axes } = this.opts.identity;
    const fields: EventFieldsOf<'BOOT'> = { fw, proto: PROTOCOL_VERSION, axes };
    if (this.maxProtocol >= 2) fields.max = this.maxProtocol;
    this.emit('BOOT', fields);
  }

  receive(chunk: Uint8Array): void {
    this.decoder.push(chunk, this.onItem);
  }

  /** The hardware e-stop input (§Device rule 5, src=input). */
  estop(source: EstopSource = 'input'): void {
    this.decoder.reset();
    this.opts.handler.estop(source);
    this.leases.clear();
    this.emit('ESTOP', { src: source });
  }

  /**
   * Puts an event on the wire. In a v2 session a sequenced event takes the next eseq and is kept until
   * acknowledged, or counted for OVERFLOW if the buffer is full (§v2 Events). A v2-only event outside
   * a v2 session is dropped: a v1 host cannot read it (STARTED of a TMOVE armed before a v1 HELLO).
   */
  emit<E extends EventName>(event: E, fields: EventFieldsOf<E>): void {
    const v2 = this.expectedSeq !== undefined && this.version === 2;
    if (!v2) {
      if (eventSince(event) > 1) return;
      this.writeOut(encodeEvent(event, fields));
      return;
    }
    if (!EVENTS[event].sequenced) {
      if (event === 'POS') this.emitPositionSample(fields as EventFieldsOf<'POS'>);
      else this.writeOut(encodeEvent(event, fields, { version: 2 }));
      return;
    }
    if (this.unacked.length >= this.eventWindow) {
      // §v2 Events, overflow: never block motion on the host; count, and say so when a slot frees.
      this.lostEvents++;
      this.statsValue.eventsLost++;
      return;
    }
    this.sendSequenced(event, fields);
  }

  /** Runs the watchdog, the event retransmission and the jog leases. Call at nextDeadlineMs(). */
  tick(): void {
    const now = this.opts.clock.monotonicMs();
    const watchdogAt = this.watchdogDeadlineMs();
    if (watchdogAt !== undefined && now >= watchdogAt) {
      this.watchdogTripped = true;
      this.statsValue.watchdogTrips++;
      this.opts.handler.watchdogExpired();
      this.leases.clear();
      this.emit('FAULT', { axis: 0, code: 'WATCHDOG' });
    }
    for (const [axis, atMs] of [...this.leases]) {
      if (now < atMs) continue;
      this.leases.delete(axis);
      const pos = this.opts.handler.jogLease?.expired(axis);
      if (pos !== undefined) this.emit('LEASE', { axis, pos });
    }
    const resendAt = this.retransmitDeadlineMs();
    if (resendAt !== undefined && now >= resendAt) {
      // §v2 Events: go-back-N from the oldest unacknowledged event, byte for byte.
      for (const buffered of this.unacked) {
        this.statsValue.eventRetransmits++;
        this.writeOut(buffered.bytes);
        buffered.lastSentAtMs = this.txFreeAtMs;
      }
    }
  }

  nextDeadlineMs(): MonotonicMs | undefined {
    let next = this.watchdogDeadlineMs();
    for (const atMs of this.leases.values()) if (next === undefined || atMs < next) next = atMs;
    const resendAt = this.retransmitDeadlineMs();
    if (resendAt !== undefined && (next === undefined || resendAt < next)) next = resendAt;
    return next as MonotonicMs | undefined;
  }

  // ---- internals ----

  /**
   * Every line goes out here, so the session knows when its bytes have left at the link's rate: an
   * event waiting behind a backlog of replies has not been sent yet, and must not be resent yet.
   */
  private writeOut(bytes: Buffer): void {
    const now = this.opts.clock.monotonicMs();
    this.txFreeAtMs =
      Math.max(this.txFreeAtMs, now) + wireTimeMs(bytes.length, this.opts.baud ?? DEFAULT_BAUD);
    this.opts.write(bytes);
  }

  private watchdogDeadlineMs(): number | undefined {
    if (this.expectedSeq === undefined || this.watchdogTripped) return undefined;
    return this.lastValidFrameAtMs + this.watchdogMs;
  }

  /** §v2 Events: evto after the oldest unacknowledged event last left the device. */
  private retransmitDeadlineMs(): number | undefined {
    const oldest = this.unacked[0];
    if (!oldest) return undefined;
    let bytes = 0;
    for (const buffered of this.unacked) bytes += buffered.bytes.length;
    return oldest.lastSentAtMs + EVENT_RETRANSMIT_BASE_MS + wireTimeMs(bytes, this.opts.baud ?? DEFAULT_BAUD);
  }

  private setVersion(version: ProtocolVersion): void {
    this.version = version;
    this.lineStopHeld = false;
    this.decoder.version = version; // §v2 Stop: the splitter counts 0x96 runs in v2, takes 0x18 otherwise
  }

  private resetEvents(): void {
    this.unacked = [];
    this.nextEseq = 1;
    this.ackedEseq = 0;
    this.lostEvents = 0;
  }

  private sendSequenced<E extends EventName>(event: E, fields: EventFieldsOf<E>): void {
    const eseq = this.nextEseq;
    this.nextEseq = nextSeq(eseq);
    const bytes = encodeEvent(event, fields, { version: 2, eseq });
    this.statsValue.eventsSent++;
    this.writeOut(bytes);
    this.unacked.push({ eseq, bytes, lastSentAtMs: this.txFreeAtMs });
  }

  /** §v2 Positions: a POS sample too long for one line goes out as several, each from axis `a`. */
  private emitPositionSample(fields: EventFieldsOf<'POS'>): void {
    const { t, p, v } = fields;
    const first = fields.a ?? 1;
    try {
      this.writeOut(encodeEvent('POS', fields, { version: 2 }));
      return;
    } catch (error) {
      if (!(error instanceof ProtocolError && error.code === 'PROTO_LINE_TOO_LONG') || p.length < 2)
        throw error;
    }
    // Each axis adds at most 21 bytes of p and 12 of v; split in halves until every part fits.
    const half = Math.ceil(p.length / 2);
    this.emitPositionSample({ t, a: first, p: p.slice(0, half), v: v.slice(0, half) });
    this.emitPositionSample({ t, a: first + half, p: p.slice(half), v: v.slice(half) });
  }

  private handleItem(item: DeviceBoundItem): void {
    switch (item.kind) {
      case 'estop':
        // §v2 Stop: a stop with no valid frame since the last one is the same stop (one of its copies was
        // damaged into a non-copy, which split the burst); the splitter has discarded the partial line,
        // and the latch and the ESTOP event are already there. v1 rule 5 acts on every 0x18.
        if (this.version === 2 && this.lineStopHeld) return;
        this.lineStopHeld = this.version === 2;
        this.statsValue.lineStops++;
        this.estop('host');
        return;
      case 'error':
        // §Device rule 1: not executed; answered if the seq can be read.
        if (item.seq === undefined) this.emit('BADFRAME', {});
        else this.writeOut(encodeErrorReply(item.seq, item.code));
        return;
      default:
        this.handleFrame(item);
    }
  }

  /** §Device rule 2 / §v2 Sizing: 32 cached replies in v1, `win` in v2. */
  private replyCacheFrames(): number {
    return this.version === 2
      ? Math.min(this.opts.identity.windowFrames, REPLAY_WINDOW_FRAMES)
      : REPLAY_WINDOW_FRAMES;
  }

  private handleFrame(frame: CommandFrame | InvalidCommandFrame): void {
    this.lastValidFrameAtMs = this.opts.clock.monotonicMs();
    this.watchdogTripped = false;
    this.lineStopHeld = false;
    if (frame.kind === 'command' && frame.verb === 'HELLO') {
      this.startSession(frame.seq, frame.args.max ?? 1);
      return;
    }
    const expected = this.expectedSeq;
    if (expected === undefined) {
      this.writeOut(encodeErrorReply(frame.seq, 'HELLO'));
      return;
    }
    const cacheFrames = this.replyCacheFrames();
    if (frame.seq === expected) {
      const bytes = this.execute(frame);
      this.replyCache.set(frame.seq, bytes);
      this.replyCache.delete(seqBefore(expected, cacheFrames));
      this.expectedSeq = nextSeq(expected);
      this.writeOut(bytes);
      return;
    }
    // §Device rule 2: a retransmission of one of the last 32 (v2: win) gets its reply again, byte for byte.
    const back = seqDistance(frame.seq, expected);
    const cached = back >= 1 && back <= cacheFrames ? this.replyCache.get(frame.seq) : undefined;
    this.writeOut(cached ?? encodeErrorReply(frame.seq, 'SEQ', { next: expected }));
  }

  /** §Device rule 3, §v2 Negotiation: p = min(max, the highest version spoken); p = 1 is exactly v1. */
  private startSession(seq: number, hostMax: number): void {
    const { fw, axes, rxBytes, windowFrames, queueDepth, watchdogDefaultMs } = this.opts.identity;
    const version = Math.min(hostMax, this.maxProtocol) as ProtocolVersion;
    this.expectedSeq = nextSeq(seq);
    this.replyCache.clear();
    this.watchdogMs = watchdogDefaultMs;
    // A new session's events start at eseq 1; the old session's unacknowledged ones are gone.
    this.resetEvents();
    this.setVersion(version);
    this.opts.handler.sessionStarted?.(version);
    const fields = {
      proto: version,
      fw,
      axes,
      rx: rxBytes,
      win: Math.min(windowFrames, REPLAY_WINDOW_FRAMES),
      qd: queueDepth,
      wd: this.watchdogMs,
      ev: this.eventWindow,
      pmax: this.positionMax,
      feat: [...this.features],
    };
    this.writeOut(encodeReply(seq, 'HELLO', { ok: true, fields }, version));
  }

  private execute(frame: CommandFrame | InvalidCommandFrame): Buffer {
    if (frame.kind === 'invalid-command') return encodeErrorReply(frame.seq, frame.code);
    const { seq } = frame;
    if (frame.verb === 'WDOG') {
      const { ms } = frame.args;
      if (ms < WATCHDOG_MIN_MS || ms > WATCHDOG_MAX_MS) return encodeErrorReply(seq, 'RANGE');
      this.watchdogMs = ms;
      return encodeReply(seq, 'WDOG', { ok: true, fields: {} });
    }
    if (this.version === 2) {
      const refused = this.checkV2(frame);
      if (refused) return encodeErrorReply(seq, refused);
      const reply = this.executeV2(frame);
      if (reply) return encodeReply(seq, frame.verb, reply, 2);
    }
    const command = { verb: frame.verb, args: frame.args } as HandledCommand;
    const reply = this.opts.handler.execute(command, seq);
    if (frame.verb === 'STOP' && reply.ok) this.endLeases(frame.args.axis);
    return encodeReply(seq, frame.verb as Verb, reply, this.version);
  }

  /** §v2 Positions, §v2 Triggered moves, §v2 Jog lease: what the session refuses before any handler. */
  private checkV2(frame: CommandFrame): 'RANGE' | 'ARGS' | 'AXIS' | 'VERB' | undefined {
    const args = frame.args as Record<string, unknown>;
    for (const arg of argsIn(frame.verb, 2)) {
      if (arg.type === 'position' && Math.abs(args[arg.name] as number) > this.positionMax) return 'RANGE';
    }
    switch (frame.verb) {
      case 'SET':
        if (frame.args.key !== 'MIN' && frame.args.key !== 'MAX' && Math.abs(frame.args.value) > INT32_MAX) {
          return 'RANGE';
        }
        return undefined;
      case 'TMOVE':
      case 'TSTEP': {
        const hook = frame.verb === 'TMOVE' ? 'triggeredMove' : 'triggeredStep';
        if (!this.opts.handler[hook]) return 'VERB';
        const { axis, src } = frame.args;
        if (src === axis) return 'ARGS';
        const axes = this.opts.identity.axes;
        if (axis < 1 || axis > axes || src < 1 || src > axes) return 'AXIS';
        return undefined;
      }
      case 'JOG':
      case 'RENEW': {
        // §v2 Jog lease: a jog without a lease does not exist in v2.
        if (!this.opts.handler.jogLease) return 'VERB';
        const lease = frame.args.lease ?? 0;
        return lease < LEASE_MIN_MS || lease > LEASE_MAX_MS ? 'RANGE' : undefined;
      }
      default:
        return undefined;
    }
  }

  /** The v2 verbs (and JOG's v2 form); undefined for a verb the v1 handler executes. */
  private executeV2(frame: CommandFrame): Reply | undefined {
    const { handler } = this.opts;
    switch (frame.verb) {
      case 'ACK':
        return this.acknowledge(frame.args.eseq, frame.args.resend === 'RESEND');
      case 'TMOVE':
        return handler.triggeredMove!(frame.args as ArgsV2Of<'TMOVE'>, frame.seq);
      case 'TSTEP':
        return handler.triggeredStep!(frame.args as ArgsV2Of<'TSTEP'>, frame.seq);
      case 'JOG': {
        const { axis, vel, acc, lease } = frame.args;
        const reply = handler.jogLease!.jog({ axis, vel, acc }, frame.seq);
        if (reply.ok) this.leases.set(axis, this.opts.clock.monotonicMs() + lease!);
        return reply;
      }
      case 'RENEW': {
        const { axis, lease } = frame.args;
        const reply = handler.jogLease!.renew(axis, frame.seq);
        if (reply.ok) this.leases.set(axis, this.opts.clock.monotonicMs() + lease);
        return reply;
      }
      default:
        return undefined;
    }
  }

  /**
   * §v2 Events, ACK: an eseq in the buffer frees it up to there; the last acknowledged eseq (0 before
   * the first) or one of the `ev` before it is a repeat (OK, nothing freed); anything else is ERR
   * RANGE. With RESEND the host holds later events and misses the oldest unacknowledged one: it is
   * resent at once (fast retransmission), unless its last copy is still on its way out.
   */
  private acknowledge(eseq: number, resend: boolean): Reply<'ACK'> {
    const at = eseq === 0 ? -1 : this.unacked.findIndex((b) => b.eseq === eseq);
    const repeat =
      eseq === this.ackedEseq ||
      (eseq !== 0 && this.ackedEseq !== 0 && seqDistance(eseq, this.ackedEseq) <= this.eventWindow);
    if (at < 0 && !repeat) return { ok: false, code: 'RANGE', fields: {} };
    if (at >= 0) {
      this.unacked.splice(0, at + 1);
      this.ackedEseq = eseq;
      if (this.lostEvents > 0) {
        const lost = this.lostEvents;
        this.lostEvents = 0;
        this.sendSequenced('OVERFLOW', { lost });
      }
    }
    const oldest = this.unacked[0];
    if (resend && oldest && oldest.lastSentAtMs <= this.opts.clock.monotonicMs()) {
      this.statsValue.eventRetransmits++;
      this.statsValue.fastRetransmits++;
      this.writeOut(oldest.bytes);
      oldest.lastSentAtMs = this.txFreeAtMs;
    }
    return { ok: true, fields: {} };
  }

  private endLeases(axis: number): void {
    if (axis === 0) this.leases.clear();
    else this.leases.delete(axis);
  }
}

export function createDeviceSession(options: DeviceSessionOptions): DeviceSession {
  return new DeviceSession(options);
}
