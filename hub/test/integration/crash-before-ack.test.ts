import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { FleetManifest } from '@knutepunkt/device-adapters';
import { connect } from 'mqtt';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, eventually, freePort, nativeEvent, REDIS_URL, startHubProcess } from './hub-harness.js';



let database: Awaited<ReturnType<typeof createTestDatabase>>;
let dir: string;
let env: NodeJS.ProcessEnv;
let hub: ChildProcess | null = null;
let httpPort: number;


beforeAll(async () => {
  database = await createTestDatabase();
  dir = await mkdtemp(path.join(tmpdir(), 'knutepunkt-crash-'));
  httpPort = await freePort();
  env = {
    DATABASE_URL: database.url,
    REDIS_URL,
    QUEUE_PREFIX: `kp-crash-${randomBytes(4).toString('hex')}`,
    HUB_PORT: String(httpPort),
    MQTT_PORT: String(await freePort()),
    DEMO_FLEET: 'true',
    FLEET_MANIFEST_PATH: path.join(dir, 'fleet.json'),
  };
  hub = await startHubProcess(env, `http://127.0.0.1:${httpPort}`);
});

afterAll(async () => {
  hub?.kill('SIGKILL');
  await database?.drop();
  await rm(dir, { recursive: true, force: true });
});

it('a hub killed before the PUBACK loses nothing, and the resent event is stored exactly once', async () => {
  const manifest = JSON.parse(await readFile(env.FLEET_MANIFEST_PATH!, 'utf8')) as FleetManifest;
  const device = manifest.residents[0]!.devices[0]!;
  const db = new pg.Client({ connectionString: database.url });
  await db.connect();

  // Hold the hub's write: its INSERT waits on this lock, so no PUBACK can have been sent.
  await db.query('BEGIN');
  await db.query('LOCK TABLE device_events IN EXCLUSIVE MODE');

  const client = connect(manifest.mqttUrl, {
    clientId: device.deviceId,
    username: device.deviceId,
    password: device.password,
    clean: false,
    reconnectPeriod: 200,
  });
  await new Promise<void>((resolve) => client.once('connect', () => resolve()));
  const event = nativeEvent('4.1');
  let acknowledged = false;
  const publishing = client.publishAsync(`devices/${device.deviceId}/events`, event.payload, { qos: 1 }).then(() => {
    acknowledged = true;
  });

  const monitor = new pg.Client({ connectionString: database.url });
  await monitor.connect();
  await eventually(
    async () => {
      const { rows } = await monitor.query("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO device_events%'");
      return Number(rows[0].count) > 0;
    },
    10_000,
    'the hub to be inside its write',
  );
  hub!.kill('SIGKILL');
  await new Promise((resolve) => hub!.once('exit', resolve));
  await db.query('ROLLBACK');
  await db.end();
  expect(acknowledged).toBe(false);
  const { rows: before } = await monitor.query('SELECT count(*) FROM device_events WHERE event_id = $1', [event.id]);
  expect(Number(before[0].count)).toBe(0);

  hub = await startHubProcess(env, `http://127.0.0.1:${httpPort}`);
  await publishing; // the device resends its unacknowledged event to the restarted hub
  expect(acknowledged).toBe(true);
  const { rows: events } = await monitor.query('SELECT count(*) FROM device_events WHERE event_id = $1', [event.id]);
  const { rows: alarms } = await monitor.query('SELECT count(*) FROM alarms WHERE event_id = $1', [event.id]);
  expect(Number(events[0].count)).toBe(1);
  expect(Number(alarms[0].count)).toBe(1);
  await monitor.end();
  await client.endAsync();
});
