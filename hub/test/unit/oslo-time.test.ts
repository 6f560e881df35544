import { describe, expect, it } from 'vitest';
import { osloDateAndTime, TIME_OF_DAY } from '../../src/oslo-time.js';

describe('osloDateAndTime', () => {
  it("gives Oslo's day and time of day, an hour ahead of UTC in winter and two in summer", () => {
    expect(osloDateAndTime(new Date('2026-01-15T05:30:00Z'))).toEqual({ date: '2026-01-15', time: '06:30' });
    expect(osloDateAndTime(new Date('2026-07-15T04:30:00Z'))).toEqual({ date: '2026-07-15', time: '06:30' });
  });

  it('is already tomorrow in Oslo shortly before midnight UTC', () => {
    expect(osloDateAndTime(new Date('2026-11-22T23:10:00Z'))).toEqual({ date: '2026-11-23', time: '00:10' });
    expect(osloDateAndTime(new Date('2026-12-31T23:59:59Z'))).toEqual({ date: '2027-01-01', time: '00:59' });
  });
});

describe('TIME_OF_DAY', () => {
  it('takes HH:MM from 00:00 to 23:59 and nothing else', () => {
    expect(['00:00', '06:00', '23:59'].every((time) => TIME_OF_DAY.test(time))).toBe(true);
    expect(['24:00', '6:00', '06:60', '06:00:00', ' 06:00'].some((time) => TIME_OF_DAY.test(time))).toBe(false);
  });
});
