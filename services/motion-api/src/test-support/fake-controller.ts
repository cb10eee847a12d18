// Unit-test stand-in for a servo controller: DeviceSession (the real seq rules, reply cache and 0x18
// handling) over a tiny axis model whose moves and homing finish only when the test says so, plus a
// TransportFactory that connects links to it with asynchronous (microtask) delivery and can unplug.
// A v1 device by default; with `maxProtocol: 2` it also speaks v2 (PROTOCOL.md §v2): sequenced,
// acknowledged events, triggered moves that fire when the test says so, and jog leases timed by the
// session on the test's clock.

import { ManualClock } from '@servo-edge/common/testing';
import {
  createSessionDriver,
  type DeviceHandler,
  DeviceSession,
  type encodeEvent,
  type HandledCommand,
  type ProtocolVersion,
  type Reply,
  type SessionDriver,
} from '@servo-edge/firmware-protocol';
import type {
  LinkTransport,
  TransportFactory,
  TransportHandlers,
  TransportOpenOptions,
} from '../link/transport.js';

type St = 'DISABLED' | 'IDLE' | 'MOVING' | 'HOMING' | 'FAULT' | 'ESTOP';

export interface FakeAxis {
  st: St;
  pos: number;
  tgt: number;
  vel: number;
  /** `trigger`: a TMOVE (§v2 Triggered moves), armed at the head of the queue until fire(). */
  queue: {
    seq: number;
    pos: number;
    trigger?: { src: number; at: number; dir: 1 | -1 };
    started?: boolean;
  }[];
  limits: Record<string, number>;
  /** A leased jog runs (§v2 Jog lease). */
  jogging?: boolean;
}

export interface FakeControllerOptions {
  /** The highest version the device speaks (§v2 Negotiation). Default 1. */
  maxProtocol?: ProtocolVersion;
  /** v2 features it implements; both by default when maxProtocol is 2. */
  trig?: boolean;
  lease?: boolean;
  /** §v2 Events: the event buffer (HELLO ev=). Default 16. */
  eventWindow?: number;
  /** §v2 Positions: pmax. Default 2^47-1. */
  positionMax?: number;
  /**
   * false: GET q counts only the waiting moves, not the running one (a fair misreading of v1's text
   * that §v2 Fields rules out; hosts must survive it). Default true.
   */
  queueCountsRunning?: boolean;
}

export interface ExecutedLine {
  session: number;
  seq: number;
  verb: string;
  args: Record<string, unknown>;
}

export class FakeController {
  readonly axes: FakeAxis[];
  readonly executed: ExecutedLine[] = [];
  readonly received: Buffer[] = [];
  readonly session: DeviceSession;
  streamHz = 0;
  estopInput = false;
  sessions = 0;
  /** Replies are computed (the command executes) but never leave the device. */
  withholdReplies = false;
  /**
   * The next this-many events are lost on the line (damaged, so the host never decodes them). In a v2
   * session only their first copy is: the device retransmits it (§v2 Events).
   */
  loseEvents = 0;
  /** First copies of sequenced events still to drop (v2). */
  private dropEventCopies = 0;
  /** Drives the session's timers (watchdog, event retransmission, leases) in v2 only: v1 tests never tick it. */
  private readonly ticker: SessionDriver | undefined;
  private readonly queueCountsRunning: boolean;
  /** Bytes are swallowed before the device sees them (a dead device). */
  deaf = false;
  private host: ((bytes: Buffer) => void) | undefined;
  /** The next command of a verb is answered with this ERR instead of executing. */
  private readonly refusals = new Map<string, { code: string; fields: Record<string, string | number> }>();

  constructor(
    readonly id: string,
    axisCount = 4,
    readonly queueDepth = 4,
    readonly clock = new ManualClock(),
    options: FakeControllerOptions = {},
  ) {
    const v2 = (options.maxProtocol ?? 1) >= 2;
    this.queueCountsRunning = options.queueCountsRunning ?? true;
    this.axes = Array.from({ length: axisCount }, () => freshAxis());
    const handler: DeviceHandler = {
      execute: (command, seq) => this.execute(command, seq),
      estop: () => this.doEstop(),
      watchdogExpired: () => {},
      ...(v2 && options.trig !== false
        ? { triggeredMove: (args, seq) => this.executeTriggeredMove(args, seq) }
        : {}),
      ...(v2 && options.lease !== false
        ? {
            jogLease: {
              jog: (args, seq) => this.executeJog(args, seq),
              renew: (axis) => {
                const refusal = this.refusals.get('RENEW');
                if (refusal) {
                  this.refusals.delete('RENEW');
                  return { ok: false, code: refusal.code, fields: refusal.fields } as Reply;
                }
                const a = this.axes[axis - 1];
                return a?.jogging
                  ? ({ ok: true, fields: {} } as Reply)
                  : ({ ok: false, code: 'STATE', fields: { st: a?.st ?? 'IDLE' } } as Reply);
              },
              expired: (axis) => {
                const a = this.axes[axis - 1];
                if (!a?.jogging) return undefined;
                this.stopJog(a);
                return a.pos;
              },
            },
          }
        : {}),
      sessionStarted: () => {
        this.sessions++;
        this.executed.push({ session: this.sessions, seq: 0, verb: 'HELLO', args: {} });
      },
    };
    this.session = new DeviceSession({
      clock: this.clock,
      write: (bytes) => {
        if (this.withholdReplies && bytes[0] !== 0x21) return; // '!' starts an event
        // '!' then a digit: a sequenced event (§v2 Events); its first copy may be lost on purpose.
        if (bytes[0] === 0x21 && bytes[1] !== 0x20 && this.dropEventCopies > 0) {
          this.dropEventCopies--;
          return;
        }
        const host = this.host;
        if (host) queueMicrotask(() => host(bytes));
      },
      identity: {
        fw: '1.0.0',
        axes: axisCount,
        rxBytes: 512,
        windowFrames: 8,
        queueDepth,
        watchdogDefaultMs: 60000,
        ...(options.eventWindow === undefined ? {} : { eventWindow: options.eventWindow }),
        ...(options.positionMax === undefined ? {} : { positionMax: options.positionMax }),
      },
      handler,
      maxProtocol: options.maxProtocol ?? 1,
    });
    this.ticker = v2 ? createSessionDriver(this.session, this.clock) : undefined;
  }

  /** The version of the device's current session (undefined before HELLO). */
  get protocolVersion(): ProtocolVersion | undefined {
    return this.session.hasSession ? this.session.protocolVersion : undefined;
  }

  attach(host: (bytes: Buffer) => void): void {
    this.host = host;
  }
  detach(): void {
    this.host = undefined;
  }

  receive(bytes: Buffer): void {
    this.received.push(bytes);
    if (!this.deaf) this.session.receive(bytes);
    this.ticker?.poke();
  }

  refuseNext(verb: string, code: string, fields: Record<string, string | number> = {}): void {
    this.refusals.set(verb, { code, fields });
  }

  /** Executed commands of a verb, in order. */
  executedOf(verb: string): ExecutedLine[] {
    return this.executed.filter((e) => e.verb === verb);
  }

  event(...args: Parameters<typeof encodeEvent>): void {
    const [name, fields] = args;
    if (this.loseEvents > 0) {
      this.loseEvents--;
      // v1: the event is gone. v2: its first copy is; the session retransmits it.
      if (this.protocolVersion !== 2) return;
      this.dropEventCopies++;
    }
    this.session.emit(name, fields as never);
    this.ticker?.poke();
  }

  /** §v2 Triggered moves: the armed TMOVE at the head of `axis` fires at device time `deviceTimeMs`. */
  fire(axis: number, deviceTimeMs: number): void {
    const a = this.axes[axis - 1]!;
    const move = a.queue[0];
    if (!move?.trigger || move.started) throw new Error(`axis ${axis} has no armed triggered move`);
    move.started = true;
    a.st = 'MOVING';
    a.tgt = move.pos;
    this.event('STARTED', { axis, seq: move.seq, t: deviceTimeMs });
  }

  /**
   * The running move of `axis` (1-based) finishes: DONE, next one starts. `silently`: its DONE is never
   * sent at all (lost inside the device, as the events an OVERFLOW counts are).
   */
  finishMove(axis: number, options: { silently?: boolean } = {}): void {
    const a = this.axes[axis - 1]!;
    const move = a.queue.shift();
    if (!move) throw new Error(`axis ${axis} has no move`);
    a.pos = move.pos;
    if (!options.silently) this.event('DONE', { axis, seq: move.seq, pos: a.pos });
    a.st = a.queue.length > 0 && !armed(a) ? 'MOVING' : 'IDLE';
    a.tgt = armed(a) ? a.pos : (a.queue[0]?.pos ?? a.pos);
  }

  finishHome(axis: number, ok = true): void {
    const a = this.axes[axis - 1]!;
    if (ok) {
      a.pos = 0;
      a.tgt = 0;
      a.st = 'IDLE';
      this.event('HOMED', { axis, pos: 0 });
    } else {
      a.st = 'FAULT';
      this.event('FAULT', { axis, code: 'HOME' });
    }
  }

  /** A latched axis fault, as FERR or LIMIT would raise it. */
  fault(axis: number, code: 'FERR' | 'LIMIT' | 'DRIVE'): void {
    const a = this.axes[axis - 1]!;
    for (const move of a.queue.splice(0)) this.event('ABORTED', { axis, seq: move.seq, pos: a.pos });
    a.st = 'FAULT';
    this.event('FAULT', { axis, code });
  }

  /** Power cycle: state forgotten, BOOT emitted. */
  reboot(): void {
    for (let i = 0; i < this.axes.length; i++) this.axes[i] = freshAxis();
    this.streamHz = 0;
    this.session.boot();
    this.ticker?.poke();
  }

  private executeTriggeredMove(
    args: { axis: number; pos: number; src: number; at: number; dir: number },
    seq: number,
  ): Reply {
    const a = this.axes[args.axis - 1]!;
    if (this.axes.some((x) => x.st === 'ESTOP')) return { ok: false, code: 'ESTOP', fields: {} } as Reply;
    if (a.st === 'DISABLED' || a.st === 'FAULT' || a.st === 'HOMING')
      return { ok: false, code: 'STATE', fields: { st: a.st } } as Reply;
    if (a.queue.length >= this.queueDepth) return { ok: false, code: 'QFULL', fields: {} } as Reply;
    this.executed.push({ session: this.sessions, seq, verb: 'TMOVE', args: { ...args } });
    const src = this.axes[args.src - 1]!;
    // §v2 Triggered moves: armed at once on an empty queue; LATE if the source is already at or past.
    const passed = args.dir === 1 ? src.pos >= args.at : src.pos <= args.at;
    if (a.queue.length === 0 && passed) {
      queueMicrotask(() => this.event('ABORTED', { axis: args.axis, seq, pos: a.pos, why: 'LATE' }));
      return { ok: true, fields: {} } as Reply;
    }
    a.queue.push({
      seq,
      pos: args.pos,
      trigger: { src: args.src, at: args.at, dir: args.dir === 1 ? 1 : -1 },
    });
    return { ok: true, fields: {} } as Reply;
  }

  /** JOG (v1, or with a lease in v2: the session times the lease). */
  private executeJog(args: { axis: number; vel: number; acc: number }, seq: number): Reply {
    const a = this.axes[args.axis - 1];
    if (!a) return { ok: false, code: 'AXIS', fields: {} } as Reply;
    if (this.axes.some((x) => x.st === 'ESTOP')) return { ok: false, code: 'ESTOP', fields: {} } as Reply;
    if (a.st !== 'IDLE' && a.st !== 'MOVING')
      return { ok: false, code: 'STATE', fields: { st: a.st } } as Reply;
    this.executed.push({ session: this.sessions, seq, verb: 'JOG', args: { ...args } });
    a.st = args.vel === 0 ? 'IDLE' : 'MOVING';
    a.vel = args.vel;
    a.jogging = args.vel !== 0;
    return { ok: true, fields: {} } as Reply;
  }

  private stopJog(a: FakeAxis): void {
    a.jogging = false;
    a.vel = 0;
    a.st = 'IDLE';
    a.tgt = a.pos;
  }

  private doEstop(): void {
    this.axes.forEach((a, i) => {
      for (const move of a.queue.splice(0)) this.event('ABORTED', { axis: i + 1, seq: move.seq, pos: a.pos });
      a.st = 'ESTOP';
      a.tgt = a.pos;
    });
  }

  private execute(command: HandledCommand, seq: number): Reply {
    const refusal = this.refusals.get(command.verb);
    if (refusal) {
      this.refusals.delete(command.verb);
      return { ok: false, code: refusal.code, fields: refusal.fields } as Reply;
    }
    this.executed.push({ session: this.sessions, seq, verb: command.verb, args: { ...command.args } });
    const ok: Reply = { ok: true, fields: {} } as Reply;
    const estopped = this.axes.some((a) => a.st === 'ESTOP');
    const axisOf = (n: number) => this.axes[n - 1];
    switch (command.verb) {
      case 'PING':
        return ok;
      case 'GET': {
        const a = axisOf(command.args.axis);
        if (!a) return { ok: false, code: 'AXIS', fields: {} };
        return {
          ok: true,
          // §v2 Fields: run is the head of the queue (the session leaves it out of a v1 line).
          fields: {
            pos: a.pos,
            vel: a.vel,
            tgt: a.tgt,
            st: a.st,
            q: this.queueCountsRunning || a.st !== 'MOVING' ? a.queue.length : a.queue.length - 1,
            run: a.queue[0]?.seq ?? 0,
          },
        } as Reply;
      }
      case 'SET': {
        const a = axisOf(command.args.axis);
        if (!a) return { ok: false, code: 'AXIS', fields: {} };
        a.limits[command.args.key] = command.args.value;
        return ok;
      }
      case 'STREAM':
        this.streamHz = command.args.hz;
        return ok;
      case 'RESET':
        if (this.estopInput) return { ok: false, code: 'ESTOP', fields: {} };
        for (const a of this.axes) if (a.st === 'ESTOP' || a.st === 'FAULT') a.st = 'DISABLED';
        return ok;
      case 'STOP': {
        const targets = command.args.axis === 0 ? this.axes : [axisOf(command.args.axis)];
        targets.forEach((a) => {
          if (!a) return;
          const n = this.axes.indexOf(a) + 1;
          for (const move of a.queue.splice(0)) this.event('ABORTED', { axis: n, seq: move.seq, pos: a.pos });
          if (a.st === 'MOVING' || a.st === 'HOMING') a.st = 'IDLE';
          a.vel = 0;
          a.jogging = false;
          a.tgt = a.pos;
        });
        return ok;
      }
      case 'DISABLE': {
        const a = axisOf(command.args.axis);
        if (!a) return { ok: false, code: 'AXIS', fields: {} };
        if (a.st !== 'ESTOP' && a.st !== 'FAULT') a.st = 'DISABLED';
        return ok;
      }
      default:
        break;
    }
    // Motion verbs.
    if (estopped) return { ok: false, code: 'ESTOP', fields: {} };
    const a = axisOf(command.args.axis);
    if (!a) return { ok: false, code: 'AXIS', fields: {} };
    switch (command.verb) {
      case 'ENABLE':
        if (a.st === 'FAULT') return { ok: false, code: 'STATE', fields: { st: a.st } };
        if (a.st === 'DISABLED') a.st = 'IDLE';
        return ok;
      case 'MOVE': {
        if (a.st === 'DISABLED' || a.st === 'FAULT' || a.st === 'HOMING')
          return { ok: false, code: 'STATE', fields: { st: a.st } };
        const { pos } = command.args;
        if (
          (a.limits.MIN !== undefined && pos < a.limits.MIN) ||
          (a.limits.MAX !== undefined && pos > a.limits.MAX)
        )
          return { ok: false, code: 'RANGE', fields: {} };
        if (a.queue.length >= this.queueDepth) return { ok: false, code: 'QFULL', fields: {} };
        a.queue.push({ seq, pos });
        // §v2 Fields: an armed TMOVE at the head leaves st as it was.
        if (!armed(a)) {
          a.st = 'MOVING';
          a.tgt = a.queue[0]!.pos;
        }
        return ok;
      }
      case 'JOG':
        this.executed.pop(); // executeJog logs it
        return this.executeJog(command.args, seq);
      case 'HOME':
        if (a.st !== 'IDLE') return { ok: false, code: 'STATE', fields: { st: a.st } };
        a.st = 'HOMING';
        return ok;
      default:
        return { ok: false, code: 'VERB', fields: {} };
    }
  }
}

/** The head of the queue is a triggered move that has not fired. */
function armed(a: FakeAxis): boolean {
  const head = a.queue[0];
  return head?.trigger !== undefined && !head.started;
}

function freshAxis(): FakeAxis {
  return { st: 'DISABLED', pos: 0, tgt: 0, vel: 0, queue: [], limits: {} };
}

/** Connects links to FakeControllers by path; unplug() closes the open port as a real unplug does. */
export class FakeTransports implements TransportFactory {
  readonly devices = new Map<string, FakeController>();
  private readonly unplugged = new Set<string>();
  private readonly open_ = new Map<string, { handlers: TransportHandlers; closed: boolean }>();
  opens = 0;

  add(path: string, device: FakeController): FakeController {
    this.devices.set(path, device);
    return device;
  }

  async open(options: TransportOpenOptions, handlers: TransportHandlers): Promise<LinkTransport> {
    this.opens++;
    const device = this.devices.get(options.path);
    if (!device || this.unplugged.has(options.path)) throw new Error(`${options.path}: no such device`);
    if (this.open_.has(options.path)) throw new Error(`${options.path}: port busy`);
    const state = { handlers, closed: false };
    this.open_.set(options.path, state);
    device.attach((bytes) => {
      if (!state.closed) handlers.onData(bytes);
    });
    return {
      write: (bytes) => {
        if (state.closed) return;
        const copy = Buffer.from(bytes);
        queueMicrotask(() => {
          if (!state.closed) device.receive(copy);
        });
      },
      close: async () => {
        if (state.closed) return;
        state.closed = true;
        device.detach();
        this.open_.delete(options.path);
      },
    };
  }

  isOpen(path: string): boolean {
    return this.open_.has(path);
  }

  unplug(path: string): void {
    this.unplugged.add(path);
    const state = this.open_.get(path);
    if (!state) return;
    state.closed = true;
    this.open_.delete(path);
    this.devices.get(path)?.detach();
    state.handlers.onClose({ disconnected: true, message: 'unplugged' });
  }

  replug(path: string): void {
    this.unplugged.delete(path);
  }
}
