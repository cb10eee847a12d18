// GS1 YYMMDD dates to calendar dates: century rule and the "day 00" convention.

/**
 * Converts a GS1 YYMMDD date to `YYYY-MM-DD`, or undefined when it is not a real date.
 * Century (GenSpecs 7.12): a year 51 or more ahead of the reference year belongs to the previous
 * century; one 50 or more behind belongs to the next.
 * Day 00 means the last day of that month (GenSpecs 3.4.6 for AI 17).
 */
export function gs1DateToIso(yymmdd: string, referenceYear: number): string | undefined {
  if (!/^\d{6}$/.test(yymmdd)) return undefined;
  const yy = Number(yymmdd.slice(0, 2));
  const month = Number(yymmdd.slice(2, 4));
  let day = Number(yymmdd.slice(4, 6));
  const referenceYy = referenceYear % 100;
  let century = referenceYear - referenceYy;
  const difference = yy - referenceYy;
  if (difference >= 51) century -= 100;
  else if (difference <= -50) century += 100;
  const year = century + yy;
  if (month < 1 || month > 12) return undefined;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day === 0) day = daysInMonth;
  if (day > daysInMonth) return undefined;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}
