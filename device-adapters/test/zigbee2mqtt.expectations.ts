import { CONFORMANCE_CONTEXT, type AdapterExpectations } from '../src/conformance/index.js';

const SEEN = '2026-03-01T07:14:05.000Z';
const id = (key: string, at = SEEN) => `${CONFORMANCE_CONTEXT.deviceId}:${key}:${at}`;

/** Every fixture `zigbee2mqtt.<case>.json`, decoded for dev-00042 received at 07:00:00Z. */
export const ZIGBEE2MQTT_EXPECTATIONS: AdapterExpectations = {
  'contact-open': { ok: true, events: [{ eventId: id('contact'), code: '4.15', occurredAt: SEEN, battery: 91 }], report: { battery: 91 } },
  'contact-closed': { ok: true, events: [{ eventId: id('contact'), code: '4.16', occurredAt: SEEN, battery: 100 }], report: { battery: 100 } },
  // VKP has no tamper code for a sensor: the opening is the event, the tamper flag is not.
  'contact-open-tamper': { ok: true, events: [{ eventId: id('contact'), code: '4.15', occurredAt: SEEN, battery: 100 }], report: { battery: 100 } },
  'water-leak': { ok: true, events: [{ eventId: id('water_leak'), code: '4.17', occurredAt: SEEN, battery: 100 }], report: { battery: 100 } },
  'water-leak-battery-low': {
    ok: true,
    events: [
      { eventId: id('water_leak'), code: '4.17', occurredAt: SEEN, battery: 8 },
      { eventId: id('battery_low'), code: '4', occurredAt: SEEN, battery: 8, technical: 'battery-low' },
    ],
    report: { battery: 8 },
  },
  'water-dry': { ok: true, events: [] },
  occupancy: { ok: true, events: [{ eventId: id('occupancy'), code: '4.18', occurredAt: SEEN, battery: 100 }], report: { battery: 100 } },
  'occupancy-cleared': { ok: true, events: [] },
  // 08:14:05+01:00 is 07:14:05 UTC; the id uses the UTC form, so both settings give one id.
  'occupancy-local-time': { ok: true, events: [{ eventId: id('occupancy'), code: '4.18', occurredAt: SEEN, battery: 87 }], report: { battery: 87 } },
  vibration: { ok: true, events: [{ eventId: id('vibration'), code: '4.18', occurredAt: SEEN, battery: 94 }], report: { battery: 94 } },
  'battery-only': { ok: true, events: [], report: { battery: 64 } },
  'battery-low': { ok: true, events: [{ eventId: id('battery_low'), code: '4', occurredAt: SEEN, battery: 12, technical: 'battery-low' }], report: { battery: 12 } },
  'no-last-seen': {
    ok: true,
    events: [{ eventId: id('contact', CONFORMANCE_CONTEXT.receivedAt), code: '4.15', occurredAt: CONFORMANCE_CONTEXT.receivedAt, battery: 91 }],
    report: { battery: 91 },
  },
  'epoch-last-seen': { ok: true, events: [{ eventId: id('contact'), code: '4.15', occurredAt: SEEN }] },
  smoke: { ok: true, events: [{ eventId: id('smoke'), code: '4.11', occurredAt: SEEN, battery: 83 }], report: { battery: 83 } },
  'device-information': { ok: true, events: [{ eventId: id('contact'), code: '4.15', occurredAt: SEEN, battery: 91 }], report: { battery: 91 } },
  'null-state': { ok: true, events: [] },
  malformed: { ok: false, reason: 'malformed', detail: /JSON/ },
  array: { ok: false, reason: 'wrong-type', detail: /object/ },
  'attribute-output': { ok: false, reason: 'wrong-type', detail: [/object/, /json/] },
  'contact-string': { ok: false, reason: 'wrong-type', detail: [/"contact"/, /true or false/] },
  'battery-150': { ok: false, reason: 'wrong-type', detail: [/"battery"/, /100/] },
  'last-seen-relative': { ok: false, reason: 'wrong-type', detail: [/"last_seen"/, /ISO_8601/] },
};
