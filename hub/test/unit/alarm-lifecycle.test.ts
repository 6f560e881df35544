import { LOG_STEPS, type LogStepCode } from '@knutepunkt/device-adapters';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Actor,
  decide,
  type Decision,
  LIFECYCLE_NOTES,
  type LifecycleAction,
  type LifecycleAlarm,
  lifecycleBreaches,
  type LogEntryDraft,
  raiseAlarm,
  TRANSITIONS,
} from '../../src/alarms/alarm-lifecycle.js';
import { ALARM_STATES, type AlarmState, CLOSING_CAUSES, CLOSING_MEASURES, type ClosingCause, type ClosingMeasure } from '../../src/realtime/contract.js';

// The cast of a night shift: two operators, three home-care responders in two teams, and the hub.
const kari = { kind: 'operator', id: 'op-kari' } as const satisfies Actor;
const per = { kind: 'operator', id: 'op-per' } as const satisfies Actor;
const ola = { kind: 'responder', id: 'resp-ola', teamId: 'sone-nord' } as const satisfies Actor;
const siri = { kind: 'responder', id: 'resp-siri', teamId: 'sone-nord' } as const satisfies Actor;
const jonas = { kind: 'responder', id: 'resp-jonas', teamId: 'sone-sor' } as const satisfies Actor;
const hub = { kind: 'hub' } as const satisfies Actor;
const ACTORS: Actor[] = [kari, per, ola, siri, jonas, hub];
const TEAMS = ['sone-nord', 'sone-sor'];

const T0 = Date.parse('2025-03-12T07:14:05.000Z');
const minutes = (n: number) => new Date(T0 + n * 60_000);

/** An action without its actor and time; distributes over the union so each kind keeps its fields. */
type Template = LifecycleAction extends infer A ? (A extends LifecycleAction ? Omit<A, 'actor' | 'at'> : never) : never;
const act = (alarm: LifecycleAlarm, template: Template, actor: Actor, at: Date): Decision => decide(alarm, { ...template, actor, at } as LifecycleAction);

/** Runs a script that must be accepted throughout; returns the alarm and its whole log. */
function play(steps: Array<[Template, Actor]>, from = raiseAlarm(minutes(0))) {
  let alarm = from.alarm;
  const log: LogEntryDraft[] = [...from.log];
  steps.forEach(([template, actor], i) => {
    const decision = act(alarm, template, actor, minutes(i + 1));
    if (!decision.ok) throw new Error(`step ${i + 1} (${template.type} by ${actor.kind}) refused: ${decision.reason}`);
    alarm = decision.next;
    log.push(...decision.log);
  });
  return { alarm, log };
}

function refused(decision: Decision) {
  if (decision.ok) throw new Error(`expected a refusal, got ${decision.next.state}`);
  return decision;
}

const codes = (log: LogEntryDraft[]) => log.map((entry) => entry.code);

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

describe('the alarm lifecycle, as a nurse on the response centre knows it', () => {
  it('a fall: take, talk, dispatch, responder accepts, on site, done, close with fall and a responder visit', () => {
    const { alarm, log } = play([
      [{ type: 'take' }, kari],
      [{ type: 'log', step: 'conversation', note: 'Bruker har falt på badet, kommer seg ikke opp' }, kari],
      [{ type: 'call-out', teamId: 'sone-nord' }, kari],
      [{ type: 'accept-call-out' }, ola],
      [{ type: 'on-site' }, ola],
      [{ type: 'done', note: 'Hjulpet opp, ingen synlige skader' }, ola],
      [{ type: 'close', cause: 'fall', measures: ['responder-visit'], note: 'Følges opp i morgen' }, kari],
    ]);
    expect(alarm).toMatchObject({
      state: 'closed',
      takenBy: kari.id,
      cause: 'fall',
      measures: ['responder-visit'],
      closingNote: 'Følges opp i morgen',
      callOutTeamId: null,
      responderId: null,
    });
    expect(alarm.closedAt).toEqual(minutes(7));
    const request: ClosingMeasure[] = ['ambulance'];
    const closing = act(play([[{ type: 'take' }, per]]).alarm, { type: 'close', cause: 'illness', measures: request }, per, minutes(2));
    request.push('gp-contacted');
    expect(closing.ok && closing.next.measures).toEqual(['ambulance']); // the alarm keeps its own copy of the request's measures
    expect(codes(log)).toEqual([0, 1, 8, 4, 5, 9, 9, 6, 7, 3]);
    expect(log.map((entry) => entry.actor)).toEqual([hub, kari, kari, kari, ola, ola, ola, kari, kari, kari]);
    expect(log.map((entry) => entry.note)).toEqual([
      null,
      null,
      'Bruker har falt på badet, kommer seg ikke opp',
      null,
      null,
      LIFECYCLE_NOTES.onSite,
      `${LIFECYCLE_NOTES.done}: Hjulpet opp, ingen synlige skader`,
      'fall',
      'responder-visit',
      'Følges opp i morgen',
    ]);
    // The visit's start and end for the journal's encounter are found by the action that logged them.
    expect(log.find((entry) => entry.action === 'on-site')?.at).toEqual(minutes(5));
    expect(log.find((entry) => entry.action === 'done')?.at).toEqual(minutes(6));
  });

  it('the call-out states are walked in order, and the alarm stays with the operator throughout', () => {
    let { alarm } = play([[{ type: 'take' }, kari]]);
    const walk: Array<[Template, Actor, AlarmState]> = [
      [{ type: 'call-out', teamId: 'sone-nord' }, kari, 'called-out'],
      [{ type: 'accept-call-out' }, siri, 'responder-on-way'],
      [{ type: 'on-site' }, siri, 'responder-on-site'],
      [{ type: 'done' }, siri, 'being-handled'],
    ];
    for (const [template, actor, state] of walk) {
      const decision = act(alarm, template, actor, minutes(2));
      if (!decision.ok) throw new Error(decision.reason);
      expect(decision.next.state).toBe(state);
      expect(decision.next.takenBy).toBe(kari.id);
      alarm = decision.next;
    }
  });

  it('an operator releases an alarm back to the queue, and a colleague takes it', () => {
    const { alarm, log } = play([
      [{ type: 'take' }, kari],
      [{ type: 'release', note: 'Må ta annen samtale' }, kari],
    ]);
    expect(alarm).toMatchObject({ state: 'reported', takenBy: null, takenAt: null });
    expect(log.at(-1)).toMatchObject({ code: 9, actor: kari, note: `${LIFECYCLE_NOTES.released}: Må ta annen samtale` });
    const taken = act(alarm, { type: 'take' }, per, minutes(3));
    expect(taken.ok && taken.next).toMatchObject({ state: 'being-handled', takenBy: per.id, takenAt: minutes(3) });
  });

  it('a second operator cannot close, log on or release an alarm someone else is handling', () => {
    const { alarm } = play([[{ type: 'take' }, kari]]);
    for (const template of [
      { type: 'close', cause: 'care-need', measures: ['conversation-only'] },
      { type: 'log', step: 'conversation' },
      { type: 'release' },
      { type: 'call-out', teamId: 'sone-nord' },
    ] as Template[]) {
      const refusal = refused(act(alarm, template, per, minutes(2)));
      expect(refusal.refusal).toBe('holder');
      expect(refusal.reason).toMatch(/another operator/);
    }
    expect(refused(act(alarm, { type: 'take' }, per, minutes(2))).reason).toMatch(/already taken/);
  });

  it('closing without a measure is refused, and the reason names the measures', () => {
    const { alarm } = play([[{ type: 'take' }, kari]]);
    const refusal = refused(act(alarm, { type: 'close', cause: 'fall', measures: [] }, kari, minutes(2)));
    expect(refusal.refusal).toBe('input');
    expect(refusal.reason).toMatch(/measures/);
  });

  it('closing needs a known cause and known measures, each once', () => {
    const { alarm } = play([[{ type: 'take' }, kari]]);
    const close = (cause: string, measures: string[]) =>
      refused(act(alarm, { type: 'close', cause: cause as ClosingCause, measures: measures as ClosingMeasure[] }, kari, minutes(2)));
    expect(close('slipped', ['responder-visit']).reason).toMatch(/cause/);
    expect(close('fall', ['prayer']).reason).toMatch(/measures: prayer/);
    expect(close('fall', ['ambulance', 'ambulance']).reason).toMatch(/measures/);
  });

  it('the operator cannot close or release while a call-out is under way, but can cancel it', () => {
    const { alarm } = play([
      [{ type: 'take' }, kari],
      [{ type: 'call-out', teamId: 'sone-nord' }, kari],
    ]);
    expect(refused(act(alarm, { type: 'close', cause: 'fall', measures: ['responder-visit'] }, kari, minutes(3))).reason).toMatch(/call-out is under way/);
    expect(refused(act(alarm, { type: 'release' }, kari, minutes(3))).refusal).toBe('state');
    const cancelled = act(alarm, { type: 'cancel-call-out', note: 'Bruker ringte tilbake, alt i orden' }, kari, minutes(3));
    expect(cancelled.ok && cancelled.next).toMatchObject({ state: 'being-handled', callOutTeamId: null, responderId: null });
    expect(cancelled.ok && cancelled.log).toMatchObject([{ code: 9, note: `${LIFECYCLE_NOTES.callOutCancelled}: Bruker ringte tilbake, alt i orden` }]);
  });

  it('a responder acts only on a call-out to their team, and once accepted only the one who accepted', () => {
    const { alarm } = play([
      [{ type: 'take' }, kari],
      [{ type: 'call-out', teamId: 'sone-nord' }, kari],
    ]);
    expect(refused(act(alarm, { type: 'accept-call-out' }, jonas, minutes(3))).reason).toMatch(/another team/);
    const accepted = act(alarm, { type: 'accept-call-out' }, ola, minutes(3));
    if (!accepted.ok) throw new Error(accepted.reason);
    expect(accepted.next.responderId).toBe(ola.id);
    expect(refused(act(accepted.next, { type: 'on-site' }, siri, minutes(4))).reason).toMatch(/another responder/);
    expect(refused(act(accepted.next, { type: 'accept-call-out' }, siri, minutes(4))).reason).toMatch(/already accepted/);
    expect(refused(act(accepted.next, { type: 'close', cause: 'fall', measures: ['ambulance'] }, ola, minutes(4))).refusal).toBe('state');
  });

  it('reporting on site straight from the dispatch counts as accepting: one tap, logged as 5 then 9', () => {
    const { alarm, log } = play([
      [{ type: 'take' }, kari],
      [{ type: 'call-out', teamId: 'sone-sor' }, kari],
      [{ type: 'on-site' }, jonas],
    ]);
    expect(alarm).toMatchObject({ state: 'responder-on-site', responderId: jonas.id });
    expect(codes(log).slice(-2)).toEqual([5, 9]);
  });

  it('a team that phones in: the operator records acceptance, on site and done on its behalf', () => {
    const { alarm, log } = play([
      [{ type: 'take' }, kari],
      [{ type: 'call-out', teamId: 'sone-nord', note: 'Ringt til vaktleder' }, kari],
      [{ type: 'accept-call-out', note: 'Bekreftet på telefon' }, kari],
      [{ type: 'on-site' }, kari],
      [{ type: 'done' }, kari],
      [{ type: 'close', cause: 'care-need', measures: ['responder-visit'] }, kari],
    ]);
    expect(alarm.state).toBe('closed');
    expect(codes(log)).toEqual([0, 1, 4, 5, 9, 9, 6, 7, 3]);
    expect(log.slice(1).every((entry) => entry.actor === kari)).toBe(true);
  });

  it('the sent-to-call-out and call-out-accepted steps are actions, not free log entries', () => {
    const { alarm } = play([[{ type: 'take' }, kari]]);
    const refusal = refused(act(alarm, { type: 'log', step: 'sent-to-call-out' as 'action' }, kari, minutes(2)));
    expect(refusal.refusal).toBe('input');
    expect(refusal.reason).toMatch(/conversation, action, other-party/);
  });

  it('a closed alarm accepts only reopen', () => {
    const { alarm } = play([
      [{ type: 'take' }, kari],
      [{ type: 'close', cause: 'accidental-press', measures: ['conversation-only'] }, kari],
    ]);
    const others: Array<[Template, Actor]> = [
      [{ type: 'take' }, per],
      [{ type: 'release' }, kari],
      [{ type: 'log', step: 'conversation' }, kari],
      [{ type: 'call-out', teamId: 'sone-nord' }, kari],
      [{ type: 'cancel-call-out' }, kari],
      [{ type: 'accept-call-out' }, ola],
      [{ type: 'on-site' }, ola],
      [{ type: 'done' }, ola],
      [{ type: 'close', cause: 'fall', measures: ['ambulance'] }, kari],
      [{ type: 'hub-resolve', note: 'Enheten har kontakt igjen' }, hub],
    ];
    for (const [template, actor] of others) expect(refused(act(alarm, template, actor, minutes(3))).refusal).toBe('state');
    expect(refused(act(alarm, { type: 'take' }, per, minutes(3))).reason).toMatch(/reopen/);
  });

  it('reopen, release, a colleague takes it again and closes it', () => {
    const { alarm, log } = play([
      [{ type: 'take' }, kari],
      [{ type: 'close', cause: 'accidental-press', measures: ['conversation-only'] }, kari],
      [{ type: 'reopen', note: 'Bruker ringte igjen, har vondt i hoften' }, per],
      [{ type: 'release' }, per],
      [{ type: 'take' }, kari],
      [{ type: 'close', cause: 'fall', measures: ['responder-visit', 'gp-contacted'] }, kari],
    ]);
    expect(alarm).toMatchObject({ state: 'closed', takenBy: kari.id, cause: 'fall', measures: ['responder-visit', 'gp-contacted'] });
    expect(alarm.closedAt).toEqual(minutes(6));
    expect(log[5]).toMatchObject({ code: 1, actor: per, note: `${LIFECYCLE_NOTES.reopened}: Bruker ringte igjen, har vondt i hoften` });
  });

  it('reopening clears the old cause and measures, so the next close codes them afresh', () => {
    const { alarm } = play([
      [{ type: 'take' }, kari],
      [{ type: 'close', cause: 'test', measures: ['none-needed'] }, kari],
      [{ type: 'reopen' }, per],
    ]);
    expect(alarm).toMatchObject({ state: 'being-handled', takenBy: per.id, cause: null, measures: [], closedAt: null, closingNote: null });
    expect(refused(act(alarm, { type: 'close', cause: 'fall', measures: [] }, per, minutes(4))).reason).toMatch(/measures/);
  });

  it('the hub closes an untaken technical alarm whose cause went away, and only notes it on one being handled', () => {
    const raised = raiseAlarm(minutes(0));
    const resolved = act(raised.alarm, { type: 'hub-resolve', note: 'Enheten har kontakt igjen' }, hub, minutes(1));
    if (!resolved.ok) throw new Error(resolved.reason);
    expect(resolved.next).toMatchObject({ state: 'closed', takenBy: null, cause: 'technical', measures: ['none-needed'] });
    expect(resolved.log.map((entry) => [entry.code, entry.actor.kind, entry.note])).toEqual([
      [6, 'hub', 'technical'],
      [7, 'hub', 'none-needed'],
      [3, 'hub', 'Enheten har kontakt igjen'],
    ]);

    const { alarm } = play([[{ type: 'take' }, kari]]);
    const noted = act(alarm, { type: 'hub-resolve', note: 'Enheten har kontakt igjen' }, hub, minutes(2));
    expect(noted.ok && noted.next).toEqual(alarm);
    expect(noted.ok && noted.log).toMatchObject([{ code: 9, actor: hub, note: 'Enheten har kontakt igjen' }]);
    expect(refused(act(raised.alarm, { type: 'hub-resolve', note: 'x' }, kari, minutes(1))).refusal).toBe('actor');
    expect(refused(act(raised.alarm, { type: 'take' }, hub, minutes(1))).refusal).toBe('actor');
  });

  it('keeps the fields it does not own, such as the entity id', () => {
    const entity = { ...raiseAlarm(minutes(0)).alarm, id: 'a1b2', code: '4.1' };
    const decision = decide(entity, { type: 'take', actor: kari, at: minutes(1) });
    expect(decision.ok && decision.next).toMatchObject({ id: 'a1b2', code: '4.1', state: 'being-handled' });
  });
});

// Property tests ---------------------------------------------------------------------------

const note = fc.option(fc.constantFrom('Samtale med bruker', '  ', '', 'Nabo har nøkkel'), { nil: undefined });
const template: fc.Arbitrary<Template> = fc.oneof(
  fc.constant({ type: 'take' } as Template),
  fc.record({ type: fc.constant('release' as const), note }),
  fc.record({ type: fc.constant('log' as const), step: fc.constantFrom('conversation', 'action', 'other-party', 'sent-to-call-out', 'cause') as fc.Arbitrary<'action'>, note }),
  fc.record({ type: fc.constant('call-out' as const), teamId: fc.constantFrom(...TEAMS, ''), note }),
  fc.record({ type: fc.constant('cancel-call-out' as const), note }),
  fc.record({ type: fc.constant('accept-call-out' as const), note }),
  fc.record({ type: fc.constant('on-site' as const), note }),
  fc.record({ type: fc.constant('done' as const), note }),
  fc.record({
    type: fc.constant('close' as const),
    cause: fc.constantFrom<string>(...CLOSING_CAUSES, 'slipped') as fc.Arbitrary<ClosingCause>,
    measures: fc.oneof(
      fc.subarray([...CLOSING_MEASURES]),
      fc.array(fc.constantFrom<string>(...CLOSING_MEASURES, 'prayer'), { maxLength: 3 }) as fc.Arbitrary<ClosingMeasure[]>,
    ),
    note,
  }),
  fc.record({ type: fc.constant('reopen' as const), note }),
  fc.record({ type: fc.constant('hub-resolve' as const), note: fc.constantFrom('Enheten har kontakt igjen', '') }),
);
/**
 * A step is either anything by anyone (mostly refused) or, to get deep into call-outs, one of
 * the representative actions that the alarm accepts where it is, picked at random.
 */
const step = fc.record({
  template,
  actor: fc.constantFrom(...ACTORS),
  guided: fc.boolean(),
  pick: fc.nat(),
  gapMs: fc.integer({ min: 0, max: 10 * 60_000 }),
});
const script = fc.array(step, { minLength: 1, maxLength: 80 });
type Step = typeof step extends fc.Arbitrary<infer S> ? S : never;

const REPRESENTATIVE: Template[] = [
  { type: 'take' },
  { type: 'release' },
  { type: 'log', step: 'conversation', note: 'Bruker svarer ikke' },
  { type: 'log', step: 'other-party' },
  ...TEAMS.map((teamId) => ({ type: 'call-out', teamId }) as Template),
  { type: 'cancel-call-out' },
  { type: 'accept-call-out' },
  { type: 'on-site' },
  { type: 'done', note: 'Ferdig' },
  { type: 'close', cause: 'fall', measures: ['responder-visit'] },
  { type: 'close', cause: 'care-need', measures: ['conversation-only', 'next-of-kin-contacted'] },
  { type: 'close', cause: 'fall', measures: [] },
  { type: 'reopen' },
  { type: 'hub-resolve', note: 'Enheten har kontakt igjen' },
];

/** The action a step stands for, given where the alarm is. */
function chosen(alarm: LifecycleAlarm, { template, actor, guided, pick }: Step): [Template, Actor] {
  if (!guided) return [template, actor];
  const allowed = REPRESENTATIVE.flatMap((t) => ACTORS.filter((a) => act(alarm, t, a, minutes(0)).ok).map((a): [Template, Actor] => [t, a]));
  return allowed[pick % allowed.length] ?? [template, actor];
}

/** Who may do what, restated from the issue: the property checks no one else ever gets through. */
function mayAct(alarm: LifecycleAlarm, type: Template['type'], actor: Actor): boolean {
  const handler = actor.kind === 'operator' && actor.id === alarm.takenBy;
  switch (type) {
    case 'take':
    case 'reopen':
      return actor.kind === 'operator';
    case 'hub-resolve':
      return actor.kind === 'hub';
    case 'accept-call-out':
    case 'on-site':
    case 'done':
      if (actor.kind !== 'responder') return handler;
      return alarm.responderId !== null ? actor.id === alarm.responderId : actor.teamId === alarm.callOutTeamId;
    default:
      return handler;
  }
}

/** Who can always bring an alarm to a close from where it is: the recovery an operator would do. */
function closeOut(start: LifecycleAlarm, at: Date): LifecycleAlarm {
  let alarm = start;
  for (let guard = 0; guard < 6 && alarm.state !== 'closed'; guard++) {
    const holder: Actor = { kind: 'operator', id: alarm.takenBy ?? kari.id };
    const next: Record<Exclude<AlarmState, 'closed'>, Template> = {
      reported: { type: 'take' },
      'being-handled': { type: 'close', cause: 'care-need', measures: ['conversation-only'] },
      'called-out': { type: 'cancel-call-out' },
      'responder-on-way': { type: 'cancel-call-out' },
      'responder-on-site': { type: 'done' },
    };
    const decision = act(alarm, next[alarm.state], holder, at);
    if (!decision.ok) throw new Error(`could not bring a ${alarm.state} alarm to a close: ${decision.reason}`);
    alarm = decision.next;
  }
  return alarm;
}

describe('the alarm lifecycle, under any sequence of actions by anyone', () => {
  const visited = new Set<AlarmState>();

  it('never throws, stays in a declared state, keeps its invariants, logs who and when, and never loses the alarm', () => {
    fc.assert(
      fc.property(script, (steps) => {
        const raised = raiseAlarm(minutes(0));
        let alarm = raised.alarm;
        let lastLogAt = raised.log[0]!.at.getTime();
        let now = T0;
        for (const each of steps) {
          now += each.gapMs;
          const at = new Date(now);
          const [template, actor] = chosen(alarm, each);
          const before = structuredClone(alarm);
          const decision = act(deepFreeze(alarm), template, actor, at);
          if (!decision.ok) {
            expect(decision.reason).toMatch(/\w/);
            expect(['state', 'holder', 'actor', 'input']).toContain(decision.refusal);
            expect(alarm).toEqual(before);
            continue;
          }
          const { next, log } = decision;
          expect(mayAct(alarm, template.type, actor)).toBe(true);
          expect(ALARM_STATES).toContain(next.state);
          expect(TRANSITIONS[template.type][alarm.state]).toBe(next.state);
          expect(lifecycleBreaches(next)).toEqual([]);
          if (next.state === 'closed') {
            expect(next.cause).not.toBeNull();
            expect(next.measures.length).toBeGreaterThanOrEqual(1);
          }
          expect(log.length).toBeGreaterThanOrEqual(1);
          for (const entry of log) {
            expect(entry.actor).toEqual(actor);
            expect(entry.at.getTime()).toBe(now);
            expect(entry.at.getTime()).toBeGreaterThanOrEqual(lastLogAt);
            expect(Object.hasOwn(LOG_STEPS, entry.code)).toBe(true);
            expect(LOG_STEPS[entry.code as LogStepCode].key).toBe(entry.step);
            lastLogAt = entry.at.getTime();
          }
          visited.add(next.state);
          alarm = next;
        }
        // Whatever happened, the alarm can still be brought to a close by those who hold it.
        expect(closeOut(alarm, new Date(now)).state).toBe('closed');
      }),
      { numRuns: 500 },
    );
    // The random scripts reach every state, so the properties above were tested in each.
    expect([...visited].sort()).toEqual([...ALARM_STATES].sort());
  });

  it('refusals are the same however often they are asked, and never depend on the note', () => {
    fc.assert(
      fc.property(script, step, (steps, probe) => {
        let alarm = raiseAlarm(minutes(0)).alarm;
        for (const each of steps) {
          const [template, actor] = chosen(alarm, each);
          const decision = act(alarm, template, actor, minutes(1));
          if (decision.ok) alarm = decision.next;
        }
        const first = act(alarm, probe.template, probe.actor, minutes(2));
        expect(act(alarm, probe.template, probe.actor, minutes(2))).toEqual(first);
        if (probe.template.type !== 'hub-resolve') {
          const withNote = act(alarm, { ...probe.template, note: 'Annen tekst' } as Template, probe.actor, minutes(2));
          expect(withNote.ok).toBe(first.ok);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('the lifecycle graph', () => {
  // Every action by every actor with representative inputs, all at one time so the graph is finite.
  const at = minutes(1);
  const templates = REPRESENTATIVE;

  function explore() {
    const start = raiseAlarm(minutes(0)).alarm;
    const key = (alarm: LifecycleAlarm) => JSON.stringify(alarm);
    const nodes = new Map<string, LifecycleAlarm>([[key(start), start]]);
    const edges = new Map<string, Set<string>>();
    const queue = [start];
    while (queue.length > 0) {
      const alarm = queue.shift()!;
      const from = key(alarm);
      edges.set(from, new Set());
      for (const t of templates) {
        for (const actor of ACTORS) {
          const decision = act(alarm, t, actor, at);
          if (!decision.ok) continue;
          const to = key(decision.next);
          edges.get(from)!.add(to);
          if (!nodes.has(to)) {
            nodes.set(to, decision.next);
            queue.push(decision.next);
          }
        }
      }
    }
    return { nodes, edges };
  }

  const { nodes, edges } = explore();

  it('the states reachable from reported are exactly the declared states', () => {
    const reached = new Set([...nodes.values()].map((alarm) => alarm.state));
    expect([...reached].sort()).toEqual([...ALARM_STATES].sort());
  });

  it('every reachable alarm keeps the invariants', () => {
    for (const alarm of nodes.values()) expect(lifecycleBreaches(alarm)).toEqual([]);
  });

  it('from every reachable alarm a closed one is reachable, and every closed one can be reopened', () => {
    const closed = [...nodes.entries()].filter(([, alarm]) => alarm.state === 'closed').map(([k]) => k);
    const reachesClosed = new Set(closed);
    let grew = true;
    while (grew) {
      grew = false;
      for (const [from, targets] of edges) {
        if (!reachesClosed.has(from) && [...targets].some((to) => reachesClosed.has(to))) {
          reachesClosed.add(from);
          grew = true;
        }
      }
    }
    expect(reachesClosed.size).toBe(nodes.size);
    for (const k of closed) expect([...edges.get(k)!].some((to) => nodes.get(to)!.state === 'being-handled')).toBe(true);
  });

  it('every declared transition is taken somewhere, and no other', () => {
    const taken = new Set<string>();
    for (const alarm of nodes.values()) {
      for (const t of templates) {
        for (const actor of ACTORS) {
          const decision = act(alarm, t, actor, at);
          if (decision.ok) taken.add(`${t.type}: ${alarm.state} → ${decision.next.state}`);
        }
      }
    }
    const declared = Object.entries(TRANSITIONS).flatMap(([type, moves]) => Object.entries(moves).map(([from, to]) => `${type}: ${from} → ${to}`));
    expect([...taken].sort()).toEqual(declared.sort());
  });
});
