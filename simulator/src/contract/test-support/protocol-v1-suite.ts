// The protocol v1 conformance suite, reusable against any device (ContractTarget): every command, every
// error code, exactly-once execution under retransmission, 0x18 mid-line and the watchdog. It runs
// unchanged over the simulator's in-process binding and a real pty (protocol-contract.test.ts), and is
// written so a second implementation (the AVR firmware under simavr, issue #14) can run it too.
// Real time: every wait is for a reply or an event, with a bounded timeout; nothing sleeps.

import type { HostBoundItem } from '@servo-edge/firmware-protocol';
import { describe, expect, it } from 'vitest';
import { connectHost, withTimeout } from '../../test-support/host-over-stream.js';
import { connectRaw } from '../../test-support/raw-client.js';
import {
  CONTRACT_SPEC,
  errCode,
  FAST,
  isEvent,
  isItem,
  move,
  OK,
  SLOW,
  withHost,
  withRig,
} from './contract-helpers.js';
import type { ContractTarget } from './contract-target.js';
import { testWith } from './test-with.js';

/**
 * The protocol v1 conformance suite against `transport`, spoken as v1 (a plain HELLO) whatever the
 * highest version the device speaks: a v2 device must be indistinguishable from a v1 one here
 * (§v2 Negotiation). Device settings used: CONTRACT_SPEC.
 */
export function describeProtocolV1Contract(transport: ContractTarget): void {
  describe(`protocol v1 contract over ${transport.name}`, () => {
    if (transport.skipReason) {
      // Only the pty leg can skip, and only outside CI when socat is not installed: the report then
      // says why instead of the suite silently shrinking. In CI (.ci/run installs socat) it never skips.
      it.skip(`skipped: ${transport.skipReason}`, () => {});
      return;
    }
    const itWith = testWith(transport);

    it('HELLO advertises the device; PING answers OK', async () => {
      await withHost(transport, async (host) => {
        // axes and qd are what CONTRACT_SPEC asked for; the rest is the target's declared identity.
        const { fw, rx, win, wd } = transport.identity;
        expect(host.session.deviceInfo).toEqual({ proto: 1, fw, axes: 3, rx, win, qd: 3, wd });
        expect(await host.session.request('PING', {})).toEqual(OK);
      });
    });

    it('ENABLE, DISABLE and GET: st follows the drive', async () => {
      await withHost(transport, async (host) => {
        expect(await host.session.request('GET', { axis: 1 })).toEqual({
          ok: true,
          fields: { pos: 0, vel: 0, tgt: 0, st: 'DISABLED', q: 0 },
        });
        expect(await host.session.request('ENABLE', { axis: 1 })).toEqual(OK);
        expect((await host.session.request('GET', { axis: 1 })).fields).toMatchObject({ st: 'IDLE' });
        expect(await host.session.request('DISABLE', { axis: 1 })).toEqual(OK);
        expect((await host.session.request('GET', { axis: 1 })).fields).toMatchObject({ st: 'DISABLED' });
      });
    });

    it('MOVE replies OK at once, then exactly one DONE with its seq at the target', async () => {
      await withHost(transport, async (host) => {
        await host.session.request('ENABLE', { axis: 2 });
        const { seq, reply } = await move(host, 2, 3000, FAST);
        expect(reply).toEqual(OK);
        const moving = await host.session.request('GET', { axis: 2 });
        expect(moving.fields).toMatchObject({ tgt: 3000, q: 1 });
        const done = await host.waitForEvent(isEvent('DONE', { seq }));
        expect(done.fields).toEqual({ axis: 2, seq, pos: 3000 });
        expect((await host.session.request('GET', { axis: 2 })).fields).toMatchObject({
          pos: 3000,
          vel: 0,
          st: 'IDLE',
          q: 0,
        });
        expect(host.events.filter((e) => e.event === 'DONE' || e.event === 'ABORTED')).toHaveLength(1);
      });
    });

    it('moves queue up to qd (ERR QFULL beyond) and run in order', async () => {
      await withHost(transport, async (host) => {
        await host.session.request('ENABLE', { axis: 1 });
        // The first move runs ~0.4 s, so the queue is still full when the fourth MOVE arrives even when
        // a loaded machine takes tens of ms per round trip over the pty (with FAST it ran 45 ms).
        const a = await move(host, 1, 1000, { vel: 2_500, acc: 2_000_000 });
        const b = await move(host, 1, -1000, FAST);
        const c = await move(host, 1, 500, FAST);
        const d = await move(host, 1, 0, FAST);
        expect([a, b, c].map((m) => m.reply)).toEqual([OK, OK, OK]);
        expect(errCode(d.reply)).toBe('QFULL');
        await host.waitForEvent(isEvent('DONE', { seq: c.seq }));
        const finished = host.events.filter((e) => e.event === 'DONE').map((e) => e.fields);
        expect(finished).toEqual([
          { axis: 1, seq: a.seq, pos: 1000 },
          { axis: 1, seq: b.seq, pos: -1000 },
          { axis: 1, seq: c.seq, pos: 500 },
        ]);
      });
    });

    it('STOP aborts the running and the queued moves, each with one ABORTED; STOP 0 stops all', async () => {
      await withHost(transport, async (host) => {
        await host.session.request('ENABLE', { axis: 1 });
        await host.session.request('ENABLE', { axis: 2 });
        const a = await move(host, 1, 100_000, SLOW);
        const b = await move(host, 1, 0, SLOW);
        const other = await move(host, 2, 100_000, SLOW);
        expect(await host.session.request('STOP', { axis: 1 })).toEqual(OK);
        await host.waitForEvent(isEvent('ABORTED', { seq: b.seq }));
        const aborted = host.events.filter((e) => e.event === 'ABORTED').map((e) => e.fields.seq);
        expect(aborted).toEqual([a.seq, b.seq]);
        expect((await host.session.request('GET', { axis: 1 })).fields).toMatchObject({ q: 0 });
        expect(await host.session.request('STOP', { axis: 0 })).toEqual(OK);
        await host.waitForEvent(isEvent('ABORTED', { seq: other.seq }));
        expect(errCode(await host.session.request('STOP', { axis: 4 }))).toBe('AXIS');
      });
    });

    it('JOG runs until a soft limit: FAULT code=LIMIT, latched until RESET', async () => {
      await withHost(transport, async (host) => {
        expect(await host.session.request('SET', { axis: 1, key: 'MAX', value: 400 })).toEqual(OK);
        await host.session.request('ENABLE', { axis: 1 });
        expect(await host.session.request('JOG', { axis: 1, vel: 20_000, acc: 1_000_000 })).toEqual(OK);
        await host.waitForEvent(isEvent('FAULT', { axis: 1, code: 'LIMIT' }));
        expect((await host.session.request('GET', { axis: 1 })).fields).toMatchObject({
          pos: 400,
          st: 'FAULT',
        });
        expect(await host.session.request('JOG', { axis: 1, vel: -1000, acc: 1_000_000 })).toEqual({
          ok: false,
          code: 'STATE',
          fields: { st: 'FAULT' },
        });
        expect(await host.session.request('RESET', {})).toEqual(OK);
        expect(errCode(await host.session.request('JOG', { axis: 1, vel: 1000, acc: 1_000_000 }))).toBe(
          'RANGE',
        );
        expect(await host.session.request('JOG', { axis: 1, vel: -1000, acc: 1_000_000 })).toEqual(OK);
        expect((await host.session.request('GET', { axis: 1 })).fields).toMatchObject({ st: 'MOVING' });
        expect(await host.session.request('STOP', { axis: 1 })).toEqual(OK);
      });
    });

    it('HOME finds the switch, backs off and sets 0; without a switch it faults HOME', async () => {
      await withHost(transport, async (host) => {
        await host.session.request('ENABLE', { axis: 1 });
        await host.session.request('ENABLE', { axis: 3 });
        expect(await host.session.request('HOME', { axis: 1 })).toEqual(OK);
        expect((await host.session.request('GET', { axis: 1 })).fields).toMatchObject({ st: 'HOMING' });
        expect(errCode(await host.session.request('MOVE', { axis: 1, pos: 10, ...FAST }))).toBe('STATE');
        await host.waitForEvent(isEvent('HOMED', { axis: 1 }));
        expect(host.events.find((e) => e.event === 'HOMED')?.fields).toEqual({ axis: 1, pos: 0 });
        expect((await host.session.request('GET', { axis: 1 })).fields).toMatchObject({ pos: 0, st: 'IDLE' });
        expect(await host.session.request('HOME', { axis: 3 })).toEqual(OK);
        await host.waitForEvent(isEvent('FAULT', { axis: 3, code: 'HOME' }));
      });
    });

    it('SET limits: MOVE outside MIN/MAX, above VMAX or AMAX gets ERR RANGE', async () => {
      await withHost(transport, async (host) => {
        const set = (key: 'MIN' | 'MAX' | 'VMAX' | 'AMAX' | 'FERR', value: number) =>
          host.session.request('SET', { axis: 1, key, value });
        expect(await set('MIN', -500)).toEqual(OK);
        expect(await set('MAX', 500)).toEqual(OK);
        expect(await set('VMAX', 10_000)).toEqual(OK);
        expect(await set('AMAX', 100_000)).toEqual(OK);
        expect(errCode(await set('MIN', 600))).toBe('RANGE');
        expect(errCode(await set('FERR', 0))).toBe('RANGE');
        await host.session.request('ENABLE', { axis: 1 });
        const tryMove = (pos: number, vel: number, acc: number) =>
          host.session.request('MOVE', { axis: 1, pos, vel, acc }).then(errCode);
        expect(await tryMove(501, 1000, 1000)).toBe('RANGE');
        expect(await tryMove(-501, 1000, 1000)).toBe('RANGE');
        expect(await tryMove(100, 10_001, 1000)).toBe('RANGE');
        expect(await tryMove(100, 1000, 100_001)).toBe('RANGE');
        expect(await tryMove(100, 10_000, 100_000)).toBe('OK');
      });
    });

    itWith(['jam'])(
      'a jammed axis trips FAULT code=FERR: drive off, move ABORTED, RESET leaves it DISABLED',
      async () => {
        await withHost(transport, async (host, rig) => {
          await host.session.request('SET', { axis: 2, key: 'FERR', value: 100 });
          await host.session.request('ENABLE', { axis: 2 });
          rig.device.faults.stickAxis(2, true);
          const m = await move(host, 2, 5000, FAST);
          await host.waitForEvent(isEvent('FAULT', { axis: 2, code: 'FERR' }));
          const aborted = await host.waitForEvent(isEvent('ABORTED', { seq: m.seq }));
          expect(aborted.fields).toMatchObject({ axis: 2, pos: 0 });
          expect((await host.session.request('GET', { axis: 2 })).fields).toMatchObject({
            st: 'FAULT',
            pos: 0,
          });
          expect(await host.session.request('RESET', {})).toEqual(OK);
          expect((await host.session.request('GET', { axis: 2 })).fields).toMatchObject({ st: 'DISABLED' });
          rig.device.faults.stickAxis(2, false);
          expect(await host.session.request('ENABLE', { axis: 2 })).toEqual(OK);
        });
      },
    );

    it('STREAM sends POS at the asked rate; 0 stops it; above 200 Hz is ERR RANGE', async () => {
      await withHost(transport, async (host) => {
        expect(errCode(await host.session.request('STREAM', { hz: 201 }))).toBe('RANGE');
        expect(await host.session.request('STREAM', { hz: 200 })).toEqual(OK);
        const from = host.events.length;
        await host.waitForEvent((e) => e.event === 'POS' && host.events.indexOf(e) >= from + 4, 2000, from);
        const samples = host.events.slice(from).filter((e) => e.event === 'POS');
        for (const sample of samples) {
          expect(sample.fields.p).toHaveLength(3);
          expect(sample.fields.v).toHaveLength(3);
        }
        const times = samples.map((s) => s.fields.t);
        expect([...times].sort((x, y) => x - y)).toEqual(times);
        expect(await host.session.request('STREAM', { hz: 0 })).toEqual(OK);
        const after = host.events.length;
        // Let time pass by waiting on a move, then check nothing streamed meanwhile.
        await host.session.request('ENABLE', { axis: 1 });
        const m = await move(host, 1, 2000, FAST);
        await host.waitForEvent(isEvent('DONE', { seq: m.seq }));
        expect(host.events.slice(after).filter((e) => e.event === 'POS')).toHaveLength(0);
      });
    });

    itWith(['estopInput'])(
      'e-stop input: ESTOP src=input, motion refused, RESET refused until the input is released',
      async () => {
        await withHost(transport, async (host, rig) => {
          await host.session.request('ENABLE', { axis: 1 });
          const m = await move(host, 1, 100_000, SLOW);
          rig.device.faults.setEstopInput(true);
          await host.waitForEvent(isEvent('ESTOP', { src: 'input' }));
          await host.waitForEvent(isEvent('ABORTED', { seq: m.seq }));
          expect(errCode(await host.session.request('ENABLE', { axis: 1 }))).toBe('ESTOP');
          expect((await host.session.request('GET', { axis: 1 })).fields).toMatchObject({ st: 'ESTOP' });
          expect(errCode(await host.session.request('RESET', {}))).toBe('ESTOP');
          rig.device.faults.setEstopInput(false);
          expect(await host.session.request('RESET', {})).toEqual(OK);
          expect((await host.session.request('GET', { axis: 1 })).fields).toMatchObject({ st: 'DISABLED' });
          expect(await host.session.request('ENABLE', { axis: 1 })).toEqual(OK);
        });
      },
    );

    it('watchdog: silence for wd ms stops motion, FAULT axis=0 code=WATCHDOG latches until RESET', async () => {
      await withHost(
        transport,
        async (host) => {
          expect(errCode(await host.session.request('WDOG', { ms: 99 }))).toBe('RANGE');
          expect(errCode(await host.session.request('WDOG', { ms: 60_001 }))).toBe('RANGE');
          await host.session.request('ENABLE', { axis: 1 });
          const m = await move(host, 1, 100_000, SLOW);
          expect(await host.session.request('WDOG', { ms: 100 })).toEqual(OK);
          // The host now stays silent (heartbeat off).
          await host.waitForEvent(isEvent('FAULT', { axis: 0, code: 'WATCHDOG' }), 3000);
          await host.waitForEvent(isEvent('ABORTED', { seq: m.seq }));
          // Keep the watchdog from tripping again while the latch is inspected.
          expect(await host.session.request('WDOG', { ms: 60_000 })).toEqual(OK);
          expect((await host.session.request('GET', { axis: 1 })).fields).toMatchObject({ st: 'FAULT' });
          expect(await host.session.request('MOVE', { axis: 1, pos: 0, ...FAST })).toEqual({
            ok: false,
            code: 'STATE',
            fields: { st: 'FAULT' },
          });
          expect(await host.session.request('RESET', {})).toEqual(OK);
          expect((await host.session.request('GET', { axis: 1 })).fields).toMatchObject({ st: 'IDLE' });
        },
        { heartbeat: false },
      );
    });

    itWith(['executedLog'])('every wire error code, from raw lines', async () => {
      await withRig(transport, CONTRACT_SPEC, async (rig) => {
        const raw = await connectRaw(rig.port());
        try {
          const code = (item: HostBoundItem) => (item.kind === 'reply' && !item.ok ? item.code : item.kind);
          expect(code(await raw.request(1, 'PING'))).toBe('HELLO');
          expect((await raw.request(1, 'HELLO')).ok).toBe(true);
          const seq = await raw.request(7, 'PING');
          expect(seq).toMatchObject({ ok: false, code: 'SEQ' });
          expect(Number((seq as { fields: Record<string, unknown> }).fields.next)).toBe(2);
          let from = raw.items.length;
          raw.write('2 PING*0000\n');
          expect(code(await raw.waitFor(isItem(2), 2000, from))).toBe('CRC');
          from = raw.items.length;
          raw.write('2 PING\n');
          expect(code(await raw.waitFor(isItem(2), 2000, from))).toBe('SYNTAX');
          from = raw.items.length;
          raw.write(`2 PING ${'x'.repeat(130)}*0000\n`);
          expect(code(await raw.waitFor(isItem(2), 2000, from))).toBe('TOO_LONG');
          from = raw.items.length;
          raw.write('garbage*0000\n');
          await raw.waitFor((item) => item.kind === 'event' && item.event === 'BADFRAME', 2000, from);
          expect(code(await raw.request(2, 'FROB 1'))).toBe('VERB');
          expect(code(await raw.request(3, 'MOVE 1'))).toBe('ARGS');
          expect(code(await raw.request(4, 'ENABLE 4'))).toBe('AXIS');
          const state = await raw.request(5, 'MOVE 1 100 1000 10000');
          expect(state).toMatchObject({ ok: false, code: 'STATE', fields: { st: 'DISABLED' } });
          expect((await raw.request(6, 'ENABLE 1')).ok).toBe(true);
          expect(code(await raw.request(7, 'MOVE 1 100 300000 10000'))).toBe('RANGE');
          for (let s = 8; s <= 10; s++)
            expect((await raw.request(s, 'MOVE 1 100000 100 10000')).ok).toBe(true);
          expect(code(await raw.request(11, 'MOVE 1 0 100 10000'))).toBe('QFULL');
          from = raw.items.length;
          raw.write(Buffer.from([0x18]));
          await raw.waitFor((item) => item.kind === 'event' && item.event === 'ESTOP', 2000, from);
          expect(code(await raw.request(12, 'ENABLE 1'))).toBe('ESTOP');
          // A retransmission of an executed frame is answered from the cache, byte for byte, not run again.
          expect(code(await raw.request(11, 'MOVE 1 0 100 10000'))).toBe('QFULL');
          expect(rig.device.executionCount(11)).toBe(1);
        } finally {
          await raw.close();
        }
      });
    });

    itWith(['executedLog'])(
      '0x18 mid-line: ESTOP src=host, the partial line is dropped, moves ABORTED, motion refused until RESET',
      async () => {
        await withRig(transport, CONTRACT_SPEC, async (rig) => {
          const raw = await connectRaw(rig.port());
          try {
            await raw.request(1, 'HELLO');
            await raw.request(2, 'ENABLE 1');
            expect((await raw.request(3, 'MOVE 1 100000 100 10000')).ok).toBe(true);
            const from = raw.items.length;
            raw.write(
              Buffer.concat([
                Buffer.from('4 MOVE 1 2', 'latin1'),
                Buffer.from([0x18]),
                Buffer.from('00*1234\n'),
              ]),
            );
            await raw.waitFor(
              (item) => item.kind === 'event' && item.event === 'ESTOP' && item.fields.src === 'host',
              2000,
              from,
            );
            const aborted = await raw.waitFor(
              (item) => item.kind === 'event' && item.event === 'ABORTED',
              2000,
              from,
            );
            expect(aborted).toMatchObject({ fields: { axis: 1, seq: 3 } });
            // The tail after 0x18 is a line of its own with no readable seq: BADFRAME, not executed.
            await raw.waitFor((item) => item.kind === 'event' && item.event === 'BADFRAME', 2000, from);
            // seq 4 never executed, so the device still expects it.
            expect(await raw.request(4, 'MOVE 1 0 100 10000')).toMatchObject({ ok: false, code: 'ESTOP' });
            expect(await raw.request(5, 'GET 1')).toMatchObject({ ok: true, fields: { st: 'ESTOP' } });
            expect((await raw.request(6, 'RESET')).ok).toBe(true);
            expect((await raw.request(7, 'ENABLE 1')).ok).toBe(true);
            expect(rig.device.executed.some((e) => e.verb === 'MOVE' && e.seq === 4 && e.session === 1)).toBe(
              true,
            );
          } finally {
            await raw.close();
          }
        });
      },
    );

    itWith(['withholdReply', 'executedLog'])(
      'exactly once: a lost reply is retransmitted and answered from the cache, the MOVE runs once',
      async () => {
        await withHost(transport, async (host, rig) => {
          await host.session.request('ENABLE', { axis: 1 });
          rig.device.faults.withholdNextReply();
          const m = await move(host, 1, 2000, FAST);
          expect(m.reply).toEqual(OK);
          expect(host.session.stats.retransmits).toBeGreaterThan(0);
          expect(rig.device.faults.counts.withheldReplies).toBe(1);
          expect(rig.device.executionCount(m.seq)).toBe(1);
          await host.waitForEvent(isEvent('DONE', { seq: m.seq }));
          await host.session.request('PING', {});
          expect(host.events.filter((e) => e.event === 'DONE' || e.event === 'ABORTED')).toHaveLength(1);
        });
      },
    );

    itWith(['lineFaults', 'executedLog'])(
      'exactly once, in order, across a line that corrupts, drops and duplicates bytes',
      async () => {
        await withHost(
          transport,
          async (host, rig) => {
            const faults = rig.device.faults;
            faults.corruptRate = 0.003;
            faults.dropRate = 0.001;
            faults.duplicateRate = 0.001;
            const requests = Array.from({ length: 120 }, (_, i) =>
              i % 2 === 0
                ? host.session.request('PING', {})
                : host.session.request('GET', { axis: 1 + (i % 3) }),
            );
            const replies = await withTimeout(Promise.all(requests), 20_000, '120 replies');
            expect(replies.every((r) => r.ok)).toBe(true);
            faults.corruptRate = 0;
            faults.dropRate = 0;
            faults.duplicateRate = 0;
            const counts = faults.counts;
            expect(counts.corrupted + counts.dropped + counts.duplicated).toBeGreaterThan(0);
            const session = rig.device.executed.at(-1)?.session;
            const run = rig.device.executed.filter((e) => e.session === session);
            // Every frame the host sent ran exactly once and in seq order: seqs are consecutive.
            for (let i = 1; i < run.length; i++) expect(run[i]!.seq).toBe(run[i - 1]!.seq + 1);
            const app = run.filter((e) => e.verb === 'GET').length;
            expect(app).toBe(60);
          },
          { maxRetransmits: 20 },
        );
      },
    );

    itWith(['reboot'])('reboot: BOOT ends the session; a new HELLO starts one', async () => {
      await withHost(transport, async (host, rig) => {
        const from = host.events.length;
        rig.device.faults.reboot();
        await host.waitForEvent(isEvent('BOOT'), 2000, from);
        expect(host.lost.map((e) => e.code)).toEqual(['PROTO_DEVICE_RESET']);
        const info = await host.session.start();
        expect(info.axes).toBe(3);
        expect((await host.session.request('GET', { axis: 1 })).fields).toMatchObject({ st: 'DISABLED' });
      });
    });

    itWith(['unplug'])(
      'unplug closes the open port as disconnected and the path cannot be opened; replug restores it',
      async () => {
        await withRig(transport, CONTRACT_SPEC, async (rig) => {
          const host = await connectHost(rig.port());
          await host.session.start();
          // serialport reports a pulled cable as a close carrying a DisconnectedError (a failed write may
          // also destroy the stream first, with a bare close), so wait for the disconnected one.
          const disconnected = new Promise<unknown>((resolve) =>
            host.port.on('close', (error?: { disconnected?: boolean }) => {
              if (error?.disconnected) resolve(error);
            }),
          );
          rig.device.faults.unplug();
          const error = await withTimeout(disconnected, 3000, 'a disconnected close');
          expect(error).toMatchObject({ disconnected: true });
          expect(host.lost[0]?.code).toBe('PROTO_LINK_LOST');
          await host.close();
          await rig.settled();
          const again = rig.port();
          await expect(
            new Promise<void>((resolve, reject) => again.open((e) => (e ? reject(e) : resolve()))),
          ).rejects.toThrow();
          rig.device.faults.replug();
          await rig.settled();
          const back = await connectHost(rig.port());
          try {
            expect((await back.session.start()).axes).toBe(3);
          } finally {
            await back.close();
          }
        });
      },
    );
  });
}
