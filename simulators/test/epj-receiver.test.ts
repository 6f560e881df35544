import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEpjReceiver } from '../src/index.js';
import type { EpjReceiver } from '../src/index.js';

const ALARM_ID_SYSTEM = 'urn:knutepunkt:alarm';
const PATIENT = { identifier: { system: 'urn:oid:2.16.578.1.12.4.1.4.1', value: '13116900216' } };

let epj: EpjReceiver;
beforeAll(async () => {
  epj = await startEpjReceiver({ port: 0 });
});
afterAll(() => epj.close());
beforeEach(() => epj.reset());

function detectedIssue(value: string, detail: string) {
  return {
    resourceType: 'DetectedIssue',
    identifier: [{ system: ALARM_ID_SYSTEM, value }],
    status: 'final',
    patient: PATIENT,
    detail,
  };
}

function conditionalPut(resource: { resourceType: string }, system: string, value: string) {
  return {
    resource,
    request: { method: 'PUT', url: `${resource.resourceType}?identifier=${encodeURIComponent(`${system}|${value}`)}` },
  };
}

function transaction(...entry: unknown[]) {
  return { resourceType: 'Bundle', type: 'transaction', entry };
}

/** The parts of FHIR answers these tests read. */
interface FhirAnswer {
  resourceType: string;
  type?: string;
  total?: number;
  entry: Array<{ response: { status: string; location: string }; resource: Record<string, unknown> }>;
  issue: Array<{ severity: string; code: string; diagnostics: string }>;
}

async function post(body: unknown, contentType = 'application/fhir+json') {
  const response = await fetch(epj.url, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, contentType: response.headers.get('content-type'), json: (await response.json()) as FhirAnswer };
}

describe('EPJ receiver', () => {
  it('answers on a /fhir base URL on 127.0.0.1', () => {
    expect(epj.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/fhir$/);
  });

  it('creates on the first conditional update and updates the same resource on the retry', async () => {
    const first = await post(transaction(conditionalPut(detectedIssue('a-1', 'Fall'), ALARM_ID_SYSTEM, 'a-1')));
    expect(first.status).toBe(200);
    expect(first.json.entry[0]!.response.status).toBe('201 Created');
    const [, id] = /^DetectedIssue\/([^/]+)\/_history\/1$/.exec(first.json.entry[0]!.response.location) ?? [];
    expect(id).toBeTruthy();

    const retry = await post(transaction(conditionalPut(detectedIssue('a-1', 'Fall, closed'), ALARM_ID_SYSTEM, 'a-1')));
    expect(retry.status).toBe(200);
    expect(retry.json.entry[0]!.response.status).toBe('200 OK');
    expect(retry.json.entry[0]!.response.location).toBe(`DetectedIssue/${id}/_history/2`);

    expect(epj.stats()).toMatchObject({ bundles: 2, created: 1, updated: 1, byType: { DetectedIssue: 1 } });
    const received = epj.received();
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({
      type: 'DetectedIssue',
      id,
      identifier: { system: ALARM_ID_SYSTEM, value: 'a-1' },
      version: 2,
      timesSeen: 2,
      resource: { id, detail: 'Fall, closed', meta: { versionId: '2' } },
    });
  });

  it('answers a transaction with a transaction-response, one entry per request in order', async () => {
    const composition = {
      resourceType: 'Composition',
      identifier: { system: 'urn:knutepunkt:alarm-log', value: 'log-7' },
      status: 'final',
    };
    const encounter = { resourceType: 'Encounter', identifier: [{ system: 'urn:knutepunkt:visit', value: 'v-7' }], status: 'finished' };
    const bundle = transaction(
      conditionalPut(detectedIssue('a-7', 'Knappetrykk'), ALARM_ID_SYSTEM, 'a-7'),
      conditionalPut(composition, 'urn:knutepunkt:alarm-log', 'log-7'),
      { resource: encounter, request: { method: 'POST', url: 'Encounter', ifNoneExist: 'identifier=urn:knutepunkt:visit|v-7' } },
    );
    const answer = await post(bundle, 'application/json');
    expect(answer.status).toBe(200);
    expect(answer.contentType).toMatch(/^application\/fhir\+json/);
    expect(answer.json).toMatchObject({ resourceType: 'Bundle', type: 'transaction-response' });
    expect(answer.json.entry).toHaveLength(3);
    const locations = answer.json.entry.map((entry) => entry.response.location as string);
    expect(locations[0]).toMatch(/^DetectedIssue\/[\w-]+\/_history\/1$/);
    expect(locations[1]).toMatch(/^Composition\/[\w-]+\/_history\/1$/);
    expect(locations[2]).toMatch(/^Encounter\/[\w-]+\/_history\/1$/);
    expect(answer.json.entry.map((entry) => entry.response.status)).toEqual(['201 Created', '201 Created', '201 Created']);

    // A retried conditional create finds the resource and leaves it alone.
    const again = await post(transaction(bundle.entry[2]));
    expect(again.json.entry[0]!.response).toMatchObject({ status: '200 OK', location: locations[2] });
    expect(epj.stats()).toMatchObject({ created: 3, updated: 0, unchanged: 1, byType: { DetectedIssue: 1, Composition: 1, Encounter: 1 } });
  });

  it('finds stored resources by identifier, and lists what arrived at /received', async () => {
    await post(transaction(conditionalPut(detectedIssue('a-9', 'Fall'), ALARM_ID_SYSTEM, 'a-9')));
    const search = await fetch(`${epj.url}/DetectedIssue?identifier=${encodeURIComponent(`${ALARM_ID_SYSTEM}|a-9`)}`);
    const searchset = (await search.json()) as FhirAnswer;
    expect(searchset).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 1 });
    expect(searchset.entry[0]!.resource.detail).toBe('Fall');
    const none = (await (await fetch(`${epj.url}/DetectedIssue?identifier=${ALARM_ID_SYSTEM}|nope`)).json()) as FhirAnswer;
    expect(none).toMatchObject({ type: 'searchset', total: 0 });

    const received = (await (await fetch(epj.url.replace(/\/fhir$/, '/received'))).json()) as { stats: unknown; entries: unknown[] };
    expect(received.stats).toMatchObject({ bundles: 1, created: 1, updated: 0 });
    expect(received.entries).toEqual([
      expect.objectContaining({
        type: 'DetectedIssue',
        identifier: { system: ALARM_ID_SYSTEM, value: 'a-9' },
        timesSeen: 1,
        firstReceivedAt: expect.any(String),
      }),
    ]);
  });

  const good = conditionalPut(detectedIssue('a-2', 'Fall'), ALARM_ID_SYSTEM, 'a-2');
  it.each([
    ['a body that is not JSON', '{"resourceType": "Bundle", ', 'structure', /not JSON/],
    ['a resource that is not a Bundle', { resourceType: 'Patient' }, 'structure', /expected a Bundle, got a Patient/],
    ['a JSON array', [good], 'structure', /must be a JSON object/],
    ['a Bundle that is not a transaction', { resourceType: 'Bundle', type: 'batch', entry: [good] }, 'invalid', /Bundle\.type must be "transaction", got "batch"/],
    ['an entry without a resource', transaction({ request: good.request }), 'structure', /Bundle\.entry\[0\] has no resource/],
    ['an entry without a request', transaction(good, { resource: good.resource }), 'structure', /Bundle\.entry\[1\] has no request/],
    [
      'a conditional URL whose identifier the resource does not carry',
      transaction(conditionalPut(detectedIssue('a-3', 'Fall'), ALARM_ID_SYSTEM, 'a-4')),
      'invalid',
      /identifier urn:knutepunkt:alarm\|a-4, which the resource does not carry \(it has: urn:knutepunkt:alarm\|a-3\)/,
    ],
    [
      'a conditional URL naming another resource type',
      transaction({ resource: good.resource, request: { method: 'PUT', url: `Flag?identifier=${ALARM_ID_SYSTEM}|a-2` } }),
      'invalid',
      /addresses "Flag" but the resource is a DetectedIssue/,
    ],
    [
      'a conditional URL without a system',
      transaction({ resource: good.resource, request: { method: 'PUT', url: 'DetectedIssue?identifier=a-2' } }),
      'invalid',
      /must be <system>\|<value>/,
    ],
    [
      'an update that is not conditional',
      transaction({ resource: good.resource, request: { method: 'PUT', url: 'DetectedIssue/123' } }),
      'not-supported',
      /not a conditional update/,
    ],
    [
      'a create without ifNoneExist',
      transaction({ resource: good.resource, request: { method: 'POST', url: 'DetectedIssue' } }),
      'not-supported',
      /has no ifNoneExist/,
    ],
    ['two writes to one resource', transaction(good, good), 'invalid', /Bundle\.entry\[0\] and Bundle\.entry\[1\] both write DetectedIssue/],
  ])('refuses %s with 400 and an OperationOutcome', async (_case, body, code, diagnostics) => {
    const answer = await post(body);
    expect(answer.status).toBe(400);
    expect(answer.contentType).toMatch(/^application\/fhir\+json/);
    expect(answer.json.resourceType).toBe('OperationOutcome');
    expect(answer.json.issue).toHaveLength(1);
    expect(answer.json.issue[0]!).toMatchObject({ severity: 'error', code });
    expect(answer.json.issue[0]!.diagnostics).toMatch(diagnostics);
    expect(epj.stats()).toMatchObject({ bundles: 0, created: 0, rejected: 1 });
  });

  it('stores nothing from a transaction with one bad entry', async () => {
    const bad = { resource: detectedIssue('a-6', 'Fall'), request: { method: 'DELETE', url: 'DetectedIssue?identifier=x|y' } };
    const answer = await post(transaction(good, bad));
    expect(answer.status).toBe(400);
    expect(answer.json.issue[0]!.diagnostics).toMatch(/Bundle\.entry\[1\]\.request\.method "DELETE"/);
    expect(epj.received()).toEqual([]);
  });

  it('refuses a bundle over 1 MB with 413, and keeps working', async () => {
    const huge = detectedIssue('a-big', 'x'.repeat(1024 * 1024 + 10));
    const answer = await post(transaction(conditionalPut(huge, ALARM_ID_SYSTEM, 'a-big')));
    expect(answer.status).toBe(413);
    expect(answer.json.resourceType).toBe('OperationOutcome');
    expect(answer.json.issue[0]!).toMatchObject({ severity: 'error', code: 'too-long' });
    expect(answer.json.issue[0]!.diagnostics).toMatch(/larger than 1048576 bytes/);

    const after = await post(transaction(good));
    expect(after.status).toBe(200);
  });

  it('refuses a body that is not FHIR JSON by content type with 415', async () => {
    const answer = await post(JSON.stringify(transaction(good)), 'text/plain');
    expect(answer.status).toBe(415);
    expect(answer.json.issue[0]!.diagnostics).toMatch(/content-type must be application\/fhir\+json or application\/json, got "text\/plain"/);
  });
});

describe('EPJ receiver modes', () => {
  let moody: EpjReceiver;
  const base = () => moody.url.replace(/\/fhir$/, '');
  const postTo = (body: unknown) =>
    fetch(moody.url, { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(body) });
  const setMode = async (mode: unknown) => {
    const response = await fetch(`${base()}/mode`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(mode) });
    return { status: response.status, json: (await response.json()) as { mode?: unknown; error?: string } };
  };
  const bundle = (value: string) => transaction(conditionalPut(detectedIssue(value, 'Fall'), ALARM_ID_SYSTEM, value));

  beforeAll(async () => {
    moody = await startEpjReceiver({ port: 0, mode: { fail: 503 } });
  });
  afterAll(() => moody.close());

  it('starts in the mode it is given, fails on purpose and stores nothing, and counts every request', async () => {
    const failed = await postTo(bundle('m-1'));
    expect(failed.status).toBe(503);
    expect(((await failed.json()) as FhirAnswer).issue[0]).toMatchObject({ code: 'transient' });
    expect(moody.received()).toEqual([]);
    expect(moody.stats()).toMatchObject({ requests: 1, failed: 1, bundles: 0 });
  });

  it('changes mode over HTTP: reject refuses with the status, down drops the connection, {} is healthy again', async () => {
    expect(await setMode({ reject: 422 })).toEqual({ status: 200, json: { mode: { reject: 422 }, described: 'rejecting with 422' } });
    const refused = await postTo(bundle('m-2'));
    expect(refused.status).toBe(422);
    expect(((await refused.json()) as FhirAnswer).issue[0]).toMatchObject({ code: 'business-rule' });

    await setMode({ down: true });
    await expect(postTo(bundle('m-3'))).rejects.toThrow();

    expect((await setMode({})).json.mode).toEqual({});
    expect((await postTo(bundle('m-4'))).status).toBe(200);
    expect(moody.received().map((entry) => entry.identifier.value)).toEqual(['m-4']);
    expect((await (await fetch(`${base()}/mode`)).json()) as unknown).toEqual({ mode: {}, described: 'healthy' });
  });

  it('answers only after slowMs when told to be slow', async () => {
    moody.setMode({ slowMs: 300 });
    const started = Date.now();
    expect((await postTo(bundle('m-5'))).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    // Stored before the late answer, as an EPJ that commits and then answers slowly.
    const pending = postTo(bundle('m-6'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(moody.received().map((entry) => entry.identifier.value)).toContain('m-6');
    expect((await pending).status).toBe(200);
    moody.setMode({});
  });

  it('refuses a mode it cannot follow with 400 naming the field, and keeps its mode', async () => {
    moody.setMode({ fail: 500 });
    expect(await setMode({ fail: 404 })).toEqual({ status: 400, json: { error: 'fail: must be a transient status: 5xx, 408 or 429' } });
    expect((await setMode({ reject: 429 })).json.error).toMatch(/^reject: /);
    expect((await setMode({ slowMs: -1 })).json.error).toMatch(/^slowMs: /);
    expect((await setMode({ fail: 503, down: true })).json.error).toBe('fail, reject and down: choose one');
    expect((await setMode({ sleepy: true })).json.error).toMatch(/^sleepy: not a mode/);
    expect(moody.mode()).toEqual({ fail: 500 });
    expect(() => moody.setMode({ reject: 200 })).toThrow(/^reject: /);
    moody.setMode({});
  });
});

describe('EPJ receiver with OAuth2 client credentials', () => {
  let guarded: EpjReceiver;
  const tokenUrl = () => guarded.url.replace(/\/fhir$/, '/oauth/token');
  const requestToken = (clientId: string, clientSecret: string) =>
    fetch(tokenUrl(), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}` },
      body: 'grant_type=client_credentials',
    });
  const postWith = (authorization: string | null) =>
    fetch(guarded.url, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json', ...(authorization ? { authorization } : {}) },
      body: JSON.stringify(transaction(conditionalPut(detectedIssue('o-1', 'Fall'), ALARM_ID_SYSTEM, 'o-1'))),
    });

  beforeAll(async () => {
    guarded = await startEpjReceiver({ port: 0, oauth: { clientId: 'hub', clientSecret: 's3cret', tokenSeconds: 60 } });
  });
  afterAll(() => guarded.close());

  it('issues a bearer token to its client and takes transactions only with a valid one', async () => {
    expect((await postWith(null)).status).toBe(401);
    expect((await postWith('Bearer made-up')).status).toBe(401);
    expect((await requestToken('hub', 'wrong')).status).toBe(401);
    const issued = await requestToken('hub', 's3cret');
    expect(issued.status).toBe(200);
    const token = (await issued.json()) as { access_token: string; token_type: string; expires_in: number };
    expect(token).toMatchObject({ token_type: 'Bearer', expires_in: 60 });
    expect((await postWith(`Bearer ${token.access_token}`)).status).toBe(200);
    expect(guarded.stats()).toMatchObject({ tokensIssued: 1, bundles: 1, rejected: 2 });
  });

  it('takes the client in the form as well, and refuses another grant', async () => {
    const inForm = await fetch(tokenUrl(), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=hub&client_secret=s3cret',
    });
    expect(inForm.status).toBe(200);
    const password = await fetch(tokenUrl(), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=password&client_id=hub&client_secret=s3cret' });
    expect(await password.json()).toMatchObject({ error: 'unsupported_grant_type' });
  });
});
