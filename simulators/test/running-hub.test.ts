import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../src/cli-commands.js';
import { brokerUrlFor, Fleet, HubApi } from '../src/index.js';
import { accountOf, startHub, type RunningHub } from './hub-process.js';

/**
 * `pnpm sim conformance`, and the fleet in several formats, against a real hub (hub/dist/main.js, started here on free ports with a
 * fresh database and the demo fleet), for device models of several formats declared by the demo
 * vendor: what a vendor would run against a live hub.
 */
let hub: RunningHub;
let vendor: HubApi;
let admin: HubApi;
let nordby: string;
let vendorAccount: { username: string; password: string };
let operatorAccount: { username: string; password: string };

const MODELS = [
  { name: 'Konformitet Trygg', kind: 'safety-alarm', adapter: 'native-json' },
  { name: 'Konformitet LPWAN', kind: 'safety-alarm', adapter: 'lpwan-alarm' },
  { name: 'Konformitet Dosett', kind: 'medicine-dispenser', adapter: 'dispenser-json' },
  { name: 'Konformitet Sengesensor', kind: 'bed-sensor', adapter: 'senml' },
  { name: 'Konformitet Gateway', kind: 'gateway', adapter: 'zigbee2mqtt' },
  { name: 'Konformitet Dørsensor', kind: 'door-sensor', adapter: 'zigbee2mqtt' },
  { name: 'Konformitet Sky', kind: 'medicine-dispenser', adapter: 'vkp-fhir' },
];

beforeAll(async () => {
  hub = await startHub({ SUPERVISION_SWEEP_SECONDS: '1' });
  vendorAccount = accountOf(hub.manifest, 'vendor');
  operatorAccount = accountOf(hub.manifest, 'operator');
  vendor = await HubApi.login(hub.url, vendorAccount);
  admin = await HubApi.login(hub.url, accountOf(hub.manifest, 'admin'));
  nordby = admin.who.tenants[0]!.id;
  for (const model of MODELS) await vendor.expect('POST', '/api/device-models', { ...model, heartbeatSeconds: 600 });
}, 90_000);

afterAll(async () => {
  await hub?.stop();
});

/** Runs `pnpm sim conformance …` the way the CLI does, capturing what it prints. */
async function conformance(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  // `--name=value`: generated passwords may start with "-", which would read as an option.
  const code = await run(['conformance', `--hub=${hub.url}`, `--mqtt=${hub.mqttUrl}`, `--vendor-user=${vendorAccount.username}`, `--vendor-password=${vendorAccount.password}`, ...argv], {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    env: {},
  });
  const lines = out.join('\n').split('\n');
  return {
    code,
    out: out.join('\n'),
    err: err.join('\n'),
    lines,
    /** The report's line for a case (by its name), e.g. "PASS  event 4.1 …". */
    line: (name: string) => lines.find((line) => line.slice(6).startsWith(`${name} `)) ?? `(no line for "${name}")`,
    statuses: lines.filter((line) => /^(PASS|FAIL|SKIP) {2}/.test(line)).map((line) => line.slice(0, 4)),
  };
}

const withOperator = () => [`--operator-user=${operatorAccount.username}`, `--operator-password=${operatorAccount.password}`];
let serial = 0;

/** A device of the model registered by the vendor and placed with a resident by the municipality's admin. */
async function placedDevice(model: string, residentIndex: number, extra: Record<string, unknown> = {}) {
  const registered = await vendor.expect<{ device: { id: string }; password: string }>('POST', '/api/devices', {
    model,
    serial: `KONF-${Date.now()}-${serial++}`,
    tenantId: nordby,
    ...extra,
  });
  await admin.expect('PUT', `/api/devices/${registered.device.id}/placement`, { tenantId: nordby, residentId: hub.manifest.residents[residentIndex]!.id });
  return { id: registered.device.id, password: registered.password };
}

function expectNoFail(result: Awaited<ReturnType<typeof conformance>>) {
  const failed = result.lines.filter((line) => line.startsWith('FAIL'));
  expect(failed, result.out + result.err).toEqual([]);
  expect(result.err).toBe('');
  expect(result.code).toBe(0);
  expect(result.lines.at(-1)).toMatch(/^summary: \d+ cases, \d+ passed, 0 failed, \d+ skipped/);
}

describe('pnpm sim conformance against a running hub', { timeout: 60_000 }, () => {
  it('native-json: a throwaway device passes every case a vendor can check, and is retired afterwards', async () => {
    const result = await conformance('--model', 'Konformitet Trygg', '--tenant', nordby, '--check-will');
    expectNoFail(result);
    const [, deviceId] = /registered throwaway device (\S+) \(serial conformance-\d+\)/.exec(result.out) ?? [];
    expect(deviceId).toBeTruthy();
    expect(result.line('registration')).toMatch(/^PASS .*model "Konformitet Trygg", safety-alarm, native-json, active/);
    expect(result.line('connect')).toMatch(/^PASS .*CONNACK; online acknowledged in \d+ ms; contact ok/);
    expect(result.line('heartbeat')).toMatch(/^PASS .*"battery":\d+.*→ {2}last seen moved, battery \d+ %/);
    // Every alert code of the native format, each acknowledged and seen.
    expect(result.lines.filter((line) => /^PASS {2}event /.test(line))).toHaveLength(65);
    expect(result.line('event 4.1')).toMatch(/^PASS .*"code":"4\.1".*→ {2}PUBACK \d+ ms; last seen moved$/);
    expect(result.line('malformed payload')).toMatch(/^PASS .*JSON cut short.*→ {2}PUBACK \d+ ms; connection kept; nothing more/);
    expect(result.line('subscribe commands')).toMatch(/^PASS .*SUBACK QoS 1 for its own; 128 \(refused\) for another's; connection kept/);
    expect(result.line('test command')).toMatch(/^PASS .*received \{"kind":"test"\} on devices\/.*\/commands/);
    expect(result.line("another device's topic")).toMatch(/^PASS .*connection closed by the hub, no PUBACK/);
    expect(result.line('last will')).toMatch(/^SKIP .*has no resident, and the hub supervises only devices placed with one/);
    expect(result.out).toContain('alarms are not checked: a vendor account cannot read them');
    expect(result.out).toContain(`retired throwaway device ${deviceId}`);
    const retired = await vendor.expect<{ status: string }>('GET', `/api/devices/${deviceId}`);
    expect(retired.status).toBe('retired');
  });

  it('lpwan-alarm: with an operator, each event raises the alarm of its VKP code and kind, and the last will "Ingen kontakt"', async () => {
    const device = await placedDevice('Konformitet LPWAN', 1);
    const result = await conformance('--model', 'Konformitet LPWAN', `--device=${device.id}`, `--device-password=${device.password}`, ...withOperator(), '--check-will');
    expectNoFail(result);
    expect(result.out).not.toContain('throwaway');
    expect(result.line('event 4.1 fall')).toMatch(/^PASS .*→ {2}PUBACK \d+ ms; last seen moved; battery \d+ %; alarm 4\.1 Fall \(care, severity 40\)$/);
    expect(result.line('event 3 low-battery')).toMatch(/alarm 3 Trygghetsalarm \(technical, severity 10\)$/);
    expect(result.line('event 3 power-restored')).toMatch(/^PASS .*no alarm, as power-restored raises none$/);
    expect(result.line('malformed payload')).toMatch(/^PASS .*an uplink of 3 bytes.*nothing more: last seen and battery unchanged; no alarm$/);
    expect(result.line('test command')).toMatch(/^PASS .*received 01 83 on devices\/.*the lpwan-alarm test command$/);
    expect(result.line('last will')).toMatch(/^PASS .*contact lost after \d+ ms, outage cause last-will; alarm 3 Trygghetsalarm \(technical, severity 30\)$/);
    expect(result.statuses.filter((status) => status === 'PASS')).toHaveLength(1 + 2 + 7 + 5);
    // Back in contact at the end: the hub ended the outage.
    const after = await vendor.expect<{ contact: string }>('GET', `/api/devices/${device.id}`);
    expect(after.contact).toBe('ok');
  });

  it('dispenser-json: every eventType, with its alarm, a missed dose held for its grace period and ended by the dose taken out; a format without commands skips the test command', async () => {
    const device = await placedDevice('Konformitet Dosett', 2);
    const result = await conformance('--model', 'Konformitet Dosett', `--device=${device.id}`, `--device-password=${device.password}`, ...withOperator());
    expectNoFail(result);
    expect(result.lines.filter((line) => /^PASS {2}event /.test(line))).toHaveLength(11);
    // A missed dose waits for the municipality's grace period (30 min by default); the dose taken out late ends it.
    expect(result.line('event 1.1 DOSE_MISSED')).toMatch(
      /held until \d\d:\d\d:\d\d by the municipality's triage rules, then 1\.1 Ikke utlevert \(care\); a dose taken out \(PUBACK \d+ ms\) ended the hold$/,
    );
    expect(result.line('event 1.3 CONFIRMATION_MISSING')).toMatch(/then 1\.3 Mangler utleveringsbekreftelse \(care\); a dose taken out \(PUBACK \d+ ms\) ended the hold$/);
    expect(result.line('event 1.12 MEDICATION_LOW')).toMatch(/alarm 1\.12 Snart tomt for medisin \(care, severity \d+\)$/);
    const held = (await vendor.expect<{ held: unknown }>('GET', `/api/devices/${device.id}`)).held;
    expect(held, 'a vendor does not see what a resident\'s events are').toBeNull();
    expect(result.line('event 1.10 DOSE_DUE')).toMatch(/no alarm, as information raises none$/);
    expect(result.line('event 1.17 BATTERY_LOW')).toMatch(/alarm 1\.17 Batteri lavt \(technical, severity 10\)$/);
    expect(result.line('test command')).toMatch(/^SKIP .*the dispenser-json format takes no commands \(409/);
    expect(result.line('last will')).toMatch(/^SKIP .*not asked for: add --check-will/);
  });

  it('senml: a throwaway device with an operator raises no alarm, having no resident', async () => {
    const result = await conformance('--model', 'Konformitet Sengesensor', '--tenant', nordby, ...withOperator());
    expectNoFail(result);
    expect(result.out).toContain('the device is placed with no resident, so the hub stores its events and raises no alarm');
    expect(result.line('event 4.2 bed:false')).toMatch(/last seen moved; battery \d+ %; no alarm \(the device has no resident\)$/);
  });

  it('zigbee2mqtt: a door sensor behind its gateway, the gateway holding the connection; a door opening held for the return time, ended by the door closed', async () => {
    const gateway = await placedDevice('Konformitet Gateway', 3);
    const sensor = await placedDevice('Konformitet Dørsensor', 3, { gatewayId: gateway.id, gatewayAddress: 'gang/inngangsdør' });
    await admin.expect('PUT', `/api/tenants/${nordby}/triage-rules`, { doorReturnSeconds: 300 });
    const result = await conformance('--model', 'Konformitet Dørsensor', `--device=${sensor.id}`, `--gateway-password=${gateway.password}`, ...withOperator(), '--check-will').finally(() =>
      admin.expect('PUT', `/api/tenants/${nordby}/triage-rules`, {}),
    );
    expectNoFail(result);
    expect(result.line('registration')).toMatch(/behind gateway .* as "gang\/inngangsdør"/);
    expect(result.line('connect')).toContain(`CONNECT as ${gateway.id}`);
    expect(result.line('event 4.15 contact:false')).toMatch(/held until \d\d:\d\d:\d\d by the municipality's triage rules, then 4\.15 Dør åpnet \(care\) unless what it waits for comes first$/);
    // The door left open by the case before is closed: its opening raises nothing.
    expect(result.line('event 4.16 contact:true')).toMatch(/no alarm, as information raises none; ended the hold of 4\.15 Dør åpnet$/);
    expect(result.line('event 4 battery_low:true')).toMatch(/alarm 4 Digitalt tilsyn \(technical, severity 10\)$/);
    expect(result.line('last will')).toMatch(/^PASS .*alarm 4 Digitalt tilsyn \(technical/);
  });

  it('zigbee2mqtt: a sensor model needs --device and its gateway password', async () => {
    const result = await conformance('--model', 'Konformitet Dørsensor', '--tenant', nordby);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/a zigbee2mqtt sensor: it publishes through its home gateway/);
  });

  it('vkp-fhir: a vendor cloud posts every resource over HTTPS; MQTT cases are skipped', async () => {
    const result = await conformance('--model', 'Konformitet Sky', '--tenant', nordby);
    expectNoFail(result);
    expect(result.line('connect')).toMatch(/^SKIP .*vkp-fhir devices post over HTTPS/);
    expect(result.line('event 1.1 MedicationDispense declined 1.1')).toMatch(/^PASS .*answered in \d+ ms; last seen moved$/);
    expect(result.line('malformed payload')).toMatch(/^PASS .*400 OperationOutcome: .*nothing more/);
  });

  it('FAILs, exit 1, when the device is not of the model it is tested as', async () => {
    const native = await placedDevice('Konformitet Trygg', 4);
    const result = await conformance('--model', 'Konformitet LPWAN', `--device=${native.id}`, `--device-password=${native.password}`, ...withOperator());
    expect(result.code).toBe(1);
    expect(result.line('registration')).toMatch(/^FAIL .*registered as model "Konformitet Trygg" \(native-json\), not "Konformitet LPWAN" \(lpwan-alarm\)/);
    // The hub reads the device's payloads as native JSON: the pendant's uplinks are quarantined.
    expect(result.line('event 4.1 fall')).toMatch(/^FAIL .*PUBACK \d+ ms; last seen did not move.*no alarm, where 4\.1 Fall \(care\) was expected/);
    expect(result.line('test command')).toMatch(/^FAIL .*where lpwan-alarm says 01 83/);
    expect(result.lines.at(-1)).toMatch(/^summary: .*, [1-9]\d* failed, .*FAILED$/);
  });

  it('refuses an unknown model and a half-given operator, and derives the broker from the hub', async () => {
    const unknown = await conformance('--model', 'Finnes Ikke', '--tenant', nordby);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/no device model "Finnes Ikke" at .*; it has: .*"Konformitet LPWAN" \(lpwan-alarm\)/);
    const half = await conformance('--model', 'Konformitet Trygg', '--tenant', nordby, '--operator-user', 'operator');
    expect(half.code).toBe(2);
    expect(half.err).toMatch(/give both --operator-user and --operator-password/);
    const noTenant = await conformance('--model', 'Konformitet Trygg');
    expect(noTenant.code).toBe(2);
    expect(noTenant.err).toMatch(/conformance needs --tenant/);
    expect(brokerUrlFor('https://hub.nordby.kommune.no/')).toBe('mqtt://hub.nordby.kommune.no:1884');
  });

  it('FAILs the connection with a wrong device password, and skips what needs one', async () => {
    const device = await placedDevice('Konformitet LPWAN', 7);
    const result = await conformance('--model', 'Konformitet LPWAN', `--device=${device.id}`, '--device-password=not-the-password');
    expect(result.code).toBe(1);
    expect(result.line('registration')).toMatch(/^PASS /);
    expect(result.line('connect')).toMatch(/^FAIL .*could not connect to mqtt:.*(Bad username or Password|Not authorized)/i);
    expect(result.line('event 4.1 fall')).toMatch(/^SKIP .*not connected$/);
    expect(result.line('test command')).toMatch(/^SKIP .*not connected$/);
  });
});

describe('the fleet against a running hub', { timeout: 60_000 }, () => {
  it('each device in its format, a vkp-fhir cloud posting with the vendor account, raising alarms', async () => {
    const operator = await HubApi.login(hub.url, operatorAccount);
    const pendant = await placedDevice('Konformitet LPWAN', 5);
    const dispenser = await placedDevice('Konformitet Dosett', 5);
    const cloud = await placedDevice('Konformitet Sky', 6);
    const manifest = {
      hubUrl: hub.url,
      mqttUrl: hub.mqttUrl,
      operators: [],
      residents: [
        {
          id: hub.manifest.residents[5]!.id,
          name: hub.manifest.residents[5]!.name,
          devices: [
            { deviceId: pendant.id, password: pendant.password, kind: 'safety-alarm' as const, model: 'Konformitet LPWAN', adapter: 'lpwan-alarm' },
            { deviceId: dispenser.id, password: dispenser.password, kind: 'medicine-dispenser' as const, model: 'Konformitet Dosett', adapter: 'dispenser-json' },
          ],
        },
        {
          id: hub.manifest.residents[6]!.id,
          name: hub.manifest.residents[6]!.name,
          devices: [{ deviceId: cloud.id, password: '', kind: 'medicine-dispenser' as const, model: 'Konformitet Sky', adapter: 'vkp-fhir' }],
        },
      ],
    };
    const lines: string[] = [];
    const fleet = new Fleet(manifest, { ratePerMinute: 1_200, heartbeatSeconds: 1, seed: 3, vendor: vendorAccount, log: (line) => lines.push(line) });
    try {
      expect(await fleet.start()).toEqual({ connected: 3, failed: 0, skipped: 0 });
      const raisedBy = async (deviceId: string) => (await operator.expect<Array<{ device: { id: string }; code: string }>>('GET', '/api/alarms')).filter((alarm) => alarm.device.id === deviceId);
      await expect.poll(async () => (await raisedBy(cloud.id)).length, { timeout: 15_000 }).toBeGreaterThan(0);
      await expect.poll(async () => (await raisedBy(pendant.id)).length, { timeout: 15_000 }).toBeGreaterThan(0);
      await expect.poll(async () => (await raisedBy(dispenser.id)).length, { timeout: 15_000 }).toBeGreaterThan(0);
      for (const alarm of await raisedBy(cloud.id)) expect(['1.1', '1.3', '1.12']).toContain(alarm.code);
      for (const alarm of await raisedBy(pendant.id)) expect(['4.13', '4.14', '4.1']).toContain(alarm.code);
    } finally {
      await fleet.stop();
    }
    expect(fleet.stats.failed, lines.join('\n')).toBe(0);
    // Heartbeats in the pendant's format reached the hub: its battery is known.
    const seen = await vendor.expect<{ battery: number | null; lastSeenAt: string | null }>('GET', `/api/devices/${pendant.id}`);
    expect(seen.battery).not.toBeNull();
  });
});
