import { type AlarmView, compareQueueRanks, type IncidentMemberView, type IncidentState, type IncidentView, type QueueRank, queueRankOf, urgencyOf } from '@knutepunkt/hub/contract';
import { CLOSED_VISIBLE_MS } from './queue-order';

/**
 * Incidents in the alarm queue: an open incident stands as one row where its alarms would stand,
 * so fifty devices in a power cut are one row, not fifty. Pure functions; the board and the
 * queue component hold the state.
 */

/** One row of the queue: an alarm on its own, or an incident standing for its alarms. */
export type QueueEntry = { kind: 'alarm'; key: string; alarm: AlarmView } | { kind: 'incident'; key: string; incident: IncidentView };

const time = (iso: string | null): number => (iso ? Date.parse(iso) : Number.NaN);

export function isIncidentInQueue(incident: IncidentView, now: number): boolean {
  if (incident.state !== 'closed') return true;
  const closedAt = time(incident.closedAt);
  return Number.isNaN(closedAt) || now - closedAt <= CLOSED_VISIBLE_MS;
}

/**
 * The alarms that do not get a row of their own: those of an incident, except that once the
 * incident is closed, an alarm of it still open (someone handles it on its own, or reopened it)
 * is a row by itself again. `liveAlarm` gives the queue's newer copy of an alarm, if it has one.
 */
export function foldedAlarmIds(incidents: Iterable<IncidentView>, liveAlarm: (id: string) => AlarmView | undefined = () => undefined): Set<string> {
  const folded = new Set<string>();
  for (const incident of incidents) {
    for (const member of incident.members) {
      const state = liveAlarm(member.alarmId)?.state ?? member.state;
      if (incident.state !== 'closed' || state === 'closed') folded.add(member.alarmId);
    }
  }
  return folded;
}

function rank(entry: QueueEntry): QueueRank {
  if (entry.kind === 'alarm') return queueRankOf(entry.alarm);
  const { incident } = entry;
  // An outage reaches real homes: an incident always ranks as real.
  return { closed: incident.state === 'closed', training: false, urgency: urgencyOf(incident), since: time(incident.openedAt), closedAt: time(incident.closedAt), id: incident.id };
}

/** The queue's order (the contract's compareQueue), with an incident ranked by its severity, escalations and opening time. */
export function compareEntries(a: QueueEntry, b: QueueEntry): number {
  return compareQueueRanks(rank(a), rank(b));
}

/** The queue's rows: the alarms not folded into an open incident, and the incidents, in queue order. */
export function queueEntries(alarms: readonly AlarmView[], incidents: readonly IncidentView[]): QueueEntry[] {
  const byId = new Map(alarms.map((alarm) => [alarm.id, alarm]));
  const folded = foldedAlarmIds(incidents, (id) => byId.get(id));
  return [
    ...alarms.filter((alarm) => !folded.has(alarm.id)).map((alarm): QueueEntry => ({ kind: 'alarm', key: `alarm:${alarm.id}`, alarm })),
    ...incidents.map((incident): QueueEntry => ({ kind: 'incident', key: `incident:${incident.id}`, incident })),
  ].sort(compareEntries);
}

const STATE_RANK: Record<IncidentState, number> = { reported: 0, 'being-handled': 1, closed: 2 };

/**
 * Whether `incoming` is older than the copy the console shows: an incident only moves forward,
 * and only gains alarms and escalations.
 */
export function isStaleIncident(current: IncidentView | undefined, incoming: IncidentView): boolean {
  if (!current) return false;
  const rankDelta = STATE_RANK[incoming.state] - STATE_RANK[current.state];
  if (rankDelta !== 0) return rankDelta < 0;
  if (incoming.members.length !== current.members.length) return incoming.members.length < current.members.length;
  if (incoming.escalationLevel !== current.escalationLevel) return incoming.escalationLevel < current.escalationLevel;
  return incoming.openDeviceCount > current.openDeviceCount;
}

/**
 * An incident's device list as the operator reads it: each alarm as the queue knows it now
 * (the socket keeps alarms fresher than the incident's own copy), still open first, then by
 * resident.
 */
export function incidentMembers(incident: IncidentView, liveAlarm: (id: string) => AlarmView | undefined): IncidentMemberView[] {
  const members = incident.members.map((member): IncidentMemberView => {
    const live = liveAlarm(member.alarmId);
    return live ? { ...member, state: live.state, takenBy: live.takenBy, severity: live.severity } : member;
  });
  const closed = (member: IncidentMemberView) => (member.state === 'closed' ? 1 : 0);
  return members.sort((a, b) => closed(a) - closed(b) || a.resident.name.localeCompare(b.resident.name, 'nb') || a.device.id.localeCompare(b.device.id));
}

/** Whether a newly raised alarm should sound: not when it only joins an incident already heard. */
export function soundsForAlarm(alarm: AlarmView, folded: ReadonlySet<string>): boolean {
  return alarm.state !== 'closed' && !folded.has(alarm.id);
}

/** An incident sounds when it opens and each time it escalates, never for an update. */
export function soundsForIncident(incident: IncidentView, event: 'incident:opened' | 'incident:updated' | 'incident:escalated'): boolean {
  return event !== 'incident:updated' && incident.state !== 'closed';
}
