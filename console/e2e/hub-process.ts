import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FleetManifest } from '@knutepunkt/device-adapters';
import { type EpjReceiver, startEpjReceiver } from '@knutepunkt/simulators';
import pg from 'pg';

const repository = fileURLToPath(new URL('../../', import.meta.url));
const POSTGRES = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface RunningSystem {
  url: string;
  /** The hub's own database, for a test that sets a municipality's limits as an admin would. */
  databaseUrl: string;
  manifestPath: string;
  manifest: FleetManifest;
  epj: EpjReceiver;
  stop(): Promise<void>;
}

/**
 * The built hub as a user runs it (node hub/dist/main.js, console included), on free ports,
 * against a fresh database on the machine's PostgreSQL and an EPJ receiver.
 */
/** How long the hub's ordered shutdown may take before the suite kills it. */
const STOP_GRACE_MS = 30_000;

export async function startSystem(): Promise<RunningSystem> {
  const database = `knutepunkt_e2e_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const databaseUrl = new URL(POSTGRES);
  databaseUrl.pathname = `/${database}`;

  const epj = await startEpjReceiver();
  const dir = await mkdtemp(path.join(tmpdir(), 'knutepunkt-e2e-'));
  const manifestPath = path.join(dir, 'fleet.json');
  const hub: ChildProcess = spawn(process.execPath, [path.join(repository, 'hub/dist/main.js')], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl.toString(),
      QUEUE_PREFIX: `kp-e2e-${randomBytes(4).toString('hex')}`,
      HUB_PORT: '0',
      MQTT_PORT: '0',
      DEMO_FLEET: 'true',
      FLEET_MANIFEST_PATH: manifestPath,
      EPJ_FHIR_URL: epj.url,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hub did not start:\n${output}`)), 60_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const url = /console and API\s+(http:\S+)/.exec(output)?.[1];
      if (url && output.includes('Demo login')) {
        clearTimeout(timer);
        resolve(url);
      }
    };
    hub.stdout!.on('data', read);
    hub.stderr!.on('data', read);
    hub.once('exit', (code) => reject(new Error(`hub exited ${code}:\n${output}`)));
  });
  const url = await ready;
  return {
    url,
    databaseUrl: databaseUrl.toString(),
    manifestPath,
    manifest: JSON.parse(await readFile(manifestPath, 'utf8')) as FleetManifest,
    epj,
    async stop() {
      const exited = new Promise<'exited'>((resolve) => hub.once('exit', () => resolve('exited')));
      hub.kill('SIGTERM');
      const slow = new Promise<'slow'>((resolve) => setTimeout(() => resolve('slow'), STOP_GRACE_MS).unref());
      if ((await Promise.race([exited, slow])) === 'slow') {
        // A hub that does not finish its ordered shutdown must not hang the suite; what it last
        // said is printed so the cause can be found, and it is killed.
        console.warn(`hub did not exit within ${STOP_GRACE_MS / 1000} s of SIGTERM; its last output:\n${output.slice(-4000)}`);
        hub.kill('SIGKILL');
        await exited;
      }
      await epj.close();
      const client = new pg.Client({ connectionString: POSTGRES });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await client.end();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Runs `pnpm sim …` as a tester would, through the simulators' built command. */
export function sim(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(repository, 'simulators/dist/cli.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => resolve({ code: code ?? 1, output }));
  });
}
