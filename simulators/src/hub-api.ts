/**
 * The few hub REST calls the simulators make, as the account given: the hub's wire types are the
 * hub's (hub/src/realtime/contract.ts); these are the parts read here.
 */
export interface HubAccount {
  username: string;
  password: string;
}

export interface LoggedIn {
  token: string;
  operator: { id: string; displayName: string; username: string; role: string; tenants: Array<{ id: string; name: string }> };
}

export interface DeviceModelView {
  id?: string;
  name: string;
  kind: string;
  adapter: string;
  heartbeatSeconds: number;
  missedHeartbeats: number;
}

export interface HubDeviceView {
  id: string;
  kind: string;
  model: string;
  adapter: string;
  serial: string | null;
  status: 'active' | 'suspended' | 'retired';
  contact: 'unknown' | 'ok' | 'lost';
  tenantId: string;
  resident: { id: string; name: string } | null;
  gatewayId: string | null;
  gatewayAddress: string | null;
  lastSeenAt: string | null;
  battery: number | null;
  heartbeatSeconds: number;
  missedHeartbeats: number;
  outageSince: string | null;
}

/** An event the hub holds back by the municipality's triage rules (a door opened, a missed dose) until holdUntil. */
export interface HubHeldEvent {
  eventId: string;
  code: string;
  holdUntil: string;
  /** Its time ran out and it raised its alarm. */
  releasedAt: string | null;
  /** What it waited for came (the door closed, the dose taken out): no alarm. */
  cancelledAt: string | null;
}

/** A device as GET /api/devices/:id shows it, with its outages and held events. */
export interface HubDeviceDetail extends HubDeviceView {
  outages: Array<{ startedAt: string; endedAt: string | null; cause: 'missed-heartbeats' | 'last-will'; alarmId: string | null }>;
  /** Newest first; null for a vendor's account, absent from a hub that holds nothing back. */
  held?: HubHeldEvent[] | null;
}

export interface HubAlarmView {
  id: string;
  code: string;
  codeDisplay: string;
  kind: string;
  severity: number;
  reason: string;
  state: string;
  occurredAt: string;
  raisedAt: string;
  resident: { id: string; name: string };
  device: { id: string; model: string };
  escalationLevel: number;
  repeatCount: number;
}

/** An incident as GET /api/incidents lists it: many alarms handled as one. */
export interface HubIncidentView {
  id: string;
  kind: string;
  state: string;
  deviceCount: number;
  members: Array<{ alarmId: string; code: string; device: { id: string; model: string } }>;
}

export interface HubAnswer<T> {
  status: number;
  body: T;
  /** Milliseconds from request to answer. */
  ms: number;
}

/** A refused or failed call, with what the hub said. */
export class HubApiError extends Error {
  override readonly name = 'HubApiError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** A logged-in session with the hub's REST API; logs in again once when the session has ended. */
export class HubApi {
  private constructor(
    readonly hubUrl: string,
    private readonly account: HubAccount,
    private session: LoggedIn,
  ) {}

  static async login(hubUrl: string, account: HubAccount): Promise<HubApi> {
    const base = hubUrl.replace(/\/+$/, '');
    return new HubApi(base, account, await logIn(base, account));
  }

  get who(): LoggedIn['operator'] {
    return this.session.operator;
  }

  /** Any answer, 2xx or not; throws only when the hub cannot be reached. */
  async call<T = unknown>(method: string, route: string, body?: unknown): Promise<HubAnswer<T>> {
    let answer = await this.send<T>(method, route, body);
    if (answer.status === 401) {
      this.session = await logIn(this.hubUrl, this.account);
      answer = await this.send<T>(method, route, body);
    }
    return answer;
  }

  /** The body of a 2xx answer; anything else throws a HubApiError with the hub's message. */
  async expect<T = unknown>(method: string, route: string, body?: unknown): Promise<T> {
    const answer = await this.call<T>(method, route, body);
    if (answer.status < 200 || answer.status > 299) {
      throw new HubApiError(`${method} ${route} answered ${answer.status}: ${messageOf(answer.body)}`, answer.status);
    }
    return answer.body;
  }

  /** Posts bytes as they are (a device's own payload), with its content type. */
  async postBytes<T = unknown>(route: string, payload: Uint8Array, contentType: string): Promise<HubAnswer<T>> {
    const send = () => request<T>(this.hubUrl, 'POST', route, { authorization: `Bearer ${this.session.token}`, 'content-type': contentType }, payload);
    let answer = await send();
    if (answer.status === 401) {
      this.session = await logIn(this.hubUrl, this.account);
      answer = await send();
    }
    return answer;
  }

  private send<T>(method: string, route: string, body: unknown): Promise<HubAnswer<T>> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.session.token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    return request<T>(this.hubUrl, method, route, headers, body === undefined ? undefined : JSON.stringify(body));
  }
}

async function logIn(hubUrl: string, account: HubAccount): Promise<LoggedIn> {
  const answer = await request<LoggedIn>(hubUrl, 'POST', '/api/auth/login', { 'content-type': 'application/json' }, JSON.stringify(account));
  if (answer.status !== 200) throw new HubApiError(`could not log in to ${hubUrl} as ${account.username}: ${answer.status} ${messageOf(answer.body)}`, answer.status);
  return answer.body;
}

async function request<T>(hubUrl: string, method: string, route: string, headers: Record<string, string>, body: string | Uint8Array | undefined): Promise<HubAnswer<T>> {
  const started = performance.now();
  let response: Response;
  try {
    response = await fetch(`${hubUrl}${route}`, { method, headers, body });
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause?.message;
    throw new Error(`cannot reach the hub at ${hubUrl}: ${cause ?? (error as Error).message}`);
  }
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    // Not JSON: keep the text, so the message can be shown.
  }
  return { status: response.status, body: parsed as T, ms: Math.round(performance.now() - started) };
}

/** The hub's error message, or an OperationOutcome's diagnostics, from an answer body. */
export function messageOf(body: unknown): string {
  if (typeof body === 'string') return body.slice(0, 200);
  if (typeof body !== 'object' || body === null) return String(body);
  const { message, issue } = body as { message?: unknown; issue?: Array<{ diagnostics?: string }> };
  if (Array.isArray(message)) return message.join('; ');
  if (typeof message === 'string') return message;
  if (Array.isArray(issue) && issue[0]?.diagnostics) return issue[0].diagnostics;
  return JSON.stringify(body).slice(0, 200);
}
