/**
 * Many devices of one municipality losing power or contact within a short while is more likely
 * one outage (a power cut, a mobile network down) than many residents' separate faults: the
 * operator should see one incident with the devices listed, not fifty rows. Pure: the incidents
 * service gathers the alarms, decides here and stores the decision.
 */
import type { TechnicalCondition } from '@knutepunkt/device-adapters';
import type { TriageRules } from './triage-rules.js';

/** The equipment conditions an outage shows itself by. */
export const OUTAGE_CONDITIONS = ['power-loss', 'no-contact'] as const satisfies readonly TechnicalCondition[];

/** An open power-loss or no-contact alarm that belongs to no incident yet. */
export interface OutageAlarm {
  alarmId: string;
  deviceId: string;
  raisedAt: Date;
}

export type OutageRules = Pick<TriageRules, 'outageDeviceCount' | 'outageWindowSeconds'>;

export type OutageDecision =
  | { action: 'none' }
  /** Open an incident for the municipality with these alarms. */
  | { action: 'open'; alarmIds: string[] }
  /** Add these alarms to the incident already open. */
  | { action: 'join'; incidentId: string; alarmIds: string[] };

/** Alarms raised before this instant are too old to be part of the same outage. */
export function outageWindowStart(now: Date, rules: OutageRules): Date {
  return new Date(now.getTime() - rules.outageWindowSeconds * 1000);
}

/**
 * Decides, for one municipality, whether its unattached outage alarms become (or join) an
 * incident. Only alarms raised within the window count. With an incident already open they
 * join it; otherwise they open one once they come from at least `outageDeviceCount` distinct
 * devices (one device both losing power and going silent is still one device).
 */
export function decideOutage(unattached: readonly OutageAlarm[], openIncidentId: string | null, rules: OutageRules, now: Date): OutageDecision {
  if (rules.outageDeviceCount === 0) return { action: 'none' };
  const since = outageWindowStart(now, rules).getTime();
  const recent = unattached.filter((alarm) => alarm.raisedAt.getTime() >= since);
  if (recent.length === 0) return { action: 'none' };
  const alarmIds = recent.map((alarm) => alarm.alarmId);
  if (openIncidentId !== null) return { action: 'join', incidentId: openIncidentId, alarmIds };
  const devices = new Set(recent.map((alarm) => alarm.deviceId)).size;
  return devices >= rules.outageDeviceCount ? { action: 'open', alarmIds } : { action: 'none' };
}
