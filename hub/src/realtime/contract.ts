/**
 * The wire contract between the hub and the console: REST bodies and the one typed map of
 * socket.io events. Type-only on the console side; no runtime imports here but code tables.
 */
import type { AlertKind, LogStepKey, Severity, TriageColour } from '@knutepunkt/device-adapters';

/**
 * Where an alarm stands. Between "being handled" and "closed" a call-out may be under way: sent
 * to the responder team of the resident's zone, accepted by a responder, the responder on site.
 */
export const ALARM_STATES = ['reported', 'being-handled', 'called-out', 'responder-on-way', 'responder-on-site', 'closed'] as const;
export type AlarmState = (typeof ALARM_STATES)[number];
/** The states in which a call-out is under way: the operator still holds the alarm and waits for the responder. */
export const CALL_OUT_STATES = ['called-out', 'responder-on-way', 'responder-on-site'] as const satisfies readonly AlarmState[];
/**
 * 'training': a training device's alarm, which never reaches a record; 'left-out': the
 * municipality's journaling policy leaves this kind of alarm out (technical ones, by default).
 */
export type JournalStatus = 'not-journaled' | 'pending' | 'delivered' | 'failed' | 'training' | 'left-out';

/** Closing causes: tell ordinary care needs apart from falls, accidents and technical faults. */
export const CLOSING_CAUSES = [
  'fall',
  'illness',
  'care-need',
  'anxiety',
  'accidental-press',
  'technical',
  'test',
  'other',
] as const;
export type ClosingCause = (typeof CLOSING_CAUSES)[number];

export const CLOSING_MEASURES = [
  'conversation-only',
  'responder-visit',
  'ambulance',
  'next-of-kin-contacted',
  'gp-contacted',
  'device-service',
  'none-needed',
] as const;
export type ClosingMeasure = (typeof CLOSING_MEASURES)[number];

/** Log steps an operator writes by hand; call-outs, acceptance and closing are actions of their own. */
export const MANUAL_LOG_STEPS = ['conversation', 'action', 'other-party'] as const;
export type ManualLogStep = (typeof MANUAL_LOG_STEPS)[number] & LogStepKey;

export interface OperatorRef {
  id: string;
  displayName: string;
}

export interface LogEntryView {
  /** VKP composition event code (0, 1, 3…10). */
  code: number;
  step: LogStepKey;
  at: string;
  operator: OperatorRef | null;
  note: string | null;
}

export interface ResidentSummary {
  id: string;
  name: string;
  address: string;
}

export interface AlarmView {
  id: string;
  tenantId: string;
  code: string;
  codeDisplay: string;
  kind: AlertKind;
  severity: Severity;
  triageColour: TriageColour;
  /** Why triage proposed this severity, in plain words. */
  reason: string;
  state: AlarmState;
  occurredAt: string;
  raisedAt: string;
  takenBy: OperatorRef | null;
  takenAt: string | null;
  closedAt: string | null;
  cause: ClosingCause | null;
  measures: ClosingMeasure[];
  resident: ResidentSummary;
  /** `training`: from a training device, handled as any other alarm and never journaled. */
  device: { id: string; model: string; training: boolean };
  journal: { status: JournalStatus; at: string | null; error: string | null };
  log: LogEntryView[];
  /** How many times it passed its municipality's answer limit untaken; each time it rises in every queue. */
  escalationLevel: number;
  escalatedAt: string | null;
  /** Further presses that joined this alarm rather than raising their own. */
  repeatCount: number;
  /** The call-out under way, if one is. */
  callOut: CallOutView | null;
}

export interface ResponderTeamView {
  id: string;
  name: string;
  phone: string | null;
  zones: string[];
}

export interface CallOutView {
  team: ResponderTeamView;
  /** The responder who accepted (or reported on site); null until then or when the team phoned in. */
  responder: OperatorRef | null;
  calledOutAt: string;
  onSiteAt: string | null;
}

/** How long a closed alarm or incident stays in the queue, greyed, so the operator sees it went. */
export const RECENTLY_CLOSED_MS = 10 * 60 * 1000;

/** Where an open alarm stands: its severity, one step (10) higher for each escalation. */
export function urgencyOf(alarm: Pick<AlarmView, 'severity' | 'escalationLevel'>): number {
  return alarm.severity + 10 * alarm.escalationLevel;
}

const time = (iso: string | null): number => (iso ? Date.parse(iso) : Number.NaN);

/**
 * The order of every alarm queue, the hub's and the console's: open alarms before closed ones;
 * among open, real alarms before training ones (an exercise must never hold a real alarm back,
 * however urgent its code), then the most urgent first and then the one that has waited longest;
 * among closed, the most recently closed first.
 */
export function compareQueue(a: AlarmView, b: AlarmView): number {
  return compareQueueRanks(queueRankOf(a), queueRankOf(b));
}

/** Where a queue row stands: an alarm's, or an incident's (the console ranks those among alarms). */
export interface QueueRank {
  closed: boolean;
  training: boolean;
  urgency: number;
  /** Since when it waits (ms), and when it closed (ms; NaN while open). */
  since: number;
  closedAt: number;
  id: string;
}

export function queueRankOf(alarm: AlarmView): QueueRank {
  return { closed: alarm.state === 'closed', training: alarm.device.training, urgency: urgencyOf(alarm), since: time(alarm.raisedAt), closedAt: time(alarm.closedAt), id: alarm.id };
}

/** compareQueue's order, for any rows that can say where they stand. */
export function compareQueueRanks(x: QueueRank, y: QueueRank): number {
  if (x.closed !== y.closed) return x.closed ? 1 : -1;
  if (x.closed) return (y.closedAt || 0) - (x.closedAt || 0) || x.id.localeCompare(y.id);
  if (x.training !== y.training) return x.training ? 1 : -1;
  return y.urgency - x.urgency || x.since - y.since || x.id.localeCompare(y.id);
}

export interface NextOfKin {
  name: string;
  relation: string;
  phone: string;
}

/** What the operator sees beside an alarm; every read of it is audited. */
export interface ResidentDetail extends ResidentSummary {
  birthDate: string;
  /** The home-care zone: a call-out goes to the team serving it. */
  zone: string | null;
  phone: string;
  keyBox: string | null;
  eLock: string | null;
  diagnoses: string[];
  riskFlags: string[];
  nextOfKin: NextOfKin[];
  /** When and from where the profile was last updated: residents' data shows its age and source. */
  updatedAt: string;
  source: string;
  recentAlarms: Array<Pick<AlarmView, 'id' | 'code' | 'codeDisplay' | 'raisedAt' | 'state' | 'cause'>>;
}

export interface AlarmDetail {
  alarm: AlarmView;
  resident: ResidentDetail;
}

/** The resident as the municipality's EPJ knows them (its Patient), for a check beside the hub's own profile. */
export interface EpjPatientSummary {
  name: string | null;
  birthDate: string | null;
  gender: string | null;
}

/** A service the resident receives, from one of the EPJ's EpisodeOfCare resources. */
export interface EpjService {
  name: string;
  status: string;
  /** The day it started (YYYY-MM-DD), when the EPJ says. */
  since: string | null;
  /** Who provides it ("Hjemmetjenesten"), when the EPJ says. */
  provider: string | null;
}

/** One planned visit of the resident's active visit plans (CarePlan activities). */
export interface EpjPlannedVisit {
  description: string;
  /** Times of day, HH:MM, earliest first. */
  times: string[];
  /** FHIR day codes (mon, tue …); empty when the visit is not tied to weekdays. */
  daysOfWeek: string[];
  /** How often: FHIR's period unit of the repeat (d: daily, wk: weekly …), null when the plan does not say. */
  periodUnit: string | null;
  /** VKP's activity header ("Tiltak", "Mål" …), when the EPJ gives one. */
  header: string | null;
}

/** GET /api/residents/:id/epj-context: what the EPJ says about the resident, with how old the hub's copy is. */
export interface EpjContextView {
  residentId: string;
  /** When the hub read this from the EPJ. */
  fetchedAt: string;
  ageSeconds: number;
  /** True when the EPJ could not be read just now and this is the hub's last copy. */
  stale: boolean;
  /** Why the last read of the EPJ failed, when it failed after this copy was read. */
  error: string | null;
  /** Null when the EPJ has no patient with the resident's national id. */
  patient: EpjPatientSummary | null;
  services: EpjService[];
  visitPlan: EpjPlannedVisit[];
}

/**
 * operator: takes and handles alarms; supervisor: an operator who is also told when alarms
 * wait too long or a responder is late; admin: also manages the municipality's devices and
 * rules; vendor: its own devices, no resident data; responder: home-care staff, sees only its
 * team's call-outs.
 */
export type AccountRole = 'operator' | 'supervisor' | 'admin' | 'vendor' | 'responder';

export interface LoginRequest {
  username: string;
  password: string;
}

export interface LoginResponse {
  token: string;
  operator: OperatorRef & { username: string; role: AccountRole; tenants: Array<{ id: string; name: string }>; team: ResponderTeamView | null };
}

export interface AddLogStepRequest {
  step: ManualLogStep;
  note?: string;
}

/** A call-out goes to the team serving the resident's zone unless the operator names another. */
export interface CallOutRequest {
  teamId?: string;
  note?: string;
}

/** What a responder reports on a call-out (or the operator on the team's behalf). */
export const CALL_OUT_REPORTS = ['accept', 'on-site', 'done'] as const;
export type CallOutReport = (typeof CALL_OUT_REPORTS)[number];

/** A note to go with an action that needs nothing else (release, cancel a call-out, reopen, a call-out report). */
export interface ActionNoteRequest {
  note?: string;
}

/** What a responder's phone shows for one call-out: the alarm and what is needed at the door. */
export interface CallOutDetail {
  alarm: AlarmView;
  resident: ResidentDetail;
}

export interface CloseAlarmRequest {
  cause: ClosingCause;
  measures: ClosingMeasure[];
  note?: string;
}

/**
 * An incident: many alarms the operator handles as one. 'outage': many devices of a
 * municipality lost power or contact within a short while ("Mulig strøm- eller nettbrudd").
 * Its alarms stay stored (GET /api/alarms lists them) and each resolves by itself when its
 * device returns; the console shows the incident as one row instead of theirs.
 */
export type IncidentKind = 'outage';
export type IncidentState = 'reported' | 'being-handled' | 'closed';

/** One alarm of an incident: which device, whose, and where it stands. */
export interface IncidentMemberView {
  alarmId: string;
  state: AlarmState;
  code: string;
  codeDisplay: string;
  severity: Severity;
  raisedAt: string;
  takenBy: OperatorRef | null;
  resident: ResidentSummary;
  device: { id: string; model: string };
}

export interface IncidentView {
  id: string;
  tenantId: string;
  kind: IncidentKind;
  state: IncidentState;
  openedAt: string;
  takenBy: OperatorRef | null;
  takenAt: string | null;
  closedAt: string | null;
  /** Null when the hub closed it because every alarm in it had ended. */
  closedBy: OperatorRef | null;
  closingNote: string | null;
  escalationLevel: number;
  escalatedAt: string | null;
  /** The highest severity among its open alarms (of all of them once none is open): its place in the queue. */
  severity: Severity;
  triageColour: TriageColour;
  /** Distinct devices among its alarms, and those of them whose alarm is still open. */
  deviceCount: number;
  openDeviceCount: number;
  /** Oldest first. */
  members: IncidentMemberView[];
}

/**
 * Closing an incident closes, as technical with these measures, each of its alarms that no
 * other operator holds and that has no call-out under way.
 */
export interface CloseIncidentRequest {
  measures: ClosingMeasure[];
  note?: string;
}

/** Error body of every 4xx answer. */
export interface ApiError {
  statusCode: number;
  message: string;
  /** On 409 from take: who has the alarm. */
  takenBy?: OperatorRef;
}

/** Shift handover: a note from the outgoing shift about a resident, or about the shift as a whole. */
export const HANDOVER_NOTE_KINDS = ['resident', 'shift'] as const;
export type HandoverNoteKind = (typeof HANDOVER_NOTE_KINDS)[number];

export interface HandoverNoteView {
  id: string;
  tenantId: string;
  kind: HandoverNoteKind;
  /** The resident a resident note is about; null for a shift note. */
  resident: ResidentSummary | null;
  text: string;
  writtenBy: OperatorRef;
  writtenAt: string;
  /** When it stops being handed over, unless resolved sooner. */
  expiresAt: string;
  resolvedAt: string | null;
  resolvedBy: OperatorRef | null;
  /** When the acting operator first marked it read; null while unread (the writer has read it). */
  readAt: string | null;
  /** Read receipts, first read first. */
  readBy: Array<{ operator: OperatorRef; at: string }>;
}

/** POST /api/handover. A resident note belongs to the resident's municipality; a shift note to `tenantId` (optional for an operator of one municipality). */
export interface WriteHandoverNoteRequest {
  kind: HandoverNoteKind;
  text: string;
  residentId?: string;
  tenantId?: string;
  /** A resident note's lifetime in days, 1–14 (default 3). */
  days?: number;
}

/** A municipality's shift changes (`HH:MM`, Europe/Oslo) and the shift in progress. */
export interface ShiftPlanView {
  tenantId: string;
  shiftChanges: string[];
  currentShift: { start: string; end: string };
}

/** GET /api/handover: the current notes of the operator's municipalities, newest first, and their shifts. */
export interface HandoverBoard {
  notes: HandoverNoteView[];
  shifts: ShiftPlanView[];
}

/** A handover event names the note, never its text: the console fetches it, and that read is audited. */
export interface HandoverSignal {
  id: string;
  tenantId: string;
  kind: HandoverNoteKind;
  residentId: string | null;
}

/** To supervisors: an alarm not answered in time, or its responder not on site in time. */
export interface AlarmSupervisorAlert {
  kind: 'not-answered' | 'not-on-site';
  alarm: AlarmView;
  at: string;
}

/** To supervisors: an outage incident passed its answer limit untaken (again). */
export interface IncidentSupervisorAlert {
  kind: 'incident-not-answered';
  incident: IncidentView;
  at: string;
}

export type SupervisorAlert = AlarmSupervisorAlert | IncidentSupervisorAlert;

/** socket.io: server → console. Connect with `auth: { token }`; one room per tenant. */
export interface ServerToConsoleEvents {
  'alarm:raised': (alarm: AlarmView) => void;
  'alarm:updated': (alarm: AlarmView) => void;
  /** An alarm passed its answer limit untaken: sound, and the supervisor is told. */
  'alarm:escalated': (alarm: AlarmView) => void;
  /** Many devices lost power or contact: one incident, sounded once, instead of an alarm each. */
  'incident:opened': (incident: IncidentView) => void;
  /** Alarms joined it or ended, or it was taken or closed. */
  'incident:updated': (incident: IncidentView) => void;
  /** It passed its answer limit untaken: sound, and a higher place in every queue. */
  'incident:escalated': (incident: IncidentView) => void;
  /** To a responder team's phones: a call-out to the team, or a change to one (accepted, cancelled, done). */
  'call-out:updated': (alarm: AlarmView) => void;
  /** To supervisors and admins: an alarm or an incident waits too long, or a responder is not on site in time. */
  'supervisor:alert': (alert: SupervisorAlert) => void;
  /** A handover note was written, or resolved, in one of the console's municipalities. */
  'handover:noted': (note: HandoverSignal) => void;
  'handover:resolved': (note: HandoverSignal) => void;
}

/** socket.io: console → server. Actions go through REST so that they are audited once. */
export type ConsoleToServerEvents = Record<string, never>;

/** Device health and provisioning (admins of a tenant; vendor accounts for their own devices). */
export type DeviceStatusName = 'active' | 'suspended' | 'retired';
export type DeviceContactName = 'unknown' | 'ok' | 'lost';

export interface DeviceView {
  id: string;
  kind: string;
  model: string;
  adapter: string;
  serial: string | null;
  status: DeviceStatusName;
  contact: DeviceContactName;
  tenantId: string;
  /** Null for a vendor's account, which sees no resident data, and for a device in stock. */
  resident: ResidentSummary | null;
  gatewayId: string | null;
  gatewayAddress: string | null;
  lastSeenAt: string | null;
  battery: number | null;
  heartbeatSeconds: number;
  missedHeartbeats: number;
  /** When the current outage began, if the device is out of contact. */
  outageSince: string | null;
  /** A training device: its alarms are handled as any other and never reach a record. */
  training: boolean;
}

export interface DeviceOutageView {
  startedAt: string;
  endedAt: string | null;
  cause: 'missed-heartbeats' | 'last-will';
  alarmId: string | null;
}

export interface DevicePlacementView {
  tenantId: string;
  residentId: string | null;
  placedAt: string;
  removedAt: string | null;
}

/** An event triage held back (a door opened, a missed dose): it raises its alarm at holdUntil unless what it waits for comes first. */
export interface HeldEventView {
  eventId: string;
  code: string;
  holdUntil: string;
  /** Its time ran out and it raised its alarm. */
  releasedAt: string | null;
  /** What it waited for came (the door closed, the dose taken out): no alarm. */
  cancelledAt: string | null;
}

export interface DeviceDetail extends DeviceView {
  outages: DeviceOutageView[];
  placements: DevicePlacementView[];
  /** The device's latest held events, newest first; null for a vendor's account, which sees no resident's events. */
  held: HeldEventView[] | null;
}

export interface RegisterDeviceRequest {
  /** Optional: the hub makes one from the serial when left out. */
  id?: string;
  model: string;
  serial: string;
  tenantId: string;
  residentId?: string;
  /** For a sensor behind a home gateway: the gateway's device id and the sensor's name there. */
  gatewayId?: string;
  gatewayAddress?: string;
  /** A training device: its alarms never reach a record. */
  training?: boolean;
}

/** The device's password is shown this once; the hub keeps only its hash. */
export interface DeviceCredentials {
  device: DeviceView;
  password: string;
}

export interface PlaceDeviceRequest {
  tenantId: string;
  residentId: string | null;
}

export type DeviceCommandRequest = { kind: 'test' } | { kind: 'configure'; heartbeatSeconds: number };

/** An operator's override of triage's proposal: the reason is required, logged and audited. */
export interface ChangePriorityRequest {
  severity: 10 | 20 | 30 | 40;
  reason: string;
}

/** Answer times measured from the alarm log, against the response centres' service levels. */
export interface ServiceLevelFigures {
  /** Alarms raised in the period that someone answered or that still wait (self-resolved ones left out). */
  alarms: number;
  answeredWithin60s: number;
  answeredWithin180s: number;
  /** 0–1; null when there were no alarms. */
  shareWithin60s: number | null;
  shareWithin180s: number | null;
  medianAnswerSeconds: number | null;
  /** Alarms sent to call-out, and how many minutes (median) from call-out until a responder reported on site. */
  callOuts: number;
  medianOnSiteMinutes: number | null;
}

/** A municipality's limits (seconds): the answer limit of every alarm and the on-site limit of a call-out. */
export interface ServiceLimits {
  answerLimitSeconds: number;
  onSiteLimitSeconds: number;
}

export interface ServiceLevelReport {
  from: string;
  to: string;
  targets: { within60s: number; within180s: number };
  tenants: Array<{ tenantId: string; name: string } & ServiceLevelFigures>;
  /** Hour of day in Europe/Oslo, 0–23, all the operator's municipalities together. */
  byHour: Array<{ hour: number } & ServiceLevelFigures>;
  byCode: Array<{ code: string; codeDisplay: string } & ServiceLevelFigures>;
}

/** A journal entry the EPJ refused, or that ran out of attempts: kept with its reason until someone retries it. */
export interface FailedDeliveryView {
  outboxId: string;
  /** Null for an entry that belongs to no alarm: a dispenser dose or a day's dispenser summary (code 1). */
  alarmId: string | null;
  tenantId: string;
  code: string;
  codeDisplay: string;
  resident: { id: string; name: string };
  /** When its alarm closed; null for an entry that belongs to no alarm. */
  closedAt: string | null;
  attempts: number;
  lastAttemptAt: string | null;
  reason: string | null;
  createdAt: string;
}

/** An EPJ client as its municipality's admin sees it: never its secret, nor the secret's hash. */
export interface EpjClientView {
  id: string;
  name: string;
  clientId: string;
  createdAt: string;
  /** When it last got an access token: whether the EPJ still pulls. */
  lastTokenAt: string | null;
  revokedAt: string | null;
}

/** A newly registered EPJ client (POST /api/tenants/{id}/epj-clients). */
export interface RegisteredEpjClient {
  id: string;
  tenantId: string;
  name: string;
  clientId: string;
  /** Shown this once: only its hash is kept. */
  clientSecret: string;
}

/** A municipality's journaling policy (GET/PUT /api/tenants/{id}/journal-policy): the hub's own type, so it is defined once. */
export type { DispenserDoses, JournalPolicy } from '../journal/journal-policy.js';
