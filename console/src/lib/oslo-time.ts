/** Times travel in UTC and are always shown as the wall clock in Oslo, whatever the desk's setting. */
export const TIME_ZONE = 'Europe/Oslo';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(locale: string, style: 'time' | 'minute' | 'dateTime' | 'date'): Intl.DateTimeFormat {
  const key = `${locale}|${style}`;
  let found = formatters.get(key);
  if (!found) {
    const options: Intl.DateTimeFormatOptions =
      style === 'time'
        ? { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }
        : style === 'minute'
          ? { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }
          : style === 'date'
          ? { day: '2-digit', month: '2-digit', year: 'numeric' }
          : { day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
    found = new Intl.DateTimeFormat(locale, { ...options, timeZone: TIME_ZONE });
    formatters.set(key, found);
  }
  return found;
}

function valid(iso: string | null | undefined): Date | null {
  if (!iso) return null;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? null : date;
}

export function formatClockTime(iso: string | null | undefined, locale: string): string {
  const date = valid(iso);
  return date ? formatter(locale, 'time').format(date) : '';
}

export function formatDateTime(iso: string | null | undefined, locale: string): string {
  const date = valid(iso);
  return date ? formatter(locale, 'dateTime').format(date) : '';
}

/**
 * A moment as short as it can be told apart: HH:MM when it fell on today's Oslo date, the date
 * and HH:MM when earlier ("Ingen kontakt siden 14:05" against "… siden 03.01.2025, 14:05").
 */
export function formatMoment(iso: string | null | undefined, now: number, locale: string): string {
  const date = valid(iso);
  if (!date) return '';
  const day = osloToday(date.getTime());
  const today = osloToday(now);
  const sameDay = day.year === today.year && day.month === today.month && day.day === today.day;
  return formatter(locale, sameDay ? 'minute' : 'dateTime').format(date);
}

/** A calendar date (birth date, `YYYY-MM-DD`) is not a moment: format it without shifting zones. */
export function formatCalendarDate(isoDate: string, locale: string): string {
  const [year, month, day] = isoDate.slice(0, 10).split('-').map(Number);
  if (!year || !month || !day) return isoDate;
  return new Intl.DateTimeFormat(locale, { day: '2-digit', month: '2-digit', year: 'numeric', timeZone: 'UTC' }).format(
    new Date(Date.UTC(year, month - 1, day)),
  );
}

/** Today's date on the Oslo calendar. */
export function osloToday(now: number): { year: number; month: number; day: number } {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' })
    .formatToParts(new Date(now))
    .reduce<Record<string, string>>((all, part) => ({ ...all, [part.type]: part.value }), {});
  return { year: Number(parts.year), month: Number(parts.month), day: Number(parts.day) };
}

/** Completed years of age on the Oslo calendar; NaN for a malformed birth date. */
export function ageInYears(birthDate: string, now: number): number {
  const [year, month, day] = birthDate.slice(0, 10).split('-').map(Number);
  if (!year || !month || !day) return Number.NaN;
  const today = osloToday(now);
  const hadBirthday = today.month > month || (today.month === month && today.day >= day);
  return today.year - year - (hadBirthday ? 0 : 1);
}

const MINUTE = 60 * 1000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export type ElapsedUnit = 'minute' | 'hour' | 'day' | 'month' | 'year';

/**
 * How old a piece of data is, in the largest whole unit ("3 days"); null under a minute or for
 * a malformed time. The words come from the message catalogue, not from Intl, whose Norwegian
 * says "døgn" where operators expect "dager".
 */
export function elapsedSince(iso: string, now: number): { unit: ElapsedUnit; count: number } | null {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return null;
  return elapsedOf(now - then);
}

/** A span of time in its largest whole unit, as `elapsedSince` counts it; null under a minute. */
export function elapsedOf(ms: number): { unit: ElapsedUnit; count: number } | null {
  const elapsed = Math.max(0, ms);
  if (elapsed < MINUTE) return null;
  if (elapsed < HOUR) return { unit: 'minute', count: Math.floor(elapsed / MINUTE) };
  if (elapsed < DAY) return { unit: 'hour', count: Math.floor(elapsed / HOUR) };
  if (elapsed < 30 * DAY) return { unit: 'day', count: Math.floor(elapsed / DAY) };
  if (elapsed < 365 * DAY) return { unit: 'month', count: Math.floor(elapsed / (30 * DAY)) };
  return { unit: 'year', count: Math.floor(elapsed / (365 * DAY)) };
}
