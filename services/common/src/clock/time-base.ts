// Time bases as types: a monotonic instant, an epoch instant and a duration are different things,
// and passing one where another is expected must fail to compile (Klipper keeps `print_time` and
// `eventtime` apart for the same reason). Arithmetic on a branded number yields a plain number
// (a duration); turning a number back into an instant goes through the helpers below.

declare const timeBase: unique symbol;

/** Milliseconds on the process's monotonic clock (performance.now()): for durations, deadlines, timers. Never steps. */
export type MonotonicMs = number & { readonly [timeBase]: 'monotonic' };

/** Milliseconds since 1970-01-01T00:00:00Z (wall time): for timestamps that leave the process. May step with NTP. */
export type EpochMs = number & { readonly [timeBase]: 'epoch' };

export type InstantMs = MonotonicMs | EpochMs;

/** Declares a number to be a monotonic instant (a value read from a monotonic clock, or derived from one). */
export const asMonotonicMs = (value: number): MonotonicMs => value as MonotonicMs;

/** Declares a number to be an epoch instant (for example one parsed from a message). */
export const asEpochMs = (value: number): EpochMs => value as EpochMs;

/** The instant `durationMs` after `instant`, on the same time base. */
export function addMs<T extends InstantMs>(instant: T, durationMs: number): T {
  return (instant + durationMs) as T;
}

/** How long from `earlier` to `later` (negative when `later` is earlier); both on one time base. */
export function elapsedMs<T extends InstantMs>(earlier: T, later: NoInfer<T>): number {
  return later - earlier;
}
