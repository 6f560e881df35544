import { excerpt, rejected } from './decode-result.js';
import type { DecodeContext, DecodeResult, DeviceAdapter, DeviceEvent, DeviceReport, TechnicalCondition } from './device-event.js';
import { utcInstant } from './instant.js';
import { isJsonObject, readJsonPayload } from './json-payload.js';
import type { AlertCode } from './vkp-codes.js';

/**
 * A medicine-dispenser vendor's own JSON, one message per dispenser event:
 *
 *   {"serial": "MD2-004711", "eventType": "DOSE_MISSED", "eventId": 4711,
 *    "timestamp": "2026-03-01T08:14:05+01:00", "scheduledFor": "2026-03-01T08:00:00+01:00",
 *    "doseCount": 3, "battery": 40, "message": "Morgendose ikke tatt ut"}
 *
 * Read: eventType, eventId (the dispenser's counter, a non-negative integer), timestamp (ISO 8601
 * with an offset), and when present battery (percent 0–100) and message (text for the operator,
 * at most 2000 characters). serial, scheduledFor and doseCount are the vendor's and not read: the
 * device is the one the topic names, and DeviceEvent has no place for a schedule.
 *
 * | eventType            | code | event                                        |
 * |----------------------|------|----------------------------------------------|
 * | DOSE_DUE             | 1.10 | Medisin venter (information: no alarm)       |
 * | DOSE_DISPENSED       |  –   | no event; report.dispensedAt = timestamp     |
 * | STATUS               |  –   | no event; report.battery when sent           |
 * | DOSE_MISSED          | 1.1  | Ikke utlevert                                |
 * | CONFIRMATION_MISSING | 1.3  | Mangler utleveringsbekreftelse               |
 * | MEDICATION_LOW       | 1.12 | Snart tomt for medisin                       |
 * | MEDICATION_EMPTY     | 1.13 | Tomt for medisin                             |
 * | JAMMED               | 1.8  | Rull sitter fast                             |
 * | LID_OPEN             | 1.21 | Dispenser åpen                               |
 * | POWER_LOST           | 1.19 | Ikke tilkoblet strøm, technical power-loss   |
 * | POWER_RESTORED       | 1    | technical power-restored (no VKP code: category 1) |
 * | BATTERY_LOW          | 1.17 | Batteri lavt, technical battery-low          |
 * | BATTERY_EMPTY        | 1.18 | Batteri tomt, technical battery-empty        |
 *
 * A dispensed dose is a report, not an information event: no VKP alert code says "dispensed"
 * (1.10 is a dose waiting, 1.16 a processed roll), and a wrong code would end up in the journal.
 * Its report.dispensedAt lets the hub end a missed dose (1.1, 1.3) it holds for the
 * municipality's grace period: the dose was taken out late. Every message reports battery when sent.
 *
 * Event id: `${eventId}:${timestamp in UTC}`, so a dispenser whose counter restarts after a
 * reset does not have its new events taken for redeliveries of old ones.
 */
export class DispenserJsonAdapter implements DeviceAdapter {
  readonly name = 'dispenser-json';
  readonly contentType = 'application/json';

  decode(raw: Uint8Array, { deviceId }: DecodeContext): DecodeResult {
    const parsed = readJsonPayload(raw);
    if (!parsed.ok) return parsed.result;
    if (!isJsonObject(parsed.value)) return rejected('wrong-type', `payload must be a JSON object, got ${excerpt(parsed.value)}`);
    const { eventType, eventId, timestamp, battery, message } = parsed.value;

    if (typeof eventType !== 'string') return rejected('wrong-type', `"eventType" must be a string such as "DOSE_MISSED", got ${excerpt(eventType)}`);
    const mapping = EVENT_TYPES.get(eventType);
    if (!mapping) return rejected('unknown-code', `"eventType" ${excerpt(eventType)} is not a dispenser event type`);
    if (typeof eventId !== 'number' || !Number.isSafeInteger(eventId) || eventId < 0) {
      return rejected('wrong-type', `"eventId" must be a non-negative integer, got ${excerpt(eventId)}`);
    }
    const occurredAt = utcInstant(timestamp);
    if (occurredAt === undefined) {
      return rejected('wrong-type', `"timestamp" must be an ISO 8601 date-time with a time zone, got ${excerpt(timestamp)}`);
    }
    if (battery !== undefined && (typeof battery !== 'number' || !Number.isFinite(battery) || battery < 0 || battery > 100)) {
      return rejected('wrong-type', `"battery" must be a number from 0 to 100, got ${excerpt(battery)}`);
    }
    if (message !== undefined && (typeof message !== 'string' || message.length > MAX_TEXT_LENGTH)) {
      return rejected('wrong-type', `"message" must be a string of at most ${MAX_TEXT_LENGTH} characters`);
    }

    const events: DeviceEvent[] = [];
    if (mapping.code !== undefined) {
      const event: DeviceEvent = { eventId: `${eventId}:${occurredAt}`, deviceId, code: mapping.code, occurredAt };
      if (battery !== undefined) event.battery = battery;
      if (message !== undefined) event.text = message;
      if (mapping.technical) event.technical = mapping.technical;
      events.push(event);
    }
    const report: DeviceReport = {};
    if (battery !== undefined) report.battery = battery;
    if (mapping.dispensed) report.dispensedAt = occurredAt;
    return Object.keys(report).length === 0 ? { ok: true, events } : { ok: true, events, report };
  }
}

const MAX_TEXT_LENGTH = 2000;

const EVENT_TYPES = new Map<string, { code?: AlertCode; technical?: TechnicalCondition; dispensed?: true }>([
  ['DOSE_DUE', { code: '1.10' }],
  ['DOSE_DISPENSED', { dispensed: true }],
  ['STATUS', {}],
  ['DOSE_MISSED', { code: '1.1' }],
  ['CONFIRMATION_MISSING', { code: '1.3' }],
  ['MEDICATION_LOW', { code: '1.12' }],
  ['MEDICATION_EMPTY', { code: '1.13' }],
  ['JAMMED', { code: '1.8' }],
  ['LID_OPEN', { code: '1.21' }],
  ['POWER_LOST', { code: '1.19', technical: 'power-loss' }],
  ['POWER_RESTORED', { code: '1', technical: 'power-restored' }],
  ['BATTERY_LOW', { code: '1.17', technical: 'battery-low' }],
  ['BATTERY_EMPTY', { code: '1.18', technical: 'battery-empty' }],
]);
