// Fault tests over the simulator's pty (issue #12): a v2 host drives 10^3 moves through socat and
// serialport's native bindings while the simulated cable damages 1 % of the bytes both ways (one bit
// flipped in each, plus drops and duplicates). Every move must execute exactly once and in order, every
// outcome must be DONE or ABORTED and arrive once, with no lost session, no watchdog trip and no forged
// stop. (10^4 moves over a stepped lossy link are in firmware-protocol's fault-v2.test.ts; a real pty in
// real time keeps this at 10^3, about half a minute; the generous timeout is for a loaded runner, and a
// stall fails within 30 s with the session's state.) The reboot and the unplug are in pty-loss.test.ts.

import { describe, expect, it } from 'vitest';
import { ptyTransport } from '../test-support/transports.js';
import {
  expectEveryOutcomeOnce,
  expectExecutedInOrder,
  expectNothingForged,
  runMoves,
  SPEC,
  type Stream,
  withNoisyPty,
} from './test-support/noisy-pty.js';

describe.skipIf(ptyTransport.skipReason !== undefined)('protocol v2 over a noisy pty', () => {
  it('10^3 moves at 1 % both ways: exactly once, in order, every outcome, nothing lost or forged', async () => {
    await withNoisyPty(async (rig, host) => {
      const stream: Stream = { sent: [], failed: [] };
      await runMoves(host, 1000, stream);
      await expectEveryOutcomeOnce(host, stream.sent);
      const counts = rig.controller.faults.counts;
      console.info(
        `pty v2 1% noise, seed ${SPEC.seed}: ${stream.sent.length} moves, corrupted ${counts.corrupted}, ` +
          `dropped ${counts.dropped}, duplicated ${counts.duplicated}, retransmits ${host.session.stats.retransmits}`,
      );
      // 1. The line really was hostile.
      expect(counts.corrupted).toBeGreaterThan(200);
      expect(host.session.stats.retransmits).toBeGreaterThan(10);
      // 2. Every move accepted, executed once in order, its outcome delivered once; a tenth ABORTED.
      expect(stream.failed).toEqual([]);
      expect(stream.sent).toHaveLength(1000);
      expectExecutedInOrder(rig, stream.sent);
      const aborted = host.events.filter((e) => e.event === 'ABORTED').length;
      expect(aborted).toBeGreaterThanOrEqual(100);
      // 3. One session, no watchdog trip, no stop.
      expect(host.lost).toEqual([]);
      expectNothingForged(host, rig);
    });
  }, 240_000);
});
