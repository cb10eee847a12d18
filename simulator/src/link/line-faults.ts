// Byte-level damage on one direction of the simulated cable: bit flips, drops and duplicates,
// as a real UART suffers them (never reordering). Rates are read at every write, so tests can
// change them at run time.

import type { Random } from '@servo-edge/firmware-protocol/testing';
import type { FaultDirection } from '../config.js';
import type { FaultCounts } from '../types.js';

export interface LineFaultState {
  corruptRate: number;
  dropRate: number;
  duplicateRate: number;
  extraLatencyMs: number;
  direction: FaultDirection;
}

export type WireDirection = 'toDevice' | 'toHost';

/** Applies the configured damage to `bytes` going `direction`; returns them unchanged when no rate applies. */
export function damageBytes(
  bytes: Buffer,
  direction: WireDirection,
  faults: LineFaultState,
  random: Random,
  counts: FaultCounts,
): Buffer {
  if (faults.direction !== 'both' && faults.direction !== direction) return bytes;
  const { corruptRate, dropRate, duplicateRate } = faults;
  if (corruptRate === 0 && dropRate === 0 && duplicateRate === 0) return bytes;
  const out: number[] = [];
  for (const byte of bytes) {
    if (dropRate > 0 && random() < dropRate) {
      counts.dropped++;
      continue;
    }
    let b = byte;
    if (corruptRate > 0 && random() < corruptRate) {
      // Line noise flips bits; one flip per damaged byte. It can forge 0x18 (PROTOCOL.md, Known limits).
      b = byte ^ (1 << Math.floor(random() * 8));
      counts.corrupted++;
    }
    out.push(b);
    if (duplicateRate > 0 && random() < duplicateRate) {
      counts.duplicated++;
      out.push(b);
    }
  }
  return Buffer.from(out);
}

/** `count` random bytes; toward the device they never include 0x18, which would be an e-stop, not garbage. */
export function garbage(count: number, direction: WireDirection, random: Random): Buffer {
  const out = Buffer.alloc(count);
  for (let i = 0; i < count; i++) {
    let b = Math.floor(random() * 256);
    if (direction === 'toDevice' && b === 0x18) b = 0x17;
    out[i] = b;
  }
  return out;
}
