// The device's side of protocol v1 with no I/O and no timers: seq rules and the reply cache,
// HELLO and WDOG, the 0x18 e-stop byte and the watchdog. Everything else is executed by an
// injected handler (the simulator's controller model, or firmware logic in a port of this).

import type { Clock, MonotonicMs } from '@servo-edge/common/clock';
import {
  PROTOCOL_VERSION,
  REPLAY_WINDOW_FRAMES,
  WATCHDOG_MAX_MS,
  WATCHDOG_MIN_MS,
} from '../wire/constants.js';
import { CommandDecoder } from '../wire/decoder.js';
import { encodeErrorReply, encodeEvent, encodeReply } from '../wire/encode.js';
import type { CommandFrame, DeviceBoundItem, InvalidCommandFrame } from '../wire/frames.js';
import type { Command, EstopSource, EventFieldsOf, EventName, Reply, Verb } from '../wire/messages.js';
import { nextSeq, seqBefore, seqDistance } from '../wire/seq.js';

export interface DeviceIdentity {
  /** Firmware version, MAJOR.MINOR.PATCH. */
  fw: string;
  axes: number;
  /** Receive buffer the host may fill (§Device rule 4). */
  rxBytes: number;
  /** Unanswered frames the host may have out (§Device rule 4); at most 32. */
  windowFrames: number;
  /** Per-axis move queue depth. */
  queueDepth: number;
  /** Watchdog period a new session starts with (§Device rule 6). */
  watchdogDefaultMs: number;
}

/** A command the session hands to the handler: everything except HELLO and WDOG. */
export type HandledCommand = Exclude<Command, { verb: 'HELLO' | 'WDOG' }>;

export interface DeviceHandler {
  /**
   * Executes a command that passed the seq rules, exactly once. Must return at once (the device
   * answers within 50 ms, §Device rule 4); long operations reply OK and report by event.
   */
  execute(command: HandledCommand, seq: number): Reply;
  /** §Device rule 5: stop every axis at once, drop queued moves, latch ESTOP. The session emits the ESTOP event. */
  estop(source: EstopSource): void;
  /** §Device rule 6: controlled stop of moving axes, latch the fault. The session emits the FAULT event. */
  watchdogExpired(): void;
  /** HELLO started a new session. */
  sessionStarted?(): void;
}

export interface DeviceSessionOptions {
  clock: Clock;
  /** Puts bytes on the link, in order. Must not throw. */
  write(bytes: Buffer): void;
  identity: DeviceIdentity;
  handler: DeviceHandler;
}

export class DeviceSession {
  private readonly decoder = new CommandDecoder();
  private readonly replyCache = new Map<number, Buffer>();
  /** Seq the device executes next; undefined before the first HELLO (§Device rule 3). */
  private expectedSeq: number | undefined;
  private watchdogMs: number;
  private lastValidFrameAtMs = 0;
  private watchdogTripped = false;
  private readonly onItem = (item: DeviceBoundItem) => this.handleItem(item);

  constructor(private readonly opts: DeviceSessionOptions) {
    this.watchdogMs = opts.identity.watchdogDefaultMs;
  }

  get hasSession(): boolean {
    return this.expectedSeq !== undefined;
  }
  get currentWatchdogMs(): number {
    return this.watchdogMs;
  }

  /** §Device rule 3: on boot or reset, forget the session and announce BOOT. */
  boot(): void {
    this.expectedSeq = undefined;
    this.replyCache.clear();
    this.decoder.reset();
    this.watchdogTripped = false;
    const { fw, axes } = this.opts.identity;
    this.emit('BOOT', { fw, proto: PROTOCOL_VERSION, axes });
  }

  receive(chunk: Uint8Array): void {
    this.decoder.push(chunk, this.onItem);
  }

  /** The hardware e-stop input (§Device rule 5, src=input). */
  estop(source: EstopSource = 'input'): void {
    this.decoder.reset();
    this.opts.handler.estop(source);
    this.emit('ESTOP', { src: source });
  }

  emit<E extends EventName>(event: E, fields: EventFieldsOf<E>): void {
    this.opts.write(encodeEvent(event, fields));
  }

  /** Runs the watchdog. Call at nextDeadlineMs(). */
  tick(): void {
    const deadline = this.nextDeadlineMs();
    if (deadline === undefined || this.opts.clock.monotonicMs() < deadline) return;
    this.watchdogTripped = true;
    this.opts.handler.watchdogExpired();
    this.emit('FAULT', { axis: 0, code: 'WATCHDOG' });
  }

  nextDeadlineMs(): MonotonicMs | undefined {
    if (this.expectedSeq === undefined || this.watchdogTripped) return undefined;
    return (this.lastValidFrameAtMs + this.watchdogMs) as MonotonicMs;
  }

  private handleItem(item: DeviceBoundItem): void {
    switch (item.kind) {
      case 'estop':
        this.estop('host');
        return;
      case 'error':
        // §Device rule 1: not executed; answered if the seq can be read.
        if (item.seq === undefined) this.emit('BADFRAME', {});
        else this.opts.write(encodeErrorReply(item.seq, item.code));
        return;
      default:
        this.handleFrame(item);
    }
  }

  private handleFrame(frame: CommandFrame | InvalidCommandFrame): void {
    this.lastValidFrameAtMs = this.opts.clock.monotonicMs();
    this.watchdogTripped = false;
    if (frame.kind === 'command' && frame.verb === 'HELLO') {
      this.startSession(frame.seq);
      return;
    }
    const expected = this.expectedSeq;
    if (expected === undefined) {
      this.opts.write(encodeErrorReply(frame.seq, 'HELLO'));
      return;
    }
    if (frame.seq === expected) {
      const bytes = this.execute(frame);
      this.replyCache.set(frame.seq, bytes);
      this.replyCache.delete(seqBefore(expected, REPLAY_WINDOW_FRAMES));
      this.expectedSeq = nextSeq(expected);
      this.opts.write(bytes);
      return;
    }
    // §Device rule 2: a retransmission of one of the last 32 gets its reply again, byte for byte.
    const back = seqDistance(frame.seq, expected);
    const cached = back >= 1 && back <= REPLAY_WINDOW_FRAMES ? this.replyCache.get(frame.seq) : undefined;
    this.opts.write(cached ?? encodeErrorReply(frame.seq, 'SEQ', { next: expected }));
  }

  private startSession(seq: number): void {
    const { fw, axes, rxBytes, windowFrames, queueDepth, watchdogDefaultMs } = this.opts.identity;
    this.expectedSeq = nextSeq(seq);
    this.replyCache.clear();
    this.watchdogMs = watchdogDefaultMs;
    this.opts.handler.sessionStarted?.();
    this.opts.write(
      encodeReply(seq, 'HELLO', {
        ok: true,
        fields: {
          proto: PROTOCOL_VERSION,
          fw,
          axes,
          rx: rxBytes,
          win: Math.min(windowFrames, REPLAY_WINDOW_FRAMES),
          qd: queueDepth,
          wd: this.watchdogMs,
        },
      }),
    );
  }

  private execute(frame: CommandFrame | InvalidCommandFrame): Buffer {
    if (frame.kind === 'invalid-command') return encodeErrorReply(frame.seq, frame.code);
    if (frame.verb === 'WDOG') {
      const { ms } = frame.args;
      if (ms < WATCHDOG_MIN_MS || ms > WATCHDOG_MAX_MS) return encodeErrorReply(frame.seq, 'RANGE');
      this.watchdogMs = ms;
      return encodeReply(frame.seq, 'WDOG', { ok: true, fields: {} });
    }
    const command = { verb: frame.verb, args: frame.args } as HandledCommand;
    return encodeReply(frame.seq, frame.verb as Verb, this.opts.handler.execute(command, frame.seq));
  }
}

export function createDeviceSession(options: DeviceSessionOptions): DeviceSession {
  return new DeviceSession(options);
}
