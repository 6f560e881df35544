/**
 * The alarm lifecycle as a pure state machine. Its steps are VKP's response-centre log events
 * (vkp-composition-event-v090): reported 0, being handled 1, acknowledged 3, sent to call-out 4,
 * call-out accepted 5, cause 6, measures 7, and conversation 8, action 9 and other party 10 as
 * log entries. `decide` says whether an action is allowed and, if so, what the alarm becomes
 * and which log entries record it (who and when); the service persists both. No I/O here.
 */
import { logStepCode, type LogStepCode, type LogStepKey } from '@knutepunkt/device-adapters';
import {
  ALARM_STATES,
  type AlarmState,
  CALL_OUT_STATES,
  CLOSING_CAUSES,
  MANUAL_LOG_STEPS,
  type ManualLogStep,
  CLOSING_MEASURES,
  type ClosingCause,
  type ClosingMeasure,
} from '../realtime/contract.js';

/** The lifecycle's states are the contract's AlarmState: the console shows the same ones. */
function isAlarmState(value: unknown): value is AlarmState {
  return (ALARM_STATES as readonly unknown[]).includes(value);
}

/**
 * Who acts. A responder is on duty with one team; a call-out goes to a team, and the responder
 * who accepts it (or reports on site first) has it from then on.
 */
export type Actor = { kind: 'operator'; id: string } | { kind: 'responder'; id: string; teamId: string } | { kind: 'hub' };

/** The lifecycle's part of an alarm: the Alarm entity has these fields (plus its own). */
export interface LifecycleAlarm {
  state: AlarmState;
  /** The operator who holds the alarm; kept when it closes, so the record says who closed it. */
  takenBy: string | null;
  takenAt: Date | null;
  /** The responder team a call-out went to, while one is under way. */
  callOutTeamId: string | null;
  /** The responder who has the call-out; null before acceptance or when accepted by phone through the operator. */
  responderId: string | null;
  cause: ClosingCause | null;
  measures: ClosingMeasure[];
  closingNote: string | null;
  closedAt: Date | null;
}


interface ActionBase {
  actor: Actor;
  at: Date;
}

export type LifecycleAction = ActionBase &
  (
    | { type: 'take' }
    | { type: 'release'; note?: string }
    | { type: 'log'; step: ManualLogStep; note?: string }
    | { type: 'call-out'; teamId: string; note?: string }
    | { type: 'cancel-call-out'; note?: string }
    | { type: 'accept-call-out'; note?: string }
    | { type: 'on-site'; note?: string }
    | { type: 'done'; note?: string }
    | { type: 'close'; cause: ClosingCause; measures: readonly ClosingMeasure[]; note?: string }
    | { type: 'reopen'; note?: string }
    /** The alarm's cause went away by itself (a device back in contact); the note says what happened. */
    | { type: 'hub-resolve'; note: string }
  );
export type LifecycleActionType = LifecycleAction['type'];
/** An action as asked for, before the service adds who acts and when. */
export type LifecycleRequest = LifecycleAction extends infer A ? (A extends LifecycleAction ? Omit<A, 'actor' | 'at'> : never) : never;

/** One log entry to store. `action` names what produced it, so a visit's on-site and done entries can be found. */
export interface LogEntryDraft {
  code: LogStepCode;
  step: LogStepKey;
  at: Date;
  actor: Actor;
  note: string | null;
  action: LifecycleActionType | 'raise';
}

/**
 * Why an action was refused: the alarm is in the wrong state, someone else holds it (another
 * operator or responder), the actor may not act so at all, or the input is bad.
 */
export type Refusal = 'state' | 'holder' | 'actor' | 'input';

export type Decision<A extends LifecycleAlarm = LifecycleAlarm> =
  | { ok: true; next: A; log: LogEntryDraft[] }
  | { ok: false; refusal: Refusal; reason: string };

/**
 * Every transition, from state to state, by action. `decide` allows an action only from the
 * states listed for it; the console can use the table to show the buttons that apply.
 */
export const TRANSITIONS: Readonly<Record<LifecycleActionType, Readonly<Partial<Record<AlarmState, AlarmState>>>>> = {
  take: { reported: 'being-handled' },
  release: { 'being-handled': 'reported' },
  log: {
    'being-handled': 'being-handled',
    'called-out': 'called-out',
    'responder-on-way': 'responder-on-way',
    'responder-on-site': 'responder-on-site',
  },
  'call-out': { 'being-handled': 'called-out' },
  'cancel-call-out': { 'called-out': 'being-handled', 'responder-on-way': 'being-handled' },
  'accept-call-out': { 'called-out': 'responder-on-way' },
  // Reporting on site before tapping accept counts as accepting: one tap, not two.
  'on-site': { 'called-out': 'responder-on-site', 'responder-on-way': 'responder-on-site' },
  done: { 'responder-on-site': 'being-handled' },
  close: { 'being-handled': 'closed' },
  reopen: { closed: 'being-handled' },
  // An untaken alarm closes itself; one someone holds gets the news in its log and stays theirs.
  'hub-resolve': {
    reported: 'closed',
    'being-handled': 'being-handled',
    'called-out': 'called-out',
    'responder-on-way': 'responder-on-way',
    'responder-on-site': 'responder-on-site',
  },
};

/**
 * The words of log notes the lifecycle writes itself (VKP has no own code for these steps, so
 * they are "action" entries). Norwegian: the note is what the console and the journal show.
 */
export const LIFECYCLE_NOTES = {
  released: 'Alarm lagt tilbake i køen',
  callOutCancelled: 'Utrykning avbrutt',
  onSite: 'Hjemmetjenesten er på stedet',
  done: 'Hjemmetjenesten er ferdig',
  reopened: 'Alarm gjenåpnet',
} as const;

/** The cause and measures of an alarm the hub resolves: a technical alarm that needed nothing. */
export const HUB_RESOLVED_CAUSE: ClosingCause = 'technical';
export const HUB_RESOLVED_MEASURES: readonly ClosingMeasure[] = ['none-needed'];

/** A new alarm, and its first log entry (0, reported), by the hub at the time it was received. */
export function raiseAlarm(at: Date): { alarm: LifecycleAlarm; log: LogEntryDraft[] } {
  return {
    alarm: {
      state: 'reported',
      takenBy: null,
      takenAt: null,
      callOutTeamId: null,
      responderId: null,
      cause: null,
      measures: [],
      closingNote: null,
      closedAt: null,
    },
    log: [{ code: logStepCode('reported'), step: 'reported', at, actor: { kind: 'hub' }, note: null, action: 'raise' }],
  };
}

/**
 * Decides an action on an alarm. Pure: the alarm given is never changed; on refusal nothing
 * happens and the reason says why in words an operator understands. On acceptance `next` is the
 * alarm with the lifecycle's fields updated (other fields copied) and `log` holds at least one
 * entry, each with the action's actor and time.
 */
export function decide<A extends LifecycleAlarm>(alarm: A, action: LifecycleAction): Decision<A> {
  if (!(action.at instanceof Date) || Number.isNaN(action.at.getTime())) return refuse('input', 'the action has no valid time');
  if (!isAlarmState(alarm.state)) return refuse('state', `the alarm is in an unknown state: ${String(alarm.state)}`);
  const to = TRANSITIONS[action.type]?.[alarm.state];
  if (to === undefined) return refuse('state', wrongState(alarm.state, action.type));

  const entry = (step: LogStepKey, note: string | null): LogEntryDraft => ({
    code: logStepCode(step),
    step,
    at: action.at,
    actor: action.actor,
    note,
    action: action.type,
  });
  const accept = (changes: Partial<LifecycleAlarm>, log: LogEntryDraft[]): Decision<A> => ({
    ok: true,
    next: { ...alarm, ...changes, state: to },
    log,
  });
  const callOutOver = { callOutTeamId: null, responderId: null } as const;

  switch (action.type) {
    case 'take': {
      if (action.actor.kind !== 'operator') return refuse('actor', 'only an operator takes an alarm');
      return accept({ takenBy: action.actor.id, takenAt: action.at }, [entry('being-handled', null)]);
    }
    case 'release': {
      const refusal = handlerRefusal(alarm, action.actor, 'release the alarm');
      if (refusal) return refusal;
      return accept({ takenBy: null, takenAt: null }, [entry('action', worded(LIFECYCLE_NOTES.released, action.note))]);
    }
    case 'log': {
      const refusal = handlerRefusal(alarm, action.actor, 'write in its log');
      if (refusal) return refusal;
      if (!(MANUAL_LOG_STEPS as readonly string[]).includes(action.step)) {
        return refuse('input', `a log entry is one of ${MANUAL_LOG_STEPS.join(', ')}; call-outs and closing are their own actions`);
      }
      return accept({}, [entry(action.step, noteOf(action.note))]);
    }
    case 'call-out': {
      const refusal = handlerRefusal(alarm, action.actor, 'send it to call-out');
      if (refusal) return refusal;
      if (typeof action.teamId !== 'string' || action.teamId.trim() === '') return refuse('input', 'a call-out needs the responder team it goes to');
      return accept({ callOutTeamId: action.teamId, responderId: null }, [entry('sent-to-call-out', noteOf(action.note))]);
    }
    case 'cancel-call-out': {
      const refusal = handlerRefusal(alarm, action.actor, 'cancel its call-out');
      if (refusal) return refusal;
      return accept(callOutOver, [entry('action', worded(LIFECYCLE_NOTES.callOutCancelled, action.note))]);
    }
    case 'accept-call-out': {
      const refusal = callOutActorRefusal(alarm, action.actor);
      if (refusal) return refusal;
      return accept({ responderId: responderOf(action.actor) }, [entry('call-out-accepted', noteOf(action.note))]);
    }
    case 'on-site': {
      const refusal = callOutActorRefusal(alarm, action.actor);
      if (refusal) return refusal;
      const arrived = entry('action', worded(LIFECYCLE_NOTES.onSite, action.note));
      const log = alarm.state === 'called-out' ? [entry('call-out-accepted', null), arrived] : [arrived];
      return accept({ responderId: alarm.responderId ?? responderOf(action.actor) }, log);
    }
    case 'done': {
      const refusal = callOutActorRefusal(alarm, action.actor);
      if (refusal) return refusal;
      // Back to the operator, who closes with cause and measures.
      return accept(callOutOver, [entry('action', worded(LIFECYCLE_NOTES.done, action.note))]);
    }
    case 'close': {
      const refusal = handlerRefusal(alarm, action.actor, 'close it');
      if (refusal) return refusal;
      const invalid = closingRefusal(action.cause, action.measures);
      if (invalid) return invalid;
      const note = noteOf(action.note);
      return accept({ cause: action.cause, measures: [...action.measures], closingNote: note, closedAt: action.at, ...callOutOver }, [
        entry('cause', action.cause),
        entry('measures', action.measures.join(', ')),
        entry('acknowledged', note),
      ]);
    }
    case 'reopen': {
      if (action.actor.kind !== 'operator') return refuse('actor', 'only an operator reopens an alarm');
      return accept(
        { takenBy: action.actor.id, takenAt: action.at, cause: null, measures: [], closingNote: null, closedAt: null, ...callOutOver },
        [entry('being-handled', worded(LIFECYCLE_NOTES.reopened, action.note))],
      );
    }
    case 'hub-resolve': {
      if (action.actor.kind !== 'hub') return refuse('actor', 'only the hub resolves an alarm by itself; an operator closes it');
      const note = noteOf(action.note);
      if (note === null) return refuse('input', 'the hub must say what resolved the alarm');
      if (to !== 'closed') return accept({}, [entry('action', note)]);
      const measures = [...HUB_RESOLVED_MEASURES];
      return accept({ cause: HUB_RESOLVED_CAUSE, measures, closingNote: note, closedAt: action.at }, [
        entry('cause', HUB_RESOLVED_CAUSE),
        entry('measures', measures.join(', ')),
        entry('acknowledged', note),
      ]);
    }
  }
}

/**
 * What is wrong with an alarm's lifecycle fields, in words; empty when nothing is. Every alarm
 * `raiseAlarm` and `decide` produce passes; the service may check a stored row before acting on it.
 */
export function lifecycleBreaches(alarm: LifecycleAlarm): string[] {
  const breaches: string[] = [];
  const breach = (holds: boolean, what: string) => {
    if (!holds) breaches.push(what);
  };
  if (!isAlarmState(alarm.state)) return [`unknown state ${String(alarm.state)}`];
  const callOut = (CALL_OUT_STATES as readonly AlarmState[]).includes(alarm.state);
  breach((alarm.takenBy === null) === (alarm.takenAt === null), 'takenBy and takenAt are set together');
  breach(alarm.state !== 'reported' || alarm.takenBy === null, 'a reported alarm is held by no one');
  breach(!(alarm.state === 'being-handled' || callOut) || alarm.takenBy !== null, 'an alarm being handled or out on call-out has its operator');
  breach(callOut === (alarm.callOutTeamId !== null), 'a call-out team is set exactly while a call-out is under way');
  breach(alarm.state !== 'called-out' || alarm.responderId === null, 'no responder has a call-out before it is accepted');
  breach(callOut || alarm.responderId === null, 'a responder is set only while a call-out is under way');
  if (alarm.state === 'closed') {
    breach(alarm.cause !== null && (CLOSING_CAUSES as readonly string[]).includes(alarm.cause), 'a closed alarm has a coded cause');
    breach(measuresRefusal(alarm.measures) === null, 'a closed alarm has at least one coded measure, each once');
    breach(alarm.closedAt !== null, 'a closed alarm has its closing time');
  } else {
    breach(alarm.cause === null && alarm.measures.length === 0, 'an open alarm has no cause or measures yet');
    breach(alarm.closedAt === null && alarm.closingNote === null, 'an open alarm has no closing time or note');
  }
  return breaches;
}

function refuse(refusal: Refusal, reason: string): { ok: false; refusal: Refusal; reason: string } {
  return { ok: false, refusal, reason };
}

/** The operator who holds the alarm may; anyone else is told who may. */
function handlerRefusal(alarm: LifecycleAlarm, actor: Actor, what: string): ReturnType<typeof refuse> | null {
  if (actor.kind !== 'operator') return refuse('actor', `only the operator handling the alarm may ${what}`);
  if (actor.id !== alarm.takenBy) return refuse('holder', 'another operator is handling this alarm');
  return null;
}

/**
 * Accepting, on site and done: the responder who has the call-out, any responder of the team
 * while no one has it, or the operator handling the alarm on the team's behalf (a team that
 * phones in rather than taps).
 */
function callOutActorRefusal(alarm: LifecycleAlarm, actor: Actor): ReturnType<typeof refuse> | null {
  switch (actor.kind) {
    case 'operator':
      return actor.id === alarm.takenBy ? null : refuse('holder', 'another operator is handling this alarm');
    case 'responder':
      if (alarm.responderId !== null) return actor.id === alarm.responderId ? null : refuse('holder', 'another responder has this call-out');
      return actor.teamId === alarm.callOutTeamId ? null : refuse('actor', 'the call-out went to another team');
    case 'hub':
      return refuse('actor', 'only the responder or the operator handling the alarm reports on a call-out');
  }
}

function responderOf(actor: Actor): string | null {
  return actor.kind === 'responder' ? actor.id : null;
}

function closingRefusal(cause: unknown, measures: unknown): ReturnType<typeof refuse> | null {
  if (!(CLOSING_CAUSES as readonly unknown[]).includes(cause)) return refuse('input', `closing needs a cause, one of ${CLOSING_CAUSES.join(', ')}`);
  return measuresRefusal(measures);
}

function measuresRefusal(measures: unknown): ReturnType<typeof refuse> | null {
  if (!Array.isArray(measures) || measures.length === 0) {
    return refuse('input', `closing needs the measures taken, at least one of ${CLOSING_MEASURES.join(', ')}`);
  }
  const unknown = measures.filter((measure) => !(CLOSING_MEASURES as readonly unknown[]).includes(measure));
  if (unknown.length > 0) return refuse('input', `unknown measures: ${unknown.map(String).join(', ')}`);
  if (new Set(measures).size !== measures.length) return refuse('input', 'each of the measures is listed once');
  return null;
}

function noteOf(note: string | undefined): string | null {
  const trimmed = typeof note === 'string' ? note.trim() : '';
  return trimmed === '' ? null : trimmed;
}

function worded(wording: string, note: string | undefined): string {
  const extra = noteOf(note);
  return extra === null ? wording : `${wording}: ${extra}`;
}

function wrongState(state: AlarmState, type: LifecycleActionType): string {
  if (state === 'closed') return type === 'hub-resolve' ? 'the alarm is already closed' : 'the alarm is closed: reopen it first';
  if (type === 'reopen') return 'the alarm is not closed';
  if (type === 'take') return 'the alarm is already taken';
  if (state === 'reported') return 'take the alarm first';
  const callOut = (CALL_OUT_STATES as readonly AlarmState[]).includes(state);
  if (callOut && (type === 'close' || type === 'release' || type === 'call-out')) {
    return 'a call-out is under way: wait for the responder to report done, or cancel the call-out';
  }
  if (type === 'accept-call-out') return state === 'being-handled' ? 'there is no call-out to accept' : 'the call-out is already accepted';
  if (type === 'on-site') return state === 'being-handled' ? 'there is no call-out under way' : 'the responder is already on site';
  if (type === 'done') return state === 'being-handled' ? 'there is no call-out under way' : 'the responder has not reported on site yet';
  if (type === 'cancel-call-out') return state === 'being-handled' ? 'there is no call-out under way' : 'the responder is on site: they report done';
  return `${type} is not possible while the alarm is ${state}`;
}
