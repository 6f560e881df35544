/**
 * What reaches the record: the municipality's journaling policy (technical alarms left out by
 * default, dispenser doses as one daily summary or an entry each), training devices never, a
 * missed dose documented as the dispense it was, and an alarm reopened and closed again journaled
 * as it ended, by push and by pull, each resource valid FHIR R4 and VKP.
 */
import type { MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AlarmDetail, AlarmView, DeviceCredentials } from '../../src/realtime/contract.js';
import { fhirR4Problems, vkpProblems } from '../vkp-validation.js';
import { api, connectDevice, eventually, loginAs, startTestHub, type TestHub } from './hub-harness.js';

let test: TestHub;
let admin: string;
let operator: string;
let nordby: string;
let serial = 0;

beforeAll(async () => {
  test = await startTestHub();
  const adminLogin = await loginAs(test, 'admin');
  admin = adminLogin.token;
  nordby = adminLogin.operator.tenants[0]!.id;
  operator = (await loginAs(test, 'operator')).token;
  // Missed doses raise at once here: the grace period has tests of its own.
  expect((await api(test.hub, admin, 'PUT', `/api/tenants/${nordby}/triage-rules`, { missedDoseGraceSeconds: 0 })).status).toBe(200);
});
afterEach(async () => {
  test.epj.setMode({});
  await api(test.hub, admin, 'PUT', `/api/tenants/${nordby}/journal-policy`, {});
});
afterAll(async () => {
  await test?.stop();
});

/** A MedDose 2 (dispenser-json) registered and placed with the resident, connected. */
async function dispenser(residentIndex: number, extra: { training?: boolean } = {}): Promise<{ device: string; client: MqttClient; residentId: string }> {
  const residentId = test.manifest.residents[residentIndex]!.id;
  const answer = await api<DeviceCredentials>(test.hub, admin, 'POST', '/api/devices', { model: 'MedDose 2', serial: `POLICY-${Date.now()}-${serial++}`, tenantId: nordby, residentId, ...extra });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return { device: answer.body.device.id, client: await connectDevice(test.hub.mqttUrl, { deviceId: answer.body.device.id, password: answer.body.password }), residentId };
}

let eventId = 1000;
async function send(client: MqttClient, device: string, eventType: string, timestamp = new Date()): Promise<void> {
  await client.publishAsync(`devices/${device}/events`, JSON.stringify({ serial: device, eventType, eventId: eventId++, timestamp: timestamp.toISOString() }), { qos: 1 });
}

async function alarmOf(device: string, code: string): Promise<AlarmView> {
  return eventually(async () => (await api<AlarmView[]>(test.hub, operator, 'GET', '/api/alarms')).body.find((alarm) => alarm.device.id === device && alarm.code === code && alarm.state !== 'closed'), 10_000, `alarm ${code} from ${device}`);
}

async function takeAndClose(alarm: AlarmView, cause = 'technical'): Promise<AlarmView> {
  expect((await api(test.hub, operator, 'POST', `/api/alarms/${alarm.id}/take`)).status).toBe(200);
  const closed = await api<AlarmView>(test.hub, operator, 'POST', `/api/alarms/${alarm.id}/close`, { cause, measures: ['none-needed'] });
  expect(closed.status, JSON.stringify(closed.body)).toBe(200);
  return closed.body;
}

const outboxRows = async (where: string, parameter: string) =>
  (await test.hub.dataSource.query(`SELECT id, status, last_error, bundle FROM journal_outbox WHERE ${where} ORDER BY created_at`, [parameter])) as Array<{
    id: string;
    status: string;
    last_error: string | null;
    bundle: { entry: Array<{ resource: { resourceType: string; status?: string } & Record<string, unknown> }> };
  }>;

function expectValid(resources: object[]): void {
  for (const resource of resources) {
    expect(fhirR4Problems(resource)).toEqual([]);
    expect(vkpProblems(resource)).toEqual([]);
  }
}

describe('the journaling policy', () => {
  it('is read by the municipality, changed by its admin only, and refuses what it does not know, naming it', async () => {
    expect((await api(test.hub, operator, 'GET', `/api/tenants/${nordby}/journal-policy`)).body).toEqual({ technicalAlarms: false, dispenserDoses: 'daily-summary', dailySummaryAt: '06:00' });
    expect((await api(test.hub, operator, 'PUT', `/api/tenants/${nordby}/journal-policy`, { technicalAlarms: true })).status).toBe(403);
    const wrong = await api<{ message: string }>(test.hub, admin, 'PUT', `/api/tenants/${nordby}/journal-policy`, { dispenserDoses: 'hourly' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.message).toMatch(/^dispenserDoses: one of daily-summary, each-dose, none/);
    const unknown = await api<{ message: string }>(test.hub, admin, 'PUT', `/api/tenants/${nordby}/journal-policy`, { everything: true });
    expect(unknown.body.message).toMatch(/^everything: not part of a journaling policy/);
    const late = await api<{ message: string }>(test.hub, admin, 'PUT', `/api/tenants/${nordby}/journal-policy`, { dailySummaryAt: '25:00' });
    expect(late.body.message).toMatch(/^dailySummaryAt/);
    expect((await api(test.hub, admin, 'PUT', `/api/tenants/${nordby}/journal-policy`, { dailySummaryAt: '05:30' })).status).toBe(200);
    const [audit] = (await test.hub.dataSource.query("SELECT reason FROM audit_log WHERE action = 'journal.policy' ORDER BY at DESC LIMIT 1")) as Array<{ reason: string }>;
    expect(audit!.reason).toContain('"dailySummaryAt":"05:30"');
    const sorvik = (await loginAs(test, 'sorvik')).operator.tenants[0]!.id;
    expect((await api(test.hub, admin, 'PUT', `/api/tenants/${sorvik}/journal-policy`, {})).status).toBe(403);
  });

  it('leaves technical alarms out of the record by default, and journals them when the municipality wants them', async () => {
    const { device, client } = await dispenser(0);
    await send(client, device, 'BATTERY_LOW');
    const left = await takeAndClose(await alarmOf(device, '1.17'));
    expect(left.journal).toEqual({ status: 'left-out', at: null, error: null });
    expect(await outboxRows('alarm_id = $1', left.id)).toEqual([]);

    expect((await api(test.hub, admin, 'PUT', `/api/tenants/${nordby}/journal-policy`, { technicalAlarms: true })).status).toBe(200);
    await send(client, device, 'BATTERY_EMPTY');
    const journaled = await takeAndClose(await alarmOf(device, '1.18'));
    await eventually(async () => (await api<AlarmDetail>(test.hub, operator, 'GET', `/api/alarms/${journaled.id}`)).body.alarm.journal.status === 'delivered', 10_000, 'technical alarm delivered');
    await client.endAsync();
  });
});

describe('a training device', () => {
  it('raises alarms handled as any other, shown as training, and never reaching the record', async () => {
    const { device, client } = await dispenser(1, { training: true });
    await send(client, device, 'DOSE_MISSED');
    const alarm = await alarmOf(device, '1.1');
    expect(alarm.device.training).toBe(true);
    const closed = await takeAndClose(alarm, 'care-need');
    expect(closed.journal.status).toBe('training');
    expect(await outboxRows('alarm_id = $1', alarm.id)).toEqual([]);
    // Its doses are not kept for summaries either.
    await send(client, device, 'DOSE_DISPENSED');
    await send(client, device, 'STATUS');
    const doses = (await test.hub.dataSource.query('SELECT count(*)::int AS count FROM dispenser_doses WHERE device_id = $1', [device])) as Array<{ count: number }>;
    expect(doses[0]!.count).toBe(0);
    expect(test.epj.received().some((entry) => entry.identifier.value.includes(alarm.id))).toBe(false);
    await client.endAsync();
  });
});

describe('medicine dispensers in the record', () => {
  it("documents a missed dose's alarm with the dispense it was, and sums up the day in one entry: by push, once, valid VKP", async () => {
    const { device, client, residentId } = await dispenser(2);
    const morning = new Date(Date.now() - 60_000);
    await send(client, device, 'DOSE_DISPENSED', morning);
    await send(client, device, 'DOSE_DISPENSED', morning); // a repeated report is one dose
    await send(client, device, 'DOSE_MISSED');
    const missed = await takeAndClose(await alarmOf(device, '1.1'), 'care-need');
    const [alarmEntry] = await outboxRows('alarm_id = $1', missed.id);
    const types = alarmEntry!.bundle.entry.map((entry) => entry.resource.resourceType);
    expect(types).toEqual(['DetectedIssue', 'Composition', 'MedicationDispense']);
    const declined = alarmEntry!.bundle.entry[2]!.resource;
    expect(declined.status).toBe('declined');
    expectValid(alarmEntry!.bundle.entry.map((entry) => entry.resource));

    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Oslo' }).format(new Date());
    const written = await api<{ written: string[] }>(test.hub, admin, 'POST', `/api/tenants/${nordby}/journal/dispenser-summaries`, { date: today });
    expect(written.status).toBe(200);
    const [summary] = await outboxRows('entry_key = $1', `dispenser-summary/${residentId}/${today}`);
    expect(written.body.written).toContain(summary!.id);
    const resources = summary!.bundle.entry.map((entry) => entry.resource);
    expect(resources.map((resource) => [resource.resourceType, resource.status])).toEqual([
      ['MedicationDispense', 'completed'],
      ['MedicationDispense', 'declined'],
      ['Flag', 'inactive'],
    ]);
    expectValid(resources);
    expect((resources[2]!.code as { text: string }).text).toMatch(/^Medisindispenser \d\d\.\d\d\.\d{4}: 1 dose tatt ut \(kl\. \d\d:\d\d\), 1 dose ikke tatt ut \(kl\. \d\d:\d\d\)\.$/);
    // The missed dose is one resource in the EPJ, written by the alarm's entry and the summary alike.
    expect(resources[1]!.identifier).toEqual(declined.identifier);

    await eventually(async () => (await outboxRows('entry_key = $1', `dispenser-summary/${residentId}/${today}`))[0]!.status === 'delivered', 10_000, 'summary delivered');
    const received = test.epj.received().filter((entry) => entry.type === 'Flag' || entry.type === 'MedicationDispense');
    const flags = received.filter((entry) => entry.type === 'Flag' && entry.identifier.value.includes(residentId));
    expect(flags).toHaveLength(1);
    expect(received.filter((entry) => entry.identifier.value === (declined.identifier as Array<{ value: string }>)[0]!.value)).toHaveLength(1);

    // Summing up the same day again writes nothing more.
    expect((await api<{ written: string[] }>(test.hub, admin, 'POST', `/api/tenants/${nordby}/journal/dispenser-summaries`, { date: today })).body.written).toEqual([]);
    expect((await api(test.hub, admin, 'POST', `/api/tenants/${nordby}/journal/dispenser-summaries`, { date: 'yesterday' })).status).toBe(400);
    expect((await api(test.hub, operator, 'POST', `/api/tenants/${nordby}/journal/dispenser-summaries`, { date: today })).status).toBe(403);
    await client.endAsync();
  });

  it('journals each dose as it is taken when the policy says each-dose, and the EPJ can pull it', async () => {
    expect((await api(test.hub, admin, 'PUT', `/api/tenants/${nordby}/journal-policy`, { dispenserDoses: 'each-dose' })).status).toBe(200);
    const { device, client, residentId } = await dispenser(3);
    await send(client, device, 'DOSE_DISPENSED');
    const entry = await eventually(async () => {
      const rows = (await test.hub.dataSource.query("SELECT id, status, bundle FROM journal_outbox WHERE resident_id = $1 AND entry_key LIKE 'dose/%'", [residentId])) as Array<{
        id: string;
        status: string;
        bundle: { entry: Array<{ resource: object & { resourceType: string; status: string } }> };
      }>;
      return rows[0]?.status === 'delivered' ? rows[0] : undefined;
    }, 10_000, 'dose entry delivered');
    expect(entry.bundle.entry.map((item) => [item.resource.resourceType, item.resource.status])).toEqual([['MedicationDispense', 'completed']]);
    expectValid(entry.bundle.entry.map((item) => item.resource));

    // Pulled by the municipality's EPJ: listed, read and acknowledged like an alarm's entry.
    const registered = await api<{ clientId: string; clientSecret: string }>(test.hub, admin, 'POST', `/api/tenants/${nordby}/epj-clients`, { name: 'Policy EPJ' });
    const tokenAnswer = await fetch(`${test.hub.url}/api/epj/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: registered.body.clientId, client_secret: registered.body.clientSecret }),
    });
    const { access_token: token } = (await tokenAnswer.json()) as { access_token: string };
    const listed = await api<{ entry: Array<{ resource: { id: string } }> }>(test.hub, token, 'GET', '/api/epj/fhir/journal-entries?status=registered');
    expect(listed.body.entry.map((item) => item.resource.id)).toContain(entry.id);
    const acknowledged = await api<{ parameter: Array<{ name: string; valueCode?: string }> }>(test.hub, token, 'POST', `/api/epj/fhir/journal-entries/${entry.id}/$journaling-acknowledged`);
    expect(acknowledged.status).toBe(200);
    expect(acknowledged.body.parameter[0]).toEqual({ name: 'status', valueCode: 'journaled' });
    await client.endAsync();
  });
});

describe('an alarm reopened and closed again before its first entry was delivered', () => {
  it('is journaled once, as it ended: the earlier entry is superseded and never sent', async () => {
    test.epj.setMode({ down: true });
    const { device, client } = await dispenser(4);
    await send(client, device, 'DOSE_MISSED');
    const alarm = await alarmOf(device, '1.1');
    await takeAndClose(alarm, 'care-need');
    expect((await api(test.hub, operator, 'POST', `/api/alarms/${alarm.id}/reopen`, { note: 'Ringte tilbake' })).status).toBe(200);
    const closed = await api<AlarmView>(test.hub, operator, 'POST', `/api/alarms/${alarm.id}/close`, { cause: 'care-need', measures: ['conversation-only'] });
    expect(closed.status, JSON.stringify(closed.body)).toBe(200);
    const [first, second] = await outboxRows('alarm_id = $1', alarm.id);
    expect(first).toMatchObject({ status: 'superseded', last_error: `replaced by journal entry ${second!.id}` });
    test.epj.setMode({});
    await eventually(async () => (await outboxRows('alarm_id = $1', alarm.id))[1]!.status === 'delivered', 30_000, 'second entry delivered');
    expect((await outboxRows('alarm_id = $1', alarm.id))[0]!.status).toBe('superseded');
    const composition = test.epj.received().find((entry) => entry.type === 'Composition' && entry.identifier.value.includes(alarm.id))!;
    expect(composition.version).toBe(1);
    await client.endAsync();
  });
});
