import type { DeviceOutageView, DeviceView } from '@knutepunkt/hub/contract';
import { isMessageKey, translate, type Messages } from './i18n/index';
import { formatMoment } from './oslo-time';

/** At or below this charge a device counts as low on battery; the hub ranks it by the same mark. */
export const LOW_BATTERY_PERCENT = 15;

/** What a manager (an admin, a vendor's account) may do to one device from its detail. */
export type DeviceAction = 'suspend' | 'resume' | 'retire' | 'rotate' | 'test';

export type BatteryLevel = 'unknown' | 'low' | 'ok';

export function batteryLevel(battery: number | null | undefined): BatteryLevel {
  if (battery === null || battery === undefined || !Number.isFinite(battery)) return 'unknown';
  return battery <= LOW_BATTERY_PERCENT ? 'low' : 'ok';
}

/**
 * Why a device stands where it does in the hub's list, most urgent first. The console keeps the
 * hub's order and uses this only to mark each row; it follows the hub's ranking rule so the marks
 * and the order agree.
 */
export type DeviceUrgency = 'no-contact' | 'low-battery' | 'never-heard' | 'suspended' | 'retired' | 'ok';

export function deviceUrgency(device: Pick<DeviceView, 'contact' | 'battery' | 'status'>): DeviceUrgency {
  if (device.contact === 'lost') return 'no-contact';
  if (batteryLevel(device.battery) === 'low') return 'low-battery';
  if (device.contact === 'unknown') return 'never-heard';
  if (device.status === 'suspended') return 'suspended';
  if (device.status === 'retired') return 'retired';
  return 'ok';
}

/** The contact state in words: "Ingen kontakt siden 14:05", "Aldri hørt fra", "Kontakt". */
export function describeContact(
  device: Pick<DeviceView, 'contact' | 'outageSince'>,
  now: number,
  messages: Messages,
  intlLocale: string,
): string {
  if (device.contact === 'lost' && device.outageSince) {
    return translate(messages, 'device.lostSince', { time: formatMoment(device.outageSince, now, intlLocale) });
  }
  return translate(messages, `deviceContact.${device.contact}`);
}

/** A device kind's name; a kind this console does not know yet is shown as the hub sent it. */
export function describeKind(kind: string, messages: Messages): string {
  const key = `deviceKind.${kind}`;
  return isMessageKey(key) ? translate(messages, key) : kind;
}

export type DurationUnit = 'day' | 'hour' | 'minute' | 'second';

const UNIT_SECONDS: ReadonlyArray<readonly [DurationUnit, number]> = [
  ['day', 86_400],
  ['hour', 3_600],
  ['minute', 60],
  ['second', 1],
];

/**
 * A span in its two largest whole units ("3 t 5 min", "2 d 4 t", "45 s"): enough to judge an
 * outage by, without counting seconds of a day-long one.
 */
export function durationParts(ms: number): Array<{ unit: DurationUnit; count: number }> {
  let rest = Number.isFinite(ms) ? Math.max(0, Math.floor(ms / 1000)) : 0;
  const parts: Array<{ unit: DurationUnit; count: number }> = [];
  for (const [unit, seconds] of UNIT_SECONDS) {
    const count = Math.floor(rest / seconds);
    rest -= count * seconds;
    if (parts.length > 0) {
      if (count > 0) parts.push({ unit, count });
      break;
    }
    if (count > 0) parts.push({ unit, count });
  }
  return parts.length > 0 ? parts : [{ unit: 'second', count: 0 }];
}

export function describeDuration(ms: number, messages: Messages): string {
  return durationParts(ms)
    .map(({ unit, count }) => translate(messages, `duration.${unit}`, { count }))
    .join(' ');
}

/** How long an outage lasted, or has lasted so far while it goes on. */
export function outageDurationMs(outage: Pick<DeviceOutageView, 'startedAt' | 'endedAt'>, now: number): number {
  const start = Date.parse(outage.startedAt);
  const end = outage.endedAt ? Date.parse(outage.endedAt) : now;
  const span = end - start;
  return Number.isFinite(span) && span > 0 ? span : 0;
}

/** "1 min × 3": the heartbeat interval, and how many may be missed before "Ingen kontakt". */
export function describeHeartbeat(device: Pick<DeviceView, 'heartbeatSeconds' | 'missedHeartbeats'>, messages: Messages): string {
  return translate(messages, 'device.heartbeatPolicy', {
    interval: describeDuration(device.heartbeatSeconds * 1000, messages),
    missed: device.missedHeartbeats,
  });
}

/** How many devices need attention, for the list's header. */
export function fleetSummary(devices: ReadonlyArray<Pick<DeviceView, 'contact' | 'battery' | 'status'>>): {
  total: number;
  lost: number;
  lowBattery: number;
  neverHeard: number;
} {
  let lost = 0;
  let lowBattery = 0;
  let neverHeard = 0;
  for (const device of devices) {
    if (device.contact === 'lost') lost += 1;
    else if (device.contact === 'unknown') neverHeard += 1;
    if (batteryLevel(device.battery) === 'low') lowBattery += 1;
  }
  return { total: devices.length, lost, lowBattery, neverHeard };
}
