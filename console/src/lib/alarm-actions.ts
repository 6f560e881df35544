import { CALL_OUT_STATES, type AlarmState, type AlarmView, type CallOutReport, type ResponderTeamView } from '@knutepunkt/hub/contract';

/**
 * What the response centre can do to an alarm, one button each. `accept`, `on-site` and `done`
 * are the operator reporting for a responder team that phones in rather than taps.
 */
export type DeskAction = 'take' | 'release' | 'call-out' | 'cancel-call-out' | CallOutReport | 'close' | 'reopen';

/**
 * The states each action applies in: the hub's lifecycle (TRANSITIONS in
 * hub/src/alarms/alarm-lifecycle.ts) as the desk offers it; alarm-actions.test.ts holds the two
 * together. Close is left out of the call-out states: the responder reports done, or the
 * operator cancels, first.
 */
const ACTION_STATES: Record<DeskAction, readonly AlarmState[]> = {
  take: ['reported'],
  release: ['being-handled'],
  'call-out': ['being-handled'],
  'cancel-call-out': ['called-out', 'responder-on-way'],
  accept: ['called-out'],
  'on-site': ['called-out', 'responder-on-way'],
  done: ['responder-on-site'],
  close: ['being-handled'],
  reopen: ['closed'],
};

/** The order the buttons appear in. */
export const DESK_ACTIONS = Object.keys(ACTION_STATES) as DeskAction[];

/** Anyone at the response centre may take a free alarm or reopen a closed one; everything else is for the operator who holds it. */
const ANYONE_MAY: ReadonlySet<DeskAction> = new Set(['take', 'reopen']);

export function isCallOutUnderWay(alarm: Pick<AlarmView, 'state'>): boolean {
  return (CALL_OUT_STATES as readonly AlarmState[]).includes(alarm.state);
}

/** The actions the hub would accept from this operator now, in button order. */
export function deskActions(alarm: Pick<AlarmView, 'state' | 'takenBy'>, operatorId: string): DeskAction[] {
  const holds = alarm.takenBy?.id === operatorId;
  return DESK_ACTIONS.filter((action) => ACTION_STATES[action].includes(alarm.state) && (holds || ANYONE_MAY.has(action)));
}

/** Closing is refused while the operator's call-out is under way: the panel says why instead of hiding it. */
export function closeWaitsForCallOut(alarm: Pick<AlarmView, 'state' | 'takenBy'>, operatorId: string): boolean {
  return alarm.takenBy?.id === operatorId && isCallOutUnderWay(alarm);
}

/**
 * What a responder's phone offers on one call-out: accept or on site (one tap counts as both)
 * before anyone has it, on site once accepted, done once there. A call-out another responder
 * has accepted is theirs.
 */
export function responderActions(alarm: Pick<AlarmView, 'state' | 'callOut'>, responderId: string): CallOutReport[] {
  if (!alarm.callOut || !isCallOutUnderWay(alarm)) return [];
  const holder = alarm.callOut.responder;
  if (holder !== null && holder.id !== responderId) return [];
  switch (alarm.state) {
    case 'called-out':
      return ['accept', 'on-site'];
    case 'responder-on-way':
      return ['on-site'];
    case 'responder-on-site':
      return ['done'];
    default:
      return [];
  }
}

/** The team a call-out goes to by default: the first (by name, as the hub picks) serving the resident's zone. */
export function teamServingZone<T extends Pick<ResponderTeamView, 'zones'>>(teams: readonly T[], zone: string | null): T | null {
  if (zone === null) return null;
  return teams.find((team) => team.zones.includes(zone)) ?? null;
}
