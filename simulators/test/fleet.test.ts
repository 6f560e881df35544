import { afterEach, describe, expect, it } from 'vitest';
import { NativeJsonAdapter } from '@knutepunkt/device-adapters';
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
      expect(await fleet.start()).toEqual({ connected: 4, failed: 0 });
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
});
