// Event-driven waiting for the driver suites (no sleeps): yield to the event loop, and step a manual
// clock in small increments until a condition holds.

import type { ManualClock } from '@servo-edge/common/testing';

export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await yieldToLoop();
}

/** Steps `clock` by `stepMs` (letting I/O run between steps) until `condition()`; throws past `maxMs`. */
export async function stepUntil(
  clock: ManualClock,
  condition: () => boolean,
  what: string,
  options: { stepMs?: number; maxMs?: number } = {},
): Promise<number> {
  const stepMs = options.stepMs ?? 5;
  const maxMs = options.maxMs ?? 10_000;
  const start = clock.monotonicMs();
  await settle();
  while (!condition()) {
    if (clock.monotonicMs() - start > maxMs) throw new Error(`gave up waiting for ${what} after ${maxMs} ms`);
    clock.advanceBy(stepMs);
    await settle(3);
  }
  return clock.monotonicMs() - start;
}
