import { describe, expect, it } from 'vitest';
import { translate } from './i18n';
import { en } from './i18n/en';
import { nb } from './i18n/nb';
import { describeWritten, DISPENSER_DOSE_CHOICES, policyChanged, policyRequest, summaryTimeProblem, yesterdayInOslo } from './journal-policy';

const shipped = { technicalAlarms: false, dispenserDoses: 'daily-summary', dailySummaryAt: '06:00' } as const;

describe('the journaling policy form', () => {
  it('offers every dispenser choice once, the default first', () => {
    expect(DISPENSER_DOSE_CHOICES).toEqual(['daily-summary', 'each-dose', 'none']);
  });

  it('sends all three settings, the time trimmed and otherwise as typed for the hub to judge', () => {
    expect(policyRequest({ technicalAlarms: true, dispenserDoses: 'none', dailySummaryAt: ' 07:30 ' })).toEqual({
      technicalAlarms: true,
      dispenserDoses: 'none',
      dailySummaryAt: '07:30',
    });
    expect(policyRequest({ ...shipped, dailySummaryAt: '25:00' }).dailySummaryAt).toBe('25:00');
  });

  it('takes a time of day as the hub does, HH:MM from 00:00 to 23:59, around spaces', () => {
    for (const time of ['00:00', '06:00', ' 07:30 ', '23:59']) expect(summaryTimeProblem({ dailySummaryAt: time })).toBeNull();
  });

  it('refuses what the hub would refuse, with a message of its own', () => {
    for (const time of ['25:00', '24:00', '6:00', '06:60', '0600', '06.00', 'kl. 6', '']) {
      expect(summaryTimeProblem({ dailySummaryAt: time })).toBe('journalPolicy.dailySummaryAt.invalid');
    }
    expect(translate(nb, 'journalPolicy.dailySummaryAt.invalid')).toBe('Skriv klokkeslettet som TT:MM, for eksempel 06:00 (00:00–23:59).');
  });

  it('has something to save only when a setting differs from the saved policy', () => {
    expect(policyChanged(shipped, { ...shipped })).toBe(false);
    expect(policyChanged(shipped, { ...shipped, dailySummaryAt: '06:00 ' })).toBe(false);
    expect(policyChanged(shipped, { ...shipped, technicalAlarms: true })).toBe(true);
    expect(policyChanged(shipped, { ...shipped, dispenserDoses: 'each-dose' })).toBe(true);
    expect(policyChanged(shipped, { ...shipped, dailySummaryAt: '05:00' })).toBe(true);
  });
});

describe('the day to summarise', () => {
  it('is yesterday on the Oslo calendar', () => {
    expect(yesterdayInOslo(Date.parse('2026-11-23T12:00:00Z'))).toBe('2026-11-22');
  });

  it('counts from Oslo’s date just after midnight, while UTC is still on the day before', () => {
    // 00:30 on 1 March in Oslo (winter time, UTC+1).
    expect(yesterdayInOslo(Date.parse('2026-02-28T23:30:00Z'))).toBe('2026-02-28');
    // 01:30 on 16 June in Oslo (summer time, UTC+2).
    expect(yesterdayInOslo(Date.parse('2026-06-15T23:30:00Z'))).toBe('2026-06-15');
  });

  it('crosses into the year and month before', () => {
    expect(yesterdayInOslo(Date.parse('2026-01-01T08:00:00Z'))).toBe('2025-12-31');
    expect(yesterdayInOslo(Date.parse('2024-03-01T08:00:00Z'))).toBe('2024-02-29');
  });
});

describe('what writing the summaries did', () => {
  it('says how many entries were written for the day, in Norwegian and English', () => {
    expect(describeWritten(3, '2026-11-22', nb, 'nb-NO')).toBe('Skrev 3 notater for 22.11.2026.');
    expect(describeWritten(1, '2026-11-22', nb, 'nb-NO')).toBe('Skrev 1 notat for 22.11.2026.');
    expect(describeWritten(3, '2026-11-22', en, 'en-GB')).toBe('Wrote 3 entries for 22/11/2026.');
  });

  it('says so when there was nothing new to write', () => {
    expect(describeWritten(0, '2026-11-22', nb, 'nb-NO')).toMatch(/^Ingen nye notater for 22\.11\.2026: dagen er allerede oppsummert/);
  });
});
