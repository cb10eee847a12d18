// Sequence-number arithmetic (§Framing: 1..65535, after 65535 comes 1).

import { SEQ_MAX, SEQ_MIN } from './constants.js';

export function nextSeq(seq: number): number {
  return seq >= SEQ_MAX ? SEQ_MIN : seq + 1;
}

/** The seq `count` steps before `seq`, on the cycle. */
export function seqBefore(seq: number, count: number): number {
  const span = SEQ_MAX - SEQ_MIN + 1;
  return ((((seq - SEQ_MIN - count) % span) + span) % span) + SEQ_MIN;
}

/** How many steps forward from `from` reach `to`, on the 65535-long cycle (0..65534). */
export function seqDistance(from: number, to: number): number {
  const span = SEQ_MAX - SEQ_MIN + 1;
  return (((to - from) % span) + span) % span;
}

export function isValidSeq(seq: number): boolean {
  return Number.isInteger(seq) && seq >= SEQ_MIN && seq <= SEQ_MAX;
}
