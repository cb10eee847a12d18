// Fault tests for protocol v2 (issue #12): 10^4 moves over a line that flips bits or replaces bytes, and
// drops and duplicates them, in both directions; a reboot and an unplug mid-stream; an event buffer
// overflow; and the two mixed-version pairings. Seeded and stepped on a ManualClock; each run logs its counts.

import { describe, expect, it } from 'vitest';
import type { LineFaults } from '../testing/lossy-link.js';
import { type MoveStreamResult, runMoveStream, summarise } from '../testing/move-stream.js';

/**
 * 1 % of bytes damaged by a single bit flip, plus the drops and duplicates of the v1 lossy test, on a
 * line paced at 115200 baud (without pacing, moves and their events would come faster than any UART
 * carries them).
 */
const NOISY: LineFaults = {
  corruptRate: 0.01,
  corruption: 'bitFlip',
  dropRate: 0.001,
  duplicateRate: 0.001,
  latencyMs: 2,
  jitterMs: 3,
  maxChunkBytes: 16,
  baud: 115200,
};
/**
 * The same line, but each damaged byte is replaced by a random one, as a tester's noise generator may
 * do: one damaged byte in 256 becomes 0x96, and a duplicate can follow it (§v2 Stop).
 */
const RANDOM_BYTES: LineFaults = { ...NOISY, corruption: 'randomByte' };
const CLEAN: LineFaults = { latencyMs: 1, jitterMs: 1, maxChunkBytes: 64, baud: 115200 };

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Every move executed once, in order, and its outcome delivered exactly once. */
function expectExactlyOnce(r: MoveStreamResult, moves: number) {
  expect(r.executed).toEqual(range(moves));
  expect(r.accepted).toBe(moves);
  expect(r.missingOutcomes).toBe(0);
  expect(r.duplicateOutcomes).toBe(0);
  expect(r.delivered.DONE + r.delivered.ABORTED).toBe(moves);
}

describe('protocol v2 over a noisy line', () => {
  it.each([
    ['bit-flip', 1, NOISY],
    ['bit-flip', 2, NOISY],
    ['random-byte', 1, RANDOM_BYTES],
    ['random-byte', 2, RANDOM_BYTES],
  ] as const)(
    '%s noise, seed %i: 10^4 moves at 1 % both ways: nothing lost, nothing forged',
    async (noise, seed, faults) => {
      const r = await runMoveStream({ seed, moves: 10_000, faults, hostProtocol: 2, deviceProtocol: 2 });
      console.info(summarise(`v2 1% ${noise} noise`, r));
      // 1. The line really was hostile.
      expect(r.corruptedBytes).toBeGreaterThan(5000);
      expect(r.host.stats.retransmits).toBeGreaterThan(100);
      expect(r.device.session.stats.eventRetransmits).toBeGreaterThan(100);
      // 2. Every move executed exactly once, in order; every outcome delivered exactly once.
      expectExactlyOnce(r, 10_000);
      expect(r.delivered.ABORTED).toBe(1000);
      // 3. One session, no watchdog trip, no forged stop, no overflow.
      expect(r.host.protocolVersion).toBe(2);
      expect(r.lostSessions).toEqual([]);
      expect(r.host.stats.sessions).toBe(1);
      expect(r.watchdogTrips).toBe(0);
      expect(r.stops).toBe(0);
      expect(r.overflows).toBe(0);
    },
  );

  it('v1 under the same noise loses outcomes, sessions and forges stops: the test above can fail', async () => {
    const r = await runMoveStream({
      seed: 1,
      moves: 10_000,
      faults: NOISY,
      hostProtocol: 1,
      deviceProtocol: 1,
    });
    console.info(summarise('v1 1% bit noise', r));
    expect(r.missingOutcomes).toBeGreaterThan(0);
    expect(r.lostSessions.length + r.stops).toBeGreaterThan(0);
  });
});

describe('protocol v2: the controller lost mid-stream', () => {
  it('a reboot: the host sees it (PROTO_DEVICE_RESET), every request settles, and the new session delivers every outcome', async () => {
    let executedAtReboot: number | undefined;
    const r = await runMoveStream({
      seed: 3,
      moves: 3000,
      faults: NOISY,
      hostProtocol: 2,
      deviceProtocol: 2,
      onStep: ({ settled, device }) => {
        if (executedAtReboot !== undefined || settled < 1500) return;
        executedAtReboot = device.executed.filter((e) => e.command.verb === 'MOVE').length;
        device.reboot(); // 1. power cycle: the device forgets its session, its queue and its events
      },
    });
    console.info(summarise('v2 reboot', r));
    // 2. One loss, by evidence, then one new session.
    expect(r.lostSessions).toEqual(['PROTO_DEVICE_RESET']);
    expect(r.host.stats.sessions).toBe(2);
    // 3. Every request settled once: OK, or PROTO_DEVICE_RESET for those caught in the reboot.
    expect(r.accepted + (r.rejected.PROTO_DEVICE_RESET ?? 0)).toBe(3000);
    expect(Object.keys(r.rejected)).toEqual(r.rejected.PROTO_DEVICE_RESET ? ['PROTO_DEVICE_RESET'] : []);
    // 4. Never twice, never out of order; what ran after the reboot has every outcome.
    expect(new Set(r.executed).size).toBe(r.executed.length);
    expect(r.executed).toEqual([...r.executed].sort((a, b) => a - b));
    const missingAfter = r.executed.slice(executedAtReboot).filter((_, i) => {
      const seq = r.device.executed.filter((e) => e.command.verb === 'MOVE')[executedAtReboot! + i]!.seq;
      return !r.events.some((e) => (e.event === 'DONE' || e.event === 'ABORTED') && e.fields.seq === seq);
    });
    expect(missingAfter).toEqual([]);
    expect(r.duplicateOutcomes).toBe(0);
    expect(r.stops + r.watchdogTrips).toBe(0);
  });

  it('an unplug: PROTO_LINK_LOST, a new session after the replug, nothing executed twice', async () => {
    let unpluggedAtMs: number | undefined;
    const r = await runMoveStream({
      seed: 4,
      moves: 2000,
      faults: NOISY,
      hostProtocol: 2,
      deviceProtocol: 2,
      onStep: ({ settled, clock, host, cut }) => {
        if (unpluggedAtMs === undefined && settled >= 1000) {
          unpluggedAtMs = clock.monotonicMs();
          cut.toDevice = true;
          cut.toHost = true;
          host.linkLost('unplugged'); // 1. the serial transport reports the close
        } else if (
          unpluggedAtMs !== undefined &&
          cut.toDevice &&
          clock.monotonicMs() >= unpluggedAtMs + 300
        ) {
          cut.toDevice = false; // 2. replugged within the device's watchdog period
          cut.toHost = false;
        }
      },
    });
    console.info(summarise('v2 unplug', r));
    expect(r.lostSessions).toEqual(['PROTO_LINK_LOST']);
    expect(r.host.stats.sessions).toBe(2);
    expect(r.accepted + (r.rejected.PROTO_LINK_LOST ?? 0)).toBe(2000);
    expect(new Set(r.executed).size).toBe(r.executed.length);
    expect(r.executed).toEqual([...r.executed].sort((a, b) => a - b));
    expect(r.duplicateOutcomes).toBe(0);
    expect(r.stops + r.watchdogTrips).toBe(0);
  });
});

describe('protocol v2: an event buffer overflow', () => {
  it('a host that stops acknowledging gets OVERFLOW with the exact count of events not stored', async () => {
    let phase: 'before' | 'deaf' | 'after' = 'before';
    let deafUntilMs = 0;
    const r = await runMoveStream({
      seed: 5,
      moves: 400,
      faults: CLEAN,
      hostProtocol: 2,
      deviceProtocol: 2,
      eventWindow: 8,
      onStep: (run) => {
        const now = run.clock.monotonicMs();
        if (phase === 'before' && run.settled >= 200) {
          // 1. The host's ACKs stop reaching the device, and the device has a burst of 20 events to tell.
          phase = 'deaf';
          deafUntilMs = now + 200;
          run.dropToDevice = (bytes) => / ACK /.test(bytes.toString('latin1'));
          for (let i = 0; i < 20; i++) run.device.session.emit('HOMED', { axis: 2, pos: i });
        } else if (phase === 'deaf' && now >= deafUntilMs) {
          phase = 'after'; // 2. ACKs get through again: the device owns up to what it dropped
          run.dropToDevice = undefined;
        }
      },
    });
    console.info(summarise('v2 overflow', r), `overflowLost=${r.overflowLost}`);
    const lost = r.device.session.stats.eventsLost;
    expect(lost).toBeGreaterThanOrEqual(12); // 20 HOMED into 8 slots, at least 12 not stored
    expect(r.overflows).toBeGreaterThanOrEqual(1);
    expect(r.overflowLost).toBe(lost);
    // 3. Nothing else went missing: what was emitted was delivered, or counted in an OVERFLOW.
    const deliveredHomed = r.events.filter((e) => e.event === 'HOMED').length;
    expect(deliveredHomed + r.delivered.DONE + r.delivered.ABORTED + lost).toBe(
      (r.emitted.HOMED ?? 0) + (r.emitted.DONE ?? 0) + (r.emitted.ABORTED ?? 0),
    );
    expect(r.missingOutcomes).toBeLessThanOrEqual(lost);
    expect(new Set(r.executed).size).toBe(400);
    expect(r.lostSessions).toEqual([]);
  });
});

describe('mixed versions', () => {
  it('a v1 host and a v2 device speak exactly v1', async () => {
    const r = await runMoveStream({
      seed: 6,
      moves: 1000,
      faults: CLEAN,
      hostProtocol: 1,
      deviceProtocol: 2,
    });
    expect(r.host.protocolVersion).toBe(1);
    expect(r.device.session.protocolVersion).toBe(1);
    expect(r.host.deviceInfo).toEqual({ proto: 1, fw: '1.0.0', axes: 4, rx: 256, win: 8, qd: 8, wd: 1000 });
    expect(r.events.every((e) => e.eseq === undefined)).toBe(true);
    expectExactlyOnce(r, 1000);
  });

  it('a v2 host and a v1 device fall back to v1 and report the missing features', async () => {
    const r = await runMoveStream({
      seed: 7,
      moves: 1000,
      faults: CLEAN,
      hostProtocol: 2,
      deviceProtocol: 1,
    });
    expect(r.host.protocolVersion).toBe(1);
    expect(r.host.missingFeatures).toEqual(['TRIG', 'TSTEP', 'LEASE']);
    expect(r.lostSessions).toEqual([]);
    expectExactlyOnce(r, 1000);
  });

  it('a v2 host and a v1 device, over the noisy line: the fallback survives noise', async () => {
    const r = await runMoveStream({ seed: 8, moves: 300, faults: NOISY, hostProtocol: 2, deviceProtocol: 1 });
    console.info(summarise('v2 host, v1 device', r));
    expect(r.host.stats.sessions).toBeGreaterThanOrEqual(1);
    expect(r.host.deviceInfo?.proto ?? 1).toBe(1);
    expect(new Set(r.executed).size).toBe(r.executed.length);
    expect(r.executed).toEqual([...r.executed].sort((a, b) => a - b));
  });
});
