import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { run } from '../src/cli-commands.js';
import { HubApi } from '../src/index.js';
import type { HubDeviceView, HubIncidentView } from '../src/hub-api.js';
import { accountOf, startHub, type RunningHub } from './hub-process.js';

/** `pnpm sim night` against a real hub process with the demo fleet: every expectation of the scripted night is met. */
let hub: RunningHub;
let manifestPath: string;

beforeAll(async () => {
  hub = await startHub();
  manifestPath = path.join(await mkdtemp(path.join(tmpdir(), 'knutepunkt-night-')), 'fleet.json');
  await writeFile(manifestPath, JSON.stringify({ ...hub.manifest, hubUrl: hub.url, mqttUrl: hub.mqttUrl }));
}, 90_000);

afterAll(async () => {
  await hub?.stop();
});

it('produces the expected alarms, priorities, one outage incident and escalations, then puts the rules back', async () => {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(['night', `--manifest=${manifestPath}`, '--pace=0.5', '--power-cut=12', '--answer-limit=5', '--hold=3'], {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    env: {},
  });
  expect(err).toEqual([]);
  const verdicts = out.filter((line) => /^(PASS|FAIL) /.test(line));
  expect(verdicts, out.join('\n')).toHaveLength(7);
  expect(verdicts.filter((line) => line.startsWith('FAIL')), out.join('\n')).toEqual([]);
  expect(code).toBe(0);

  // Afterwards: the municipality's rules are its own again, and the power-cut devices are retired.
  const admin = await HubApi.login(hub.url, accountOf(hub.manifest, 'admin'));
  const nordby = admin.who.tenants[0]!.id;
  const rules = await admin.expect<{ doorReturnSeconds: number; nightHours: { from: number; to: number } }>('GET', `/api/tenants/${nordby}/triage-rules`);
  expect(rules.nightHours).toEqual({ from: 22, to: 7 });
  expect(rules.doorReturnSeconds).not.toBe(3);
  const limits = await admin.expect<{ answerLimitSeconds: number }>('GET', `/api/tenants/${nordby}/service-limits`);
  expect(limits.answerLimitSeconds).toBe(60);
  // The incident still lists them for the operator; the device list no longer shows them.
  const operator = await HubApi.login(hub.url, accountOf(hub.manifest, 'operator'));
  const [incident] = await operator.expect<HubIncidentView[]>('GET', '/api/incidents');
  const nightDevices = [...new Set(incident!.members.map((member) => member.device.id))];
  expect(nightDevices).toHaveLength(12);
  for (const id of nightDevices) expect((await admin.expect<HubDeviceView>('GET', `/api/devices/${encodeURIComponent(id)}`)).status).toBe('retired');
  expect((await admin.expect<HubDeviceView[]>('GET', '/api/devices')).filter((device) => device.serial?.startsWith('NATT-'))).toEqual([]);
}, 180_000);

it('says plainly when the manifest is not the demo fleet', async () => {
  await writeFile(manifestPath, JSON.stringify({ ...hub.manifest, operators: hub.manifest.operators.filter((operator) => operator.username !== 'admin') }));
  const err: string[] = [];
  const code = await run(['night', `--manifest=${manifestPath}`], { out: () => {}, err: (line) => err.push(line), env: {} });
  expect(code).toBe(1);
  expect(err.join('\n')).toMatch(/no "admin" account/);
});
