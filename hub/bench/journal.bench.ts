import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { it } from 'vitest';
import { startHub, type RunningHub } from '../src/hub.js';
import type { AlarmView } from '../src/realtime/contract.js';
import { api, connectDevice, createTestDatabase, deviceOf, eventually, freePort, login, nativeEvent, REDIS_URL } from '../test/integration/hub-harness.js';

const ENTRIES = 5000;
const SIMULATOR_CLI = fileURLToPath(new URL('../../simulators/dist/cli.js', import.meta.url));


/** The EPJ simulator as `pnpm sim epj` runs it: a process of its own, as a vendor's EPJ would be. */
async function startEpjProcess(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [SIMULATOR_CLI, 'epj', '--port', String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-2000)));
  await eventually(() => output.includes('EPJ receiver listening'), 10_000, 'EPJ simulator listening');
  return child;
}

/**
 * Sustained journaling into the EPJ simulator: a backlog of entries in the outbox (each a copy
 * of a real closed alarm's bundle under its own identifiers, for an alarm of its own) drained by
 * a restarted hub through BullMQ and the push connector, each acknowledged by the EPJ and marked
 * delivered: once with each entry its own transaction, once batched as the hub does by default. The rate is taken between 10 % and 90 % of the backlog, so neither the hub's start
 * nor the last stragglers count.
 */
it('journal: sustained delivery rate into the EPJ simulator', async () => {
  const database = await createTestDatabase();
  const epjPort = await freePort();
  const epj = await startEpjProcess(epjPort);
  const epjBase = `http://127.0.0.1:${epjPort}`;
  const dir = await mkdtemp(path.join(tmpdir(), 'knutepunkt-bench-'));
  const env: NodeJS.ProcessEnv = {
    DATABASE_URL: database.url,
    REDIS_URL,
    QUEUE_PREFIX: `kp-bench-${randomBytes(4).toString('hex')}`,
    HUB_PORT: '0',
    MQTT_PORT: '0',
    DEMO_FLEET: 'true',
    FLEET_MANIFEST_PATH: path.join(dir, 'fleet.json'),
    EPJ_FHIR_URL: `${epjBase}/fhir`,
    // The rate limit protects a real EPJ; here it would measure only itself.
    EPJ_RATE_PER_SECOND: '100000',
  };
  const first = await startHub(env, false);
  let hub: RunningHub | null = first;
  const db = new pg.Client({ connectionString: database.url });
  try {
    const operator = first.manifest!.operators.find((candidate) => candidate.username === 'operator')!;
    const { token } = await login(first, operator.username, operator.password);
    const device = deviceOf(first.manifest!, 'safety-alarm', 0);
    const client = await connectDevice(first.mqttUrl, device);
    await client.publishAsync(`devices/${device.deviceId}/events`, nativeEvent('4.1').payload, { qos: 1 });
    await client.endAsync();
    const alarm = await eventually(async () => (await api<AlarmView[]>(first, token, 'GET', '/api/alarms')).body.find((candidate) => candidate.device.id === device.deviceId), 10_000, 'alarm');
    await api(first, token, 'POST', `/api/alarms/${alarm.id}/take`);
    await api(first, token, 'POST', `/api/alarms/${alarm.id}/close`, { cause: 'fall', measures: ['responder-visit'] });
    await db.connect();
    const delivered = async () => (await db.query("SELECT count(*)::int AS count FROM journal_outbox WHERE status = 'delivered'")).rows[0].count as number;
    await eventually(async () => (await delivered()) === 1, 10_000, 'the model entry delivered');
    await first.stop();
    hub = null;

    // Each copy is an alarm (and device event) of its own, as in a real backlog: one shared alarm
    // row would make every delivery wait for the same row lock.
    await db.query(
      `CREATE TEMP TABLE copies AS SELECT gen_random_uuid() AS id FROM generate_series(1, ${ENTRIES});
       INSERT INTO device_events SELECT (jsonb_populate_record(NULL::device_events, to_jsonb(model) || jsonb_build_object('event_id', copies.id))).*
       FROM device_events model, alarms alarm, copies WHERE alarm.id = '${alarm.id}' AND model.device_id = alarm.device_id AND model.event_id = alarm.event_id;
       INSERT INTO alarms SELECT (jsonb_populate_record(NULL::alarms, to_jsonb(model) || jsonb_build_object('id', copies.id, 'event_id', copies.id, 'journal_status', 'pending'))).*
       FROM alarms model, copies WHERE model.id = '${alarm.id}';
       INSERT INTO journal_outbox (alarm_id, tenant_id, resident_id, bundle, status)
       SELECT copies.id, model.tenant_id, model.resident_id, replace(model.bundle::text, '${alarm.id}', copies.id::text)::jsonb, 'pending'
       FROM journal_outbox model, copies WHERE model.alarm_id = '${alarm.id}';`,
    );

    /** Drains the backlog with a fresh hub; returns the sustained rate, taken between 10 % and 90 % of it. */
    const drain = async (batchSize: string): Promise<number> => {
      await db.query("UPDATE journal_outbox SET status = 'pending', delivered_at = NULL, attempts = 0 WHERE alarm_id <> $1", [alarm.id]);
      const marks: Array<{ at: number; delivered: number }> = [];
      // Counted from before the hub starts: its start already queues and delivers the backlog.
      const sampling = (async () => {
        for (;;) {
          const count = (await delivered()) - 1;
          marks.push({ at: performance.now(), delivered: count });
          if (count >= ENTRIES) return;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      })();
      hub = await startHub({ ...env, ...(batchSize ? { EPJ_BATCH_SIZE: batchSize } : {}), QUEUE_PREFIX: `${env.QUEUE_PREFIX}-${batchSize || 'default'}` }, false);
      await sampling;
      await hub.stop();
      hub = null;
      const at = (share: number) => marks.find((mark) => mark.delivered >= ENTRIES * share)!;
      const [from, to] = [at(0.1), at(0.9)];
      return (to.delivered - from.delivered) / ((to.at - from.at) / 1000);
    };
    const alone = await drain('1');
    // Unset: the hub's default batch size.
    const batched = await drain('');
    const { stats } = (await (await fetch(`${epjBase}/received`)).json()) as { stats: { created: number; updated: number; requests: number } };
    console.log(
      [
        '',
        `journal benchmark: ${ENTRIES} entries (a DetectedIssue and a Composition each) from the outbox into the EPJ simulator (own process), real PostgreSQL and Redis, drained twice`,
        `sustained rate (10–90 % of the backlog), each entry its own transaction: ${alone.toFixed(0)} entries/s`,
        `sustained rate, entries batched per transaction (EPJ_BATCH_SIZE's default): ${batched.toFixed(0)} entries/s, ${(batched / alone).toFixed(1)}× (goal ≥ 1000 entries/s)`,
        `EPJ simulator: ${stats.requests} transactions, ${stats.created} resources created, ${stats.updated} updated (the second drain updates what the first created)`,
        '',
      ].join('\n'),
    );
  } finally {
    await hub?.stop();
    await db.end().catch(() => undefined);
    epj.kill('SIGTERM');
    await database.drop();
    await rm(dir, { recursive: true, force: true });
  }
}, 600_000);
