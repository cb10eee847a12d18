// A DeviceSession with a handler that records what it executes, for session tests. Optionally it
// finishes every MOVE some ms later with a DONE (or an ABORTED), like a controller whose moves take time.

import type { CancelTimer, Clock } from '@servo-edge/common/clock';
import type {
  DeviceHandler,
  DeviceIdentity,
  HandledCommand,
  JogLeaseHandler,
} from '../session/device-session.js';
import { DeviceSession } from '../session/device-session.js';
import { DeviceLineDecoder } from '../wire/decoder.js';
import type { HostBoundItem } from '../wire/frames.js';
import type { ArgsV2Of, EstopSource, ProtocolVersion, Reply } from '../wire/messages.js';

export interface RecordedOutcome {
  event: 'DONE' | 'ABORTED';
  seq: number;
  pos: number;
}

export interface RecordingDevice {
  session: DeviceSession;
  executed: { seq: number; command: HandledCommand }[];
  /** v2 hooks that ran: TMOVE, leased JOG, RENEW, lease expiry. */
  v2Calls: {
    hook: 'tmove' | 'tstep' | 'jog' | 'renew' | 'expired';
    seq?: number;
    args: Record<string, unknown>;
  }[];
  /** Every DONE/ABORTED the device emitted for a MOVE, in order. */
  outcomes: RecordedOutcome[];
  estops: EstopSource[];
  watchdogTrips: number;
  /** Power-cycles the device: pending move outcomes are gone, the session announces BOOT. */
  reboot(): void;
  /** Bytes the device wrote since the last take(). */
  take(): Buffer;
  /** The device's output decoded (as a session of `version` reads it). */
  takeItems(version?: ProtocolVersion): HostBoundItem[];
}

export interface RecordingDeviceOptions {
  write?: (bytes: Buffer) => void;
  respond?: (command: HandledCommand) => Reply;
  /** DeviceSession's maxProtocol; default 1. */
  maxProtocol?: ProtocolVersion;
  identity?: Partial<DeviceIdentity>;
  /** If set, each MOVE ends this many ms after it executed with DONE, or ABORTED for every `abortEvery`th. */
  moveOutcomeAfterMs?: number;
  abortEvery?: number;
  /** Implement the TRIG, TSTEP and LEASE hooks (recording only). */
  features?: { trig?: boolean; tstep?: boolean; lease?: boolean };
}

export function createRecordingDevice(clock: Clock, opts: RecordingDeviceOptions = {}): RecordingDevice {
  let out: Buffer[] = [];
  const executed: RecordingDevice['executed'] = [];
  const v2Calls: RecordingDevice['v2Calls'] = [];
  const outcomes: RecordedOutcome[] = [];
  const estops: EstopSource[] = [];
  const pendingOutcomes = new Set<CancelTimer>();
  const jogging = new Set<number>();
  let moves = 0;

  const finishMoveLater = (seq: number, pos: number) => {
    if (opts.moveOutcomeAfterMs === undefined) return;
    const index = moves++;
    const aborted = opts.abortEvery !== undefined && index % opts.abortEvery === opts.abortEvery - 1;
    const cancel = clock.after(opts.moveOutcomeAfterMs, () => {
      pendingOutcomes.delete(cancel);
      const event = aborted ? 'ABORTED' : 'DONE';
      outcomes.push({ event, seq, pos });
      if (aborted) device.session.emit('ABORTED', { axis: 1, seq, pos, why: 'STOP' });
      else device.session.emit('DONE', { axis: 1, seq, pos });
    });
    pendingOutcomes.add(cancel);
  };

  const jogLease: JogLeaseHandler = {
    jog(args, seq) {
      v2Calls.push({ hook: 'jog', seq, args });
      jogging.add(args.axis);
      return { ok: true, fields: {} };
    },
    renew(axis, seq) {
      v2Calls.push({ hook: 'renew', seq, args: { axis } });
      return jogging.has(axis)
        ? { ok: true, fields: {} }
        : { ok: false, code: 'STATE', fields: { st: 'IDLE' } };
    },
    expired(axis) {
      v2Calls.push({ hook: 'expired', args: { axis } });
      if (!jogging.delete(axis)) return undefined;
      return -1210;
    },
  };

  const handler: DeviceHandler = {
    execute(command, seq) {
      executed.push({ seq, command });
      if (command.verb === 'STOP') {
        if (command.args.axis === 0) jogging.clear();
        else jogging.delete(command.args.axis);
      }
      if (opts.respond) return opts.respond(command);
      if (command.verb === 'MOVE') finishMoveLater(seq, command.args.pos);
      if (command.verb === 'GET') {
        return { ok: true, fields: { pos: executed.length, vel: 0, tgt: 0, st: 'IDLE', q: 0, run: 0 } };
      }
      return { ok: true, fields: {} } as Reply;
    },
    estop(source) {
      estops.push(source);
      jogging.clear();
    },
    watchdogExpired() {
      device.watchdogTrips++;
      jogging.clear();
    },
    ...(opts.features?.trig
      ? {
          triggeredMove(args: ArgsV2Of<'TMOVE'>, seq: number): Reply {
            v2Calls.push({ hook: 'tmove', seq, args });
            return { ok: true, fields: {} };
          },
        }
      : {}),
    ...(opts.features?.tstep
      ? {
          triggeredStep(args: ArgsV2Of<'TSTEP'>, seq: number): Reply {
            v2Calls.push({ hook: 'tstep', seq, args });
            return { ok: true, fields: {} };
          },
        }
      : {}),
    ...(opts.features?.lease ? { jogLease } : {}),
  };
  const session = new DeviceSession({
    clock,
    write: opts.write ?? ((bytes) => out.push(bytes)),
    identity: {
      fw: '1.0.0',
      axes: 4,
      rxBytes: 256,
      windowFrames: 8,
      queueDepth: 8,
      watchdogDefaultMs: 1000,
      ...opts.identity,
    },
    handler,
    maxProtocol: opts.maxProtocol ?? 1,
  });
  const decoder = new DeviceLineDecoder();
  const device: RecordingDevice = {
    session,
    executed,
    v2Calls,
    outcomes,
    estops,
    watchdogTrips: 0,
    reboot() {
      for (const cancel of pendingOutcomes) cancel();
      pendingOutcomes.clear();
      jogging.clear();
      session.boot();
    },
    take() {
      const all = Buffer.concat(out);
      out = [];
      return all;
    },
    takeItems(version = 1) {
      decoder.version = version;
      return decoder.decode(device.take());
    },
  };
  return device;
}
