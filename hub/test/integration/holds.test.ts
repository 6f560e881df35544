import type { MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AlarmView, DeviceCredentials, DeviceDetail } from '../../src/realtime/contract.js';
import { api, connectDevice, eventually, loginAs, startTestHub, type TestHub } from './hub-harness.js';

/**
 * A dispenser's missed dose becomes an alarm only after the municipality's grace period: a dose
 * taken out late (dispenser-json DOSE_DISPENSED, or a VKP MedicationDispense completed) ends
 * the hold. Short limits set through the rules API, and polling, instead of sleeps.
 */
let test: TestHub;
let admin: string;
let vendor: string;
let operator: string;
let nordby: string;
let serial = 0;

beforeAll(async () => {
  test = await startTestHub();
  const adminLogin = await loginAs(test, 'admin');
  admin = adminLogin.token;
  nordby = adminLogin.operator.tenants[0]!.id;
  vendor = (await loginAs(test, 'vendor')).token;
  operator = (await loginAs(test, 'operator')).token;
  expect((await api(test.hub, vendor, 'POST', '/api/device-models', { name: 'Hold Skyplattform', kind: 'medicine-dispenser', adapter: 'vkp-fhir' })).status).toBe(201);
});
afterEach(async () => {
  await api(test.hub, admin, 'PUT', `/api/tenants/${nordby}/triage-rules`, {});
});
afterAll(async () => {
  await test?.stop();
});

async function graceOf(missedDoseGraceSeconds: number): Promise<void> {
  expect((await api(test.hub, admin, 'PUT', `/api/tenants/${nordby}/triage-rules`, { missedDoseGraceSeconds })).status).toBe(200);
}

/** A dispenser registered and placed with the resident by the municipality's admin. */
async function dispenser(model: string, residentIndex: number): Promise<DeviceCredentials> {
  const residentId = test.manifest.residents[residentIndex]!.id;
  const answer = await api<DeviceCredentials>(test.hub, admin, 'POST', '/api/devices', { model, serial: `HOLD-${Date.now()}-${serial++}`, tenantId: nordby, residentId });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body;
}

/** Sends one dispenser-json message; resolves on PUBACK, when the hub has stored it. */
async function send(client: MqttClient, deviceId: string, eventType: string, eventId: number, timestamp: Date): Promise<string> {
  await client.publishAsync(`devices/${deviceId}/events`, JSON.stringify({ serial: deviceId, eventType, eventId, timestamp: timestamp.toISOString() }), { qos: 1 });
  return `${eventId}:${timestamp.toISOString()}`;
}

const alarmsOf = async (deviceId: string) => (await api<AlarmView[]>(test.hub, operator, 'GET', '/api/alarms')).body.filter((alarm) => alarm.device.id === deviceId);
const heldOf = async (deviceId: string, token = operator) => (await api<DeviceDetail>(test.hub, token, 'GET', `/api/devices/${deviceId}`)).body.held;
const secondsAgo = (seconds: number) => new Date(Date.now() - seconds * 1000);

describe('a missed dose held for the grace period', () => {
  it('never taken out: held, shown on the device, and raised when the grace runs out, saying why', async () => {
    const refused = await api<{ message: string }>(test.hub, admin, 'PUT', `/api/tenants/${nordby}/triage-rules`, { missedDoseGraceSeconds: -30 });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toMatch(/missedDoseGraceSeconds/);
    await graceOf(2);
    const { device, password } = await dispenser('MedDose 2', 1);
    const client = await connectDevice(test.hub.mqttUrl, { deviceId: device.id, password });
    const sentAt = Date.now();
    const missed = await send(client, device.id, 'DOSE_MISSED', 1, secondsAgo(0));
    // Stored and held, no alarm yet.
    expect(await alarmsOf(device.id)).toEqual([]);
    const [hold] = (await heldOf(device.id))!;
    expect(hold).toMatchObject({ eventId: missed, code: '1.1', releasedAt: null, cancelledAt: null });
    expect(Date.parse(hold!.holdUntil) - sentAt).toBeGreaterThanOrEqual(1000);
    expect(Date.parse(hold!.holdUntil) - sentAt).toBeLessThanOrEqual(4000);
    // A vendor's account sees its device, never what a resident's events are.
    expect(await heldOf(device.id, vendor)).toBeNull();

    const [alarm] = await eventually(async () => {
      const raised = await alarmsOf(device.id);
      return raised.length > 0 ? raised : undefined;
    }, 10_000, 'the missed dose to raise its alarm');
    expect(alarm).toMatchObject({ code: '1.1', kind: 'care', state: 'reported' });
    expect(alarm!.reason).toMatch(/^1\.1 Ikke utlevert: .*; ikke tatt ut innen 2 s$/);
    expect((await heldOf(device.id))![0]!.releasedAt).not.toBeNull();
    await client.endAsync();
  });

  it('taken out late, within the grace: the hold ends and raises nothing, while a later miss the dose came before still raises', async () => {
    await graceOf(3);
    const { device, password } = await dispenser('MedDose 2', 2);
    const client = await connectDevice(test.hub.mqttUrl, { deviceId: device.id, password });
    const takenLate = await send(client, device.id, 'DOSE_MISSED', 10, secondsAgo(60));
    await send(client, device.id, 'DOSE_DISPENSED', 11, secondsAgo(30));
    const neverTaken = await send(client, device.id, 'DOSE_MISSED', 12, secondsAgo(0));
    const held = new Map((await heldOf(device.id))!.map((hold) => [hold.eventId, hold]));
    expect(held.get(takenLate)!.cancelledAt).not.toBeNull();
    // The dose was taken out before this miss: an earlier dose, so this one still waits.
    expect(held.get(neverTaken)).toMatchObject({ cancelledAt: null, releasedAt: null });

    const raised = await eventually(async () => {
      const alarms = await alarmsOf(device.id);
      return alarms.length > 0 ? alarms : undefined;
    }, 10_000, 'the miss never taken out to raise its alarm');
    // The dose taken late never raised anything, its hold long past.
    const [stored] = (await test.hub.dataSource.query('SELECT event_id FROM alarms WHERE device_id = $1', [device.id])) as Array<{ event_id: string }>;
    expect(raised).toHaveLength(1);
    expect(stored!.event_id).toBe(neverTaken);
    await client.endAsync();
  });

  it('from a VKP cloud: a MedicationDispense declined is held, and one completed later ends it', async () => {
    await graceOf(60);
    const { device } = await dispenser('Hold Skyplattform', 3);
    const dispense = (status: string, id: string, at: Date) => ({
      resourceType: 'MedicationDispense',
      identifier: [{ system: 'urn:oid:2.16.578.1.12.4.1.9999', value: id }],
      status,
      medicationCodeableConcept: { text: 'Multidose morgen' },
      whenHandedOver: at.toISOString(),
    });
    const declined = await api(test.hub, vendor, 'POST', `/api/vkp/devices/${device.id}/MedicationDispense`, dispense('declined', `md-${serial}-1`, secondsAgo(120)));
    expect(declined.status).toBe(201);
    expect(await alarmsOf(device.id)).toEqual([]);
    expect((await heldOf(device.id))![0]).toMatchObject({ code: '1.1', cancelledAt: null });
    const completed = await api(test.hub, vendor, 'POST', `/api/vkp/devices/${device.id}/MedicationDispense`, dispense('completed', `md-${serial}-2`, secondsAgo(10)));
    expect(completed.status).toBe(200);
    expect((await heldOf(device.id))![0]!.cancelledAt).not.toBeNull();
  });

  it('with no grace (0) is raised at once, and nothing is held', async () => {
    await graceOf(0);
    const { device, password } = await dispenser('MedDose 2', 4);
    const client = await connectDevice(test.hub.mqttUrl, { deviceId: device.id, password });
    await send(client, device.id, 'CONFIRMATION_MISSING', 20, secondsAgo(0));
    // Raised in the transaction that stored the event, before the PUBACK.
    expect((await alarmsOf(device.id)).map((alarm) => alarm.code)).toEqual(['1.3']);
    expect(await heldOf(device.id)).toEqual([]);
    await client.endAsync();
  });
});
