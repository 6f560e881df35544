import { expect } from 'vitest';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FleetDevice, FleetManifest } from '@knutepunkt/device-adapters';
import { type EpjReceiver, startEpjReceiver } from '@knutepunkt/simulators';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import pg from 'pg';
import { io, type Socket } from 'socket.io-client';
import { type RunningHub, startHub } from '../../src/hub.js';
import type { AlarmView, LoginResponse, ServerToConsoleEvents } from '../../src/realtime/contract.js';

/** The machine's PostgreSQL (tests never use the embedded one). */
export const POSTGRES = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A fresh, empty database on the running server; dropped by the returned function. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `knutepunkt_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(POSTGRES);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: POSTGRES });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

export interface TestHub {
  hub: RunningHub;
  manifest: FleetManifest;
  epj: EpjReceiver;
  env: NodeJS.ProcessEnv;
  databaseUrl: string;
  stop(): Promise<void>;
}

/** A real hub on free ports against a fresh database, with the demo fleet and an EPJ receiver. */
export async function startTestHub(extraEnv: NodeJS.ProcessEnv = {}): Promise<TestHub> {
  const database = await createTestDatabase();
  const epj = await startEpjReceiver();
  const dir = await mkdtemp(path.join(tmpdir(), 'knutepunkt-'));
  const env: NodeJS.ProcessEnv = {
    DATABASE_URL: database.url,
    REDIS_URL,
    QUEUE_PREFIX: `kp-test-${randomBytes(4).toString('hex')}`,
    HUB_PORT: '0',
    MQTT_PORT: '0',
    DEMO_FLEET: 'true',
    FLEET_MANIFEST_PATH: path.join(dir, 'fleet.json'),
    EPJ_FHIR_URL: epj.url,
    ...extraEnv,
  };
  const hub = await startHub(env, false);
  return {
    hub,
    manifest: hub.manifest!,
    epj,
    env,
    databaseUrl: database.url,
    async stop() {
      await hub.stop();
      await epj.close();
      await database.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function login(hub: RunningHub, username: string, password: string): Promise<LoginResponse> {
  const response = await fetch(`${hub.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (!response.ok) throw new Error(`login ${username}: ${response.status}`);
  return (await response.json()) as LoginResponse;
}

export async function loginAs(test: TestHub, username: string): Promise<LoginResponse> {
  const operator = test.manifest.operators.find((candidate) => candidate.username === username)!;
  return login(test.hub, operator.username, operator.password);
}

/** Calls the API as an operator; returns status and parsed body. */
export async function api<T = unknown>(hub: RunningHub, token: string, method: string, route: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${hub.url}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

/** An MQTT connection as a device, with the device's own credentials unless overridden. */
export async function connectDevice(mqttUrl: string, device: Pick<FleetDevice, 'deviceId' | 'password'>, options: IClientOptions = {}): Promise<MqttClient> {
  const client = connect(mqttUrl, {
    clientId: device.deviceId,
    username: device.deviceId,
    password: device.password,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    ...options,
  });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
    client.once('close', () => reject(new Error('connection closed before CONNACK')));
  });
  return client;
}

/** The residentIndex-th demo device of that kind speaking the native JSON format the tests write. */
export function deviceOf(manifest: FleetManifest, kind: FleetDevice['kind'], residentIndex = 0): FleetDevice & { residentId: string } {
  const native = (device: FleetDevice) => device.kind === kind && device.adapter === 'native-json';
  const residents = manifest.residents.filter((resident) => resident.devices.some(native));
  const resident = residents[residentIndex]!;
  return { ...resident.devices.find(native)!, residentId: resident.id };
}

export function nativeEvent(code: string, extra: Record<string, unknown> = {}): { id: string; payload: string } {
  const id = `evt-${randomBytes(8).toString('hex')}`;
  return { id, payload: JSON.stringify({ id, code, occurredAt: new Date().toISOString(), ...extra }) };
}

/**
 * Raises an alarm from the device, takes it and closes it as the operator: closing writes the
 * journal entry. A fall closed as one with a responder visit unless told otherwise.
 */
export async function closedAlarmFrom(
  hub: RunningHub,
  token: string,
  device: Pick<FleetDevice, 'deviceId' | 'password'>,
  closing: { code?: string; cause?: string; measures?: string[] } = {},
): Promise<AlarmView> {
  const client = await connectDevice(hub.mqttUrl, device);
  await client.publishAsync(`devices/${device.deviceId}/events`, nativeEvent(closing.code ?? '4.1').payload, { qos: 1 });
  await client.endAsync();
  const alarm = await eventually(async () => {
    const queue = await api<AlarmView[]>(hub, token, 'GET', '/api/alarms');
    return queue.body.find((candidate) => candidate.device.id === device.deviceId && candidate.state === 'reported');
  }, 10_000, `alarm raised by ${device.deviceId}`);
  expect((await api(hub, token, 'POST', `/api/alarms/${alarm.id}/take`)).status).toBe(200);
  const closed = await api<AlarmView>(hub, token, 'POST', `/api/alarms/${alarm.id}/close`, { cause: closing.cause ?? 'fall', measures: closing.measures ?? ['responder-visit'] });
  expect(closed.status, JSON.stringify(closed.body)).toBe(200);
  return closed.body;
}

/** A console's socket.io connection, collecting what it is sent. */
export async function consoleSocket(hub: RunningHub, token: string): Promise<{ socket: Socket<ServerToConsoleEvents>; received: Array<{ event: string; alarm: AlarmView }> }> {
  const socket: Socket<ServerToConsoleEvents> = io(hub.url, { auth: { token }, transports: ['websocket'], reconnection: false });
  const received: Array<{ event: string; alarm: AlarmView }> = [];
  socket.onAny((event: string, alarm: AlarmView) => {
    received.push({ event, alarm });
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return { socket, received };
}

/** Polls until the check returns a value (not undefined/false), or fails after the timeout. */
export async function eventually<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A free TCP port on 127.0.0.1, for a hub run as its own process, which must be told its ports. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const BUILT_HUB = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

/**
 * The built hub (dist/main.js) as its own process, as it runs in production, so a test can kill
 * it for real. Resolves once it answers /health at `hubUrl` and has written its demo manifest
 * (the last step of its start).
 */
export async function startHubProcess(env: NodeJS.ProcessEnv, hubUrl: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BUILT_HUB], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await eventually(
    async () => {
      if (child.exitCode !== null) throw new Error(`hub exited ${child.exitCode}: ${output}`);
      return output.includes('Demo login') && fetch(`${hubUrl}/health`).then((response) => response.ok, () => false);
    },
    60_000,
    'hub process ready',
  );
  return child;
}
