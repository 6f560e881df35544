import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlarmDetail, AlarmView, ServiceLevelReport } from '../../src/realtime/contract.js';
import { api, connectDevice, consoleSocket, deviceOf, eventually, loginAs, nativeEvent, startTestHub, type TestHub } from './hub-harness.js';

let test: TestHub;
let kari: string;
let ola: string;
let siri: string;

beforeAll(async () => {
  test = await startTestHub();
  kari = (await loginAs(test, 'operator')).token;
  ola = (await loginAs(test, 'operator2')).token;
  siri = (await loginAs(test, 'sorvik')).token;
});
afterAll(async () => {
  await test?.stop();
});

/** Sends one event from the resident's safety alarm and returns the alarm it raised. */
async function raise(code: string, residentIndex = 0): Promise<AlarmView> {
  const device = deviceOf(test.manifest, 'safety-alarm', residentIndex);
  const client = await connectDevice(test.hub.mqttUrl, device);
  const event = nativeEvent(code);
  await client.publishAsync(`devices/${device.deviceId}/events`, event.payload, { qos: 1 });
  await client.endAsync();
  const queue = await api<AlarmView[]>(test.hub, kari, 'GET', '/api/alarms');
  return queue.body.find((alarm) => alarm.device.id === device.deviceId && alarm.state === 'reported' && alarm.code === code)!;
}

describe('operator login', () => {
  it('refuses a wrong password with 401 and the same message as an unknown user', async () => {
    const wrong = await fetch(`${test.hub.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'operator', password: 'nope' }) });
    const unknown = await fetch(`${test.hub.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'ghost', password: 'nope' }) });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(((await wrong.json()) as { message: string }).message).toBe(((await unknown.json()) as { message: string }).message);
  });

  it('refuses the API without a session', async () => {
    expect((await api(test.hub, 'forged.token', 'GET', '/api/alarms')).status).toBe(401);
  });

  it('stores passwords and device credentials hashed', async () => {
    const rows = (await test.hub.dataSource.query('SELECT password_hash AS hash FROM operators UNION ALL SELECT credential_hash FROM devices')) as Array<{ hash: string }>;
    const secrets = [...test.manifest.operators.map((operator) => operator.password), ...test.manifest.residents.flatMap((resident) => resident.devices.map((device) => device.password))];
    expect(rows.every((row) => row.hash.startsWith('scrypt$'))).toBe(true);
    expect(rows.some((row) => secrets.some((secret) => row.hash.includes(secret)))).toBe(false);
  });
});

describe('the alarm queue', () => {
  it('lists the most urgent first, and audits the read of residents', async () => {
    const press = await raise('4.13', 1);
    const fall = await raise('4.1', 2);
    const queue = (await api<AlarmView[]>(test.hub, kari, 'GET', '/api/alarms')).body;
    const open = queue.filter((alarm) => alarm.state !== 'closed');
    expect(open.map((alarm) => alarm.id)).toEqual(expect.arrayContaining([press.id, fall.id]));
    // Higher severity first; within one severity, the one waiting longest first.
    const urgency = (alarm: AlarmView) => [-alarm.severity, Date.parse(alarm.raisedAt)] as const;
    for (let index = 1; index < open.length; index++) {
      const [previous, current] = [urgency(open[index - 1]!), urgency(open[index]!)];
      expect(previous[0] < current[0] || (previous[0] === current[0] && previous[1] <= current[1])).toBe(true);
    }
    const [audit] = (await test.hub.dataSource.query("SELECT * FROM audit_log WHERE action = 'alarm-queue.read' ORDER BY id DESC LIMIT 1")) as Array<{ resident_ids: string[] }>;
    expect(audit!.resident_ids).toContain(fall.resident.id);
  });

  it("shows an operator only their own tenants' alarms", async () => {
    const alarm = await raise('4.13', 3);
    const sorvik = (await api<AlarmView[]>(test.hub, siri, 'GET', '/api/alarms')).body;
    expect(sorvik.some((candidate) => candidate.id === alarm.id)).toBe(false);
    expect((await api(test.hub, siri, 'GET', `/api/alarms/${alarm.id}`)).status).toBe(404);
    expect((await api(test.hub, siri, 'POST', `/api/alarms/${alarm.id}/take`)).status).toBe(404);
  });
});

describe('handling an alarm', () => {
  it('lets exactly one of two operators take it, and tells the other who has it at once', async () => {
    const alarm = await raise('4.1', 4);
    const olaConsole = await consoleSocket(test.hub, ola);
    // 60 requests at once, more than the database pool holds: the row lock, not luck, decides.
    const attempts = await Promise.all([
      ...Array.from({ length: 30 }, () => api<AlarmView>(test.hub, kari, 'POST', `/api/alarms/${alarm.id}/take`)),
      ...Array.from({ length: 30 }, () => api<{ takenBy: { displayName: string } }>(test.hub, ola, 'POST', `/api/alarms/${alarm.id}/take`)),
    ]);
    const winners = new Set(attempts.filter((attempt) => attempt.status === 200).map((attempt) => (attempt.body as AlarmView).takenBy?.id));
    expect(winners.size).toBe(1);
    const losers = attempts.filter((attempt) => attempt.status === 409);
    expect(losers.length).toBeGreaterThanOrEqual(30);
    expect(losers.length + attempts.filter((attempt) => attempt.status === 200).length).toBe(60);
    const [winner] = [...winners];
    expect(losers.every((attempt) => (attempt.body as { takenBy: { id: string } }).takenBy.id === winner)).toBe(true);
    const log = (await test.hub.dataSource.query('SELECT count(*) FROM alarm_log WHERE alarm_id = $1 AND code = 1', [alarm.id])) as Array<{ count: string }>;
    expect(Number(log[0]!.count)).toBe(1);
    const seen = await eventually(() => olaConsole.received.find((message) => message.event === 'alarm:updated' && message.alarm.id === alarm.id), 1000, 'taken alarm on the other console');
    expect(seen.alarm.state).toBe('being-handled');
    olaConsole.socket.close();
  });

  it('logs steps, closes with cause and measures, and journals the alarm into the EPJ', async () => {
    const alarm = await raise('4.1', 5);
    const console = await consoleSocket(test.hub, kari);
    expect((await api(test.hub, kari, 'POST', `/api/alarms/${alarm.id}/log`, { step: 'conversation', note: 'too early' })).status).toBe(409);
    expect((await api(test.hub, kari, 'POST', `/api/alarms/${alarm.id}/take`)).status).toBe(200);
    expect((await api(test.hub, ola, 'POST', `/api/alarms/${alarm.id}/log`, { step: 'conversation' })).status).toBe(409);
    const logged = await api<AlarmView>(test.hub, kari, 'POST', `/api/alarms/${alarm.id}/log`, { step: 'conversation', note: 'Bruker har falt på badet, er våken' });
    expect(logged.status).toBe(200);
    expect(logged.body.log.map((entry) => entry.step)).toEqual(['reported', 'being-handled', 'conversation']);
    const closed = await api<AlarmView>(test.hub, kari, 'POST', `/api/alarms/${alarm.id}/close`, { cause: 'fall', measures: ['responder-visit', 'next-of-kin-contacted'] });
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({ state: 'closed', cause: 'fall', journal: { status: 'pending' } });

    const delivered = await eventually(() => console.received.find((message) => message.alarm.id === alarm.id && message.alarm.journal.status === 'delivered'), 10_000, 'journal delivered');
    expect(delivered.event).toBe('alarm:updated');
    const resources = test.epj.received().filter((entry) => entry.identifier.value.includes(alarm.id));
    expect(resources.map((entry) => entry.type).sort()).toEqual(['Composition', 'DetectedIssue']);
    const issue = resources.find((entry) => entry.type === 'DetectedIssue')!.resource as { code: { coding: Array<{ code: string }> }; patient: { identifier: { system: string; value: string } } };
    expect(issue.code.coding[0]!.code).toBe('4.1');
    expect(issue.patient.identifier.system).toBe('urn:oid:2.16.578.1.12.4.1.4.1');
    const composition = resources.find((entry) => entry.type === 'Composition')!.resource as { event: Array<{ code: Array<{ coding: Array<{ code: string }> }> }> };
    expect(composition.event.map((event) => event.code[0]!.coding[0]!.code)).toEqual(['0', '1', '8', '6', '7', '3']);
    console.socket.close();
  });

  it('answers 409 to a take, a log step or a close of an alarm already closed, and audits each action', async () => {
    const alarm = await raise('4.13', 8);
    await api(test.hub, kari, 'POST', `/api/alarms/${alarm.id}/take`);
    await api(test.hub, kari, 'POST', `/api/alarms/${alarm.id}/log`, { step: 'action' });
    expect((await api(test.hub, kari, 'POST', `/api/alarms/${alarm.id}/close`, { cause: 'accidental-press', measures: ['none-needed'] })).status).toBe(200);
    expect((await api(test.hub, kari, 'POST', `/api/alarms/${alarm.id}/take`)).status).toBe(409);
    expect((await api(test.hub, kari, 'POST', `/api/alarms/${alarm.id}/log`, { step: 'conversation' })).status).toBe(409);
    expect((await api(test.hub, kari, 'POST', `/api/alarms/${alarm.id}/close`, { cause: 'fall', measures: ['none-needed'] })).status).toBe(409);
    const actions = (await test.hub.dataSource.query('SELECT action FROM audit_log WHERE $1 = ANY(resident_ids) ORDER BY id', [alarm.resident.id])) as Array<{ action: string }>;
    expect(actions.map((row) => row.action)).toEqual(expect.arrayContaining(['alarm.take', 'alarm.log', 'alarm.close']));
  });

  it('refuses NUL characters in a request with 400, not a server error', async () => {
    const alarm = await raise('4.13', 9);
    await api(test.hub, kari, 'POST', `/api/alarms/${alarm.id}/take`);
    const answer = await api<{ message: string }>(test.hub, kari, 'POST', `/api/alarms/${alarm.id}/log`, { step: 'conversation', note: 'a\u0000b' });
    expect(answer.status).toBe(400);
    expect(answer.body.message).toMatch(/NUL/);
  });

  it('refuses a close without measures or with an unknown cause, naming the field', async () => {
    const alarm = await raise('4.13', 6);
    await api(test.hub, kari, 'POST', `/api/alarms/${alarm.id}/take`);
    const noMeasures = await api<{ message: string[] }>(test.hub, kari, 'POST', `/api/alarms/${alarm.id}/close`, { cause: 'fall', measures: [] });
    expect(noMeasures.status).toBe(400);
    expect(noMeasures.body.message.join(' ')).toMatch(/measures/);
    const badCause = await api<{ message: string[] }>(test.hub, kari, 'POST', `/api/alarms/${alarm.id}/close`, { cause: 'boredom', measures: ['none-needed'] });
    expect(badCause.status).toBe(400);
    expect(badCause.body.message.join(' ')).toMatch(/cause/);
    expect((await api(test.hub, kari, 'GET', '/api/alarms/not-a-uuid')).status).toBe(400);
  });

  it('shows the resident beside the alarm and audits that read', async () => {
    const alarm = await raise('4.13', 7);
    const detail = await api<AlarmDetail>(test.hub, kari, 'GET', `/api/alarms/${alarm.id}`);
    expect(detail.status).toBe(200);
    expect(detail.body.resident).toMatchObject({ id: alarm.resident.id, source: 'Demodata' });
    expect(detail.body.resident.nextOfKin.length).toBeGreaterThan(0);
    expect(detail.body.resident.recentAlarms.some((recent) => recent.id === alarm.id)).toBe(true);
    const audit = (await test.hub.dataSource.query("SELECT * FROM audit_log WHERE action = 'resident.read' AND $1 = ANY(resident_ids)", [alarm.resident.id])) as Array<{ reason: string }>;
    expect(audit.some((row) => row.reason.includes(alarm.id))).toBe(true);
    await expect(test.hub.dataSource.query('DELETE FROM audit_log')).rejects.toThrow(/append-only/);
  });
});

describe('the operator decides the priority', () => {
  it('changes it with a reason, logged and audited; refuses it without a reason or on a closed alarm', async () => {
    const alarm = await raise('4.13', 10);
    const changed = await api<AlarmView>(test.hub, kari, 'POST', `/api/alarms/${alarm.id}/priority`, { severity: 40, reason: 'Bruker gråter i telefonen' });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ severity: 40, triageColour: 'R' });
    expect(changed.body.log.at(-1)).toMatchObject({ step: 'action', operator: { displayName: 'Kari Operatør' } });
    expect(changed.body.log.at(-1)!.note).toContain('Bruker gråter i telefonen');
    const audit = (await test.hub.dataSource.query("SELECT reason FROM audit_log WHERE action = 'alarm.priority' AND $1 = ANY(resident_ids)", [alarm.resident.id])) as Array<{ reason: string }>;
    expect(audit.length).toBe(1);
    expect((await api(test.hub, kari, 'POST', `/api/alarms/${alarm.id}/priority`, { severity: 10 })).status).toBe(400);
    expect((await api(test.hub, kari, 'POST', `/api/alarms/${alarm.id}/priority`, { severity: 35, reason: 'ugyldig' })).status).toBe(400);
    await api(test.hub, kari, 'POST', `/api/alarms/${alarm.id}/take`);
    await api(test.hub, kari, 'POST', `/api/alarms/${alarm.id}/close`, { cause: 'anxiety', measures: ['conversation-only'] });
    expect((await api(test.hub, kari, 'POST', `/api/alarms/${alarm.id}/priority`, { severity: 20, reason: 'for sent' })).status).toBe(409);
  });
});

describe('service levels', () => {
  it('measures answer times from the log against 60 s and 180 s, per municipality, hour and code', async () => {
    const sorvikDevices = test.manifest.residents.flatMap((resident) => resident.devices).filter((device) => device.deviceId.startsWith('sorvik') && device.adapter === 'native-json');
    const ids: string[] = [];
    const residentsDevices = [...new Map(sorvikDevices.map((device) => [device.deviceId.slice(0, 9), device])).values()];
    // Two residents' presses and a fall: three alarms (a second press from one resident would join the first).
    for (const [device, code] of [[residentsDevices[0]!, '4.13'], [residentsDevices[0]!, '4.1'], [residentsDevices[1]!, '4.13']] as const) {
      const client = await connectDevice(test.hub.mqttUrl, device);
      await client.publishAsync(`devices/${device.deviceId}/events`, nativeEvent(code).payload, { qos: 1 });
      await client.endAsync();
    }
    const queue = (await api<AlarmView[]>(test.hub, siri, 'GET', '/api/alarms')).body;
    ids.push(...queue.filter((alarm) => alarm.state === 'reported').map((alarm) => alarm.id).slice(0, 3));
    expect(ids.length).toBe(3);
    // One answered at once, one after two minutes, one still waiting after three and a half.
    await test.hub.dataSource.query("UPDATE alarms SET raised_at = now() - interval '120 seconds' WHERE id = $1", [ids[1]]);
    await test.hub.dataSource.query("UPDATE alarms SET raised_at = now() - interval '210 seconds' WHERE id = $1", [ids[2]]);
    await api(test.hub, siri, 'POST', `/api/alarms/${ids[0]}/take`);
    await api(test.hub, siri, 'POST', `/api/alarms/${ids[1]}/take`);
    const report = await api<ServiceLevelReport>(test.hub, siri, 'GET', '/api/service-levels?days=1');
    expect(report.status).toBe(200);
    expect(report.body.targets).toEqual({ within60s: 0.975, within180s: 0.99 });
    expect(report.body.tenants).toHaveLength(1);
    expect(report.body.tenants[0]).toMatchObject({ name: 'Sørvik kommune', alarms: 3, answeredWithin60s: 1, answeredWithin180s: 2 });
    expect(report.body.tenants[0]!.shareWithin60s).toBeCloseTo(1 / 3);
    expect(report.body.byCode).toEqual([
      expect.objectContaining({ code: '4.1', codeDisplay: 'Fall', alarms: 1 }),
      expect.objectContaining({ code: '4.13', codeDisplay: 'Knappetrykk', alarms: 2 }),
    ]);
    expect(report.body.byHour.reduce((sum, hour) => sum + hour.alarms, 0)).toBe(3);
    expect((await api(test.hub, siri, 'GET', '/api/service-levels?days=365')).status).toBe(400);
  });
});

describe('repeated presses', () => {
  it('join the alarm the resident already has open, within the window the municipality sets', async () => {
    const device = deviceOf(test.manifest, 'safety-alarm', 11);
    const client = await connectDevice(test.hub.mqttUrl, device);
    const press = (code: string) => client.publishAsync(`devices/${device.deviceId}/events`, nativeEvent(code).payload, { qos: 1 });
    await press('4.13');
    await press('4.14');
    await press('4.13');
    const own = async () => (await api<AlarmView[]>(test.hub, kari, 'GET', '/api/alarms')).body.filter((alarm) => alarm.device.id === device.deviceId);
    let alarms = await own();
    expect(alarms).toHaveLength(1);
    expect(alarms[0]!.repeatCount).toBe(2);
    expect(alarms[0]!.log.filter((entry) => entry.note?.startsWith('Gjentatt'))).toHaveLength(2);
    // A fall is not a repeat of a press.
    await press('4.1');
    expect(await own()).toHaveLength(2);

    const nordby = (await loginAs(test, 'admin')).operator.tenants[0]!.id;
    const admin = (await loginAs(test, 'admin')).token;
    expect((await api(test.hub, kari, 'PUT', `/api/tenants/${nordby}/triage-rules`, { repeatWindowMinutes: 0 })).status).toBe(403);
    const refused = await api<{ message: string }>(test.hub, admin, 'PUT', `/api/tenants/${nordby}/triage-rules`, { repeatWindowMinutes: 'often' });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toMatch(/repeatWindowMinutes/);
    const changed = await api<{ repeatWindowMinutes: number }>(test.hub, admin, 'PUT', `/api/tenants/${nordby}/triage-rules`, { repeatWindowMinutes: 0 });
    expect(changed.body.repeatWindowMinutes).toBe(0);
    await press('4.13');
    alarms = await own();
    expect(alarms.filter((alarm) => alarm.code === '4.13')).toHaveLength(2);
    await api(test.hub, admin, 'PUT', `/api/tenants/${nordby}/triage-rules`, {});
    await client.endAsync();
  });
});

describe('a door opened and closed again', () => {
  it('raises nothing, while one left open raises its alarm when the return time runs out', async () => {
    const admin = (await loginAs(test, 'admin')).token;
    const nordby = (await loginAs(test, 'admin')).operator.tenants[0]!.id;
    expect((await api(test.hub, admin, 'PUT', `/api/tenants/${nordby}/triage-rules`, { doorReturnSeconds: 1 })).status).toBe(200);
    const door = deviceOf(test.manifest, 'door-sensor', 2);
    const client = await connectDevice(test.hub.mqttUrl, door);
    const send = async (code: string) => {
      const event = nativeEvent(code);
      await client.publishAsync(`devices/${door.deviceId}/events`, event.payload, { qos: 1 });
      return event.id;
    };
    const openings = async () => Number(((await test.hub.dataSource.query("SELECT count(*) FROM alarms WHERE device_id = $1 AND code = '4.15'", [door.deviceId])) as Array<{ count: string }>)[0]!.count);

    const closedAgain = await send('4.15');
    await send('4.16');
    const [cancelled] = (await test.hub.dataSource.query('SELECT cancelled_at FROM held_events WHERE event_id = $1', [closedAgain])) as Array<{ cancelled_at: Date | null }>;
    expect(cancelled!.cancelled_at).not.toBeNull();

    const leftOpen = await send('4.15');
    await eventually(async () => (await openings()) === 1, 10_000, 'the door left open to raise its alarm');
    const [released] = (await test.hub.dataSource.query('SELECT released_at FROM held_events WHERE event_id = $1', [leftOpen])) as Array<{ released_at: Date | null }>;
    expect(released!.released_at).not.toBeNull();
    const alarm = (await api<AlarmView[]>(test.hub, kari, 'GET', '/api/alarms')).body.find((candidate) => candidate.device.id === door.deviceId && candidate.code === '4.15')!;
    expect(alarm.reason).toContain('ikke lukket igjen');
    // The opening that closed again never raised anything, its hold long past.
    expect(await openings()).toBe(1);
    await api(test.hub, admin, 'PUT', `/api/tenants/${nordby}/triage-rules`, {});
    await client.endAsync();
  });
});
