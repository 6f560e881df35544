import type { AlarmView, CallOutDetail, LogEntryView, ResidentDetail } from '@knutepunkt/hub/contract';
import { describe, expect, it } from 'vitest';
import { applyCallOutUpdate, callOutAgeMs, callOutNote, orderCallOuts } from './call-out-list';

const SENTRUM = { id: 'team-sentrum', name: 'Hjemmetjenesten Sentrum', phone: '40001001', zones: ['Sentrum'] };
const NORD = { id: 'team-nord', name: 'Hjemmetjenesten Nord', phone: '40001002', zones: ['Nord'] };

const entries = (n: number): LogEntryView[] =>
  Array.from({ length: n }, (_, i) => ({ code: 0, step: 'reported' as const, at: `2025-01-10T08:0${i}:00Z`, operator: null, note: null }));

function alarm(id: string, overrides: Partial<AlarmView> = {}): AlarmView {
  return {
    id,
    tenantId: 't1',
    code: '4.1',
    codeDisplay: 'Fall',
    kind: 'care',
    severity: 40,
    triageColour: 'R',
    reason: 'Fall hos bruker med fallrisiko',
    state: 'called-out',
    occurredAt: '2025-01-10T08:00:00.000Z',
    raisedAt: '2025-01-10T08:00:00.000Z',
    takenBy: { id: 'o1', displayName: 'Kari Operatør' },
    takenAt: '2025-01-10T08:00:20.000Z',
    closedAt: null,
    cause: null,
    measures: [],
    resident: { id: `r-${id}`, name: 'Astrid Hansen', address: 'Storgata 1' },
    device: { id: 'd1', model: 'Native', training: false },
    journal: { status: 'not-journaled', at: null, error: null },
    log: entries(3),
    escalationLevel: 0,
    escalatedAt: null,
    repeatCount: 0,
    callOut: { team: SENTRUM, responder: null, calledOutAt: '2025-01-10T08:01:00.000Z', onSiteAt: null },
    ...overrides,
  };
}

const resident = (id: string): ResidentDetail => ({
  id,
  name: 'Astrid Hansen',
  address: 'Storgata 1',
  birthDate: '1938-04-02',
  zone: 'Sentrum',
  phone: '40000001',
  keyBox: 'Nøkkelboks ved døra, kode 1234',
  eLock: null,
  diagnoses: [],
  riskFlags: ['fall-risk'],
  nextOfKin: [],
  updatedAt: '2025-01-01T00:00:00.000Z',
  source: 'Demodata',
  recentAlarms: [],
});

const detail = (view: AlarmView): CallOutDetail => ({ alarm: view, resident: resident(view.resident.id) });
const PER = { id: 'responder-per', displayName: 'Per Pleier' };

describe("a responder team's call-out list", () => {
  it('asks for the list again when a new call-out comes, since the event has no resident', () => {
    const result = applyCallOutUpdate([], alarm('a'), SENTRUM.id);
    expect(result).toEqual({ list: [], unknown: true });
  });

  it("replaces a listed call-out's alarm and keeps what it knows of the resident", () => {
    const listed = [detail(alarm('a'))];
    const accepted = alarm('a', { state: 'responder-on-way', log: entries(4), callOut: { ...alarm('a').callOut!, responder: PER } });
    const { list, unknown } = applyCallOutUpdate(listed, accepted, SENTRUM.id);
    expect(unknown).toBe(false);
    expect(list).toHaveLength(1);
    expect(list[0]!.alarm.state).toBe('responder-on-way');
    expect(list[0]!.alarm.callOut?.responder).toEqual(PER);
    expect(list[0]!.resident.keyBox).toBe('Nøkkelboks ved døra, kode 1234');
  });

  it('lets a call-out go when it ends: done, cancelled, or the alarm closed', () => {
    const listed = [detail(alarm('a')), detail(alarm('b'))];
    const done = alarm('a', { state: 'being-handled', callOut: null, log: entries(6) });
    expect(applyCallOutUpdate(listed, done, SENTRUM.id).list.map((entry) => entry.alarm.id)).toEqual(['b']);
    const closed = alarm('b', { state: 'closed', callOut: null, log: entries(7) });
    expect(applyCallOutUpdate(listed, closed, SENTRUM.id).list.map((entry) => entry.alarm.id)).toEqual(['a']);
  });

  it("drops a call-out that went to another team, and does not fetch another team's", () => {
    const listed = [detail(alarm('a'))];
    const moved = alarm('a', { log: entries(5), callOut: { ...alarm('a').callOut!, team: NORD } });
    expect(applyCallOutUpdate(listed, moved, SENTRUM.id)).toEqual({ list: [], unknown: false });
    expect(applyCallOutUpdate([], alarm('c', { callOut: { ...alarm('c').callOut!, team: NORD } }), SENTRUM.id).unknown).toBe(false);
  });

  it('ignores an update older than the copy it holds', () => {
    const listed = [detail(alarm('a', { state: 'responder-on-site', log: entries(5) }))];
    const older = alarm('a', { state: 'responder-on-way', log: entries(4) });
    expect(applyCallOutUpdate(listed, older, SENTRUM.id).list[0]!.alarm.state).toBe('responder-on-site');
    const olderEnd = alarm('a', { state: 'being-handled', callOut: null, log: entries(3) });
    expect(applyCallOutUpdate(listed, olderEnd, SENTRUM.id).list).toHaveLength(1);
  });

  it('lists the call-out waiting longest first', () => {
    const early = detail(alarm('late-id', { callOut: { ...alarm('x').callOut!, calledOutAt: '2025-01-10T08:00:00.000Z' } }));
    const late = detail(alarm('early-id', { callOut: { ...alarm('x').callOut!, calledOutAt: '2025-01-10T08:30:00.000Z' } }));
    expect(orderCallOuts([late, early]).map((entry) => entry.alarm.id)).toEqual(['late-id', 'early-id']);
  });

  it('counts the age from the call-out, never below zero', () => {
    const view = alarm('a');
    expect(callOutAgeMs(view, Date.parse('2025-01-10T08:04:30.000Z'))).toBe(210_000);
    expect(callOutAgeMs(view, Date.parse('2025-01-10T08:00:30.000Z'))).toBe(0);
  });
});

describe("the operator's note on a call-out", () => {
  const sent = (note: string | null): LogEntryView => ({ code: 4, step: 'sent-to-call-out', at: '2025-01-10T08:01:00Z', operator: null, note });

  it('is what the operator wrote, without the team name the hub logs before it', () => {
    expect(callOutNote(alarm('a', { log: [...entries(2), sent('Hjemmetjenesten Sentrum: Falt på badet')] }))).toBe('Falt på badet');
  });

  it('is the latest call-out\'s, and none when the operator wrote nothing', () => {
    expect(callOutNote(alarm('a', { log: [sent('Hjemmetjenesten Sentrum: Første'), sent('Hjemmetjenesten Sentrum')] }))).toBeNull();
    expect(callOutNote(alarm('a', { log: entries(3) }))).toBeNull();
  });
});
