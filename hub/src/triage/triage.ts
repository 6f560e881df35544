import {
  ALERT_CODES,
  type AlertKind,
  type DeviceEvent,
  type Severity,
  type TechnicalCondition,
  type TriageColour,
  triageColourFor,
} from '@knutepunkt/device-adapters';
import { DEFAULT_TRIAGE_RULES, type TriageRules } from './triage-rules.js';

/** What triage needs to know about the resident. */
export interface TriageResident {
  riskFlags: string[];
}

export interface TriageProposal {
  severity: Severity;
  triageColour: TriageColour;
  kind: AlertKind;
  reason: string;
  /** Information events are stored but raise no alarm. */
  raisesAlarm: boolean;
}

const RISK_FLAG_TEXT: Record<string, string> = {
  'fall-risk': 'brukeren har fallrisiko',
  'lives-alone': 'brukeren bor alene',
};

/** Equipment conditions, worded for the operator, with the severity each proposes. */
const TECHNICAL: Record<TechnicalCondition, { text: string; severity: Severity }> = {
  'no-contact': { text: 'Ingen kontakt med utstyret', severity: 20 },
  'battery-low': { text: 'Lavt batteri', severity: 10 },
  'battery-empty': { text: 'Tomt batteri', severity: 20 },
  'power-loss': { text: 'Mistet strøm', severity: 20 },
  'power-restored': { text: 'Strøm tilbake', severity: 0 },
  test: { text: 'Testalarm', severity: 10 },
};

/**
 * A fault with the equipment is ranked by the fault, not by the resident's risk flags; a
 * safety alarm out of contact is serious, since the resident cannot call for help.
 */
function technicalTriage(event: DeviceEvent): TriageProposal {
  const condition = TECHNICAL[event.technical!];
  const cannotCallForHelp = event.code === '3' && (event.technical === 'no-contact' || event.technical === 'battery-empty');
  const severity: Severity = cannotCallForHelp ? 30 : condition.severity;
  const reasons = [`${condition.text} (${event.code} ${ALERT_CODES[event.code].display})`];
  if (cannotCallForHelp) reasons.push('trygghetsalarmen kan ikke brukes: alvorlig');
  return {
    severity,
    triageColour: triageColourFor(severity),
    kind: 'technical',
    reason: reasons.join('; '),
    // A restored supply ends a fault; it raises nothing of its own.
    raisesAlarm: event.technical !== 'power-restored',
  };
}

const SEVERITY_STEPS: Severity[] = [0, 10, 20, 30, 40];

function raised(severity: Severity): Severity {
  return SEVERITY_STEPS[Math.min(SEVERITY_STEPS.indexOf(severity) + 1, SEVERITY_STEPS.length - 1)]!;
}

/**
 * Proposes a priority for an event. Pure: the operator may override it. The foundation rule:
 * the alert code's default severity, one step higher for a care alert from a resident flagged
 * with fall risk or living alone.
 */
export function triage(event: DeviceEvent, resident: TriageResident, rules: TriageRules = DEFAULT_TRIAGE_RULES): TriageProposal {
  if (event.technical) return technicalTriage(event);
  const entry = ALERT_CODES[event.code];
  let severity: Severity = entry.defaultSeverity;
  // Operators read the reason: Norwegian, like the rest of what they see.
  const reasons = [`${event.code} ${entry.display}: alvorlighetsgrad ${severity} som standard`];
  const flag = rules.raisingRiskFlags.find((riskFlag) => resident.riskFlags.includes(riskFlag));
  if (entry.kind === 'care' && flag && severity < 40) {
    severity = raised(severity);
    reasons.push(`hevet til ${severity}: ${RISK_FLAG_TEXT[flag] ?? `risiko: ${flag}`}`);
  }
  return {
    severity,
    triageColour: triageColourFor(severity),
    kind: entry.kind,
    reason: reasons.join('; '),
    raisesAlarm: entry.kind !== 'information',
  };
}
