import type { EpjContextView, EpjPlannedVisit } from '@knutepunkt/hub/contract';
import { describeAgo, translate, type Messages } from './i18n/index';
import { elapsedOf } from './oslo-time';
import type { Notice } from './notice';

/** FHIR's day codes; 1 January 2024 was a Monday, so day i of that week names code i. */
const DAY_CODES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/**
 * How old the copy is now: its age when the hub answered plus the time since, so a desk whose
 * clock disagrees with the hub's still shows the right age.
 */
export function contextAgeMs(view: Pick<EpjContextView, 'ageSeconds'>, receivedAt: number, now: number): number {
  return view.ageSeconds * 1000 + Math.max(0, now - receivedAt);
}

/** "hentet for 5 minutter siden": in the words of the profile's "Oppdatert …" just above it. */
export function describeFetched(ageMs: number, messages: Messages): string {
  return translate(messages, 'epjContext.fetched', { ago: describeAgo(elapsedOf(ageMs), messages) });
}

/** "08:00 · daglig", "10:00 · torsdag": when a planned visit happens. */
export function describeVisitTiming(visit: Pick<EpjPlannedVisit, 'times' | 'daysOfWeek' | 'periodUnit'>, messages: Messages, intlLocale: string): string {
  const days = visit.daysOfWeek.map((day) => weekdayName(day, intlLocale));
  const how = days.length > 0 ? days.join(', ') : visit.periodUnit === 'd' ? translate(messages, 'epjContext.daily') : visit.periodUnit === 'wk' ? translate(messages, 'epjContext.weekly') : '';
  const parts = [visit.times.join(', '), how].filter((part) => part !== '');
  return parts.length > 0 ? parts.join(' · ') : translate(messages, 'epjContext.noTime');
}

function weekdayName(code: string, intlLocale: string): string {
  const index = DAY_CODES.indexOf(code);
  if (index < 0) return code;
  return new Intl.DateTimeFormat(intlLocale, { weekday: 'long', timeZone: 'UTC' }).format(Date.UTC(2024, 0, 1 + index));
}

/** What the section warns of beside the context it shows: a stale copy, or a later read that failed. */
export function contextWarning(view: Pick<EpjContextView, 'stale' | 'error'>): Notice | null {
  if (view.stale) return { key: 'epjContext.stale', params: { error: view.error ?? '' } };
  if (view.error) return { key: 'epjContext.lastReadFailed', params: { error: view.error } };
  return null;
}

/** Why there is no context to show, from the hub's refusal: no EPJ set up, or the EPJ unreadable with no copy. */
export function contextFailure(status: number, message: string): Notice {
  if (status === 409) return { key: 'epjContext.notConfigured' };
  if (status === 502 || status === 503) return { key: 'epjContext.unavailable', params: { reason: message } };
  if (status === 0) return { key: 'error.network' };
  return { key: 'error.generic', params: { message } };
}
