import { startEpjReceiver, type EpjReceiver } from '@knutepunkt/simulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlarmDetail, AlarmView, FailedDeliveryView } from '../../src/realtime/contract.js';
import { api, closedAlarmFrom, deviceOf, eventually, loginAs, startTestHub, type TestHub } from './hub-harness.js';

const CIRCUIT_FAILURES = 3;
const COOLDOWN_MS = 1500;

let test: TestHub;
let operator: string;
let supervisor: string;
let sorvik: string;
/** Each hub's operator session. */
const operatorTokens = new Map<TestHub, string>();

beforeAll(async () => {
  test = await startTestHub({
    EPJ_CIRCUIT_FAILURES: String(CIRCUIT_FAILURES),
    EPJ_CIRCUIT_COOLDOWN_MS: String(COOLDOWN_MS),
    // Short waits so an outage of seconds stands for one of an hour; without the breaker these
    // entries would call the EPJ many times a second.
    EPJ_RETRY_BASE_MS: '100',
    EPJ_RETRY_CAP_MS: '400',
    EPJ_MAX_ATTEMPTS: '20',
  });
  operator = (await loginAs(test, 'operator')).token;
  operatorTokens.set(test, operator);
  supervisor = (await loginAs(test, 'supervisor')).token;
  sorvik = (await loginAs(test, 'sorvik')).token;
});
afterAll(async () => {
  await test?.stop();
});

/** A fall from the resident's safety alarm, taken and closed: closing writes the journal entry. */
function closedAlarm(residentIndex: number, on: TestHub = test): Promise<AlarmView> {
  return closedAlarmFrom(on.hub, operatorTokens.get(on)!, deviceOf(on.manifest, 'safety-alarm', residentIndex));
}

async function outboxOf(alarmId: string, on: TestHub = test): Promise<{ id: string; status: string; attempts: number; last_error: string | null; last_attempt_at: Date | null }> {
  const [row] = (await on.hub.dataSource.query('SELECT id, status, attempts, last_error, last_attempt_at FROM journal_outbox WHERE alarm_id = $1', [alarmId])) as Array<{
    id: string;
    status: string;
    attempts: number;
    last_error: string | null;
    last_attempt_at: Date | null;
  }>;
  return row!;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('an EPJ that is down for a while, then returns', () => {
  it('leaves the EPJ alone while the circuit is open, then drains the backlog: every entry delivered exactly once', async () => {
    test.epj.setMode({ fail: 503 });
    const before = test.epj.stats().requests;
    const alarms: AlarmView[] = [];
    for (let resident = 0; resident < 8; resident++) alarms.push(await closedAlarm(resident));

    // The first failures open the circuit; from then on the EPJ sees a trial call per cool-down at most.
    await eventually(() => test.epj.stats().requests - before >= CIRCUIT_FAILURES, 10_000, 'the failures that open the circuit');
    await pause(300);
    const opened = test.epj.stats().requests;
    await pause(3 * COOLDOWN_MS);
    const callsWhileOpen = test.epj.stats().requests - opened;
    expect(callsWhileOpen).toBeLessThanOrEqual(4);
    for (const alarm of alarms) expect((await outboxOf(alarm.id)).status).toBe('pending');

    test.epj.setMode({});
    await eventually(
      async () => (await Promise.all(alarms.map((alarm) => outboxOf(alarm.id)))).every((entry) => entry.status === 'delivered'),
      30_000,
      'backlog drained',
    );
    for (const alarm of alarms) {
      const resources = test.epj.received().filter((entry) => entry.identifier.value.includes(alarm.id));
      expect(resources.map((entry) => entry.type).sort()).toEqual(['Composition', 'DetectedIssue']);
      // Failed attempts stored nothing; the one that landed landed once.
      expect(resources.every((entry) => entry.timesSeen === 1 && entry.version === 1)).toBe(true);
      const view = await api<AlarmDetail>(test.hub, operator, 'GET', `/api/alarms/${alarm.id}`);
      expect(view.body.alarm.journal).toMatchObject({ status: 'delivered', error: null });
    }
    // Some waited through failed attempts, and none was set aside.
    const attempts = await Promise.all(alarms.map(async (alarm) => (await outboxOf(alarm.id)).attempts));
    expect(Math.max(...attempts)).toBeGreaterThan(1);
  });
});

describe('entries that share a transaction', () => {
  it('one the EPJ refuses is found and set aside; the others are delivered, each once', async () => {
    // While the EPJ is down the entries gather, so they come back together after the cool-down.
    test.epj.setMode({ fail: 503 });
    const alarms: AlarmView[] = [];
    for (let resident = 10; resident < 14; resident++) alarms.push(await closedAlarm(resident));
    const refused = alarms[1]!;
    await test.hub.dataSource.query(`UPDATE journal_outbox SET bundle = jsonb_set(bundle, '{entry,0,request}', 'null') WHERE alarm_id = $1`, [refused.id]);
    const rejectedBefore = test.epj.stats().rejected;
    test.epj.setMode({});
    const settled = await eventually(async () => {
      const rows = await Promise.all(alarms.map((alarm) => outboxOf(alarm.id)));
      return rows.every((row) => row.status !== 'pending') ? rows : undefined;
    }, 30_000, 'every entry delivered or set aside');
    expect(settled.map((row) => row.status)).toEqual(['delivered', 'failed', 'delivered', 'delivered']);
    expect(settled[1]!.last_error).toMatch(/^EPJ answered 400: .*has no request/);
    for (const alarm of alarms.filter((candidate) => candidate !== refused)) {
      const resources = test.epj.received().filter((entry) => entry.identifier.value.includes(alarm.id));
      expect(resources.map((entry) => [entry.type, entry.timesSeen])).toEqual(expect.arrayContaining([['Composition', 1], ['DetectedIssue', 1]]));
    }
    expect(test.epj.received().some((entry) => entry.identifier.value.includes(refused.id))).toBe(false);
    // Alone, or first in a shared transaction and then alone.
    expect(test.epj.stats().rejected - rejectedBefore).toBeGreaterThanOrEqual(1);
  });
});

describe('an entry the EPJ refuses', () => {
  it('is kept among the failed deliveries with its reason, listed to the response centre, and put back by a supervisor', async () => {
    test.epj.setMode({ reject: 422 });
    const requestsBefore = test.epj.stats().requests;
    const alarm = await closedAlarm(9);
    const entry = await eventually(async () => {
      const row = await outboxOf(alarm.id);
      return row.status === 'failed' ? row : undefined;
    }, 10_000, 'entry set aside');
    // Refused at once: a 422 is not tried again.
    expect(entry.attempts).toBe(1);
    expect(test.epj.stats().requests - requestsBefore).toBe(1);
    expect(entry.last_error).toMatch(/^EPJ answered 422/);
    expect(entry.last_attempt_at).not.toBeNull();
    expect((await api<AlarmDetail>(test.hub, operator, 'GET', `/api/alarms/${alarm.id}`)).body.alarm.journal.status).toBe('failed');

    const listed = await api<FailedDeliveryView[]>(test.hub, operator, 'GET', '/api/journal/failed');
    expect(listed.status).toBe(200);
    expect(listed.body.find((failed) => failed.alarmId === alarm.id)).toMatchObject({
      outboxId: entry.id,
      code: '4.1',
      resident: { id: alarm.resident.id, name: alarm.resident.name },
      attempts: 1,
      reason: entry.last_error,
    });
    // Another municipality sees none of it.
    expect((await api<FailedDeliveryView[]>(test.hub, sorvik, 'GET', '/api/journal/failed')).body).toEqual([]);
    expect((await api(test.hub, operator, 'POST', `/api/journal/${entry.id}/retry`)).status).toBe(403);
    expect((await api(test.hub, supervisor, 'POST', '/api/journal/not-an-id/retry')).status).toBe(400);

    test.epj.setMode({});
    const retried = await api(test.hub, supervisor, 'POST', `/api/journal/${entry.id}/retry`);
    expect(retried).toEqual({ status: 202, body: { outboxId: entry.id, status: 'pending' } });
    await eventually(async () => (await outboxOf(alarm.id)).status === 'delivered', 10_000, 'retried entry delivered');
    expect(test.epj.received().filter((resource) => resource.identifier.value.includes(alarm.id))).toHaveLength(2);
    expect((await api<FailedDeliveryView[]>(test.hub, operator, 'GET', '/api/journal/failed')).body.some((failed) => failed.outboxId === entry.id)).toBe(false);
    // Only a failed entry is retried.
    expect((await api(test.hub, supervisor, 'POST', `/api/journal/${entry.id}/retry`)).status).toBe(409);

    const audits = (await test.hub.dataSource.query("SELECT resident_ids, reason FROM audit_log WHERE action = 'journal.retry'")) as Array<{ resident_ids: string[]; reason: string }>;
    expect(audits).toHaveLength(1);
    expect(audits[0]!.resident_ids).toEqual([alarm.resident.id]);
    expect(audits[0]!.reason).toContain(entry.id);
  });
});

describe('an entry that could not be built', () => {
  it('is built anew from its alarm when retried once the registry is mended, and refused with the reason while it is not', async () => {
    const device = deviceOf(test.manifest, 'safety-alarm', 14);
    const [{ name }] = (await test.hub.dataSource.query('SELECT name FROM residents WHERE id = $1', [device.residentId])) as [{ name: string }];
    // A name of blanks, as a careless registry import might leave: the database takes it, the journal cannot.
    await test.hub.dataSource.query("UPDATE residents SET name = '   ' WHERE id = $1", [device.residentId]);
    const alarm = await closedAlarm(14);
    expect(alarm.journal.status).toBe('failed');
    const rows = async () =>
      (await test.hub.dataSource.query('SELECT id, status, last_error FROM journal_outbox WHERE alarm_id = $1 ORDER BY created_at', [alarm.id])) as Array<{ id: string; status: string; last_error: string | null }>;
    const [unbuilt] = await rows();
    expect(unbuilt).toMatchObject({ status: 'failed', last_error: expect.stringMatching(/resident name is empty/) });

    const stillBroken = await api<{ message: string }>(test.hub, supervisor, 'POST', `/api/journal/${unbuilt!.id}/retry`);
    expect(stillBroken.status).toBe(422);
    expect(stillBroken.body.message).toMatch(/still cannot be built: .*resident name is empty/);
    const [, second] = await rows();
    expect(second!.status).toBe('failed');

    await test.hub.dataSource.query('UPDATE residents SET name = $2 WHERE id = $1', [device.residentId, name]);
    const retried = await api<{ outboxId: string; status: string }>(test.hub, supervisor, 'POST', `/api/journal/${second!.id}/retry`);
    expect(retried.status).toBe(202);
    expect(retried.body.outboxId).not.toBe(second!.id);
    await eventually(async () => (await rows()).at(-1)!.status === 'delivered', 10_000, 'rebuilt entry delivered');
    expect((await rows()).map((row) => row.status)).toEqual(['superseded', 'superseded', 'delivered']);
    expect((await api<AlarmDetail>(test.hub, operator, 'GET', `/api/alarms/${alarm.id}`)).body.alarm.journal.status).toBe('delivered');
    expect(test.epj.received().filter((resource) => resource.identifier.value.includes(alarm.id)).map((resource) => resource.type).sort()).toEqual(['Composition', 'DetectedIssue']);
  });
});

describe('pushing with OAuth2 client credentials', () => {
  let guarded: EpjReceiver;
  let oauthHub: TestHub;

  beforeAll(async () => {
    // Tokens live 31 s; the hub renews 30 s before expiry, so each is used for about a second.
    guarded = await startEpjReceiver({ oauth: { clientId: 'knutepunkt', clientSecret: 'epj-s3cret', tokenSeconds: 31 } });
    oauthHub = await startTestHub({
      EPJ_FHIR_URL: guarded.url,
      EPJ_TOKEN_URL: guarded.url.replace(/\/fhir$/, '/oauth/token'),
      EPJ_CLIENT_ID: 'knutepunkt',
      EPJ_CLIENT_SECRET: 'epj-s3cret',
    });
    operatorTokens.set(oauthHub, (await loginAs(oauthHub, 'operator')).token);
  });
  afterAll(async () => {
    await oauthHub?.stop();
    await guarded?.close();
  });

  it('fetches a token, uses it for every push while it lasts, and fetches a new one when it runs out', async () => {
    const first = await closedAlarm(0, oauthHub);
    const second = await closedAlarm(1, oauthHub);
    await eventually(async () => (await outboxOf(first.id, oauthHub)).status === 'delivered' && (await outboxOf(second.id, oauthHub)).status === 'delivered', 10_000, 'delivered with a token');
    expect(guarded.stats()).toMatchObject({ tokensIssued: 1, rejected: 0 });

    await pause(1500);
    const third = await closedAlarm(2, oauthHub);
    await eventually(async () => (await outboxOf(third.id, oauthHub)).status === 'delivered', 10_000, 'delivered with a new token');
    expect(guarded.stats()).toMatchObject({ tokensIssued: 2, rejected: 0, bundles: 3 });
  });
});
