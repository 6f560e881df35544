import type { SupervisorAlert } from '@knutepunkt/hub/contract';
import { describeDuration } from './device-health';
import { translate, type Messages } from './i18n/index';

/** How many alerts the desk keeps; older ones are long since seen or dealt with in the queue. */
export const MAX_SUPERVISOR_ALERTS = 20;

export interface SupervisorAlertEntry {
  /** One entry per alarm (or incident) and kind: a further escalation of the same one replaces its alert. */
  key: string;
  alert: SupervisorAlert;
}

/** The alarm or incident the alert is about. */
export function subjectIdOf(alert: SupervisorAlert): string {
  return alert.kind === 'incident-not-answered' ? alert.incident.id : alert.alarm.id;
}

const keyOf = (alert: SupervisorAlert) => `${alert.kind}:${subjectIdOf(alert)}`;

/** The list with a new alert on top, newest first; the earlier alert of the same kind about the same alarm or incident goes. */
export function receiveSupervisorAlert(list: readonly SupervisorAlertEntry[], alert: SupervisorAlert): SupervisorAlertEntry[] {
  const key = keyOf(alert);
  const rest = list.filter((entry) => entry.key !== key);
  const newer = rest.filter((entry) => entry.alert.at > alert.at);
  // An alert delivered late (a reconnect) keeps its place in time rather than jumping the list.
  return [...newer, { key, alert }, ...rest.filter((entry) => entry.alert.at <= alert.at)].slice(0, MAX_SUPERVISOR_ALERTS);
}

export function dismissSupervisorAlert(list: readonly SupervisorAlertEntry[], key: string): SupervisorAlertEntry[] {
  return list.filter((entry) => entry.key !== key);
}

/**
 * The alert in words: "Alarm ikke besvart: 4.1 Fall – Astrid Hansen, Storgata 1, eskalert 2
 * ganger", "Ikke på stedet innen 45 min: 4.1 Fall – Astrid Hansen, Storgata 1
 * (Hjemmetjenesten Sentrum)" or "Hendelse ikke besvart: Mulig strøm- eller nettbrudd, 12
 * enheter, eskalert 1 gang". The on-site limit is the time from call-out to the alert.
 */
export function describeSupervisorAlert(alert: SupervisorAlert, messages: Messages): string {
  if (alert.kind === 'incident-not-answered') {
    const { incident } = alert;
    const subject = translate(messages, 'supervisorAlert.incidentSubject', {
      kind: translate(messages, 'incident.outage'),
      devices: translate(messages, 'incident.devices', { count: incident.deviceCount }),
    });
    const count = incident.escalationLevel;
    return translate(messages, count === 1 ? 'supervisorAlert.incident-not-answered.one' : 'supervisorAlert.incident-not-answered.other', { incident: subject, count });
  }
  const { alarm } = alert;
  const subject = translate(messages, 'supervisorAlert.subject', {
    code: alarm.code,
    display: alarm.codeDisplay,
    resident: alarm.resident.name,
    address: alarm.resident.address,
  });
  if (alert.kind === 'not-answered') {
    const count = alarm.escalationLevel;
    return translate(messages, count === 1 ? 'supervisorAlert.not-answered.one' : 'supervisorAlert.not-answered.other', { alarm: subject, count });
  }
  const calledOutAt = alarm.callOut ? Date.parse(alarm.callOut.calledOutAt) : Number.NaN;
  const waited = Date.parse(alert.at) - calledOutAt;
  // Limits are set in minutes; the job runs a moment after the limit, which is not worth showing.
  const limit = Number.isFinite(waited) ? describeDuration(waited >= 60_000 ? Math.round(waited / 60_000) * 60_000 : waited, messages) : null;
  const team = alarm.callOut?.team.name;
  const withTeam = team ? translate(messages, 'supervisorAlert.withTeam', { alarm: subject, team }) : subject;
  return limit === null
    ? translate(messages, 'supervisorAlert.not-on-site.late', { alarm: withTeam })
    : translate(messages, 'supervisorAlert.not-on-site', { alarm: withTeam, limit });
}
