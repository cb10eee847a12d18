// DeviceSession: §Device rules 1-6, driven byte by byte with a stepped clock.

import { ManualClock } from '@servo-edge/common/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { createRecordingDevice, type RecordingDevice } from '../testing/recording-device.js';
import { ESTOP_BYTE } from '../wire/constants.js';
import { encodeCommand, encodeLine } from '../wire/encode.js';

let clock: ManualClock;
let dev: RecordingDevice;
const send = (bytes: Buffer) => dev.session.receive(bytes);
const ping = (seq: number) => encodeCommand(seq, 'PING', {});

beforeEach(() => {
  clock = new ManualClock();
  dev = createRecordingDevice(clock);
});

describe('rule 3: HELLO', () => {
  it('announces BOOT, refuses everything but HELLO before a session, then starts one at any seq', () => {
    dev.session.boot();
    expect(dev.takeItems()).toEqual([
      { kind: 'event', event: 'BOOT', fields: { fw: '1.0.0', proto: 1, axes: 4 } },
    ]);
    send(ping(1));
    expect(dev.takeItems()).toEqual([{ kind: 'reply', seq: 1, ok: false, code: 'HELLO', fields: {} }]);
    send(encodeCommand(500, 'HELLO', {}));
    expect(dev.takeItems()).toEqual([
      {
        kind: 'reply',
        seq: 500,
        ok: true,
        fields: { proto: '1', fw: '1.0.0', axes: '4', rx: '256', win: '8', qd: '8', wd: '1000' },
      },
    ]);
    send(ping(501));
    expect(dev.takeItems()).toMatchObject([{ kind: 'reply', seq: 501, ok: true }]);
    expect(dev.executed.map((e) => e.seq)).toEqual([501]);
  });

  it('a reboot forgets the session', () => {
    send(encodeCommand(1, 'HELLO', {}));
    dev.session.boot();
    dev.take();
    send(ping(2));
    expect(dev.takeItems()).toMatchObject([{ code: 'HELLO' }]);
  });
});

describe('rule 2: exactly once, in order', () => {
  beforeEach(() => {
    send(encodeCommand(10, 'HELLO', {}));
    dev.take();
  });

  it('executes seq == next, answers a retransmission byte for byte without executing again', () => {
    send(encodeCommand(11, 'GET', { axis: 1 }));
    const first = dev.take();
    send(encodeCommand(11, 'GET', { axis: 1 }));
    expect(dev.take().equals(first)).toBe(true);
    expect(dev.executed).toHaveLength(1);
  });

  it('refuses a gap or a stale seq with ERR SEQ next=', () => {
    send(ping(13));
    expect(dev.takeItems()).toEqual([
      { kind: 'reply', seq: 13, ok: false, code: 'SEQ', fields: { next: 11 } },
    ]);
    send(ping(10)); // HELLO's own seq is not in the cache
    expect(dev.takeItems()).toMatchObject([{ code: 'SEQ', fields: { next: 11 } }]);
    expect(dev.executed).toHaveLength(0);
  });

  it('keeps replies for exactly the last 32 seqs', () => {
    for (let seq = 11; seq <= 50; seq++) send(ping(seq));
    dev.take();
    send(ping(50 - 31)); // 32 before next=51
    expect(dev.takeItems()).toMatchObject([{ seq: 19, ok: true }]);
    send(ping(50 - 32));
    expect(dev.takeItems()).toMatchObject([{ seq: 18, ok: false, code: 'SEQ', fields: { next: 51 } }]);
    expect(dev.executed).toHaveLength(40);
  });

  it('wraps from 65535 to 1 and still recognises retransmissions across the wrap', () => {
    send(encodeCommand(65534, 'HELLO', {}));
    send(ping(65535));
    send(ping(1));
    dev.take();
    send(ping(65535));
    expect(dev.takeItems()).toMatchObject([{ seq: 65535, ok: true }]);
    send(ping(2));
    expect(dev.takeItems()).toMatchObject([{ seq: 2, ok: true }]);
    expect(dev.executed.map((e) => e.seq)).toEqual([65535, 1, 2]);
  });

  it('VERB and ARGS errors consume their seq and are cached like any reply', () => {
    send(encodeLine('11 JUMP'));
    send(encodeLine('12 MOVE 1'));
    send(encodeLine('12 MOVE 1'));
    expect(dev.takeItems()).toMatchObject([
      { seq: 11, code: 'VERB' },
      { seq: 12, code: 'ARGS' },
      { seq: 12, code: 'ARGS' },
    ]);
    send(ping(13));
    expect(dev.takeItems()).toMatchObject([{ seq: 13, ok: true }]);
  });
});

describe('rule 1: bad lines', () => {
  beforeEach(() => {
    send(encodeCommand(1, 'HELLO', {}));
    dev.take();
  });

  it('answers CRC, SYNTAX and TOO_LONG by seq, BADFRAME without one; never executes', () => {
    const good = ping(2);
    const damaged = Buffer.from(good);
    damaged[2] = 0x51; // 'P' -> 'Q'
    send(damaged);
    send(Buffer.from('2 PING*zzzz\n'));
    send(Buffer.from(`2 ${'X'.repeat(200)}\n`));
    send(Buffer.from('garbage\n'));
    expect(dev.takeItems()).toEqual([
      { kind: 'reply', seq: 2, ok: false, code: 'CRC', fields: {} },
      { kind: 'reply', seq: 2, ok: false, code: 'SYNTAX', fields: {} },
      { kind: 'reply', seq: 2, ok: false, code: 'TOO_LONG', fields: {} },
      { kind: 'event', event: 'BADFRAME', fields: {} },
    ]);
    expect(dev.executed).toHaveLength(0);
    send(good);
    expect(dev.takeItems()).toMatchObject([{ seq: 2, ok: true }]);
  });
});

describe('rule 5: the 0x18 byte', () => {
  it('stops, emits ESTOP src=host, and drops the partial line it interrupted', () => {
    send(encodeCommand(1, 'HELLO', {}));
    dev.take();
    const move = encodeCommand(2, 'MOVE', { axis: 1, pos: 100, vel: 10, acc: 10 });
    send(Buffer.concat([move.subarray(0, 8), Buffer.from([ESTOP_BYTE]), move.subarray(8)]));
    expect(dev.estops).toEqual(['host']);
    expect(dev.takeItems()).toEqual([
      { kind: 'event', event: 'ESTOP', fields: { src: 'host' } },
      { kind: 'event', event: 'BADFRAME', fields: {} },
    ]);
    expect(dev.executed).toHaveLength(0);
  });

  it('the hardware input does the same with src=input', () => {
    dev.session.estop('input');
    expect(dev.estops).toEqual(['input']);
    expect(dev.takeItems()).toEqual([{ kind: 'event', event: 'ESTOP', fields: { src: 'input' } }]);
  });
});

describe('rule 6: watchdog', () => {
  it('trips once after wd ms without a valid frame, and re-arms on the next valid frame', () => {
    expect(dev.session.nextDeadlineMs()).toBeUndefined(); // not armed before HELLO
    send(encodeCommand(1, 'HELLO', {}));
    dev.take();
    clock.advanceTo(999);
    dev.session.tick();
    send(Buffer.from('noise\n')); // not a valid frame: does not feed the watchdog
    clock.advanceTo(1000);
    dev.session.tick();
    dev.session.tick();
    expect(dev.watchdogTrips).toBe(1);
    expect(dev.takeItems()).toEqual([
      { kind: 'event', event: 'BADFRAME', fields: {} },
      { kind: 'event', event: 'FAULT', fields: { axis: 0, code: 'WATCHDOG' } },
    ]);
    expect(dev.session.nextDeadlineMs()).toBeUndefined();
    send(ping(2));
    expect(dev.session.nextDeadlineMs()).toBe(2000);
  });

  it('WDOG sets the period within 100..60000 and refuses others with RANGE', () => {
    send(encodeCommand(1, 'HELLO', {}));
    send(encodeCommand(2, 'WDOG', { ms: 99 }));
    send(encodeCommand(3, 'WDOG', { ms: 60001 }));
    send(encodeCommand(4, 'WDOG', { ms: 250 }));
    expect(dev.takeItems().slice(1)).toMatchObject([{ code: 'RANGE' }, { code: 'RANGE' }, { ok: true }]);
    expect(dev.session.currentWatchdogMs).toBe(250);
    expect(dev.session.nextDeadlineMs()).toBe(250);
    send(encodeCommand(5, 'HELLO', {}));
    expect(dev.session.currentWatchdogMs).toBe(1000);
  });
});
