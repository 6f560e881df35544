/**
 * Journal entries that are not one alarm's: a medicine dispenser's event as a
 * VkpMedicationDispense, and a summarising alert as a VkpFlag. Each comes as a transaction entry
 * (a conditional update on its stable identifier), so a retry updates what the first try wrote.
 *
 * Pure and deterministic like buildJournalBundle; text is plain, neutral Norwegian.
 */
import { ALERT_CODES, ALERT_CODE_SYSTEM, FLAG_CODE_SYSTEM, MEDICATION_DISPENSE_EVENT_SYSTEM, SEVERITIES, SEVERITY_SYSTEM, isAlertCode, type Severity } from '@knutepunkt/device-adapters';
import {
  DEVICE_IDENTIFIER_SYSTEM,
  JOURNAL_IDENTIFIER_SYSTEM,
  ORGANISATION_NUMBER_SYSTEM,
  deviceExtension,
  entry,
  instantOf,
  narrative,
  optional,
  osloWhen,
  paragraph,
  patientReference,
  plainText,
  uriResourceKey,
  type FhirBundle,
  type FhirBundleEntry,
  type FhirFlag,
  type FhirMedicationDispense,
  type FhirReference,
} from './vkp-bundle.js';

const PROFILE_MEDICATION_DISPENSE = 'http://ehelse.no/fhir/StructureDefinition/vkp-MedicationDispense-v090';
const PROFILE_FLAG = 'http://ehelse.no/fhir/StructureDefinition/vkp-Flag-v090';
/** Declared for Flag only (its context): the VKP severity of what the flag sums up. */
const EXTENSION_SEVERITY_LEVEL = 'http://ehelse.no/fhir/StructureDefinition/vkp-severity-level-v090';
const EXTENSION_MEDICATION_DISPENSE_DEVICE = 'http://ehelse.no/fhir/StructureDefinition/VkpMedicationDispenseDevice-v090';

/** vkp-medicationdispense-events-v090 1: the dispenser's ordinary dose (the kind of dispense, taken out or not). */
const DISPENSE_CATEGORY = { system: MEDICATION_DISPENSE_EVENT_SYSTEM, code: '1', display: 'medisin utlevert' } as const;
/** A dispenser knows its dose, not the medicines in it. */
const DISPENSED_MEDICATION = { text: 'Legemidler fra medisindispenser' } as const;
/** vkp-flag-code-v090 0. */
const FLAG_SUMMARY = { system: FLAG_CODE_SYSTEM, code: '0', display: 'Oppsummerende varsel' } as const;

/** Dispenser alert codes (1.x) that mean the dose did not reach the resident. */
const NOT_DISPENSED = new Set(['1.1', '1.2', '1.3', '1.11', '1.13']);

/** Whether an alarm's code says a dose did not reach the resident. */
export function isMissedDose(code: string): boolean {
  return NOT_DISPENSED.has(code);
}

/** The alert codes of a dose that did not reach the resident. */
export function missedDoseCodes(): string[] {
  return [...NOT_DISPENSED];
}

/** A missed dose's alarm as the dispense it documents: keyed by the alarm, so the day's summary writes the same resource. */
export function missedDoseSource(alarm: { id: string; code: string; occurredAt: Date }, device: DispenserEventSource['device']): Omit<DispenserEventSource, 'resident'> {
  return { id: alarm.id, outcome: { kind: 'missed', alertCode: alarm.code }, preparedAt: alarm.occurredAt.toISOString(), handedOverAt: null, device };
}

interface Person {
  nationalId: string; // 11-digit fødselsnummer, D-nummer or FHN
  name: string;
}

interface Organisation {
  name: string;
  organisationNumber: string; // 9 digits
}

export interface DispenserEventSource {
  /** Stable across retries: the hub's id of the dispenser event (or of the alarm it raised). */
  id: string;
  /** 'missed': the dose did not reach the resident, with the dispenser alert code (1.x) saying why. */
  outcome: { kind: 'dispensed' } | { kind: 'missed'; alertCode: string };
  /** When the dispenser offered the dose (ISO 8601 with zone). */
  preparedAt: string;
  /** When the dose was taken out; required for 'dispensed'. */
  handedOverAt: string | null;
  device: { id: string; model: string; kind: string; kindName: string };
  resident: Person;
}

/** A dispenser event as a VkpMedicationDispense transaction entry. */
export function buildMedicationDispense(source: DispenserEventSource): FhirBundleEntry {
  const fail = (what: string): never => {
    throw new Error(`medication dispense ${JSON.stringify(source.id)}: ${what}`);
  };
  const id = plainText(source.id) ?? fail('id is empty');
  const preparedAt = instantOf(source.preparedAt, 'preparedAt', fail);
  const device = {
    id: plainText(source.device.id) ?? fail('device id is empty'),
    model: plainText(source.device.model) ?? fail('device model is empty'),
    kind: plainText(source.device.kind) ?? fail('device kind is empty'),
    kindName: plainText(source.device.kindName) ?? fail('device kind name is empty'),
  };
  const patient = person(source.resident, fail);

  let status: FhirMedicationDispense['status'];
  let handedOverAt: string | null = null;
  let reason: FhirMedicationDispense['statusReasonCodeableConcept'];
  let sentence: string;
  if (source.outcome.kind === 'dispensed') {
    handedOverAt = instantOf(source.handedOverAt ?? '', 'handedOverAt', fail);
    status = 'completed';
    sentence = `Dosen ble tatt ut av medisindispenseren ${osloWhen(handedOverAt)}.`;
  } else {
    const code = source.outcome.alertCode;
    if (!isAlertCode(code) || !NOT_DISPENSED.has(code)) return fail(`alert code ${JSON.stringify(code)} is not a dispenser code for a dose not taken out`);
    const display = ALERT_CODES[code].display;
    status = 'declined';
    reason = { coding: [{ system: ALERT_CODE_SYSTEM, code, display }], text: display };
    sentence = `Dosen ble ikke tatt ut av medisindispenseren (${display.toLowerCase()}).`;
  }

  const key = uriResourceKey('MedicationDispense', id);
  const resource: FhirMedicationDispense = {
    resourceType: 'MedicationDispense',
    meta: { profile: [PROFILE_MEDICATION_DISPENSE] },
    text: narrative([paragraph(`${device.kindName} ${device.model} ga ut dose ${osloWhen(preparedAt)}.`), paragraph(sentence)]),
    extension: [deviceExtension(EXTENSION_MEDICATION_DISPENSE_DEVICE, device)],
    identifier: [key.identifier],
    status,
    ...optional('statusReasonCodeableConcept', reason),
    category: { coding: [DISPENSE_CATEGORY] },
    medicationCodeableConcept: DISPENSED_MEDICATION,
    subject: patient,
    // The profile forbids a literal reference here: the dispenser by identifier.
    performer: [{ actor: { type: 'Device', identifier: { system: DEVICE_IDENTIFIER_SYSTEM, value: device.id }, display: device.model } }],
    whenPrepared: preparedAt,
    ...optional('whenHandedOver', handedOverAt),
  };
  return entry(key, resource);
}

export interface SummaryAlertSource {
  /** Stable across retries, e.g. `<resident id>/dispenser/<date>` for one day's summary. */
  key: string;
  /** The summary itself, in plain Norwegian (shown to the EPJ user as the flag's text). */
  summary: string;
  severity: Severity;
  /** From when the alert holds; until when, once it no longer does (then the flag is inactive). */
  period: { start: string; end: string | null };
  resident: Person;
  tenant: Organisation;
}

/** A summarising alert as a VkpFlag transaction entry. */
export function buildSummaryFlag(source: SummaryAlertSource): FhirBundleEntry {
  const fail = (what: string): never => {
    throw new Error(`summary alert ${JSON.stringify(source.key)}: ${what}`);
  };
  const key = plainText(source.key) ?? fail('key is empty');
  const summary = plainText(source.summary) ?? fail('summary is empty');
  if (!Object.hasOwn(SEVERITIES, source.severity)) fail(`unknown VKP severity ${JSON.stringify(source.severity)}`);
  const start = instantOf(source.period.start, 'period start', fail);
  const end = source.period.end === null ? null : instantOf(source.period.end, 'period end', fail);
  if (end !== null && end < start) fail('period ends before it starts');
  const patient = person(source.resident, fail);

  const identifier = { system: `${JOURNAL_IDENTIFIER_SYSTEM}/Flag`, value: key };
  const resource: FhirFlag = {
    resourceType: 'Flag',
    meta: { profile: [PROFILE_FLAG] },
    text: narrative([paragraph(summary), paragraph(end === null ? `Gjelder fra ${osloWhen(start)}.` : `Gjaldt fra ${osloWhen(start)} til ${osloWhen(end)}.`)]),
    extension: [
      {
        url: EXTENSION_SEVERITY_LEVEL,
        valueCodeableConcept: { coding: [{ system: SEVERITY_SYSTEM, code: String(source.severity), display: SEVERITIES[source.severity] }] },
      },
    ],
    identifier: [identifier],
    status: end === null ? 'active' : 'inactive',
    code: { coding: [FLAG_SUMMARY], text: summary },
    subject: patient,
    period: { start, ...optional('end', end) },
    author: { type: 'Organization', ...organisation(source.tenant, fail) },
  };
  return entry({ resourceType: 'Flag', identifier, fullUrl: uriResourceKey('Flag', key).fullUrl }, resource);
}

function person(resident: Person, fail: (what: string) => never): FhirReference {
  if (!/^\d{11}$/.test(resident.nationalId)) fail('resident national id is not 11 digits');
  return { type: 'Patient', ...patientReference(resident.nationalId, plainText(resident.name) ?? fail('resident name is empty')) };
}

function organisation(tenant: Organisation, fail: (what: string) => never): FhirReference {
  if (!/^\d{9}$/.test(tenant.organisationNumber)) fail('tenant organisation number is not 9 digits');
  return { identifier: { system: ORGANISATION_NUMBER_SYSTEM, value: tenant.organisationNumber }, display: plainText(tenant.name) ?? fail('tenant name is empty') };
}

/** One dose taken out, as an entry of its own (policy each-dose). */
export function buildDoseBundle(dose: Omit<DispenserEventSource, 'outcome'> & { handedOverAt: string }): FhirBundle {
  return {
    resourceType: 'Bundle',
    identifier: { system: JOURNAL_IDENTIFIER_SYSTEM, value: `dose/${dose.id}` },
    type: 'transaction',
    timestamp: dose.handedOverAt,
    entry: [buildMedicationDispense({ ...dose, outcome: { kind: 'dispensed' } })],
  };
}

export interface DispenserDaySource {
  /** The Oslo day, YYYY-MM-DD, and when it began and ended (ISO instants). */
  day: { date: string; start: string; end: string };
  resident: Person & { id: string };
  tenant: Organisation;
  /** Doses taken out that day, and missed doses that raised an alarm (keyed by the alarm, as in its own entry). */
  doses: Array<Omit<DispenserEventSource, 'resident'>>;
}

/**
 * One resident's day at the medicine dispenser as one entry (policy daily-summary): each dose a
 * MedicationDispense, and a Flag summing the day up in a sentence the resident can read.
 */
export function buildDispenserDayBundle(source: DispenserDaySource): FhirBundle {
  const doses = [...source.doses].sort((a, b) => a.preparedAt.localeCompare(b.preparedAt));
  const taken = doses.filter((dose) => dose.outcome.kind === 'dispensed');
  const missed = doses.filter((dose) => dose.outcome.kind === 'missed');
  const clock = (dose: Omit<DispenserEventSource, 'resident'>) => osloWhen(dose.handedOverAt ?? dose.preparedAt).split(' kl. ')[1];
  const counted = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;
  const parts = [
    taken.length > 0 && `${counted(taken.length, 'dose', 'doser')} tatt ut (kl. ${taken.map(clock).join(', ')})`,
    missed.length > 0 && `${counted(missed.length, 'dose', 'doser')} ikke tatt ut (kl. ${missed.map(clock).join(', ')})`,
  ].filter((part): part is string => part !== false);
  if (parts.length === 0) throw new Error(`dispenser day ${source.day.date}: no doses to sum up`);
  const [year, month, day] = source.day.date.split('-');
  const key = `dispenser/${source.resident.id}/${source.day.date}`;
  return {
    resourceType: 'Bundle',
    identifier: { system: JOURNAL_IDENTIFIER_SYSTEM, value: key },
    type: 'transaction',
    timestamp: source.day.end,
    entry: [
      ...doses.map((dose) => buildMedicationDispense({ ...dose, resident: source.resident })),
      buildSummaryFlag({
        key,
        summary: `Medisindispenser ${day}.${month}.${year}: ${parts.join(', ')}.`,
        severity: missed.length > 0 ? 20 : 10,
        period: { start: source.day.start, end: source.day.end },
        resident: source.resident,
        tenant: source.tenant,
      }),
    ],
  };
}
