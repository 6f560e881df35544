import { jsonBytes, type DeviceFormat, type FormatEvent, type MessageDetails } from './device-format.js';

/**
 * SenML JSON packs (SenmlAdapter): a record for the measurement, named `urn:dev:{deviceId}:{measurement}`
 * with an absolute time, and a battery record in percent. The type is the measurement and its value.
 */
const MEASUREMENTS: ReadonlyArray<FormatEvent & { measurement: string; value: boolean }> = [
  { type: 'door:true', measurement: 'door', value: true, code: '4.15' },
  { type: 'door:false', measurement: 'door', value: false, code: '4.16' },
  { type: 'water:true', measurement: 'water', value: true, code: '4.17' },
  { type: 'fall:true', measurement: 'fall', value: true, code: '4.1' },
  { type: 'button:true', measurement: 'button', value: true, code: '4.13' },
  { type: 'presence:true', measurement: 'presence', value: true, code: '4.18' },
  { type: 'motion:true', measurement: 'motion', value: true, code: '4.18' },
  { type: 'bed:false', measurement: 'bed', value: false, code: '4.2' },
  { type: 'bed:true', measurement: 'bed', value: true, code: '4.20' },
];
const BATTERY_LOW = { type: 'battery<15%', code: '4', technical: 'battery-low' } as const satisfies FormatEvent;
/** The adapter's threshold: a battery below this is a technical battery-low event. */
const BATTERY_LOW_BELOW = 15;
/** The charge a low-battery record reports when the message gives none (or one that is not low). */
const LOW_CHARGE = 9;

export const senmlFormat: DeviceFormat = {
  name: 'senml',
  transport: 'mqtt',
  events: [...MEASUREMENTS.map(({ type, code }): FormatEvent => ({ type, code })), BATTERY_LOW],
  build(event: FormatEvent, details: MessageDetails): Uint8Array {
    const base = { bn: `urn:dev:${details.deviceId}:`, bt: details.occurredAt.getTime() / 1000 };
    if (event.type === BATTERY_LOW.type) {
      const charge = details.battery !== undefined && details.battery < BATTERY_LOW_BELOW ? details.battery : LOW_CHARGE;
      return jsonBytes([{ ...base, n: 'battery', u: '%', v: charge }]);
    }
    const measurement = MEASUREMENTS.find((candidate) => candidate.type === event.type);
    if (!measurement) throw new Error(`senml has no measurement "${event.type}"`);
    const pack: Array<Record<string, unknown>> = [{ ...base, n: measurement.measurement, vb: measurement.value }];
    // A low charge here would be a second, technical event: only a healthy battery rides along.
    if (details.battery !== undefined && details.battery >= BATTERY_LOW_BELOW) pack.push({ n: 'battery', u: '%', v: details.battery });
    return jsonBytes(pack);
  },
  malformed: { payload: jsonBytes({ n: 'door', vb: true }), problem: 'a record that is not in a pack (array)' },
};
