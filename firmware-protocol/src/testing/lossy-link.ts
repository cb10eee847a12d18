// One direction of a faulty serial line: corrupts (random bytes or bit flips), drops, duplicates,
// delays, paces and splits bytes, but never reorders them (a UART cannot). Delivery runs on a ManualClock.

import { asMonotonicMs, type ManualClock } from '@servo-edge/common/clock';
import { BITS_PER_UART_BYTE } from '../wire/constants.js';
import type { Random } from './random.js';

export interface LineFaults {
  /** Probability that a byte is damaged (see `corruption`). */
  corruptRate?: number;
  /**
   * How a damaged byte is damaged: `randomByte` (default) replaces it with a random byte, so one damaged
   * byte in 256 becomes any given value; `bitFlip` flips one of its bits, as line noise does (the
   * model of the simulator's fault injection and of §v2 Stop).
   */
  corruption?: 'randomByte' | 'bitFlip';
  dropRate?: number;
  duplicateRate?: number;
  /** Fixed latency plus uniform jitter, ms. */
  latencyMs?: number;
  jitterMs?: number;
  /** Chunks are cut at random points into pieces of at most this many bytes. */
  maxChunkBytes?: number;
  /**
   * Pace the line like a UART at this rate (8N1): a chunk cannot arrive before its bytes have crossed
   * the wire after everything written before it. Unset: no bandwidth limit, only latency.
   */
  baud?: number;
}

export interface LineFaultCounts {
  corrupted: number;
  dropped: number;
  duplicated: number;
}

/** Returns a write function; what is written arrives, damaged as configured, at `deliver`. */
export function createLossyLine(
  clock: ManualClock,
  random: Random,
  faults: LineFaults,
  deliver: (chunk: Buffer) => void,
): { write(bytes: Buffer): void; counts: LineFaultCounts } {
  const counts: LineFaultCounts = { corrupted: 0, dropped: 0, duplicated: 0 };
  let lastDeliveryAtMs = 0;
  /** With `baud`: when the wire has finished sending what was written so far. */
  let wireFreeAtMs = 0;
  const write = (bytes: Buffer): void => {
    const out: number[] = [];
    for (const byte of bytes) {
      if (random() < (faults.dropRate ?? 0)) {
        counts.dropped++;
        continue;
      }
      let b = byte;
      if (random() < (faults.corruptRate ?? 0)) {
        b =
          faults.corruption === 'bitFlip'
            ? byte ^ (1 << Math.floor(random() * 8))
            : Math.floor(random() * 256);
        if (b !== byte) counts.corrupted++;
      }
      out.push(b);
      if (random() < (faults.duplicateRate ?? 0)) {
        counts.duplicated++;
        out.push(b);
      }
    }
    const maxChunk = faults.maxChunkBytes ?? Number.POSITIVE_INFINITY;
    let start = 0;
    while (start < out.length) {
      const size = Math.max(
        1,
        Math.min(out.length - start, Math.ceil(random() * Math.min(maxChunk, out.length))),
      );
      const chunk = Buffer.from(out.slice(start, start + size));
      start += size;
      let sentAtMs: number = clock.monotonicMs();
      if (faults.baud !== undefined) {
        wireFreeAtMs = Math.max(wireFreeAtMs, sentAtMs) + (size * BITS_PER_UART_BYTE * 1000) / faults.baud;
        sentAtMs = wireFreeAtMs;
      }
      const atMs = Math.max(
        lastDeliveryAtMs,
        sentAtMs + (faults.latencyMs ?? 0) + random() * (faults.jitterMs ?? 0),
      );
      lastDeliveryAtMs = atMs;
      clock.schedule(asMonotonicMs(atMs), () => deliver(chunk));
    }
  };
  return { write, counts };
}
