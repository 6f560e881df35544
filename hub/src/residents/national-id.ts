/**
 * Norwegian national identity numbers (fødselsnummer, D-nummer): 11 digits, a date, an
 * individual number and two mod-11 check digits.
 */
const FIRST_WEIGHTS = [3, 7, 6, 1, 8, 9, 4, 5, 2];
const SECOND_WEIGHTS = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];

function checkDigit(digits: number[], weights: number[]): number | null {
  const sum = weights.reduce((total, weight, index) => total + weight * digits[index]!, 0);
  const digit = (11 - (sum % 11)) % 11;
  return digit === 10 ? null : digit;
}

export function hasValidCheckDigits(nationalId: string): boolean {
  if (!/^\d{11}$/.test(nationalId)) return false;
  const digits = [...nationalId].map(Number);
  return checkDigit(digits, FIRST_WEIGHTS) === digits[9] && checkDigit(digits, SECOND_WEIGHTS) === digits[10];
}

/** A D-nummer adds 4 to the first digit of the birth day. */
export function isDNumber(nationalId: string): boolean {
  return /^[4-7]/.test(nationalId);
}

/**
 * A synthetic fødselsnummer for tests and demos: the birth month plus 80, the convention for
 * synthetic numbers, so it can never be a real person's. Takes the first individual number
 * from `seed` upwards that gives valid check digits, in the range that encodes the century
 * (000–499 for 1900–1999, 500–999 for 2000–2039).
 */
export function syntheticNationalId(birthDate: string, seed: number): string {
  const [year, month, day] = birthDate.split('-').map(Number) as [number, number, number];
  const prefix = `${String(day).padStart(2, '0')}${String(month + 80)}${String(year % 100).padStart(2, '0')}`;
  const century = year >= 2000 ? 500 : 0;
  for (let offset = 0; offset < 500; offset++) {
    const individual = String(century + ((Math.abs(Math.trunc(seed)) + offset) % 500)).padStart(3, '0');
    const digits = [...`${prefix}${individual}`].map(Number);
    const first = checkDigit(digits, FIRST_WEIGHTS);
    if (first === null) continue;
    const second = checkDigit([...digits, first], SECOND_WEIGHTS);
    if (second === null) continue;
    return `${prefix}${individual}${first}${second}`;
  }
  throw new Error(`no synthetic national id for ${birthDate}`);
}
