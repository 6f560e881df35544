import { describe, expect, it } from 'vitest';
import { en } from './i18n/en';
import { translate } from './i18n/index';
import { nb } from './i18n/nb';
import { ageInYears, elapsedSince, formatClockTime, formatMoment } from './oslo-time';

describe('Oslo time', () => {
  it('shows the wall clock in Oslo, summer and winter', () => {
    expect(formatClockTime('2025-01-10T08:00:05Z', 'nb-NO')).toBe('09:00:05');
    expect(formatClockTime('2025-07-10T08:00:05Z', 'nb-NO')).toBe('10:00:05');
  });

  it('tells a moment today by its HH:MM, and an earlier one with its date', () => {
    const now = Date.parse('2025-07-10T21:30:00Z'); // 23:30 in Oslo
    expect(formatMoment('2025-07-10T06:05:00Z', now, 'nb-NO')).toBe('08:05');
    // 22:30 UTC on the 9th was already the 10th in Oslo.
    expect(formatMoment('2025-07-09T22:30:00Z', now, 'nb-NO')).toBe('00:30');
    expect(formatMoment('2025-07-09T21:30:00Z', now, 'nb-NO')).toBe('09.07.2025, 23:30');
    expect(formatMoment(null, now, 'nb-NO')).toBe('');
  });

  it('counts age on the Oslo calendar', () => {
    // 23:30 UTC on 31 March is already 1 April in Oslo.
    expect(ageInYears('1940-04-01', Date.parse('2025-03-31T23:30:00Z'))).toBe(85);
    expect(ageInYears('1940-04-01', Date.parse('2025-03-31T20:00:00Z'))).toBe(84);
    expect(ageInYears('not a date', Date.now())).toBeNaN();
  });

  it('says how old a piece of data is, in the largest whole unit', () => {
    const now = Date.parse('2025-01-10T12:00:00Z');
    expect(elapsedSince('2025-01-10T11:59:30Z', now)).toBeNull();
    expect(elapsedSince('2025-01-10T11:30:00Z', now)).toEqual({ unit: 'minute', count: 30 });
    expect(elapsedSince('2025-01-10T10:59:00Z', now)).toEqual({ unit: 'hour', count: 1 });
    expect(elapsedSince('2025-01-07T11:00:00Z', now)).toEqual({ unit: 'day', count: 3 });
    expect(elapsedSince('2024-10-01T12:00:00Z', now)).toEqual({ unit: 'month', count: 3 });
    expect(elapsedSince('2022-01-01T12:00:00Z', now)).toEqual({ unit: 'year', count: 3 });
    expect(elapsedSince('garbage', now)).toBeNull();
  });

  it('words it as the operators expect', () => {
    const ago = translate(nb, 'ago.day.other', { count: 3 });
    expect(translate(nb, 'resident.provenance', { ago, source: 'EPJ' })).toBe('Oppdatert for 3 dager siden, kilde: EPJ');
    expect(translate(en, 'resident.provenance', { ago: translate(en, 'ago.day.other', { count: 3 }), source: 'EPJ' })).toBe(
      'Updated 3 days ago, source: EPJ',
    );
  });
});
