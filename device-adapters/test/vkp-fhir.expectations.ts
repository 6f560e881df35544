import type { AdapterExpectations, ExpectedEvent, FixtureExpectation } from '../src/conformance/index.js';
import type { AlertCode } from '../src/vkp-codes.js';

/** 08:14:05+01:00 in the fixtures: 07:14:05 UTC. */
const AT = '2026-03-01T07:14:05.000Z';
const uuid = (value: string) => `urn:ietf:rfc:3986|urn:uuid:${value}`;
const one = (eventId: string, code: AlertCode, extra: Partial<ExpectedEvent> = {}): FixtureExpectation => ({
  ok: true,
  events: [{ eventId, code, occurredAt: AT, ...extra }],
});

/** Every fixture `vkp-fhir.<case>.<json|xml>`, decoded for dev-00042 received at 07:00:00Z. */
export const VKP_FHIR_EXPECTATIONS: AdapterExpectations = {
  'flag-fall': one(uuid('3f1c2a9e-5b7d-4e21-9c3a-0d8e7f6a5b41'), '4.1', { text: 'Fall registrert på soverommet' }),
  'flag-alert-code': one(uuid('8a6b4c2d-1e3f-4a5b-8c7d-9e0f1a2b3c4d'), '4.17'),
  // vkp-flag-code-v090 0 "Oppsummerende varsel" is alert code 5.1.
  'flag-summary': one(uuid('c0ffee00-1234-4abc-9def-0123456789ab'), '5.1', { text: 'Tre målinger ikke rapportert denne uken' }),
  'flag-inactive': { ok: true, events: [] },
  'flag-id-only': one('Flag/flag-20260301-0042', '4.13'),
  'flag-both-systems': one(uuid('5e4d3c2b-1a09-4f8e-b7d6-c5b4a3928170'), '4.15'),
  // Handed over: no event, but the dose is taken, which ends a missed dose the hub holds.
  'medication-dispense-completed': { ok: true, events: [], report: { dispensedAt: AT } },
  'medication-dispense-travel': { ok: true, events: [], report: { dispensedAt: AT } },
  'medication-dispense-message-read': { ok: true, events: [] },
  'medication-dispense-declined': one(uuid('d4e5f6a7-b8c9-4d0e-9f1a-2b3c4d5e6f70'), '1.1', { text: 'Dosen ble ikke tatt ut innen 60 minutter' }),
  'medication-dispense-shortage': one(uuid('e5f6a7b8-c9d0-4e1f-8a2b-3c4d5e6f7081'), '1.2'),
  'medication-dispense-in-progress': one(uuid('f6a7b8c9-d0e1-4f2a-9b3c-4d5e6f708192'), '1.10'),
  'medication-dispense-no-time': {
    ok: true,
    events: [{ eventId: uuid('0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d'), code: '1.1', occurredAt: '2026-03-01T07:00:00.000Z' }],
  },
  'detected-issue-fall': one(uuid('6d5c4b3a-2918-4e7f-a6b5-c4d3e2f1a0b9'), '4.1', { text: 'Fallsensor i stua, bruker svarer ikke på tiltale' }),
  'detected-issue-battery-low': one(uuid('7e6d5c4b-3a29-4f8e-b7c6-d5e4f3a2b1c0'), '1.17', { technical: 'battery-low' }),
  'detected-issue-period': one(uuid('8f7e6d5c-4b3a-4a9f-8c7d-e6f5a4b3c2d1'), '4.21'),
  'medication-dispense-unknown-category': { ok: false, reason: 'unknown-code', detail: [/MedicationDispense\.category/, /"4"/] },
  'medication-dispense-entered-in-error': { ok: false, reason: 'wrong-type', detail: [/MedicationDispense\.status/, /entered-in-error/] },
  'medication-dispense-care-reason': { ok: false, reason: 'wrong-type', detail: [/statusReasonCodeableConcept/, /4\.1/] },
  'detected-issue-foreign-system': { ok: false, reason: 'wrong-type', detail: [/DetectedIssue\.code/, /vkp-alert-code-v090/] },
  'detected-issue-cancelled': { ok: false, reason: 'wrong-type', detail: [/DetectedIssue\.status/, /cancelled/] },
  'flag-unknown-code': { ok: false, reason: 'unknown-code', detail: [/Flag\.code/, /3\.1/, /vkp-flag-code-v090/] },
  'flag-without-period': { ok: false, reason: 'wrong-type', detail: /Flag\.period\.start/ },
  'flag-date-only': { ok: false, reason: 'wrong-type', detail: [/Flag\.period\.start/, /time zone/] },
  'flag-entered-in-error': { ok: false, reason: 'wrong-type', detail: [/Flag\.status/, /entered-in-error/] },
  'flag-without-identity': { ok: false, reason: 'wrong-type', detail: [/Flag/, /identifier/, /id/] },
  patient: { ok: false, reason: 'wrong-type', detail: [/resourceType/, /Patient/] },
  bundle: { ok: false, reason: 'wrong-type', detail: [/resourceType/, /Bundle/] },
  malformed: { ok: false, reason: 'malformed', detail: /JSON/ },
  flag: { ok: false, reason: 'malformed', detail: [/XML/, /FHIR JSON/] },
};
