/**
 * A municipality's triage rules: what differs between municipalities, changed without code.
 * Stored per tenant as JSON, validated here; anything left out takes the shipped default.
 */
export interface TriageRules {
  /** Presses from one resident within this many minutes join the alarm already open. */
  repeatWindowMinutes: number;
  /** Risk flags that raise a care alarm one severity step. */
  raisingRiskFlags: string[];
  /**
   * A door opened and not closed again within this many seconds raises an alarm, one closed
   * again raises none. 0 (the shipped default, until every municipality's door sensors report
   * closing) raises at once.
   */
  doorReturnSeconds: number;
  /**
   * A missed dose (1.1 not dispensed, 1.3 no dispensing confirmation) raises an alarm only if
   * the dose is not taken out within this many seconds; one taken late raises none. 0 raises at once.
   */
  missedDoseGraceSeconds: number;
  /** Night in Europe/Oslo, hours from–to (22–7 wraps past midnight): a door left open then, by a resident at risk of wandering, is urgent. */
  nightHours: { from: number; to: number };
  /**
   * A possible power or network outage: when this many distinct devices of the municipality have
   * open "power lost" or "no contact" alarms raised within outageWindowSeconds, they become one
   * incident, and further ones join it while it is open. 0 never groups them.
   */
  outageDeviceCount: number;
  /** Set it near the devices' heartbeat interval: silent devices are noticed that far apart. */
  outageWindowSeconds: number;
}

export const DEFAULT_TRIAGE_RULES: TriageRules = {
  repeatWindowMinutes: 10,
  raisingRiskFlags: ['fall-risk', 'lives-alone'],
  doorReturnSeconds: 0,
  missedDoseGraceSeconds: 1800,
  nightHours: { from: 22, to: 7 },
  outageDeviceCount: 5,
  outageWindowSeconds: 60,
};

export class InvalidTriageRules extends Error {}

/** Reads stored or submitted rules; throws InvalidTriageRules naming the field at fault. */
export function readTriageRules(raw: unknown): TriageRules {
  if (raw === null || raw === undefined) return { ...DEFAULT_TRIAGE_RULES };
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new InvalidTriageRules('rules must be a JSON object');
  const fields = raw as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((key) => !(key in DEFAULT_TRIAGE_RULES));
  if (unknown.length > 0) throw new InvalidTriageRules(`${unknown.join(', ')}: not a triage rule (known: ${Object.keys(DEFAULT_TRIAGE_RULES).join(', ')})`);
  const rules = { ...DEFAULT_TRIAGE_RULES, ...fields } as TriageRules;
  if (!Number.isInteger(rules.repeatWindowMinutes) || rules.repeatWindowMinutes < 0 || rules.repeatWindowMinutes > 240) {
    throw new InvalidTriageRules('repeatWindowMinutes: a whole number of minutes from 0 (never join) to 240');
  }
  if (!Array.isArray(rules.raisingRiskFlags) || rules.raisingRiskFlags.some((flag) => typeof flag !== 'string' || !/^[a-z][a-z-]{1,40}$/.test(flag))) {
    throw new InvalidTriageRules('raisingRiskFlags: a list of risk flags such as "fall-risk"');
  }
  if (!Number.isInteger(rules.doorReturnSeconds) || rules.doorReturnSeconds < 0 || rules.doorReturnSeconds > 14_400) {
    throw new InvalidTriageRules('doorReturnSeconds: a whole number of seconds from 0 (raise at once) to 14400');
  }
  if (!Number.isInteger(rules.missedDoseGraceSeconds) || rules.missedDoseGraceSeconds < 0 || rules.missedDoseGraceSeconds > 14_400) {
    throw new InvalidTriageRules('missedDoseGraceSeconds: a whole number of seconds from 0 (raise at once) to 14400');
  }
  const night = rules.nightHours as { from?: unknown; to?: unknown } | null;
  const hour = (value: unknown) => Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 23;
  if (typeof night !== 'object' || night === null || !hour(night.from) || !hour(night.to)) {
    throw new InvalidTriageRules('nightHours: {"from": 0–23, "to": 0–23}, hours in Europe/Oslo');
  }
  const count = rules.outageDeviceCount;
  if (!Number.isInteger(count) || count < 0 || count === 1 || count > 10_000) {
    throw new InvalidTriageRules('outageDeviceCount: a whole number of devices from 2 to 10000, or 0 (never group outages)');
  }
  if (!Number.isInteger(rules.outageWindowSeconds) || rules.outageWindowSeconds < 10 || rules.outageWindowSeconds > 3600) {
    throw new InvalidTriageRules('outageWindowSeconds: a whole number of seconds from 10 to 3600');
  }
  return rules;
}

/** Whether the instant falls in the municipality's night, in Europe/Oslo. */
export function isNight(iso: string, night: TriageRules['nightHours']): boolean {
  const hour = Number(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Oslo', hour: '2-digit', hourCycle: 'h23' }).format(new Date(iso)));
  return night.from <= night.to ? hour >= night.from && hour < night.to : hour >= night.from || hour < night.to;
}

/** Alert codes that are the same call for help, whichever button or cord the resident used. */
const CALL_FOR_HELP = new Set(['3', '4.13', '4.14', '7']);

/** What repeats have in common: any call for help is one family; every other code its own. */
export function repeatFamily(code: string): string {
  return CALL_FOR_HELP.has(code) ? 'call-for-help' : code;
}
