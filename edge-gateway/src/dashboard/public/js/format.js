// Number and word formatting for the page: units, ratios, durations, reason codes.

export function fixed(value, digits = 1) {
  return value === null || value === undefined || Number.isNaN(value) ? '—' : Number(value).toFixed(digits);
}

export function integer(value) {
  return value === null || value === undefined ? '—' : Math.round(value).toLocaleString('en');
}

export function percent(part, whole) {
  if (!whole) return '—';
  return `${((100 * part) / whole).toFixed(1)} %`;
}

export function duration(ms) {
  if (ms === null || ms === undefined || ms < 0) return '';
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** NO_LABEL -> "no label": codes stay stable for machines, people read words. */
export function reasonWords(code) {
  return String(code)
    .toLowerCase()
    .replace(/_/g, ' ')
    .replace(/\bgtin\b/, 'GTIN');
}

/** A 0..1 ratio (OEE factors) as a percentage; null (nothing to measure yet) as a dash. */
export function ratio(value) {
  return value === null || value === undefined || Number.isNaN(value) ? '—' : `${(100 * value).toFixed(1)} %`;
}

/** A configured span (the OEE window) in its own unit: 3 600 000 -> "1 h", 900 000 -> "15 min". */
export function span(ms) {
  if (ms === null || ms === undefined || !(ms > 0)) return '—';
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${Math.round(ms / 1000)} s`;
}
