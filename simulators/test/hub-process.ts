import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { FleetManifest } from '@knutepunkt/device-adapters';

const run = promisify(execFile);
const HUB_MAIN = fileURLToPath(new URL('../../hub/dist/main.js', import.meta.url));
/** The machine's PostgreSQL (tests never use the embedded one). */
const POSTGRES = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface RunningHub {
  url: string;
  mqttUrl: string;
  manifest: FleetManifest;
  stop(): Promise<void>;
}

/** Runs SQL on the server as its superuser, with psql (the simulators have no PostgreSQL client of their own). */
async function sql(statement: string): Promise<void> {
  await run('psql', [POSTGRES, '--quiet', '--no-psqlrc', '-v', 'ON_ERROR_STOP=1', '-c', statement]);
}

/**
 * The built hub as a user runs it (node hub/dist/main.js), on free ports, against a fresh
 * database on the machine's PostgreSQL, with its own queue prefix and the demo fleet (so the
 * vendor, admin and operator accounts exist and are in the manifest). Build it first:
 * `pnpm --filter @knutepunkt/hub build`.
 */
export async function startHub(extraEnv: NodeJS.ProcessEnv = {}): Promise<RunningHub> {
  if (!existsSync(HUB_MAIN)) throw new Error(`no built hub at ${HUB_MAIN}: run \`pnpm --filter @knutepunkt/hub build\` first`);
  const database = `knutepunkt_sim_${randomBytes(6).toString('hex')}`;
  await sql(`CREATE DATABASE ${database}`);
  const databaseUrl = new URL(POSTGRES);
  databaseUrl.pathname = `/${database}`;
  const dir = await mkdtemp(path.join(tmpdir(), 'knutepunkt-sim-hub-'));
  const manifestPath = path.join(dir, 'fleet.json');
  const queuePrefix = `kp-sim-${randomBytes(4).toString('hex')}`;
  const hub: ChildProcess = spawn(process.execPath, [HUB_MAIN], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl.toString(),
      REDIS_URL,
      QUEUE_PREFIX: queuePrefix,
      HUB_PORT: '0',
      MQTT_PORT: '0',
      DEMO_FLEET: 'true',
      FLEET_MANIFEST_PATH: manifestPath,
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => hub.once('exit', () => resolve()));
  const cleanUp = async () => {
    if (hub.exitCode === null && hub.signalCode === null) {
      hub.kill('SIGTERM');
      const killer = setTimeout(() => hub.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    }
    await sql(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await rm(dir, { recursive: true, force: true });
    await forgetQueues(queuePrefix);
  };
  let output = '';
  try {
    const { url, mqttUrl } = await new Promise<{ url: string; mqttUrl: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the hub did not start within 60 s:\n${output}`)), 60_000);
      const read = (chunk: Buffer) => {
        // The hub keeps logging: keep only the latest, enough to show why it did not start.
        output = (output + chunk.toString()).slice(-20_000);
        const url = /console and API\s+(http:\S+)/.exec(output)?.[1];
        const mqtt = /MQTT broker\s+(mqtt:\S+)/.exec(output)?.[1];
        if (url && mqtt && output.includes('Demo login')) {
          clearTimeout(timer);
          resolve({ url, mqttUrl: mqtt });
        }
      };
      hub.stdout!.on('data', read);
      hub.stderr!.on('data', read);
      hub.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the hub exited (${code}) while starting:\n${output}`));
      });
    });
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as FleetManifest;
    return { url, mqttUrl, manifest, stop: cleanUp };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}

/** Removes the hub's queue keys from Redis, with redis-cli where it is installed (leftovers are harmless otherwise). */
async function forgetQueues(prefix: string): Promise<void> {
  try {
    const { stdout } = await run('redis-cli', ['-u', REDIS_URL, '--scan', '--pattern', `${prefix}:*`]);
    const keys = stdout.split('\n').filter(Boolean);
    if (keys.length > 0) await run('redis-cli', ['-u', REDIS_URL, 'del', ...keys]);
  } catch {
    // No redis-cli: the keys stay, under a prefix no other hub uses.
  }
}

/** The password of a demo account in the manifest. */
export function accountOf(manifest: FleetManifest, username: string): { username: string; password: string } {
  const account = manifest.operators.find((operator) => operator.username === username);
  if (!account) throw new Error(`no demo account "${username}" in the manifest`);
  return { username: account.username, password: account.password };
}
