/** ISO 8601 date-time with an explicit offset: an instant, whatever the hub's own time zone. */
const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

/** The largest distance from 1970 a JavaScript Date can hold (±100,000,000 days). */
const MAX_DATE_MILLIS = 8.64e15;

export function isInstant(text: string): boolean {
  const match = ISO_INSTANT.exec(text);
  if (!match || Number.isNaN(Date.parse(text))) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  // Date.parse rolls 30 February over into March; a real calendar date survives the round trip.
  const calendar = new Date(Date.UTC(year, month - 1, day));
  return calendar.getUTCMonth() === month - 1 && calendar.getUTCDate() === day;
}

/** The instant in the hub's one form (2026-03-01T07:14:05.000Z), or undefined when it is none. */
export function utcInstant(value: unknown): string | undefined {
  if (typeof value !== 'string' || !isInstant(value)) return undefined;
  return new Date(value).toISOString();
}

/** Milliseconds since 1970 in the hub's one form, or undefined beyond what a Date can hold. */
export function instantFromMillis(millis: number): string | undefined {
  if (!Number.isFinite(millis) || Math.abs(millis) > MAX_DATE_MILLIS) return undefined;
  return new Date(Math.round(millis)).toISOString();
}
