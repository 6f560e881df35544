import type { DispenserDoses, JournalPolicy } from '@knutepunkt/hub/contract';
import { translate, type Messages } from './i18n';
import { formatCalendarDate, osloToday } from './oslo-time';

/** Every dispenser choice the hub knows, in the order offered: a new one in the contract is a compile error here until it is placed. */
const DISPENSER_DOSE_ORDER: Record<DispenserDoses, number> = { 'daily-summary': 0, 'each-dose': 1, none: 2 };
export const DISPENSER_DOSE_CHOICES = (Object.keys(DISPENSER_DOSE_ORDER) as DispenserDoses[]).sort((a, b) => DISPENSER_DOSE_ORDER[a] - DISPENSER_DOSE_ORDER[b]);

/**
 * What the admin's form sends: all three settings, so the stored policy is what the admin saw.
 * The time is only trimmed; `summaryTimeProblem` has checked it first.
 */
export function policyRequest(form: JournalPolicy): JournalPolicy {
  return { technicalAlarms: form.technicalAlarms, dispenserDoses: form.dispenserDoses, dailySummaryAt: form.dailySummaryAt.trim() };
}

/**
 * Why the hub would refuse the form's time of day, as a message in the admin's language; null
 * when it is a time the hub takes ("HH:MM", 00:00–23:59, the hub's own rule).
 */
export function summaryTimeProblem(form: Pick<JournalPolicy, 'dailySummaryAt'>): 'journalPolicy.dailySummaryAt.invalid' | null {
  return /^([01]\d|2[0-3]):[0-5]\d$/.test(form.dailySummaryAt.trim()) ? null : 'journalPolicy.dailySummaryAt.invalid';
}

/** Whether the form says something other than the saved policy: nothing to save otherwise. */
export function policyChanged(saved: JournalPolicy, form: JournalPolicy): boolean {
  const request = policyRequest(form);
  return request.technicalAlarms !== saved.technicalAlarms || request.dispenserDoses !== saved.dispenserDoses || request.dailySummaryAt !== saved.dailySummaryAt;
}

/**
 * The day a summary is usually written by hand for: yesterday on the Oslo calendar (the last
 * whole day), as YYYY-MM-DD. Just after midnight in Oslo, UTC may still be on the day before.
 */
export function yesterdayInOslo(now: number): string {
  const today = osloToday(now);
  return new Date(Date.UTC(today.year, today.month - 1, today.day - 1)).toISOString().slice(0, 10);
}

/** What writing a day's summaries did: how many entries, or that there was nothing (new) to write. */
export function describeWritten(written: number, date: string, messages: Messages, locale: string): string {
  const day = formatCalendarDate(date, locale);
  if (written === 0) return translate(messages, 'journalPolicy.written.none', { date: day });
  return written === 1
    ? translate(messages, 'journalPolicy.written.one', { date: day })
    : translate(messages, 'journalPolicy.written.other', { date: day, count: written });
}
