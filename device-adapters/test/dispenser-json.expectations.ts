import type { AdapterExpectations, ExpectedEvent, FixtureExpectation } from '../src/conformance/index.js';
import type { AlertCode } from '../src/vkp-codes.js';

/** 08:14:05+01:00 in the fixtures: 07:14:05 UTC. */
const AT = '2026-03-01T07:14:05.000Z';
const one = (eventId: number, code: AlertCode, extra: Partial<ExpectedEvent> = {}): FixtureExpectation => {
  const event = { eventId: `${eventId}:${AT}`, code, occurredAt: AT, ...extra };
  return event.battery === undefined ? { ok: true, events: [event] } : { ok: true, events: [event], report: { battery: event.battery } };
};

/** Every fixture `dispenser-json.<case>.json`, decoded for dev-00042 received at 07:00:00Z. */
export const DISPENSER_JSON_EXPECTATIONS: AdapterExpectations = {
  'dose-due': one(4701, '1.10', { battery: 40 }),
  // Dispensed: no alarm event, only what the message says: the dose taken out then, and the battery.
  'dose-dispensed': { ok: true, events: [], report: { battery: 40, dispensedAt: AT } },
  'dose-dispensed-mains': { ok: true, events: [], report: { dispensedAt: AT } },
  status: { ok: true, events: [], report: { battery: 38 } },
  'dose-missed': one(4705, '1.1', { battery: 40, text: 'Morgendosen er ikke tatt ut' }),
  'confirmation-missing': one(4706, '1.3'),
  'medication-low': one(4707, '1.12'),
  'medication-empty': one(4708, '1.13'),
  jammed: one(4709, '1.8', { text: 'Rullen sitter fast ved pose 14' }),
  'lid-open': one(4710, '1.21'),
  'power-lost': one(4711, '1.19', { battery: 97, technical: 'power-loss' }),
  'power-restored': one(4712, '1', { battery: 95, technical: 'power-restored' }),
  'battery-low': one(4713, '1.17', { battery: 14, technical: 'battery-low' }),
  'battery-empty': one(4714, '1.18', { battery: 0, technical: 'battery-empty' }),
  'utc-timestamp': one(4715, '1.1'),
  'other-serial': one(4716, '1.21'),
  malformed: { ok: false, reason: 'malformed', detail: /JSON/ },
  array: { ok: false, reason: 'wrong-type', detail: /object/ },
  'unknown-event-type': { ok: false, reason: 'unknown-code', detail: [/"eventType"/, /DOSE_SKIPPED/] },
  'event-type-constructor': { ok: false, reason: 'unknown-code', detail: /constructor/ },
  'numeric-event-type': { ok: false, reason: 'wrong-type', detail: [/"eventType"/, /string/] },
  'missing-event-id': { ok: false, reason: 'wrong-type', detail: /"eventId"/ },
  'negative-event-id': { ok: false, reason: 'wrong-type', detail: [/"eventId"/, /non-negative/] },
  'local-timestamp': { ok: false, reason: 'wrong-type', detail: [/"timestamp"/, /time zone/] },
  'battery-150': { ok: false, reason: 'wrong-type', detail: [/"battery"/, /100/] },
  'message-number': { ok: false, reason: 'wrong-type', detail: /"message"/ },
};
