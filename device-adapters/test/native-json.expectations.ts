import type { AdapterExpectations } from '../src/conformance/index.js';

/**
 * Every fixture `native-json.<case>.json` and what decoding it must give. The event ids and
 * values are those written in the fixture files; times are the fixture's instant in UTC.
 */
export const NATIVE_JSON_EXPECTATIONS: AdapterExpectations = {
  minimal: { ok: true, events: [{ eventId: 'evt-0001', code: '4.1', occurredAt: '2025-03-12T07:14:05.000Z' }] },
  full: {
    ok: true,
    events: [
      {
        eventId: 'evt-0002',
        code: '4.13',
        // 08:14:05 at +01:00 (Norwegian winter time) is 07:14:05 UTC.
        occurredAt: '2025-03-12T07:14:05.000Z',
        battery: 37,
        location: { lat: 59.9139, lon: 10.7522, accuracyM: 12 },
        text: 'Knapp trykket i stua – bruker svarer ikke',
      },
    ],
  },
  // The payload says "deviceId": "other"; the device is who the topic says it is.
  'foreign-device-id': { ok: true, events: [{ eventId: 'evt-0003', code: '4.15', occurredAt: '2025-03-12T07:14:05.000Z' }] },
  malformed: { ok: false, reason: 'malformed', detail: [/JSON/] },
  array: { ok: false, reason: 'wrong-type', detail: [/object/] },
  'missing-id': { ok: false, reason: 'wrong-type', detail: [/"id"/] },
  'id-too-long': { ok: false, reason: 'wrong-type', detail: [/"id"/, /128/] },
  'numeric-code': { ok: false, reason: 'wrong-type', detail: [/"code"/, /string/] },
  'unknown-code': { ok: false, reason: 'unknown-code', detail: [/9\.99/, /code/] },
  'bad-date': { ok: false, reason: 'wrong-type', detail: [/"occurredAt"/] },
  'battery-150': { ok: false, reason: 'wrong-type', detail: [/"battery"/, /100/] },
  'location-without-lon': { ok: false, reason: 'wrong-type', detail: [/"location"/, /"lon"/] },
  'text-too-long': { ok: false, reason: 'wrong-type', detail: [/"text"/, /2000/] },
};
