// The protocol v2 conformance suite, reusable against any device (ContractTarget): negotiation, event
// sequencing with acknowledgement and retransmission, OVERFLOW, the 0x96 stop, liveness on a noisy line,
// the exact timing of a triggered move, the jog lease, and 64-bit positions. Like the v1 suite it runs
// over the simulator's binding and a pty, and is written for a second implementation (issue #14).
// Real time: every wait is for a reply, an event or a line, with a bounded timeout; nothing sleeps. The
// one deliberate exception blocks the event loop (never sleeps in it) to prove a TMOVE does not care.

import { type HostBoundItem, V2_STOP_BYTE } from '@servo-edge/firmware-protocol';
import { describe, expect, it } from 'vitest';
import { withTimeout } from '../../test-support/host-over-stream.js';
import { connectRaw, type RawClient } from '../../test-support/raw-client.js';
import { CONTRACT_SPEC, errCode, FAST, isEvent, move, OK, withHost, withRig } from './contract-helpers.js';
import { type ContractTarget, has } from './contract-target.js';
import { testWith } from './test-with.js';

const V2 = { maxProtocol: 2 } as const;
const PMAX_AT_LEAST = 2 ** 47 - 1;
type Reply = Extract<HostBoundItem, { kind: 'reply' }>;

/** `key=value` of a raw reply line (raw replies keep their fields as text). */
const field = (reply: Reply, key: string) => String((reply.fields as Record<string, unknown>)[key]);
const isRawEvent =
  (event: string, fields: Record<string, string> = {}) =>
  (item: HostBoundItem) =>
    item.kind === 'event' &&
    item.event === event &&
    Object.entries(fields).every(([k, v]) => String((item.fields as Record<string, unknown>)[k]) === v);

/** Opens a raw v2 session: `HELLO 2` with seq 1. */
async function rawV2(port: Parameters<typeof connectRaw>[0]): Promise<{ raw: RawClient; hello: Reply }> {
  const raw = await connectRaw(port, 2);
  const hello = await raw.request(1, 'HELLO 2');
  return { raw, hello };
}

/**
 * Blocks this process's event loop for `ms` (a busy loop, not a sleep): a device that shares the loop
 * (the simulator) stalls with it, as a Pi's Node process does under load.
 */
function blockEventLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy on purpose
  }
}

/**
 * The protocol v2 conformance suite against `transport`, with a host that asks for v2 (`HELLO 2`).
 * Device settings used: CONTRACT_SPEC (3 axes, qd=3), and `protocol: 1` for the fallback test.
 */
export function describeProtocolV2Contract(transport: ContractTarget): void {
  describe(`protocol v2 contract over ${transport.name}`, () => {
    if (transport.skipReason) {
      // As in the v1 suite: only the pty leg skips, only outside CI without socat, and says why.
      it.skip(`skipped: ${transport.skipReason}`, () => {});
      return;
    }
    const itWith = testWith(transport);
    /** §v2 Negotiation: the features the target says it implements, in the order HELLO lists them. */
    const features = [
      ...(has(transport, 'triggeredMoves') ? ['TRIG'] : []),
      ...(has(transport, 'triggeredSteps') ? ['TSTEP'] : []),
      ...(has(transport, 'jogLease') ? ['LEASE'] : []),
    ];
    const feat = features.length === 0 ? 'NONE' : features.join(',');
    /** The target's declared identity, as it must appear in HELLO's v1 fields (§v2 Negotiation). */
    const { fw, rx, win, wd, ev } = transport.identity;
    const v1Fields = `fw=${fw.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} axes=3 rx=${rx} win=${win} qd=3 wd=${wd}`;

    it('negotiation: HELLO 2 gets v2 with ev, pmax and feat; a plain HELLO gets exactly the v1 reply', async () => {
      await withRig(transport, CONTRACT_SPEC, async (rig) => {
        const { raw, hello } = await rawV2(rig.port());
        try {
          // §v2 Negotiation: the v1 fields in v1 order, then ev, pmax, feat.
          expect(raw.lines.find((line) => line.startsWith('1 OK'))).toMatch(
            new RegExp(`^1 OK proto=2 ${v1Fields} ev=${ev} pmax=\\d+ feat=${feat}\\*[0-9A-F]{4}$`),
          );
          expect(Number(field(hello, 'ev'))).toBeGreaterThanOrEqual(1);
          expect(Number(field(hello, 'ev'))).toBeLessThanOrEqual(32);
          expect(Number(field(hello, 'pmax'))).toBeGreaterThanOrEqual(PMAX_AT_LEAST);
          // A v1 HELLO on the same device: exactly the v1 reply, nothing added.
          const from = raw.lines.length;
          raw.version = 1;
          await raw.request(2, 'HELLO');
          expect(raw.lines.slice(from).find((line) => line.startsWith('2 OK'))).toMatch(
            new RegExp(`^2 OK proto=1 ${v1Fields}\\*[0-9A-F]{4}$`),
          );
        } finally {
          await raw.close();
        }
      });
      await withHost(
        transport,
        async (host) => {
          expect(host.session.protocolVersion).toBe(2);
          expect(host.session.features).toEqual(features);
          expect(await host.session.request('PING', {})).toEqual(OK);
        },
        V2,
      );
    });

    itWith(['v1OnlyBuild'])(
      'a v1-only device: the v2 host falls back to v1 and lists what it lacks',
      async () => {
        await withHost(
          transport,
          async (host) => {
            expect(host.session.deviceInfo?.proto).toBe(1);
            expect(host.session.missingFeatures).toEqual(['TRIG', 'TSTEP', 'LEASE']);
            await host.session.request('ENABLE', { axis: 1 });
            const m = await move(host, 1, 500, FAST);
            const done = await host.waitForEvent(isEvent('DONE', { seq: m.seq }));
            // A v1 session: events carry no eseq.
            expect(done.eseq).toBeUndefined();
          },
          V2,
          { ...CONTRACT_SPEC, protocol: 1 },
        );
      },
    );

    it('events carry eseq and are resent byte for byte until acknowledged; ACK RESEND resends at once', async () => {
      await withRig(transport, CONTRACT_SPEC, async (rig) => {
        const { raw } = await rawV2(rig.port());
        try {
          await raw.request(2, 'ENABLE 1');
          expect((await raw.request(3, 'MOVE 1 100 50000 2000000')).ok).toBe(true);
          // 1. The first event of the session is !1; no ACK, so it comes again (evto: 100 ms + wire time).
          await raw.waitFor(isRawEvent('DONE', { seq: '3' }));
          const first = raw.lines.find((line) => line.startsWith('!1 DONE'))!;
          expect(first).toMatch(/^!1 DONE axis=1 seq=3 pos=100\*[0-9A-F]{4}$/);
          await withTimeout(
            (async () => {
              while (raw.lines.filter((line) => line === first).length < 2)
                await raw.waitFor(() => true, 2000, raw.items.length);
            })(),
            3000,
            'a retransmission of !1',
          );
          expect((await raw.request(4, 'ACK 1')).ok).toBe(true);
          // 2. A second event, and at once an ACK of the first with RESEND: the device resends !2
          //    before the ACK's reply (fast retransmission).
          expect((await raw.request(5, 'MOVE 1 0 50000 2000000')).ok).toBe(true);
          await raw.waitFor(isRawEvent('DONE', { seq: '5' }));
          const second = raw.lines.find((line) => line.startsWith('!2 DONE'))!;
          const from = raw.lines.length;
          await raw.request(6, 'ACK 1 RESEND');
          const after = raw.lines.slice(from);
          const replyAt = after.findIndex((line) => line.startsWith('6 OK'));
          expect(after.slice(0, replyAt)).toContain(second);
          // 3. An eseq never sent is ERR RANGE; acknowledging 2 is accepted.
          expect(errCode((await raw.request(7, 'ACK 40')) as never)).toBe('RANGE');
          expect((await raw.request(8, 'ACK 2')).ok).toBe(true);
        } finally {
          await raw.close();
        }
      });
    });

    it('OVERFLOW: a host that stops acknowledging loses events past ev, and is told how many', async () => {
      await withRig(transport, CONTRACT_SPEC, async (rig) => {
        const { raw, hello } = await rawV2(rig.port());
        try {
          const ev = Number(field(hello, 'ev'));
          let seq = 2;
          await raw.request(seq++, 'ENABLE 1');
          const moves = ev + 3;
          for (let i = 0; i < moves; i++) {
            expect((await raw.request(seq++, `MOVE 1 ${i % 2 === 0 ? 100 : 0} 50000 2000000`)).ok).toBe(true);
            // The move is over when the axis owes nothing (§v2 Fields: q counts the running move).
            for (;;) {
              const get = await raw.request(seq++, 'GET 1');
              if (field(get, 'q') === '0') break;
            }
          }
          const eseqs = new Set(
            raw.items
              .filter((item) => item.kind === 'event' && item.event === 'DONE')
              .map((item) => (item as { eseq?: number }).eseq),
          );
          // 1. The device stored (and keeps resending) exactly ev events; the last 3 outcomes were not stored.
          expect([...eseqs].sort((a, b) => a! - b!)).toEqual(Array.from({ length: ev }, (_, i) => i + 1));
          // 2. Freeing the buffer: OVERFLOW comes first, with the next eseq and the count.
          const from = raw.items.length;
          expect((await raw.request(seq++, `ACK ${ev}`)).ok).toBe(true);
          const overflow = await raw.waitFor(isRawEvent('OVERFLOW'), 2000, from);
          expect(overflow).toMatchObject({ eseq: ev + 1, fields: { lost: 3 } });
        } finally {
          await raw.close();
        }
      });
    }, 30_000);

    it('the v2 stop: 0x96 eight times mid-line stops; 0x18 and a lone 0x96 are only noise', async () => {
      await withRig(transport, CONTRACT_SPEC, async (rig) => {
        const { raw } = await rawV2(rig.port());
        const line = (head: string, stop: Buffer, tail: string) =>
          Buffer.concat([Buffer.from(head, 'latin1'), stop, Buffer.from(tail, 'latin1')]);
        try {
          await raw.request(2, 'ENABLE 1');
          expect((await raw.request(3, 'MOVE 1 100000 100 10000')).ok).toBe(true);
          // 1. 0x18 in a v2 session is a non-printable byte: that line is SYNTAX, nothing stops.
          let from = raw.items.length;
          raw.write(line('4 PI', Buffer.from([0x18]), 'NG*0000\n'));
          expect(await raw.waitFor((i) => i.kind === 'reply' && i.seq === 4, 2000, from)).toMatchObject({
            ok: false,
            code: 'SYNTAX',
          });
          // 2. So is a lone 0x96 (a damaged byte): no stop.
          from = raw.items.length;
          raw.write(line('4 PI', Buffer.from([V2_STOP_BYTE]), 'NG*0000\n'));
          expect(await raw.waitFor((i) => i.kind === 'reply' && i.seq === 4, 2000, from)).toMatchObject({
            code: 'SYNTAX',
          });
          expect(field(await raw.request(4, 'GET 1'), 'st')).toBe('MOVING');
          // 3. Eight 0x96 inside a line: stop, the partial line is discarded, its rest refused.
          from = raw.items.length;
          raw.write(line('5 MOVE 1 2', Buffer.alloc(8, V2_STOP_BYTE), '00*1234\n'));
          const estop = await raw.waitFor(isRawEvent('ESTOP', { src: 'host' }), 2000, from);
          expect((estop as { eseq?: number }).eseq).toBeGreaterThanOrEqual(1);
          await raw.waitFor(isRawEvent('ABORTED', { seq: '3', why: 'ESTOP' }), 2000, from);
          expect(field(await raw.request(5, 'GET 1'), 'st')).toBe('ESTOP');
          expect((await raw.request(6, 'RESET')).ok).toBe(true);
          expect(raw.items.filter((i) => i.kind === 'event' && i.event === 'ESTOP')).toHaveLength(1);
        } finally {
          await raw.close();
        }
      });
    });

    itWith(['lineFaults', 'executedLog'])(
      'liveness: on a noisy line the session holds, each move runs once and each outcome arrives once',
      async () => {
        await withHost(
          transport,
          async (host, rig) => {
            await host.session.request('ENABLE', { axis: 1 });
            const faults = rig.device.faults;
            faults.corruptRate = 0.005;
            faults.dropRate = 0.001;
            faults.duplicateRate = 0.001;
            const seqs: number[] = [];
            for (let i = 0; i < 40; i++) {
              const m = await withTimeout(move(host, 1, i % 2 === 0 ? 200 : 0, FAST), 10_000, `move ${i}`);
              expect(m.reply).toEqual(OK);
              seqs.push(m.seq);
              // One move at a time (qd=3): each outcome must arrive, whatever the line did to it.
              await host.waitForEvent(isEvent('DONE', { seq: m.seq }), 10_000);
            }
            faults.corruptRate = 0;
            faults.dropRate = 0;
            faults.duplicateRate = 0;
            expect(
              faults.counts.corrupted + faults.counts.dropped + faults.counts.duplicated,
            ).toBeGreaterThan(0);
            const outcomes = host.events.filter((e) => e.event === 'DONE' || e.event === 'ABORTED');
            expect(outcomes.map((e) => (e.fields as { seq: number }).seq)).toEqual(seqs);
            expect(host.lost).toEqual([]);
            for (const seq of seqs) expect(rig.device.executionCount(seq)).toBe(1);
          },
          { ...V2, replyTimeoutMs: 150 },
        );
      },
      60_000,
    );

    itWith(['triggeredMoves'])(
      'TMOVE starts on the exact crossing, computed from the profile, even if the event loop stalls',
      async () => {
        await withHost(
          transport,
          async (host) => {
            for (const axis of [1, 2, 3]) await host.session.request('ENABLE', { axis });
            // The stall below silences the host for 1.3 s: a watchdog (and the host's liveness) of 5 s rides it out.
            expect(await host.session.request('WDOG', { ms: 5000 })).toEqual(OK);
            // A marker fires as the conveyor crosses 1 count, the stroke as it crosses 100000: both from the
            // same profile, so their device times differ by the analytic interval whatever the host did.
            const marker = await host.session.request('TMOVE', {
              axis: 3,
              pos: 100,
              ...FAST,
              src: 1,
              at: 1,
              dir: 1,
            });
            const stroke = await host.session.request('TMOVE', {
              axis: 2,
              pos: 500,
              ...FAST,
              src: 1,
              at: 100_000,
              dir: 1,
            });
            expect([marker, stroke]).toEqual([OK, OK]);
            const conveyor = await move(host, 1, 1_000_000, { vel: 100_000, acc: 1_000_000 });
            const first = await host.waitForEvent(isEvent('STARTED', { axis: 3 }));
            // Stall this process (and a device in it) across the second crossing, 1.05 s after the start.
            if (transport.capabilities?.sharesEventLoop !== false) blockEventLoop(1300);
            const second = await host.waitForEvent(isEvent('STARTED', { axis: 2 }), 5000);
            const crossingS = (n: number) =>
              n <= 5000 ? Math.sqrt((2 * n) / 1_000_000) : 0.1 + (n - 5000) / 100_000;
            const intervalMs = (crossingS(100_000) - crossingS(1)) * 1000;
            const tOf = (e: typeof first) => (e.fields as { t: number }).t;
            // t is the device ms in which each crossing fell: their difference is within 1 ms of the interval.
            expect(Math.abs(tOf(second) - tOf(first) - intervalMs)).toBeLessThan(1);
            await host.waitForEvent(isEvent('DONE', { axis: 2 }));
            expect(await host.session.request('STOP', { axis: 0 })).toEqual(OK);
            await host.waitForEvent(isEvent('ABORTED', { seq: conveyor.seq }));
          },
          V2,
        );
      },
      20_000,
    );

    itWith(['triggeredSteps'])(
      'TSTEP steps from where the axis stands when it fires; one dropped as LATE is not made up',
      async () => {
        await withHost(
          transport,
          async (host) => {
            for (const axis of [1, 2]) await host.session.request('ENABLE', { axis });
            // The first step's trigger is already passed (axis 1 stands at 0): LATE. The next two fire.
            const seqs: number[] = [];
            const sent = (at: number) =>
              host.session.request(
                'TSTEP',
                { axis: 2, dist: 300, ...FAST, src: 1, at, dir: 1 },
                { onSent: (seq: number) => void seqs.push(seq) },
              );
            expect(await sent(0)).toEqual(OK);
            await host.waitForEvent(isEvent('ABORTED', { axis: 2 }));
            expect(await sent(20_000)).toEqual(OK);
            expect(await sent(40_000)).toEqual(OK);
            await move(host, 1, 60_000, { vel: 100_000, acc: 1_000_000 });
            const last = await host.waitForEvent(isEvent('DONE', { seq: seqs[2]! }), 5000);
            const ofSeq = (seq: number) =>
              host.events.filter((e) => (e.fields as { seq?: number }).seq === seq).map((e) => e.event);
            const first = host.events.find((e) => e.event === 'DONE' && e.fields.seq === seqs[1]);
            // Each executed step is one dist from the last: 0 -> 300 -> 600, the LATE one left out.
            expect(first?.fields).toMatchObject({ pos: 300 });
            expect(last.fields).toMatchObject({ pos: 600 });
            expect([ofSeq(seqs[0]!), ofSeq(seqs[1]!), ofSeq(seqs[2]!)]).toEqual([
              ['ABORTED'],
              ['STARTED', 'DONE'],
              ['STARTED', 'DONE'],
            ]);
            expect(
              host.events.find((e) => e.event === 'ABORTED' && e.fields.seq === seqs[0])?.fields,
            ).toMatchObject({
              why: 'LATE',
              pos: 0,
            });
          },
          V2,
        );
      },
      20_000,
    );

    itWith(['jogLease'])(
      'jog lease: with no RENEW the axis stops by itself within the lease plus a reply time',
      async () => {
        await withHost(
          transport,
          async (host) => {
            await host.session.request('ENABLE', { axis: 1 });
            const sentAt = performance.now();
            expect(
              await host.session.request('JOG', { axis: 1, vel: 5000, acc: 1_000_000, lease: 200 }),
            ).toEqual(OK);
            const repliedAt = performance.now();
            const lease = await host.waitForEvent(isEvent('LEASE', { axis: 1 }), 3000);
            const leaseAt = performance.now();
            expect(leaseAt - sentAt).toBeGreaterThanOrEqual(200 - 5);
            expect(leaseAt - repliedAt).toBeLessThan(200 + 250);
            expect((lease.fields as { pos: number }).pos).toBeGreaterThan(0);
            // A controlled stop at 10^6 counts/s² from 5000 counts/s: 5 ms; RENEW then finds no jog.
            await withTimeout(
              (async () => {
                while ((await host.session.request('GET', { axis: 1 })).fields.st !== 'IDLE') {}
              })(),
              2000,
              'the axis at rest',
            );
            expect(await host.session.request('RENEW', { axis: 1, lease: 200 })).toEqual({
              ok: false,
              code: 'STATE',
              fields: { st: 'IDLE' },
            });
          },
          V2,
        );
      },
    );

    it('64-bit positions: pmax is accepted, beyond it ERR RANGE; VMAX stays 32-bit', async () => {
      await withRig(transport, CONTRACT_SPEC, async (rig) => {
        const { raw, hello } = await rawV2(rig.port());
        try {
          const pmax = BigInt(field(hello, 'pmax'));
          await raw.request(2, 'ENABLE 1');
          expect(errCode((await raw.request(3, `MOVE 1 ${pmax + 1n} 1000 1000`)) as never)).toBe('RANGE');
          expect(errCode((await raw.request(4, `MOVE 1 ${-pmax - 1n} 1000 1000`)) as never)).toBe('RANGE');
          expect(errCode((await raw.request(5, 'SET 1 VMAX 2147483648')) as never)).toBe('RANGE');
          expect((await raw.request(6, `MOVE 1 ${pmax} 1000 1000`)).ok).toBe(true);
          expect(field(await raw.request(7, 'GET 1'), 'tgt')).toBe(String(pmax));
          expect((await raw.request(8, 'STOP 1')).ok).toBe(true);
        } finally {
          await raw.close();
        }
      });
    });
  });
}
