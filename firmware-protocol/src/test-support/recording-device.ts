// A DeviceSession with a handler that records what it executes, for session tests.

import type { Clock } from '@servo-edge/common/clock';
import type { DeviceHandler, HandledCommand } from '../session/device-session.js';
import { DeviceSession } from '../session/device-session.js';
import { DeviceLineDecoder } from '../wire/decoder.js';
import type { HostBoundItem } from '../wire/frames.js';
import type { EstopSource, Reply } from '../wire/messages.js';

export interface RecordingDevice {
  session: DeviceSession;
  executed: { seq: number; command: HandledCommand }[];
  estops: EstopSource[];
  watchdogTrips: number;
  /** Bytes the device wrote since the last take(). */
  take(): Buffer;
  /** The device's output decoded. */
  takeItems(): HostBoundItem[];
}

export function createRecordingDevice(
  clock: Clock,
  opts: { write?: (bytes: Buffer) => void; respond?: (command: HandledCommand) => Reply } = {},
): RecordingDevice {
  let out: Buffer[] = [];
  const executed: RecordingDevice['executed'] = [];
  const estops: EstopSource[] = [];
  const handler: DeviceHandler = {
    execute(command, seq) {
      executed.push({ seq, command });
      if (opts.respond) return opts.respond(command);
      if (command.verb === 'GET') {
        return { ok: true, fields: { pos: executed.length, vel: 0, tgt: 0, st: 'IDLE', q: 0 } };
      }
      return { ok: true, fields: {} } as Reply;
    },
    estop(source) {
      estops.push(source);
    },
    watchdogExpired() {
      device.watchdogTrips++;
    },
  };
  const session = new DeviceSession({
    clock,
    write: opts.write ?? ((bytes) => out.push(bytes)),
    identity: { fw: '1.0.0', axes: 4, rxBytes: 256, windowFrames: 8, queueDepth: 8, watchdogDefaultMs: 1000 },
    handler,
  });
  const decoder = new DeviceLineDecoder();
  const device: RecordingDevice = {
    session,
    executed,
    estops,
    watchdogTrips: 0,
    take() {
      const all = Buffer.concat(out);
      out = [];
      return all;
    },
    takeItems() {
      return decoder.decode(device.take());
    },
  };
  return device;
}
