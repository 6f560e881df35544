import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../../src/auth/secret-hash.js';
import type { AlarmDetail, AlarmView, EpjClientView } from '../../src/realtime/contract.js';
import { api, closedAlarmFrom, deviceOf, eventually, login, loginAs, startTestHub, type TestHub } from './hub-harness.js';

/**
 * Pull journaling beside push: the harness's EPJ receiver stays configured (EPJ_FHIR_URL), so the
 * tests also show that push goes on unchanged, and that an entry the push cannot deliver is
 * delivered once the EPJ acknowledges it through pull. Retries wait a minute, so a failed push
 * stays pending for the length of the test rather than running out of attempts.
 */
let test: TestHub;
let operator: string;
let admin: string;
let nordbyId: string;
let sorvikId: string;

type Parameters = { resourceType: 'Parameters'; parameter: Array<{ name: string; valueCode?: string; valueString?: string; valueInstant?: string }> };
type OperationOutcome = { resourceType: 'OperationOutcome'; issue: Array<{ code: string; diagnostics: string }> };
type Searchset = { resourceType: 'Bundle'; type: string; total: number; entry: Array<{ fullUrl: string; resource: { id: string; type: string; identifier: { value: string }; entry: unknown[] } }> };

beforeAll(async () => {
  test = await startTestHub({ EPJ_RETRY_BASE_MS: '60000', EPJ_RETRY_CAP_MS: '60000', EPJ_MAX_ATTEMPTS: '20' });
  operator = (await loginAs(test, 'operator')).token;
  const adminLogin = await loginAs(test, 'admin');
  admin = adminLogin.token;
  nordbyId = adminLogin.operator.tenants[0]!.id;
  sorvikId = (await loginAs(test, 'sorvik')).operator.tenants[0]!.id;
});
afterAll(async () => {
  await test?.stop();
});

/** A fall from the resident's safety alarm, taken and closed: closing writes the journal entry. */
function closedAlarm(residentIndex: number): Promise<AlarmView> {
  return closedAlarmFrom(test.hub, operator, deviceOf(test.manifest, 'safety-alarm', residentIndex));
}

async function outboxIdOf(alarmId: string): Promise<string> {
  const [row] = (await test.hub.dataSource.query('SELECT id FROM journal_outbox WHERE alarm_id = $1', [alarmId])) as Array<{ id: string }>;
  return row!.id;
}

async function requestToken(body: Record<string, string>, form = true): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${test.hub.url}/api/epj/token`, {
    method: 'POST',
    headers: { 'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json' },
    body: form ? new URLSearchParams(body).toString() : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function tokenFor(clientId: string, clientSecret: string): Promise<string> {
  const answer = await requestToken({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret });
  expect(answer.status).toBe(200);
  return answer.body.access_token as string;
}

const pull = <T>(token: string, method: string, route: string, body?: unknown) => api<T>(test.hub, token, method, `/api/epj/fhir/journal-entries${route}`, body);
const statusOf = (parameters: Parameters, name = 'status') => parameters.parameter.find((parameter) => parameter.name === name);

let client: { clientId: string; clientSecret: string };
let epj: string;

describe('registering an EPJ client and its token', () => {
  it('is for the municipality’s admin; the secret is shown once and kept only hashed', async () => {
    const registered = await api<{ clientId: string; clientSecret: string; tenantId: string }>(test.hub, admin, 'POST', `/api/tenants/${nordbyId}/epj-clients`, { name: 'DIPS Front' });
    expect(registered.status).toBe(201);
    expect(registered.body.tenantId).toBe(nordbyId);
    client = registered.body;
    const [stored] = (await test.hub.dataSource.query('SELECT secret_hash FROM epj_clients WHERE client_id = $1', [client.clientId])) as Array<{ secret_hash: string }>;
    expect(stored!.secret_hash).toMatch(/^scrypt\$/);
    expect(stored!.secret_hash).not.toContain(client.clientSecret);

    const unnamed = await api<{ message: string }>(test.hub, admin, 'POST', `/api/tenants/${nordbyId}/epj-clients`, { name: '' });
    expect(unnamed.status).toBe(400);
    expect(unnamed.body.message).toContain('name');
    expect((await api(test.hub, operator, 'POST', `/api/tenants/${nordbyId}/epj-clients`, { name: 'DIPS' })).status).toBe(403);
    expect((await api(test.hub, admin, 'POST', `/api/tenants/${sorvikId}/epj-clients`, { name: 'DIPS' })).status).toBe(403);
    const audited = (await test.hub.dataSource.query("SELECT reason FROM audit_log WHERE action = 'epj-client.register'")) as Array<{ reason: string }>;
    expect(audited.map((entry) => entry.reason)).toContainEqual(expect.stringContaining(client.clientId));
  });

  it('gives a short-lived bearer token for the client credentials, form-encoded or JSON; a wrong secret gets 401', async () => {
    const form = await requestToken({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret });
    expect(form.status).toBe(200);
    expect(form.body).toMatchObject({ token_type: 'Bearer', expires_in: 900 });
    const json = await requestToken({ client_id: client.clientId, client_secret: client.clientSecret }, false);
    expect(json.status).toBe(200);
    epj = json.body.access_token as string;

    const wrong = await requestToken({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: `${client.clientSecret}x` });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_client');
    expect((await requestToken({ client_id: 'epj-unknown', client_secret: client.clientSecret })).status).toBe(401);
    const missing = await requestToken({ client_id: client.clientId });
    expect(missing.status).toBe(400);
    expect(missing.body.error_description).toContain('client_secret');
  });
});

describe('pulling journal entries', () => {
  let pushed: AlarmView;
  let pulled: AlarmView;
  let entryId: string;

  it('leaves push as it was: an entry is pushed to the configured EPJ, and pull lists it too until acknowledged', async () => {
    const bundlesBefore = test.epj.stats().bundles;
    pushed = await closedAlarm(0);
    await eventually(async () => (await api<AlarmDetail>(test.hub, operator, 'GET', `/api/alarms/${pushed.id}`)).body.alarm.journal.status === 'delivered', 10_000, 'pushed');
    expect(test.epj.stats().bundles).toBe(bundlesBefore + 1);
    const listed = await pull<Searchset>(epj, 'GET', '?status=registered');
    expect(listed.status).toBe(200);
    expect(listed.body.entry.map((entry) => entry.resource.id)).toContain(await outboxIdOf(pushed.id));
  });

  it('lists an entry the push cannot deliver, fetches it (read) and acknowledges it (journaled: the alarm’s journal delivered)', async () => {
    test.epj.setMode({ fail: 503 });
    pulled = await closedAlarm(1);
    entryId = await outboxIdOf(pulled.id);
    await eventually(async () => (await api<AlarmDetail>(test.hub, operator, 'GET', `/api/alarms/${pulled.id}`)).body.alarm.journal.error !== null, 10_000, 'the push failing');
    test.epj.setMode({});
    expect((await api<AlarmDetail>(test.hub, operator, 'GET', `/api/alarms/${pulled.id}`)).body.alarm.journal.status).toBe('pending');

    const listed = await pull<Searchset>(epj, 'GET', '?status=registered');
    expect(listed.body).toMatchObject({ resourceType: 'Bundle', type: 'searchset' });
    const listedEntry = listed.body.entry.find((entry) => entry.resource.id === entryId)!;
    expect(listedEntry).toMatchObject({ fullUrl: `${test.hub.url}/api/epj/fhir/journal-entries/${entryId}` });
    expect(listedEntry.resource).toMatchObject({ type: 'transaction', identifier: { value: pulled.id } });
    expect(statusOf((await pull<Parameters>(epj, 'GET', `/${entryId}/$status`)).body)?.valueCode).toBe('registered');

    const fetched = await pull<{ resourceType: string; id: string; entry: unknown[] }>(epj, 'GET', `/${entryId}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body.resourceType).toBe('Bundle');
    expect(fetched.body.id).toBe(entryId);
    expect(fetched.body.entry.length).toBeGreaterThan(0);
    expect(statusOf((await pull<Parameters>(epj, 'GET', `/${entryId}/$status`)).body)?.valueCode).toBe('read');

    const acknowledged = await pull<Parameters>(epj, 'POST', `/${entryId}/$journaling-acknowledged`, {
      resourceType: 'Parameters',
      parameter: [{ name: 'reference', valueString: 'DIPS-4711' }],
    });
    expect(acknowledged.status).toBe(200);
    expect(statusOf(acknowledged.body)?.valueCode).toBe('journaled');
    expect(statusOf(acknowledged.body, 'reference')?.valueString).toBe('DIPS-4711');
    const journal = (await api<AlarmDetail>(test.hub, operator, 'GET', `/api/alarms/${pulled.id}`)).body.alarm.journal;
    expect(journal.status).toBe('delivered');
    expect(journal.error).toBeNull();
    expect((await pull<Searchset>(epj, 'GET', '?status=registered')).body.entry.map((entry) => entry.resource.id)).not.toContain(entryId);
  });

  it('answers a second acknowledgement the same, keeping the first one’s time and reference', async () => {
    const first = (await pull<Parameters>(epj, 'GET', `/${entryId}/$status`)).body;
    const again = await pull<Parameters>(epj, 'POST', `/${entryId}/$journaling-acknowledged`, {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'information', code: 'informational', details: { text: 'DIPS-9999' } }],
    });
    expect(again.status).toBe(200);
    expect(statusOf(again.body)?.valueCode).toBe('journaled');
    expect(statusOf(again.body, 'journaled')?.valueInstant).toBe(statusOf(first, 'journaled')?.valueInstant);
    expect(statusOf(again.body, 'reference')?.valueString).toBe('DIPS-4711');
    expect((await pull(epj, 'POST', `/${entryId}/$journaling-acknowledged`)).status).toBe(200);
  });

  it('refuses bad input with a 400 OperationOutcome naming the field', async () => {
    const wrongType = await pull<OperationOutcome>(epj, 'POST', `/${entryId}/$journaling-acknowledged`, { resourceType: 'Patient' });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.resourceType).toBe('OperationOutcome');
    expect(wrongType.body.issue[0]!.diagnostics).toContain('resourceType');
    const badReference = await pull<OperationOutcome>(epj, 'POST', `/${entryId}/$journaling-acknowledged`, { resourceType: 'Parameters', parameter: [{ name: 'reference', valueInteger: 4 }] });
    expect(badReference.status).toBe(400);
    expect(badReference.body.issue[0]!.diagnostics).toContain('parameter.reference');
    const badId = await pull<OperationOutcome>(epj, 'GET', '/not-an-id');
    expect(badId.status).toBe(400);
    expect(badId.body.issue[0]!.diagnostics).toContain('id');
    const badStatus = await pull<OperationOutcome>(epj, 'GET', '?status=journaled');
    expect(badStatus.status).toBe(400);
    expect(badStatus.body.issue[0]!.diagnostics).toContain('status');
  });

  it('shows another municipality’s client nothing of it: its list is empty and the entry is absent', async () => {
    const secret = 'sorvik-epj-secret';
    await test.hub.dataSource.query('INSERT INTO epj_clients (tenant_id, client_id, secret_hash, name) VALUES ($1, $2, $3, $4)', [sorvikId, 'epj-sorvik', await hashSecret(secret), 'Sørvik EPJ']);
    const sorvikEpj = await tokenFor('epj-sorvik', secret);
    const listed = await pull<Searchset>(sorvikEpj, 'GET', '?status=registered');
    expect(listed.status).toBe(200);
    expect(listed.body.total).toBe(0);
    const pushedEntry = await outboxIdOf(pushed.id);
    for (const [method, route] of [
      ['GET', `/${pushedEntry}`],
      ['GET', `/${pushedEntry}/$status`],
      ['POST', `/${pushedEntry}/$journaling-acknowledged`],
    ] as const) {
      const answer = await pull<OperationOutcome>(sorvikEpj, method, route);
      expect(answer.status).toBe(404);
      expect(answer.body.issue[0]!.code).toBe('not-found');
    }
    expect(statusOf((await pull<Parameters>(epj, 'GET', `/${pushedEntry}/$status`)).body)?.valueCode).toBe('registered');
  });

  it('takes no operator token, and its own token opens nothing else', async () => {
    const asOperator = await pull<OperationOutcome>(admin, 'GET', '?status=registered');
    expect(asOperator.status).toBe(401);
    expect(asOperator.body.resourceType).toBe('OperationOutcome');
    expect((await pull(`${epj}x`, 'GET', '?status=registered')).status).toBe(401);
    expect((await api(test.hub, epj, 'GET', '/api/alarms')).status).toBe(401);
  });
});

describe('an admin’s EPJ clients', () => {
  const clients = (token: string, tenantId: string) => api<EpjClientView[]>(test.hub, token, 'GET', `/api/tenants/${tenantId}/epj-clients`);
  const revoke = (token: string, tenantId: string, clientId: string) => api<EpjClientView>(test.hub, token, 'POST', `/api/tenants/${tenantId}/epj-clients/${clientId}/revoke`);
  let sorvikAdmin: string;

  beforeAll(async () => {
    await test.hub.dataSource.query("INSERT INTO operators (username, display_name, password_hash, role, tenant_ids) VALUES ('sorvik-admin', 'Sølvi Admin', $1, 'admin', $2)", [
      await hashSecret('sorvik-admin-password'),
      [sorvikId],
    ]);
    sorvikAdmin = (await login(test.hub, 'sorvik-admin', 'sorvik-admin-password')).token;
  });

  it('lists the municipality’s clients with when each last got a token, never a secret or its hash', async () => {
    const listed = await clients(admin, nordbyId);
    expect(listed.status).toBe(200);
    const dips = listed.body.find((candidate) => candidate.clientId === client.clientId)!;
    expect(dips).toMatchObject({ name: 'DIPS Front', revokedAt: null });
    expect(Object.keys(dips).sort()).toStrictEqual(['clientId', 'createdAt', 'id', 'lastTokenAt', 'name', 'revokedAt']);
    expect(Date.parse(dips.lastTokenAt!)).toBeGreaterThanOrEqual(Date.parse(dips.createdAt));
    const text = JSON.stringify(listed.body);
    expect(text).not.toContain(client.clientSecret);
    expect(text).not.toContain('scrypt');
    expect(listed.body.map((candidate) => candidate.clientId)).not.toContain('epj-sorvik');
    expect((await clients(sorvikAdmin, sorvikId)).body.map((candidate) => candidate.clientId)).toStrictEqual(['epj-sorvik']);
  });

  it('is for that municipality’s admin alone: an operator gets 403, another municipality’s admin 403 or 404', async () => {
    expect((await clients(operator, nordbyId)).status).toBe(403);
    expect((await revoke(operator, nordbyId, client.clientId)).status).toBe(403);
    expect((await clients(sorvikAdmin, nordbyId)).status).toBe(403);
    expect((await revoke(sorvikAdmin, nordbyId, client.clientId)).status).toBe(403);
    // Another municipality's client named under this one's path is absent here.
    expect((await revoke(admin, nordbyId, 'epj-sorvik')).status).toBe(404);
    expect((await revoke(sorvikAdmin, sorvikId, client.clientId)).status).toBe(404);
    expect((await clients(admin, 'not-a-tenant')).status).toBe(400);
    expect((await pull(epj, 'GET', '?status=registered')).status).toBe(200);
  });

  it('revokes a client: the token it holds is refused at once with an OperationOutcome, it gets no new one, and the revocation is audited once', async () => {
    const registered = await api<{ clientId: string; clientSecret: string }>(test.hub, admin, 'POST', `/api/tenants/${nordbyId}/epj-clients`, { name: 'Gerica' });
    const held = await tokenFor(registered.body.clientId, registered.body.clientSecret);
    expect((await pull(held, 'GET', '?status=registered')).status).toBe(200);

    const revoked = await revoke(admin, nordbyId, registered.body.clientId);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ clientId: registered.body.clientId, name: 'Gerica' });
    expect(revoked.body.revokedAt).not.toBeNull();

    const refused = await pull<OperationOutcome>(held, 'GET', '?status=registered');
    expect(refused.status).toBe(401);
    expect(refused.body.resourceType).toBe('OperationOutcome');
    expect(refused.body.issue[0]).toMatchObject({ code: 'login' });
    expect(refused.body.issue[0]!.diagnostics).toContain('revoked');
    const again = await requestToken({ grant_type: 'client_credentials', client_id: registered.body.clientId, client_secret: registered.body.clientSecret });
    expect(again.status).toBe(401);
    expect(again.body.error).toBe('invalid_client');

    expect((await revoke(admin, nordbyId, registered.body.clientId)).body.revokedAt).toBe(revoked.body.revokedAt);
    const audited = (await test.hub.dataSource.query("SELECT reason FROM audit_log WHERE action = 'epj-client.revoke'")) as Array<{ reason: string }>;
    expect(audited).toHaveLength(1);
    expect(audited[0]!.reason).toContain(registered.body.clientId);
    const listed = (await clients(admin, nordbyId)).body;
    expect(listed.find((candidate) => candidate.clientId === registered.body.clientId)?.revokedAt).toBe(revoked.body.revokedAt);
    // The municipality's other client pulls on.
    expect(listed.find((candidate) => candidate.clientId === client.clientId)?.revokedAt).toBeNull();
    expect((await pull(epj, 'GET', '?status=registered')).status).toBe(200);
  });
});
