import { type EpjReceiver, FODSELSNUMMER_SYSTEM, startEpjReceiver } from '@knutepunkt/simulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlarmView, EpjContextView } from '../../src/realtime/contract.js';
import { api, connectDevice, deviceOf, eventually, loginAs, nativeEvent, startTestHub, type TestHub } from './hub-harness.js';

let test: TestHub;
let operator: string;
let operatorId: string;
let sorvik: string;
/** Residents of Nordby kommune, by their place in the demo fleet. */
let residentIds: string[];

beforeAll(async () => {
  test = await startTestHub();
  const login = await loginAs(test, 'operator');
  operator = login.token;
  operatorId = login.operator.id;
  sorvik = (await loginAs(test, 'sorvik')).token;
  residentIds = test.manifest.residents.map((resident) => resident.id);
});
afterAll(async () => {
  await test?.stop();
});

const contextOf = (residentId: string, query = '', token = operator, on: TestHub = test) => api<EpjContextView & { message?: string }>(on.hub, token, 'GET', `/api/residents/${residentId}/epj-context${query}`);

async function nationalIdOf(residentId: string): Promise<string> {
  const [row] = (await test.hub.dataSource.query('SELECT national_id FROM residents WHERE id = $1', [residentId])) as Array<{ national_id: string }>;
  return row!.national_id;
}

async function audits(residentId: string): Promise<Array<{ operator_id: string; reason: string; at: Date }>> {
  return (await test.hub.dataSource.query("SELECT operator_id, reason, at FROM audit_log WHERE action = 'resident.epj-context' AND $1 = ANY(resident_ids) ORDER BY id", [residentId])) as Array<{
    operator_id: string;
    reason: string;
    at: Date;
  }>;
}

/** Puts one resident's records into the simulated EPJ, as a test of its own would. */
async function putRecords(residentId: string): Promise<void> {
  const nationalId = await nationalIdOf(residentId);
  const response = await fetch(test.epj.url.replace(/\/fhir$/, '/context'), {
    method: 'POST',
    headers: { 'content-type': 'application/fhir+json' },
    body: JSON.stringify({
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        { resource: { resourceType: 'Patient', id: 'astrid', identifier: [{ system: FODSELSNUMMER_SYSTEM, value: nationalId }], name: [{ given: ['Astrid'], family: 'Hansen' }], birthDate: '1930-01-01', gender: 'female' } },
        { resource: { resourceType: 'EpisodeOfCare', status: 'finished', type: [{ text: 'Dagsenter' }], period: { start: '2020-01-01' } } },
        { resource: { resourceType: 'EpisodeOfCare', status: 'active', type: [{ text: 'Hjemmesykepleie' }], managingOrganization: { display: 'Hjemmetjenesten Sentrum' }, period: { start: '2024-03-01' } } },
        {
          resource: {
            resourceType: 'CarePlan',
            status: 'active',
            intent: 'plan',
            activity: [
              { detail: { status: 'scheduled', description: 'Kveldsbesøk', scheduledTiming: { repeat: { frequency: 1, period: 1, periodUnit: 'd', timeOfDay: ['21:00:00'] } } } },
              {
                detail: {
                  extension: [{ url: 'http://ehelse.no/fhir/StructureDefinition/vkp-detailheader-v090', valueString: 'Tiltak' }],
                  status: 'scheduled',
                  description: 'Morgenbesøk',
                  scheduledTiming: { repeat: { frequency: 1, period: 1, periodUnit: 'd', timeOfDay: ['08:00:00'] } },
                },
              },
            ],
          },
        },
        { resource: { resourceType: 'CarePlan', status: 'completed', intent: 'plan', activity: [{ detail: { description: 'Gammel plan' } }] } },
      ],
    }),
  });
  expect(response.status).toBe(201);
}

describe("a resident's context from the EPJ", () => {
  it('is read from the EPJ (Patient, EpisodeOfCare, active CarePlan) and then served from the copy', async () => {
    const residentId = residentIds[0]!;
    await putRecords(residentId);
    const readsBefore = test.epj.context.stats();

    const first = await contextOf(residentId);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      residentId,
      stale: false,
      error: null,
      patient: { name: 'Astrid Hansen', birthDate: '1930-01-01', gender: 'female' },
      services: [
        { name: 'Hjemmesykepleie', status: 'active', since: '2024-03-01', provider: 'Hjemmetjenesten Sentrum' },
        { name: 'Dagsenter', status: 'finished', since: '2020-01-01', provider: null },
      ],
      // Only the active plan, earliest visit first.
      visitPlan: [
        { description: 'Morgenbesøk', times: ['08:00'], daysOfWeek: [], periodUnit: 'd', header: 'Tiltak' },
        { description: 'Kveldsbesøk', times: ['21:00'], daysOfWeek: [], periodUnit: 'd', header: null },
      ],
    });
    expect(first.body.ageSeconds).toBeGreaterThanOrEqual(0);
    expect(first.body.ageSeconds).toBeLessThan(60);
    const afterFirst = test.epj.context.stats();
    expect(afterFirst.readsByType.Patient - readsBefore.readsByType.Patient).toBe(1);
    expect(afterFirst.readsByType.EpisodeOfCare - readsBefore.readsByType.EpisodeOfCare).toBe(1);
    expect(afterFirst.readsByType.CarePlan - readsBefore.readsByType.CarePlan).toBe(1);

    // Kept in PostgreSQL: the resources as the EPJ sent them, and when.
    const [row] = (await test.hub.dataSource.query('SELECT fetched_at, resources, last_error FROM epj_context WHERE resident_id = $1', [residentId])) as Array<{
      fetched_at: Date;
      resources: { patient: { id: string }; episodesOfCare: unknown[]; carePlans: unknown[] };
      last_error: string | null;
    }>;
    expect(row!.fetched_at.toISOString()).toBe(first.body.fetchedAt);
    expect(row!.resources.patient.id).toBe('astrid');
    expect(row!.resources.episodesOfCare).toHaveLength(2);
    expect(row!.resources.carePlans).toHaveLength(1);
    expect(row!.last_error).toBeNull();

    // The second read is the copy: the EPJ is not called.
    const second = await contextOf(residentId);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ fetchedAt: first.body.fetchedAt, stale: false, services: first.body.services, visitPlan: first.body.visitPlan });
    expect(test.epj.context.stats().reads).toBe(afterFirst.reads);
  });

  it('is read again when asked to refresh, and when the copy is older than the maximum age', async () => {
    const residentId = residentIds[1]!;
    const first = await contextOf(residentId);
    expect(first.status).toBe(200);
    // Derived by the simulator for a demo resident: everyone has the safety alarm.
    expect(first.body.services.map((service) => service.name)).toContain('Trygghetsalarm');
    // The simulator derives the Patient from the national id, which holds the birth date.
    const [resident] = (await test.hub.dataSource.query('SELECT birth_date::text AS birth_date FROM residents WHERE id = $1', [residentId])) as Array<{ birth_date: string }>;
    expect(first.body.patient).toMatchObject({ name: null, birthDate: resident!.birth_date });

    const reads = test.epj.context.stats().reads;
    const refreshed = await contextOf(residentId, '?refresh=true');
    expect(refreshed.status).toBe(200);
    expect(test.epj.context.stats().reads).toBe(reads + 3);
    expect(Date.parse(refreshed.body.fetchedAt)).toBeGreaterThanOrEqual(Date.parse(first.body.fetchedAt));

    // A copy older than EPJ_CONTEXT_MAX_AGE_SECONDS (900 by default) is not shown without reading the EPJ.
    await test.hub.dataSource.query("UPDATE epj_context SET fetched_at = now() - interval '16 minutes' WHERE resident_id = $1", [residentId]);
    const expired = await contextOf(residentId);
    expect(expired.status).toBe(200);
    expect(test.epj.context.stats().reads).toBe(reads + 6);
    expect(expired.body.ageSeconds).toBeLessThan(60);
  });

  it("shows the last copy, stale and with the reason, while the EPJ is down; and says so clearly when there is none", async () => {
    const residentId = residentIds[2]!;
    const fresh = await contextOf(residentId);
    expect(fresh.status).toBe(200);
    try {
      test.epj.setMode({ down: true });
      const stale = await contextOf(residentId, '?refresh=true');
      expect(stale.status).toBe(200);
      expect(stale.body).toMatchObject({ stale: true, fetchedAt: fresh.body.fetchedAt, services: fresh.body.services, visitPlan: fresh.body.visitPlan });
      expect(stale.body.error).toMatch(/^EPJ not reached/);
      const [row] = (await test.hub.dataSource.query('SELECT fetched_at, last_error, last_error_at FROM epj_context WHERE resident_id = $1', [residentId])) as Array<{ fetched_at: Date; last_error: string; last_error_at: Date }>;
      expect(row!.fetched_at.toISOString()).toBe(fresh.body.fetchedAt);
      expect(row!.last_error).toBe(stale.body.error);

      // Never read before: nothing to show, and the operator is told why.
      const never = await contextOf(residentIds[3]!);
      expect(never.status).toBe(503);
      expect(never.body.message).toMatch(/^the EPJ could not be read and the hub has no earlier copy: EPJ not reached/);

      test.epj.setMode({ fail: 503 });
      const failing = await contextOf(residentIds[4]!);
      expect(failing.status).toBe(502);
      expect(failing.body.message).toMatch(/EPJ answered 503 to the Patient search: the EPJ simulator is told to fail/);
    } finally {
      test.epj.setMode({});
    }
    // Back: read afresh, the error gone.
    const back = await contextOf(residentId, '?refresh=true');
    expect(back.body).toMatchObject({ stale: false, error: null });
    expect(Date.parse(back.body.fetchedAt)).toBeGreaterThan(Date.parse(fresh.body.fetchedAt));
    const [row] = (await test.hub.dataSource.query('SELECT last_error FROM epj_context WHERE resident_id = $1', [residentId])) as Array<{ last_error: string | null }>;
    expect(row!.last_error).toBeNull();
  });

  it('answers for a resident the EPJ does not know with no patient, services or plan', async () => {
    const residentId = residentIds[5]!;
    // A real-looking number, for which the simulated EPJ makes nothing up.
    await test.hub.dataSource.query("UPDATE residents SET national_id = '13116900216' WHERE id = $1", [residentId]);
    const unknown = await contextOf(residentId);
    expect(unknown.status).toBe(200);
    expect(unknown.body).toMatchObject({ patient: null, services: [], visitPlan: [], stale: false });
  });
});

describe('who may read it, and the audit', () => {
  it("is the operator's municipality's only: another municipality's operator gets 404, a vendor and a responder 403", async () => {
    const residentId = residentIds[6]!;
    const reads = test.epj.context.stats().reads;
    const other = await contextOf(residentId, '', sorvik);
    expect(other.status).toBe(404);
    expect((await contextOf(residentId, '', (await loginAs(test, 'vendor')).token)).status).toBe(403);
    expect((await contextOf(residentId, '', (await loginAs(test, 'responder')).token)).status).toBe(403);
    // None of them reached the EPJ, and nothing was audited as read.
    expect(test.epj.context.stats().reads).toBe(reads);
    expect(await audits(residentId)).toEqual([]);
  });

  it('refuses bad input with 400 and a clear message', async () => {
    const residentId = residentIds[7]!;
    const cases: Array<[string, RegExp]> = [
      ['/api/residents/not-a-uuid/epj-context', /id must be a UUID/],
      [`/api/residents/${residentId}/epj-context?refresh=yes`, /refresh: true or false/],
      [`/api/residents/${residentId}/epj-context?alarmId=42`, /alarmId must be a UUID/],
      [`/api/residents/${residentId}/epj-context?alarmId=00000000-0000-4000-8000-000000000000`, /alarmId: 00000000-0000-4000-8000-000000000000 is not an alarm of this resident/],
      [`/api/residents/${residentId}/epj-context?why=curious`, /property why should not exist/],
    ];
    for (const [route, message] of cases) {
      const answer = await api<{ message: string | string[] }>(test.hub, operator, 'GET', route);
      expect(answer.status, route).toBe(400);
      expect([answer.body.message].flat().join('; '), route).toMatch(message);
    }
  });

  it('audits every read: who, which resident, when, and why (the alarm at hand, or the resident panel)', async () => {
    const device = deviceOf(test.manifest, 'safety-alarm', 8);
    const client = await connectDevice(test.hub.mqttUrl, device);
    await client.publishAsync(`devices/${device.deviceId}/events`, nativeEvent('4.1').payload, { qos: 1 });
    await client.endAsync();
    const alarm = await eventually(async () => (await api<AlarmView[]>(test.hub, operator, 'GET', '/api/alarms')).body.find((candidate) => candidate.device.id === device.deviceId), 10_000, 'alarm raised');
    const residentId = alarm.resident.id;

    const started = new Date();
    expect((await contextOf(residentId, `?alarmId=${alarm.id}`)).status).toBe(200);
    expect((await contextOf(residentId)).status).toBe(200);
    test.epj.setMode({ down: true });
    try {
      expect((await contextOf(residentId, '?refresh=true')).body.stale).toBe(true);
    } finally {
      test.epj.setMode({});
    }
    const rows = await audits(residentId);
    expect(rows.map((row) => row.reason)).toEqual([
      `handling alarm ${alarm.id}; read from the EPJ`,
      expect.stringMatching(/^resident panel; the hub's copy read from the EPJ at \d{4}-/),
      expect.stringMatching(/^resident panel; the EPJ could not be read \(EPJ not reached: .+\), the hub's copy of \d{4}-.+ shown$/),
    ]);
    for (const row of rows) {
      expect(row.operator_id).toBe(operatorId);
      expect(row.at.getTime()).toBeGreaterThanOrEqual(started.getTime() - 1000);
    }
  });
});

describe('hubs set up otherwise', () => {
  it('says clearly that there is no EPJ to read when none is configured', async () => {
    const bare = await startTestHub({ EPJ_FHIR_URL: '' });
    try {
      const token = (await loginAs(bare, 'operator')).token;
      const answer = await contextOf(bare.manifest.residents[0]!.id, '', token, bare);
      expect(answer.status).toBe(409);
      expect(answer.body.message).toBe("no EPJ is configured for the resident's municipality (EPJ_FHIR_URL, EPJ_ROUTES_FILE), so there is no EPJ context to read");
    } finally {
      await bare.stop();
    }
  });

  it('reads an EPJ that demands DPoP-bound OAuth tokens with the push connector’s token and proofs', async () => {
    const guarded: EpjReceiver = await startEpjReceiver({ oauth: { clientId: 'knutepunkt', clientSecret: 'epj-s3cret', dpop: true } });
    const oauthHub = await startTestHub({
      EPJ_FHIR_URL: guarded.url,
      EPJ_TOKEN_URL: guarded.url.replace(/\/fhir$/, '/oauth/token'),
      EPJ_CLIENT_ID: 'knutepunkt',
      EPJ_CLIENT_SECRET: 'epj-s3cret',
      EPJ_DPOP: 'true',
    });
    try {
      const token = (await loginAs(oauthHub, 'operator')).token;
      const answer = await contextOf(oauthHub.manifest.residents[0]!.id, '', token, oauthHub);
      expect(answer.status).toBe(200);
      expect(answer.body.services.map((service) => service.name)).toContain('Trygghetsalarm');
      expect(guarded.stats().tokensIssued).toBe(1);
      expect(guarded.context.stats().reads).toBe(3);
      expect(guarded.stats().rejected).toBe(0);
    } finally {
      await oauthHub.stop();
      await guarded.close();
    }
  });
});
