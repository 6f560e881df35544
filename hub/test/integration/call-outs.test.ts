import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlarmSupervisorAlert, AlarmView, CallOutDetail, LoginResponse, ResponderTeamView } from '../../src/realtime/contract.js';
import { uriResourceKey, type FhirEncounter } from '../../src/journal/vkp-bundle.js';
import { fhirR4Problems, vkpProblems } from '../vkp-validation.js';
import { api, connectDevice, consoleSocket, deviceOf, eventually, loginAs, nativeEvent, startTestHub, type TestHub } from './hub-harness.js';

let test: TestHub;
let kari: string;
let ola: string;
let per: LoginResponse;
let nora: LoginResponse;
let siri: string;
let vigdis: string;

beforeAll(async () => {
  test = await startTestHub();
  kari = (await loginAs(test, 'operator')).token;
  ola = (await loginAs(test, 'operator2')).token;
  per = await loginAs(test, 'responder');
  nora = await loginAs(test, 'responder2');
  siri = (await loginAs(test, 'sorvik')).token;
  vigdis = (await loginAs(test, 'supervisor')).token;
});
afterAll(async () => {
  await test?.stop();
});

/** Sends one event from the resident's safety alarm and returns the alarm it raised (residents 0, 2, … live in zone Sentrum, 1, 4, … in Nord). */
async function raise(code: string, residentIndex: number): Promise<AlarmView> {
  const device = deviceOf(test.manifest, 'safety-alarm', residentIndex);
  const client = await connectDevice(test.hub.mqttUrl, device);
  await client.publishAsync(`devices/${device.deviceId}/events`, nativeEvent(code).payload, { qos: 1 });
  await client.endAsync();
  const queue = await api<AlarmView[]>(test.hub, kari, 'GET', '/api/alarms');
  return queue.body.find((alarm) => alarm.device.id === device.deviceId && alarm.state === 'reported' && alarm.code === code)!;
}

const post = <T = AlarmView>(token: string, route: string, body: unknown = {}) => api<T>(test.hub, token, 'POST', route, body);

describe('a call-out from take to close', () => {
  it("goes to the team of the resident's zone, is accepted, on site and done by its responder, and closes into one journal entry", async () => {
    expect(per.operator.team?.name).toBe('Hjemmetjenesten Sentrum');
    const phone = await consoleSocket(test.hub, per.token);
    const otherTeam = await consoleSocket(test.hub, nora.token);
    const fall = await raise('4.1', 0);
    expect((await post(kari, `/api/alarms/${fall.id}/take`)).status).toBe(200);

    const calledOut = await post(kari, `/api/alarms/${fall.id}/call-out`, { note: 'Falt på badet' });
    expect(calledOut.status).toBe(200);
    expect(calledOut.body.state).toBe('called-out');
    expect(calledOut.body.callOut?.team.name).toBe('Hjemmetjenesten Sentrum');
    expect(calledOut.body.callOut?.responder).toBeNull();

    // The team's phones hear it at once; another team's do not, and no phone hears the queue.
    await eventually(() => phone.received.find((message) => message.event === 'call-out:updated' && message.alarm.id === fall.id && message.alarm.state === 'called-out'), 5000, 'the call-out on the phone');
    expect(phone.received.some((message) => message.event === 'alarm:raised')).toBe(false);
    const list = await api<CallOutDetail[]>(test.hub, per.token, 'GET', '/api/call-outs');
    expect(list.status).toBe(200);
    const detail = list.body.find((callOut) => callOut.alarm.id === fall.id)!;
    expect(detail.resident.zone).toBe('Sentrum');
    expect(detail.resident.address).toBe(fall.resident.address);
    expect((await api<CallOutDetail[]>(test.hub, nora.token, 'GET', '/api/call-outs')).body.some((callOut) => callOut.alarm.id === fall.id)).toBe(false);

    // Closing while a responder is on the way is refused; so is another team's responder accepting.
    expect((await post(kari, `/api/alarms/${fall.id}/close`, { cause: 'fall', measures: ['responder-visit'] })).status).toBe(409);
    expect((await post(nora.token, `/api/call-outs/${fall.id}/accept`)).status).toBe(403);

    const accepted = await post(per.token, `/api/call-outs/${fall.id}/accept`, { note: 'Kjører nå' });
    expect(accepted.status).toBe(200);
    expect(accepted.body.state).toBe('responder-on-way');
    expect(accepted.body.callOut?.responder?.displayName).toBe('Per Pleier');
    expect((await post(per.token, `/api/call-outs/${fall.id}/accept`)).status).toBe(409);
    const onSite = await post(per.token, `/api/call-outs/${fall.id}/on-site`);
    expect(onSite.body.state).toBe('responder-on-site');
    expect(onSite.body.callOut?.onSiteAt).not.toBeNull();
    const done = await post(per.token, `/api/call-outs/${fall.id}/done`, { note: 'Hjulpet opp, ingen skade' });
    expect(done.body.state).toBe('being-handled');
    expect(done.body.callOut).toBeNull();
    // The phone hears the end of the call-out, so it can drop it.
    await eventually(() => phone.received.find((message) => message.event === 'call-out:updated' && message.alarm.id === fall.id && message.alarm.state === 'being-handled'), 5000, 'the call-out ending on the phone');
    expect(otherTeam.received.some((message) => message.alarm.id === fall.id)).toBe(false);

    const closed = await post(kari, `/api/alarms/${fall.id}/close`, { cause: 'fall', measures: ['responder-visit'] });
    expect(closed.status).toBe(200);
    const log = closed.body.log;
    expect(log.map((entry) => entry.code)).toEqual([0, 1, 4, 5, 9, 9, 6, 7, 3]);
    expect(log.find((entry) => entry.code === 4)?.note).toBe('Hjemmetjenesten Sentrum: Falt på badet');
    expect(log.find((entry) => entry.code === 5)?.operator?.displayName).toBe('Per Pleier');
    expect(log.filter((entry) => entry.code === 9).map((entry) => entry.note)).toEqual(['Hjemmetjenesten er på stedet', 'Hjemmetjenesten er ferdig: Hjulpet opp, ingen skade']);
    expect(log.slice(1).every((entry) => entry.operator !== null && !Number.isNaN(Date.parse(entry.at)))).toBe(true);
    await eventually(() => test.epj.received().find((entry) => entry.identifier.value.includes(fall.id)), 10_000, 'the journal entry at the EPJ');
    // The visit reaches the EPJ as a valid VkpEncounter: from the call-out until done, by its responder.
    const visitKey = uriResourceKey('Encounter', fall.id);
    const atEpj = test.epj.received().find((entry) => entry.type === 'Encounter' && entry.identifier.value === visitKey.identifier.value);
    expect(atEpj, 'the Encounter at the EPJ').toBeDefined();
    const encounter = atEpj!.resource as unknown as FhirEncounter;
    expect(fhirR4Problems(encounter)).toEqual([]);
    expect(vkpProblems(encounter)).toEqual([]);
    expect(encounter.period).toEqual({ start: log.find((entry) => entry.code === 4)!.at, end: log.filter((entry) => entry.code === 9).at(-1)!.at });
    expect(encounter.participant[0]?.individual?.display).toBe('Per Pleier');
    expect(encounter.subject.identifier?.system).toBe('urn:oid:2.16.578.1.12.4.1.4.1');
    const audit = (await test.hub.dataSource.query("SELECT action FROM audit_log WHERE reason LIKE $1 ORDER BY at", [`%${fall.id}%`])) as Array<{ action: string }>;
    expect(audit.map((row) => row.action)).toEqual(expect.arrayContaining(['alarm.take', 'alarm.call-out', 'alarm.accept-call-out', 'alarm.on-site', 'alarm.done', 'alarm.close']));
    phone.socket.close();
    otherTeam.socket.close();
  });

  it('lets the operator report for a team that phones in, and cancel a call-out', async () => {
    const press = await raise('4.13', 1);
    await post(kari, `/api/alarms/${press.id}/take`);
    const teams = (await api<ResponderTeamView[]>(test.hub, kari, 'GET', '/api/responder-teams')).body;
    expect(teams.map((team) => team.name)).toEqual(['Hjemmetjenesten Nord', 'Hjemmetjenesten Sentrum']);
    // The operator may choose a team other than the zone's.
    const sentrum = teams.find((team) => team.name === 'Hjemmetjenesten Sentrum')!;
    expect((await post(kari, `/api/alarms/${press.id}/call-out`, { teamId: sentrum.id })).body.callOut?.team.id).toBe(sentrum.id);
    expect((await post(ola, `/api/call-outs/${press.id}/on-site`)).status).toBe(409);
    const cancelled = await post(kari, `/api/alarms/${press.id}/cancel-call-out`, { note: 'Brukeren klarte seg selv' });
    expect(cancelled.body.state).toBe('being-handled');
    expect((await post(per.token, `/api/call-outs/${press.id}/accept`)).status).toBe(409);

    expect((await post(kari, `/api/alarms/${press.id}/call-out`)).body.callOut?.team.name).toBe('Hjemmetjenesten Nord');
    const onSite = await post(kari, `/api/call-outs/${press.id}/on-site`, { note: 'Ringte fra døra' });
    expect(onSite.body.state).toBe('responder-on-site');
    expect(onSite.body.log.map((entry) => entry.code).slice(-2)).toEqual([5, 9]);
    expect((await post(kari, `/api/call-outs/${press.id}/done`)).body.state).toBe('being-handled');
  });

  it('refuses plainly: a team of another municipality 400, a bad report 400, a responder at the queue 403, another municipality 404', async () => {
    const press = await raise('4.13', 2);
    await post(kari, `/api/alarms/${press.id}/take`);
    const sorvikTeam = (await api<ResponderTeamView[]>(test.hub, siri, 'GET', '/api/responder-teams')).body[0]!;
    const foreign = await post<{ message: string }>(kari, `/api/alarms/${press.id}/call-out`, { teamId: sorvikTeam.id });
    expect(foreign.status).toBe(400);
    expect(foreign.body.message).toMatch(/teamId/);
    expect((await post(kari, `/api/alarms/${press.id}/call-out`, { teamId: 'not-a-uuid' })).status).toBe(400);
    expect((await post(kari, `/api/call-outs/${press.id}/arrived`)).status).toBe(400);
    expect((await post(kari, `/api/alarms/${press.id}/call-out`, { note: 'x\u0000y' })).status).toBe(400);
    expect((await api(test.hub, per.token, 'GET', '/api/alarms')).status).toBe(403);
    // Anything not made for responders is closed to them: the devices (with residents), service levels, priorities, handover.
    for (const [method, route] of [
      ['GET', '/api/devices'],
      ['GET', '/api/service-levels'],
      ['GET', '/api/handover'],
      ['GET', '/api/incidents'],
      ['POST', `/api/alarms/${press.id}/priority`],
    ] as const) {
      expect((await api(test.hub, per.token, method, route, method === 'POST' ? { severity: 40, reason: 'vil ha den først' } : undefined)).status, route).toBe(403);
    }
    expect((await post(per.token, `/api/alarms/${press.id}/take`)).status).toBe(403);
    expect((await post(siri, `/api/alarms/${press.id}/call-out`)).status).toBe(404);

    // A resident with no zone: the operator must name the team.
    await test.hub.dataSource.query('UPDATE residents SET zone = NULL WHERE id = $1', [press.resident.id]);
    const zoneless = await post<{ message: string }>(kari, `/api/alarms/${press.id}/call-out`);
    expect(zoneless.status).toBe(409);
    expect(zoneless.body.message).toMatch(/no zone/);
  });
});

describe('release and reopen', () => {
  it('puts a released alarm back in the queue for anyone, and reopens a closed one for whoever reopens it', async () => {
    const press = await raise('4.13', 4);
    await post(kari, `/api/alarms/${press.id}/take`);
    expect((await post(ola, `/api/alarms/${press.id}/release`)).status).toBe(409);
    const released = await post(kari, `/api/alarms/${press.id}/release`, { note: 'Må ta en annen' });
    expect(released.body.state).toBe('reported');
    expect(released.body.takenBy).toBeNull();
    expect((await post(ola, `/api/alarms/${press.id}/take`)).body.takenBy?.displayName).toBe('Ola Operatør');
    await post(ola, `/api/alarms/${press.id}/close`, { cause: 'care-need', measures: ['conversation-only'] });

    const reopened = await post(kari, `/api/alarms/${press.id}/reopen`, { note: 'Ringte igjen om det samme' });
    expect(reopened.body.state).toBe('being-handled');
    expect(reopened.body.takenBy?.displayName).toBe('Kari Operatør');
    expect(reopened.body.cause).toBeNull();
    expect((await post(kari, `/api/alarms/${press.id}/reopen`)).status).toBe(409);
    const closedAgain = await post(kari, `/api/alarms/${press.id}/close`, { cause: 'care-need', measures: ['responder-visit'] });
    expect(closedAgain.body.measures).toEqual(['responder-visit']);
    const steps = closedAgain.body.log.map((entry) => entry.code);
    expect(steps.filter((code) => code === 3)).toHaveLength(2);
    expect(closedAgain.body.log.find((entry) => entry.note?.startsWith('Alarm gjenåpnet'))?.operator?.displayName).toBe('Kari Operatør');
  });
});

describe('the on-site limit', () => {
  it('tells supervisors, not operators, when no responder is on site in time, and logs it; a responder on site in time raises nothing', async () => {
    const admin = await loginAs(test, 'admin');
    const nordbyId = admin.operator.tenants[0]!.id;
    const limits = `/api/tenants/${nordbyId}/service-limits`;
    expect((await api(test.hub, admin.token, 'PUT', limits, { answerLimitSeconds: 60, onSiteLimitSeconds: 1 })).status).toBe(400);
    expect((await api(test.hub, kari, 'PUT', limits, { answerLimitSeconds: 60, onSiteLimitSeconds: 10 })).status).toBe(403);
    expect((await api(test.hub, admin.token, 'PUT', limits, { answerLimitSeconds: 60, onSiteLimitSeconds: 10 })).status).toBe(200);
    expect((await api(test.hub, kari, 'GET', limits)).body).toEqual({ answerLimitSeconds: 60, onSiteLimitSeconds: 10 });
    // Below what the API allows, for the test's time: one second.
    await test.hub.dataSource.query("UPDATE tenants SET on_site_limit_seconds = 1 WHERE name = 'Nordby kommune'");
    const supervisor = await consoleSocket(test.hub, vigdis);
    const operatorConsole = await consoleSocket(test.hub, kari);
    const late = await raise('4.1', 6);
    await post(kari, `/api/alarms/${late.id}/take`);
    await post(kari, `/api/alarms/${late.id}/call-out`);
    await post(per.token, `/api/call-outs/${late.id}/accept`);
    const alert = await eventually(
      () => supervisor.received.find((message) => message.event === 'supervisor:alert' && (message.alarm as unknown as AlarmSupervisorAlert).alarm.id === late.id),
      10_000,
      'the supervisor alert',
    );
    expect((alert.alarm as unknown as AlarmSupervisorAlert).kind).toBe('not-on-site');
    const [entry] = (await test.hub.dataSource.query("SELECT note FROM alarm_log WHERE alarm_id = $1 AND note LIKE 'Ikke meldt på stedet%'", [late.id])) as Array<{ note: string }>;
    expect(entry?.note).toMatch(/vaktleder varslet/);
    expect(operatorConsole.received.some((message) => message.event === 'supervisor:alert')).toBe(false);

    // Limit back to 45 minutes: a responder on site within it alerts no one.
    await test.hub.dataSource.query("UPDATE tenants SET on_site_limit_seconds = 2700 WHERE name = 'Nordby kommune'");
    const timely = await raise('4.1', 8);
    await post(kari, `/api/alarms/${timely.id}/take`);
    await post(kari, `/api/alarms/${timely.id}/call-out`);
    await post(per.token, `/api/call-outs/${timely.id}/on-site`);
    expect((await api<Array<{ step: string }>>(test.hub, vigdis, 'GET', `/api/alarms/${timely.id}`)).status).toBe(200);
    const figures = await api<{ tenants: Array<{ name: string; callOuts: number; medianOnSiteMinutes: number | null }> }>(test.hub, vigdis, 'GET', '/api/service-levels');
    const nordby = figures.body.tenants.find((tenant) => tenant.name === 'Nordby kommune')!;
    expect(nordby.callOuts).toBeGreaterThanOrEqual(3);
    expect(nordby.medianOnSiteMinutes).not.toBeNull();
    supervisor.socket.close();
    operatorConsole.socket.close();
  });
});
