// HostSession with maxProtocol 2 against a scripted device: negotiation and fallback, exactly-once
// event delivery and the ACK policy, evidence-based liveness, the v2 stop and the v2 requests.
// Comments number the steps where order matters.

import { ManualClock } from '@servo-edge/common/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { ESTOP_BYTE, EVENT_WINDOW_MAX, V2_STOP_BYTE } from '../wire/constants.js';
import { CommandDecoder } from '../wire/decoder.js';
import { encodeErrorReply, encodeEvent, encodeLine, encodeReply } from '../wire/encode.js';
import type { DeviceBoundItem, EventFrame } from '../wire/frames.js';
import type { EventFieldsOf } from '../wire/messages.js';
import { HostSession, type HostSessionOptions } from './host-session.js';

let clock: ManualClock;
let written: Buffer[];
let host: HostSession;
let events: EventFrame[];
let lost: string[];

function make(opts: Partial<HostSessionOptions> = {}) {
  clock = new ManualClock();
  written = [];
  events = [];
  lost = [];
  host = new HostSession({
    clock,
    write: (b) => written.push(b),
    onEvent: (e) => events.push(e),
    onSessionLost: (e) => lost.push(e.code),
    maxProtocol: 2,
    ...opts,
  });
}
/** What the host wrote since the last call, decoded as a v2 device would. */
function sent(version: 1 | 2 = 2): DeviceBoundItem[] {
  const decoder = new CommandDecoder(2);
  decoder.version = version;
  const items = decoder.decode(Buffer.concat(written));
  written = [];
  return items;
}
const bodies = () =>
  sent().map((i) =>
    i.kind === 'command' ? `${i.seq} ${i.verb} ${Object.values(i.args).join(' ')}`.trim() : i.kind,
  );
const helloV2 = (seq: number, feat = 'TRIG,LEASE', ev = 8) =>
  encodeLine(
    `${seq} OK proto=2 fw=2.0.0 axes=4 rx=256 win=4 qd=8 wd=1000 ev=${ev} pmax=140737488355327 feat=${feat}`,
  );
const helloV1 = (seq: number) => encodeLine(`${seq} OK proto=1 fw=1.0.0 axes=4 rx=256 win=4 qd=8 wd=1000`);
const ok = (seq: number) => encodeLine(`${seq} OK`);
const done = (eseq: number, seq: number) =>
  encodeEvent('DONE', { axis: 1, seq, pos: seq * 10 } satisfies EventFieldsOf<'DONE'>, { version: 2, eseq });

async function readyV2(feat?: string, ev?: number) {
  const started = host.start();
  host.receive(helloV2(1, feat, ev));
  await started;
  written = [];
}

beforeEach(() => make());

describe('§v2 Negotiation (host)', () => {
  it('asks with HELLO 2 and runs v2 when the device answers proto=2', async () => {
    const started = host.start();
    expect(bodies()).toEqual(['1 HELLO 2']);
    host.receive(helloV2(1));
    await expect(started).resolves.toMatchObject({
      proto: 2,
      ev: 8,
      pmax: 2 ** 47 - 1,
      feat: ['TRIG', 'LEASE'],
    });
    expect(host.protocolVersion).toBe(2);
    expect(host.features).toEqual(['TRIG', 'LEASE']);
    // TSTEP is optional (§v2 Triggered steps): a device without it is reported as lacking it.
    expect(host.missingFeatures).toEqual(['TSTEP']);
  });

  it('runs v1 when a v2 device answers proto=1, and says which features it lacks', async () => {
    const started = host.start();
    host.receive(helloV1(1));
    await expect(started).resolves.toEqual({
      proto: 1,
      fw: '1.0.0',
      axes: 4,
      rx: 256,
      win: 4,
      qd: 8,
      wd: 1000,
    });
    written = [];
    expect(host.protocolVersion).toBe(1);
    expect(host.missingFeatures).toEqual(['TRIG', 'TSTEP', 'LEASE']);
    host.estop();
    expect(written).toEqual([Buffer.from([ESTOP_BYTE])]);
  });

  it.each(['HELLO', 'ARGS', 'SEQ'])(
    'falls back to a plain HELLO when a v1-only device answers ERR %s',
    async (code) => {
      const started = host.start();
      sent();
      host.receive(
        code === 'SEQ' ? encodeErrorReply(1, 'SEQ', { next: 40 }) : encodeErrorReply(1, code as 'HELLO'),
      );
      expect(bodies()).toEqual(['2 HELLO']);
      host.receive(encodeErrorReply(1, 'HELLO')); // a late reply to a retransmission of the first: ignored
      host.receive(helloV1(2));
      await expect(started).resolves.toMatchObject({ proto: 1 });
      expect(lost).toEqual([]);
    },
  );

  it('retransmits a damaged HELLO 2 instead of falling back', async () => {
    const started = host.start();
    sent();
    host.receive(encodeErrorReply(1, 'CRC'));
    expect(bodies()).toEqual(['1 HELLO 2']);
    host.receive(helloV2(1));
    await expect(started).resolves.toMatchObject({ proto: 2 });
  });

  it('refuses a version it does not speak, and an event window out of range', async () => {
    const three = host.start();
    host.receive(encodeLine('1 OK proto=3 fw=3.0.0 axes=4 rx=256 win=4 qd=8 wd=1000'));
    await expect(three).rejects.toMatchObject({ code: 'PROTO_INCOMPATIBLE_DEVICE' });
    const ev = host.start();
    host.receive(helloV2(2, 'NONE', EVENT_WINDOW_MAX + 1));
    await expect(ev).rejects.toMatchObject({ code: 'PROTO_INCOMPATIBLE_DEVICE' });
  });

  it('a v2 reply missing its v2 fields is PROTO_BAD_REPLY and ends the handshake', async () => {
    const started = host.start();
    host.receive(encodeLine('1 OK proto=2 fw=2.0.0 axes=4 rx=256 win=4 qd=8 wd=1000'));
    await expect(started).rejects.toMatchObject({ code: 'PROTO_BAD_REPLY' });
    expect(host.state).toBe('lost');
  });

  it('while handshaking, gives up after maxRetransmits silent HELLOs, but not while lines come back', async () => {
    make({ maxRetransmits: 2 });
    const started = host.start();
    // 1. Damaged replies prove the device is there: ten timeouts, still handshaking.
    for (let i = 0; i < 10; i++) {
      host.receive(Buffer.from('1 OK proto=2 garbled*0000\n'));
      clock.advanceTo(host.nextDeadlineMs()!);
      host.tick();
    }
    expect(host.state).toBe('handshaking');
    // 2. Then silence: three more tries and it gives up.
    for (let i = 0; i < 3; i++) {
      clock.advanceTo(host.nextDeadlineMs()!);
      host.tick();
    }
    await expect(started).rejects.toMatchObject({ code: 'PROTO_REPLY_TIMEOUT' });
  });
});

describe('§v2 Events (host): exactly once, in order', () => {
  it('delivers in eseq order and once: holds an early event, drops duplicates', async () => {
    await readyV2();
    // 1. 3 arrives before 2: held, and the host asks for 2 at once (ACK 1 RESEND).
    host.receive(Buffer.concat([done(1, 4), done(3, 6)]));
    expect(events.map((e) => e.eseq)).toEqual([1]);
    expect(bodies()).toEqual(['2 ACK 1 RESEND']);
    // 2. 2 arrives: 2 and the held 3 are delivered; the copies the device's go-back-N sends are dropped.
    host.receive(Buffer.concat([done(2, 5), done(1, 4), done(2, 5), done(3, 6)]));
    expect(events.map((e) => [e.eseq, e.event === 'DONE' && e.fields.seq])).toEqual([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
    expect(host.stats).toMatchObject({ eventsDelivered: 3, eventGaps: 1, duplicateEvents: 3 });
  });

  it('with ev above 32 holds an early event up to ev ahead, and drops what no device of that ev could send', async () => {
    await readyV2(undefined, 64);
    host.receive(done(1, 4));
    // 1. Event 60 (59 ahead of expected 2) can be one the device sent: held, not a gap to drop.
    host.receive(done(60, 63));
    expect(host.stats).toMatchObject({ eventsDelivered: 1, eventGaps: 1 });
    // 2. Event 200 cannot (a device with ev=64 never has more than 64 unacknowledged): dropped.
    host.receive(done(200, 203));
    expect(host.stats).toMatchObject({ eventsDelivered: 1, eventGaps: 2 });
    // 3. The 58 between arrive: all of 2..60 are delivered in order, each once; 200 never is.
    for (let eseq = 2; eseq < 60; eseq++) host.receive(done(eseq, eseq + 3));
    expect(events.map((e) => e.eseq)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    // 4. A copy of event 10 (50 before expected 61) is a duplicate, not a new event.
    host.receive(done(10, 13));
    expect(host.stats).toMatchObject({ eventsDelivered: 60, duplicateEvents: 1 });
  });

  it('asks again when the RESEND was answered and the event still has not come', async () => {
    await readyV2();
    host.receive(Buffer.concat([done(1, 4), done(3, 6)]));
    expect(bodies()).toEqual(['2 ACK 1 RESEND']);
    host.receive(done(4, 7)); // one RESEND at a time
    expect(bodies()).toEqual([]);
    host.receive(ok(2)); // the resent copy would have come before this reply: it was lost
    expect(bodies()).toEqual(['3 ACK 1 RESEND']);
    host.receive(Buffer.concat([done(2, 5), ok(3)]));
    expect(events.map((e) => e.eseq)).toEqual([1, 2, 3, 4]);
    clock.advanceTo(20);
    host.tick();
    expect(bodies()).toEqual(['4 ACK 4']);
  });

  it('a lost first event is asked for with ACK 0 RESEND', async () => {
    await readyV2();
    host.receive(done(2, 5));
    expect(bodies()).toEqual(['2 ACK 0 RESEND']);
  });

  it('flow control: a move waits while its outcome might not fit the device event buffer', async () => {
    await readyV2(undefined, 8); // ev=8: at most 6 events owed or unconfirmed
    const moves = Array.from({ length: 8 }, (_, i) =>
      host.request('MOVE', { axis: 1, pos: i, vel: 1, acc: 1 }),
    );
    host.request('PING', {});
    // 1. The window (4) lets four out; their replies let two more out, then the budget of 6 is used up.
    expect(bodies()).toHaveLength(4);
    host.receive(Buffer.concat([ok(2), ok(3), ok(4), ok(5)]));
    expect(bodies()).toEqual(['6 MOVE 1 4 1 1', '7 MOVE 1 5 1 1']);
    host.receive(Buffer.concat([ok(6), ok(7)]));
    expect(bodies()).toEqual([]); // the seventh MOVE waits, and the PING behind it keeps its place
    // 2. Two outcomes arrive: delivered, but the device still holds them until their ACK is answered.
    host.receive(Buffer.concat([done(1, 2), done(2, 3)]));
    clock.advanceTo(20);
    host.tick();
    expect(bodies()).toEqual(['8 ACK 2']);
    host.receive(ok(8));
    expect(bodies()).toEqual(['9 MOVE 1 6 1 1', '10 MOVE 1 7 1 1', '11 PING']);
    host.receive(Buffer.concat([ok(9), ok(10), ok(11)]));
    await expect(Promise.all(moves)).resolves.toHaveLength(8);
  });

  it('flow control never holds a STOP of another axis: armed triggers on a halted belt can still be stopped', async () => {
    await readyV2(undefined, 8); // ev=8: 6 events, three armed TMOVEs owe all of them
    const tmove = (axis: number, pos: number) =>
      host.request('TMOVE', { axis, pos, vel: 1, acc: 1, src: 1, at: 1000 + pos, dir: 1 });
    const armed = [tmove(2, 1), tmove(2, 2), tmove(2, 3)];
    expect(bodies()).toHaveLength(3);
    host.receive(Buffer.concat([ok(2), ok(3), ok(4)]));
    await Promise.all(armed);
    // 1. The belt is halted: nothing fires, the budget stays used. A TMOVE of axis 3 is held, a STOP of
    //    axis 3 waits behind it (its own axis keeps its order), and a STOP of axis 2 goes at once.
    const held = tmove(3, 4);
    const stop3 = host.request('STOP', { axis: 3 });
    const stop2 = host.request('STOP', { axis: 2 });
    expect(bodies()).toEqual(['5 STOP 2']);
    host.receive(ok(5));
    await expect(stop2).resolves.toEqual({ ok: true, fields: {} });
    // 2. The STOP aborts the three armed TMOVEs: their outcomes free the budget, and the held TMOVE and
    //    the STOP of its axis go out in the order they were asked for.
    const aborted = (eseq: number, seq: number) =>
      encodeEvent('ABORTED', { axis: 2, seq, pos: 0, why: 'STOP' }, { version: 2, eseq });
    host.receive(Buffer.concat([aborted(1, 2), aborted(2, 3), aborted(3, 4)]));
    clock.advanceTo(20);
    host.tick();
    expect(bodies()).toEqual(['6 ACK 3', '7 TMOVE 3 4 1 1 1 1004 1', '8 STOP 3']);
    host.receive(Buffer.concat([ok(6), ok(7), ok(8)]));
    await expect(held).resolves.toMatchObject({ ok: true });
    await expect(stop3).resolves.toMatchObject({ ok: true });
  });

  it('flow control lets a command of another axis that starts no motion go ahead of a held move', async () => {
    await readyV2(undefined, 8);
    const tmove = (pos: number) =>
      host.request('TMOVE', { axis: 2, pos, vel: 1, acc: 1, src: 1, at: 1000 + pos, dir: 1 });
    const armed = [tmove(1), tmove(2), tmove(3)];
    host.receive(Buffer.concat([ok(2), ok(3), ok(4)]));
    await Promise.all(armed);
    written = [];
    // The fourth TMOVE is held; behind it a move of axis 3 (motion: keeps its place), a RENEW of axis 1
    // (goes ahead: nothing ahead names axis 1), a PING (no axis: keeps its place) and a GET of axis 1
    // (a PING is ahead of it: keeps its place).
    tmove(4);
    host.request('MOVE', { axis: 3, pos: 5, vel: 1, acc: 1 });
    const renew = host.request('RENEW', { axis: 1, lease: 500 });
    host.request('PING', {});
    host.request('GET', { axis: 1 });
    expect(bodies()).toEqual(['5 RENEW 1 500']);
    host.receive(ok(5));
    await expect(renew).resolves.toEqual({ ok: true, fields: {} });
    expect(bodies()).toEqual([]);
    // The session's own heartbeat, queued behind all of them, goes ahead: it orders nothing.
    clock.advanceTo(host.nextDeadlineMs()!);
    host.tick();
    expect(bodies()).toEqual(['6 PING']);
  });

  it("a RENEW waiting behind a full window of other axes' moves goes out in the first free slot", async () => {
    await readyV2(undefined, 64);
    // win=4: four moves of axis 2 fill the window; three more of axis 2, then a RENEW of axis 1 and a
    // MOVE of axis 1 (motion: keeps its place behind the RENEW) wait.
    const move = (axis: number, pos: number) => host.request('MOVE', { axis, pos, vel: 1, acc: 1 });
    for (let pos = 1; pos <= 7; pos++) void move(2, pos);
    const renew = host.request('RENEW', { axis: 1, lease: 500 });
    void move(1, 9);
    expect(bodies()).toEqual(['2 MOVE 2 1 1 1', '3 MOVE 2 2 1 1', '4 MOVE 2 3 1 1', '5 MOVE 2 4 1 1']);
    // One reply frees one slot: the RENEW takes it, ahead of the moves of axis 2 queued before it.
    host.receive(ok(2));
    expect(bodies()).toEqual(['6 RENEW 1 500']);
    host.receive(ok(6));
    await expect(renew).resolves.toEqual({ ok: true, fields: {} });
    // Then the rest in the order they were asked for, axis 1's move after its RENEW (the window spans
    // from the oldest unanswered frame, 3).
    expect(bodies()).toEqual([]);
    host.receive(Buffer.concat([ok(3), ok(4), ok(5)]));
    expect(bodies()).toEqual(['7 MOVE 2 5 1 1', '8 MOVE 2 6 1 1', '9 MOVE 2 7 1 1', '10 MOVE 1 9 1 1']);
  });

  it('acknowledges ackDelayMs after the first unacknowledged event, with the latest eseq', async () => {
    await readyV2();
    host.receive(done(1, 4));
    clock.advanceBy(5);
    host.receive(done(2, 5));
    expect(host.nextDeadlineMs()).toBe(20);
    clock.advanceTo(19);
    host.tick();
    expect(bodies()).toEqual([]);
    clock.advanceTo(20);
    host.tick();
    expect(bodies()).toEqual(['2 ACK 2']);
    host.receive(ok(2));
    expect(host.stats.acksSent).toBe(1);
  });

  it('acknowledges at once when half the window is unacknowledged, and again on a duplicate', async () => {
    await readyV2(undefined, 8);
    host.receive(Buffer.concat([done(1, 4), done(2, 5), done(3, 6)]));
    expect(bodies()).toEqual([]);
    host.receive(done(4, 7));
    expect(bodies()).toEqual(['2 ACK 4']);
    host.receive(ok(2));
    host.receive(done(4, 7)); // the device did not get the ACK in time: it resends
    expect(bodies()).toEqual(['3 ACK 4']);
  });

  it('puts the ACK ahead of waiting requests, and it carries the eseq of when it goes out', async () => {
    await readyV2();
    const requests = [1, 2, 3, 4, 5].map(() => host.request('PING', {}));
    expect(bodies()).toEqual(['2 PING', '3 PING', '4 PING', '5 PING']); // win=4
    host.receive(done(1, 4));
    clock.advanceTo(20);
    host.tick(); // the ACK waits for window space, ahead of the fifth PING
    host.receive(done(2, 5));
    host.receive(ok(2));
    expect(bodies()).toEqual(['6 ACK 2']);
    host.receive(Buffer.concat([ok(3), ok(4), ok(5), ok(6)]));
    expect(bodies()).toEqual(['7 PING']);
    host.receive(ok(7));
    await expect(Promise.all(requests)).resolves.toHaveLength(5);
  });

  it('delivers OVERFLOW in order like any event, and BOOT/POS without an eseq', async () => {
    await readyV2();
    host.receive(encodeEvent('OVERFLOW', { lost: 3 }, { version: 2, eseq: 1 }));
    host.receive(encodeEvent('POS', { t: 2 ** 40, p: [2 ** 50], v: [1] }, { version: 2 }));
    expect(events).toMatchObject([
      { eseq: 1, event: 'OVERFLOW', fields: { lost: 3 } },
      { event: 'POS', fields: { t: 2 ** 40, p: [2 ** 50] } },
    ]);
    expect(events[1]).not.toHaveProperty('eseq');
  });

  it('a sequenced event with a position beyond ±(2^53-1) ends the session: it could never be acknowledged', async () => {
    await readyV2();
    host.receive(encodeLine('!1 DONE axis=1 seq=4 pos=9007199254740992'));
    expect(lost).toEqual(['PROTO_BAD_REPLY']);
  });
});

describe('§v2 Liveness (host)', () => {
  it('never gives up on a count: it retransmits every timeout while valid lines keep coming', async () => {
    make({ maxRetransmits: 1, heartbeat: false });
    await readyV2();
    const ping = host.request('PING', {});
    for (let i = 0; i < 20; i++) {
      clock.advanceTo(host.nextDeadlineMs()!);
      host.tick();
      host.receive(encodeEvent('POS', { t: i, p: [0], v: [0] }, { version: 2 })); // the device is alive
    }
    expect(host.state).toBe('ready');
    expect(host.stats.retransmits).toBe(20);
    host.receive(ok(2));
    await expect(ping).resolves.toEqual({ ok: true, fields: {} });
  });

  it('is lost after wd ms without a valid line; damaged lines do not count', async () => {
    make({ heartbeat: false });
    await readyV2();
    const ping = host.request('PING', {});
    clock.advanceTo(900);
    host.receive(Buffer.from('2 OK*0000\n'));
    host.tick();
    expect(host.state).toBe('ready');
    clock.advanceTo(1000);
    host.tick();
    expect(lost).toEqual(['PROTO_REPLY_TIMEOUT']);
    await expect(ping).rejects.toMatchObject({ code: 'PROTO_REPLY_TIMEOUT', sent: true });
  });

  it('a check that runs late (this host stalled) looks again after the I/O had its turn', async () => {
    make({ heartbeat: false });
    await readyV2();
    const ping = host.request('PING', {});
    // 1. The host stalls 1.5 s; its first act after is the liveness timer, with the reply still waiting
    //    in the port's buffer: not lost yet.
    clock.advanceTo(2500);
    host.tick();
    expect(host.state).toBe('ready');
    expect(host.nextDeadlineMs()).toBeLessThanOrEqual(2500 + 250);
    // 2. The I/O runs: the reply was there all along.
    host.receive(ok(2));
    await expect(ping).resolves.toEqual({ ok: true, fields: {} });
    clock.advanceBy(900);
    host.tick();
    expect(lost).toEqual([]);
    // 3. A device that really went silent: after the grace the session is lost, once.
    const again = host.request('PING', {});
    clock.advanceTo(host.nextDeadlineMs()!);
    while (host.state === 'ready') {
      clock.advanceTo(host.nextDeadlineMs()!);
      host.tick();
    }
    expect(lost).toEqual(['PROTO_REPLY_TIMEOUT']);
    expect(clock.monotonicMs()).toBeLessThanOrEqual(2500 + 1000 + 250);
    await expect(again).rejects.toMatchObject({ code: 'PROTO_REPLY_TIMEOUT' });
  });

  it('ERR SEQ naming an answered frame is stale, not a desync; one far outside the window is', async () => {
    await readyV2();
    const a = host.request('PING', {});
    const b = host.request('PING', {});
    host.receive(ok(2));
    await a;
    host.receive(encodeErrorReply(3, 'SEQ', { next: 2 }));
    expect(host.state).toBe('ready');
    const c = host.request('PING', {});
    host.receive(encodeErrorReply(4, 'SEQ', { next: 900 }));
    expect(lost).toEqual(['PROTO_SESSION_DESYNC']);
    // Everything still outstanding settles with the session's end, never silently.
    await expect(b).rejects.toMatchObject({ code: 'PROTO_SESSION_DESYNC' });
    await expect(c).rejects.toMatchObject({ code: 'PROTO_SESSION_DESYNC' });
  });

  it('BOOT and ERR HELLO are evidence: the session is lost', async () => {
    await readyV2();
    host.receive(encodeEvent('BOOT', { fw: '2.0.0', proto: 1, axes: 4, max: 2 }));
    expect(lost).toEqual(['PROTO_DEVICE_RESET']);
  });
});

describe('§v2 Stop and v2 requests (host)', () => {
  it('writes 0x96 x8 in a v2 session, and 0x96 x8 0x18 while the version is unknown', async () => {
    const copies = Array.from({ length: 8 }, () => V2_STOP_BYTE);
    host.start();
    written = [];
    host.estop();
    expect(written).toEqual([Buffer.from([...copies, ESTOP_BYTE])]);
    host.receive(helloV2(1));
    written = [];
    host.estop();
    expect(written).toEqual([Buffer.from(copies)]);
  });

  it('sends TMOVE, JOG with a lease and RENEW, with 64-bit positions, and types GET with run', async () => {
    await readyV2();
    host.request('TMOVE', {
      axis: 2,
      pos: 2 ** 47 - 1,
      vel: 20000,
      acc: 400000,
      src: 1,
      at: -(2 ** 40),
      dir: -1,
    });
    host.request('JOG', { axis: 1, vel: -2500, acc: 10000, lease: 300 });
    host.request('RENEW', { axis: 1, lease: 300 });
    const get = host.request('GET', { axis: 1 });
    expect(bodies()).toEqual([
      '2 TMOVE 2 140737488355327 20000 400000 1 -1099511627776 -1',
      '3 JOG 1 -2500 10000 300',
      '4 RENEW 1 300',
      '5 GET 1',
    ]);
    host.receive(
      encodeReply(
        5,
        'GET',
        { ok: true, fields: { pos: 2 ** 50, vel: 0, tgt: 2 ** 50, st: 'IDLE', q: 1, run: 2 } },
        2,
      ),
    );
    await expect(get).resolves.toEqual({
      ok: true,
      fields: { pos: 2 ** 50, vel: 0, tgt: 2 ** 50, st: 'IDLE', q: 1, run: 2 },
    });
  });

  it('refuses what the session cannot carry before it takes a seq', async () => {
    await readyV2('TRIG');
    const tmove = { axis: 2, pos: 0, vel: 1, acc: 1, src: 1, at: 0, dir: 1 } as const;
    await expect(host.request('JOG', { axis: 1, vel: 1, acc: 1, lease: 300 })).rejects.toMatchObject({
      code: 'PROTO_NOT_SUPPORTED',
    });
    await expect(host.request('JOG', { axis: 1, vel: 1, acc: 1 })).rejects.toMatchObject({
      code: 'PROTO_NOT_SUPPORTED',
    });
    await expect(host.request('MOVE', { axis: 1, pos: 2 ** 47, vel: 1, acc: 1 })).rejects.toMatchObject({
      code: 'PROTO_INVALID_ARGUMENT',
    });
    await expect(host.request('ACK', { eseq: 1 })).rejects.toMatchObject({ code: 'PROTO_INVALID_ARGUMENT' });
    host.request('TMOVE', tmove);
    expect(bodies()).toEqual(['2 TMOVE 2 0 1 1 1 0 1']);
    // A v1 session: v2 verbs and the lease are not there at all.
    make();
    const started = host.start();
    host.receive(helloV1(1));
    await started;
    written = [];
    await expect(host.request('TMOVE', tmove)).rejects.toMatchObject({
      code: 'PROTO_NOT_SUPPORTED',
      sent: false,
    });
    await expect(host.request('JOG', { axis: 1, vel: 1, acc: 1, lease: 300 })).rejects.toMatchObject({
      code: 'PROTO_NOT_SUPPORTED',
    });
    host.request('JOG', { axis: 1, vel: 1, acc: 1 });
    expect(sent(1)).toMatchObject([
      { kind: 'command', seq: 2, verb: 'JOG', args: { axis: 1, vel: 1, acc: 1 } },
    ]);
  });

  it('a v2 GET reply without run, or with a position beyond 2^53-1, is PROTO_BAD_REPLY', async () => {
    await readyV2();
    const a = host.request('GET', { axis: 1 });
    const b = host.request('GET', { axis: 1 });
    host.receive(encodeLine('2 OK pos=0 vel=0 tgt=0 st=IDLE q=0'));
    host.receive(encodeLine('3 OK pos=9007199254740992 vel=0 tgt=0 st=IDLE q=0 run=0'));
    await expect(a).rejects.toMatchObject({ code: 'PROTO_BAD_REPLY' });
    await expect(b).rejects.toMatchObject({ code: 'PROTO_BAD_REPLY' });
    expect(host.state).toBe('ready');
  });
});
