import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FODSELSNUMMER_SYSTEM, startEpjReceiver } from '../src/index.js';
import type { EpjReceiver } from '../src/index.js';

/** Synthetic (birth month + 80), so the simulator derives records; the first has home nursing, the second only practical help. */
const WITH_HOME_NURSING = '17854400037';
const PRACTICAL_HELP_ONLY = '03825100015';
/** A real-looking number, which an EPJ simulator must never make records up for. */
const REAL_LOOKING = '13116900216';

interface FhirAnswer {
  resourceType: string;
  type?: string;
  total?: number;
  id?: string;
  entry?: Array<{ fullUrl: string; resource: Record<string, unknown> }>;
  issue?: Array<{ severity: string; code: string; diagnostics: string }>;
}

let epj: EpjReceiver;
beforeAll(async () => {
  epj = await startEpjReceiver();
});
afterAll(() => epj.close());
beforeEach(() => {
  epj.reset();
  epj.setMode({});
});

async function get(route: string, headers: Record<string, string> = {}, on: EpjReceiver = epj): Promise<{ status: number; json: FhirAnswer; contentType: string | null }> {
  const response = await fetch(`${on.url}${route}`, { headers });
  return { status: response.status, json: (await response.json()) as FhirAnswer, contentType: response.headers.get('content-type') };
}

const patientSearch = (nationalId: string, system = FODSELSNUMMER_SYSTEM) => `/Patient?identifier=${encodeURIComponent(`${system}|${nationalId}`)}`;

async function patientOf(nationalId: string): Promise<Record<string, unknown>> {
  const found = await get(patientSearch(nationalId));
  expect(found.json.total).toBe(1);
  return found.json.entry![0]!.resource;
}

async function putRecords(bundle: unknown): Promise<{ status: number; json: Record<string, unknown> & FhirAnswer }> {
  const response = await fetch(epj.url.replace(/\/fhir$/, '/context'), { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: typeof bundle === 'string' ? bundle : JSON.stringify(bundle) });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> & FhirAnswer };
}

describe('resident records derived for a synthetic national id', () => {
  it('finds the Patient by fødselsnummer as VKP searches it, with the VKP profile', async () => {
    const found = await get(patientSearch(WITH_HOME_NURSING));
    expect(found.status).toBe(200);
    expect(found.contentType).toMatch(/^application\/fhir\+json/);
    expect(found.json).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 1 });
    const patient = found.json.entry![0]!.resource;
    expect(patient).toMatchObject({
      resourceType: 'Patient',
      meta: { profile: ['http://ehelse.no/fhir/StructureDefinition/vkp-Patient-v090'] },
      identifier: [{ system: FODSELSNUMMER_SYSTEM, value: WITH_HOME_NURSING }],
      birthDate: '1944-05-17',
    });
    expect(found.json.entry![0]!.fullUrl).toBe(`Patient/${String(patient.id)}`);
    // The id does not show the national id, and reading it by id gives the same Patient.
    expect(String(patient.id)).not.toContain(WITH_HOME_NURSING);
    expect((await get(`/Patient/${String(patient.id)}`)).json).toEqual(patient);
  });

  it('lists the services as EpisodeOfCare and the visit plan as an active besøksplan, the same every time', async () => {
    const patient = await patientOf(WITH_HOME_NURSING);
    const episodes = await get(`/EpisodeOfCare?patient=${String(patient.id)}`);
    expect(episodes.status).toBe(200);
    expect(episodes.json.entry!.map((entry) => (entry.resource.type as Array<{ text: string }>)[0]!.text)).toEqual(['Trygghetsalarm', 'Hjemmesykepleie', 'Praktisk bistand']);
    for (const { resource } of episodes.json.entry!) expect(resource).toMatchObject({ resourceType: 'EpisodeOfCare', status: 'active', patient: { reference: `Patient/${String(patient.id)}` } });

    const plans = await get(`/CarePlan?patient=Patient/${String(patient.id)}&status=active`);
    expect(plans.json.total).toBe(1);
    const plan = plans.json.entry![0]!.resource;
    expect(plan).toMatchObject({
      meta: { profile: ['http://ehelse.no/fhir/StructureDefinition/vkp-CarePlan-v090'] },
      status: 'active',
      intent: 'plan',
      category: [{ coding: [{ system: 'http://ehelse.no/fhir/CodeSystem/vkp-careplan-category-v090', code: '3', display: 'besoksplan' }] }],
      subject: { reference: `Patient/${String(patient.id)}`, identifier: { system: FODSELSNUMMER_SYSTEM, value: WITH_HOME_NURSING } },
    });
    const activities = plan.activity as Array<{ detail: { description: string; extension: unknown[]; scheduledTiming: { repeat: { timeOfDay: string[] } } } }>;
    expect(activities.map((activity) => activity.detail.description)).toEqual([
      'Morgenbesøk: morgenstell og medisiner',
      'Kveldsbesøk: kveldsstell og medisiner',
      'Praktisk bistand: rengjøring',
    ]);
    expect(activities[0]!.detail.scheduledTiming.repeat.timeOfDay).toEqual(['08:30:00']);
    expect(activities[0]!.detail.extension).toEqual([{ url: 'http://ehelse.no/fhir/StructureDefinition/vkp-detailheader-v090', valueString: 'Tiltak' }]);

    // Derived from the number, not drawn at random: a restarted simulator answers the same.
    epj.reset();
    expect((await get(`/CarePlan?patient=Patient/${String(patient.id)}&status=active`)).json.entry![0]!.resource).toEqual(plan);
  });

  it('searches EpisodeOfCare by the national id too, as VKP documents', async () => {
    const byToken = await get(`/EpisodeOfCare?patient=${encodeURIComponent(`${FODSELSNUMMER_SYSTEM}|${PRACTICAL_HELP_ONLY}`)}`);
    expect(byToken.json.entry!.map((entry) => (entry.resource.type as Array<{ text: string }>)[0]!.text)).toEqual(['Trygghetsalarm', 'Praktisk bistand']);
  });

  it('answers with empty searchsets for a real-looking number, an unknown patient and a status the plan is not in', async () => {
    expect((await get(patientSearch(REAL_LOOKING))).json).toMatchObject({ type: 'searchset', total: 0, entry: [] });
    expect((await get('/EpisodeOfCare?patient=Patient/someone-else')).json).toMatchObject({ total: 0 });
    const patient = await patientOf(WITH_HOME_NURSING);
    expect((await get(`/CarePlan?patient=${String(patient.id)}&status=completed,revoked`)).json.total).toBe(0);
    expect((await get(`/CarePlan/someone-elses-plan`)).status).toBe(404);
  });

  it('counts every read, so a test can tell whether the hub called', async () => {
    const patient = await patientOf(WITH_HOME_NURSING);
    await get(`/EpisodeOfCare?patient=${String(patient.id)}`);
    await get('/CarePlan?patient=x&status=nonsense');
    expect(epj.context.stats()).toMatchObject({ reads: 3, readsByType: { Patient: 1, EpisodeOfCare: 1, CarePlan: 1 } });
    epj.reset();
    expect(epj.context.stats().reads).toBe(0);
  });
});

describe('bad searches', () => {
  const refusals: Array<[string, string, RegExp]> = [
    ['no identifier', '/Patient', /identifier: required/],
    ['an identifier without system', `/Patient?identifier=${REAL_LOOKING}`, /give system\|value/],
    ['another identifier system', `/Patient?identifier=${encodeURIComponent(`urn:oid:2.16.578.1.12.4.1.4.3|${REAL_LOOKING}`)}`, /system urn:oid:2\.16\.578\.1\.12\.4\.1\.4\.1/],
    ['a national id of 10 digits', patientSearch('1785440003'), /11 digits/],
    ['a parameter it does not know', `${patientSearch(WITH_HOME_NURSING)}&name=Olsen`, /name: not a search parameter of Patient/],
    ['a parameter twice', `${patientSearch(WITH_HOME_NURSING)}&identifier=x`, /identifier: give it once/],
    ['EpisodeOfCare without patient', '/EpisodeOfCare', /patient: required/],
    ['CarePlan without patient', '/CarePlan?status=active', /patient: required/],
    ['a status CarePlan does not have', '/CarePlan?patient=pas-x&status=running', /"running" is not a CarePlan status/],
  ];
  it.each(refusals)('refuses %s with 400 and an OperationOutcome', async (_what, route, message) => {
    const answer = await get(route);
    expect(answer.status).toBe(400);
    expect(answer.json.resourceType).toBe('OperationOutcome');
    expect(answer.json.issue![0]).toMatchObject({ severity: 'error' });
    expect(answer.json.issue![0]!.diagnostics).toMatch(message);
  });

  it('refuses writes to the records with 405', async () => {
    const response = await fetch(`${epj.url}/Patient`, { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: '{}' });
    expect(response.status).toBe(405);
    expect(((await response.json()) as FhirAnswer).issue![0]!.code).toBe('not-supported');
  });
});

describe('records put in by a test', () => {
  const bundle = (...resources: unknown[]) => ({ resourceType: 'Bundle', type: 'collection', entry: resources.map((resource) => ({ resource })) });
  const person = { resourceType: 'Patient', id: 'kari', identifier: [{ system: FODSELSNUMMER_SYSTEM, value: REAL_LOOKING }], name: [{ family: 'Nordmann', given: ['Kari'] }] };

  it('are found as the EPJ holds them, referring to their Patient, and replace what would be derived', async () => {
    const put = await putRecords(
      bundle(person, { resourceType: 'EpisodeOfCare', status: 'active', type: [{ text: 'Hjemmesykepleie' }] }, { resourceType: 'CarePlan', status: 'active', intent: 'plan', subject: { reference: 'Patient/kari' } }, { resourceType: 'CarePlan', status: 'completed', intent: 'plan' }),
    );
    expect(put).toMatchObject({ status: 201, json: { patientId: 'kari', episodesOfCare: 1, carePlans: 2 } });
    expect((await patientOf(REAL_LOOKING)).name).toEqual(person.name);
    const episodes = await get('/EpisodeOfCare?patient=kari');
    expect(episodes.json.entry![0]!.resource).toMatchObject({ patient: { reference: 'Patient/kari', identifier: { value: REAL_LOOKING } } });
    expect((await get('/CarePlan?patient=kari&status=active')).json.total).toBe(1);
    expect((await get('/CarePlan?patient=kari')).json.total).toBe(2);

    const replaced = await putRecords(bundle({ ...person, id: 'synthetic', identifier: [{ system: FODSELSNUMMER_SYSTEM, value: WITH_HOME_NURSING }] }));
    expect(replaced.status).toBe(201);
    expect((await get('/EpisodeOfCare?patient=synthetic')).json.total).toBe(0);
    const shown = (await (await fetch(epj.url.replace(/\/fhir$/, '/context'))).json()) as { stats: { residentsPut: number }; residents: unknown[] };
    expect(shown.stats.residentsPut).toBe(2);
    expect(shown.residents).toContainEqual({ nationalId: WITH_HOME_NURSING, patient: 'Patient/synthetic', episodesOfCare: 0, carePlans: 0 });
  });

  const badBundles: Array<[string, unknown, RegExp]> = [
    ['not JSON', '{', /must be JSON/],
    ['not a Bundle', person, /expected a Bundle/],
    ['a transaction', { ...bundle(person), type: 'transaction' }, /Bundle\.type must be collection/],
    ['no Patient', bundle({ resourceType: 'EpisodeOfCare', status: 'active' }), /exactly one Patient, it holds 0/],
    ['two Patients', bundle(person, { ...person, id: 'other' }), /exactly one Patient, it holds 2/],
    ['a Patient without national id', bundle({ resourceType: 'Patient', identifier: [{ system: 'urn:x', value: '1' }] }), /needs an identifier with system/],
    ['another resource type', bundle(person, { resourceType: 'Observation' }), /expected Patient, EpisodeOfCare, CarePlan, got "Observation"/],
    ['a reference to someone else', bundle(person, { resourceType: 'CarePlan', subject: { reference: 'Patient/ola' } }), /must refer to the Bundle's Patient \(Patient\/kari\)/],
    ['a bad id', bundle({ ...person, id: 'a b' }), /id must be 1–64 letters/],
  ];
  it.each(badBundles)('are refused when %s, with 400 and an OperationOutcome, and nothing is stored', async (_what, body, message) => {
    const answer = await putRecords(body);
    expect(answer.status).toBe(400);
    expect(answer.json.resourceType).toBe('OperationOutcome');
    expect(answer.json.issue![0]!.diagnostics).toMatch(message);
    expect(epj.context.stats().residentsPut).toBe(0);
    expect((await get(patientSearch(REAL_LOOKING))).json.total).toBe(0);
  });
});

describe('reads when the EPJ misbehaves or wants a token', () => {
  it('drops the connection while down and answers the failure status while failing', async () => {
    epj.setMode({ down: true });
    await expect(fetch(`${epj.url}${patientSearch(WITH_HOME_NURSING)}`)).rejects.toThrow();
    epj.setMode({ fail: 503 });
    const failing = await get(patientSearch(WITH_HOME_NURSING));
    expect(failing.status).toBe(503);
    expect(failing.json.resourceType).toBe('OperationOutcome');
    expect(epj.context.stats().reads).toBe(2);
  });

  it('asks for the same bearer token as transactions do', async () => {
    const guarded = await startEpjReceiver({ oauth: { clientId: 'knutepunkt', clientSecret: 's3cret' } });
    try {
      const refused = await fetch(`${guarded.url}${patientSearch(WITH_HOME_NURSING)}`);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toBe('Bearer');
      const token = await fetch(guarded.url.replace(/\/fhir$/, '/oauth/token'), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('knutepunkt:s3cret').toString('base64')}` },
        body: 'grant_type=client_credentials',
      });
      const { access_token: accessToken } = (await token.json()) as { access_token: string };
      const admitted = await get(patientSearch(WITH_HOME_NURSING), { authorization: `Bearer ${accessToken}` }, guarded);
      expect(admitted).toMatchObject({ status: 200, json: { total: 1 } });
    } finally {
      await guarded.close();
    }
  });
});
