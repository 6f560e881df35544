/**
 * A municipality's triage rules: what differs between municipalities, changed without code.
 * Stored per tenant as JSON, validated here; anything left out takes the shipped default.
 */
export interface TriageRules {
  /** Presses from one resident within this many minutes join the alarm already open. */
  repeatWindowMinutes: number;
  /** Risk flags that raise a care alarm one severity step. */
  raisingRiskFlags: string[];
}

export const DEFAULT_TRIAGE_RULES: TriageRules = {
  repeatWindowMinutes: 10,
  raisingRiskFlags: ['fall-risk', 'lives-alone'],
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
  return rules;
}

/** Alert codes that are the same call for help, whichever button or cord the resident used. */
const CALL_FOR_HELP = new Set(['3', '4.13', '4.14', '7']);

/** What repeats have in common: any call for help is one family; every other code its own. */
export function repeatFamily(code: string): string {
  return CALL_FOR_HELP.has(code) ? 'call-for-help' : code;
}
