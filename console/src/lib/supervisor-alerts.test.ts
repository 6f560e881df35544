import type { AlarmView, IncidentView, SupervisorAlert } from '@knutepunkt/hub/contract';
import { describe, expect, it } from 'vitest';
import { en } from './i18n/en';
import { nb } from './i18n/nb';
import { describeSupervisorAlert, dismissSupervisorAlert, MAX_SUPERVISOR_ALERTS, receiveSupervisorAlert, subjectIdOf } from './supervisor-alerts';

function alarm(id: string, overrides: Partial<AlarmView> = {}): AlarmView {
  return {
    id,
    tenantId: 't1',
    code: '4.1',
    codeDisplay: 'Fall',
    kind: 'care',
    severity: 40,
    triageColour: 'R',
    reason: 'Fall',
    state: 'reported',
    occurredAt: '2025-01-10T08:00:00.000Z',
    raisedAt: '2025-01-10T08:00:00.000Z',
    takenBy: null,
    takenAt: null,
    closedAt: null,
    cause: null,
    measures: [],
    resident: { id: 'r1', name: 'Astrid Hansen', address: 'Storgata 1' },
    device: { id: 'd1', model: 'Native', training: false },
    journal: { status: 'not-journaled', at: null, error: null },
    log: [],
    escalationLevel: 1,
    escalatedAt: '2025-01-10T08:01:00.000Z',
    repeatCount: 0,
    callOut: null,
    ...overrides,
  };
}

const notAnswered = (id: string, level: number, at: string): SupervisorAlert => ({ kind: 'not-answered', alarm: alarm(id, { escalationLevel: level }), at });

const lateResponder = (waitedMs: number): SupervisorAlert => ({
  kind: 'not-on-site',
  alarm: alarm('a', {
    state: 'responder-on-way',
    takenBy: { id: 'o1', displayName: 'Kari Operatør' },
    escalationLevel: 0,
    callOut: {
      team: { id: 'team-sentrum', name: 'Hjemmetjenesten Sentrum', phone: null, zones: ['Sentrum'] },
      responder: { id: 'p1', displayName: 'Per Pleier' },
      calledOutAt: '2025-01-10T08:00:00.000Z',
      onSiteAt: null,
    },
  }),
  at: new Date(Date.parse('2025-01-10T08:00:00.000Z') + waitedMs).toISOString(),
});

/** An outage incident of `devices` devices, escalated `level` times; its members are not what the alert says. */
const incidentNotAnswered = (id: string, devices: number, level: number, at: string): SupervisorAlert => {
  const incident: IncidentView = {
    id,
    tenantId: 't1',
    kind: 'outage',
    state: 'reported',
    openedAt: '2025-01-10T08:00:00.000Z',
    takenBy: null,
    takenAt: null,
    closedAt: null,
    closedBy: null,
    closingNote: null,
    escalationLevel: level,
    escalatedAt: at,
    severity: 30,
    triageColour: 'O',
    deviceCount: devices,
    openDeviceCount: devices,
    members: [],
  };
  return { kind: 'incident-not-answered', incident, at };
};

describe('supervisor alerts in words', () => {
  it('says an alarm is not answered and how often it escalated', () => {
    expect(describeSupervisorAlert(notAnswered('a', 2, '2025-01-10T08:02:00.000Z'), nb)).toBe(
      'Alarm ikke besvart: 4.1 Fall – Astrid Hansen, Storgata 1, eskalert 2 ganger',
    );
    expect(describeSupervisorAlert(notAnswered('a', 1, '2025-01-10T08:01:00.000Z'), nb)).toBe(
      'Alarm ikke besvart: 4.1 Fall – Astrid Hansen, Storgata 1, eskalert 1 gang',
    );
    expect(describeSupervisorAlert(notAnswered('a', 3, '2025-01-10T08:03:00.000Z'), en)).toBe(
      'Alarm not answered: 4.1 Fall – Astrid Hansen, Storgata 1, escalated 3 times',
    );
  });

  it('says a responder is not on site within the limit, and which team', () => {
    // The job runs a moment after the limit: whole minutes are what the supervisor set.
    expect(describeSupervisorAlert(lateResponder(45 * 60_000 + 800), nb)).toBe(
      'Ikke på stedet innen 45 min: 4.1 Fall – Astrid Hansen, Storgata 1 (Hjemmetjenesten Sentrum)',
    );
    expect(describeSupervisorAlert(lateResponder(5_000), en)).toBe('Not on site within 5 s: 4.1 Fall – Astrid Hansen, Storgata 1 (Hjemmetjenesten Sentrum)');
  });

  it('says an outage incident is not answered, how many devices it holds and how often it escalated', () => {
    expect(describeSupervisorAlert(incidentNotAnswered('i', 12, 1, '2025-01-10T08:01:00.000Z'), nb)).toBe(
      'Hendelse ikke besvart: Mulig strøm- eller nettbrudd, 12 enheter, eskalert 1 gang',
    );
    expect(describeSupervisorAlert(incidentNotAnswered('i', 5, 3, '2025-01-10T08:03:00.000Z'), nb)).toBe(
      'Hendelse ikke besvart: Mulig strøm- eller nettbrudd, 5 enheter, eskalert 3 ganger',
    );
    expect(describeSupervisorAlert(incidentNotAnswered('i', 5, 2, '2025-01-10T08:02:00.000Z'), en)).toBe(
      'Incident not answered: Possible power or network outage, 5 devices, escalated 2 times',
    );
  });
});

describe('the list of supervisor alerts', () => {
  it('keeps the newest first', () => {
    let list = receiveSupervisorAlert([], notAnswered('a', 1, '2025-01-10T08:01:00.000Z'));
    list = receiveSupervisorAlert(list, lateResponder(60_000));
    list = receiveSupervisorAlert(list, notAnswered('b', 1, '2025-01-10T08:05:00.000Z'));
    expect(list.map((entry) => subjectIdOf(entry.alert) + ':' + entry.alert.kind)).toEqual(['b:not-answered', 'a:not-on-site', 'a:not-answered']);
  });

  it("replaces an alarm's earlier alert of the same kind with its latest escalation", () => {
    let list = receiveSupervisorAlert([], notAnswered('a', 1, '2025-01-10T08:01:00.000Z'));
    list = receiveSupervisorAlert(list, notAnswered('b', 1, '2025-01-10T08:01:30.000Z'));
    list = receiveSupervisorAlert(list, notAnswered('a', 2, '2025-01-10T08:02:00.000Z'));
    expect(list.map((entry) => [subjectIdOf(entry.alert), entry.alert.kind === 'not-answered' && entry.alert.alarm.escalationLevel])).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
  });

  it('puts an alert that arrives late in its place in time', () => {
    let list = receiveSupervisorAlert([], notAnswered('b', 1, '2025-01-10T08:05:00.000Z'));
    list = receiveSupervisorAlert(list, notAnswered('a', 1, '2025-01-10T08:01:00.000Z'));
    expect(list.map((entry) => subjectIdOf(entry.alert))).toEqual(['b', 'a']);
  });

  it('forgets the oldest beyond its length', () => {
    let list = receiveSupervisorAlert([], notAnswered('first', 1, '2025-01-10T07:00:00.000Z'));
    for (let i = 0; i < MAX_SUPERVISOR_ALERTS; i += 1) list = receiveSupervisorAlert(list, notAnswered(`n${i}`, 1, `2025-01-10T08:${String(i).padStart(2, '0')}:00.000Z`));
    expect(list).toHaveLength(MAX_SUPERVISOR_ALERTS);
    expect(list.some((entry) => subjectIdOf(entry.alert) === 'first')).toBe(false);
  });

  it('dismisses one alert and keeps the rest', () => {
    let list = receiveSupervisorAlert([], notAnswered('a', 1, '2025-01-10T08:01:00.000Z'));
    list = receiveSupervisorAlert(list, notAnswered('b', 1, '2025-01-10T08:02:00.000Z'));
    expect(dismissSupervisorAlert(list, list[0]!.key).map((entry) => subjectIdOf(entry.alert))).toEqual(['a']);
  });

  it("keeps an incident's latest escalation once, beside alarms' alerts, even when an alarm has the same id", () => {
    let list = receiveSupervisorAlert([], incidentNotAnswered('x', 6, 1, '2025-01-10T08:01:00.000Z'));
    list = receiveSupervisorAlert(list, notAnswered('x', 1, '2025-01-10T08:01:30.000Z'));
    list = receiveSupervisorAlert(list, incidentNotAnswered('x', 7, 2, '2025-01-10T08:02:00.000Z'));
    expect(list.map((entry) => [entry.alert.kind, entry.alert.kind === 'incident-not-answered' ? entry.alert.incident.escalationLevel : null])).toEqual([
      ['incident-not-answered', 2],
      ['not-answered', null],
    ]);
  });
});
