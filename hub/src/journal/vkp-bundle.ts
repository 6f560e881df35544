/**
 * Journal entry builder: one closed response-centre alarm → one FHIR R4 transaction Bundle with a
 * VkpDetectedIssue (the alarm), a VkpComposition (its log) and, when a responder visited, a
 * VkpEncounter (the visit), ready for the EPJ outbox.
 *
 * Pure and deterministic: no clock, no randomness, no I/O. The same source gives byte-identical
 * JSON, and every resource is written with a conditional update on its own stable identifier, so
 * a retried delivery updates the entry it created the first time instead of adding a second one.
 *
 * Narrative is plain, neutral Norwegian (residents can read their own records); the wording of
 * causes, measures and log steps comes from the caller (the console catalogue owns it).
 */
import { createHash } from 'node:crypto';
import { isDNumber } from '../residents/national-id.js';
import {
  ALERT_CODES,
  ALERT_CODE_SYSTEM,
  COMPOSITION_CATEGORY_SYSTEM,
  COMPOSITION_EVENT_SYSTEM,
  COMPOSITION_SECTION_SYSTEM,
  LOG_STEPS,
  SEVERITIES,
  isAlertCode,
  type LogStepCode,
} from '@knutepunkt/device-adapters';

// ---------------------------------------------------------------------------------------------
// Minimal FHIR R4 types (only what this builder writes)
// ---------------------------------------------------------------------------------------------

export interface FhirCoding {
  system: string;
  code: string;
  display?: string;
}

export interface FhirCodeableConcept {
  coding?: FhirCoding[];
  text?: string;
}

export interface FhirIdentifier {
  system: string;
  value: string;
}

/** A logical (identifier) or literal (reference) reference. */
export interface FhirReference {
  reference?: string;
  type?: string;
  identifier?: FhirIdentifier;
  display?: string;
}

export interface FhirPeriod {
  start?: string;
  end?: string;
}

export interface FhirNarrative {
  status: 'generated' | 'extensions' | 'additional' | 'empty';
  /** XHTML: `<div xmlns="http://www.w3.org/1999/xhtml">…</div>`. */
  div: string;
}

export interface FhirExtension {
  url: string;
  valueCodeableConcept?: FhirCodeableConcept;
  valueReference?: FhirReference;
  valueString?: string;
  /** A complex extension's parts. */
  extension?: FhirExtension[];
}

export interface FhirMeta {
  profile?: string[];
}

export interface FhirDetectedIssue {
  resourceType: 'DetectedIssue';
  meta: FhirMeta;
  text?: FhirNarrative;
  extension?: FhirExtension[];
  identifier: FhirIdentifier[];
  status: 'registered' | 'preliminary' | 'final' | 'amended' | 'corrected' | 'cancelled' | 'entered-in-error' | 'unknown';
  code: FhirCodeableConcept;
  severity?: 'high' | 'moderate' | 'low';
  patient: FhirReference;
  identifiedDateTime: string;
  author?: FhirReference;
  /** The device that raised the alarm, by its identifier. */
  evidence?: Array<{ detail: FhirReference[] }>;
  detail?: string;
}

export interface FhirCompositionEvent {
  code?: FhirCodeableConcept[];
  period?: FhirPeriod;
  detail?: FhirReference[];
}

export interface FhirCompositionSection {
  title?: string;
  code?: FhirCodeableConcept;
  text?: FhirNarrative;
  entry?: FhirReference[];
}

export interface FhirEncounter {
  resourceType: 'Encounter';
  meta: FhirMeta;
  text?: FhirNarrative;
  extension?: FhirExtension[];
  identifier: FhirIdentifier[];
  status: 'planned' | 'arrived' | 'triaged' | 'in-progress' | 'onleave' | 'finished' | 'cancelled' | 'entered-in-error' | 'unknown';
  class: FhirCoding;
  subject: FhirReference;
  participant: Array<{ type?: FhirCodeableConcept[]; individual?: FhirReference }>;
  period: FhirPeriod;
  reasonCode?: FhirCodeableConcept[];
  serviceProvider?: FhirReference;
}

export interface FhirComposition {
  resourceType: 'Composition';
  meta: FhirMeta;
  text?: FhirNarrative;
  /** 0..1 in R4: a single Identifier, not a list. */
  identifier: FhirIdentifier;
  status: 'preliminary' | 'final' | 'amended' | 'entered-in-error';
  type: FhirCodeableConcept;
  category: FhirCodeableConcept[];
  subject: FhirReference;
  encounter?: FhirReference;
  date: string;
  author: FhirReference[];
  title: string;
  event?: FhirCompositionEvent[];
  section?: FhirCompositionSection[];
}

export interface FhirMedicationDispense {
  resourceType: 'MedicationDispense';
  meta: FhirMeta;
  text?: FhirNarrative;
  extension?: FhirExtension[];
  identifier: FhirIdentifier[];
  status: 'preparation' | 'in-progress' | 'cancelled' | 'on-hold' | 'completed' | 'entered-in-error' | 'stopped' | 'declined' | 'unknown';
  statusReasonCodeableConcept?: FhirCodeableConcept;
  category: FhirCodeableConcept;
  medicationCodeableConcept: FhirCodeableConcept;
  subject: FhirReference;
  performer: Array<{ actor: FhirReference }>;
  whenPrepared?: string;
  whenHandedOver?: string;
}

export interface FhirFlag {
  resourceType: 'Flag';
  meta: FhirMeta;
  text?: FhirNarrative;
  extension: FhirExtension[];
  identifier: FhirIdentifier[];
  status: 'active' | 'inactive' | 'entered-in-error';
  code: FhirCodeableConcept;
  subject: FhirReference;
  period: FhirPeriod;
  author?: FhirReference;
}

export type FhirJournalResource = FhirDetectedIssue | FhirComposition | FhirEncounter | FhirMedicationDispense | FhirFlag;

export interface FhirBundleEntry {
  fullUrl: string;
  resource: FhirJournalResource;
  request: { method: 'PUT'; url: string };
}

export interface FhirBundle {
  resourceType: 'Bundle';
  identifier: FhirIdentifier;
  type: 'transaction';
  timestamp: string;
  entry: FhirBundleEntry[];
}

// ---------------------------------------------------------------------------------------------
// Source
// ---------------------------------------------------------------------------------------------

export interface JournalSource {
  alarm: {
    id: string; // uuid, stable
    code: string; // VKP alert code, e.g. '4.1'
    severity: 0 | 10 | 20 | 30 | 40;
    triageColour: 'R' | 'O' | 'Y' | 'G' | 'B' | 'BL' | 'NR';
    occurredAt: string; // ISO UTC
    raisedAt: string;
    closedAt: string;
    cause: string; // our closing cause code, e.g. 'fall', 'care-need'
    measures: string[]; // our measure codes, e.g. ['responder-visit']
    note: string | null; // closing note
  };
  /** kind: our device kind (e.g. 'fall-detector'); kindName: its plain Norwegian name. */
  device: { id: string; model: string; kind: string; kindName: string };
  log: Array<{ code: number /* VKP composition event code 0,1,3..10 */; at: string; operator: { id: string; name: string } | null; note: string | null }>;
  resident: { id: string; nationalId: string /* 11-digit fødselsnummer or D-nummer */; name: string; birthDate: string };
  tenant: { id: string; name: string; organisationNumber: string /* 9 digits */ };
  /** The responder visit of the alarm's latest call-out, when one reached the resident; otherwise null. */
  visit: { calledOutAt: string; onSiteAt: string; doneAt: string; responder: { id: string; name: string } } | null;
  /** Plain, neutral Norwegian labels for cause and measure codes, supplied by the caller (the console catalogue owns wording). */
  labels: { cause: string; measures: string[]; steps: Record<number, string> };
}

// ---------------------------------------------------------------------------------------------
// Identifier systems and profiles
// ---------------------------------------------------------------------------------------------

/**
 * Namespace of Knutepunkt's journal-entry identifiers. The Bundle carries it with the alarm id;
 * each resource carries `${JOURNAL_IDENTIFIER_SYSTEM}/<ResourceType>` with the alarm id.
 * Never change it once entries have been delivered: conditional updates match on it.
 */
export const JOURNAL_IDENTIFIER_SYSTEM = 'https://knutepunkt.no/fhir/sid/journal-entry';

const IDENTIFIER_BASE = 'https://knutepunkt.no/fhir/sid';
export const DEVICE_IDENTIFIER_SYSTEM = `${IDENTIFIER_BASE}/device`;
const OPERATOR_IDENTIFIER_SYSTEM = `${IDENTIFIER_BASE}/operator`;
/** The system VKP fixes for Encounter and MedicationDispense identifiers: the value is a URI (here urn:uuid). */
export const URI_IDENTIFIER_SYSTEM = 'urn:ietf:rfc:3986';

/** Namespace uuid for the name-based (v5-style) fullUrls. Fixed forever, like the systems above. */
const FULL_URL_NAMESPACE = '4850c32a-ef04-4c01-a002-d3a69581c050';

const FODSELSNUMMER_SYSTEM = 'urn:oid:2.16.578.1.12.4.1.4.1';
const D_NUMMER_SYSTEM = 'urn:oid:2.16.578.1.12.4.1.4.2';
const FHN_SYSTEM = 'urn:oid:2.16.578.1.12.4.1.4.3';
export const ORGANISATION_NUMBER_SYSTEM = 'urn:oid:2.16.578.1.12.4.1.4.101';

const PROFILE_DETECTED_ISSUE = 'http://ehelse.no/fhir/StructureDefinition/vkp-DetectedIssue-v090';
const PROFILE_COMPOSITION = 'http://ehelse.no/fhir/StructureDefinition/vkp-Composition-v090';
const PROFILE_ENCOUNTER = 'http://ehelse.no/fhir/StructureDefinition/vkp-Encounter-v090';
const EXTENSION_ENCOUNTER_DEVICE = 'http://ehelse.no/fhir/StructureDefinition/vkp-encounterDevice-v090';
const ENCOUNTER_MODE_SYSTEM = 'http://ehelse.no/fhir/CodeSystem/vkp-encounter-mode-v090';
const ENCOUNTER_REASON_SYSTEM = 'http://ehelse.no/fhir/CodeSystem/vkp-encounter-reason-v090';
/** Encounter.class: HL7 v3 ActCode HH, home health (VKP's encounter classes name only remote supervision). */
const ENCOUNTER_CLASS_HOME: FhirCoding = { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'HH', display: 'home health' };
/**
 * vkp-encounter-mode-v090 is required for the participant and names only ways of meeting at a
 * distance; 2 "toveis tale" (two-way speech) is the one a face-to-face visit has, and the text says it was in person.
 */
const ENCOUNTER_MODE_VISIT: FhirCodeableConcept = {
  coding: [{ system: ENCOUNTER_MODE_SYSTEM, code: '2', display: 'toveis tale' }],
  text: 'Besøk hjemme hos bruker',
};
/** vkp-encounter-reason-v090 2: a visit because of an event (the alarm), not a planned one. */
const ENCOUNTER_REASON_EVENT: FhirCodeableConcept = { coding: [{ system: ENCOUNTER_REASON_SYSTEM, code: '2', display: 'hendelsesbasert tilsyn' }] };

const LOINC = 'http://loinc.org';
/** Composition.type: LOINC 34109-9 "Note" (the VKP profile leaves type open; FHIR's binding is preferred LOINC). */
const COMPOSITION_TYPE: FhirCodeableConcept = {
  coding: [{ system: LOINC, code: '34109-9', display: 'Note' }],
  text: 'Journalnotat fra responssenter',
};
/** vkp-composition-category-v090 1: Trygghet og mestring. */
const CATEGORY_SAFETY = { code: '1', display: 'Trygghet og mestring' } as const;

/** vkp-composition-section-v090, the sections this builder writes, in the order it writes them. */
const SECTIONS = {
  event: { code: '1.2', display: 'beskrivelse av hendelse', title: 'Beskrivelse av hendelsen' },
  followUp: { code: '1.1', display: 'beskrivelse av oppfølging', title: 'Oppfølging' },
  comment: { code: '1.3', display: 'kommentar', title: 'Kommentar' },
  compiled: { code: '2', display: 'sammenstilt tekst', title: 'Hendelseslogg' },
} as const;

const XHTML_NS = 'http://www.w3.org/1999/xhtml';

const TRIAGE_NORWEGIAN: Record<JournalSource['alarm']['triageColour'], string | null> = {
  R: 'rød',
  O: 'oransje',
  Y: 'gul',
  G: 'grønn',
  B: 'blå',
  BL: 'svart',
  NR: null,
};

// ---------------------------------------------------------------------------------------------
// Builder
// ---------------------------------------------------------------------------------------------

export function buildJournalBundle(source: JournalSource): FhirBundle {
  const input = validated(source);
  const { alarm, alertDisplay } = input;

  const detectedIssueKey = resourceKey('DetectedIssue', alarm.id);
  const compositionKey = resourceKey('Composition', alarm.id);
  const encounterKey = input.visit && uriResourceKey('Encounter', alarm.id);

  const patient = patientReference(input.nationalId, input.residentName);
  const organisation: FhirReference = {
    identifier: { system: ORGANISATION_NUMBER_SYSTEM, value: input.organisationNumber },
    display: input.tenantName,
  };

  const detectedIssue: FhirDetectedIssue = {
    resourceType: 'DetectedIssue',
    meta: { profile: [PROFILE_DETECTED_ISSUE] },
    // The VKP severity-level and deviceReference extensions are declared for Flag and for
    // backbone elements, and the VKP DetectedIssue profile slices neither onto DetectedIssue: the
    // VKP level goes into the narrative beside R4's severity, the device into the evidence.
    text: narrative([
      paragraph(`${alertDisplay}, meldt ${osloWhen(alarm.occurredAt)} fra ${input.deviceModel}.`),
      paragraph(`Alvorlighetsgrad: ${SEVERITIES[alarm.severity]}. Årsak: ${input.causeLabel}.`),
    ]),
    identifier: [detectedIssueKey.identifier],
    status: 'final',
    code: { coding: [{ system: ALERT_CODE_SYSTEM, code: alarm.code, display: alertDisplay }] },
    ...optional('severity', fhirSeverity(alarm.severity)),
    patient: { type: 'Patient', ...patient },
    identifiedDateTime: alarm.occurredAt,
    // R4 types DetectedIssue.author as Practitioner | PractitionerRole | Device, so this logical
    // reference to the organisation deliberately carries no `type`.
    author: organisation,
    evidence: [{ detail: [{ type: 'Device', identifier: { system: DEVICE_IDENTIFIER_SYSTEM, value: input.deviceId }, display: input.deviceModel }] }],
    detail: input.causeLabel,
  };

  const issueEntry: FhirReference = { reference: detectedIssueKey.fullUrl, type: 'DetectedIssue' };
  const title = compositionTitle(alarm.code, alertDisplay);

  const composition: FhirComposition = {
    resourceType: 'Composition',
    meta: { profile: [PROFILE_COMPOSITION] },
    text: narrative([paragraph(`${title}. Avsluttet ${osloWhen(alarm.closedAt)}. Ansvarlig virksomhet: ${input.tenantName}.`)]),
    identifier: compositionKey.identifier,
    status: 'final',
    type: COMPOSITION_TYPE,
    category: [{ coding: [{ system: COMPOSITION_CATEGORY_SYSTEM, ...CATEGORY_SAFETY }] }],
    subject: { type: 'Patient', ...patient },
    ...optional('encounter', encounterKey && { reference: encounterKey.fullUrl, type: 'Encounter' }),
    date: alarm.closedAt,
    author: [{ type: 'Organization', ...organisation }],
    title,
    event: input.log.map((step) => ({
      code: [{ coding: [{ system: COMPOSITION_EVENT_SYSTEM, code: String(step.code), display: LOG_STEPS[step.code].display }] }],
      period: { start: step.at },
      ...optional(
        'detail',
        step.operator && [
          {
            type: 'Practitioner',
            identifier: { system: OPERATOR_IDENTIFIER_SYSTEM, value: step.operator.id },
            ...optional('display', step.operator.name),
          },
        ],
      ),
    })),
    section: sections(input, issueEntry),
  };

  return {
    resourceType: 'Bundle',
    identifier: { system: JOURNAL_IDENTIFIER_SYSTEM, value: alarm.id },
    type: 'transaction',
    timestamp: alarm.closedAt,
    entry: [
      entry(detectedIssueKey, detectedIssue),
      entry(compositionKey, composition),
      ...(encounterKey && input.visit ? [entry(encounterKey, visitEncounter(input, input.visit, encounterKey, patient, organisation))] : []),
    ],
  };
}

/** The responder visit: from the call-out until the responder reported done. */
function visitEncounter(input: ValidSource, visit: ValidVisit, key: ResourceKey, patient: FhirReference, organisation: FhirReference): FhirEncounter {
  return {
    resourceType: 'Encounter',
    meta: { profile: [PROFILE_ENCOUNTER] },
    text: narrative([
      paragraph(`Hjemmetjenesten besøkte bruker etter alarmen «${input.alertDisplay}».`),
      paragraph(`Utrykning bestilt ${osloWhen(visit.calledOutAt)}, på stedet ${osloWhen(visit.onSiteAt)}, ferdig ${osloWhen(visit.doneAt)}.`),
      paragraph(`Besøket ble gjort av ${visit.responder.name}.`),
    ]),
    extension: [
      deviceExtension(EXTENSION_ENCOUNTER_DEVICE, { id: input.deviceId, model: input.deviceModel, kind: input.deviceKind, kindName: input.deviceKindName }),
    ],
    identifier: [key.identifier],
    status: 'finished',
    class: ENCOUNTER_CLASS_HOME,
    subject: { type: 'Patient', ...patient },
    participant: [
      {
        type: [ENCOUNTER_MODE_VISIT],
        individual: { type: 'Practitioner', identifier: { system: OPERATOR_IDENTIFIER_SYSTEM, value: visit.responder.id }, display: visit.responder.name },
      },
    ],
    period: { start: visit.calledOutAt, end: visit.doneAt },
    reasonCode: [ENCOUNTER_REASON_EVENT],
    serviceProvider: { type: 'Organization', ...organisation },
  };
}

/** A VKP device extension (vkp-encounterDevice-v090, VkpMedicationDispenseDevice-v090): the device by our id, model and kind. */
export function deviceExtension(url: string, device: { id: string; model: string; kind: string; kindName: string }): FhirExtension {
  return {
    url,
    extension: [
      { url: 'identifier', valueString: device.id },
      { url: 'displayName', valueString: device.model },
      { url: 'type', valueString: device.kind },
      { url: 'typeName', valueString: device.kindName },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Sections
// ---------------------------------------------------------------------------------------------

function sections(input: ValidSource, issueEntry: FhirReference): FhirCompositionSection[] {
  const { alarm } = input;
  const result: FhirCompositionSection[] = [];

  const eventLines = [
    paragraph(`${input.deviceModel} meldte «${input.alertDisplay}» ${osloWhen(alarm.occurredAt)}.`),
    paragraph(`Responssenteret mottok varselet ${osloWhen(alarm.raisedAt)} og avsluttet det ${osloWhen(alarm.closedAt)}.`),
  ];
  const grading = [
    alarm.severity === 0 ? null : `alvorlighetsgrad ${SEVERITIES[alarm.severity].toLowerCase()}`,
    TRIAGE_NORWEGIAN[alarm.triageColour] === null ? null : `hastegrad ${TRIAGE_NORWEGIAN[alarm.triageColour]}`,
  ].filter((part): part is string => part !== null);
  if (grading.length > 0) eventLines.push(paragraph(`Vurdert med ${grading.join(' og ')}.`));
  result.push(section(SECTIONS.event, eventLines, issueEntry));

  const followUp = [paragraph(`Årsak: ${input.causeLabel}.`)];
  if (input.measureLabels.length === 0) followUp.push(paragraph('Tiltak: ingen registrert.'));
  else followUp.push(paragraph('Tiltak:'), list(input.measureLabels.map(escapeXhtml)));
  result.push(section(SECTIONS.followUp, followUp, issueEntry));

  if (alarm.note !== null) result.push(section(SECTIONS.comment, [paragraph(alarm.note)], issueEntry));

  const compiled =
    input.log.length === 0
      ? [paragraph('Ingen loggførte steg.')]
      : [
          list(
            input.log.map((step) =>
              [osloDateTime(step.at), step.label, step.operator?.name ?? null, step.note]
                .filter((part): part is string => part !== null)
                .map(escapeXhtml)
                .join(' – '),
            ),
          ),
        ];
  result.push(section(SECTIONS.compiled, compiled, issueEntry));

  return result;
}

function section(
  kind: (typeof SECTIONS)[keyof typeof SECTIONS],
  blocks: string[],
  issueEntry: FhirReference,
): FhirCompositionSection {
  return {
    title: kind.title,
    code: { coding: [{ system: COMPOSITION_SECTION_SYSTEM, code: kind.code, display: kind.display }] },
    text: narrative(blocks),
    entry: [issueEntry],
  };
}

function compositionTitle(code: string, alertDisplay: string): string {
  // Alert code 3 is "Trygghetsalarm" itself; "Trygghetsalarm: Trygghetsalarm" would read oddly.
  return code === '3' ? 'Trygghetsalarm' : `Trygghetsalarm: ${alertDisplay}`;
}

function fhirSeverity(severity: JournalSource['alarm']['severity']): FhirDetectedIssue['severity'] {
  switch (severity) {
    case 40:
    case 30:
      return 'high';
    case 20:
      return 'moderate';
    case 10:
      return 'low';
    case 0:
      return undefined; // not reported: leave the element out rather than guess
  }
}

// ---------------------------------------------------------------------------------------------
// Identity: stable identifiers, deterministic fullUrls, conditional updates
// ---------------------------------------------------------------------------------------------

export interface ResourceKey {
  resourceType: FhirJournalResource['resourceType'];
  identifier: FhirIdentifier;
  fullUrl: string;
}

export function resourceKey(resourceType: ResourceKey['resourceType'], alarmId: string): ResourceKey {
  return {
    resourceType,
    identifier: { system: `${JOURNAL_IDENTIFIER_SYSTEM}/${resourceType}`, value: alarmId },
    fullUrl: `urn:uuid:${nameBasedUuid(`${resourceType}/${alarmId}`)}`,
  };
}

/**
 * For the profiles that fix the identifier system to urn:ietf:rfc:3986: the identifier is the
 * name-based urn:uuid, which is also the entry's fullUrl.
 */
export function uriResourceKey(resourceType: ResourceKey['resourceType'], name: string): ResourceKey {
  const fullUrl = `urn:uuid:${nameBasedUuid(`${resourceType}/${name}`)}`;
  return { resourceType, identifier: { system: URI_IDENTIFIER_SYSTEM, value: fullUrl }, fullUrl };
}

/** A transaction entry that writes the resource as a conditional update on its own identifier. */
export function entry(key: ResourceKey, resource: FhirJournalResource): FhirBundleEntry {
  return {
    fullUrl: key.fullUrl,
    resource,
    request: { method: 'PUT', url: `${key.resourceType}?identifier=${key.identifier.system}|${key.identifier.value}` },
  };
}

/** RFC 4122 name-based uuid (version 5: SHA-1 of namespace + name). */
function nameBasedUuid(name: string): string {
  const namespace = Buffer.from(FULL_URL_NAMESPACE.replaceAll('-', ''), 'hex');
  const bytes = createHash('sha1').update(namespace).update(name, 'utf8').digest().subarray(0, 16);
  bytes.writeUInt8((bytes.readUInt8(6) & 0x0f) | 0x50, 6);
  bytes.writeUInt8((bytes.readUInt8(8) & 0x3f) | 0x80, 8);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function patientReference(nationalId: string, name: string): FhirReference {
  return { identifier: { system: nationalIdSystem(nationalId), value: nationalId }, display: name };
}

/** Fødselsnummer starts 0–3; a D-nummer adds 4 to the first digit (4–7); FHN starts 8 or 9. */
export function nationalIdSystem(nationalId: string): string {
  if (isDNumber(nationalId)) return D_NUMMER_SYSTEM;
  return /^[89]/.test(nationalId) ? FHN_SYSTEM : FODSELSNUMMER_SYSTEM;
}

// ---------------------------------------------------------------------------------------------
// Narrative
// ---------------------------------------------------------------------------------------------

export function narrative(blocks: string[]): FhirNarrative {
  return { status: 'generated', div: `<div xmlns="${XHTML_NS}">${blocks.join('')}</div>` };
}

/** A paragraph of plain text; line breaks in the text are kept. */
export function paragraph(text: string): string {
  return `<p>${escapeXhtml(text)}</p>`;
}

/** A list of already escaped items. */
function list(escapedItems: string[]): string {
  return `<ul>${escapedItems.map((item) => `<li>${item}</li>`).join('')}</ul>`;
}

function escapeXhtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;')
    .replaceAll('\n', '<br/>');
}

const OSLO = new Intl.DateTimeFormat('nb-NO', {
  timeZone: 'Europe/Oslo',
  day: '2-digit',
  month: '2-digit',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/** `dd.mm.yyyy HH:MM` in Europe/Oslo (the log list). */
function osloDateTime(iso: string): string {
  const parts = Object.fromEntries(OSLO.formatToParts(new Date(iso)).map((part) => [part.type, part.value]));
  return `${parts.day}.${parts.month}.${parts.year} ${parts.hour}:${parts.minute}`;
}

/** `dd.mm.yyyy kl. HH:MM` in Europe/Oslo (running text). */
export function osloWhen(iso: string): string {
  return osloDateTime(iso).replace(' ', ' kl. ');
}

// ---------------------------------------------------------------------------------------------
// Input validation and normalisation
// ---------------------------------------------------------------------------------------------

interface ValidLogStep {
  code: LogStepCode;
  at: string;
  label: string;
  operator: { id: string; name: string | null } | null;
  note: string | null;
}

interface ValidVisit {
  calledOutAt: string;
  onSiteAt: string;
  doneAt: string;
  responder: { id: string; name: string };
}

interface ValidSource {
  alarm: Omit<JournalSource['alarm'], 'code' | 'note'> & { code: keyof typeof ALERT_CODES; note: string | null };
  alertDisplay: string;
  deviceId: string;
  deviceModel: string;
  deviceKind: string;
  deviceKindName: string;
  nationalId: string;
  residentName: string;
  organisationNumber: string;
  tenantName: string;
  causeLabel: string;
  measureLabels: string[];
  /** In chronological order (stable for equal times). */
  log: ValidLogStep[];
  visit: ValidVisit | null;
}

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function validated(source: JournalSource): ValidSource {
  const { alarm } = source;
  const fail = (what: string): never => {
    throw new Error(`journal entry for alarm ${JSON.stringify(alarm.id)}: ${what}`);
  };

  if (!UUID.test(alarm.id)) fail('alarm id is not a uuid');
  const code = alarm.code;
  if (!isAlertCode(code)) return fail(`unknown VKP alert code ${JSON.stringify(code)}`);
  if (!Object.hasOwn(SEVERITIES, alarm.severity)) fail(`unknown VKP severity ${JSON.stringify(alarm.severity)}`);
  if (!Object.hasOwn(TRIAGE_NORWEGIAN, alarm.triageColour)) fail(`unknown triage colour ${JSON.stringify(alarm.triageColour)}`);

  const instant = (value: string, field: string): string => instantOf(value, field, fail);
  const required = (value: string | null | undefined, field: string): string => plainText(value) ?? fail(`${field} is empty`);

  const nationalId = source.resident.nationalId;
  if (!/^\d{11}$/.test(nationalId)) fail('resident national id is not 11 digits');
  const organisationNumber = source.tenant.organisationNumber;
  if (!/^\d{9}$/.test(organisationNumber)) fail('tenant organisation number is not 9 digits');

  const measureLabels = source.labels.measures.map((label, i) => required(label, `measure label ${i + 1}`));
  if (measureLabels.length !== alarm.measures.length) {
    fail(`${alarm.measures.length} measure codes but ${measureLabels.length} measure labels`);
  }

  const log = source.log
    .map((step, i): ValidLogStep & { time: number } => {
      if (!Object.hasOwn(LOG_STEPS, step.code)) fail(`log step ${i + 1} has unknown VKP composition event code ${step.code}`);
      const stepCode = step.code as LogStepCode;
      const at = instant(step.at, `log step ${i + 1} time`);
      return {
        code: stepCode,
        at,
        time: Date.parse(at),
        label: plainText(source.labels.steps[stepCode]) ?? capitalised(LOG_STEPS[stepCode].display),
        operator: step.operator && { id: required(step.operator.id, `log step ${i + 1} operator id`), name: plainText(step.operator.name) },
        note: plainText(step.note),
      };
    })
    .sort((a, b) => a.time - b.time)
    .map(({ time: _time, ...step }) => step);

  let visit: ValidVisit | null = null;
  if (source.visit) {
    visit = {
      calledOutAt: instant(source.visit.calledOutAt, 'visit calledOutAt'),
      onSiteAt: instant(source.visit.onSiteAt, 'visit onSiteAt'),
      doneAt: instant(source.visit.doneAt, 'visit doneAt'),
      responder: { id: required(source.visit.responder.id, 'visit responder id'), name: required(source.visit.responder.name, 'visit responder name') },
    };
    if (!(visit.calledOutAt <= visit.onSiteAt && visit.onSiteAt <= visit.doneAt)) fail('visit times are not in the order call-out, on site, done');
  }

  return {
    alarm: {
      ...alarm,
      id: alarm.id.toLowerCase(),
      code,
      occurredAt: instant(alarm.occurredAt, 'alarm occurredAt'),
      raisedAt: instant(alarm.raisedAt, 'alarm raisedAt'),
      closedAt: instant(alarm.closedAt, 'alarm closedAt'),
      note: plainText(alarm.note),
    },
    alertDisplay: ALERT_CODES[code].display,
    deviceId: required(source.device.id, 'device id'),
    deviceModel: required(source.device.model, 'device model'),
    deviceKind: required(source.device.kind, 'device kind'),
    deviceKindName: required(source.device.kindName, 'device kind name'),
    nationalId,
    residentName: required(source.resident.name, 'resident name'),
    organisationNumber,
    tenantName: required(source.tenant.name, 'tenant name'),
    causeLabel: required(source.labels.cause, 'cause label'),
    measureLabels,
    log,
    visit,
  };
}

/** An ISO 8601 date-time with a zone, as a UTC instant; fail names the field otherwise. */
export function instantOf(value: string, field: string, fail: (what: string) => never): string {
  // A zone designator is required: without one, Date.parse would read the machine's local time.
  const time = typeof value === 'string' && ISO_DATE_TIME.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(time)) return fail(`${field} is not an ISO 8601 date-time: ${JSON.stringify(value)}`);
  return new Date(time).toISOString();
}

/**
 * Text fit for a FHIR string and an XHTML narrative: line breaks normalised, characters XML does
 * not allow removed, surrounding whitespace trimmed; empty becomes null (FHIR has no empty strings).
 */
export function plainText(value: string | null | undefined): string | null {
  if (typeof value !== 'string') return null;
  const text = value
    .replace(/\r\n?/g, '\n')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\uFFFE\uFFFF]/g, '')
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '')
    .trim();
  return text === '' ? null : text;
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** `{ [key]: value }` when value is present, `{}` otherwise, so absent elements never appear in the JSON. */
export function optional<K extends string, V>(key: K, value: V | null | undefined | false): { [P in K]?: V } {
  return value === null || value === undefined || value === false ? {} : ({ [key]: value } as { [P in K]?: V });
}
