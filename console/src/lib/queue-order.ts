import { compareQueue, type AlarmState, type AlarmView } from '@knutepunkt/hub/contract';

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

const STATE_RANK: Record<AlarmState, number> = { reported: 0, 'being-handled': 1, closed: 2 };

/**
 * Whether `incoming` is older than what the console already shows. AlarmView carries no revision,
 * so a REST answer that overtook a socket event (or the reverse) is recognised by the lifecycle
 * only ever moving forward and the log only ever growing.
 */
export function isStaleUpdate(current: AlarmView | undefined, incoming: AlarmView): boolean {
  if (!current) return false;
  const rankDelta = STATE_RANK[incoming.state] - STATE_RANK[current.state];
  if (rankDelta !== 0) return rankDelta < 0;
  return incoming.log.length < current.log.length;
}
