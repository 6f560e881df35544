import { describe, expect, it } from 'vitest';
import { DEFAULT_SHIFT_CHANGES, InvalidShiftChanges, isCurrent, noteExpiry, readShiftChanges, shiftAt } from '../../src/handover/shifts.js';

const at = (iso: string) => new Date(iso);
const span = (iso: string, changes: readonly string[] = DEFAULT_SHIFT_CHANGES) => {
  const shift = shiftAt(at(iso), changes);
  return [shift.start.toISOString(), shift.end.toISOString()];
};
const hours = (iso: string, changes: readonly string[] = DEFAULT_SHIFT_CHANGES) => {
  const shift = shiftAt(at(iso), changes);
  return (shift.end.getTime() - shift.start.getTime()) / 3_600_000;
};

describe('a shift plan', () => {
  it('reads times of day in order, whatever order they were given in', () => {
    expect(readShiftChanges(['23:00', '07:00', '15:00'])).toEqual(['07:00', '15:00', '23:00']);
    expect(readShiftChanges(['00:00'])).toEqual(['00:00']);
  });

  it.each([
    [[], /1 to 6/],
    ['07:00', /1 to 6/],
    [['7:00'], /"7:00" is not a time of day/],
    [['24:00'], /"24:00"/],
    [['07:60'], /"07:60"/],
    [[700], /700/],
    [['07:00', '07:00'], /only once/],
    [['01:00', '02:00', '03:00', '04:00', '05:00', '06:00', '07:00'], /1 to 6/],
  ])('refuses %j naming shiftChanges', (raw, message) => {
    expect(() => readShiftChanges(raw)).toThrow(InvalidShiftChanges);
    expect(() => readShiftChanges(raw)).toThrow(/^shiftChanges: /);
    expect(() => readShiftChanges(raw)).toThrow(message);
  });
});

describe('the shift in progress, on the Oslo clock', () => {
  it('runs from one change to the next in winter (UTC+1) and summer (UTC+2)', () => {
    expect(span('2025-01-15T10:00:00Z')).toEqual(['2025-01-15T06:00:00.000Z', '2025-01-15T14:00:00.000Z']);
    expect(span('2025-07-15T10:00:00Z')).toEqual(['2025-07-15T05:00:00.000Z', '2025-07-15T13:00:00.000Z']);
  });

  it('starts a shift at the very minute of the change', () => {
    expect(span('2025-01-15T06:00:00Z')[0]).toBe('2025-01-15T06:00:00.000Z');
    expect(span('2025-01-15T05:59:59.999Z')[1]).toBe('2025-01-15T06:00:00.000Z');
  });

  it('carries the night shift across midnight', () => {
    // 00:30 in Oslo on 16 January belongs to the shift that began at 23:00 on the 15th.
    expect(span('2025-01-15T23:30:00Z')).toEqual(['2025-01-15T22:00:00.000Z', '2025-01-16T06:00:00.000Z']);
  });

  it('makes the night the clocks go forward seven hours long, and the night they go back nine', () => {
    // Summer time begins at 02:00 on 30 March 2025 and ends at 03:00 on 26 October 2025.
    expect(span('2025-03-30T01:30:00Z')).toEqual(['2025-03-29T22:00:00.000Z', '2025-03-30T05:00:00.000Z']);
    expect(hours('2025-03-30T01:30:00Z')).toBe(7);
    expect(span('2025-10-26T01:30:00Z')).toEqual(['2025-10-25T21:00:00.000Z', '2025-10-26T06:00:00.000Z']);
    expect(hours('2025-10-26T01:30:00Z')).toBe(9);
    // The day shifts either side keep their eight hours.
    expect(hours('2025-03-30T08:00:00Z')).toBe(8);
    expect(hours('2025-10-26T08:00:00Z')).toBe(8);
  });

  it('starts a change the spring clock skips (02:30) at 03:30, and one the autumn clock repeats at its first', () => {
    const changes = ['02:30', '14:30'];
    expect(span('2025-03-30T00:00:00Z', changes)).toEqual(['2025-03-29T13:30:00.000Z', '2025-03-30T01:30:00.000Z']);
    expect(span('2025-10-26T00:15:00Z', changes)).toEqual(['2025-10-25T12:30:00.000Z', '2025-10-26T00:30:00.000Z']);
  });

  it('follows a plan with one change a day, or two', () => {
    expect(span('2025-01-15T10:00:00Z', ['08:00'])).toEqual(['2025-01-15T07:00:00.000Z', '2025-01-16T07:00:00.000Z']);
    expect(span('2025-01-15T06:00:00Z', ['08:00'])).toEqual(['2025-01-14T07:00:00.000Z', '2025-01-15T07:00:00.000Z']);
    expect(span('2025-01-15T20:00:00Z', ['07:30', '19:30'])).toEqual(['2025-01-15T18:30:00.000Z', '2025-01-16T06:30:00.000Z']);
  });
});

describe('how long a handover note is current', () => {
  const current = (kind: 'resident' | 'shift', written: string, when: string, days?: number) =>
    isCurrent({ expiresAt: noteExpiry(kind, at(written), DEFAULT_SHIFT_CHANGES, days), resolvedAt: null }, at(when));

  it('keeps a shift note written before the change through the whole next shift, and no longer', () => {
    // Written 06:50 by the night shift: read by the day shift, gone when the evening shift comes.
    expect(noteExpiry('shift', at('2025-01-15T05:50:00Z'), DEFAULT_SHIFT_CHANGES).toISOString()).toBe('2025-01-15T14:00:00.000Z');
    expect(current('shift', '2025-01-15T05:50:00Z', '2025-01-15T13:59:00Z')).toBe(true);
    expect(current('shift', '2025-01-15T05:50:00Z', '2025-01-15T14:00:00Z')).toBe(false);
  });

  it('keeps a shift note written just after the change for the next shift too', () => {
    // Written 07:10 (the night operator stayed on): it still reaches the evening shift.
    expect(noteExpiry('shift', at('2025-01-15T06:10:00Z'), DEFAULT_SHIFT_CHANGES).toISOString()).toBe('2025-01-15T22:00:00.000Z');
  });

  it('ends a shift note with the day shift after a short spring night, by the Oslo clock', () => {
    // Written 22:00 on 29 March (evening shift): the night shift runs 23:00 CET to 07:00 CEST.
    expect(noteExpiry('shift', at('2025-03-29T21:00:00Z'), DEFAULT_SHIFT_CHANGES).toISOString()).toBe('2025-03-30T05:00:00.000Z');
    // Written during that night: it lasts until 15:00 CEST.
    expect(noteExpiry('shift', at('2025-03-30T03:00:00Z'), DEFAULT_SHIFT_CHANGES).toISOString()).toBe('2025-03-30T13:00:00.000Z');
    // Written 22:00 on 25 October (evening shift): the long night ends at 07:00 CET.
    expect(noteExpiry('shift', at('2025-10-25T20:00:00Z'), DEFAULT_SHIFT_CHANGES).toISOString()).toBe('2025-10-26T06:00:00.000Z');
  });

  it('keeps a resident note for three days by default, to the end of the shift then in progress', () => {
    // Written 03:00 on Wednesday: current until the night shift of Saturday ends at 07:00.
    expect(noteExpiry('resident', at('2025-01-15T02:00:00Z'), DEFAULT_SHIFT_CHANGES).toISOString()).toBe('2025-01-18T06:00:00.000Z');
    expect(current('resident', '2025-01-15T02:00:00Z', '2025-01-18T05:59:00Z')).toBe(true);
    expect(current('resident', '2025-01-15T02:00:00Z', '2025-01-18T06:00:00Z')).toBe(false);
  });

  it('keeps a resident note for the days asked for, across the spring change', () => {
    // Written 10:00 CET on 28 March for 2 days: 48 hours on it is 11:00 CEST, in the day shift ending 15:00 CEST.
    expect(noteExpiry('resident', at('2025-03-28T09:00:00Z'), DEFAULT_SHIFT_CHANGES, 2).toISOString()).toBe('2025-03-30T13:00:00.000Z');
    expect(current('resident', '2025-03-28T09:00:00Z', '2025-03-30T12:59:00Z', 2)).toBe(true);
    expect(current('resident', '2025-03-28T09:00:00Z', '2025-03-30T13:00:00Z', 2)).toBe(false);
  });

  it('ends any note once it is resolved', () => {
    const note = { expiresAt: noteExpiry('resident', at('2025-01-15T02:00:00Z'), DEFAULT_SHIFT_CHANGES), resolvedAt: at('2025-01-15T08:00:00Z') };
    expect(isCurrent(note, at('2025-01-15T09:00:00Z'))).toBe(false);
    expect(isCurrent({ ...note, resolvedAt: null }, at('2025-01-15T09:00:00Z'))).toBe(true);
  });

  it("follows the municipality's own shift plan", () => {
    // Two twelve-hour shifts: a note written 19:00 by the day shift lasts through the night shift.
    expect(noteExpiry('shift', at('2025-01-15T18:00:00Z'), ['07:30', '19:30']).toISOString()).toBe('2025-01-16T06:30:00.000Z');
  });
});
