import type {
  AddLogStepRequest,
  AlarmDetail,
  ActionNoteRequest,
  AlarmView,
  ApiError,
  CallOutDetail,
  CallOutReport,
  CallOutRequest,
  ChangePriorityRequest,
  CloseAlarmRequest,
  CloseIncidentRequest,
  DeviceCommandRequest,
  DeviceCredentials,
  DeviceDetail,
  DeviceView,
  EpjContextView,
  EpjClientView,
  FailedDeliveryView,
  HandoverBoard,
  HandoverNoteView,
  IncidentView,
  JournalPolicy,
  LoginRequest,
  LoginResponse,
  RegisterDeviceRequest,
  RegisteredEpjClient,
  ResidentSummary,
  ResponderTeamView,
  ServiceLevelReport,
  WriteHandoverNoteRequest,
} from '@knutepunkt/hub/contract';
import type { DeviceKind } from '@knutepunkt/device-adapters';
import { session } from './session.svelte';

/** A device model as GET /api/device-models lists it (the hub's entity; not in the wire contract). */
export interface DeviceModelView {
  name: string;
  kind: DeviceKind;
  adapter: string;
  heartbeatSeconds: number;
  missedHeartbeats: number;
  vendorId: string | null;
}

/** The hub's message: one string, or (from request validation) one per refused field. */
function messageOf(body: ApiError | null, status: number): string {
  const message: unknown = body?.message;
  if (Array.isArray(message)) return message.map(String).join('; ');
  if (typeof message === 'string' && message) return message;
  return status === 0 ? 'network' : `HTTP ${status}`;
}

/** A failed call: `status` 0 means the hub could not be reached at all. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiError | null,
  ) {
    super(messageOf(body, status));
    this.name = 'ApiFailure';
  }
}

function isApiError(value: unknown): value is ApiError {
  return typeof value === 'object' && value !== null && 'message' in value && 'statusCode' in value;
}

async function request<T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown, authenticated = true): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const token = session.token;
  if (authenticated && token) headers.Authorization = `Bearer ${token}`;

  let response: Response;
  try {
    response = await fetch(`/api${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiFailure(0, null);
  }

  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }

  if (!response.ok) {
    // An expired or revoked token sends the operator back to the login form.
    if (response.status === 401 && authenticated) session.end();
    throw new ApiFailure(response.status, isApiError(parsed) ? parsed : null);
  }
  return parsed as T;
}

const alarmPath = (id: string) => `/alarms/${encodeURIComponent(id)}`;
const devicePath = (id: string) => `/devices/${encodeURIComponent(id)}`;

export const api = {
  login: (credentials: LoginRequest) => request<LoginResponse>('POST', '/auth/login', credentials, false),
  listAlarms: () => request<AlarmView[]>('GET', '/alarms'),
  getAlarm: (id: string) => request<AlarmDetail>('GET', alarmPath(id)),
  takeAlarm: (id: string) => request<AlarmView>('POST', `${alarmPath(id)}/take`),
  addLogStep: (id: string, step: AddLogStepRequest) => request<AlarmView>('POST', `${alarmPath(id)}/log`, step),
  closeAlarm: (id: string, closing: CloseAlarmRequest) => request<AlarmView>('POST', `${alarmPath(id)}/close`, closing),
  changePriority: (id: string, change: ChangePriorityRequest) => request<AlarmView>('POST', `${alarmPath(id)}/priority`, change),

  /** Incidents (a possible power or network outage): one row, taken and closed as one. */
  listIncidents: () => request<IncidentView[]>('GET', '/incidents'),
  takeIncident: (id: string) => request<IncidentView>('POST', `/incidents/${encodeURIComponent(id)}/take`),
  closeIncident: (id: string, closing: CloseIncidentRequest) => request<IncidentView>('POST', `/incidents/${encodeURIComponent(id)}/close`, closing),
  releaseAlarm: (id: string, note: ActionNoteRequest = {}) => request<AlarmView>('POST', `${alarmPath(id)}/release`, note),
  reopenAlarm: (id: string, note: ActionNoteRequest = {}) => request<AlarmView>('POST', `${alarmPath(id)}/reopen`, note),
  /** No teamId: the team serving the resident's zone (409 when none does). */
  callOut: (id: string, callOut: CallOutRequest) => request<AlarmView>('POST', `${alarmPath(id)}/call-out`, callOut),
  cancelCallOut: (id: string, note: ActionNoteRequest = {}) => request<AlarmView>('POST', `${alarmPath(id)}/cancel-call-out`, note),
  listResponderTeams: () => request<ResponderTeamView[]>('GET', '/responder-teams'),

  /** A responder's phone: its team's call-outs, and its reports on them (or the operator's, for a team that phones in). */
  listCallOuts: () => request<CallOutDetail[]>('GET', '/call-outs'),
  respondToCallOut: (id: string, report: CallOutReport, note: ActionNoteRequest = {}) =>
    request<AlarmView>('POST', `/call-outs/${encodeURIComponent(id)}/${encodeURIComponent(report)}`, note),

  /** Answer times against the service-level targets over the last `days` days. */
  getServiceLevels: (days: number) => request<ServiceLevelReport>('GET', `/service-levels?days=${encodeURIComponent(days)}`),
  listFailedDeliveries: () => request<FailedDeliveryView[]>('GET', '/journal/failed'),
  retryDelivery: (outboxId: string) => request<{ outboxId: string; status: 'pending' }>('POST', `/journal/${encodeURIComponent(outboxId)}/retry`),
  /** The EPJ clients that pull a municipality's journal entries (its admin's), and ending one's access. */
  listEpjClients: (tenantId: string) => request<EpjClientView[]>('GET', `/tenants/${encodeURIComponent(tenantId)}/epj-clients`),
  registerEpjClient: (tenantId: string, name: string) => request<RegisteredEpjClient>('POST', `/tenants/${encodeURIComponent(tenantId)}/epj-clients`, { name }),
  revokeEpjClient: (tenantId: string, clientId: string) =>
    request<EpjClientView>('POST', `/tenants/${encodeURIComponent(tenantId)}/epj-clients/${encodeURIComponent(clientId)}/revoke`),
  /** What a municipality journals (its people read it, its admin changes it), and writing one Oslo day's dispenser summaries now. */
  getJournalPolicy: (tenantId: string) => request<JournalPolicy>('GET', `/tenants/${encodeURIComponent(tenantId)}/journal-policy`),
  putJournalPolicy: (tenantId: string, policy: JournalPolicy) => request<JournalPolicy>('PUT', `/tenants/${encodeURIComponent(tenantId)}/journal-policy`, policy),
  writeDispenserSummaries: (tenantId: string, date: string) =>
    request<{ date: string; written: string[] }>('POST', `/tenants/${encodeURIComponent(tenantId)}/journal/dispenser-summaries`, { date }),

  /** Device health, most urgent first (the hub's order). */
  listDevices: () => request<DeviceView[]>('GET', '/devices'),
  getDevice: (id: string) => request<DeviceDetail>('GET', devicePath(id)),
  registerDevice: (registration: RegisterDeviceRequest) => request<DeviceCredentials>('POST', '/devices', registration),
  rotateDeviceCredentials: (id: string) => request<DeviceCredentials>('POST', `${devicePath(id)}/credentials`),
  suspendDevice: (id: string) => request<DeviceView>('POST', `${devicePath(id)}/suspend`),
  resumeDevice: (id: string) => request<DeviceView>('POST', `${devicePath(id)}/resume`),
  retireDevice: (id: string) => request<DeviceView>('POST', `${devicePath(id)}/retire`),
  sendDeviceCommand: (id: string, command: DeviceCommandRequest) => request<{ sent: true }>('POST', `${devicePath(id)}/commands`, command),
  listDeviceModels: () => request<DeviceModelView[]>('GET', '/device-models'),

  /** Shift handover: the current notes of the operator's municipalities, or of one resident. */
  getHandover: (residentId?: string) => request<HandoverBoard>('GET', residentId ? `/handover?residentId=${encodeURIComponent(residentId)}` : '/handover'),
  writeHandoverNote: (note: WriteHandoverNoteRequest) => request<HandoverNoteView>('POST', '/handover', note),
  markHandoverNoteRead: (id: string) => request<HandoverNoteView>('POST', `/handover/${encodeURIComponent(id)}/read`),
  resolveHandoverNote: (id: string) => request<HandoverNoteView>('POST', `/handover/${encodeURIComponent(id)}/resolve`),
  searchResidents: (search: string) => request<ResidentSummary[]>('GET', `/handover/residents?search=${encodeURIComponent(search)}`),

  /** The resident's services and visit plan from the EPJ; the hub's copy while young, unless `refresh`. */
  getEpjContext: (residentId: string, options: { alarmId?: string; refresh?: boolean } = {}) => {
    const query = new URLSearchParams();
    if (options.alarmId) query.set('alarmId', options.alarmId);
    if (options.refresh) query.set('refresh', 'true');
    const search = query.size > 0 ? `?${query}` : '';
    return request<EpjContextView>('GET', `/residents/${encodeURIComponent(residentId)}/epj-context${search}`);
  },
};
