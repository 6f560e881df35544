import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import type { AlarmView, DeviceCredentials, DeviceDetail, DeviceView } from '../../src/realtime/contract.js';
import { api, connectDevice, consoleSocket, eventually, loginAs, nativeEvent, startTestHub, type TestHub } from './hub-harness.js';

let test: TestHub;
let admin: string;
let vendor: string;
let operator: string;
let nordby: string;

beforeAll(async () => {
  test = await startTestHub({ SUPERVISION_SWEEP_SECONDS: '1' });
  const adminLogin = await loginAs(test, 'admin');
  admin = adminLogin.token;
  nordby = adminLogin.operator.tenants[0]!.id;
  vendor = (await loginAs(test, 'vendor')).token;
  operator = (await loginAs(test, 'operator')).token;
  for (const model of [
    { name: 'Test Pendant LPWAN', kind: 'safety-alarm', adapter: 'lpwan-alarm', heartbeatSeconds: 60 },
    { name: 'Test Dosett', kind: 'medicine-dispenser', adapter: 'dispenser-json' },
    { name: 'Test SenML Sengesensor', kind: 'bed-sensor', adapter: 'senml' },
    { name: 'Test Zigbee Gateway', kind: 'gateway', adapter: 'zigbee2mqtt' },
    { name: 'Test Zigbee Dørsensor', kind: 'door-sensor', adapter: 'zigbee2mqtt' },
    { name: 'Test Skyplattform', kind: 'medicine-dispenser', adapter: 'vkp-fhir' },
    { name: 'Test Native', kind: 'safety-alarm', adapter: 'native-json', heartbeatSeconds: 10, missedHeartbeats: 1 },
  ]) {
    expect((await api(test.hub, vendor, 'POST', '/api/device-models', model)).status).toBe(201);
  }
  // Each format's missed dose raises its alarm at once here; the grace period is holds.test.ts's.
  expect((await api(test.hub, admin, 'PUT', `/api/tenants/${nordby}/triage-rules`, { missedDoseGraceSeconds: 0 })).status).toBe(200);
});
afterAll(async () => {
  await test?.stop();
});

const residentAt = (index: number) => test.manifest.residents[index]!.id;
let serial = 0;

async function register(token: string, model: string, extra: Record<string, unknown> = {}): Promise<DeviceCredentials> {
  const answer = await api<DeviceCredentials>(test.hub, token, 'POST', '/api/devices', { model, serial: `T-${Date.now()}-${serial++}`, tenantId: nordby, ...extra });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body;
}

async function alarmFor(deviceId: string, code: string): Promise<AlarmView> {
  return eventually(async () => {
    const queue = (await api<AlarmView[]>(test.hub, operator, 'GET', '/api/alarms')).body;
    return queue.find((alarm) => alarm.device.id === deviceId && alarm.code === code);
  }, 10_000, `alarm ${code} from ${deviceId}`);
}

describe('provisioning', () => {
  it('registers a device, shows its password once, and the device works with it', async () => {
    const { device, password } = await register(admin, 'Trygg 300', { residentId: residentAt(0) });
    expect(password.length).toBeGreaterThanOrEqual(20);
    const [stored] = (await test.hub.dataSource.query('SELECT credential_hash FROM devices WHERE id = $1', [device.id])) as Array<{ credential_hash: string }>;
    expect(stored!.credential_hash).not.toContain(password);
    expect((await api<DeviceDetail>(test.hub, admin, 'GET', `/api/devices/${device.id}`)).body).not.toHaveProperty('password');
    const client = await connectDevice(test.hub.mqttUrl, { deviceId: device.id, password });
    await client.publishAsync(`devices/${device.id}/events`, nativeEvent('4.13').payload, { qos: 1 });
    expect((await alarmFor(device.id, '4.13')).resident.id).toBe(residentAt(0));
    await client.endAsync();
  });

  it('says in the device list and detail which devices are for training', async () => {
    const real = await register(admin, 'Trygg 300');
    const exercise = await register(admin, 'Trygg 300', { training: true });
    expect(real.device.training).toBe(false);
    expect(exercise.device.training).toBe(true);
    const listed = (await api<DeviceView[]>(test.hub, admin, 'GET', '/api/devices')).body;
    expect(listed.find((candidate) => candidate.id === real.device.id)?.training).toBe(false);
    expect(listed.find((candidate) => candidate.id === exercise.device.id)?.training).toBe(true);
    expect((await api<DeviceDetail>(test.hub, admin, 'GET', `/api/devices/${exercise.device.id}`)).body.training).toBe(true);
  });

  it('lists every municipality at a vendor login, to register devices for', async () => {
    const login = await loginAs(test, 'vendor');
    expect(login.operator.role).toBe('vendor');
    expect(login.operator.tenants.map((tenant) => tenant.name)).toEqual(['Nordby kommune', 'Sørvik kommune']);
  });

  it('keeps a vendor to its own devices and away from residents, and operators out of provisioning', async () => {
    const { device } = await register(vendor, 'Test Dosett');
    const list = (await api<DeviceView[]>(test.hub, vendor, 'GET', '/api/devices')).body;
    expect(list.some((candidate) => candidate.id === device.id)).toBe(true);
    expect(list.every((candidate) => candidate.resident === null)).toBe(true);
    expect((await api(test.hub, vendor, 'POST', '/api/devices', { model: 'Test Dosett', serial: 'X-1', tenantId: nordby, residentId: residentAt(0) })).status).toBe(403);
    expect((await api(test.hub, operator, 'POST', '/api/devices', { model: 'Trygg 300', serial: 'X-2', tenantId: nordby })).status).toBe(403);
    const sorvik = (await loginAs(test, 'sorvik')).token;
    expect((await api(test.hub, sorvik, 'GET', `/api/devices/${device.id}`)).status).toBe(404);
    expect((await api<{ message: string[] }>(test.hub, admin, 'POST', '/api/devices', { model: 'Trygg 300', serial: 'X-3', tenantId: nordby, id: 'bad/id+#' })).status).toBe(400);
  });

  it('rotates credentials: the old password and the old session end, and that is no outage', async () => {
    const { device, password } = await register(admin, 'Trygg 300', { residentId: residentAt(1) });
    const client = await connectDevice(test.hub.mqttUrl, { deviceId: device.id, password }, { will: { topic: `devices/${device.id}/status`, payload: Buffer.from('offline'), qos: 1, retain: true } });
    await client.publishAsync(`devices/${device.id}/heartbeat`, '', { qos: 1 });
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    const rotated = (await api<DeviceCredentials>(test.hub, admin, 'POST', `/api/devices/${device.id}/credentials`)).body;
    await closed;
    await expect(connectDevice(test.hub.mqttUrl, { deviceId: device.id, password })).rejects.toThrow();
    const again = await connectDevice(test.hub.mqttUrl, { deviceId: device.id, password: rotated.password });
    await again.endAsync();
    client.end(true);
    const detail = (await api<DeviceDetail>(test.hub, admin, 'GET', `/api/devices/${device.id}`)).body;
    expect(detail.contact).toBe('ok');
    expect(detail.outages).toEqual([]);
  });

  it('suspends, resumes and retires, and a device moves to another resident keeping its history', async () => {
    const { device, password } = await register(admin, 'Trygg 300', { residentId: residentAt(2) });
    expect((await api<DeviceView>(test.hub, admin, 'POST', `/api/devices/${device.id}/suspend`)).body.status).toBe('suspended');
    await expect(connectDevice(test.hub.mqttUrl, { deviceId: device.id, password })).rejects.toThrow();
    expect((await api<DeviceView>(test.hub, admin, 'POST', `/api/devices/${device.id}/resume`)).body.status).toBe('active');
    const moved = await api<DeviceView>(test.hub, admin, 'PUT', `/api/devices/${device.id}/placement`, { tenantId: nordby, residentId: residentAt(3) });
    expect(moved.body.resident?.id).toBe(residentAt(3));
    const client = await connectDevice(test.hub.mqttUrl, { deviceId: device.id, password });
    await client.publishAsync(`devices/${device.id}/events`, nativeEvent('4.14').payload, { qos: 1 });
    expect((await alarmFor(device.id, '4.14')).resident.id).toBe(residentAt(3));
    await client.endAsync();
    expect((await api<DeviceView>(test.hub, admin, 'POST', `/api/devices/${device.id}/retire`)).body.status).toBe('retired');
    const detail = (await api<DeviceDetail>(test.hub, admin, 'GET', `/api/devices/${device.id}`)).body;
    expect(detail.placements.map((placement) => placement.residentId)).toEqual([residentAt(3), residentAt(2)]);
    expect(detail.placements.every((placement) => placement.removedAt !== null)).toBe(true);
  });
});

describe('refusals', () => {
  it('answers plainly: a serial twice 409, a sensor on another vendor\'s gateway 400, an admin rewriting a vendor\'s model 403, commands 403/409', async () => {
    const first = await register(vendor, 'Test Dosett');
    const twice = await api<{ message: string }>(test.hub, vendor, 'POST', '/api/devices', { model: 'Test Dosett', serial: first.device.serial, tenantId: nordby, id: `other-${Date.now()}` });
    expect(twice.status).toBe(409);
    expect(twice.body.message).toMatch(/serial/);
    // A gateway of the municipality's own model, not the vendor's.
    expect((await api(test.hub, admin, 'POST', '/api/device-models', { name: 'Kommunens gateway', kind: 'gateway', adapter: 'zigbee2mqtt' })).status).toBe(201);
    const adminGateway = await register(admin, 'Kommunens gateway');
    const foreign = await api(test.hub, vendor, 'POST', '/api/devices', { model: 'Test Zigbee Dørsensor', serial: `S-${Date.now()}`, tenantId: nordby, gatewayId: adminGateway.device.id, gatewayAddress: 'dør' });
    expect(foreign.status).toBe(400);
    expect((await api(test.hub, admin, 'POST', '/api/device-models', { name: 'Test Dosett', kind: 'door-sensor', adapter: 'native-json' })).status).toBe(403);
    expect((await api(test.hub, operator, 'POST', `/api/devices/${first.device.id}/commands`, { kind: 'configure', heartbeatSeconds: 10 })).status).toBe(403);
    expect((await api(test.hub, vendor, 'POST', `/api/devices/${first.device.id}/commands`, { kind: 'test' })).status).toBe(409);
  });

  it('counts a VKP post that raises nothing as contact from the device', async () => {
    const { device } = await register(admin, 'Test Skyplattform', { residentId: residentAt(12) });
    const completed = { resourceType: 'MedicationDispense', identifier: [{ system: 'urn:test', value: `md-${Date.now()}` }], status: 'completed', whenHandedOver: new Date().toISOString() };
    expect((await api(test.hub, vendor, 'POST', `/api/vkp/devices/${device.id}/MedicationDispense`, completed)).status).toBe(200);
    const detail = (await api<DeviceDetail>(test.hub, admin, 'GET', `/api/devices/${device.id}`)).body;
    expect(detail.contact).toBe('ok');
    expect(detail.lastSeenAt).not.toBeNull();
  });
});

describe('supervision', () => {
  it('raises "Ingen kontakt" after missed heartbeats, lists the device first, and resolves it when the device returns', async () => {
    const { device, password } = await register(admin, 'Test Native', { residentId: residentAt(4) });
    const watcher = await consoleSocket(test.hub, operator);
    const client = await connectDevice(test.hub.mqttUrl, { deviceId: device.id, password });
    await client.publishAsync(`devices/${device.id}/heartbeat`, JSON.stringify({ battery: 90 }), { qos: 1 });
    await client.endAsync();
    // The model allows one 10 s heartbeat; make that deadline already past rather than wait for it.
    await test.hub.dataSource.query("UPDATE devices SET last_seen_at = now() - interval '11 seconds' WHERE id = $1", [device.id]);
    const alarm = await alarmFor(device.id, '3');
    expect(alarm).toMatchObject({ kind: 'technical', severity: 30, state: 'reported' });
    const listed = (await api<DeviceView[]>(test.hub, admin, 'GET', '/api/devices')).body;
    expect(listed[0]!.contact).toBe('lost');
    expect(listed.find((candidate) => candidate.id === device.id)!.outageSince).not.toBeNull();

    const back = await connectDevice(test.hub.mqttUrl, { deviceId: device.id, password });
    await back.publishAsync(`devices/${device.id}/heartbeat`, '', { qos: 1 });
    const resolved = await eventually(() => watcher.received.find((message) => message.alarm.id === alarm.id && message.alarm.state === 'closed'), 5000, 'alarm resolved');
    expect(resolved.alarm.cause).toBe('technical');
    const detail = (await api<DeviceDetail>(test.hub, admin, 'GET', `/api/devices/${device.id}`)).body;
    expect(detail.contact).toBe('ok');
    expect(detail.outages[0]).toMatchObject({ cause: 'missed-heartbeats', alarmId: alarm.id });
    expect(detail.outages[0]!.endedAt).not.toBeNull();
    await back.endAsync();
    watcher.socket.close();
  });

  it('suspending a device out of contact resolves its alarm, and resuming gives it a fresh deadline', async () => {
    const { device, password } = await register(admin, 'Test Native', { residentId: residentAt(13) });
    const client = await connectDevice(test.hub.mqttUrl, { deviceId: device.id, password });
    await client.publishAsync(`devices/${device.id}/heartbeat`, '', { qos: 1 });
    await client.endAsync();
    await test.hub.dataSource.query("UPDATE devices SET last_seen_at = now() - interval '11 seconds' WHERE id = $1", [device.id]);
    const alarm = await alarmFor(device.id, '3');
    expect((await api(test.hub, admin, 'POST', `/api/devices/${device.id}/suspend`)).status).toBe(200);
    const [after] = (await test.hub.dataSource.query('SELECT state FROM alarms WHERE id = $1', [alarm.id])) as Array<{ state: string }>;
    expect(after!.state).toBe('closed');
    const resumed = (await api<DeviceView>(test.hub, admin, 'POST', `/api/devices/${device.id}/resume`)).body;
    expect(resumed.contact).toBe('ok');
    expect(Date.now() - Date.parse(resumed.lastSeenAt!)).toBeLessThan(60_000);
  });

  it('raises "Ingen kontakt" at once when the last will arrives', async () => {
    const { device, password } = await register(admin, 'Trygg 300', { residentId: residentAt(5) });
    const client: MqttClient = await connectDevice(test.hub.mqttUrl, { deviceId: device.id, password }, { will: { topic: `devices/${device.id}/status`, payload: Buffer.from('offline'), qos: 1, retain: true } });
    await client.publishAsync(`devices/${device.id}/status`, 'online', { qos: 1, retain: true });
    client.stream.destroy(); // the connection drops without a DISCONNECT: the broker sends the will
    const alarm = await alarmFor(device.id, '3');
    expect(alarm.kind).toBe('technical');
    const detail = (await api<DeviceDetail>(test.hub, admin, 'GET', `/api/devices/${device.id}`)).body;
    expect(detail.outages[0]!.cause).toBe('last-will');
    client.end(true);
  });
});

describe('reconnecting', () => {
  it('a device whose new session takes over its old one has not lost contact, though the old session leaves its will', async () => {
    const { device, password } = await register(admin, 'Trygg 300', { residentId: residentAt(11) });
    const will = { topic: `devices/${device.id}/status`, payload: Buffer.from('offline'), qos: 1 as const, retain: true };
    const first = await connectDevice(test.hub.mqttUrl, { deviceId: device.id, password }, { will });
    await first.publishAsync(`devices/${device.id}/status`, 'online', { qos: 1, retain: true });
    const second = await connectDevice(test.hub.mqttUrl, { deviceId: device.id, password }, { will });
    await second.publishAsync(`devices/${device.id}/status`, 'online', { qos: 1, retain: true });
    await new Promise((resolve) => setTimeout(resolve, 6000)); // past the hub's grace for a will
    const detail = (await api<DeviceDetail>(test.hub, admin, 'GET', `/api/devices/${device.id}`)).body;
    expect(detail.contact).toBe('ok');
    expect(detail.outages).toEqual([]);
    first.end(true);
    await second.endAsync();
  });
});

describe('each format reaches the console as the right VKP-coded alarm', () => {
  it('LPWAN safety alarm: a fall, and a low battery as a technical alarm; the device hears its alarm was received', async () => {
    const { device, password } = await register(admin, 'Test Pendant LPWAN', { residentId: residentAt(6) });
    const client = await connectDevice(test.hub.mqttUrl, { deviceId: device.id, password });
    await client.subscribeAsync(`devices/${device.id}/commands`, { qos: 1 });
    const commands: Buffer[] = [];
    client.on('message', (_topic, payload) => commands.push(payload));
    const now = Math.floor(Date.now() / 1000);
    const frame = (type: number, sequence: number) => Buffer.from([1, type, 0, 55, sequence >> 8, sequence & 0xff, (now >>> 24) & 0xff, (now >>> 16) & 0xff, (now >>> 8) & 0xff, now & 0xff]);
    await client.publishAsync(`devices/${device.id}/events`, frame(0x03, 1), { qos: 1 });
    await client.publishAsync(`devices/${device.id}/events`, frame(0x04, 2), { qos: 1 });
    const fall = await alarmFor(device.id, '4.1');
    expect(fall.kind).toBe('care');
    expect((await alarmFor(device.id, '3')).kind).toBe('technical');
    expect((await api(test.hub, operator, 'POST', `/api/alarms/${fall.id}/take`)).status).toBe(200);
    await eventually(() => commands.find((command) => command.equals(Buffer.from([0x01, 0x81]))), 5000, 'alarm-received downlink');
    await client.endAsync();
  });

  it("a dispenser vendor's JSON: a missed dose", async () => {
    const { device, password } = await register(admin, 'Test Dosett', { residentId: residentAt(7) });
    const client = await connectDevice(test.hub.mqttUrl, { deviceId: device.id, password });
    const payload = { serial: device.serial, eventType: 'DOSE_MISSED', eventId: 4711, timestamp: new Date().toISOString(), scheduledFor: new Date().toISOString(), doseCount: 3, battery: 40 };
    await client.publishAsync(`devices/${device.id}/events`, JSON.stringify(payload), { qos: 1 });
    expect((await alarmFor(device.id, '1.1')).codeDisplay).toBe('Ikke utlevert');
    await client.endAsync();
  });

  it('SenML: a resident leaving bed', async () => {
    const { device, password } = await register(admin, 'Test SenML Sengesensor', { residentId: residentAt(8) });
    const client = await connectDevice(test.hub.mqttUrl, { deviceId: device.id, password });
    const pack = [{ bn: `urn:dev:${device.id}:`, bt: Date.now() / 1000, n: 'bed', vb: false }, { n: 'battery', u: '%', v: 80 }];
    await client.publishAsync(`devices/${device.id}/events`, JSON.stringify(pack), { qos: 1 });
    expect((await alarmFor(device.id, '4.2')).codeDisplay).toBe('Forlatt sengen');
    await client.endAsync();
  });

  it('Zigbee2MQTT behind a home gateway: a door opened; an unknown sensor is quarantined', async () => {
    const gateway = await register(admin, 'Test Zigbee Gateway', { residentId: residentAt(9) });
    const sensor = await register(admin, 'Test Zigbee Dørsensor', { residentId: residentAt(9), gatewayId: gateway.device.id, gatewayAddress: 'gang/inngangsdør' });
    const client = await connectDevice(test.hub.mqttUrl, { deviceId: gateway.device.id, password: gateway.password });
    await client.publishAsync(`gateways/${gateway.device.id}/gang/inngangsdør`, JSON.stringify({ contact: false, battery: 91, linkquality: 87, last_seen: new Date().toISOString() }), { qos: 1 });
    expect((await alarmFor(sensor.device.id, '4.15')).resident.id).toBe(residentAt(9));
    // Zigbee2MQTT repeats the whole state with a battery report: the door is still open, not opened again.
    const state = (contact: boolean, battery: number) => JSON.stringify({ contact, battery, last_seen: new Date().toISOString() });
    const openings = async () => Number(((await test.hub.dataSource.query("SELECT count(*) FROM alarms WHERE device_id = $1 AND code = '4.15'", [sensor.device.id])) as Array<{ count: string }>)[0]!.count);
    await client.publishAsync(`gateways/${gateway.device.id}/gang/inngangsdør`, state(false, 90), { qos: 1 });
    expect(await openings()).toBe(1);
    await client.publishAsync(`gateways/${gateway.device.id}/gang/inngangsdør`, state(true, 90), { qos: 1 });
    await client.publishAsync(`gateways/${gateway.device.id}/gang/inngangsdør`, state(false, 89), { qos: 1 });
    expect(await openings()).toBe(2);
    await client.publishAsync(`gateways/${gateway.device.id}/kjøkken`, JSON.stringify({ water_leak: true }), { qos: 1 });
    const [kept] = (await test.hub.dataSource.query('SELECT reason FROM quarantine WHERE device_id = $1 ORDER BY id DESC LIMIT 1', [gateway.device.id])) as Array<{ reason: string }>;
    expect(kept!.reason).toBe('unknown-sensor');
    await client.endAsync();
  });

  it('VKP FHIR posted by a vendor cloud (I1): a MedicationDispense not handed over, answered with an OperationOutcome', async () => {
    const { device } = await register(admin, 'Test Skyplattform', { residentId: residentAt(10) });
    const dispense = {
      resourceType: 'MedicationDispense',
      identifier: [{ system: 'urn:oid:2.16.578.1.12.4.1.9999', value: `md-${Date.now()}` }],
      status: 'declined',
      whenPrepared: new Date().toISOString(),
      medicationCodeableConcept: { text: 'Multidose' },
    };
    const answer = await api<{ resourceType: string; issue: Array<{ severity: string }> }>(test.hub, vendor, 'POST', `/api/vkp/devices/${device.id}/MedicationDispense`, dispense);
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ severity: 'information' }] });
    expect((await alarmFor(device.id, '1.1')).resident.id).toBe(residentAt(10));
    const bad = await api<{ issue: Array<{ severity: string; diagnostics: string }> }>(test.hub, vendor, 'POST', `/api/vkp/devices/${device.id}/Flag`, { resourceType: 'Flag', status: 'active' });
    expect(bad.status).toBe(400);
    expect(bad.body.issue[0]!.severity).toBe('error');
    expect(Number(((await test.hub.dataSource.query('SELECT count(*) FROM quarantine WHERE device_id = $1', [device.id])) as Array<{ count: string }>)[0]!.count)).toBe(1);
    expect((await api(test.hub, operator, 'POST', `/api/vkp/devices/${device.id}/Flag`, {})).status).toBe(403);
  });
});
