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
      // Line noise flips bits; one flip per damaged byte. It can forge v1's 0x18 (PROTOCOL.md, Known
      // limits of v1), never v2's 0x96 from a line byte (§v2 Stop: every line byte is 2 bits away).
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

/** The stop bytes: v1's 0x18 (§Device rule 5) and v2's 0x96, three of which in a row stop (§v2 Stop). */
const V1_STOP_BYTE = 0x18;
const V2_STOP_BYTE = 0x96;

/**
 * `count` random bytes. Toward the device they never include a stop byte of either version: 0x18 alone
 * is a v1 stop, and three 0x96 in a row (from a burst of a few hundred random bytes, likely) a v2 one;
 * a burst that stopped the machine would be an e-stop test, not garbage. Line noise (damageBytes) is
 * not filtered: it models a real line, and what it can forge is what the protocol must survive.
 */
export function garbage(count: number, direction: WireDirection, random: Random): Buffer {
  const out = Buffer.alloc(count);
  for (let i = 0; i < count; i++) {
    let b = Math.floor(random() * 256);
    if (direction === 'toDevice' && (b === V1_STOP_BYTE || b === V2_STOP_BYTE)) b -= 1;
    out[i] = b;
  }
  return out;
}
