// Capped exponential backoff for reconnect attempts: initial, initial*m, initial*m², ... up to max.

export interface BackoffOptions {
  initialDelayMs: number;
  maxDelayMs: number;
  multiplier: number;
}

export interface Backoff {
  /** The delay before the next attempt; each call grows the following one. */
  nextDelayMs(): number;
  /** After a successful connection: the next failure waits the initial delay again. */
  reset(): void;
}

export function createBackoff(options: BackoffOptions): Backoff {
  let attempt = 0;
  return {
    nextDelayMs() {
      const delay = Math.min(options.maxDelayMs, options.initialDelayMs * options.multiplier ** attempt);
      if (delay < options.maxDelayMs) attempt++;
      return delay;
    },
    reset() {
      attempt = 0;
    },
  };
}
