import type { AlarmView, IncidentMemberView, IncidentView } from '@knutepunkt/hub/contract';
import { describe, expect, it } from 'vitest';
import { foldedAlarmIds, incidentMembers, isIncidentInQueue, isStaleIncident, queueEntries, soundsForAlarm, soundsForIncident } from './incident-queue';
import { CLOSED_VISIBLE_MS } from './queue-order';

function alarm(overrides: Partial<AlarmView> & Pick<AlarmView, 'id'>): AlarmView {
  return {
    tenantId: 't1',
    code: '3',
    codeDisplay: 'Trygghetsalarm',
    kind: 'technical',
    severity: 30,
    triageColour: 'O',
    reason: 'Ingen kontakt med utstyret',
    state: 'reported',
    occurredAt: '2026-02-10T02:14:00.000Z',
    raisedAt: '2026-02-10T02:14:00.000Z',
    takenBy: null,
    takenAt: null,
    closedAt: null,
    cause: null,
    measures: [],
    resident: { id: 'r1', name: 'Kari Nordmann', address: 'Storgata 1' },
    device: { id: 'd1', model: 'Trygg 300', training: false },
    journal: { status: 'not-journaled', at: null, error: null },
    escalationLevel: 0,
    escalatedAt: null,
    repeatCount: 0,
    callOut: null,
    log: [],
    ...overrides,
  };
}

function member(alarmId: string, overrides: Partial<IncidentMemberView> = {}): IncidentMemberView {
  return {
    alarmId,
    state: 'reported',
    code: '3',
    codeDisplay: 'Trygghetsalarm',
    severity: 30,
    raisedAt: '2026-02-10T02:14:00.000Z',
    takenBy: null,
    resident: { id: `r-${alarmId}`, name: `Beboer ${alarmId}`, address: 'Storgata 1' },
    device: { id: `d-${alarmId}`, model: 'Trygg 300' },
    ...overrides,
  };
}

function incident(overrides: Partial<IncidentView> & Pick<IncidentView, 'id'>): IncidentView {
  return {
    tenantId: 't1',
    kind: 'outage',
    state: 'reported',
    openedAt: '2026-02-10T02:14:05.000Z',
    takenBy: null,
    takenAt: null,
    closedAt: null,
    closedBy: null,
    closingNote: null,
    escalationLevel: 0,
    escalatedAt: null,
    severity: 30,
    triageColour: 'O',
    deviceCount: 3,
    openDeviceCount: 3,
    members: [member('a1'), member('a2'), member('a3')],
    ...overrides,
  };
}

const kari = { id: 'op1', displayName: 'Kari Operatør' };

describe('an outage incident in the queue', () => {
  it('stands as one row for its alarms, while alarms of no incident keep their own rows', () => {
    const alarms = ['a1', 'a2', 'a3'].map((id) => alarm({ id })).concat(alarm({ id: 'fall', code: '4.1', kind: 'care', severity: 40, raisedAt: '2026-02-10T02:20:00.000Z' }));
    const entries = queueEntries(alarms, [incident({ id: 'i1' })]);
    expect(entries.map((entry) => entry.key)).toEqual(['alarm:fall', 'incident:i1']);
  });

  it('ranks by urgency like an alarm: an escalated incident goes above a fresh critical fall, and an older one of equal urgency first', () => {
    const fall = alarm({ id: 'fall', severity: 40, raisedAt: '2026-02-10T02:20:00.000Z' });
    expect(queueEntries([fall], [incident({ id: 'i1', escalationLevel: 2 })]).map((entry) => entry.key)).toEqual(['incident:i1', 'alarm:fall']);
    const press = alarm({ id: 'press', severity: 30, raisedAt: '2026-02-10T02:20:00.000Z' });
    expect(queueEntries([press], [incident({ id: 'i1', members: [] })]).map((entry) => entry.key)).toEqual(['incident:i1', 'alarm:press']);
  });

  it('puts an open training alarm below every open real alarm and incident, as the contract’s order does', () => {
    const exercise = alarm({ id: 'exercise', code: '4.1', kind: 'care', severity: 40, escalationLevel: 1, raisedAt: '2026-02-10T02:00:00.000Z', device: { id: 'd9', model: 'Trygg 300', training: true } });
    const press = alarm({ id: 'press', code: '4.13', kind: 'care', severity: 10, raisedAt: '2026-02-10T02:30:00.000Z' });
    const entries = queueEntries([exercise, press], [incident({ id: 'i1', members: [] })]);
    expect(entries.map((entry) => entry.key)).toEqual(['incident:i1', 'alarm:press', 'alarm:exercise']);
  });

  it('gives back their own rows to alarms still open once the incident is closed; the closed ones stay in its row', () => {
    const closed = incident({ id: 'i1', state: 'closed', closedAt: '2026-02-10T02:40:00.000Z', members: [member('a1', { state: 'closed' }), member('a2', { state: 'being-handled', takenBy: kari })] });
    expect([...foldedAlarmIds([closed])]).toEqual(['a1']);
    const alarms = [alarm({ id: 'a1', state: 'closed', closedAt: '2026-02-10T02:40:00.000Z' }), alarm({ id: 'a2', state: 'being-handled', takenBy: kari })];
    expect(queueEntries(alarms, [closed]).map((entry) => entry.key)).toEqual(['alarm:a2', 'incident:i1']);
    // Reopened after the incident closed: the operator handles it on its own row.
    const reopened = [alarm({ id: 'a1', state: 'being-handled', takenBy: kari }), alarms[1]!];
    expect(queueEntries(reopened, [closed]).map((entry) => entry.key)).toEqual(['alarm:a1', 'alarm:a2', 'incident:i1']);
  });

  it('keeps a closed incident in the queue, greyed, as long as a closed alarm', () => {
    const closedAt = '2026-02-10T03:00:00.000Z';
    const closed = incident({ id: 'i1', state: 'closed', closedAt });
    expect(isIncidentInQueue(closed, Date.parse(closedAt) + CLOSED_VISIBLE_MS)).toBe(true);
    expect(isIncidentInQueue(closed, Date.parse(closedAt) + CLOSED_VISIBLE_MS + 1)).toBe(false);
    expect(isIncidentInQueue(incident({ id: 'i2' }), Date.parse(closedAt) + 24 * 3_600_000)).toBe(true);
  });
});

describe('keeping the newest copy of an incident', () => {
  it.each<[string, Partial<IncidentView>, Partial<IncidentView>, boolean]>([
    ['a taken incident is not untaken by an older copy', { state: 'being-handled', takenBy: kari }, { state: 'reported' }, true],
    ['a closing is news', { state: 'being-handled' }, { state: 'closed' }, false],
    ['a copy with fewer devices is older', { members: [member('a1'), member('a2')] }, { members: [member('a1')] }, true],
    ['one more device joining is news', { members: [member('a1')] }, { members: [member('a1'), member('a2')] }, false],
    ['an escalation is news', { escalationLevel: 1 }, { escalationLevel: 2 }, false],
    ['a copy with more devices still out is older', { openDeviceCount: 1 }, { openDeviceCount: 3 }, true],
    ['a device back is news', { openDeviceCount: 3 }, { openDeviceCount: 2 }, false],
  ])('%s', (_what, current, incoming, stale) => {
    expect(isStaleIncident(incident({ id: 'i1', ...current }), incident({ id: 'i1', ...incoming }))).toBe(stale);
  });
});

describe('the device list', () => {
  it('shows each alarm as the queue knows it now, still open first, then by resident', () => {
    const view = incident({
      id: 'i1',
      members: [member('a1', { resident: { id: 'r1', name: 'Per Olsen', address: 'A' } }), member('a2', { resident: { id: 'r2', name: 'Anne Berg', address: 'B' } }), member('a3', { resident: { id: 'r3', name: 'Bjørn Dahl', address: 'C' } })],
    });
    const live = new Map([['a2', alarm({ id: 'a2', state: 'closed', closedAt: '2026-02-10T02:30:00.000Z' })], ['a3', alarm({ id: 'a3', state: 'being-handled', takenBy: kari })]]);
    const members = incidentMembers(view, (id) => live.get(id));
    expect(members.map((candidate) => [candidate.alarmId, candidate.state])).toEqual([
      ['a3', 'being-handled'],
      ['a1', 'reported'],
      ['a2', 'closed'],
    ]);
    expect(members[0]!.takenBy).toEqual(kari);
  });
});

describe('sound', () => {
  it('sounds once for the incident, not for each alarm that joins it', () => {
    const folded = foldedAlarmIds([incident({ id: 'i1' })]);
    expect(soundsForAlarm(alarm({ id: 'a1' }), folded)).toBe(false);
    expect(soundsForAlarm(alarm({ id: 'other' }), folded)).toBe(true);
    expect(soundsForIncident(incident({ id: 'i1' }), 'incident:opened')).toBe(true);
    expect(soundsForIncident(incident({ id: 'i1', members: [member('a1'), member('a2'), member('a3'), member('a4')] }), 'incident:updated')).toBe(false);
    expect(soundsForIncident(incident({ id: 'i1', escalationLevel: 1 }), 'incident:escalated')).toBe(true);
  });
});
