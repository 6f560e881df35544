import { compareQueue, type AlarmView } from '@knutepunkt/hub/contract';

/** The hub lists alarms closed within this window; the console lets them go after it too. */
export const CLOSED_VISIBLE_MS = 10 * 60 * 1000;

const time = (iso: string | null): number => (iso ? Date.parse(iso) : Number.NaN);

/** The hub's queue order (the contract's), so both agree on which alarm is the most urgent. */
export const compareAlarms = compareQueue;

export function orderQueue(alarms: Iterable<AlarmView>): AlarmView[] {
  return [...alarms].sort(compareAlarms);
}

/** Whether an alarm still belongs in the queue at `now` (closed ones stay for a short while). */
export function isInQueue(alarm: AlarmView, now: number): boolean {
  if (alarm.state !== 'closed') return true;
  const closedAt = time(alarm.closedAt);
  return Number.isNaN(closedAt) || now - closedAt <= CLOSED_VISIBLE_MS;
}

export function isUntaken(alarm: AlarmView): boolean {
  return alarm.state === 'reported' && alarm.takenBy === null;
}

/**
 * What `t` takes: the selected alarm if nobody has it yet, otherwise the most urgent untaken one.
 * `ordered` must already be in queue order.
 */
export function pickAlarmToTake(ordered: readonly AlarmView[], selectedId: string | null): AlarmView | undefined {
  const selected = selectedId === null ? undefined : ordered.find((alarm) => alarm.id === selectedId);
  if (selected && isUntaken(selected)) return selected;
  return ordered.find(isUntaken);
}

/**
 * How long the alarm has waited: from raisedAt until now, or until it was closed. A browser clock
 * slightly behind the hub's must not show a negative age.
 */
export function alarmAgeMs(alarm: Pick<AlarmView, 'raisedAt' | 'closedAt'>, now: number): number {
  const end = alarm.closedAt ? time(alarm.closedAt) : now;
  const age = end - time(alarm.raisedAt);
  return Number.isFinite(age) && age > 0 ? age : 0;
}

/** mm:ss below an hour, h:mm:ss from then on. */
export function formatAge(ms: number): string {
  const totalSeconds = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  return hours > 0 ? `${hours}:${two(minutes)}:${two(seconds)}` : `${two(minutes)}:${two(seconds)}`;
}

/**
 * Whether `incoming` is older than what the console already shows. AlarmView carries no revision,
 * but every lifecycle step adds to the log, the ones that go back (release, reopen, a call-out
 * done or cancelled) too: a shorter log is older. With the same log, a copy that has not seen an
 * escalation, or that misses a take the console already knows of (a refused take), is older.
 */
export function isStaleUpdate(current: AlarmView | undefined, incoming: AlarmView): boolean {
  if (!current) return false;
  if (incoming.log.length !== current.log.length) return incoming.log.length < current.log.length;
  if (incoming.escalationLevel !== current.escalationLevel) return incoming.escalationLevel < current.escalationLevel;
  return incoming.takenBy === null && current.takenBy !== null;
}
