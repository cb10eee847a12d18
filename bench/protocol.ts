// Protocol benchmarks: decoder throughput vs a bare Buffer.indexOf line split, and HostSession
// frames/s over an in-memory link vs the bare codec round trip (encode + decode, no session).

import { ManualClock } from '@servo-edge/common/testing';
import {
  DeviceLineDecoder,
  DeviceSession,
  encodeEvent,
  encodeLine,
  encodeReply,
  HostSession,
  type Reply,
} from '@servo-edge/firmware-protocol';
import { figure, heading, medianOf } from './report.js';

function deviceTraffic(totalBytes: number): Buffer {
  const lines: Buffer[] = [];
  let size = 0;
  for (let i = 0; size < totalBytes; i++) {
    const seq = (i % 65535) + 1;
    const line =
      i % 4 === 0
        ? encodeEvent('POS', { t: i, p: [i, -i, 2 * i, 0], v: [10, 0, -5, 0] })
        : i % 4 === 1
          ? encodeReply(seq, 'GET', {
              ok: true,
              fields: { pos: i, vel: 100, tgt: i + 5, st: 'MOVING', q: 2 },
            })
          : i % 4 === 2
            ? encodeLine(`${seq} OK`)
            : encodeEvent('DONE', { axis: 1, seq, pos: i });
    lines.push(line);
    size += line.length;
  }
  return Buffer.concat(lines);
}

function chunks(buffer: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buffer.length; i += size) out.push(buffer.subarray(i, i + size));
  return out;
}

function mbPerS(bytes: number, ms: number): number {
  return bytes / 1e6 / (ms / 1000);
}

async function decoderThroughput(): Promise<void> {
  const traffic = deviceTraffic(8 * 1024 * 1024);
  const pieces = chunks(traffic, 256); // a USB CDC read is typically 64..512 bytes
  let sink = 0;
  const ours = await medianOf(5, () => {
    const decoder = new DeviceLineDecoder();
    const t0 = performance.now();
    for (const piece of pieces) decoder.push(piece, () => sink++);
    return mbPerS(traffic.length, performance.now() - t0);
  });
  const bare = await medianOf(5, () => {
    // The least a line protocol must do: find each LF and hand out the line.
    let rest: Buffer = Buffer.alloc(0);
    const t0 = performance.now();
    for (const piece of pieces) {
      let data = rest.length > 0 ? Buffer.concat([rest, piece]) : piece;
      let lf = data.indexOf(10);
      while (lf !== -1) {
        sink += data.subarray(0, lf).length > 0 ? 1 : 0;
        data = data.subarray(lf + 1);
        lf = data.indexOf(10);
      }
      rest = data;
    }
    return mbPerS(traffic.length, performance.now() - t0);
  });
  figure('decoder: frame + CRC + typed parse', ours, 'MB/s', {
    name: 'Buffer.indexOf line split',
    value: bare,
  });
  const wireMBps = 115200 / 10 / 1e6;
  figure('decoder headroom over a 115200-baud wire', ours / wireMBps, 'x');
  if (sink < 0) console.log(sink);
}

/** Host and device sessions over a zero-latency in-memory link; returns frames/s. */
async function sessionFramesPerS(frameCount: number, windowFrames: number): Promise<number> {
  const clock = new ManualClock();
  const toDevice: Buffer[] = [];
  const toHost: Buffer[] = [];
  const device = new DeviceSession({
    clock,
    write: (b) => toHost.push(b),
    identity: { fw: '1.0.0', axes: 4, rxBytes: 4096, windowFrames, queueDepth: 8, watchdogDefaultMs: 60000 },
    handler: {
      execute: () => ({ ok: true, fields: {} }) as Reply,
      estop: () => {},
      watchdogExpired: () => {},
    },
  });
  const host = new HostSession({ clock, write: (b) => toDevice.push(b), heartbeat: false });
  const pump = () => {
    while (toDevice.length > 0 || toHost.length > 0) {
      for (const b of toDevice.splice(0)) device.receive(b);
      for (const b of toHost.splice(0)) host.receive(b);
    }
  };
  const started = host.start();
  pump();
  await started;
  const t0 = performance.now();
  let settled = 0;
  let submitted = 0;
  while (settled < frameCount) {
    while (submitted < frameCount && host.outstandingCount < 256) {
      submitted++;
      host.request('MOVE', { axis: 1, pos: submitted, vel: 1000, acc: 1000 }).then(() => settled++);
    }
    pump();
    await Promise.resolve();
  }
  return frameCount / ((performance.now() - t0) / 1000);
}

async function sessionThroughput(): Promise<void> {
  // CPU cost only: with zero latency there is nothing for the window to hide, so pipelining is
  // compared over a paced wire in the simulator benchmark, not here.
  const pipelined = await medianOf(3, () => sessionFramesPerS(50_000, 8));
  const line = encodeLine('12345 MOVE 1 12000 4000 20000');
  const reply = encodeLine('12345 OK');
  const codecOnly = await medianOf(3, () => {
    const decoder = new DeviceLineDecoder();
    const t0 = performance.now();
    let n = 0;
    for (let i = 0; i < 200_000; i++) {
      encodeLine(`${(i % 65535) + 1} MOVE 1 ${i} 4000 20000`);
      decoder.push(reply, () => n++);
    }
    if (n === 0 || line.length === 0) throw new Error('no frames');
    return 200_000 / ((performance.now() - t0) / 1000);
  });
  figure('HostSession, pipelined (win 8), in-memory', pipelined, 'frames/s', {
    name: 'bare encode+decode, no session',
    value: codecOnly,
  });
  const wireFramesPerS = 115200 / 10 / (line.length + reply.length);
  figure('frames/s a 115200-baud wire can carry (this MOVE)', wireFramesPerS, 'frames/s');
}

export async function runProtocolBench(): Promise<void> {
  heading('firmware-protocol');
  await decoderThroughput();
  await sessionThroughput();
}
