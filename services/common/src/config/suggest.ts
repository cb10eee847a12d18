// "Did you mean ...?": the nearest valid names to a typo, by edit distance and by prefix (missing unit suffix).

/**
 * Edit distance with adjacent transpositions (optimal string alignment), case-insensitive: `hots` is
 * one typo from `host`, and `portTCP` none from `portTcp`.
 */
export function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  const rows: number[][] = Array.from({ length: x.length + 1 }, (_, i) =>
    Array.from({ length: y.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => rows[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= x.length; i++) {
    const row = rows[i]!;
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1])
        best = Math.min(best, at(i - 2, j - 2) + 1);
      row[j] = best;
    }
  }
  return at(x.length, y.length);
}

/**
 * Up to three candidates close to `input`, best first. A candidate that merely extends the input
 * (`rateLimit` -> `rateLimitPerMin`) counts as close: the usual mistake is a missing unit suffix.
 */
export function nearest(input: string, candidates: Iterable<string>): string[] {
  const lower = input.toLowerCase();
  const allowed = Math.max(1, Math.floor(input.length / 3));
  const scored: { name: string; score: number }[] = [];
  for (const name of candidates) {
    const distance = editDistance(input, name);
    const extends_ = lower.length >= 3 && name.toLowerCase().startsWith(lower);
    if (distance <= allowed || extends_)
      scored.push({ name, score: extends_ ? Math.min(distance, 1) : distance });
  }
  scored.sort((a, b) => a.score - b.score || a.name.localeCompare(b.name));
  return scored.slice(0, 3).map((entry) => entry.name);
}

/** "did you mean `a`?" / "did you mean `a` or `b`?", or undefined when nothing is close. */
export function didYouMean(names: readonly string[]): string | undefined {
  if (names.length === 0) return undefined;
  const quoted = names.map((name) => `\`${name}\``);
  const last = quoted.pop();
  return `did you mean ${quoted.length > 0 ? `${quoted.join(', ')} or ${last}` : last}?`;
}
