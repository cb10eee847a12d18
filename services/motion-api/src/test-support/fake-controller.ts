// Unit-test stand-in for a servo controller: DeviceSession (the real seq rules, reply cache and 0x18
// handling) over a tiny axis model whose moves and homing finish only when the test says so, plus a
// TransportFactory that connects links to it with asynchronous (microtask) delivery and can unplug.

import { ManualClock } from '@servo-edge/common/testing';
import {
  type DeviceHandler,
  DeviceSession,
  encodeEvent,
  type HandledCommand,
  type Reply,
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
  queue: { seq: number; pos: number }[];
  limits: Record<string, number>;
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
  /** The next this-many events are lost on the line (damaged, so the host never decodes them). */
  loseEvents = 0;
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
  ) {
    this.axes = Array.from({ length: axisCount }, () => freshAxis());
    const handler: DeviceHandler = {
      execute: (command, seq) => this.execute(command, seq),
      estop: () => this.doEstop(),
      watchdogExpired: () => {},
      sessionStarted: () => {
        this.sessions++;
        this.executed.push({ session: this.sessions, seq: 0, verb: 'HELLO', args: {} });
      },
    };
    this.session = new DeviceSession({
      clock: this.clock,
      write: (bytes) => {
        if (this.withholdReplies && bytes[0] !== 0x21) return; // '!' starts an event
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
      },
      handler,
    });
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
  }

  refuseNext(verb: string, code: string, fields: Record<string, string | number> = {}): void {
    this.refusals.set(verb, { code, fields });
  }

  /** Executed commands of a verb, in order. */
  executedOf(verb: string): ExecutedLine[] {
    return this.executed.filter((e) => e.verb === verb);
  }

  event(...args: Parameters<typeof encodeEvent>): void {
    if (this.loseEvents > 0) {
      this.loseEvents--;
      return;
    }
    const bytes = encodeEvent(...args);
    const host = this.host;
    if (host) queueMicrotask(() => host(bytes));
  }

  /** The running move of `axis` (1-based) finishes: DONE, next one starts. */
  finishMove(axis: number): void {
    const a = this.axes[axis - 1]!;
    const move = a.queue.shift();
    if (!move) throw new Error(`axis ${axis} has no move`);
    a.pos = move.pos;
    this.event('DONE', { axis, seq: move.seq, pos: a.pos });
    a.st = a.queue.length > 0 ? 'MOVING' : 'IDLE';
    a.tgt = a.queue[0]?.pos ?? a.pos;
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
          fields: { pos: a.pos, vel: a.vel, tgt: a.tgt, st: a.st, q: a.queue.length },
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
        a.st = 'MOVING';
        a.tgt = a.queue[0]!.pos;
        return ok;
      }
      case 'JOG':
        if (a.st !== 'IDLE' && a.st !== 'MOVING') return { ok: false, code: 'STATE', fields: { st: a.st } };
        a.st = command.args.vel === 0 ? 'IDLE' : 'MOVING';
        a.vel = command.args.vel;
        return ok;
      case 'HOME':
        if (a.st !== 'IDLE') return { ok: false, code: 'STATE', fields: { st: a.st } };
        a.st = 'HOMING';
        return ok;
      default:
        return { ok: false, code: 'VERB', fields: {} };
    }
  }
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
