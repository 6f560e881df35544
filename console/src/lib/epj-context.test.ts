import { describe, expect, it } from 'vitest';
import { contextAgeMs, contextFailure, contextWarning, describeFetched, describeVisitTiming } from './epj-context';
import { en } from './i18n/en';
import { nb } from './i18n/nb';

const MINUTE = 60_000;

describe('the age of the copy from the EPJ', () => {
  it("adds the time since the hub answered to the age the hub gave, whatever the desk's clock says", () => {
    const receivedAt = Date.parse('2030-01-01T10:00:00Z');
    expect(contextAgeMs({ ageSeconds: 120 }, receivedAt, receivedAt + 3 * MINUTE)).toBe(5 * MINUTE);
    // A clock that steps back does not make the copy younger than the hub said.
    expect(contextAgeMs({ ageSeconds: 120 }, receivedAt, receivedAt - MINUTE)).toBe(2 * MINUTE);
  });

  it('says "hentet for N min siden", in hours and days once it is that old, and in English', () => {
    expect(describeFetched(20_000, nb)).toBe('hentet akkurat nå');
    expect(describeFetched(MINUTE, nb)).toBe('hentet for 1 minutt siden');
    expect(describeFetched(3 * MINUTE, nb)).toBe('hentet for 3 minutter siden');
    expect(describeFetched(14 * MINUTE + 59_000, nb)).toBe('hentet for 14 minutter siden');
    expect(describeFetched(61 * MINUTE, nb)).toBe('hentet for 1 time siden');
    expect(describeFetched(2 * 60 * MINUTE, nb)).toBe('hentet for 2 timer siden');
    expect(describeFetched(25 * 60 * MINUTE, nb)).toBe('hentet for 1 dag siden');
    expect(describeFetched(50 * 60 * MINUTE, nb)).toBe('hentet for 2 dager siden');
    expect(describeFetched(7 * MINUTE, en)).toBe('read 7 minutes ago');
    expect(describeFetched(20_000, en)).toBe('read just now');
  });
});

describe('a planned visit', () => {
  it('shows its times and how often: daily, weekly, or the weekdays named', () => {
    expect(describeVisitTiming({ times: ['08:00'], daysOfWeek: [], periodUnit: 'd' }, nb, 'nb-NO')).toBe('08:00 · daglig');
    expect(describeVisitTiming({ times: ['10:00'], daysOfWeek: ['thu'], periodUnit: 'wk' }, nb, 'nb-NO')).toBe('10:00 · torsdag');
    expect(describeVisitTiming({ times: ['10:00'], daysOfWeek: ['mon', 'sun'], periodUnit: 'wk' }, en, 'en-GB')).toBe('10:00 · Monday, Sunday');
    expect(describeVisitTiming({ times: ['12:00', '18:00'], daysOfWeek: [], periodUnit: 'wk' }, en, 'en-GB')).toBe('12:00, 18:00 · weekly');
  });

  it('shows a day code it does not know as sent, and says when a visit has no fixed time', () => {
    expect(describeVisitTiming({ times: [], daysOfWeek: ['xyz'], periodUnit: null }, nb, 'nb-NO')).toBe('xyz');
    expect(describeVisitTiming({ times: [], daysOfWeek: [], periodUnit: null }, nb, 'nb-NO')).toBe('uten fast tid');
  });
});

describe('warnings and failures', () => {
  it('warns of a stale copy with the reason, and of a later read that failed; says nothing of a good copy', () => {
    expect(contextWarning({ stale: true, error: 'EPJ not reached: ECONNRESET' })).toEqual({ key: 'epjContext.stale', params: { error: 'EPJ not reached: ECONNRESET' } });
    expect(contextWarning({ stale: false, error: 'EPJ answered 503' })).toEqual({ key: 'epjContext.lastReadFailed', params: { error: 'EPJ answered 503' } });
    expect(contextWarning({ stale: false, error: null })).toBeNull();
  });

  it('tells no EPJ connected from an EPJ that cannot be read, and passes other refusals on', () => {
    expect(contextFailure(409, 'no EPJ is configured')).toEqual({ key: 'epjContext.notConfigured' });
    expect(contextFailure(503, 'EPJ not reached')).toEqual({ key: 'epjContext.unavailable', params: { reason: 'EPJ not reached' } });
    expect(contextFailure(502, 'EPJ answered 500')).toEqual({ key: 'epjContext.unavailable', params: { reason: 'EPJ answered 500' } });
    expect(contextFailure(0, 'network')).toEqual({ key: 'error.network' });
    expect(contextFailure(404, 'no resident x')).toEqual({ key: 'error.generic', params: { message: 'no resident x' } });
  });
});
