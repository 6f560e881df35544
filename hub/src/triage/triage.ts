import {
  ALERT_CODES,
  type AlertKind,
  type DeviceEvent,
  type Severity,
  type TechnicalCondition,
  type TriageColour,
  triageColourFor,
} from '@knutepunkt/device-adapters';
import { DEFAULT_TRIAGE_RULES, isNight, type TriageRules } from './triage-rules.js';

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
  /** Wait this long before raising: what follows may show there is nothing to do (a door closed again). */
  holdSeconds?: number;
}

/** What triage knows of an event it held back and now releases. */
export interface TriageContext {
  /** The event waited out its hold and what would have cancelled it never came. */
  released?: boolean;
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

/**
 * A door opened is no alarm if it closes again: triage holds it for the municipality's return
 * time. Left open at night by a resident at risk of wandering, it is urgent.
 */
function doorLeftOpen(proposal: TriageProposal, event: DeviceEvent, resident: TriageResident, rules: TriageRules, context: TriageContext): TriageProposal {
  const reasons = [proposal.reason];
  if (context.released) reasons.push(`ikke lukket igjen innen ${holdLength(rules.doorReturnSeconds)}`);
  const wandering = resident.riskFlags.includes('wandering-risk') && isNight(event.occurredAt, rules.nightHours);
  if (wandering) reasons.push('hevet til 40: om natten, og brukeren har vandrerisiko');
  const severity: Severity = wandering ? 40 : proposal.severity;
  const door: TriageProposal = { ...proposal, severity, triageColour: triageColourFor(severity), reason: reasons.join('; ') };
  if (!context.released && rules.doorReturnSeconds > 0) door.holdSeconds = rules.doorReturnSeconds;
  return door;
}

/** What is still missing when a missed dose's grace runs out, worded for the operator. */
const MISSED_DOSE_TEXT: Record<string, string> = {
  '1.1': 'ikke tatt ut',
  '1.3': 'ikke bekreftet',
};

/**
 * A missed dose may still be taken late: triage holds it for the municipality's grace period,
 * and the dose taken out within it ends the hold (see holdEnding).
 */
function missedDose(proposal: TriageProposal, code: string, rules: TriageRules, context: TriageContext): TriageProposal {
  if (context.released) return { ...proposal, reason: `${proposal.reason}; ${MISSED_DOSE_TEXT[code]} innen ${holdLength(rules.missedDoseGraceSeconds)}` };
  return rules.missedDoseGraceSeconds > 0 ? { ...proposal, holdSeconds: rules.missedDoseGraceSeconds } : proposal;
}

/** A hold's length as the operator reads it: whole minutes, else seconds. */
function holdLength(seconds: number): string {
  return seconds % 60 === 0 ? `${seconds / 60} min` : `${seconds} s`;
}

/** Something that may end a hold: an event of the device (the door closed again), or a dose it reports taken out. */
export type HoldEnding = { code: string; occurredAt: string } | { dispensedAt: string };

/**
 * The codes of held events it ends, and the instant as of which: a door closed (4.16) ends an
 * opening (4.15), a dose taken out ends a missed dose (1.1, 1.3). Only what happened by then
 * ends: a dose dispensed before the miss was an earlier dose.
 */
export function holdEnding(ending: HoldEnding): { codes: readonly string[]; at: string } {
  if ('dispensedAt' in ending) return { codes: Object.keys(MISSED_DOSE_TEXT), at: ending.dispensedAt };
  return { codes: ending.code === '4.16' ? ['4.15'] : [], at: ending.occurredAt };
}

/** Whether the ending ends a held event (both times from the same device's clock). */
export function endsHold(held: { code: string; occurredAt: string }, ending: HoldEnding): boolean {
  const { codes, at } = holdEnding(ending);
  return codes.includes(held.code) && Date.parse(held.occurredAt) <= Date.parse(at);
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
export function triage(event: DeviceEvent, resident: TriageResident, rules: TriageRules = DEFAULT_TRIAGE_RULES, context: TriageContext = {}): TriageProposal {
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
  const proposal: TriageProposal = { severity, triageColour: triageColourFor(severity), kind: entry.kind, reason: reasons.join('; '), raisesAlarm: entry.kind !== 'information' };
  if (event.code === '4.15') return doorLeftOpen(proposal, event, resident, rules, context);
  return Object.hasOwn(MISSED_DOSE_TEXT, event.code) ? missedDose(proposal, event.code, rules, context) : proposal;
}
