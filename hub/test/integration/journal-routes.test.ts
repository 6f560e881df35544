/**
 * An inter-municipal response centre: each municipality's entries go to its own EPJ
 * (EPJ_ROUTES_FILE, by organisation number), the rest to the default EPJ, and one EPJ that is
 * down holds back none of another's.
 */
import { startEpjReceiver, type EpjReceiver } from '@knutepunkt/simulators';
import type { FleetDevice } from '@knutepunkt/device-adapters';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlarmView } from '../../src/realtime/contract.js';
import { closedAlarmFrom, eventually, loginAs, startTestHub, type TestHub } from './hub-harness.js';

/** The demo's Sørvik kommune. */
const SORVIK = '999333444';

let test: TestHub;
let sorvikEpj: EpjReceiver;
let dir: string;
const tokens: Record<'nordby' | 'sorvik', string> = { nordby: '', sorvik: '' };
const devices: Record<'nordby' | 'sorvik', FleetDevice[]> = { nordby: [], sorvik: [] };

beforeAll(async () => {
  sorvikEpj = await startEpjReceiver();
  dir = await mkdtemp(path.join(tmpdir(), 'knutepunkt-routes-'));
  const routes = path.join(dir, 'epj-routes.json');
  await writeFile(routes, JSON.stringify({ [SORVIK]: { EPJ_FHIR_URL: sorvikEpj.url } }));
  test = await startTestHub({
    EPJ_ROUTES_FILE: routes,
    EPJ_CIRCUIT_FAILURES: '2',
    // Long enough that Sørvik's EPJ stays left alone for the rest of the test once it opens.
    EPJ_CIRCUIT_COOLDOWN_MS: '600000',
    EPJ_RETRY_BASE_MS: '100',
    EPJ_RETRY_CAP_MS: '400',
    EPJ_MAX_ATTEMPTS: '50',
  });
  tokens.nordby = (await loginAs(test, 'operator')).token;
  tokens.sorvik = (await loginAs(test, 'sorvik')).token;
  const sorvikResidents = new Set(
    ((await test.hub.dataSource.query('SELECT r.id FROM residents r JOIN tenants t ON t.id = r.tenant_id WHERE t.organisation_number = $1', [SORVIK])) as Array<{ id: string }>).map((row) => row.id),
  );
  for (const resident of test.manifest.residents) {
    const native = resident.devices.filter((device) => device.adapter === 'native-json' && device.kind === 'safety-alarm');
    devices[sorvikResidents.has(resident.id) ? 'sorvik' : 'nordby'].push(...native);
  }
  expect(devices.sorvik.length).toBeGreaterThan(0);
});
afterAll(async () => {
  await test?.stop();
  await sorvikEpj?.close();
  await rm(dir, { recursive: true, force: true });
});

function closedAlarm(municipality: 'nordby' | 'sorvik', index: number): Promise<AlarmView> {
  const device = devices[municipality][index % devices[municipality].length]!;
  return closedAlarmFrom(test.hub, tokens[municipality], device, { code: '4.13', cause: 'care-need', measures: ['conversation-only'] });
}

const statusOf = async (alarmId: string) => ((await test.hub.dataSource.query('SELECT status FROM journal_outbox WHERE alarm_id = $1', [alarmId])) as Array<{ status: string }>)[0]?.status;
const holds = (epj: EpjReceiver, alarmId: string) => epj.received().some((resource) => resource.identifier.value.includes(alarmId));

describe('several EPJs behind one hub', () => {
  it("sends each municipality's entries to its own EPJ and no other", async () => {
    const nordby = await closedAlarm('nordby', 0);
    const sorvik = await closedAlarm('sorvik', 0);
    await eventually(async () => (await statusOf(nordby.id)) === 'delivered' && (await statusOf(sorvik.id)) === 'delivered', 10_000, 'both delivered');
    expect([holds(test.epj, nordby.id), holds(sorvikEpj, nordby.id)]).toEqual([true, false]);
    expect([holds(sorvikEpj, sorvik.id), holds(test.epj, sorvik.id)]).toEqual([true, false]);
  });

  it("keeps delivering to one EPJ while another is down, and leaves the one that is down alone", async () => {
    sorvikEpj.setMode({ fail: 503 });
    const waiting = [await closedAlarm('sorvik', 0), await closedAlarm('sorvik', 1)];
    await eventually(() => sorvikEpj.stats().requests >= 2, 10_000, "Sørvik's EPJ failing twice");
    // A retry admitted before the second failure opened the circuit may still be on its way:
    // the circuit counts as open once a whole second passes with no call.
    let callsWhenOpened = -1;
    while (callsWhenOpened !== sorvikEpj.stats().requests) {
      callsWhenOpened = sorvikEpj.stats().requests;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const nordby = await closedAlarm('nordby', 1);
    await eventually(async () => (await statusOf(nordby.id)) === 'delivered', 10_000, "Nordby's entry delivered while Sørvik's EPJ is down");
    for (const alarm of waiting) expect(await statusOf(alarm.id)).toBe('pending');
    // Open for Sørvik's EPJ only: it saw no further calls.
    expect(sorvikEpj.stats().requests - callsWhenOpened).toBe(0);
  });
});
