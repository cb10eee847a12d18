// Fault tests over the simulator's pty (issue #12), losing the controller: a reboot and an unplug in the
// middle of a stream of moves on a line that damages 1 % of the bytes both ways. Only the controller's
// own loss costs a session (BOOT or ERR HELLO, then the closed port); every move the host sent in a
// session executes once and in order and its outcome arrives once; nothing is forged.

import { describe, expect, it } from 'vitest';
import { connectHost, withTimeout } from '../test-support/host-over-stream.js';
import { ptyTransport } from '../test-support/transports.js';
import {
  expectEveryOutcomeOnce,
  expectExecutedInOrder,
  expectNothingForged,
  runMoves,
  type Stream,
  V2_HOST,
  withNoisyPty,
} from './test-support/noisy-pty.js';

describe.skipIf(ptyTransport.skipReason !== undefined)(
  'protocol v2 over a noisy pty, losing the controller',
  () => {
    it('a reboot and an unplug mid-stream: only the controller’s own loss costs a session', async () => {
      await withNoisyPty(async (rig, host) => {
        // 1. 200 moves, then a reboot with the line still noisy: BOOT ends the session (on evidence).
        const before: Stream = { sent: [], failed: [] };
        await runMoves(host, 200, before);
        await expectEveryOutcomeOnce(host, before.sent);
        expectExecutedInOrder(rig, before.sent);
        rig.controller.faults.reboot();
        // The BOOT line may itself be damaged; then the next request meets ERR HELLO. Either is evidence.
        await withTimeout(
          (async () => {
            while (host.lost.length === 0) await host.session.request('PING', {}).catch(() => undefined);
          })(),
          10_000,
          'the session lost to the reboot',
        );
        expect(host.lost.map((e) => e.code)).toEqual(['PROTO_DEVICE_RESET']);
        // 2. A new session; 200 more moves, then the cable is pulled while they run.
        await host.session.start();
        for (const axis of [1, 2, 3]) await host.session.request('ENABLE', { axis });
        const from = host.events.length;
        const after: Stream = { sent: [], failed: [] };
        await runMoves(host, 200, after);
        await expectEveryOutcomeOnce(host, after.sent, from);
        expectExecutedInOrder(rig, after.sent);
        const closed = new Promise<void>((resolve) => host.port.once('close', () => resolve()));
        rig.controller.faults.unplug();
        await withTimeout(closed, 5000, 'the port closed by the unplug');
        expect(host.lost.map((e) => e.code)).toEqual(['PROTO_DEVICE_RESET', 'PROTO_LINK_LOST']);
        await host.close();
        // 3. Plugged back in: a new host reaches the same device, which kept its state and ran on.
        rig.controller.faults.replug();
        await rig.settled();
        const back = await connectHost(rig.port(), V2_HOST);
        try {
          await back.session.start();
          const last: Stream = { sent: [], failed: [] };
          await runMoves(back, 100, last);
          await expectEveryOutcomeOnce(back, last.sent);
          expectExecutedInOrder(rig, last.sent);
          expect(back.lost).toEqual([]);
          expectNothingForged(back, rig);
        } finally {
          await back.close();
        }
        expect(host.events.filter((e) => e.event === 'ESTOP')).toEqual([]);
        expect([...before.failed, ...after.failed]).toEqual([]);
      });
    }, 120_000);
  },
);
