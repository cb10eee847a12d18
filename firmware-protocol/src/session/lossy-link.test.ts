// HostSession x DeviceSession over a line that corrupts, drops, duplicates, delays and splits
// bytes in both directions. Every command must execute exactly once, in order, and every
// request must settle with its own reply.

import type { MonotonicMs } from '@servo-edge/common/clock';
import { ManualClock } from '@servo-edge/common/testing';
import { describe, expect, it } from 'vitest';
import { createLossyLine, type LineFaults } from '../testing/lossy-link.js';
import { seededRandom } from '../testing/random.js';
import { createRecordingDevice } from '../testing/recording-device.js';
import type { Reply } from '../wire/messages.js';
import { HostSession } from './host-session.js';

const NOISY: LineFaults = {
  corruptRate: 0.01,
  dropRate: 0.001,
  duplicateRate: 0.001,
  latencyMs: 2,
  jitterMs: 3,
  maxChunkBytes: 16,
};

async function runOverLossyLine(seed: number, commandCount: number, faults: LineFaults) {
  const clock = new ManualClock();
  const random = seededRandom(seed);
  // 1. Wire the two sessions together through one faulty line per direction.
  let host: HostSession | undefined;
  const toHost = createLossyLine(clock, random, faults, (chunk) => host!.receive(chunk));
  const device = createRecordingDevice(clock, { write: (bytes) => toHost.write(bytes) });
  const toDevice = createLossyLine(clock, random, faults, (chunk) => device.session.receive(chunk));
  // A noisy line needs more patience than the default before the session is declared lost.
  host = new HostSession({ clock, write: (bytes) => toDevice.write(bytes), maxRetransmits: 30 });
  device.session.boot();
  clock.advanceBy(50); // let BOOT arrive first, as after power-up: a BOOT during the handshake resends HELLO

  // 2. Handshake, then keep the host busy: MOVE i carries its index, every 7th request is a GET.
  const started = host.start();
  const results: Promise<Reply>[] = [];
  const kinds: ('MOVE' | 'GET')[] = [];
  let submitted = 0;
  let steps = 0;
  const deadline = () =>
    [clock.nextTimerAtMs(), host.nextDeadlineMs(), device.session.nextDeadlineMs()]
      .filter((t): t is MonotonicMs => t !== undefined)
      .reduce((a, b) => Math.min(a, b), Number.POSITIVE_INFINITY);
  while (submitted < commandCount || host.outstandingCount > 0 || host.state === 'handshaking') {
    if (host.state === 'ready') {
      while (submitted < commandCount && host.outstandingCount < 64) {
        if (submitted % 7 === 6) {
          kinds.push('GET');
          results.push(host.request('GET', { axis: 1 }));
        } else {
          kinds.push('MOVE');
          results.push(host.request('MOVE', { axis: 1, pos: submitted, vel: 1000, acc: 1000 }));
        }
        submitted++;
      }
    }
    expect(host.state === 'ready' || host.state === 'handshaking').toBe(true);
    const next = deadline();
    expect(Number.isFinite(next)).toBe(true); // something is always scheduled while work is left
    clock.advanceTo(Math.max(next, clock.monotonicMs()));
    host.tick();
    device.session.tick();
    if (++steps % 256 === 0) await Promise.resolve();
  }
  await started;
  return {
    host,
    device,
    results: await Promise.all(results),
    kinds,
    faults: [toDevice.counts, toHost.counts],
  };
}

describe('exactly once, in order, over a lossy line', () => {
  it.each([1, 2])('seed %i: 10^4 commands with 1 percent byte corruption', async (seed) => {
    const { host, device, results, kinds, faults } = await runOverLossyLine(seed, 10_000, NOISY);

    // 3. The line really was hostile: thousands of damaged bytes and many retransmissions.
    expect(faults[0]!.corrupted + faults[1]!.corrupted).toBeGreaterThan(1000);
    expect(host.stats.retransmits).toBeGreaterThan(100);

    // 4. The device executed each command once, in submission order.
    const executed = device.executed.filter((e) => e.command.verb !== 'PING');
    expect(executed.map((e) => e.command.verb)).toEqual(kinds);
    const movesExecuted = executed.flatMap((e) => (e.command.verb === 'MOVE' ? [e.command.args.pos] : []));
    const movesRequested = kinds.flatMap((k, i) => (k === 'MOVE' ? [i] : []));
    expect(movesExecuted).toEqual(movesRequested);

    // 5. Each request settled with its own reply: a GET's pos is the count of commands executed by then.
    expect(results.every((r) => r.ok)).toBe(true);
    results.forEach((reply, i) => {
      if (kinds[i] !== 'GET' || !reply.ok) return;
      const position = device.executed.findIndex(
        (e) => e.command.verb === 'GET' && executed.indexOf(e) === i,
      );
      expect((reply.fields as { pos: number }).pos).toBe(position + 1);
    });
  });

  it('a clean line pipelines without a single retransmission', async () => {
    const { host, results } = await runOverLossyLine(3, 2000, { latencyMs: 1, maxChunkBytes: 64 });
    expect(results).toHaveLength(2000);
    expect(host.stats.retransmits).toBe(0);
    expect(host.stats.duplicateReplies).toBe(0);
  });
});
