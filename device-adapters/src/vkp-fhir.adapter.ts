import { excerpt, rejected } from './decode-result.js';
import { MAX_EVENT_ID_LENGTH, type DecodeContext, type DecodeResult, type DeviceAdapter, type DeviceEvent } from './device-event.js';
import { utcInstant } from './instant.js';
import { isJsonObject, readJsonPayload } from './json-payload.js';
import { ALERT_CODE_SYSTEM, TECHNICAL_CONDITION_OF_CODE, isAlertCode, type AlertCode } from './vkp-codes.js';

export const FLAG_CODE_SYSTEM = 'http://ehelse.no/fhir/CodeSystem/vkp-flag-code-v090';
export const MEDICATION_DISPENSE_EVENT_SYSTEM = 'http://ehelse.no/fhir/CodeSystem/vkp-medicationdispense-events-v090';

/**
 * vkp-flag-code-v090 is the older numbering of the same alerts: its 4.x are the alert codes
 * 4.1–4.23, its 0, 1.x and 2.x are home follow-up (5.x), and its 4 "pasientvarsling" is the
 * digital supervision group 4. Displays agree code for code (cross-checked in the tests).
 */
export const ALERT_CODE_OF_FLAG_CODE: Readonly<Record<string, AlertCode>> = {
  '0': '5.1',
  '1': '5.2',
  '1.1': '5.2.1',
  '1.2': '5.2.2',
  '1.3': '5.2.3',
  '2': '5.3',
  '2.1': '5.3.1',
  '2.2': '5.3.2',
  '4': '4',
  ...Object.fromEntries(Array.from({ length: 23 }, (_, index) => [`4.${index + 1}`, `4.${index + 1}` as AlertCode])),
};

/** Dispenses whose medicine did not reach the resident. */
const NOT_DISPENSED = new Set(['cancelled', 'on-hold', 'stopped', 'declined']);
const MAX_TEXT_LENGTH = 2000;

/**
 * One VKP-profiled FHIR R4 resource (JSON) as a vendor's cloud posts it (VKP interface I1).
 *
 * Flag (vkp-Flag-v090)
 *   code: a coding from vkp-alert-code-v090 (that code) or vkp-flag-code-v090 (its alert code,
 *   ALERT_CODE_OF_FLAG_CODE); occurredAt: period.start (the profile requires it); text: code.text.
 *   status active → one event; inactive (the flag was closed) → no event.
 * MedicationDispense (vkp-MedicationDispense-v090)
 *   | status                                  | code                                        |
 *   |-----------------------------------------|---------------------------------------------|
 *   | completed                               | no event: the medicine was dispensed;        |
 *   |                                         | report.dispensedAt (not for category 3 only) |
 *   | preparation                             | no event: nothing has happened yet           |
 *   | in-progress                             | 1.10 Medisin venter (information)            |
 *   | declined, stopped, cancelled, on-hold   | 1.1 Ikke utlevert, or the 1.x alert code in  |
 *   |                                         | statusReasonCodeableConcept (e.g. 1.2)       |
 *   category codes, when sent, must be vkp-medicationdispense-events-v090 codes; they say how the
 *   medicine was dispensed and do not change the alert. occurredAt (and a completed dispense's
 *   dispensedAt): whenHandedOver, else whenPrepared, else receivedAt; text:
 *   statusReasonCodeableConcept.text. A completed dispense ends a missed dose the hub holds for
 *   its grace period (the dose taken out late), unless its only category is 3, a message to the
 *   resident read, which dispenses nothing.
 * DetectedIssue (vkp-DetectedIssue-v090)
 *   code: a coding from vkp-alert-code-v090 (required by the profile); occurredAt:
 *   identifiedDateTime or identifiedPeriod.start, else receivedAt; text: detail. The severity
 *   extension is the sender's proposal; triage sets the hub's own, so it is not read.
 *
 * Codes 1.17–1.20 carry their technical condition (TECHNICAL_CONDITION_OF_CODE).
 * Event id: the first identifier as `system|value` (or value alone without a system), else
 * `${resourceType}/${id}`. entered-in-error (and a cancelled DetectedIssue) would withdraw an
 * earlier event, which the hub does not do from a device message: wrong-type, quarantined.
 * Subjects and patients are not read: the resident is the registered device's.
 */
export class VkpFhirAdapter implements DeviceAdapter {
  readonly name = 'vkp-fhir';
  readonly contentType = 'application/fhir+json';

  decode(raw: Uint8Array, context: DecodeContext): DecodeResult {
    if (raw[0] === LESS_THAN) return rejected('malformed', 'payload looks like FHIR XML; vkp-fhir reads FHIR JSON (application/fhir+json)');
    const parsed = readJsonPayload(raw);
    if (!parsed.ok) return parsed.result;
    const resource = parsed.value;
    if (!isJsonObject(resource)) return rejected('wrong-type', `payload must be one FHIR resource (a JSON object), got ${excerpt(resource)}`);
    try {
      switch (resource.resourceType) {
        case 'Flag':
          return flag(resource, context);
        case 'MedicationDispense':
          return medicationDispense(resource, context);
        case 'DetectedIssue':
          return detectedIssue(resource, context);
        default:
          return rejected('wrong-type', `resourceType ${excerpt(resource.resourceType)} is not Flag, MedicationDispense or DetectedIssue`);
      }
    } catch (error) {
      if (error instanceof ElementError) return rejected(error.reason, error.message);
      throw error;
    }
  }
}

const LESS_THAN = 0x3c;

class ElementError extends Error {
  constructor(
    readonly reason: 'wrong-type' | 'unknown-code',
    message: string,
  ) {
    super(message);
  }
}

type Resource = Record<string, unknown>;

function flag(resource: Resource, { deviceId }: DecodeContext): DecodeResult {
  const status = resource.status;
  if (status === 'inactive') return { ok: true, events: [] };
  if (status !== 'active') throw new ElementError('wrong-type', `Flag.status ${excerpt(status)} must be "active" or "inactive"`);
  const code = requiredCodeOf(resource.code, 'Flag.code', [ALERT_CODE_SYSTEM, FLAG_CODE_SYSTEM]);
  const period = optionalObject(resource.period, 'Flag.period');
  const occurredAt = utcInstant(period?.start);
  if (occurredAt === undefined) throw new ElementError('wrong-type', `Flag.period.start must be a dateTime with a time zone, got ${excerpt(period?.start)}`);
  const text = optionalText(optionalObject(resource.code, 'Flag.code')?.text, 'Flag.code.text');
  return oneEvent({ eventId: eventIdOf(resource, 'Flag'), deviceId, code, occurredAt }, text);
}

function medicationDispense(resource: Resource, { deviceId, receivedAt }: DecodeContext): DecodeResult {
  const status = resource.status;
  if (typeof status !== 'string') throw new ElementError('wrong-type', `MedicationDispense.status must be a code, got ${excerpt(status)}`);
  const categories = codingsOf(resource.category, 'MedicationDispense.category').filter((coding) => coding.system === MEDICATION_DISPENSE_EVENT_SYSTEM);
  for (const coding of categories) {
    if (!MEDICATION_DISPENSE_EVENTS.has(String(coding.code))) {
      throw new ElementError('unknown-code', `MedicationDispense.category code ${excerpt(coding.code)} is not in ${MEDICATION_DISPENSE_EVENT_SYSTEM}`);
    }
  }
  const occurredAt = () =>
    optionalInstant(resource.whenHandedOver, 'MedicationDispense.whenHandedOver') ??
    optionalInstant(resource.whenPrepared, 'MedicationDispense.whenPrepared') ??
    receivedAt;
  if (status === 'preparation') return { ok: true, events: [] };
  if (status === 'completed') {
    const messageRead = categories.length > 0 && categories.every((coding) => coding.code === MESSAGE_READ);
    return messageRead ? { ok: true, events: [] } : { ok: true, events: [], report: { dispensedAt: occurredAt() } };
  }

  let code: AlertCode;
  let text: string | undefined;
  if (status === 'in-progress') {
    code = '1.10';
  } else if (NOT_DISPENSED.has(status)) {
    const reason = optionalObject(resource.statusReasonCodeableConcept, 'MedicationDispense.statusReasonCodeableConcept');
    const reasonCode = codeOf(reason, 'MedicationDispense.statusReasonCodeableConcept', [ALERT_CODE_SYSTEM]);
    if (reasonCode !== undefined && !reasonCode.startsWith('1.')) {
      throw new ElementError('wrong-type', `MedicationDispense.statusReasonCodeableConcept code ${reasonCode} is not a dispenser alert code (1.x)`);
    }
    code = reasonCode ?? '1.1';
    text = optionalText(reason?.text, 'MedicationDispense.statusReasonCodeableConcept.text');
  } else {
    throw new ElementError(
      'wrong-type',
      `MedicationDispense.status ${excerpt(status)} is not one the hub turns into an event (completed, in-progress, preparation, declined, stopped, cancelled, on-hold)`,
    );
  }
  return oneEvent({ eventId: eventIdOf(resource, 'MedicationDispense'), deviceId, code, occurredAt: occurredAt() }, text);
}

function detectedIssue(resource: Resource, { deviceId, receivedAt }: DecodeContext): DecodeResult {
  const status = resource.status;
  if (typeof status !== 'string' || !DETECTED_ISSUE_STATUSES.has(status)) {
    throw new ElementError('wrong-type', `DetectedIssue.status ${excerpt(status)} must be registered, preliminary, final, amended or corrected`);
  }
  const code = requiredCodeOf(resource.code, 'DetectedIssue.code', [ALERT_CODE_SYSTEM]);
  const period = optionalObject(resource.identifiedPeriod, 'DetectedIssue.identifiedPeriod');
  const occurredAt = optionalInstant(resource.identifiedDateTime, 'DetectedIssue.identifiedDateTime') ??
    optionalInstant(period?.start, 'DetectedIssue.identifiedPeriod.start') ??
    receivedAt;
  const text = optionalText(resource.detail, 'DetectedIssue.detail');
  return oneEvent({ eventId: eventIdOf(resource, 'DetectedIssue'), deviceId, code, occurredAt }, text);
}

const DETECTED_ISSUE_STATUSES = new Set(['registered', 'preliminary', 'final', 'amended', 'corrected']);
/** vkp-medicationdispense-events-v090: dispensed (1, 1.1, 1.2), dispensed for travel (2, 2.1, 2.2), message to the resident read (3). */
const MEDICATION_DISPENSE_EVENTS = new Set(['1', '1.1', '1.2', '2', '2.1', '2.2', '3']);
const MESSAGE_READ = '3';

function oneEvent(event: DeviceEvent, text: string | undefined): DecodeResult {
  if (text !== undefined) event.text = text;
  const technical = TECHNICAL_CONDITION_OF_CODE[event.code];
  if (technical) event.technical = technical;
  return { ok: true, events: [event] };
}

/** The alert code of the concept's first coding from one of the systems, in their order of preference. */
function codeOf(concept: unknown, path: string, systems: readonly string[]): AlertCode | undefined {
  const codings = codingsOf(concept, path);
  for (const system of systems) {
    const coding = codings.find((candidate) => candidate.system === system);
    if (!coding) continue;
    const code = coding.code;
    if (typeof code !== 'string') throw new ElementError('wrong-type', `${path}.coding.code must be a string, got ${excerpt(code)}`);
    const alertCode = alertCodeIn(system, code);
    if (alertCode === undefined) throw new ElementError('unknown-code', `${path} code ${excerpt(code, 20)} is not in ${system}`);
    return alertCode;
  }
  return undefined;
}

function requiredCodeOf(concept: unknown, path: string, systems: readonly string[]): AlertCode {
  const code = codeOf(concept, path, systems);
  if (code === undefined) throw new ElementError('wrong-type', `${path} needs a coding from ${systems.join(' or ')}`);
  return code;
}

function alertCodeIn(system: string, code: string): AlertCode | undefined {
  if (system === ALERT_CODE_SYSTEM) return isAlertCode(code) ? code : undefined;
  // Own keys only: "constructor" is no flag code.
  return Object.hasOwn(ALERT_CODE_OF_FLAG_CODE, code) ? ALERT_CODE_OF_FLAG_CODE[code] : undefined;
}

function codingsOf(value: unknown, path: string): Array<Record<string, unknown>> {
  const concept = optionalObject(value, path);
  if (concept === undefined || concept.coding === undefined) return [];
  if (!Array.isArray(concept.coding) || !concept.coding.every(isJsonObject)) {
    throw new ElementError('wrong-type', `${path}.coding must be an array of Coding objects`);
  }
  return concept.coding;
}

function optionalObject(value: unknown, path: string): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  if (!isJsonObject(value)) throw new ElementError('wrong-type', `${path} must be an object, got ${excerpt(value)}`);
  return value;
}

function optionalInstant(value: unknown, path: string): string | undefined {
  if (value === undefined) return undefined;
  const instant = utcInstant(value);
  if (instant === undefined) throw new ElementError('wrong-type', `${path} must be a dateTime with a time zone, got ${excerpt(value)}`);
  return instant;
}

function optionalText(value: unknown, path: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length > MAX_TEXT_LENGTH) {
    throw new ElementError('wrong-type', `${path} must be a string of at most ${MAX_TEXT_LENGTH} characters`);
  }
  return value;
}

function eventIdOf(resource: Resource, type: string): string {
  const identifiers = resource.identifier;
  if (identifiers !== undefined && (!Array.isArray(identifiers) || !identifiers.every(isJsonObject))) {
    throw new ElementError('wrong-type', `${type}.identifier must be an array of Identifier objects`);
  }
  const identifier = identifiers?.find((candidate) => typeof candidate.value === 'string' && candidate.value.length > 0);
  let eventId: string;
  if (identifier) {
    const { system, value } = identifier as { system?: unknown; value: string };
    if (system !== undefined && typeof system !== 'string') throw new ElementError('wrong-type', `${type}.identifier.system must be a uri`);
    eventId = system ? `${system}|${value}` : value;
  } else if (typeof resource.id === 'string' && resource.id.length > 0) {
    eventId = `${type}/${resource.id}`;
  } else {
    throw new ElementError('wrong-type', `${type} needs an identifier (system and value) or an id to make its event id`);
  }
  if (eventId.length > MAX_EVENT_ID_LENGTH) {
    throw new ElementError('wrong-type', `${type}.identifier ${excerpt(eventId)} is longer than the ${MAX_EVENT_ID_LENGTH} characters of an event id`);
  }
  return eventId;
}
