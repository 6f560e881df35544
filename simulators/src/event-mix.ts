import type { AlertCode, DeviceKind, RandomSource } from '@knutepunkt/device-adapters';

export interface FleetEventShare {
  code: AlertCode;
  kind: DeviceKind;
  /** Share of all fleet events, in percent. */
  percent: number;
}

/**
 * What a municipality's fleet sends: about half are ordinary calls for help by button,
 * about 6% are falls (DESIGN.md, "what health personnel say"); door openings and
 * dispenser reminders make up most of the rest.
 */
export const FLEET_EVENT_MIX: readonly FleetEventShare[] = [
  { code: '4.13', kind: 'safety-alarm', percent: 50 },
  { code: '4.14', kind: 'safety-alarm', percent: 14 },
  { code: '4.1', kind: 'safety-alarm', percent: 6 },
  { code: '4.15', kind: 'door-sensor', percent: 12 },
  { code: '1.1', kind: 'medicine-dispenser', percent: 6 },
  { code: '1.3', kind: 'medicine-dispenser', percent: 7 },
  { code: '1.12', kind: 'medicine-dispenser', percent: 5 },
];

/**
 * Picks one share of the mix, weighted, among those the fleet can send: from the device kinds it
 * actually has, or those `available` admits (a fleet without dispensers sends no dispenser
 * events, and the rest keep their proportions).
 */
export function pickFleetEvent(
  random: RandomSource,
  available: ReadonlySet<DeviceKind> | ((share: FleetEventShare) => boolean),
): FleetEventShare | undefined {
  const admits = typeof available === 'function' ? available : (share: FleetEventShare) => available.has(share.kind);
  const candidates = FLEET_EVENT_MIX.filter(admits);
  const total = candidates.reduce((sum, share) => sum + share.percent, 0);
  if (total === 0) return undefined;
  let point = random() * total;
  for (const share of candidates) {
    point -= share.percent;
    if (point < 0) return share;
  }
  return candidates.at(-1);
}

/** Milliseconds to the next event of a Poisson process, which is how independent alarms arrive. */
export function nextEventDelayMs(random: RandomSource, eventsPerMinute: number): number {
  // 1 - random() is in (0, 1], so the logarithm is finite.
  return (-Math.log(1 - random()) / eventsPerMinute) * 60_000;
}

/** Picks one element uniformly. */
export function pickOne<T>(random: RandomSource, items: readonly T[]): T | undefined {
  return items[Math.floor(random() * items.length)];
}
