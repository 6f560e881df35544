import { ALERT_CODE_SYSTEM, ALERT_CODES, MEDICATION_DISPENSE_EVENT_SYSTEM, TECHNICAL_CONDITION_OF_CODE, type AlertCode } from '@knutepunkt/device-adapters';
import { jsonBytes, type DeviceFormat, type FormatEvent, type MessageDetails } from './device-format.js';

/** The identifier system of the simulated vendor cloud's resources; ids within it are per device. */
const IDENTIFIER_SYSTEM = 'urn:knutepunkt:simulator';

/**
 * VKP-profiled FHIR R4 resources a vendor's cloud posts (VkpFhirAdapter, VKP I1): a DetectedIssue
 * or an active Flag for any alert code (coded in vkp-alert-code-v090), and a MedicationDispense
 * in progress (1.10) or declined (1.1, or the 1.x code given as its reason). The type is the
 * resource type, its status for a dispense, and the code. A MedicationDispense completed is the
 * format's `dispensed` message.
 */
const ALL_CODES = Object.keys(ALERT_CODES) as AlertCode[];
const DISPENSER_CODES = ALL_CODES.filter((code) => code.startsWith('1.'));

function withTechnical(type: string, code: AlertCode): FormatEvent {
  const technical = TECHNICAL_CONDITION_OF_CODE[code];
  return technical ? { type, code, technical } : { type, code };
}

const EVENTS: readonly FormatEvent[] = [
  ...ALL_CODES.map((code) => withTechnical(`DetectedIssue ${code}`, code)),
  ...ALL_CODES.map((code) => withTechnical(`Flag ${code}`, code)),
  withTechnical('MedicationDispense in-progress 1.10', '1.10'),
  withTechnical('MedicationDispense declined 1.1', '1.1'),
  ...DISPENSER_CODES.filter((code) => code !== '1.1' && code !== '1.10').map((code) => withTechnical(`MedicationDispense declined ${code}`, code)),
];

export const vkpFhirFormat: DeviceFormat = {
  name: 'vkp-fhir',
  transport: 'https',
  events: EVENTS,
  build(event: FormatEvent, details: MessageDetails): Uint8Array {
    const [resourceType, ...rest] = event.type.split(' ');
    const identifier = identifierOf(details);
    const at = details.occurredAt.toISOString();
    const coding = { system: ALERT_CODE_SYSTEM, code: event.code, display: ALERT_CODES[event.code].display };
    switch (resourceType) {
      case 'DetectedIssue': {
        const issue: Record<string, unknown> = { resourceType, identifier, status: 'final', code: { coding: [coding] }, identifiedDateTime: at };
        if (details.text !== undefined) issue.detail = details.text;
        return jsonBytes(issue);
      }
      case 'Flag':
        return jsonBytes({
          resourceType,
          identifier,
          status: 'active',
          code: details.text === undefined ? { coding: [coding] } : { coding: [coding], text: details.text },
          period: { start: at },
        });
      case 'MedicationDispense': {
        const status = rest[0];
        const dispense: Record<string, unknown> = { resourceType, identifier, status, medicationCodeableConcept: { text: 'Multidose' }, whenPrepared: at };
        if (status === 'declined' && event.code !== '1.1') dispense.statusReasonCodeableConcept = { coding: [coding] };
        return jsonBytes(dispense);
      }
      default:
        throw new Error(`vkp-fhir has no event "${event.type}"`);
    }
  },
  dispensed(details: MessageDetails): Uint8Array {
    return jsonBytes({
      resourceType: 'MedicationDispense',
      identifier: identifierOf(details),
      status: 'completed',
      category: { coding: [{ system: MEDICATION_DISPENSE_EVENT_SYSTEM, code: '1', display: 'medisin utlevert' }] },
      medicationCodeableConcept: { text: 'Multidose' },
      whenHandedOver: details.occurredAt.toISOString(),
    });
  },
  malformed: { payload: jsonBytes({ resourceType: 'Flag', status: 'active', period: { start: '2026-03-01T08:14:05Z' } }), problem: 'a Flag without a code' },
};

function identifierOf(details: MessageDetails): Array<{ system: string; value: string }> {
  return [{ system: IDENTIFIER_SYSTEM, value: `${details.deviceId}-${details.occurredAt.getTime()}-${details.sequence}` }];
}

/** The resource type a vkp-fhir payload is posted as (the last part of the URL). */
export function resourceTypeOf(payload: Uint8Array): string {
  try {
    const type = (JSON.parse(new TextDecoder().decode(payload)) as { resourceType?: unknown }).resourceType;
    return typeof type === 'string' && /^[A-Za-z]+$/.test(type) ? type : 'Resource';
  } catch {
    return 'Resource';
  }
}
