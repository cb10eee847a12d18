// The simulated wire: bytes cross no faster than baud/10 per second (§Physical layer), in order,
// after any extra latency; unpaced it delivers on the next clock step.

import { ManualClock } from '@servo-edge/common/testing';
import { describe, expect, it } from 'vitest';
import { PacedPipe } from './paced-pipe.js';

function pipe(options: { baud?: number; pacing?: boolean; latencyMs?: number } = {}) {
  const clock = new ManualClock();
  const got: { atMs: number; bytes: Buffer }[] = [];
  let latency = options.latencyMs ?? 0;
  const p = new PacedPipe({
    clock,
    baud: options.baud ?? 115_200,
    pacing: options.pacing ?? true,
    extraLatencyMs: () => latency,
    deliver: (bytes) => got.push({ atMs: clock.monotonicMs(), bytes }),
  });
  return { clock, got, p, setLatency: (ms: number) => (latency = ms) };
}

describe('PacedPipe', () => {
  it('1152 bytes at 115200 baud take 100 ms: none arrive early, all arrive in order', () => {
    const { clock, got, p } = pipe();
    const data = Buffer.from(Array.from({ length: 1152 }, (_, i) => i % 256));
    p.write(data);
    clock.advanceTo(50);
    const byHalf = got.reduce((n, g) => n + g.bytes.length, 0);
    expect(byHalf).toBeLessThanOrEqual(576);
    expect(byHalf).toBeGreaterThan(500);
    clock.advanceTo(99.9);
    expect(got.reduce((n, g) => n + g.bytes.length, 0)).toBeLessThan(1152);
    clock.advanceTo(100);
    expect(Buffer.concat(got.map((g) => g.bytes))).toEqual(data);
    expect(got.at(-1)!.atMs).toBeCloseTo(100, 9);
    expect(p.pendingBytes).toBe(0);
  });

  it('a byte never arrives before its last bit has crossed', () => {
    const { clock, got, p } = pipe({ baud: 10_000 }); // 1 ms per byte
    p.write(Buffer.from('abc'));
    p.write(Buffer.from('de'));
    clock.advanceTo(1000);
    let total = 0;
    for (const g of got) {
      total += g.bytes.length;
      expect(g.atMs).toBeGreaterThanOrEqual(total - 1e-9);
    }
    expect(Buffer.concat(got.map((g) => g.bytes)).toString()).toBe('abcde');
  });

  it('an idle wire does not bank time: a late write still takes its full wire time', () => {
    const { clock, got, p } = pipe({ baud: 10_000 });
    clock.advanceTo(500);
    p.write(Buffer.from('xy'));
    clock.advanceTo(501);
    expect(got).toHaveLength(0);
    clock.advanceTo(502);
    expect(got.map((g) => g.bytes.toString())).toEqual(['xy']);
  });

  it('extra latency delays delivery without slowing the byte rate', () => {
    const { clock, got, p } = pipe({ baud: 10_000, latencyMs: 20 });
    p.write(Buffer.from('hello'));
    clock.advanceTo(24.9);
    expect(got).toHaveLength(0);
    clock.advanceTo(25);
    expect(Buffer.concat(got.map((g) => g.bytes)).toString()).toBe('hello');
  });

  it('unpaced, bytes arrive on the next clock step; drained() and flush() behave', async () => {
    const { clock, got, p } = pipe({ pacing: false });
    p.write(Buffer.from('now'));
    const drained = p.drained();
    expect(p.pendingBytes).toBe(3);
    clock.advanceBy(0);
    expect(got.map((g) => g.bytes.toString())).toEqual(['now']);
    await drained;
    p.write(Buffer.from('lost'));
    p.flush();
    clock.advanceBy(10);
    expect(got).toHaveLength(1);
    expect(p.pendingBytes).toBe(0);
  });
});
