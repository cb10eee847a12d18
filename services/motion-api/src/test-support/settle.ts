// Event-driven waiting for tests: yield to the event loop (no timers, no sleeps) until a condition
// holds, a bounded number of times.

export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Yields until `condition()` is true; throws after `maxTurns` turns of the event loop. */
export async function until(condition: () => boolean, what = 'condition', maxTurns = 2000): Promise<void> {
  for (let i = 0; i < maxTurns; i++) {
    if (condition()) return;
    await yieldToLoop();
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** Lets every pending microtask and I/O callback run. */
export async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await yieldToLoop();
}
