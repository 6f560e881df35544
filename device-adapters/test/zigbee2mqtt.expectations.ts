import { CONFORMANCE_CONTEXT, type AdapterExpectations } from '../src/conformance/index.js';

const SEEN = '2026-03-01T07:14:05.000Z';
const id = (key: string, at = SEEN) => `${CONFORMANCE_CONTEXT.deviceId}:${key}:${at}`;

/** Every fixture `zigbee2mqtt.<case>.json`, decoded for dev-00042 received at 07:00:00Z. */
export const ZIGBEE2MQTT_EXPECTATIONS: AdapterExpectations = {
  'contact-open': { ok: true, events: [{ eventId: id('contact'), stateKey: 'contact', code: '4.15', occurredAt: SEEN, battery: 91 }], report: { battery: 91, states: { contact: false } } },
  'contact-closed': { ok: true, events: [{ eventId: id('contact'), stateKey: 'contact', code: '4.16', occurredAt: SEEN, battery: 100 }], report: { battery: 100, states: { contact: true } } },
  // VKP has no tamper code for a sensor: the opening is the event, the tamper flag is not.
  'contact-open-tamper': { ok: true, events: [{ eventId: id('contact'), stateKey: 'contact', code: '4.15', occurredAt: SEEN, battery: 100 }], report: { battery: 100, states: { battery_low: false, contact: false, tamper: true } } },
  'water-leak': { ok: true, events: [{ eventId: id('water_leak'), stateKey: 'water_leak', code: '4.17', occurredAt: SEEN, battery: 100 }], report: { battery: 100, states: { battery_low: false, tamper: false, water_leak: true } } },
  'water-leak-battery-low': {
    ok: true,
    events: [
      { eventId: id('water_leak'), stateKey: 'water_leak', code: '4.17', occurredAt: SEEN, battery: 8 },
      { eventId: id('battery_low'), stateKey: 'battery_low', code: '4', occurredAt: SEEN, battery: 8, technical: 'battery-low' },
    ],
    report: { battery: 8, states: { battery_low: true, tamper: false, water_leak: true } },
  },
  'water-dry': { ok: true, events: [], report: { states: { water_leak: false } } },
  occupancy: { ok: true, events: [{ eventId: id('occupancy'), stateKey: 'occupancy', code: '4.18', occurredAt: SEEN, battery: 100 }], report: { battery: 100, states: { occupancy: true } } },
  'occupancy-cleared': { ok: true, events: [], report: { states: { occupancy: false } } },
  // 08:14:05+01:00 is 07:14:05 UTC; the id uses the UTC form, so both settings give one id.
  'occupancy-local-time': { ok: true, events: [{ eventId: id('occupancy'), stateKey: 'occupancy', code: '4.18', occurredAt: SEEN, battery: 87 }], report: { battery: 87, states: { occupancy: true } } },
  vibration: { ok: true, events: [{ eventId: id('vibration'), stateKey: 'vibration', code: '4.18', occurredAt: SEEN, battery: 94 }], report: { battery: 94, states: { vibration: true } } },
  'battery-only': { ok: true, events: [], report: { battery: 64 } },
  'battery-low': { ok: true, events: [{ eventId: id('battery_low'), stateKey: 'battery_low', code: '4', occurredAt: SEEN, battery: 12, technical: 'battery-low' }], report: { battery: 12, states: { battery_low: true } } },
  'no-last-seen': {
    ok: true,
    events: [{ eventId: id('contact', CONFORMANCE_CONTEXT.receivedAt), stateKey: 'contact', code: '4.15', occurredAt: CONFORMANCE_CONTEXT.receivedAt, battery: 91 }],
    report: { battery: 91, states: { contact: false } },
  },
  'epoch-last-seen': { ok: true, events: [{ eventId: id('contact'), stateKey: 'contact', code: '4.15', occurredAt: SEEN }], report: { states: { contact: false } } },
  smoke: { ok: true, events: [{ eventId: id('smoke'), stateKey: 'smoke', code: '4.11', occurredAt: SEEN, battery: 83 }], report: { battery: 83, states: { battery_low: false, smoke: true, tamper: false } } },
  'device-information': { ok: true, events: [{ eventId: id('contact'), stateKey: 'contact', code: '4.15', occurredAt: SEEN, battery: 91 }], report: { battery: 91, states: { contact: false } } },
  'null-state': { ok: true, events: [] },
  malformed: { ok: false, reason: 'malformed', detail: /JSON/ },
  array: { ok: false, reason: 'wrong-type', detail: /object/ },
  'attribute-output': { ok: false, reason: 'wrong-type', detail: [/object/, /json/] },
  'contact-string': { ok: false, reason: 'wrong-type', detail: [/"contact"/, /true or false/] },
  'battery-150': { ok: false, reason: 'wrong-type', detail: [/"battery"/, /100/] },
  'last-seen-relative': { ok: false, reason: 'wrong-type', detail: [/"last_seen"/, /ISO_8601/] },
};
