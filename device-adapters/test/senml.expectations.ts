import type { AdapterExpectations, ExpectedEvent } from '../src/conformance/index.js';
import type { AlertCode } from '../src/vkp-codes.js';

const BASE = 'urn:dev:mac:0024befffe804ff1:';
/** bt 1772349245 in every fixture that has one. */
const AT = '2026-03-01T07:14:05.000Z';
const event = (name: string, code: AlertCode, occurredAt = AT, base = BASE) => ({ eventId: `${base}${name}@${occurredAt}`, code, occurredAt }) satisfies ExpectedEvent;

/** Every fixture `senml.<case>.json`, decoded for dev-00042 received at 07:00:00Z. */
export const SENML_EXPECTATIONS: AdapterExpectations = {
  'door-open': { ok: true, events: [event('door', '4.15')] },
  'door-closed': { ok: true, events: [event('door', '4.16')] },
  water: { ok: true, events: [event('water', '4.17')] },
  'water-dry': { ok: true, events: [] },
  fall: { ok: true, events: [event('fall', '4.1')] },
  button: { ok: true, events: [event('button', '4.13')] },
  presence: { ok: true, events: [event('presence', '4.18')] },
  motion: { ok: true, events: [event('motion', '4.18', AT, 'urn:dev:mac:0024befffe804ff2/')] },
  'bed-left': { ok: true, events: [event('bed', '4.2')] },
  'bed-entered': { ok: true, events: [event('bed', '4.20')] },
  battery: { ok: true, events: [], report: { battery: 64 } },
  'battery-low': { ok: true, events: [{ ...event('battery', '4'), battery: 9, technical: 'battery-low' }], report: { battery: 9 } },
  'battery-volts': { ok: true, events: [] },
  'pack-relative-to-base': {
    ok: true,
    events: [event('door', '4.15', '2026-03-01T07:13:35.000Z'), event('door', '4.16')],
    report: { battery: 80 },
  },
  // t −60 with no base time: a minute before the hub received it at 07:00:00.
  'relative-to-now': { ok: true, events: [event('button', '4.13', '2026-03-01T06:59:00.000Z')] },
  'base-name-change': { ok: true, events: [event('door', '4.15'), event('water', '4.17', AT, 'urn:dev:mac:0024befffe804ff3:')] },
  'full-name-without-base': { ok: true, events: [event('fall', '4.1')] },
  'unknown-names': { ok: true, events: [] },
  'empty-pack': { ok: true, events: [] },
  malformed: { ok: false, reason: 'malformed', detail: /JSON/ },
  'not-an-array': { ok: false, reason: 'malformed', detail: /array/ },
  'record-not-object': { ok: false, reason: 'malformed', detail: [/record 0/, /object/] },
  'no-name': { ok: false, reason: 'malformed', detail: [/record 0/, /"n"/, /"bn"/] },
  'conflicting-values': { ok: false, reason: 'malformed', detail: [/conflicting/, /v, vb|vb, v/] },
  'string-time': { ok: false, reason: 'malformed', detail: [/"t"/, /number/] },
  'bad-name': { ok: false, reason: 'malformed', detail: /name/ },
  'same-name-same-time': { ok: false, reason: 'malformed', detail: [/record 1/, /two records/] },
  'door-numeric': { ok: false, reason: 'wrong-type', detail: [/"door"/, /"vb"/] },
  'battery-over-100': { ok: false, reason: 'wrong-type', detail: [/"battery"/, /100/] },
  'newer-version': { ok: false, reason: 'wrong-type', detail: [/version 11/, /10/] },
  'must-understand': { ok: false, reason: 'wrong-type', detail: /"rt_"/ },
};
