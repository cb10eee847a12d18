// HostSession against a scripted device: windowing, retransmission, duplicates, heartbeat, loss.
// Comments number the steps where order matters.

import { ManualClock } from '@servo-edge/common/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { CommandDecoder } from '../wire/decoder.js';
import { encodeErrorReply, encodeEvent, encodeLine, encodeReply } from '../wire/encode.js';
import type { DeviceBoundItem } from '../wire/frames.js';
import { HostSession, type HostSessionOptions } from './host-session.js';

let clock: ManualClock;
let written: Buffer[];
let host: HostSession;
const events: string[] = [];
const lost: string[] = [];

function make(opts: Partial<HostSessionOptions> = {}) {
  clock = new ManualClock();
  written = [];
  events.length = 0;
  lost.length = 0;
  host = new HostSession({
    clock,
    write: (b) => written.push(b),
    onEvent: (e) => events.push(e.event),
    onSessionLost: (e) => lost.push(e.code),
    ...opts,
  });
}
/** What the host wrote since the last call, decoded as the device would. */
function sent(): DeviceBoundItem[] {
  const items = new CommandDecoder().decode(Buffer.concat(written));
  written = [];
  return items;
}
const seqs = () => sent().map((i) => ('seq' in i ? i.seq : i.kind));
const hello = (seq: number, win = 4, rx = 256, wd = 1000) =>
  encodeReply(seq, 'HELLO', { ok: true, fields: { proto: 1, fw: '1.2.3', axes: 4, rx, win, qd: 8, wd } });
const ok = (seq: number) => encodeLine(`${seq} OK`);

async function ready(win = 4, rx = 256) {
  const started = host.start();
  host.receive(hello(1, win, rx));
  return started;
}

beforeEach(() => make());

describe('handshake', () => {
  it('sends HELLO and resolves with the device limits', async () => {
    const started = host.start();
    expect(sent()).toEqual([{ kind: 'command', seq: 1, verb: 'HELLO', args: {} }]);
    host.receive(hello(1));
    await expect(started).resolves.toEqual({
      proto: 1,
      fw: '1.2.3',
      axes: 4,
      rx: 256,
      win: 4,
      qd: 8,
      wd: 1000,
    });
    expect(host.state).toBe('ready');
  });

  it('refuses a device that speaks another protocol version', async () => {
    const started = host.start();
    host.receive(encodeLine('1 OK proto=2 fw=9.0.0 axes=4 rx=256 win=4 qd=8 wd=1000'));
    await expect(started).rejects.toMatchObject({ code: 'PROTO_INCOMPATIBLE_DEVICE' });
  });

  it('retransmits HELLO on timeout and gives up with PROTO_REPLY_TIMEOUT', async () => {
    make({ maxRetransmits: 2, replyTimeoutMs: 100 });
    const started = host.start();
    for (let i = 0; i < 3; i++) {
      expect(seqs()).toEqual([1]);
      clock.advanceTo(host.nextDeadlineMs()!);
      host.tick();
    }
    await expect(started).rejects.toMatchObject({ code: 'PROTO_REPLY_TIMEOUT', sent: true });
    expect(lost).toEqual(['PROTO_REPLY_TIMEOUT']);
  });

  it('refuses requests until the session is up', async () => {
    await expect(host.request('PING', {})).rejects.toMatchObject({
      code: 'PROTO_NOT_READY',
      disconnected: true,
    });
  });
});

describe('window and pipelining', () => {
  it('keeps at most win frames out and sends more as replies come back', async () => {
    await ready(2);
    sent();
    const replies = [host.request('PING', {}), host.request('PING', {}), host.request('PING', {})];
    expect(seqs()).toEqual([2, 3]);
    host.receive(ok(2));
    expect(seqs()).toEqual([4]);
    host.receive(Buffer.concat([ok(3), ok(4)]));
    await expect(Promise.all(replies)).resolves.toEqual([
      { ok: true, fields: {} },
      { ok: true, fields: {} },
      { ok: true, fields: {} },
    ]);
  });

  it('keeps unanswered bytes within rx', async () => {
    await ready(8, 36);
    sent();
    host.request('MOVE', { axis: 1, pos: 1000, vel: 100, acc: 100 }); // 27 bytes
    host.request('PING', {}); // 12 bytes: would exceed 36
    expect(seqs()).toEqual([2]);
    host.receive(ok(2));
    expect(seqs()).toEqual([3]);
  });

  it('counts the span from the oldest unanswered frame, so retransmits stay in the device cache', async () => {
    await ready(2);
    sent();
    host.request('PING', {});
    host.request('PING', {});
    host.request('PING', {});
    sent();
    host.receive(ok(3)); // 2 still unanswered: the window does not slide past it
    expect(seqs()).toEqual([]);
    host.receive(ok(2));
    expect(seqs()).toEqual([4]);
  });

  it("tells the caller a frame's seq when it is first sent, before a same-chunk DONE is surfaced", async () => {
    const order: string[] = [];
    make({ onEvent: (e) => order.push(`${e.event} seq=${'seq' in e.fields ? e.fields.seq : '-'}`) });
    const started = host.start();
    host.receive(hello(1, 1));
    await started;
    // 1. The window is one frame, so the second MOVE waits and learns its seq only when it goes out.
    const first = host.request(
      'MOVE',
      { axis: 1, pos: 5, vel: 1, acc: 1 },
      { onSent: (s) => order.push(`sent ${s}`) },
    );
    const second = host.request(
      'MOVE',
      { axis: 1, pos: 6, vel: 1, acc: 1 },
      { onSent: (s) => order.push(`sent ${s}`) },
    );
    expect(order).toEqual(['sent 2']);
    // 2. Reply and DONE in one chunk: the event is surfaced synchronously, the promise later.
    host.receive(Buffer.concat([ok(2), encodeEvent('DONE', { axis: 1, seq: 2, pos: 5 })]));
    expect(order).toEqual(['sent 2', 'sent 3', 'DONE seq=2']);
    host.receive(ok(3));
    await expect(first).resolves.toMatchObject({ ok: true });
    await expect(second).resolves.toMatchObject({ ok: true });
  });

  it('types OK fields by the request verb and passes application errors through', async () => {
    await ready();
    const get = host.request('GET', { axis: 1 });
    const move = host.request('MOVE', { axis: 9, pos: 1, vel: 1, acc: 1 });
    host.receive(encodeReply(2, 'GET', { ok: true, fields: { pos: -5, vel: 0, tgt: 10, st: 'IDLE', q: 0 } }));
    host.receive(encodeErrorReply(3, 'STATE', { st: 'DISABLED' }));
    await expect(get).resolves.toEqual({ ok: true, fields: { pos: -5, vel: 0, tgt: 10, st: 'IDLE', q: 0 } });
    await expect(move).resolves.toEqual({ ok: false, code: 'STATE', fields: { st: 'DISABLED' } });
  });

  it('rejects an OK reply missing its fields with PROTO_BAD_REPLY', async () => {
    await ready();
    const get = host.request('GET', { axis: 1 });
    host.receive(ok(2));
    await expect(get).rejects.toMatchObject({ code: 'PROTO_BAD_REPLY' });
  });

  it('refuses arguments the table does not allow, before they take a seq', async () => {
    await ready();
    sent();
    await expect(host.request('MOVE', { axis: 1, pos: 1, vel: 0, acc: 1 })).rejects.toMatchObject({
      code: 'PROTO_INVALID_ARGUMENT',
    });
    await expect(host.request('MOVE', { axis: 1, pos: 1.5, vel: 1, acc: 1 })).rejects.toMatchObject({
      code: 'PROTO_INVALID_ARGUMENT',
    });
    host.request('PING', {});
    expect(seqs()).toEqual([2]);
  });

  it('bounds the pending queue', async () => {
    make({ maxPendingRequests: 2 });
    await ready(1);
    host.request('PING', {});
    host.request('PING', {});
    host.request('PING', {});
    await expect(host.request('PING', {})).rejects.toMatchObject({ code: 'PROTO_QUEUE_FULL' });
  });
});

describe('retransmission (go-back-N)', () => {
  it('on ERR CRC resends that frame and everything unanswered after it, in order', async () => {
    await ready();
    sent();
    const r = [host.request('PING', {}), host.request('PING', {}), host.request('PING', {})];
    sent();
    host.receive(encodeErrorReply(2, 'CRC')); // 1. frame 2 arrived damaged
    expect(seqs()).toEqual([2, 3, 4]); // 2. go back to 2
    host.receive(encodeErrorReply(3, 'SEQ', { next: 2 })); // 3. stale: replies to the first 3 and 4
    host.receive(encodeErrorReply(4, 'SEQ', { next: 2 }));
    expect(seqs()).toEqual([]); // 4. no storm
    host.receive(Buffer.concat([ok(2), ok(3), ok(4)]));
    await expect(Promise.all(r)).resolves.toHaveLength(3);
    expect(host.stats.retransmits).toBe(3);
  });

  it('on ERR SEQ next=N goes back to N when N was sent before the refused frame', async () => {
    await ready();
    sent();
    host.request('PING', {});
    host.request('PING', {});
    sent();
    host.receive(encodeErrorReply(3, 'SEQ', { next: 2 })); // frame 2 vanished (BADFRAME)
    expect(seqs()).toEqual([2, 3]);
  });

  it('on timeout goes back to the oldest unanswered frame', async () => {
    make({ heartbeat: false });
    await ready();
    sent();
    const a = host.request('PING', {});
    host.request('PING', {});
    sent();
    host.receive(ok(3)); // reply to 2 was lost entirely
    clock.advanceTo(host.nextDeadlineMs()!);
    host.tick();
    expect(seqs()).toEqual([2]);
    host.receive(ok(2)); // the device answers from its cache
    await expect(a).resolves.toEqual({ ok: true, fields: {} });
    expect(host.stats.timeouts).toBe(1);
  });

  it('after a transmission whose reply never came, the next error reply still goes back at once', async () => {
    make({ heartbeat: false });
    await ready();
    sent();
    const a = host.request('PING', {});
    sent();
    // 1. The first transmission of 2 arrives with its seq unreadable: no reply, ever. Timeout: resend.
    clock.advanceTo(host.nextDeadlineMs()!);
    host.tick();
    expect(seqs()).toEqual([2]);
    // 2. The second arrives damaged. Its ERR CRC answers the latest transmission: resend now, not at
    //    the next timeout (counting replies per frame would take it for the lost first reply).
    host.receive(encodeErrorReply(2, 'CRC'));
    expect(seqs()).toEqual([2]);
    host.receive(encodeErrorReply(2, 'CRC'));
    expect(seqs()).toEqual([2]);
    host.receive(ok(2));
    await expect(a).resolves.toEqual({ ok: true, fields: {} });
    expect(host.stats.timeouts).toBe(1);
  });

  it('drops duplicate replies', async () => {
    await ready();
    const a = host.request('PING', {});
    host.receive(ok(2));
    host.receive(ok(2));
    await expect(a).resolves.toEqual({ ok: true, fields: {} });
    expect(host.stats.duplicateReplies).toBe(1);
  });

  it('a damaged reply triggers a resend at once', async () => {
    await ready();
    sent();
    host.request('PING', {});
    sent();
    host.receive(Buffer.from('2 OK*0000\n'));
    expect(seqs()).toEqual([2]);
    expect(host.stats.crcErrors).toBe(1);
  });

  it('gives up after maxRetransmits: unsent requests fail with sent=false, sent ones with sent=true', async () => {
    make({ maxRetransmits: 1, heartbeat: false });
    await ready(1);
    const a = host.request('MOVE', { axis: 1, pos: 1, vel: 1, acc: 1 });
    const b = host.request('PING', {});
    clock.advanceTo(host.nextDeadlineMs()!);
    host.tick();
    clock.advanceTo(host.nextDeadlineMs()!);
    host.tick();
    await expect(a).rejects.toMatchObject({ code: 'PROTO_REPLY_TIMEOUT', sent: true, disconnected: true });
    await expect(b).rejects.toMatchObject({ code: 'PROTO_REPLY_TIMEOUT', sent: false });
    expect(host.state).toBe('lost');
  });
});

describe('session loss', () => {
  it('BOOT from the device fails everything outstanding with PROTO_DEVICE_RESET and surfaces the event', async () => {
    await ready();
    const a = host.request('PING', {});
    host.receive(encodeEvent('BOOT', { fw: '1.2.3', proto: 1, axes: 4 }));
    await expect(a).rejects.toMatchObject({ code: 'PROTO_DEVICE_RESET' });
    expect(events).toEqual(['BOOT']);
    expect(lost).toEqual(['PROTO_DEVICE_RESET']);
  });

  it('ERR HELLO means the device lost the session', async () => {
    await ready();
    const a = host.request('PING', {});
    host.receive(encodeErrorReply(2, 'HELLO'));
    await expect(a).rejects.toMatchObject({ code: 'PROTO_DEVICE_RESET' });
  });

  it('an irreconcilable ERR SEQ is a desync', async () => {
    await ready();
    const a = host.request('PING', {});
    host.receive(encodeErrorReply(2, 'SEQ', { next: 900 }));
    await expect(a).rejects.toMatchObject({ code: 'PROTO_SESSION_DESYNC' });
  });

  it('linkLost fails requests; a new start() begins a new session', async () => {
    await ready();
    const a = host.request('PING', {});
    host.linkLost('unplugged');
    await expect(a).rejects.toMatchObject({ code: 'PROTO_LINK_LOST', sent: true });
    sent();
    const again = host.start();
    expect(seqs()).toEqual([3]);
    host.receive(hello(3));
    await expect(again).resolves.toMatchObject({ proto: 1 });
    expect(host.stats.sessions).toBe(2);
  });

  it('close() is idempotent and final', async () => {
    await ready();
    const a = host.request('PING', {});
    host.close();
    host.close();
    await expect(a).rejects.toMatchObject({ code: 'PROTO_SESSION_CLOSED' });
    await expect(host.start()).rejects.toMatchObject({ code: 'PROTO_SESSION_CLOSED' });
    expect(lost).toEqual(['PROTO_SESSION_CLOSED']);
  });
});

describe('heartbeat and e-stop', () => {
  it('sends PING after wd/4 of silence, and only then', async () => {
    await ready(4, 256);
    sent();
    expect(host.nextDeadlineMs()).toBe(250);
    clock.advanceTo(249);
    host.tick();
    expect(seqs()).toEqual([]);
    clock.advanceTo(250);
    host.tick();
    expect(sent()).toMatchObject([{ seq: 2, verb: 'PING' }]);
    host.receive(ok(2));
    expect(host.nextDeadlineMs()).toBe(500);
  });

  it("follows a WDOG the device accepted: PING after the new wd/4, not HELLO's", async () => {
    await ready(4, 256);
    const set = host.request('WDOG', { ms: 100 });
    sent();
    host.receive(ok(2));
    await expect(set).resolves.toEqual({ ok: true, fields: {} });
    expect(host.nextDeadlineMs()).toBe(25);
    const refused = host.request('WDOG', { ms: 99 });
    sent();
    host.receive(encodeErrorReply(3, 'RANGE'));
    await expect(refused).resolves.toMatchObject({ ok: false, code: 'RANGE' });
    expect(host.nextDeadlineMs()).toBe(25);
  });

  it('writes 0x18 at once, even with the window full and requests waiting', async () => {
    await ready(1);
    host.request('PING', {});
    host.request('PING', {});
    written = [];
    host.estop();
    expect(written).toEqual([Buffer.from([0x18])]);
  });
});
