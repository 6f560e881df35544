import { randomUUID } from 'node:crypto';
import type { FleetDevice } from '@knutepunkt/device-adapters';
import type { EntityManager } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { correlateOutages } from '../../src/incidents/outage-incidents.js';
import type { AlarmView, IncidentView, SupervisorAlert } from '../../src/realtime/contract.js';
import { api, connectDevice, consoleSocket, eventually, loginAs, startTestHub, type TestHub } from './hub-harness.js';

let test: TestHub;
let operator: string;
let operator2: string;
let sorvik: string;
/** Demo devices that log in themselves, in the native format, by municipality. */
const fleet = new Map<string, FleetDevice[]>();
const tenantOf = new Map<string, string>();

beforeAll(async () => {
  test = await startTestHub({ SUPERVISION_SWEEP_SECONDS: '1' });
  operator = (await loginAs(test, 'operator')).token;
  operator2 = (await loginAs(test, 'operator2')).token;
  sorvik = (await loginAs(test, 'sorvik')).token;
  // Sørvik is small: two devices at once are an outage there.
  await test.hub.dataSource.query(`UPDATE tenants SET triage_rules = '{"outageDeviceCount": 2}' WHERE name = 'Sørvik kommune'`);
  for (const row of (await test.hub.dataSource.query('SELECT d.id, t.name FROM devices d JOIN tenants t ON t.id = d.tenant_id')) as Array<{ id: string; name: string }>) {
    tenantOf.set(row.id, row.name);
  }
  for (const device of test.manifest.residents.flatMap((resident) => resident.devices)) {
    if (device.adapter !== 'native-json' || device.gatewayId) continue;
    const tenant = tenantOf.get(device.deviceId)!;
    fleet.set(tenant, [...(fleet.get(tenant) ?? []), device]);
  }
});
afterAll(async () => {
  await test?.stop();
});

/** Hands out demo devices of a municipality, each once. */
function devicesOf(tenant: 'Nordby kommune' | 'Sørvik kommune', count: number): FleetDevice[] {
  const devices = fleet.get(tenant)!.splice(0, count);
  expect(devices.length).toBe(count);
  return devices;
}

/** The devices stopped calling in an hour ago: the next supervision sweep finds them all at once. */
async function silence(devices: FleetDevice[]): Promise<void> {
  await test.hub.dataSource.query("UPDATE devices SET contact = 'ok', last_seen_at = now() - interval '1 hour' WHERE id = ANY($1)", [devices.map((device) => device.deviceId)]);
}

async function comeBack(device: FleetDevice): Promise<void> {
  const client = await connectDevice(test.hub.mqttUrl, device);
  await client.publishAsync(`devices/${device.deviceId}/heartbeat`, '', { qos: 1 });
  await client.endAsync();
}

/** The devices are back and the hub has ended their outages: they go back to be handed out again. */
async function allBack(devices: FleetDevice[]): Promise<void> {
  for (const device of devices) await comeBack(device);
  const ids = devices.map((device) => device.deviceId);
  await eventually(async () => {
    const [row] = (await test.hub.dataSource.query('SELECT count(*)::int AS open FROM device_outages WHERE device_id = ANY($1) AND ended_at IS NULL', [ids])) as Array<{ open: number }>;
    return row!.open === 0;
  }, 10_000, `${devices.length} devices back`);
  for (const device of devices) fleet.get(tenantOf.get(device.deviceId)!)!.push(device);
}

async function alarmsOf(token: string, devices: FleetDevice[]): Promise<AlarmView[]> {
  const ids = new Set(devices.map((device) => device.deviceId));
  return (await api<AlarmView[]>(test.hub, token, 'GET', '/api/alarms')).body.filter((alarm) => ids.has(alarm.device.id) && alarm.kind === 'technical');
}

async function openIncidents(token: string): Promise<IncidentView[]> {
  return (await api<IncidentView[]>(test.hub, token, 'GET', '/api/incidents')).body.filter((incident) => incident.state !== 'closed');
}

/** Waits for the municipality's open incident to list all of these devices. */
function incidentListing(token: string, devices: FleetDevice[]): Promise<IncidentView> {
  return eventually(async () => {
    const [incident] = await openIncidents(token);
    return incident && devices.every((device) => incident.members.some((member) => member.device.id === device.deviceId)) ? incident : undefined;
  }, 15_000, `an incident listing ${devices.length} devices`);
}

describe('correlation under concurrency', () => {
  /** What an ingest transaction does for a device gone silent: its event and its alarm. */
  async function raiseNoContact(manager: EntityManager, deviceId: string): Promise<string> {
    const [device] = (await manager.query('SELECT tenant_id, resident_id FROM devices WHERE id = $1', [deviceId])) as Array<{ tenant_id: string; resident_id: string }>;
    const eventId = `no-contact-${randomUUID()}`;
    const now = new Date();
    const event = { eventId, deviceId, code: '3', occurredAt: now.toISOString(), technical: 'no-contact' };
    await manager.query(
      `INSERT INTO device_events (device_id, event_id, tenant_id, resident_id, code, occurred_at, received_at, event) VALUES ($1, $2, $3, $4, '3', $5, $5, $6)`,
      [deviceId, eventId, device!.tenant_id, device!.resident_id, now, JSON.stringify(event)],
    );
    const [alarm] = (await manager.query(
      `INSERT INTO alarms (tenant_id, resident_id, device_id, event_id, code, kind, severity, triage_colour, reason, state, occurred_at, raised_at)
       VALUES ($1, $2, $3, $4, '3', 'technical', 30, 'O', 'Ingen kontakt med utstyret', 'reported', $5, $5) RETURNING id`,
      [device!.tenant_id, device!.resident_id, deviceId, eventId, now],
    )) as Array<{ id: string }>;
    return alarm!.id;
  }

  it('six transactions each raising one device, all in flight at once, make one incident of all six', async () => {
    const devices = devicesOf('Nordby kommune', 6);
    const rules = async () => ({ outageDeviceCount: 3, outageWindowSeconds: 60 });
    let inserted = 0;
    let allInserted!: () => void;
    const barrier = new Promise<void>((resolve) => (allInserted = resolve));
    // Each transaction has raised its alarm before any correlates: without the tenant's lock each
    // would see only its own uncommitted alarm and none would reach three.
    const changes = await Promise.all(
      devices.map((device) =>
        test.hub.dataSource.transaction(async (manager) => {
          const alarmId = await raiseNoContact(manager, device.deviceId);
          if (++inserted === devices.length) allInserted();
          await barrier;
          return correlateOutages(manager, [alarmId], rules);
        }),
      ),
    );
    expect(changes.flatMap((change) => change.opened)).toHaveLength(1);
    const incidentId = changes.flatMap((change) => change.opened)[0]!;
    expect(changes.flatMap((change) => change.updated).every((id) => id === incidentId)).toBe(true);
    const members = (await test.hub.dataSource.query('SELECT device_id FROM alarms WHERE incident_id = $1', [incidentId])) as Array<{ device_id: string }>;
    expect(members.map((member) => member.device_id).sort()).toEqual(devices.map((device) => device.deviceId).sort());
    expect(await test.hub.dataSource.query("SELECT count(*)::int AS open FROM incidents WHERE state <> 'closed'")).toEqual([{ open: 1 }]);

    // Closing it handles the alarms no one took: closed as technical, each logged, none journaled.
    expect((await api(test.hub, operator, 'POST', `/api/incidents/${incidentId}/take`)).status).toBe(200);
    const closed = await api<IncidentView>(test.hub, operator, 'POST', `/api/incidents/${incidentId}/close`, { measures: ['device-service'], note: 'Strømbrudd i Nordby sentrum' });
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({ state: 'closed', openDeviceCount: 0, closingNote: 'Strømbrudd i Nordby sentrum' });
    expect(closed.body.members.map((member) => member.state)).toEqual(Array.from({ length: 6 }, () => 'closed'));
    const alarms = (await test.hub.dataSource.query('SELECT state, cause, measures, journal_status, closing_note FROM alarms WHERE incident_id = $1', [incidentId])) as Array<Record<string, unknown>>;
    expect(alarms).toHaveLength(6);
    for (const alarm of alarms) {
      expect(alarm).toMatchObject({ state: 'closed', cause: 'technical', measures: ['device-service'], journal_status: 'not-journaled' });
      expect(alarm.closing_note).toBe('Mulig strøm- eller nettbrudd: Strømbrudd i Nordby sentrum');
    }
    const audited = (await test.hub.dataSource.query("SELECT action, cardinality(resident_ids) AS residents FROM audit_log WHERE action LIKE 'incident.%' ORDER BY id")) as Array<{ action: string; residents: number }>;
    expect(audited.map((entry) => entry.action)).toEqual(['incident.take', 'incident.close']);
    const [residents] = (await test.hub.dataSource.query('SELECT count(DISTINCT resident_id)::int AS count FROM alarms WHERE incident_id = $1', [incidentId])) as Array<{ count: number }>;
    expect(audited.map((entry) => entry.residents)).toEqual([residents!.count, residents!.count]);
  });
});

describe('power or network outages through supervision', () => {
  it('fewer devices than the rule asks stay separate alarms, and each resolves when its device returns', async () => {
    const devices = devicesOf('Nordby kommune', 4);
    await silence(devices);
    const alarms = await eventually(async () => {
      const found = await alarmsOf(operator, devices);
      return found.length === 4 ? found : undefined;
    }, 15_000, 'four no-contact alarms');
    expect(alarms.every((alarm) => alarm.state === 'reported')).toBe(true);
    expect(await openIncidents(operator)).toEqual([]);
    for (const device of devices) await comeBack(device);
    await eventually(async () => (await alarmsOf(operator, devices)).every((alarm) => alarm.state === 'closed' && alarm.cause === 'technical'), 10_000, 'all four resolved');
  });

  it('many devices within the window become one incident, announced before its alarms; it escalates instead of them, is taken and closed as one', async () => {
    await test.hub.dataSource.query("UPDATE tenants SET answer_limit_seconds = 3 WHERE name = 'Nordby kommune'");
    const watcher = await consoleSocket(test.hub, operator);
    const supervisor = await consoleSocket(test.hub, (await loginAs(test, 'supervisor')).token);
    const devices = devicesOf('Nordby kommune', 7);
    await silence(devices);
    const incident = await incidentListing(operator, devices);
    expect(incident).toMatchObject({ kind: 'outage', state: 'reported', deviceCount: 7, openDeviceCount: 7, takenBy: null });
    for (const member of incident.members) {
      expect(member.resident.name).not.toBe('');
      expect(member.resident.address).not.toBe('');
      expect(member.device.model).not.toBe('');
      expect(['3', '4', '1.20']).toContain(member.code);
      expect(member.state).toBe('reported');
    }
    // Nothing is lost: every alarm is stored and listed as itself too.
    const alarms = await alarmsOf(operator, devices);
    expect(alarms.map((alarm) => alarm.id).sort()).toEqual(incident.members.map((member) => member.alarmId).sort());
    const detail = await api<IncidentView>(test.hub, operator, 'GET', `/api/incidents/${incident.id}`);
    expect(detail.body.members).toHaveLength(7);

    // The harness names every payload `alarm`; incident events carry an IncidentView there.
    const received = watcher.received as unknown as Array<{ event: string; alarm: Pick<AlarmView, 'id' | 'state' | 'escalationLevel'> & { members?: IncidentView['members'] } }>;
    await eventually(() => received.filter((message) => message.event === 'alarm:raised' && incident.members.some((member) => member.alarmId === message.alarm.id)).length === 7, 10_000, 'every alarm announced');
    expect(received.filter((message) => message.event === 'incident:opened').map((message) => message.alarm.id)).toEqual([incident.id]);
    // An alarm that joined an open incident was announced with the incident first.
    const listedAt = (alarmId: string) => received.findIndex((message) => message.event.startsWith('incident:') && !!message.alarm.members?.some((member) => member.alarmId === alarmId));
    const raisedAt = (alarmId: string) => received.findIndex((message) => message.event === 'alarm:raised' && message.alarm.id === alarmId);
    const opening = received.findIndex((message) => message.event === 'incident:opened');
    const joinedLater = incident.members.filter((member) => raisedAt(member.alarmId) > opening);
    for (const member of joinedLater) expect(listedAt(member.alarmId)).toBeLessThan(raisedAt(member.alarmId));

    // Past the answer limit the incident escalates, once per limit, and its alarms stay quiet.
    const escalated = await eventually(() => received.find((message) => message.event === 'incident:escalated'), 10_000, 'the incident escalating');
    expect(escalated.alarm).toMatchObject({ id: incident.id, escalationLevel: 1 });
    // The supervisor is told, as of an alarm no one answers; operators hear the escalation itself.
    const alert = await eventually(
      () =>
        supervisor.received
          .filter((message) => message.event === 'supervisor:alert')
          .map((message) => message.alarm as unknown as SupervisorAlert)
          .find((candidate) => candidate.kind === 'incident-not-answered'),
      5000,
      "the supervisor's alert",
    );
    expect(alert.kind === 'incident-not-answered' && alert.incident).toMatchObject({ id: incident.id, escalationLevel: 1, deviceCount: 7 });
    expect(received.some((message) => message.event === 'supervisor:alert')).toBe(false);
    supervisor.socket.close();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const memberIds = new Set(incident.members.map((member) => member.alarmId));
    expect(received.filter((message) => message.event === 'alarm:escalated' && memberIds.has(message.alarm.id))).toEqual([]);

    // One operator wins the take, with every alarm in it; the other is told who has it.
    const [first, second] = await Promise.all([
      api<IncidentView>(test.hub, operator, 'POST', `/api/incidents/${incident.id}/take`),
      api<{ takenBy?: { displayName: string } }>(test.hub, operator2, 'POST', `/api/incidents/${incident.id}/take`),
    ]);
    const winner = first.status === 200 ? first : second;
    const loser = first.status === 200 ? second : first;
    expect([first.status, second.status].sort()).toEqual([200, 409]);
    expect(loser.body).toHaveProperty('takenBy');
    const holder = first.status === 200 ? operator : operator2;
    const other = holder === operator ? operator2 : operator;
    const taken = winner.body as IncidentView;
    expect(taken.state).toBe('being-handled');
    expect(taken.members.every((member) => member.state === 'being-handled' && member.takenBy?.id === taken.takenBy?.id)).toBe(true);
    expect((await api(test.hub, holder, 'POST', `/api/incidents/${incident.id}/take`)).status).toBe(200);
    expect((await api(test.hub, other, 'POST', `/api/incidents/${incident.id}/close`, { measures: ['none-needed'] })).status).toBe(409);
    expect((await api<{ message: string[] }>(test.hub, holder, 'POST', `/api/incidents/${incident.id}/close`, { measures: ['coffee'] })).status).toBe(400);

    // Another device going silent joins the incident being handled, and is handled with it.
    const late = devicesOf('Nordby kommune', 1);
    await silence(late);
    const grown = await incidentListing(holder, [...devices, ...late]);
    expect(grown.deviceCount).toBe(8);
    expect(grown.members.find((member) => member.device.id === late[0]!.deviceId)).toMatchObject({ state: 'being-handled', takenBy: taken.takenBy });

    const closed = await api<IncidentView>(test.hub, holder, 'POST', `/api/incidents/${incident.id}/close`, { measures: ['device-service'] });
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({ state: 'closed', closedBy: taken.takenBy, openDeviceCount: 0 });
    const after = await alarmsOf(operator, [...devices, ...late]);
    expect(after.map((alarm) => [alarm.state, alarm.cause])).toEqual(Array.from({ length: 8 }, () => ['closed', 'technical']));
    await eventually(() => received.some((message) => message.event === 'incident:updated' && message.alarm.id === incident.id && message.alarm.state === 'closed'), 5000, 'the closing announced');
    watcher.socket.close();
    await test.hub.dataSource.query("UPDATE tenants SET answer_limit_seconds = 60 WHERE name = 'Nordby kommune'");
    // The devices come back to a closed incident: nothing more happens to it.
    for (const device of [...devices, ...late]) await comeBack(device);
  });

  it('devices coming back resolve their alarms one by one, and the incident closes itself when the last returns', async () => {
    const devices = devicesOf('Nordby kommune', 5);
    await silence(devices);
    const incident = await incidentListing(operator, devices);
    for (const [index, device] of devices.entries()) {
      await comeBack(device);
      const view = await eventually(async () => {
        const current = (await api<IncidentView>(test.hub, operator, 'GET', `/api/incidents/${incident.id}`)).body;
        return current.openDeviceCount === devices.length - index - 1 ? current : undefined;
      }, 10_000, `${index + 1} devices back`);
      const member = view.members.find((candidate) => candidate.device.id === device.deviceId)!;
      expect(member.state).toBe('closed');
      expect(view.state).toBe(index === devices.length - 1 ? 'closed' : 'reported');
    }
    const settled = (await api<IncidentView>(test.hub, operator, 'GET', `/api/incidents/${incident.id}`)).body;
    expect(settled).toMatchObject({ state: 'closed', closedBy: null, openDeviceCount: 0, deviceCount: 5 });
    const resolved = await alarmsOf(operator, devices);
    expect(resolved.every((alarm) => alarm.state === 'closed' && alarm.cause === 'technical' && alarm.takenBy === null)).toBe(true);
  });

  it("never mixes two municipalities: each has its own incident by its own rules, and sees only its own", async () => {
    const sorvikDevices = devicesOf('Sørvik kommune', 2);
    const nordbyDevices = devicesOf('Nordby kommune', 3);
    const nordbyWatcher = await consoleSocket(test.hub, operator);
    await silence([...sorvikDevices, ...nordbyDevices]);
    const incident = await incidentListing(sorvik, sorvikDevices);
    expect(incident.members.map((member) => member.device.id).sort()).toEqual(sorvikDevices.map((device) => device.deviceId).sort());
    // Nordby's three are too few for Nordby's rule (five), and Sørvik's incident is not theirs to join.
    const nordbyAlarms = await eventually(async () => {
      const found = await alarmsOf(operator, nordbyDevices);
      return found.length === 3 ? found : undefined;
    }, 15_000, "Nordby's three alarms");
    expect(nordbyAlarms.every((alarm) => alarm.state === 'reported')).toBe(true);
    expect(await openIncidents(operator)).toEqual([]);
    expect((await api(test.hub, operator, 'GET', `/api/incidents/${incident.id}`)).status).toBe(404);
    expect((await api(test.hub, operator, 'POST', `/api/incidents/${incident.id}/take`)).status).toBe(404);
    expect(nordbyWatcher.received.filter((message) => message.event.startsWith('incident:'))).toEqual([]);
    const [row] = (await test.hub.dataSource.query(
      'SELECT count(*)::int AS foreign FROM alarms a JOIN incidents i ON i.id = a.incident_id WHERE a.tenant_id <> i.tenant_id',
    )) as Array<{ foreign: number }>;
    expect(row!.foreign).toBe(0);
    nordbyWatcher.socket.close();
    await allBack([...sorvikDevices, ...nordbyDevices]);
  });
});

describe('power coming back', () => {
  it("resolves the dispenser's power-loss alarm when it reports the supply back, and only that device's", async () => {
    const dispenser = test.manifest.residents.flatMap((resident) => resident.devices).find((device) => device.adapter === 'dispenser-json')!;
    const client = await connectDevice(test.hub.mqttUrl, dispenser);
    const say = (eventType: string, eventId: number) =>
      client.publishAsync(`devices/${dispenser.deviceId}/events`, JSON.stringify({ serial: dispenser.deviceId, eventType, eventId, timestamp: new Date().toISOString() }), { qos: 1 });
    await say('POWER_LOST', 900_001);
    const lost = await eventually(async () => (await api<AlarmView[]>(test.hub, operator, 'GET', '/api/alarms')).body.find((alarm) => alarm.device.id === dispenser.deviceId && alarm.code === '1.19' && alarm.state === 'reported'), 5000, 'the power-loss alarm');
    await say('POWER_RESTORED', 900_002);
    const resolved = await eventually(async () => {
      const alarm = (await api<AlarmView[]>(test.hub, operator, 'GET', '/api/alarms')).body.find((candidate) => candidate.id === lost.id);
      return alarm?.state === 'closed' ? alarm : undefined;
    }, 5000, 'the power-loss alarm resolved');
    expect(resolved.cause).toBe('technical');
    expect(resolved.log.at(-1)?.note).toBe('Strømmen er tilbake');
    // Restored again (a duplicate report) resolves nothing more and raises nothing.
    await say('POWER_RESTORED', 900_003);
    await client.endAsync();
    const after = (await api<AlarmView[]>(test.hub, operator, 'GET', '/api/alarms')).body.filter((alarm) => alarm.device.id === dispenser.deviceId && alarm.state !== 'closed');
    expect(after).toEqual([]);
  });
});

describe('an incident ends however its alarms end', () => {
  let nordby: { id: string; triage_rules: Record<string, unknown> };
  let admin: string;
  // Two devices at once are an outage in Nordby too, for these tests; through the API, so the hub's cached rules change with them.
  const nordbyRules = async (rules: Record<string, unknown>) => expect((await api(test.hub, admin, 'PUT', `/api/tenants/${nordby.id}/triage-rules`, rules)).status).toBe(200);
  beforeAll(async () => {
    admin = (await loginAs(test, 'admin')).token;
    nordby = ((await test.hub.dataSource.query("SELECT id, triage_rules FROM tenants WHERE name = 'Nordby kommune'")) as Array<typeof nordby>)[0]!;
    await nordbyRules({ ...nordby.triage_rules, outageDeviceCount: 2 });
  });
  afterAll(async () => {
    await nordbyRules(nordby.triage_rules);
  });

  const incidentOf = async (alarmId: string): Promise<string | null> =>
    ((await test.hub.dataSource.query('SELECT incident_id FROM alarms WHERE id = $1', [alarmId])) as Array<{ incident_id: string | null }>)[0]!.incident_id;

  /** The device's open no-contact alarm, once the supervision sweep has raised it. */
  function alarmOf(device: FleetDevice): Promise<AlarmView> {
    return eventually(async () => (await alarmsOf(operator, [device])).find((alarm) => alarm.state !== 'closed'), 15_000, `the alarm of ${device.deviceId}`);
  }

  it('a taken incident whose alarms are closed one by one closes with the last, and the next silent device waits for anyone as an alarm of its own', async () => {
    const devices = devicesOf('Nordby kommune', 2);
    await silence(devices);
    const incident = await incidentListing(operator, devices);
    expect((await api(test.hub, operator, 'POST', `/api/incidents/${incident.id}/take`)).status).toBe(200);

    const [first, second] = incident.members;
    expect((await api(test.hub, operator, 'POST', `/api/alarms/${first!.alarmId}/close`, { cause: 'technical', measures: ['device-service'] })).status).toBe(200);
    const halfway = (await api<IncidentView>(test.hub, operator, 'GET', `/api/incidents/${incident.id}`)).body;
    expect(halfway).toMatchObject({ state: 'being-handled', openDeviceCount: 1 });
    expect((await api(test.hub, operator, 'POST', `/api/alarms/${second!.alarmId}/close`, { cause: 'technical', measures: ['device-service'] })).status).toBe(200);
    const ended = (await api<IncidentView>(test.hub, operator, 'GET', `/api/incidents/${incident.id}`)).body;
    expect(ended).toMatchObject({ state: 'closed', closedBy: null, openDeviceCount: 0 });

    // Kari may have gone home: the next device to go silent is not hers, and no incident holds it.
    const [late] = devicesOf('Nordby kommune', 1);
    await silence([late!]);
    const alarm = await alarmOf(late!);
    expect(alarm).toMatchObject({ state: 'reported', takenBy: null });
    expect(await incidentOf(alarm.id)).toBeNull();
    expect(await openIncidents(operator)).toEqual([]);
    await allBack([...devices, late!]);
  });

  it('an untaken incident closes when its last device is taken out of service', async () => {
    const [back, suspended] = devicesOf('Nordby kommune', 2);
    await silence([back!, suspended!]);
    const incident = await incidentListing(operator, [back!, suspended!]);
    await comeBack(back!);
    await eventually(async () => (await api<IncidentView>(test.hub, operator, 'GET', `/api/incidents/${incident.id}`)).body.openDeviceCount === 1, 10_000, 'one device back');
    expect((await api<IncidentView>(test.hub, operator, 'GET', `/api/incidents/${incident.id}`)).body).toMatchObject({ state: 'reported', openDeviceCount: 1 });
    expect((await api(test.hub, admin, 'POST', `/api/devices/${suspended!.deviceId}/suspend`)).status).toBe(200);
    const ended = await eventually(async () => {
      const current = (await api<IncidentView>(test.hub, operator, 'GET', `/api/incidents/${incident.id}`)).body;
      return current.state === 'closed' ? current : undefined;
    }, 5000, 'the incident closed');
    expect(ended).toMatchObject({ closedBy: null, openDeviceCount: 0 });
    expect((await api(test.hub, admin, 'POST', `/api/devices/${suspended!.deviceId}/resume`)).status).toBe(200);
    await allBack([back!, suspended!]);
  });

  it("a device going silent long after a handled incident's outage does not join it; a new incident opens once the old one closes", async () => {
    const devices = devicesOf('Nordby kommune', 2);
    await silence(devices);
    const incident = await incidentListing(operator, devices);
    expect((await api(test.hub, operator, 'POST', `/api/incidents/${incident.id}/take`)).status).toBe(200);
    // Kari still has the incident, but its outage stopped spreading two minutes ago (the window is one).
    await test.hub.dataSource.query("UPDATE alarms SET raised_at = raised_at - interval '2 minutes' WHERE incident_id = $1", [incident.id]);

    const later = devicesOf('Nordby kommune', 1).concat(devicesOf('Nordby kommune', 1));
    await silence([later[0]!]);
    const stray = await alarmOf(later[0]!);
    expect(stray).toMatchObject({ state: 'reported', takenBy: null });
    expect(await incidentOf(stray.id)).toBeNull();
    expect((await api<IncidentView>(test.hub, operator, 'GET', `/api/incidents/${incident.id}`)).body).toMatchObject({ state: 'being-handled', deviceCount: 2 });

    // Once Kari closes hers, the next silent device and the stray one are a new outage, for anyone to take.
    expect((await api(test.hub, operator, 'POST', `/api/incidents/${incident.id}/close`, { measures: ['device-service'] })).status).toBe(200);
    await silence([later[1]!]);
    const next = await incidentListing(operator, later);
    expect(next).toMatchObject({ state: 'reported', takenBy: null, deviceCount: 2 });
    expect(next.id).not.toBe(incident.id);
    expect(next.members.every((member) => member.state === 'reported' && member.takenBy === null)).toBe(true);
    await allBack([...devices, ...later]);
  });
});
