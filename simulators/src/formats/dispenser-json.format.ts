import { jsonBytes, type DeviceFormat, type FormatEvent, type MessageDetails } from './device-format.js';

/**
 * A medicine-dispenser vendor's JSON (DispenserJsonAdapter), one message per event. DOSE_DISPENSED
 * and STATUS raise no event (they are reports), so they are not among the events; DOSE_DISPENSED
 * is the format's `dispensed` message.
 */
const EVENT_TYPES: readonly FormatEvent[] = [
  { type: 'DOSE_DUE', code: '1.10' },
  { type: 'DOSE_MISSED', code: '1.1' },
  { type: 'CONFIRMATION_MISSING', code: '1.3' },
  { type: 'MEDICATION_LOW', code: '1.12' },
  { type: 'MEDICATION_EMPTY', code: '1.13' },
  { type: 'JAMMED', code: '1.8' },
  { type: 'LID_OPEN', code: '1.21' },
  { type: 'POWER_LOST', code: '1.19', technical: 'power-loss' },
  { type: 'POWER_RESTORED', code: '1', technical: 'power-restored' },
  { type: 'BATTERY_LOW', code: '1.17', technical: 'battery-low' },
  { type: 'BATTERY_EMPTY', code: '1.18', technical: 'battery-empty' },
];

export const dispenserJsonFormat: DeviceFormat = {
  name: 'dispenser-json',
  transport: 'mqtt',
  events: EVENT_TYPES,
  build(event: FormatEvent, details: MessageDetails): Uint8Array {
    return message(event.type, details);
  },
  dispensed(details: MessageDetails): Uint8Array {
    return message('DOSE_DISPENSED', details);
  },
  malformed: { payload: jsonBytes({ eventType: 'DOSE_MISSED', eventId: 'forty-seven', timestamp: '2026-03-01T08:14:05Z' }), problem: '"eventId" is not a number' },
};

function message(eventType: string, details: MessageDetails): Uint8Array {
  const payload: Record<string, unknown> = {
    // The vendor's own serial; the hub takes the device from the topic and does not read it.
    serial: details.deviceId,
    eventType,
    eventId: details.sequence,
    timestamp: details.occurredAt.toISOString(),
  };
  if (details.battery !== undefined) payload.battery = details.battery;
  if (details.text !== undefined) payload.message = details.text;
  return jsonBytes(payload);
}
