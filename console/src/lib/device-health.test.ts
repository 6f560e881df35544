import type { DeviceView } from '@knutepunkt/hub/contract';
import { describe, expect, it } from 'vitest';
import {
  batteryLevel,
  describeContact,
  describeDuration,
  describeHeartbeat,
  describeKind,
  deviceUrgency,
  durationParts,
  fleetSummary,
  LOW_BATTERY_PERCENT,
  outageDurationMs,
} from './device-health';
import { en } from './i18n/en';
import { nb } from './i18n/nb';

const device = (overrides: Partial<DeviceView> = {}): DeviceView => ({
  id: 'nordby-01-1',
  kind: 'safety-alarm',
  model: 'Trygg 300',
  adapter: 'native-json',
  serial: 'NORDBY-01-1',
  status: 'active',
  contact: 'ok',
  tenantId: 't1',
  resident: null,
  gatewayId: null,
  gatewayAddress: null,
  lastSeenAt: '2025-01-10T11:00:00Z',
  battery: 80,
  heartbeatSeconds: 900,
  missedHeartbeats: 3,
  outageSince: null,
  training: false,
  ...overrides,
});

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe('battery', () => {
  it('marks 15 % and below as low, and says nothing it does not know', () => {
    expect(LOW_BATTERY_PERCENT).toBe(15);
    expect(batteryLevel(15)).toBe('low');
    expect(batteryLevel(0)).toBe('low');
    expect(batteryLevel(16)).toBe('ok');
    expect(batteryLevel(100)).toBe('ok');
    expect(batteryLevel(null)).toBe('unknown');
    expect(batteryLevel(undefined)).toBe('unknown');
    expect(batteryLevel(Number.NaN)).toBe('unknown');
  });
});

describe('urgency', () => {
  it("names the hub's ranking: no contact, low battery, never heard from, suspended", () => {
    expect(deviceUrgency(device({ contact: 'lost', battery: 5 }))).toBe('no-contact');
    expect(deviceUrgency(device({ battery: 12 }))).toBe('low-battery');
    expect(deviceUrgency(device({ contact: 'unknown', battery: null }))).toBe('never-heard');
    expect(deviceUrgency(device({ status: 'suspended' }))).toBe('suspended');
    expect(deviceUrgency(device({ status: 'retired' }))).toBe('retired');
    expect(deviceUrgency(device())).toBe('ok');
  });

  it('counts what needs attention', () => {
    const devices = [device({ contact: 'lost' }), device({ contact: 'lost', battery: 3 }), device({ battery: 15 }), device({ contact: 'unknown', battery: null }), device()];
    expect(fleetSummary(devices)).toEqual({ total: 5, lost: 2, lowBattery: 2, neverHeard: 1 });
    expect(fleetSummary([])).toEqual({ total: 0, lost: 0, lowBattery: 0, neverHeard: 0 });
  });
});

describe('contact in words', () => {
  const now = Date.parse('2025-01-10T12:00:00Z');

  it('says since when a lost device has been silent, on the Oslo clock', () => {
    const lost = device({ contact: 'lost', outageSince: '2025-01-10T10:05:00Z' });
    expect(describeContact(lost, now, nb, 'nb-NO')).toBe('Ingen kontakt siden 11:05');
    expect(describeContact(lost, now, en, 'en-GB')).toBe('No contact since 11:05');
  });

  it('adds the date when the outage began on an earlier day in Oslo', () => {
    // 23:30 UTC on 8 January is already the 9th in Oslo.
    const lost = device({ contact: 'lost', outageSince: '2025-01-08T23:30:00Z' });
    expect(describeContact(lost, now, nb, 'nb-NO')).toBe('Ingen kontakt siden 09.01.2025, 00:30');
  });

  it('names the other states', () => {
    expect(describeContact(device({ contact: 'lost' }), now, nb, 'nb-NO')).toBe('Ingen kontakt');
    expect(describeContact(device({ contact: 'unknown' }), now, nb, 'nb-NO')).toBe('Aldri hørt fra');
    expect(describeContact(device(), now, nb, 'nb-NO')).toBe('Kontakt');
  });

  it('names kinds, and shows one it does not know as sent', () => {
    expect(describeKind('medicine-dispenser', nb)).toBe('Medisindispenser');
    expect(describeKind('door-sensor', en)).toBe('Door sensor');
    expect(describeKind('teleporter', nb)).toBe('teleporter');
  });
});

describe('durations', () => {
  it('uses the two largest whole units', () => {
    expect(durationParts(0)).toEqual([{ unit: 'second', count: 0 }]);
    expect(durationParts(45_000)).toEqual([{ unit: 'second', count: 45 }]);
    expect(durationParts(12 * MINUTE + 30_000)).toEqual([
      { unit: 'minute', count: 12 },
      { unit: 'second', count: 30 },
    ]);
    expect(durationParts(3 * HOUR + 5 * MINUTE + 10_000)).toEqual([
      { unit: 'hour', count: 3 },
      { unit: 'minute', count: 5 },
    ]);
    // A day and five minutes is "1 d": the minutes are not the next unit down.
    expect(durationParts(24 * HOUR + 5 * MINUTE)).toEqual([{ unit: 'day', count: 1 }]);
    expect(durationParts(-5)).toEqual([{ unit: 'second', count: 0 }]);
  });

  it('words them in each language', () => {
    expect(describeDuration(3 * HOUR + 5 * MINUTE, nb)).toBe('3 t 5 min');
    expect(describeDuration(3 * HOUR + 5 * MINUTE, en)).toBe('3 h 5 min');
    expect(describeDuration(50 * HOUR, nb)).toBe('2 d 2 t');
  });

  it('measures an outage to its end, or to now while it goes on', () => {
    const now = Date.parse('2025-01-10T12:00:00Z');
    expect(outageDurationMs({ startedAt: '2025-01-10T10:00:00Z', endedAt: '2025-01-10T10:20:00Z' }, now)).toBe(20 * MINUTE);
    expect(outageDurationMs({ startedAt: '2025-01-10T11:00:00Z', endedAt: null }, now)).toBe(HOUR);
    // A browser clock behind the hub's shows no negative time.
    expect(outageDurationMs({ startedAt: '2025-01-10T12:01:00Z', endedAt: null }, now)).toBe(0);
    expect(outageDurationMs({ startedAt: 'garbage', endedAt: null }, now)).toBe(0);
  });

  it('states the heartbeat policy', () => {
    expect(describeHeartbeat({ heartbeatSeconds: 900, missedHeartbeats: 3 }, nb)).toBe('15 min × 3');
    expect(describeHeartbeat({ heartbeatSeconds: 90, missedHeartbeats: 1 }, en)).toBe('1 min 30 s × 1');
  });
});
