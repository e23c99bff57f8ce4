/**
 * NHS numbers are 10 digits whose last digit is a Modulus 11 check digit.
 * Input may be grouped with spaces or dashes (e.g. "943 476 5919", "943-476-5919"); they are removed.
 */
export function normaliseNhsNumber(input: string): string {
  return input.replace(/[\s-]+/g, '');
}

export function isValidNhsNumber(input: string): boolean {
  const digits = normaliseNhsNumber(input);
  if (!/^\d{10}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < 9; i += 1) sum += Number(digits[i]) * (10 - i);
  const remainder = sum % 11;
  const check = 11 - remainder === 11 ? 0 : 11 - remainder;
  if (check === 10) return false;
  return check === Number(digits[9]);
}

/** Builds a valid NHS number from a 9-digit stem; returns null when the stem has no valid check digit. */
export function withCheckDigit(stem: string): string | null {
  if (!/^\d{9}$/.test(stem)) return null;
  let sum = 0;
  for (let i = 0; i < 9; i += 1) sum += Number(stem[i]) * (10 - i);
  const check = (11 - (sum % 11)) % 11;
  return check === 10 ? null : `${stem}${check}`;
}
