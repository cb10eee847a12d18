// The reboot probe's verdicts: ERR HELLO or BOOT = rebooted; any other answer to its seq = session kept.

import { encodeErrorReply, encodeEvent, encodeLine } from '@servo-edge/firmware-protocol';
import { describe, expect, it } from 'vitest';
import { createBackoff } from '../../link/backoff.js';
import { PROBE_SEQ, RebootProbe } from './reboot-probe.js';

describe('RebootProbe', () => {
  const cases: [string, Buffer, string | undefined][] = [
    ['ERR HELLO', encodeErrorReply(PROBE_SEQ, 'HELLO'), 'rebooted'],
    ['BOOT', encodeEvent('BOOT', { fw: '1.0.0', proto: 1, axes: 4 }), 'rebooted'],
    ['OK', encodeLine(`${PROBE_SEQ} OK`), 'session-kept'],
    ['ERR SEQ', encodeErrorReply(PROBE_SEQ, 'SEQ', { next: 40 }), 'session-kept'],
    ['ERR CRC (our PING was damaged)', encodeErrorReply(PROBE_SEQ, 'CRC'), undefined],
    ['a reply to another seq', encodeErrorReply(PROBE_SEQ + 1, 'HELLO'), undefined],
    ['garbage', Buffer.from('#$%^\n'), undefined],
  ];
  it.each(cases)('%s -> %s', (_name, bytes, verdict) => {
    const probe = new RebootProbe();
    expect(probe.receive(bytes, () => {})).toBe(verdict);
  });

  it('writes a valid PING and passes events through, split anywhere', () => {
    const probe = new RebootProbe();
    expect(probe.frame().toString('latin1')).toMatch(/^1 PING\*[0-9A-F]{4}\n$/);
    const events: string[] = [];
    const bytes = Buffer.concat([
      encodeEvent('DONE', { axis: 1, seq: 9, pos: 5 }),
      encodeLine(`${PROBE_SEQ} OK`),
    ]);
    let verdict: string | undefined;
    for (const byte of bytes)
      verdict = probe.receive(Buffer.from([byte]), (e) => events.push(e.event)) ?? verdict;
    expect(events).toEqual(['DONE']);
    expect(verdict).toBe('session-kept');
  });
});

describe('backoff', () => {
  it('grows by the multiplier up to the cap and restarts after reset()', () => {
    const backoff = createBackoff({ initialDelayMs: 50, maxDelayMs: 300, multiplier: 3 });
    expect([1, 2, 3, 4].map(() => backoff.nextDelayMs())).toEqual([50, 150, 300, 300]);
    backoff.reset();
    expect(backoff.nextDelayMs()).toBe(50);
  });
});
