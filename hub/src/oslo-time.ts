/** Europe/Oslo wall-clock time: what municipalities set in local time (shift changes, the daily summary's hour). */

/** A time of day as `HH:MM`, 00:00–23:59. */
export const TIME_OF_DAY = /^([01]\d|2[0-3]):([0-5]\d)$/;

const wallClock = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/Oslo',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

/** The Oslo wall clock at an instant, as if it were UTC milliseconds. */
export function osloWall(instant: number): number {
  const part: Record<string, number> = {};
  for (const { type, value } of wallClock.formatToParts(new Date(instant))) part[type] = Number(value);
  return Date.UTC(part.year!, part.month! - 1, part.day!, part.hour!, part.minute!, part.second!);
}

/** Oslo's calendar day and time of day at an instant: `{ date: '2026-11-23', time: '06:05' }`. */
export function osloDateAndTime(at: Date): { date: string; time: string } {
  const wall = new Date(osloWall(at.getTime())).toISOString();
  return { date: wall.slice(0, 10), time: wall.slice(11, 16) };
}
