/**
 * The wire contract between the hub and the console: REST bodies and the one typed map of
 * socket.io events. Type-only on the console side; no runtime imports here but code tables.
 */
import type { AlertKind, LogStepKey, Severity, TriageColour } from '@knutepunkt/device-adapters';

export type AlarmState = 'reported' | 'being-handled' | 'closed';
export type JournalStatus = 'not-journaled' | 'pending' | 'delivered' | 'failed';

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

/** Log steps an operator may add by hand while handling; the rest follow from actions. */
export const MANUAL_LOG_STEPS = ['conversation', 'action', 'other-party', 'sent-to-call-out', 'call-out-accepted'] as const;
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
  device: { id: string; model: string };
  journal: { status: JournalStatus; at: string | null; error: string | null };
  log: LogEntryView[];
  /** How many times it passed its municipality's answer limit untaken; each time it rises in every queue. */
  escalationLevel: number;
  escalatedAt: string | null;
  /** Further presses that joined this alarm rather than raising their own. */
  repeatCount: number;
}

/** Where an open alarm stands: its severity, one step (10) higher for each escalation. */
export function urgencyOf(alarm: Pick<AlarmView, 'severity' | 'escalationLevel'>): number {
  return alarm.severity + 10 * alarm.escalationLevel;
}

const time = (iso: string | null): number => (iso ? Date.parse(iso) : Number.NaN);

/**
 * The order of every alarm queue, the hub's and the console's: open alarms before closed ones;
 * among open, the most urgent first and then the one that has waited longest; among closed,
 * the most recently closed first.
 */
export function compareQueue(a: AlarmView, b: AlarmView): number {
  const aClosed = a.state === 'closed';
  const bClosed = b.state === 'closed';
  if (aClosed !== bClosed) return aClosed ? 1 : -1;
  if (aClosed) return (time(b.closedAt) || 0) - (time(a.closedAt) || 0) || a.id.localeCompare(b.id);
  return urgencyOf(b) - urgencyOf(a) || time(a.raisedAt) - time(b.raisedAt) || a.id.localeCompare(b.id);
}

export interface NextOfKin {
  name: string;
  relation: string;
  phone: string;
}

/** What the operator sees beside an alarm; every read of it is audited. */
export interface ResidentDetail extends ResidentSummary {
  birthDate: string;
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

export interface LoginRequest {
  username: string;
  password: string;
}

export interface LoginResponse {
  token: string;
  operator: OperatorRef & { username: string; role: 'operator' | 'admin' | 'vendor'; tenants: Array<{ id: string; name: string }> };
}

export interface AddLogStepRequest {
  step: ManualLogStep;
  note?: string;
}

export interface CloseAlarmRequest {
  cause: ClosingCause;
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

/** socket.io: server → console. Connect with `auth: { token }`; one room per tenant. */
export interface ServerToConsoleEvents {
  'alarm:raised': (alarm: AlarmView) => void;
  'alarm:updated': (alarm: AlarmView) => void;
  /** An alarm passed its answer limit untaken: sound, and the supervisor is told. */
  'alarm:escalated': (alarm: AlarmView) => void;
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

export interface DeviceDetail extends DeviceView {
  outages: DeviceOutageView[];
  placements: DevicePlacementView[];
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
