import type { AlarmView, CallOutDetail } from '@knutepunkt/hub/contract';
import { isCallOutUnderWay } from './alarm-actions';
import { isStaleUpdate } from './queue-order';

/** Oldest call-out first, as the hub lists them: the one waiting longest is the one to go to. */
export function orderCallOuts(list: readonly CallOutDetail[]): CallOutDetail[] {
  const calledOut = (detail: CallOutDetail) => Date.parse(detail.alarm.callOut?.calledOutAt ?? detail.alarm.raisedAt);
  return [...list].sort((a, b) => calledOut(a) - calledOut(b) || a.alarm.id.localeCompare(b.alarm.id));
}

/** Whether the alarm is a call-out under way to this team (any team when `teamId` is null). */
export function isTeamCallOut(alarm: AlarmView, teamId: string | null): boolean {
  return isCallOutUnderWay(alarm) && alarm.callOut !== null && (teamId === null || alarm.callOut.team.id === teamId);
}

/**
 * One 'call-out:updated' event applied to a team's list. A call-out that ended (done,
 * cancelled, the alarm closed) or went to another team leaves the list; a change to a listed one
 * replaces its alarm and keeps its resident; an update older than the copy held is ignored. The
 * event carries no resident: a call-out the list does not have yet is `unknown`, and the list
 * must be fetched again.
 */
export function applyCallOutUpdate(
  list: readonly CallOutDetail[],
  alarm: AlarmView,
  teamId: string | null,
): { list: CallOutDetail[]; unknown: boolean } {
  const held = list.find((detail) => detail.alarm.id === alarm.id);
  if (held && isStaleUpdate(held.alarm, alarm)) return { list: [...list], unknown: false };
  if (!isTeamCallOut(alarm, teamId)) return { list: list.filter((detail) => detail.alarm.id !== alarm.id), unknown: false };
  if (!held) return { list: [...list], unknown: true };
  return { list: orderCallOuts(list.map((detail) => (detail === held ? { ...held, alarm } : detail))), unknown: false };
}

/** How long since the call-out was made: what the responder's list counts up. */
export function callOutAgeMs(alarm: Pick<AlarmView, 'callOut' | 'raisedAt'>, now: number): number {
  const age = now - Date.parse(alarm.callOut?.calledOutAt ?? alarm.raisedAt);
  return Number.isFinite(age) && age > 0 ? age : 0;
}

/**
 * What the operator wrote to the team when calling out, or null. The hub logs the call-out as
 * "<team>: <note>" (just "<team>" without a note); the team's own phone needs only the note.
 */
export function callOutNote(alarm: Pick<AlarmView, 'log' | 'callOut'>): string | null {
  const logged = alarm.log.findLast((entry) => entry.step === 'sent-to-call-out')?.note?.trim();
  if (!logged) return null;
  const team = alarm.callOut?.team.name;
  if (team === undefined) return logged;
  if (logged === team) return null;
  return logged.startsWith(`${team}: `) ? logged.slice(team.length + 2) : logged;
}
