// GS1 mod-10 check digits for GTINs (GS1 General Specifications 7.9.1): the rule a recipe's `gtin` obeys,
// and the one the vision service checks a decoded GTIN with.

/** The check digit for the digits that precede it. */
export function gs1CheckDigit(digitsWithoutCheck: string): number {
  let sum = 0;
  // Weights 3, 1, 3, ... from the rightmost digit before the check digit.
  for (let i = 0; i < digitsWithoutCheck.length; i++) {
    const digit = digitsWithoutCheck.charCodeAt(digitsWithoutCheck.length - 1 - i) - 48;
    sum += digit * (i % 2 === 0 ? 3 : 1);
  }
  return (10 - (sum % 10)) % 10;
}

/** True when the all-digit `gtin` ends in its correct check digit. */
export function hasValidCheckDigit(gtin: string): boolean {
  if (!/^\d{8,18}$/.test(gtin)) return false;
  return gs1CheckDigit(gtin.slice(0, -1)) === Number(gtin.slice(-1));
}
