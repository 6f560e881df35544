import { excerpt, rejected } from './decode-result.js';
import {
  MAX_EVENT_ID_LENGTH,
  type DecodeContext,
  type DecodeResult,
  type DeviceAdapter,
  type DeviceEvent,
  type TechnicalCondition,
} from './device-event.js';
import { instantFromMillis } from './instant.js';
import { isJsonObject, readJsonPayload } from './json-payload.js';
import type { AlertCode } from './vkp-codes.js';

/**
 * SenML JSON (RFC 8428): a pack, an array of records with the fields
 * bn bt bu bv bs bver (base name, time, unit, value, sum, version) and n u v vs vb vd s t ut.
 *
 * Resolution follows RFC 8428 §4.5–4.6: a base field applies to its own record and every later
 * one until the next base field of the same kind; the name is bn + n, the time bt + t in seconds
 * since 1970; a resolved time below 2^28 is relative to now (here: the hub's receivedAt), so 0 is
 * "now" and -60 a minute ago. The measurement is the last segment of the resolved name after ':'
 * or '/' ("urn:dev:mac:0024befffe804ff1:door" measures "door").
 *
 * | measurement       | value      | code | event                                     |
 * |-------------------|------------|------|-------------------------------------------|
 * | door              | vb true    | 4.15 | Dør åpnet                                 |
 * | door              | vb false   | 4.16 | Dør lukket (information)                  |
 * | water             | vb true    | 4.17 | Vannalarm                                 |
 * | fall              | vb true    | 4.1  | Fall                                      |
 * | button            | vb true    | 4.13 | Knappetrykk                               |
 * | presence, motion  | vb true    | 4.18 | Bevegelse                                 |
 * | bed               | vb false   | 4.2  | Forlatt sengen                            |
 * | bed               | vb true    | 4.20 | Lagt seg i seng (information)             |
 * | battery, u % /%EL | v 0–100    |  –   | report.battery (the latest in the pack)   |
 * | battery, u % /%EL | v below 15 | 4    | technical battery-low, Digitalt tilsyn    |
 * | anything else     |  any       |  –   | ignored (temp, humidity, battery in V …)  |
 * vb false for water, fall, button, presence and motion is no event.
 *
 * Event id: `${resolvedName}@${occurredAt}`. A pack with relative times gets its instants from
 * receivedAt, so a redelivered pack may be stored twice; devices with a clock send absolute times.
 *
 * Malformed SenML (not an array, a record that is not an object, a record without n and bn, a
 * name outside the RFC's characters, two value fields in one record, a field of the wrong JSON
 * type, a time out of range, two records for one name at one time) is `malformed`; a must-understand
 * field (ending in "_") we do not know, a newer bver, or a known measurement with the wrong kind
 * of value is `wrong-type`.
 */
export class SenmlAdapter implements DeviceAdapter {
  readonly name = 'senml';
  readonly contentType = 'application/senml+json';

  decode(raw: Uint8Array, { deviceId, receivedAt }: DecodeContext): DecodeResult {
    const parsed = readJsonPayload(raw);
    if (!parsed.ok) return parsed.result;
    if (!Array.isArray(parsed.value)) return rejected('malformed', `a SenML pack must be a JSON array of records, got ${excerpt(parsed.value)}`);
    const now = Date.parse(receivedAt) / 1000;

    const events: DeviceEvent[] = [];
    const eventIds = new Set<string>();
    let latestBattery: { time: number; value: number } | undefined;
    const base: { name: string | undefined; time: number; unit: string | undefined; value: number } = {
      name: undefined,
      time: 0,
      unit: undefined,
      value: 0,
    };

    for (const [index, entry] of parsed.value.entries()) {
      const at = `record ${index}`;
      if (!isJsonObject(entry)) return rejected('malformed', `${at} must be a JSON object, got ${excerpt(entry)}`);
      for (const [field, value] of Object.entries(entry)) {
        if (field.endsWith('_')) return rejected('wrong-type', `${at}: must-understand field "${field.slice(0, 40)}" is not understood`);
        const kind = FIELD_TYPES.get(field);
        // Unknown fields without the "_" suffix may be ignored (RFC 8428 §4.4).
        if (kind !== undefined && typeof value !== kind) return rejected('malformed', `${at}: "${field}" must be a ${kind}, got ${excerpt(value)}`);
      }
      const record = entry as SenmlRecord;
      if (record.bver !== undefined && record.bver > SENML_VERSION) {
        return rejected('wrong-type', `${at}: SenML version ${record.bver} is newer than version ${SENML_VERSION}, which this hub reads`);
      }
      if (record.bn !== undefined) base.name = record.bn;
      if (record.bt !== undefined) base.time = record.bt;
      if (record.bu !== undefined) base.unit = record.bu;
      if (record.bv !== undefined) base.value = record.bv;

      const values = VALUE_FIELDS.filter((field) => record[field] !== undefined);
      if (values.length > 1) return rejected('malformed', `${at} has conflicting value fields ${values.join(', ')}: a record has one value`);
      if (record.n === undefined && base.name === undefined) return rejected('malformed', `${at} has neither "n" nor a base name "bn"`);
      const name = (base.name ?? '') + (record.n ?? '');
      if (!SENML_NAME.test(name)) {
        return rejected('malformed', `${at}: name ${excerpt(name)} must start with a letter or digit and use only A–Z a–z 0–9 - : . / _`);
      }

      const time = base.time + (record.t ?? 0);
      const seconds = time < RELATIVE_TIME_LIMIT ? now + time : time;
      const occurredAt = instantFromMillis(seconds * 1000);
      if (occurredAt === undefined) return rejected('malformed', `${at}: time ${excerpt(time)} is not a representable instant`);

      const measurement = name.slice(Math.max(name.lastIndexOf(':'), name.lastIndexOf('/')) + 1);
      const unit = record.u ?? base.unit;
      let code: AlertCode | undefined;
      let technical: TechnicalCondition | undefined;
      let battery: number | undefined;

      if (measurement === 'battery') {
        if (unit === undefined || !BATTERY_UNITS.has(unit)) continue;
        if (record.v === undefined) return rejected('wrong-type', `${at}: "battery" in ${unit} needs a numeric value "v"`);
        battery = record.v + base.value;
        if (!Number.isFinite(battery) || battery < 0 || battery > 100) {
          return rejected('wrong-type', `${at}: "battery" must be from 0 to 100 ${unit}, got ${excerpt(battery)}`);
        }
        if (!latestBattery || seconds >= latestBattery.time) latestBattery = { time: seconds, value: battery };
        if (battery >= BATTERY_LOW_BELOW) continue;
        code = '4';
        technical = 'battery-low';
      } else {
        const mapping = BOOLEAN_MEASUREMENTS.get(measurement);
        if (mapping === undefined) continue;
        if (record.vb === undefined) return rejected('wrong-type', `${at}: "${measurement}" needs a boolean value "vb"`);
        code = record.vb ? mapping.whenTrue : mapping.whenFalse;
        if (code === undefined) continue;
      }

      const eventId = `${name}@${occurredAt}`;
      if (eventId.length > MAX_EVENT_ID_LENGTH) {
        return rejected('wrong-type', `${at}: name ${excerpt(name)} is too long to make an event id of at most ${MAX_EVENT_ID_LENGTH} characters`);
      }
      if (eventIds.has(eventId)) return rejected('malformed', `${at}: two records for ${excerpt(name)} at ${occurredAt}`);
      eventIds.add(eventId);
      const event: DeviceEvent = { eventId, deviceId, code, occurredAt };
      if (battery !== undefined) event.battery = battery;
      if (technical) event.technical = technical;
      events.push(event);
    }
    return latestBattery ? { ok: true, events, report: { battery: latestBattery.value } } : { ok: true, events };
  }
}

/** The SenML version RFC 8428 defines. */
const SENML_VERSION = 10;
/** RFC 8428 §4.5.3: resolved times below 2^28 seconds are relative to now. */
const RELATIVE_TIME_LIMIT = 2 ** 28;
/** RFC 8428 §4.5.1 name characters. */
const SENML_NAME = /^[A-Za-z0-9][A-Za-z0-9\-:./_]*$/;
/** "%EL" is SenML's registered unit for remaining battery level; plain "%" is what devices send too. */
const BATTERY_UNITS = new Set(['%', '%EL']);
/** Below this the battery is low: about a week left on a typical sensor. */
const BATTERY_LOW_BELOW = 15;

const FIELD_TYPES = new Map<string, 'string' | 'number' | 'boolean'>([
  ['bn', 'string'],
  ['bt', 'number'],
  ['bu', 'string'],
  ['bv', 'number'],
  ['bs', 'number'],
  ['bver', 'number'],
  ['n', 'string'],
  ['u', 'string'],
  ['v', 'number'],
  ['vs', 'string'],
  ['vb', 'boolean'],
  ['vd', 'string'],
  ['s', 'number'],
  ['t', 'number'],
  ['ut', 'number'],
]);
const VALUE_FIELDS = ['v', 'vs', 'vb', 'vd'] as const;

/** One record after its fields were checked against FIELD_TYPES. */
interface SenmlRecord {
  bn?: string;
  bt?: number;
  bu?: string;
  bv?: number;
  bver?: number;
  n?: string;
  u?: string;
  v?: number;
  vs?: string;
  vb?: boolean;
  vd?: string;
  t?: number;
}

const BOOLEAN_MEASUREMENTS = new Map<string, { whenTrue?: AlertCode; whenFalse?: AlertCode }>([
  ['door', { whenTrue: '4.15', whenFalse: '4.16' }],
  ['water', { whenTrue: '4.17' }],
  ['fall', { whenTrue: '4.1' }],
  ['button', { whenTrue: '4.13' }],
  ['presence', { whenTrue: '4.18' }],
  ['motion', { whenTrue: '4.18' }],
  ['bed', { whenTrue: '4.20', whenFalse: '4.2' }],
]);
