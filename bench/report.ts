// Shared helpers for `npm run bench`: repeat, take medians, print each figure beside its baseline.

/** Runs `fn` `repeats` times and returns the median of what it returns. */
export async function medianOf(repeats: number, fn: () => number | Promise<number>): Promise<number> {
  const values: number[] = [];
  for (let i = 0; i < repeats; i++) values.push(await fn());
  return percentile(values, 50);
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

function format(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  return abs >= 100 ? value.toFixed(0) : abs >= 10 ? value.toFixed(1) : value.toFixed(2);
}

export function heading(title: string): void {
  console.log(`\n== ${title} ==`);
}

/** One line: the figure, its baseline from the same run, and their ratio. */
export function figure(
  name: string,
  value: number,
  unit: string,
  baseline?: { name: string; value: number; unit?: string },
): void {
  const main = `${name.padEnd(44)} ${format(value).padStart(10)} ${unit}`;
  if (!baseline) {
    console.log(main);
    return;
  }
  const ratio = baseline.value === 0 ? Number.NaN : value / baseline.value;
  console.log(
    `${main.padEnd(66)} | baseline ${baseline.name}: ${format(baseline.value)} ${baseline.unit ?? unit} | ratio ${format(ratio)}`,
  );
}
