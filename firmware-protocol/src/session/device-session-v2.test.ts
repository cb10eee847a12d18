// DeviceSession in v2: negotiation, sequenced events (ACK, go-back-N, overflow), the reply cache sized
// by win, the 0x96 stop, triggered moves, jog leases and 64-bit positions. Stepped clock, byte level.

import { ManualClock } from '@servo-edge/common/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  createRecordingDevice,
  type RecordingDevice,
  type RecordingDeviceOptions,
} from '../testing/recording-device.js';
import {
  ESTOP_BYTE,
  EVENT_WINDOW_MAX,
  MAX_LINE_BYTES,
  V2_STOP_BYTE,
  V2_STOP_SEQUENCE,
  wireTimeMs,
} from '../wire/constants.js';
import { DeviceLineDecoder } from '../wire/decoder.js';
import { encodeCommand, encodeLine } from '../wire/encode.js';
import type { HostBoundItem } from '../wire/frames.js';
import type { ArgsOf, Verb } from '../wire/messages.js';
import { EVENT_RETRANSMIT_BASE_MS } from './device-session.js';

let clock: ManualClock;
let dev: RecordingDevice;
const send = (bytes: Buffer) => dev.session.receive(bytes);
const cmd = <V extends Verb>(seq: number, verb: V, args: ArgsOf<V>) => encodeCommand(seq, verb, args, 2);
const lines = () => dev.take().toString('latin1').split('\n').filter(Boolean);

function make(opts: RecordingDeviceOptions = {}) {
  clock = new ManualClock();
  dev = createRecordingDevice(clock, { maxProtocol: 2, features: { trig: true, lease: true }, ...opts });
}
/** The bytes of the HELLO reply v2() took. */
let helloReplyBytes = 0;
/** A v2 session, HELLO at seq 1, output taken. */
function v2(opts: RecordingDeviceOptions = {}) {
  make(opts);
  send(encodeCommand(1, 'HELLO', { max: 2 }, 2));
  helloReplyBytes = dev.take().length;
}

beforeEach(() => make());

describe('§v2 Negotiation', () => {
  it('BOOT keeps proto=1 and adds max=2', () => {
    dev.session.boot();
    expect(lines()).toEqual([encodeLine('! BOOT fw=1.0.0 proto=1 axes=4 max=2').toString().trim()]);
  });

  it('HELLO 2 gets proto=2 with ev, pmax and the features the handler implements', () => {
    send(encodeCommand(1, 'HELLO', { max: 2 }, 2));
    expect(lines()).toEqual([
      encodeLine(
        '1 OK proto=2 fw=1.0.0 axes=4 rx=256 win=8 qd=8 wd=1000 ev=16 pmax=140737488355327 feat=TRIG,LEASE',
      )
        .toString()
        .trim(),
    ]);
    expect(dev.session.protocolVersion).toBe(2);
    make({ features: {}, identity: { eventWindow: 8, positionMax: 2 ** 50 } });
    send(encodeCommand(1, 'HELLO', { max: 7 }, 2));
    expect(lines()[0]).toMatch(/^1 OK proto=2 .* ev=8 pmax=1125899906842624 feat=NONE\*/);
  });

  it('a plain HELLO, and HELLO 1, get exactly the reply of a v1-only device', () => {
    const v1 = createRecordingDevice(new ManualClock());
    v1.session.receive(encodeCommand(1, 'HELLO', {}));
    const v1Reply = v1.take().toString();
    send(encodeCommand(1, 'HELLO', {}));
    expect(dev.take().toString()).toBe(v1Reply);
    send(encodeCommand(1, 'HELLO', { max: 1 }, 2));
    expect(dev.take().toString()).toBe(v1Reply);
    expect(dev.session.protocolVersion).toBe(1);
  });

  it('a v1-only device refuses HELLO 2 as v1 rules 1-3 say: ERR HELLO, ERR ARGS, ERR SEQ', () => {
    make({ maxProtocol: 1 });
    send(encodeCommand(1, 'HELLO', { max: 2 }, 2));
    send(encodeCommand(2, 'HELLO', {}));
    send(encodeCommand(3, 'HELLO', { max: 2 }, 2));
    send(encodeCommand(9, 'HELLO', { max: 2 }, 2));
    expect(dev.takeItems()).toMatchObject([
      { seq: 1, ok: false, code: 'HELLO' },
      { seq: 2, ok: true, fields: { proto: '1' } },
      { seq: 3, ok: false, code: 'ARGS' },
      { seq: 9, ok: false, code: 'SEQ', fields: { next: 4 } },
    ]);
  });

  it('in a v1 session v2 verbs are ERR VERB and a JOG with a lease is ERR ARGS', () => {
    send(encodeCommand(1, 'HELLO', {}));
    dev.take();
    send(encodeLine('2 ACK 1'));
    send(encodeLine('3 TMOVE 2 5000 20000 400000 1 1250000 1'));
    send(encodeLine('4 JOG 1 -2500 10000 300'));
    expect(dev.takeItems()).toMatchObject([{ code: 'VERB' }, { code: 'VERB' }, { code: 'ARGS' }]);
  });

  it('refuses an event window or position bound outside the protocol', () => {
    expect(() => make({ identity: { eventWindow: EVENT_WINDOW_MAX + 1 } })).toThrow(
      expect.objectContaining({ code: 'PROTO_INVALID_ARGUMENT' }),
    );
    expect(() => make({ identity: { positionMax: 2 ** 40 } })).toThrow(
      expect.objectContaining({ code: 'PROTO_INVALID_ARGUMENT' }),
    );
  });
});

describe('§v2 Events', () => {
  const done = (seq: number) => dev.session.emit('DONE', { axis: 1, seq, pos: seq * 10 });

  it('numbers sequenced events from 1; POS, BADFRAME and BOOT stay unsequenced', () => {
    v2();
    done(4);
    dev.session.emit('POS', { t: 5, p: [1], v: [0] });
    done(5);
    send(Buffer.from('garbage\n'));
    expect(dev.takeItems(2)).toEqual([
      { kind: 'event', eseq: 1, event: 'DONE', fields: { axis: 1, seq: 4, pos: 40 } },
      { kind: 'event', event: 'POS', fields: { t: 5, p: [1], v: [0] } },
      { kind: 'event', eseq: 2, event: 'DONE', fields: { axis: 1, seq: 5, pos: 50 } },
      { kind: 'event', event: 'BADFRAME', fields: {} },
    ]);
    expect(dev.session.unacknowledgedEvents).toBe(2);
  });

  it('resends every unacknowledged event, byte for byte, evto after it last left the device, until acknowledged', () => {
    make();
    send(encodeCommand(1, 'HELLO', { max: 2 }, 2));
    const helloReply = dev.take();
    done(4);
    done(5);
    const first = dev.take();
    // 1. The events leave behind the HELLO reply (all written at 0); the oldest is out after the reply
    //    and itself, and evto = 100 ms + the wire time of the two buffered lines runs from there.
    const firstEvent = first.subarray(0, first.indexOf(0x0a) + 1);
    const leftAtMs = wireTimeMs(helloReply.length + firstEvent.length);
    const evtoMs = leftAtMs + EVENT_RETRANSMIT_BASE_MS + wireTimeMs(first.length);
    expect(dev.session.nextDeadlineMs()).toBeCloseTo(evtoMs, 9);
    clock.advanceTo(evtoMs - 1);
    dev.session.tick();
    expect(dev.take()).toHaveLength(0);
    clock.advanceTo(evtoMs);
    dev.session.tick();
    expect(dev.take().equals(first)).toBe(true);
    // 2. ACK 1 frees the first; the second keeps being resent.
    send(cmd(2, 'ACK', { eseq: 1 }));
    expect(dev.takeItems(2)).toMatchObject([{ seq: 2, ok: true }]);
    clock.advanceTo(dev.session.nextDeadlineMs()!);
    dev.session.tick();
    expect(dev.takeItems(2)).toMatchObject([{ eseq: 2, event: 'DONE' }]);
    // 3. ACK 2: nothing left to resend; the watchdog is the only deadline.
    send(cmd(3, 'ACK', { eseq: 2 }));
    dev.take();
    expect(dev.session.nextDeadlineMs()).toBe(clock.monotonicMs() + 1000);
    expect(dev.session.stats.eventRetransmits).toBe(3);
  });

  it('evto waits for a backlog of replies to drain: an event is not resent before it has left', () => {
    v2();
    // 1. Fifty PINGs at once: their replies (about 40 ms of wire, after HELLO's) are queued before the event.
    for (let seq = 2; seq < 52; seq++) send(cmd(seq, 'PING', {}));
    const backlogMs = wireTimeMs(helloReplyBytes + dev.take().length);
    done(4);
    const event = dev.take();
    expect(dev.session.nextDeadlineMs()).toBeCloseTo(
      backlogMs + wireTimeMs(event.length) + EVENT_RETRANSMIT_BASE_MS + wireTimeMs(event.length),
      6,
    );
  });

  it('ACK with RESEND resends the oldest unacknowledged event at once, once it has left the device', () => {
    v2();
    done(4);
    done(5);
    done(6);
    const sentAll = dev.take();
    const second = sentAll.subarray(
      sentAll.indexOf(0x0a) + 1,
      sentAll.indexOf(0x0a, sentAll.indexOf(0x0a) + 1) + 1,
    );
    // 1. Asked too early (its first copy is still leaving): nothing resent, the ACK is answered.
    send(cmd(2, 'ACK', { eseq: 1, resend: 'RESEND' }));
    expect(dev.takeItems(2)).toMatchObject([{ kind: 'reply', seq: 2, ok: true }]);
    // 2. Later: eseq 2 goes out again, before the ACK's reply.
    clock.advanceTo(20);
    send(cmd(3, 'ACK', { eseq: 1, resend: 'RESEND' }));
    const out = dev.take();
    expect(out.subarray(0, second.length).equals(second)).toBe(true);
    expect(new DeviceLineDecoder().decode(out.subarray(second.length))).toMatchObject([{ seq: 3, ok: true }]);
    expect(dev.session.stats.fastRetransmits).toBe(1);
    expect(dev.session.unacknowledgedEvents).toBe(2);
  });

  it('ACK 0 RESEND asks for a lost first event; ACK 0 after an acknowledgement is ERR RANGE', () => {
    v2();
    done(4);
    const first = dev.take();
    clock.advanceTo(20);
    send(cmd(2, 'ACK', { eseq: 0, resend: 'RESEND' }));
    expect(dev.take().subarray(0, first.length).equals(first)).toBe(true);
    send(cmd(3, 'ACK', { eseq: 1 }));
    send(cmd(4, 'ACK', { eseq: 0 }));
    expect(dev.takeItems(2)).toMatchObject([
      { seq: 3, ok: true },
      { seq: 4, code: 'RANGE' },
    ]);
  });

  it('ACK: a repeat is OK, an eseq not sent or older than ev before the last acknowledged is ERR RANGE', () => {
    v2({ identity: { eventWindow: 4 } });
    for (let i = 0; i < 4; i++) done(10 + i);
    dev.take();
    send(cmd(2, 'ACK', { eseq: 5 })); // never sent
    send(cmd(3, 'ACK', { eseq: 3 }));
    send(cmd(4, 'ACK', { eseq: 3 })); // repeat
    send(cmd(5, 'ACK', { eseq: 1 })); // within ev of the acknowledged point: a repeat too
    send(cmd(6, 'ACK', { eseq: 65000 })); // far behind
    expect(dev.takeItems(2).map((i) => ('code' in i ? i.code : 'ok'))).toEqual([
      'RANGE',
      'ok',
      'ok',
      'ok',
      'RANGE',
    ]);
    expect(dev.session.unacknowledgedEvents).toBe(1);
  });

  it('a full buffer never blocks: events are counted, then OVERFLOW lost=n goes first when a slot frees', () => {
    v2({ identity: { eventWindow: 4 } });
    for (let i = 0; i < 7; i++) done(10 + i);
    expect(dev.takeItems(2).map((i) => (i.kind === 'event' ? i.eseq : i.kind))).toEqual([1, 2, 3, 4]);
    expect(dev.session.stats.eventsLost).toBe(3);
    send(cmd(2, 'ACK', { eseq: 2 }));
    done(20);
    expect(dev.takeItems(2)).toMatchObject([
      { kind: 'event', eseq: 5, event: 'OVERFLOW', fields: { lost: 3 } },
      { kind: 'reply', seq: 2, ok: true },
      { kind: 'event', eseq: 6, event: 'DONE', fields: { seq: 20 } },
    ]);
  });

  it('a new HELLO starts again at eseq 1 with an empty buffer', () => {
    v2();
    done(4);
    dev.take();
    send(cmd(5, 'HELLO', { max: 2 }));
    done(6);
    expect(dev.takeItems(2)).toMatchObject([
      { kind: 'reply', seq: 5 },
      { eseq: 1, fields: { seq: 6 } },
    ]);
    expect(dev.session.unacknowledgedEvents).toBe(1);
  });

  it('ESTOP, FAULT (watchdog) and LEASE are sequenced; v2-only events are dropped in a v1 session', () => {
    v2();
    clock.advanceTo(1000);
    dev.session.tick();
    expect(dev.takeItems(2)).toEqual([
      { kind: 'event', eseq: 1, event: 'FAULT', fields: { axis: 0, code: 'WATCHDOG' } },
    ]);
    send(encodeCommand(2, 'HELLO', {}));
    dev.take();
    dev.session.emit('STARTED', { axis: 1, seq: 3, t: 9 });
    dev.session.emit('ABORTED', { axis: 1, seq: 3, pos: 0, why: 'STOP' });
    expect(lines()).toEqual([encodeLine('! ABORTED axis=1 seq=3 pos=0').toString().trim()]);
  });
});

describe('§v2 Sizing: the reply cache holds win replies', () => {
  it('a retransmission win seqs back is answered from the cache, one further back is ERR SEQ', () => {
    v2({ identity: { windowFrames: 4 } });
    for (let seq = 2; seq <= 9; seq++) send(cmd(seq, 'PING', {}));
    dev.take();
    send(cmd(6, 'PING', {})); // 4 before next=10
    send(cmd(5, 'PING', {}));
    expect(dev.takeItems(2)).toMatchObject([
      { seq: 6, ok: true },
      { seq: 5, code: 'SEQ', fields: { next: 10 } },
    ]);
    expect(dev.executed).toHaveLength(8);
  });
});

describe('§v2 Stop', () => {
  it('0x96 x8 stops once and emits a sequenced ESTOP; 0x18 is just a bad byte in v2', () => {
    v2();
    send(Buffer.concat([cmd(2, 'PING', {}), Buffer.from(V2_STOP_SEQUENCE), cmd(3, 'PING', {})]));
    expect(dev.estops).toEqual(['host']);
    expect(dev.takeItems(2)).toMatchObject([
      { seq: 2, ok: true },
      { kind: 'event', eseq: 1, event: 'ESTOP', fields: { src: 'host' } },
      { seq: 3, ok: true },
    ]);
    const move = cmd(4, 'MOVE', { axis: 1, pos: 38, vel: 8, acc: 8 });
    send(Buffer.concat([move.subarray(0, 9), Buffer.from([ESTOP_BYTE]), move.subarray(9)]));
    expect(dev.estops).toEqual(['host']);
    expect(dev.takeItems(2)).toMatchObject([{ seq: 4, code: 'SYNTAX' }]);
  });

  const copies = V2_STOP_SEQUENCE.map((_, i) => i);
  it.each(copies.flatMap((copy) => [0, 1, 2, 3, 4, 5, 6, 7].map((bit) => [copy, bit] as const)))(
    'with copy %i damaged in bit %i the device still stops exactly once',
    (copy, bit) => {
      v2();
      const sequence = Buffer.from(V2_STOP_SEQUENCE);
      sequence[copy]! ^= 1 << bit;
      send(Buffer.concat([cmd(2, 'PING', {}), sequence, cmd(3, 'PING', {})]));
      expect(dev.estops).toEqual(['host']);
      expect(dev.session.stats.lineStops).toBe(1);
      expect(dev.executed.map((e) => e.seq)).toEqual([2, 3]);
    },
  );

  it.each(copies)('with copy %i dropped the device still stops exactly once', (copy) => {
    v2();
    const sequence = Buffer.from(V2_STOP_SEQUENCE.filter((_, i) => i !== copy));
    send(Buffer.concat([cmd(2, 'PING', {}), sequence, cmd(3, 'PING', {})]));
    expect(dev.estops).toEqual(['host']);
    expect(dev.session.stats.lineStops).toBe(1);
    expect(dev.executed.map((e) => e.seq)).toEqual([2, 3]);
  });

  it('any one copy replaced by any byte (8 x 256): one stop, one ESTOP, at most the next line refused', () => {
    for (const copy of copies) {
      for (let byte = 0; byte < 256; byte++) {
        v2();
        const sequence = Buffer.from(V2_STOP_SEQUENCE);
        sequence[copy] = byte;
        // 1. A line, the damaged stop, a line, and that line again (a retransmission, as after a refusal).
        send(Buffer.concat([cmd(2, 'PING', {}), sequence, cmd(3, 'PING', {}), cmd(3, 'PING', {})]));
        expect(dev.estops).toEqual(['host']);
        expect(dev.session.stats.lineStops).toBe(1);
        expect(dev.takeItems(2).filter((i) => i.kind === 'event' && i.event === 'ESTOP')).toHaveLength(1);
        // 2. Both lines executed once: a copy split off the burst costs at most one retransmission.
        expect(dev.executed.map((e) => e.seq)).toEqual([2, 3]);
      }
    }
  });

  it('a second stop after a valid frame is a stop again', () => {
    v2();
    send(Buffer.concat([Buffer.from(V2_STOP_SEQUENCE), Buffer.from([0x41]), Buffer.from(V2_STOP_SEQUENCE)]));
    expect(dev.estops).toEqual(['host']);
    send(Buffer.concat([cmd(2, 'PING', {}), Buffer.from(V2_STOP_SEQUENCE)]));
    expect(dev.estops).toEqual(['host', 'host']);
    expect(dev.session.stats.lineStops).toBe(2);
  });

  it('mid-line, the stop discards the partial line; its tail is a line of its own, refused', () => {
    v2();
    const move = cmd(2, 'MOVE', { axis: 1, pos: 38, vel: 8, acc: 8 });
    send(Buffer.concat([move.subarray(0, 9), Buffer.from(V2_STOP_SEQUENCE), move.subarray(9)]));
    expect(dev.estops).toEqual(['host']);
    expect(dev.executed).toEqual([]);
    // The tail ("38 8 8*...") is refused like any damaged line (§Device rule 1): an error reply.
    expect(dev.takeItems(2)).toMatchObject([
      { kind: 'event', event: 'ESTOP', fields: { src: 'host' } },
      { kind: 'reply', ok: false },
    ]);
  });

  it('a lone 0x96, two apart, or two in a row never stop: the line they land in is refused', () => {
    v2();
    const ping = cmd(2, 'PING', {});
    const outcome = (i: HostBoundItem) => (i.kind === 'event' ? i.event : 'code' in i ? i.code : 'ok');
    send(Buffer.concat([Buffer.from([V2_STOP_BYTE]), ping])); // 1. before a line: no seq to read
    send(Buffer.concat([ping.subarray(0, 3), Buffer.from([V2_STOP_BYTE]), ping.subarray(3)])); // 2. inside
    send(Buffer.concat([Buffer.from([V2_STOP_BYTE, 0x41, V2_STOP_BYTE]), ping])); // 3. two apart
    send(Buffer.concat([ping.subarray(0, 3), Buffer.from([V2_STOP_BYTE, V2_STOP_BYTE]), ping.subarray(3)])); // 4.
    send(ping);
    send(cmd(3, 'PING', {}));
    expect(dev.estops).toEqual([]);
    expect(dev.session.stats.lineStops).toBe(0);
    expect(dev.takeItems(2).map(outcome)).toEqual(['BADFRAME', 'SYNTAX', 'BADFRAME', 'SYNTAX', 'ok', 'ok']);
    expect(dev.executed.map((e) => e.seq)).toEqual([2, 3]);
  });

  it('the stop of the session a HELLO starts applies from the next byte of the same chunk', () => {
    make();
    send(Buffer.concat([encodeCommand(1, 'HELLO', { max: 2 }, 2), Buffer.from(V2_STOP_SEQUENCE)]));
    expect(dev.estops).toEqual(['host']);
    make();
    send(Buffer.concat([encodeCommand(1, 'HELLO', {}), Buffer.from([ESTOP_BYTE])]));
    expect(dev.estops).toEqual(['host']);
    make();
    send(Buffer.concat([encodeCommand(1, 'HELLO', {}), Buffer.from(V2_STOP_SEQUENCE), cmd(2, 'PING', {})]));
    expect(dev.estops).toEqual([]);
  });
});

describe('§v2 Triggered moves', () => {
  it('checks the axes and pmax, then hands TMOVE to the handler', () => {
    v2();
    const tmove = { axis: 2, pos: 5000, vel: 20000, acc: 400000, src: 1, at: 1_250_000, dir: 1 } as const;
    send(cmd(2, 'TMOVE', tmove));
    send(cmd(3, 'TMOVE', { ...tmove, src: 2 }));
    send(cmd(4, 'TMOVE', { ...tmove, src: 5 }));
    send(cmd(5, 'TMOVE', { ...tmove, at: 2 ** 47 }));
    expect(dev.takeItems(2).map((i) => ('code' in i ? i.code : 'ok'))).toEqual([
      'ok',
      'ARGS',
      'AXIS',
      'RANGE',
    ]);
    expect(dev.v2Calls).toEqual([{ hook: 'tmove', seq: 2, args: tmove }]);
  });

  it('checks a TSTEP as a TMOVE (dist bounded by pmax) and hands it to the handler', () => {
    v2({ features: { trig: true, tstep: true, lease: true } });
    const tstep = { axis: 2, dist: -500, vel: 20000, acc: 400000, src: 1, at: 1_250_000, dir: 1 } as const;
    send(cmd(2, 'TSTEP', tstep));
    send(cmd(3, 'TSTEP', { ...tstep, src: 2 }));
    send(cmd(4, 'TSTEP', { ...tstep, axis: 9 }));
    send(cmd(5, 'TSTEP', { ...tstep, dist: -(2 ** 47) }));
    send(cmd(6, 'TSTEP', { ...tstep, at: 2 ** 47 }));
    expect(dev.takeItems(2).map((i) => ('code' in i ? i.code : 'ok'))).toEqual([
      'ok',
      'ARGS',
      'AXIS',
      'RANGE',
      'RANGE',
    ]);
    expect(dev.v2Calls).toEqual([{ hook: 'tstep', seq: 2, args: tstep }]);
  });

  it('advertises TSTEP only with its hook; without it a TSTEP is ERR VERB', () => {
    make({ features: { trig: true, tstep: true, lease: true } });
    send(encodeCommand(1, 'HELLO', { max: 2 }, 2));
    expect(lines()[0]).toContain('feat=TRIG,TSTEP,LEASE*');
    v2();
    send(cmd(2, 'TSTEP', { axis: 2, dist: 10, vel: 1, acc: 1, src: 1, at: 0, dir: 1 }));
    expect(dev.takeItems(2)).toMatchObject([{ code: 'VERB' }]);
    expect(dev.v2Calls).toEqual([]);
  });

  it('is ERR VERB on a device without TRIG', () => {
    v2({ features: { lease: true } });
    send(cmd(2, 'TMOVE', { axis: 2, pos: 0, vel: 1, acc: 1, src: 1, at: 0, dir: -1 }));
    expect(dev.takeItems(2)).toMatchObject([{ code: 'VERB' }]);
  });
});

describe('§v2 Jog lease', () => {
  it('stops the jog when the lease runs out, exactly at its end, and reports LEASE', () => {
    v2();
    send(cmd(2, 'JOG', { axis: 1, vel: -2500, acc: 10000, lease: 300 }));
    dev.take();
    clock.advanceTo(200);
    send(cmd(3, 'RENEW', { axis: 1, lease: 300 })); // now runs out at 500
    dev.take();
    expect(dev.session.nextDeadlineMs()).toBe(500);
    clock.advanceTo(499);
    dev.session.tick();
    expect(dev.v2Calls.map((c) => c.hook)).toEqual(['jog', 'renew']);
    clock.advanceTo(500);
    dev.session.tick();
    expect(dev.v2Calls.map((c) => c.hook)).toEqual(['jog', 'renew', 'expired']);
    expect(dev.takeItems(2)).toEqual([
      { kind: 'event', eseq: 1, event: 'LEASE', fields: { axis: 1, pos: -1210 } },
    ]);
    send(cmd(4, 'RENEW', { axis: 1, lease: 300 }));
    expect(dev.takeItems(2)).toMatchObject([{ code: 'STATE' }]);
  });

  it('STOP ends the lease without LEASE; bounds and the v1 form are refused', () => {
    v2();
    send(cmd(2, 'JOG', { axis: 1, vel: 100, acc: 100, lease: 300 }));
    send(cmd(3, 'STOP', { axis: 1 }));
    send(cmd(4, 'JOG', { axis: 1, vel: 100, acc: 100, lease: 49 }));
    send(cmd(5, 'RENEW', { axis: 1, lease: 5001 }));
    send(encodeLine('6 JOG 1 100 100'));
    expect(dev.takeItems(2).map((i) => ('code' in i ? i.code : 'ok'))).toEqual([
      'ok',
      'ok',
      'RANGE',
      'RANGE',
      'ARGS',
    ]);
    clock.advanceTo(400);
    dev.session.tick();
    expect(dev.take()).toHaveLength(0);
    expect(dev.v2Calls.map((c) => c.hook)).toEqual(['jog']);
  });

  it('a device without LEASE answers every JOG with ERR VERB', () => {
    v2({ features: { trig: true } });
    send(cmd(2, 'JOG', { axis: 1, vel: 100, acc: 100, lease: 300 }));
    expect(dev.takeItems(2)).toMatchObject([{ code: 'VERB' }]);
    expect(dev.executed).toHaveLength(0);
  });
});

describe('§v2 Positions and Fields', () => {
  it('accepts positions up to pmax, refuses beyond with ERR RANGE; VMAX stays 32-bit', () => {
    v2();
    send(cmd(2, 'MOVE', { axis: 3, pos: 2 ** 47 - 1, vel: 100000, acc: 50000 }));
    send(cmd(3, 'MOVE', { axis: 3, pos: -(2 ** 47), vel: 100000, acc: 50000 }));
    send(encodeLine('4 MOVE 3 9223372036854775807 100000 50000'));
    send(cmd(5, 'SET', { axis: 1, key: 'MAX', value: 2 ** 40 }));
    send(cmd(6, 'SET', { axis: 1, key: 'VMAX', value: 2 ** 31 }));
    expect(dev.takeItems(2).map((i) => ('code' in i ? i.code : 'ok'))).toEqual([
      'ok',
      'RANGE',
      'RANGE',
      'ok',
      'RANGE',
    ]);
    expect(dev.executed.map((e) => e.command.args)).toEqual([
      { axis: 3, pos: 2 ** 47 - 1, vel: 100000, acc: 50000 },
      { axis: 1, key: 'MAX', value: 2 ** 40 },
    ]);
  });

  it('GET carries run in v2 only', () => {
    v2();
    send(cmd(2, 'GET', { axis: 1 }));
    expect(lines()[0]).toMatch(/^2 OK pos=1 vel=0 tgt=0 st=IDLE q=0 run=0\*/);
    send(encodeCommand(3, 'HELLO', {}));
    send(encodeCommand(4, 'GET', { axis: 1 }));
    expect(lines()[1]).toMatch(/^4 OK pos=2 vel=0 tgt=0 st=IDLE q=0\*/);
  });

  it('splits a POS sample too long for one line, each part from its first axis', () => {
    v2();
    // Six axes of 15-digit positions: about 170 bytes as one line.
    const p = [2 ** 47 - 1, -(2 ** 47 - 1), 2 ** 46, -5, 2 ** 47 - 2, -(2 ** 45)];
    const v = [-2_000_000_000, 2_000_000_000, -1_999_999_999, 7, 0, 1];
    dev.session.emit('POS', { t: 2 ** 40, p, v });
    const out = dev.take();
    for (const line of out.toString('latin1').split('\n').filter(Boolean)) {
      expect(line.length + 1).toBeLessThanOrEqual(MAX_LINE_BYTES);
    }
    const decoder = new DeviceLineDecoder();
    decoder.version = 2;
    const parts = decoder.decode(out);
    expect(parts.length).toBeGreaterThan(1);
    const merged = { p: [] as number[], v: [] as number[] };
    let nextAxis = 1;
    for (const part of parts) {
      if (part.kind !== 'event' || part.event !== 'POS') return expect.unreachable(JSON.stringify(part));
      expect(part.fields.t).toBe(2 ** 40);
      expect(part.fields.a ?? 1).toBe(nextAxis);
      nextAxis += part.fields.p.length;
      merged.p.push(...part.fields.p);
      merged.v.push(...part.fields.v);
    }
    expect(merged).toEqual({ p, v });
  });
});
