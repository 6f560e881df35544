import { describe, expect, it } from 'vitest';
import { hasValidCheckDigits, isDNumber, syntheticNationalId } from '../../src/residents/national-id.js';

/**
 * The published mod-11 rule for fødselsnummer and D-nummer (Skatteetaten): the first check digit
 * weighs digits 1–9 by 3 7 6 1 8 9 4 5 2, the second weighs digits 1–10 by 5 4 3 2 7 6 5 4 3 2;
 * each is 11 minus the weighted sum modulo 11, where 11 means 0 and 10 means the individual
 * number cannot be used. Written here on its own, so the module is checked against the rule.
 */
function expectedCheckDigits(firstNine: string): string | null {
  const weighted = (digits: string, weights: number[]) => weights.reduce((sum, weight, index) => sum + weight * Number(digits[index]), 0);
  const control = (sum: number) => {
    const digit = 11 - (sum % 11);
    return digit === 11 ? 0 : digit;
  };
  const k1 = control(weighted(firstNine, [3, 7, 6, 1, 8, 9, 4, 5, 2]));
  if (k1 === 10) return null;
  const k2 = control(weighted(`${firstNine}${k1}`, [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]));
  if (k2 === 10) return null;
  return `${k1}${k2}`;
}

/** Birth dates across the 1900s: every month, first, middle and last days, many years. */
function birthDates(): string[] {
  const dates: string[] = [];
  for (let year = 1900; year <= 1999; year += 3) {
    for (let month = 1; month <= 12; month++) {
      const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
      for (const day of [1, 15, lastDay]) {
        dates.push(`${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`);
      }
    }
  }
  return dates;
}

// Synthetic numbers used elsewhere in the tests, checked here against the rule by hand:
// 128538123 → K1 = 11 − (3·1+7·2+6·8+1·5+8·3+9·8+4·1+5·2+2·3 = 186 ≡ 10) = 1, K2 = 11 − (5·1+4·2+3·8+2·5+7·3+6·8+5·1+4·2+3·3+2·1 = 140 ≡ 8) = 3.
const FODSELSNUMMER = '12853812313';
const D_NUMMER = '52853812307';

describe('syntheticNationalId', () => {
  it('gives 11 digits with the date as DDMMYY, month + 80, and check digits by the mod-11 rule', () => {
    const dates = birthDates();
    expect(dates.length).toBeGreaterThan(1000);
    dates.forEach((birthDate, index) => {
      const id = syntheticNationalId(birthDate, index * 13);
      const [year, month, day] = birthDate.split('-');
      expect(id, birthDate).toMatch(/^\d{11}$/);
      expect(id.slice(0, 2), birthDate).toBe(day);
      expect(Number(id.slice(2, 4)), birthDate).toBe(Number(month) + 80);
      expect(id.slice(4, 6), birthDate).toBe(year!.slice(2));
      expect(id.slice(9), birthDate).toBe(expectedCheckDigits(id.slice(0, 9)));
      expect(hasValidCheckDigits(id), id).toBe(true);
      expect(isDNumber(id), id).toBe(false);
    });
  });

  it('puts a 1900s birth in the individual-number range 000–499, which means born 1900–1999', () => {
    for (const birthDate of ['1900-01-01', '1938-05-17', '1999-12-31']) {
      for (const seed of [0, 250, 499, 777]) {
        expect(Number(syntheticNationalId(birthDate, seed).slice(6, 9))).toBeLessThanOrEqual(499);
      }
    }
  });

  it('is repeatable for the same date and seed, and gives different residents different numbers', () => {
    expect(syntheticNationalId('1942-03-08', 7)).toBe(syntheticNationalId('1942-03-08', 7));
    const numbers = new Set(Array.from({ length: 60 }, (_, seed) => syntheticNationalId('1942-03-08', seed * 7)));
    // Individual numbers whose check digit would be 10 are skipped, so a few seeds share one.
    expect(numbers.size).toBeGreaterThan(40);
  });

  it('gives a 2000s birth an individual number 500–999 (born 2000–2039)', () => {
    const id = syntheticNationalId('2015-06-01', 0);
    expect(Number(id.slice(6, 9))).toBeGreaterThanOrEqual(500);
    expect(hasValidCheckDigits(id)).toBe(true);
  });
});

describe('hasValidCheckDigits', () => {
  it('accepts the synthetic numbers the other tests use', () => {
    expect(expectedCheckDigits(FODSELSNUMMER.slice(0, 9))).toBe(FODSELSNUMMER.slice(9));
    expect(hasValidCheckDigits(FODSELSNUMMER)).toBe(true);
    expect(expectedCheckDigits(D_NUMMER.slice(0, 9))).toBe(D_NUMMER.slice(9));
    expect(hasValidCheckDigits(D_NUMMER)).toBe(true);
  });

  it.each([
    ['first check digit off by one', '12853812303'],
    ['second check digit off by one', '12853812314'],
    ['both check digits swapped', '12853812331'],
    ['10 digits', '1285381231'],
    ['12 digits', '128538123130'],
    ['a space inside', '128538 12313'],
    ['a letter', '12853812B13'],
    ['surrounded by whitespace', ' 12853812313 '],
    ['empty', ''],
    ['zeros with a wrong last digit', '00000000001'],
  ])('rejects %s', (_what, nationalId) => {
    expect(hasValidCheckDigits(nationalId)).toBe(false);
  });

  it('rejects every single-digit typo and every swap of neighbouring digits (what mod 11 is for)', () => {
    for (const id of [FODSELSNUMMER, D_NUMMER, syntheticNationalId('1951-11-30', 3)]) {
      for (let position = 0; position < 11; position++) {
        for (let digit = 0; digit <= 9; digit++) {
          if (String(digit) === id[position]) continue;
          const typo = `${id.slice(0, position)}${digit}${id.slice(position + 1)}`;
          expect(hasValidCheckDigits(typo), typo).toBe(false);
        }
        if (position < 10 && id[position] !== id[position + 1]) {
          const swapped = `${id.slice(0, position)}${id[position + 1]}${id[position]}${id.slice(position + 2)}`;
          expect(hasValidCheckDigits(swapped), swapped).toBe(false);
        }
      }
    }
  });

  it('rejects every number whose first check digit would be 10', () => {
    // Search the first nine digits of 1938 births for one the rule cannot complete.
    let prefix: string | undefined;
    for (let individual = 0; individual < 500 && !prefix; individual++) {
      const candidate = `170538${String(individual).padStart(3, '0')}`;
      if (expectedCheckDigits(candidate) === null) prefix = candidate;
    }
    expect(prefix).toBeDefined();
    for (let suffix = 0; suffix < 100; suffix++) {
      const id = `${prefix}${String(suffix).padStart(2, '0')}`;
      expect(hasValidCheckDigits(id), id).toBe(false);
    }
  });
});

describe('isDNumber', () => {
  it('tells a D-nummer (day + 40) from a fødselsnummer', () => {
    expect(isDNumber(D_NUMMER)).toBe(true);
    expect(isDNumber(FODSELSNUMMER)).toBe(false);
  });

  it.each([
    ['day 01 → 41', '4', true],
    ['day 31 → 71', '7', true],
    ['fødselsnummer, day 01–09', '0', false],
    ['fødselsnummer, day 30–31', '3', false],
    ['FH-nummer (starts 8 or 9)', '8', false],
    ['FH-nummer (starts 8 or 9)', '9', false],
  ])('first digit of %s: %s → %s', (_what, first, expected) => {
    expect(isDNumber(`${first}${'1'.repeat(10)}`)).toBe(expected);
  });

  it('turns a synthetic fødselsnummer into a valid D-nummer when 4 is added to the first digit', () => {
    const fodselsnummer = syntheticNationalId('1947-09-23', 11);
    const firstNine = `${Number(fodselsnummer[0]) + 4}${fodselsnummer.slice(1, 9)}`;
    const check = expectedCheckDigits(firstNine);
    // Not every individual number can be completed for both; this one can.
    expect(check).not.toBeNull();
    const dNummer = `${firstNine}${check}`;
    expect(hasValidCheckDigits(dNummer)).toBe(true);
    expect(isDNumber(dNummer)).toBe(true);
  });
});
