import { describe, expect, it } from 'vitest';
import { en } from './i18n/en';
import { nb } from './i18n/nb';
import {
  describePeriod,
  formatAnswerTime,
  formatOnSiteTime,
  formatShare,
  hourSpan,
  isPeakHour,
  SERVICE_LEVEL_PERIODS,
  targetVerdict,
  wholeDay,
} from './service-levels';

// Intl puts a no-break space between number and % in Norwegian.
const nbsp = '\u00a0';

describe('targets', () => {
  it('meets a target at or above it', () => {
    expect(targetVerdict(0.975, 0.975)).toBe('met');
    expect(targetVerdict(1, 0.99)).toBe('met');
    expect(targetVerdict(0.9749, 0.975)).toBe('missed');
    expect(targetVerdict(0, 0.99)).toBe('missed');
  });

  it('judges nothing when there were no alarms', () => {
    expect(targetVerdict(null, 0.975)).toBe('no-alarms');
    expect(targetVerdict(Number.NaN, 0.975)).toBe('no-alarms');
  });
});

describe('shares as percentages', () => {
  it('shows one decimal in each language', () => {
    expect(formatShare(0.975, 'nb-NO')).toBe(`97,5${nbsp}%`);
    expect(formatShare(0.975, 'en-GB')).toBe('97.5%');
    expect(formatShare(1, 'nb-NO')).toBe(`100,0${nbsp}%`);
    expect(formatShare(0, 'en-GB')).toBe('0.0%');
  });

  it('rounds down, so a missed target never reads as met', () => {
    expect(formatShare(0.97496, 'en-GB')).toBe('97.4%');
    expect(formatShare(0.9899, 'en-GB')).toBe('98.9%');
  });

  it('keeps tenths that binary fractions would lose', () => {
    expect(formatShare(0.57, 'en-GB')).toBe('57.0%');
    expect(formatShare(0.29, 'en-GB')).toBe('29.0%');
    expect(formatShare(2 / 3, 'en-GB')).toBe('66.6%');
  });

  it('has no share without alarms', () => {
    expect(formatShare(null, 'nb-NO')).toBeNull();
  });
});

describe('answer times', () => {
  it('words the median', () => {
    expect(formatAnswerTime(45, nb)).toBe('45 s');
    expect(formatAnswerTime(65, nb)).toBe('1 min 5 s');
    expect(formatAnswerTime(0, en)).toBe('0 s');
    expect(formatAnswerTime(null, nb)).toBeNull();
  });
});

describe('time to on site', () => {
  it('words the median minutes from call-out to on site', () => {
    expect(formatOnSiteTime(18.5, nb)).toBe('18 min 30 s');
    expect(formatOnSiteTime(45, en)).toBe('45 min');
    expect(formatOnSiteTime(0.2, nb)).toBe('12 s');
  });

  it('has none when no responder reported on site', () => {
    expect(formatOnSiteTime(null, nb)).toBeNull();
  });
});

describe('hours of day', () => {
  it('marks kl. 08–11 as the peak', () => {
    expect([7, 8, 9, 10, 11].map(isPeakHour)).toEqual([false, true, true, true, false]);
  });

  it('names an hour by its span on the clock', () => {
    expect(hourSpan(8)).toBe('08:00–09:00');
    expect(hourSpan(23)).toBe('23:00–00:00');
  });

  it('fills in the hours without alarms, in order', () => {
    const day = wholeDay([
      { hour: 9, alarms: 4, answeredWithin60s: 3, answeredWithin180s: 4, shareWithin60s: 0.75, shareWithin180s: 1, medianAnswerSeconds: 40, callOuts: 2, medianOnSiteMinutes: 18.5 },
      { hour: 2, alarms: 1, answeredWithin60s: 1, answeredWithin180s: 1, shareWithin60s: 1, shareWithin180s: 1, medianAnswerSeconds: 10, callOuts: 0, medianOnSiteMinutes: null },
    ]);
    expect(day.map((row) => row.hour)).toEqual(Array.from({ length: 24 }, (_, hour) => hour));
    expect(day[9]?.alarms).toBe(4);
    expect(day[9]?.medianOnSiteMinutes).toBe(18.5);
    expect(day[2]?.shareWithin60s).toBe(1);
    expect(day[10]).toEqual({
      hour: 10,
      alarms: 0,
      answeredWithin60s: 0,
      answeredWithin180s: 0,
      shareWithin60s: null,
      shareWithin180s: null,
      medianAnswerSeconds: null,
      callOuts: 0,
      medianOnSiteMinutes: null,
    });
  });
});

describe('periods', () => {
  it('offers a day, a week and a month', () => {
    expect(SERVICE_LEVEL_PERIODS).toEqual([1, 7, 30]);
    expect(SERVICE_LEVEL_PERIODS.map((days) => describePeriod(days, nb))).toEqual(['Siste døgn', 'Siste 7 dager', 'Siste 30 dager']);
    expect(describePeriod(30, en)).toBe('Last 30 days');
  });
});
