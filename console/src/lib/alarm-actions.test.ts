import { ALARM_STATES, type AlarmState, type AlarmView, type CallOutView, type OperatorRef } from '@knutepunkt/hub/contract';
import { describe, expect, it } from 'vitest';
// The hub's own state machine, read straight from its source: the buttons must follow it.
import { type Actor, decide, type LifecycleAction, type LifecycleAlarm } from '../../../hub/src/alarms/alarm-lifecycle';
import { closeWaitsForCallOut, DESK_ACTIONS, type DeskAction, deskActions, responderActions, teamServingZone } from './alarm-actions';

const ME = 'operator-me';
const OTHER = 'operator-other';
const TEAM = 'team-sentrum';
const at = new Date('2025-01-10T08:00:00Z');

const CALL_OUT: readonly AlarmState[] = ['called-out', 'responder-on-way', 'responder-on-site'];

/** A stored alarm in `state`, held by `holder`, consistent with the lifecycle's rules. */
function lifecycleAlarm(state: AlarmState, holder: string | null, responder: string | null = null): LifecycleAlarm {
  const closed = state === 'closed';
  return {
    state,
    takenBy: state === 'reported' ? null : holder,
    takenAt: state === 'reported' ? null : at,
    callOutTeamId: CALL_OUT.includes(state) ? TEAM : null,
    responderId: CALL_OUT.includes(state) && state !== 'called-out' ? responder : null,
    cause: closed ? 'fall' : null,
    measures: closed ? ['responder-visit'] : [],
    closingNote: null,
    closedAt: closed ? at : null,
  };
}

function lifecycleAction(action: DeskAction, actor: Actor): LifecycleAction {
  const base = { actor, at };
  switch (action) {
    case 'take':
    case 'release':
    case 'cancel-call-out':
    case 'on-site':
    case 'done':
    case 'reopen':
      return { ...base, type: action };
    case 'accept':
      return { ...base, type: 'accept-call-out' };
    case 'call-out':
      return { ...base, type: 'call-out', teamId: TEAM };
    case 'close':
      return { ...base, type: 'close', cause: 'fall', measures: ['responder-visit'] };
  }
}

const ref = (id: string | null): OperatorRef | null => (id === null ? null : { id, displayName: id });

/** The console's view of the same alarm. */
function view(alarm: LifecycleAlarm): Pick<AlarmView, 'state' | 'takenBy' | 'callOut'> {
  const callOut: CallOutView | null = alarm.callOutTeamId
    ? { team: { id: alarm.callOutTeamId, name: 'Hjemmetjenesten Sentrum', phone: null, zones: ['Sentrum'] }, responder: ref(alarm.responderId), calledOutAt: at.toISOString(), onSiteAt: null }
    : null;
  return { state: alarm.state, takenBy: ref(alarm.takenBy), callOut };
}

describe('the actions the desk offers', () => {
  const situations = ALARM_STATES.flatMap<{ state: AlarmState; holder: string | null }>((state) =>
    state === 'reported' ? [{ state, holder: null }] : [ME, OTHER].map((holder) => ({ state, holder })),
  );

  it.each(situations)('are exactly those the hub accepts from this operator: $state held by $holder', ({ state, holder }) => {
    const alarm = lifecycleAlarm(state, holder);
    const accepted = DESK_ACTIONS.filter((action) => decide(alarm, lifecycleAction(action, { kind: 'operator', id: ME })).ok);
    expect(deskActions(view(alarm), ME)).toEqual(accepted);
  });

  it('lets the operator holding an alarm release it, call out, or close it', () => {
    expect(deskActions(view(lifecycleAlarm('being-handled', ME)), ME)).toEqual(['release', 'call-out', 'close']);
  });

  it('offers only cancel and the team reports while a call-out waits for acceptance', () => {
    expect(deskActions(view(lifecycleAlarm('called-out', ME)), ME)).toEqual(['cancel-call-out', 'accept', 'on-site']);
    expect(deskActions(view(lifecycleAlarm('responder-on-site', ME)), ME)).toEqual(['done']);
  });

  it("offers nothing on another operator's alarm but reopening it once closed", () => {
    expect(deskActions(view(lifecycleAlarm('being-handled', OTHER)), ME)).toEqual([]);
    expect(deskActions(view(lifecycleAlarm('responder-on-way', OTHER)), ME)).toEqual([]);
    expect(deskActions(view(lifecycleAlarm('closed', OTHER)), ME)).toEqual(['reopen']);
  });

  it('keeps closing waiting, with a reason, while the call-out is under way', () => {
    for (const state of CALL_OUT) expect(closeWaitsForCallOut(view(lifecycleAlarm(state, ME)), ME), state).toBe(true);
    expect(closeWaitsForCallOut(view(lifecycleAlarm('being-handled', ME)), ME)).toBe(false);
    expect(closeWaitsForCallOut(view(lifecycleAlarm('called-out', OTHER)), ME)).toBe(false);
  });
});

describe("the responder's buttons", () => {
  const RESPONDER = 'responder-per';
  const COLLEAGUE = 'responder-nora';
  const actor: Actor = { kind: 'responder', id: RESPONDER, teamId: TEAM };
  const reports = ['accept', 'on-site', 'done'] as const;

  const situations = ALARM_STATES.flatMap<{ state: AlarmState; responder: string | null }>((state) =>
    CALL_OUT.includes(state) && state !== 'called-out' ? [null, RESPONDER, COLLEAGUE].map((responder) => ({ state, responder })) : [{ state, responder: null }],
  );

  it.each(situations)('are exactly the reports the hub accepts from them: $state, accepted by $responder', ({ state, responder }) => {
    const alarm = lifecycleAlarm(state, OTHER, responder);
    const accepted = reports.filter((report) => decide(alarm, lifecycleAction(report, actor)).ok);
    expect(responderActions(view(alarm), RESPONDER)).toEqual(accepted);
  });

  it('walks a call-out through accept, on site and done', () => {
    expect(responderActions(view(lifecycleAlarm('called-out', OTHER)), RESPONDER)).toEqual(['accept', 'on-site']);
    expect(responderActions(view(lifecycleAlarm('responder-on-way', OTHER, RESPONDER)), RESPONDER)).toEqual(['on-site']);
    expect(responderActions(view(lifecycleAlarm('responder-on-site', OTHER, RESPONDER)), RESPONDER)).toEqual(['done']);
  });

  it("leaves a colleague's call-out to the colleague", () => {
    expect(responderActions(view(lifecycleAlarm('responder-on-way', OTHER, COLLEAGUE)), RESPONDER)).toEqual([]);
  });
});

describe('the team a call-out goes to by default', () => {
  const teams = [
    { id: 'nord', zones: ['Nord'] },
    { id: 'sentrum', zones: ['Sentrum', 'Havna'] },
    { id: 'sentrum-natt', zones: ['Sentrum'] },
  ];

  it("is the first team serving the resident's zone, as the hub picks", () => {
    expect(teamServingZone(teams, 'Havna')?.id).toBe('sentrum');
    expect(teamServingZone(teams, 'Sentrum')?.id).toBe('sentrum');
  });

  it('is none when no team serves the zone or the resident has none: the operator chooses', () => {
    expect(teamServingZone(teams, 'Sør')).toBeNull();
    expect(teamServingZone(teams, null)).toBeNull();
  });
});
