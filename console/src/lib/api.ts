import type {
  AddLogStepRequest,
  AlarmDetail,
  AlarmView,
  ApiError,
  CloseAlarmRequest,
  LoginRequest,
  LoginResponse,
} from '@knutepunkt/hub/contract';
import { session } from './session.svelte';

/** A failed call: `status` 0 means the hub could not be reached at all. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiError | null,
  ) {
    super(body?.message ?? (status === 0 ? 'network' : `HTTP ${status}`));
    this.name = 'ApiFailure';
  }
}

function isApiError(value: unknown): value is ApiError {
  return typeof value === 'object' && value !== null && 'message' in value && 'statusCode' in value;
}

async function request<T>(method: 'GET' | 'POST', path: string, body?: unknown, authenticated = true): Promise<T> {
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

export const api = {
  login: (credentials: LoginRequest) => request<LoginResponse>('POST', '/auth/login', credentials, false),
  listAlarms: () => request<AlarmView[]>('GET', '/alarms'),
  getAlarm: (id: string) => request<AlarmDetail>('GET', alarmPath(id)),
  takeAlarm: (id: string) => request<AlarmView>('POST', `${alarmPath(id)}/take`),
  addLogStep: (id: string, step: AddLogStepRequest) => request<AlarmView>('POST', `${alarmPath(id)}/log`, step),
  closeAlarm: (id: string, closing: CloseAlarmRequest) => request<AlarmView>('POST', `${alarmPath(id)}/close`, closing),
};
