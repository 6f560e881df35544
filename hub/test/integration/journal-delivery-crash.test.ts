import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FleetManifest } from '@knutepunkt/device-adapters';
import { startEpjReceiver, type EpjReceiver } from '@knutepunkt/simulators';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AlarmView, LoginResponse } from '../../src/realtime/contract.js';
import { connectDevice, createTestDatabase, deviceOf, eventually, freePort, nativeEvent, REDIS_URL, startHubProcess } from './hub-harness.js';

const ALARMS = 5;


let database: Awaited<ReturnType<typeof createTestDatabase>>;
let epj: EpjReceiver;
let dir: string;
let env: NodeJS.ProcessEnv;
let hub: ChildProcess | null = null;
let hubUrl: string;


async function call<T>(token: string, method: string, route: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${hubUrl}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as T };
}

beforeAll(async () => {
  database = await createTestDatabase();
  // A slow EPJ: it stores each transaction at once and answers seconds later, so the hub can die
  // between the EPJ taking an entry and the hub recording it as delivered.
  epj = await startEpjReceiver({ mode: { slowMs: 8000 } });
  dir = await mkdtemp(path.join(tmpdir(), 'knutepunkt-journal-crash-'));
  const httpPort = await freePort();
  hubUrl = `http://127.0.0.1:${httpPort}`;
  env = {
    DATABASE_URL: database.url,
    REDIS_URL,
    QUEUE_PREFIX: `kp-jcrash-${randomBytes(4).toString('hex')}`,
    HUB_PORT: String(httpPort),
    MQTT_PORT: String(await freePort()),
    DEMO_FLEET: 'true',
    FLEET_MANIFEST_PATH: path.join(dir, 'fleet.json'),
    EPJ_FHIR_URL: epj.url,
  };
  hub = await startHubProcess(env, hubUrl);
}, 90_000);

afterAll(async () => {
  hub?.kill('SIGKILL');
  await epj?.close();
  await database?.drop();
  await rm(dir, { recursive: true, force: true });
});

it('a hub killed mid-delivery resumes after restart: every entry in the EPJ once, none lost', async () => {
  const manifest = JSON.parse(await readFile(env.FLEET_MANIFEST_PATH!, 'utf8')) as FleetManifest;
  const account = manifest.operators.find((candidate) => candidate.username === 'operator')!;
  const login = await fetch(`${hubUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: account.username, password: account.password }),
  });
  const { token } = (await login.json()) as LoginResponse;

  const alarmIds: string[] = [];
  for (let resident = 0; resident < ALARMS; resident++) {
    const device = deviceOf(manifest, 'safety-alarm', resident);
    const client = await connectDevice(manifest.mqttUrl, device);
    await client.publishAsync(`devices/${device.deviceId}/events`, nativeEvent('4.1').payload, { qos: 1 });
    await client.endAsync();
    const alarm = await eventually(async () => (await call<AlarmView[]>(token, 'GET', '/api/alarms')).body.find((candidate) => candidate.device.id === device.deviceId && candidate.state === 'reported'), 10_000, 'alarm raised');
    expect((await call(token, 'POST', `/api/alarms/${alarm.id}/take`)).status).toBe(200);
    expect((await call(token, 'POST', `/api/alarms/${alarm.id}/close`, { cause: 'fall', measures: ['responder-visit'] })).status).toBe(200);
    alarmIds.push(alarm.id);
  }

  // Every entry is in the EPJ, none acknowledged to the hub yet: kill it now.
  await eventually(() => epj.stats().bundles >= ALARMS, 7_000, 'the EPJ to store every entry');
  const db = new pg.Client({ connectionString: database.url });
  await db.connect();
  const pendingAtKill = (await db.query("SELECT count(*)::int AS count FROM journal_outbox WHERE status = 'pending'")).rows[0].count as number;
  expect(pendingAtKill).toBe(ALARMS);
  hub!.kill('SIGKILL');
  await new Promise((resolve) => hub!.once('exit', resolve));

  epj.setMode({});
  hub = await startHubProcess(env, hubUrl);
  // The killed hub's jobs come back once their locks run out (BullMQ's stalled-job check).
  await eventually(
    async () => (await db.query("SELECT count(*)::int AS count FROM journal_outbox WHERE status = 'delivered'")).rows[0].count === ALARMS,
    90_000,
    'every entry delivered after the restart',
  );
  const rows = (await db.query('SELECT status, count(*)::int AS count FROM journal_outbox GROUP BY status')).rows as Array<{ status: string; count: number }>;
  expect(rows).toEqual([{ status: 'delivered', count: ALARMS }]);
  await db.end();

  // Sent again after the restart, each entry updated what the EPJ already held rather than adding to it.
  expect(epj.stats().created).toBe(ALARMS * 2);
  for (const alarmId of alarmIds) {
    const resources = epj.received().filter((entry) => entry.identifier.value.includes(alarmId));
    expect(resources.map((entry) => entry.type).sort()).toEqual(['Composition', 'DetectedIssue']);
  }
  expect(epj.received().some((entry) => entry.timesSeen > 1)).toBe(true);
}, 180_000);
