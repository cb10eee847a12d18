// One direction of a faulty serial line: corrupts, drops, duplicates, delays and splits bytes,
// but never reorders them (a UART cannot). Delivery runs on a ManualClock.

import { asMonotonicMs, type ManualClock } from '@servo-edge/common/clock';
import type { Random } from './random.js';

export interface LineFaults {
  /** Probability that a byte is replaced by a random byte. */
  corruptRate?: number;
  dropRate?: number;
  duplicateRate?: number;
  /** Fixed latency plus uniform jitter, ms. */
  latencyMs?: number;
  jitterMs?: number;
  /** Chunks are cut at random points into pieces of at most this many bytes. */
  maxChunkBytes?: number;
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
  const write = (bytes: Buffer): void => {
    const out: number[] = [];
    for (const byte of bytes) {
      if (random() < (faults.dropRate ?? 0)) {
        counts.dropped++;
        continue;
      }
      let b = byte;
      if (random() < (faults.corruptRate ?? 0)) {
        b = Math.floor(random() * 256);
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
      const atMs = Math.max(
        lastDeliveryAtMs,
        clock.monotonicMs() + (faults.latencyMs ?? 0) + random() * (faults.jitterMs ?? 0),
      );
      lastDeliveryAtMs = atMs;
      clock.schedule(asMonotonicMs(atMs), () => deliver(chunk));
    }
  };
  return { write, counts };
}
