import { afterEach, describe, expect, it } from 'vitest';
import { adapterNamed, NativeJsonAdapter } from '@knutepunkt/device-adapters';
import type { DeviceKind } from '@knutepunkt/device-adapters';
import { seededRandom } from '@knutepunkt/device-adapters';
import { FLEET_EVENT_MIX, Fleet, nextEventDelayMs, pickFleetEvent, readFleetManifest } from '../src/index.js';
import { forgetDevices, resident, TopicWatcher, uniqueId, writeManifest } from './fleet-fixture.js';

const ALL_KINDS = new Set<DeviceKind>(['safety-alarm', 'door-sensor', 'medicine-dispenser']);

describe('the fleet event mix', () => {
  it('is about half button presses and about 6% falls', () => {
    const random = seededRandom(42);
    const counts = new Map<string, number>();
    const draws = 20_000;
    for (let i = 0; i < draws; i++) {
      const code = pickFleetEvent(random, ALL_KINDS)!.code;
      counts.set(code, (counts.get(code) ?? 0) + 1);
    }
    expect((counts.get('4.13') ?? 0) / draws).toBeCloseTo(0.5, 1);
    expect(Math.abs((counts.get('4.1') ?? 0) / draws - 0.06)).toBeLessThan(0.01);
    expect([...counts.keys()].sort()).toEqual(FLEET_EVENT_MIX.map((share) => share.code).sort());
  });

  it('repeats exactly with the same seed', () => {
    const sequence = (seed: number) => {
      const random = seededRandom(seed);
      return Array.from({ length: 50 }, () => pickFleetEvent(random, ALL_KINDS)!.code);
    };
    expect(sequence(7)).toEqual(sequence(7));
    expect(sequence(7)).not.toEqual(sequence(8));
  });

  it('only draws events the fleet has devices for', () => {
    const random = seededRandom(1);
    const kinds = new Set<DeviceKind>(['safety-alarm']);
    for (let i = 0; i < 1_000; i++) expect(pickFleetEvent(random, kinds)!.kind).toBe('safety-alarm');
    expect(pickFleetEvent(random, new Set())).toBeUndefined();
  });

  it('spaces events at the asked rate on average', () => {
    const random = seededRandom(3);
    const n = 20_000;
    let total = 0;
    for (let i = 0; i < n; i++) total += nextEventDelayMs(random, 12);
    expect(total / n).toBeGreaterThan(4_800);
    expect(total / n).toBeLessThan(5_200);
  });
});

describe('Fleet against Mosquitto', () => {
  const deviceIds: string[] = [];
  afterEach(() => forgetDevices(deviceIds.splice(0)));

  it('connects every device and sends decodable events from the right kind of device', async () => {
    const run = uniqueId('fleet');
    const kinds: Record<string, DeviceKind> = {
      [`${run}-sa-1`]: 'safety-alarm',
      [`${run}-ds-1`]: 'door-sensor',
      [`${run}-md-1`]: 'medicine-dispenser',
      [`${run}-sa-2`]: 'safety-alarm',
    };
    deviceIds.push(...Object.keys(kinds));
    const path = await writeManifest([
      resident(`${run}-r1`, 'Kari Nordmann', [
        [`${run}-sa-1`, 'safety-alarm'],
        [`${run}-ds-1`, 'door-sensor'],
        [`${run}-md-1`, 'medicine-dispenser'],
      ]),
      resident(`${run}-r2`, 'Ola Nordmann', [[`${run}-sa-2`, 'safety-alarm']]),
    ]);
    const watcher = await TopicWatcher.watch(deviceIds.map((id) => `devices/${id}/#`));
    const lines: string[] = [];
    const fleet = new Fleet(await readFleetManifest(path), { ratePerMinute: 3_000, heartbeatSeconds: 0, seed: 5, log: (line) => lines.push(line) });
    try {
      expect(await fleet.start()).toEqual({ connected: 4, failed: 0, skipped: 0 });
      for (const id of deviceIds) await watcher.next((m) => m.topic === `devices/${id}/status` && m.payload.toString() === 'online');
      await expect.poll(() => fleet.stats.sent, { timeout: 5_000 }).toBeGreaterThanOrEqual(10);
    } finally {
      await fleet.stop();
      await watcher.close();
    }

    const events = watcher.messages.filter((m) => m.topic.endsWith('/events'));
    expect(events.length).toBeGreaterThanOrEqual(10);
    const adapter = new NativeJsonAdapter();
    for (const message of events) {
      const deviceId = message.topic.split('/')[1]!;
      const decoded = adapter.decode(message.payload, { deviceId: deviceId, receivedAt: new Date().toISOString() });
      expect(decoded.ok).toBe(true);
      if (!decoded.ok) continue;
      const share = FLEET_EVENT_MIX.find((candidate) => candidate.code === decoded.events[0]!.code);
      expect(share?.kind).toBe(kinds[deviceId]);
    }
    expect(lines.filter((line) => / (Kari|Ola) Nordmann +\d+(\.\d+)? \S/.test(line)).length).toBeGreaterThanOrEqual(10);
  });

  it("speaks each device's format: a Zigbee sensor through its gateway, leaving out what it cannot reach", async () => {
    const run = uniqueId('fleet-formats');
    const ids = {
      gateway: `${run}-gw`,
      door: `${run}-zd`,
      pendant: `${run}-lp`,
      dispenser: `${run}-md`,
      cloud: `${run}-vf`,
      orphan: `${run}-zd-orphan`,
    };
    deviceIds.push(ids.gateway, ids.door, ids.pendant, ids.dispenser, ids.orphan);
    const path = await writeManifest([
      resident(`${run}-r1`, 'Kari Nordmann', [
        [ids.gateway, 'gateway', { adapter: 'zigbee2mqtt' }],
        [ids.door, 'door-sensor', { adapter: 'zigbee2mqtt', gatewayId: ids.gateway, gatewayAddress: 'gang/inngangsdør' }],
        [ids.pendant, 'safety-alarm', { adapter: 'lpwan-alarm' }],
        [ids.dispenser, 'medicine-dispenser', { adapter: 'dispenser-json' }],
      ]),
      resident(`${run}-r2`, 'Ola Nordmann', [
        [ids.cloud, 'medicine-dispenser', { adapter: 'vkp-fhir' }],
        [ids.orphan, 'door-sensor', { adapter: 'zigbee2mqtt' }],
      ]),
    ]);
    const watcher = await TopicWatcher.watch([...Object.values(ids).map((id) => `devices/${id}/#`), `gateways/${ids.gateway}/#`]);
    const lines: string[] = [];
    const fleet = new Fleet(await readFleetManifest(path), { ratePerMinute: 3_000, heartbeatSeconds: 0, seed: 11, log: (line) => lines.push(line) });
    try {
      expect(await fleet.start()).toEqual({ connected: 4, failed: 0, skipped: 2 });
      const bridge = await watcher.next((m) => m.topic === `gateways/${ids.gateway}/bridge/state`);
      expect(JSON.parse(bridge.payload.toString())).toEqual({ state: 'online' });
      await expect.poll(() => fleet.stats.sent, { timeout: 5_000 }).toBeGreaterThanOrEqual(20);
    } finally {
      await fleet.stop();
      await watcher.close();
    }
    expect(lines.some((line) => line.includes(`${ids.cloud} left out`) && line.includes('vendor'))).toBe(true);
    expect(lines.some((line) => line.includes(`${ids.orphan} left out`) && line.includes('gateway'))).toBe(true);

    const sources = new Map([
      [`gateways/${ids.gateway}/gang/inngangsdør`, { deviceId: ids.door, adapter: 'zigbee2mqtt' }],
      [`devices/${ids.pendant}/events`, { deviceId: ids.pendant, adapter: 'lpwan-alarm' }],
      [`devices/${ids.dispenser}/events`, { deviceId: ids.dispenser, adapter: 'dispenser-json' }],
    ]);
    const codes = new Map<string, Set<string>>();
    for (const message of watcher.messages) {
      const source = sources.get(message.topic);
      if (!source) continue;
      const decoded = adapterNamed(source.adapter)!.decode(message.payload, { deviceId: source.deviceId, receivedAt: new Date().toISOString() });
      expect(decoded.ok, message.topic).toBe(true);
      if (!decoded.ok) continue;
      for (const event of decoded.events) codes.set(source.adapter, (codes.get(source.adapter) ?? new Set()).add(event.code));
    }
    // A door opens after it has been closed: each opening follows a closing.
    expect([...(codes.get('zigbee2mqtt') ?? [])].sort()).toEqual(['4.15', '4.16']);
    expect([...(codes.get('lpwan-alarm') ?? [])].every((code) => ['4.13', '4.14', '4.1'].includes(code))).toBe(true);
    expect([...(codes.get('dispenser-json') ?? [])].every((code) => ['1.1', '1.3', '1.12'].includes(code))).toBe(true);
    expect(codes.get('lpwan-alarm')?.size).toBeGreaterThan(0);
    expect(codes.get('dispenser-json')?.size).toBeGreaterThan(0);
    // Nobody published on the orphan's or the cloud's behalf.
    expect(watcher.messages.some((m) => m.topic.includes(ids.orphan) || m.topic.includes(ids.cloud))).toBe(false);
  });
});
