import { jsonBytes, type DeviceFormat, type FormatEvent, type MessageDetails } from './device-format.js';

/**
 * Zigbee2MQTT state messages (Zigbee2MqttAdapter), as a home gateway publishes them for a child
 * sensor on gateways/{gatewayId}/{friendly name}. The type is the state key and its value.
 */
const STATES: ReadonlyArray<FormatEvent & { key: string; value: boolean }> = [
  { type: 'contact:false', key: 'contact', value: false, code: '4.15' },
  { type: 'contact:true', key: 'contact', value: true, code: '4.16' },
  { type: 'water_leak:true', key: 'water_leak', value: true, code: '4.17' },
  { type: 'smoke:true', key: 'smoke', value: true, code: '4.11' },
  { type: 'occupancy:true', key: 'occupancy', value: true, code: '4.18' },
  { type: 'vibration:true', key: 'vibration', value: true, code: '4.18' },
  { type: 'battery_low:true', key: 'battery_low', value: true, code: '4', technical: 'battery-low' },
];

/** A sensor's link quality (0–255) as Z2M reports it; the hub does not read it. */
const LINK_QUALITY = 87;

export const zigbee2mqttFormat: DeviceFormat = {
  name: 'zigbee2mqtt',
  transport: 'gateway',
  events: STATES.map(({ type, code, technical }): FormatEvent => (technical ? { type, code, technical } : { type, code })),
  build(event: FormatEvent, details: MessageDetails): Uint8Array {
    const state = stateOf(event);
    return jsonBytes({ [state.key]: state.value, ...common(details) });
  },
  report(details: MessageDetails): Uint8Array {
    return jsonBytes(common(details));
  },
  previousState(event: FormatEvent, details: MessageDetails): Uint8Array {
    const state = stateOf(event);
    // A millisecond earlier, so the two messages never share a last_seen (nor an event id).
    return jsonBytes({ [state.key]: !state.value, ...common({ ...details, occurredAt: new Date(details.occurredAt.getTime() - 1) }) });
  },
  malformed: { payload: new TextEncoder().encode('{"contact": false, "battery": '), problem: 'JSON cut short' },
};

function stateOf(event: FormatEvent): (typeof STATES)[number] {
  const state = STATES.find((candidate) => candidate.type === event.type);
  if (!state) throw new Error(`zigbee2mqtt has no state "${event.type}"`);
  return state;
}

/** What Z2M adds to every state message; `last_seen` as the vendor guide asks (ISO_8601). */
function common(details: MessageDetails): Record<string, unknown> {
  const fields: Record<string, unknown> = { linkquality: LINK_QUALITY, last_seen: details.occurredAt.toISOString() };
  if (details.battery !== undefined) fields.battery = details.battery;
  return fields;
}
