/**
 * The "done when": a closed alarm, a dispenser miss and a responder visit each arrive in
 * the EPJ simulator as valid VKP resources by push and by pull. The harness's simulator takes the
 * pushes; a second simulator of the same municipality pulls, as an EPJ does from
 * Journalføringstjenesten, and acknowledges what it stored. Then how the puller copes with an
 * entry it cannot store, a token the hub stops taking and a hub that is down.
 */
import { connect as connectTcp, createServer, type Server, type Socket } from 'node:net';
import { type EpjPuller, type EpjReceiver, type ReceivedEntry, startEpjPuller, startEpjReceiver } from '@knutepunkt/simulators';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlarmView, DeviceCredentials } from '../../src/realtime/contract.js';
import { fhirR4Problems, vkpProblems } from '../vkp-validation.js';
import { api, connectDevice, deviceOf, eventually, freePort, loginAs, nativeEvent, startTestHub, type TestHub } from './hub-harness.js';

let test: TestHub;
let admin: string;
let operator: string;
let responder: string;
let nordby: string;
let client: { clientId: string; clientSecret: string };
let pulledInto: EpjReceiver;
let puller: EpjPuller;

beforeAll(async () => {
  test = await startTestHub();
  const adminLogin = await loginAs(test, 'admin');
  admin = adminLogin.token;
  nordby = adminLogin.operator.tenants[0]!.id;
  operator = (await loginAs(test, 'operator')).token;
  responder = (await loginAs(test, 'responder')).token;
  // A missed dose raises its alarm at once here: the grace period has tests of its own.
  expect((await api(test.hub, admin, 'PUT', `/api/tenants/${nordby}/triage-rules`, { missedDoseGraceSeconds: 0 })).status).toBe(200);
  const registered = await api<{ clientId: string; clientSecret: string }>(test.hub, admin, 'POST', `/api/tenants/${nordby}/epj-clients`, { name: 'EPJ-simulator (pull)' });
  expect(registered.status).toBe(201);
  client = registered.body;
  pulledInto = await startEpjReceiver();
  // Rounds only when the test asks, so what each round did is known.
  puller = startEpjPuller({ hubUrl: test.hub.url, ...client, into: pulledInto, everySeconds: 0 });
});
afterAll(async () => {
  await puller?.stop();
  await pulledInto?.close();
  await test?.stop();
});

type OutboxRow = { id: string; status: string; bundle: { entry: Array<{ resource: { resourceType: string; status?: string }; request: { method: string; url: string; ifNoneExist?: string } }> } };

const outboxRows = async (where: string, parameter: string) =>
  (await test.hub.dataSource.query(`SELECT id, status, bundle FROM journal_outbox WHERE ${where} ORDER BY created_at`, [parameter])) as OutboxRow[];

/** The entry of the alarm, once pushed. */
async function deliveredEntryOf(alarmId: string): Promise<OutboxRow> {
  return eventually(async () => {
    const [row] = await outboxRows('alarm_id = $1', alarmId);
    return row?.status === 'delivered' ? row : undefined;
  }, 10_000, `the journal entry of alarm ${alarmId} pushed`);
}

/** "Type?system|value": how a bundle entry's conditional write names its resource, and how the EPJ keys it. */
function writtenKey(entry: OutboxRow['bundle']['entry'][number]): string {
  const query = entry.request.method === 'PUT' ? entry.request.url.slice(entry.request.url.indexOf('?') + 1) : entry.request.ifNoneExist!;
  return `${entry.resource.resourceType}?${new URLSearchParams(query.replace(/^\?/, '')).get('identifier')}`;
}

const storedKey = (stored: ReceivedEntry) => `${stored.type}?${stored.identifier.system}|${stored.identifier.value}`;

async function raise(code: string, residentIndex: number): Promise<AlarmView> {
  const device = deviceOf(test.manifest, 'safety-alarm', residentIndex);
  const mqtt = await connectDevice(test.hub.mqttUrl, device);
  await mqtt.publishAsync(`devices/${device.deviceId}/events`, nativeEvent(code).payload, { qos: 1 });
  await mqtt.endAsync();
  return eventually(async () => (await api<AlarmView[]>(test.hub, operator, 'GET', '/api/alarms')).body.find((alarm) => alarm.device.id === device.deviceId && alarm.state === 'reported' && alarm.code === code), 10_000, `alarm ${code}`);
}

async function close(alarmId: string, cause: string, measures: string[]): Promise<AlarmView> {
  const closed = await api<AlarmView>(test.hub, operator, 'POST', `/api/alarms/${alarmId}/close`, { cause, measures });
  expect(closed.status, JSON.stringify(closed.body)).toBe(200);
  return closed.body;
}

async function takeAndClose(alarm: AlarmView, cause: string, measures: string[]): Promise<AlarmView> {
  expect((await api(test.hub, operator, 'POST', `/api/alarms/${alarm.id}/take`)).status).toBe(200);
  return close(alarm.id, cause, measures);
}

/** A MedDose 2 (dispenser-json) registered and placed with the resident, connected. */
async function dispenser(residentIndex: number): Promise<{ device: string; mqtt: MqttClient; residentId: string }> {
  const residentId = test.manifest.residents[residentIndex]!.id;
  const answer = await api<DeviceCredentials>(test.hub, admin, 'POST', '/api/devices', { model: 'MedDose 2', serial: `BOTH-WAYS-${Date.now()}`, tenantId: nordby, residentId });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return { device: answer.body.device.id, mqtt: await connectDevice(test.hub.mqttUrl, { deviceId: answer.body.device.id, password: answer.body.password }), residentId };
}

let dispenserEvent = 1;
async function send(mqtt: MqttClient, device: string, eventType: string, timestamp = new Date()): Promise<void> {
  await mqtt.publishAsync(`devices/${device}/events`, JSON.stringify({ serial: device, eventType, eventId: dispenserEvent++, timestamp: timestamp.toISOString() }), { qos: 1 });
}

/** Where an entry stands at the hub, as its EPJ client asks. */
async function pullStatus(entryId: string): Promise<{ status?: string; reference?: string }> {
  const tokenAnswer = await fetch(`${test.hub.url}/api/epj/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret }),
  });
  const { access_token: token } = (await tokenAnswer.json()) as { access_token: string };
  const answer = await api<{ parameter: Array<{ name: string; valueCode?: string; valueString?: string }> }>(test.hub, token, 'GET', `/api/epj/fhir/journal-entries/${entryId}/$status`);
  const named = (name: string) => answer.body.parameter.find((parameter) => parameter.name === name);
  return { status: named('status')?.valueCode, reference: named('reference')?.valueString };
}

describe('journaling by push and by pull', () => {
  it('brings a closed alarm, a dispenser miss (and the day’s summary) and a responder visit to the EPJ both ways, every resource valid FHIR R4 and VKP', async () => {
    // (a) A fall, taken and closed.
    const fall = await takeAndClose(await raise('4.1', 1), 'fall', ['none-needed']);

    // (b) A dose taken, then one missed: the miss's alarm closed, then the day summed up.
    const { device, mqtt, residentId } = await dispenser(2);
    await send(mqtt, device, 'DOSE_DISPENSED', new Date(Date.now() - 60_000));
    await send(mqtt, device, 'DOSE_MISSED');
    const missAlarm = await eventually(async () => (await api<AlarmView[]>(test.hub, operator, 'GET', '/api/alarms')).body.find((alarm) => alarm.device.id === device && alarm.code === '1.1'), 10_000, 'the missed dose’s alarm');
    const miss = await takeAndClose(missAlarm, 'care-need', ['conversation-only']);
    await mqtt.endAsync();
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Oslo' }).format(new Date());
    const summed = await api<{ written: string[] }>(test.hub, admin, 'POST', `/api/tenants/${nordby}/journal/dispenser-summaries`, { date: today });
    expect(summed.status).toBe(200);

    // (c) A responder's visit (resident 0 lives in the responder's zone): called out, accepted, on site, done, and the alarm closed.
    const visited = await raise('4.1', 0);
    expect((await api(test.hub, operator, 'POST', `/api/alarms/${visited.id}/take`)).status).toBe(200);
    expect((await api(test.hub, operator, 'POST', `/api/alarms/${visited.id}/call-out`, { note: 'Falt i stua' })).status).toBe(200);
    for (const step of ['accept', 'on-site', 'done']) expect((await api(test.hub, responder, 'POST', `/api/call-outs/${visited.id}/${step}`, {})).status, step).toBe(200);
    const visit = await close(visited.id, 'fall', ['responder-visit']);

    const fallEntry = await deliveredEntryOf(fall.id);
    const missEntry = await deliveredEntryOf(miss.id);
    const visitEntry = await deliveredEntryOf(visit.id);
    const summaryEntry = await eventually(async () => {
      const [row] = await outboxRows('entry_key = $1', `dispenser-summary/${residentId}/${today}`);
      return row?.status === 'delivered' ? row : undefined;
    }, 10_000, 'the dispenser summary pushed');
    expect(summed.body.written).toEqual([summaryEntry.id]);
    const types = (row: OutboxRow) => row.bundle.entry.map((entry) => [entry.resource.resourceType, entry.resource.status]);
    expect(types(missEntry)).toEqual([
      ['DetectedIssue', 'final'],
      ['Composition', 'final'],
      ['MedicationDispense', 'declined'],
    ]);
    expect(types(summaryEntry).map(([type]) => type)).toEqual(['MedicationDispense', 'MedicationDispense', 'Flag']);
    expect(types(summaryEntry)).toContainEqual(['MedicationDispense', 'completed']);
    expect(visitEntry.bundle.entry.map((entry) => entry.resource.resourceType)).toContain('Encounter');
    const entries = [fallEntry, missEntry, summaryEntry, visitEntry];

    // Pulled: every registered entry fetched, stored and acknowledged in one round, nothing refused.
    const round = await puller.pullOnce();
    expect(round.errors).toEqual([]);
    expect(round.refused).toEqual([]);
    expect(round.acknowledged.map((acknowledged) => acknowledged.entryId).sort()).toEqual(entries.map((entry) => entry.id).sort());
    for (const { entryId, reference } of round.acknowledged) {
      expect(reference).toMatch(/^EPJ-PULL-\d+$/);
      expect(await pullStatus(entryId)).toEqual({ status: 'journaled', reference });
    }
    expect(puller.stats()).toMatchObject({ pulled: 4, acknowledged: 4, refused: 0, errors: 0, tokens: 1 });
    // Acknowledged, so listed no more: the next round has nothing to do.
    expect(await puller.pullOnce()).toEqual({ acknowledged: [], refused: [], errors: [] });

    // Both simulators hold every resource of every entry, once each (the declined dispense is
    // written by the alarm's entry and the summary alike: one resource), and all are valid.
    const written = [...new Set(entries.flatMap((entry) => entry.bundle.entry.map(writtenKey)))];
    for (const [way, epj] of [
      ['push', test.epj],
      ['pull', pulledInto],
    ] as const) {
      const stored = epj.received();
      expect(stored.map(storedKey).sort(), way).toEqual(written.sort());
      expect(new Set(stored.map((entry) => entry.type)), way).toEqual(new Set(['DetectedIssue', 'Composition', 'MedicationDispense', 'Flag', 'Encounter']));
      for (const { resource } of stored) {
        expect(fhirR4Problems(resource), `${way}: ${String(resource.resourceType)}`).toEqual([]);
        expect(vkpProblems(resource), `${way}: ${String(resource.resourceType)}`).toEqual([]);
      }
    }
  });
});

describe('the pulling EPJ', () => {
  it('leaves an entry it cannot store unacknowledged and reported, not fetched again, and journals the rest', async () => {
    const bad = await deliveredEntryOf((await takeAndClose(await raise('4.13', 2), 'care-need', ['conversation-only'])).id);
    const good = await deliveredEntryOf((await takeAndClose(await raise('4.13', 3), 'care-need', ['conversation-only'])).id);
    // A conditional update without its condition: the EPJ will not risk a second resource on a retry.
    await test.hub.dataSource.query(`UPDATE journal_outbox SET bundle = jsonb_set(bundle, '{entry,0,request,url}', '"DetectedIssue"') WHERE id = $1`, [bad.id]);
    const before = puller.stats();

    const round = await puller.pullOnce();
    expect(round.acknowledged.map((acknowledged) => acknowledged.entryId)).toEqual([good.id]);
    expect(round.refused).toEqual([{ entryId: bad.id, reason: expect.stringContaining('is not a conditional update') }]);
    expect(round.errors).toEqual([]);
    expect((await pullStatus(bad.id)).status).toBe('read');
    expect((await pullStatus(good.id)).status).toBe('journaled');
    expect(puller.stats()).toMatchObject({ pulled: before.pulled + 2, acknowledged: before.acknowledged + 1, refused: before.refused + 1, errors: 0 });

    expect(await puller.pullOnce()).toEqual({ acknowledged: [], refused: [], errors: [] });
    expect(puller.stats()).toMatchObject({ pulled: before.pulled + 2, refused: before.refused + 1 });
  });

  it('gets a new token when the hub refuses the one it holds', async () => {
    const before = puller.stats();
    // The hub stops taking the client's tokens (and giving it new ones) for a while.
    await test.hub.dataSource.query('UPDATE epj_clients SET revoked_at = now() WHERE client_id = $1', [client.clientId]);
    const refused = await puller.pullOnce();
    expect(refused.acknowledged).toEqual([]);
    expect(refused.errors).toEqual([expect.stringContaining('the hub gave no token (401 invalid_client')]);
    await test.hub.dataSource.query('UPDATE epj_clients SET revoked_at = NULL WHERE client_id = $1', [client.clientId]);

    const entry = await deliveredEntryOf((await takeAndClose(await raise('4.14', 4), 'care-need', ['conversation-only'])).id);
    const round = await puller.pullOnce();
    expect(round.errors).toEqual([]);
    expect(round.acknowledged.map((acknowledged) => acknowledged.entryId)).toEqual([entry.id]);
    // The refused token was dropped, not used again once the hub would have taken it back.
    expect(puller.stats()).toMatchObject({ tokens: before.tokens + 1, errors: before.errors + 1 });
  });

  it('reports a hub that is down and pulls from it again once it is back, without stopping', async () => {
    // The puller reaches the hub through a relay that the test takes down and brings back on the same port.
    const port = await freePort();
    const hubPort = Number(new URL(test.hub.url).port);
    const relayed = new Set<Socket>();
    const relay = (): Promise<Server> =>
      new Promise((resolve) => {
        const server = createServer((socket) => {
          const upstream = connectTcp(hubPort, '127.0.0.1');
          relayed.add(socket).add(upstream);
          socket.pipe(upstream).pipe(socket);
          socket.on('error', () => upstream.destroy());
          upstream.on('error', () => socket.destroy());
        });
        server.listen(port, '127.0.0.1', () => resolve(server));
      });
    const viaRelay = startEpjPuller({ hubUrl: `http://127.0.0.1:${port}`, ...client, into: pulledInto, everySeconds: 0 });
    try {
      const down = await viaRelay.pullOnce();
      expect(down.errors).toEqual([expect.stringContaining(`the hub at http://127.0.0.1:${port} cannot be reached (ECONNREFUSED)`)]);
      expect(viaRelay.stats()).toMatchObject({ errors: 1, pulled: 0, tokens: 0 });

      const server = await relay();
      try {
        const entry = await deliveredEntryOf((await takeAndClose(await raise('4.13', 5), 'care-need', ['conversation-only'])).id);
        const back = await viaRelay.pullOnce();
        expect(back.errors).toEqual([]);
        expect(back.acknowledged.map((acknowledged) => acknowledged.entryId)).toEqual([entry.id]);
        expect(pulledInto.received().map(storedKey)).toEqual(expect.arrayContaining(entry.bundle.entry.map(writtenKey)));
      } finally {
        for (const socket of relayed) socket.destroy();
        await new Promise((resolve) => server.close(resolve));
      }
    } finally {
      await viaRelay.stop();
    }
  });
});
