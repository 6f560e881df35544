import { excerpt, rejected } from './decode-result.js';
import type { DecodeContext, DecodeResult, DeviceAdapter, DeviceEvent, DeviceReport, TechnicalCondition } from './device-event.js';
import { instantFromMillis, utcInstant } from './instant.js';
import { isJsonObject, readJsonPayload } from './json-payload.js';
import type { AlertCode } from './vkp-codes.js';

/**
 * Zigbee2MQTT device state messages, as a home gateway publishes them for its child sensors.
 *
 * The gateway runs Zigbee2MQTT with `mqtt.base_topic: gateways/{gatewayId}` and publishes each
 * sensor's state as JSON on `gateways/{gatewayId}/{friendlyName}`. The hub resolves that topic to
 * the registered sensor and decodes with the sensor's deviceId. Payloads are what Z2M publishes
 * for the device's exposes, for example
 *   Aqara MCCGQ11LM door:   {"battery":91,"contact":false,"voltage":3005,"linkquality":87,"last_seen":"2026-03-01T07:14:05.000Z"}
 *   Aqara SJCGQ11LM water:  {"water_leak":true,"battery":100,"battery_low":false,"tamper":false}
 *   Aqara RTCGQ11LM motion: {"occupancy":true,"illuminance":48,"battery":100}
 *   Aqara DJT11LM vibration:{"vibration":true,"strength":7,"action":"vibration"}
 *
 * | state key          | value | code | event                                   |
 * |--------------------|-------|------|-----------------------------------------|
 * | contact            | false | 4.15 | Dør åpnet (the magnet left the contact) |
 * | contact            | true  | 4.16 | Dør lukket (information)                |
 * | water_leak         | true  | 4.17 | Vannalarm                               |
 * | smoke              | true  | 4.11 | Brannalarm                              |
 * | occupancy          | true  | 4.18 | Bevegelse                               |
 * | vibration          | true  | 4.18 | Bevegelse (see below)                   |
 * | battery_low        | true  | 4    | technical battery-low, Digitalt tilsyn  |
 * | battery            | 0–100 |  –   | report.battery, and battery on events   |
 * | tamper, others     |  any  |  –   | not mapped (VKP has no tamper code)     |
 *
 * Vibration → 4.18: VKP has no vibration code, and welfare technology uses vibration sensors
 * under mattresses and on bed frames, where vibration means the resident is moving. 4.18
 * "Uventet bevegelse registrert" says exactly that at the lowest care severity; leaving it as a
 * report would hide the one thing the sensor was installed to tell. `action` ("vibration",
 * "tilt", "drop") is not read: "drop" is the sensor itself falling, not the resident.
 *
 * A false water_leak/occupancy/smoke/vibration, or null (Z2M's "not known"), is no event.
 *
 * Z2M messages have no id. The event id is `${deviceId}:${stateKey}:${time}`, where time is
 * `last_seen` (the vendor guide asks for `advanced.last_seen: ISO_8601`; ISO_8601_local and epoch
 * are read too) or, without it, the hub's receivedAt; occurredAt is the same time.
 *
 * Z2M republishes the sensor's whole cached state with every update (`advanced.cache_state`,
 * on by default), so one open door can arrive as contact:false again with a later battery
 * report. This adapter is stateless and decodes each message as it is: each event names its
 * state key and the report lists every state seen, and the hub, which remembers the last state
 * per sensor and key, raises an event only when its state changed.
 */
export class Zigbee2MqttAdapter implements DeviceAdapter {
  readonly name = 'zigbee2mqtt';
  readonly contentType = 'application/json';

  decode(raw: Uint8Array, { deviceId, receivedAt }: DecodeContext): DecodeResult {
    const parsed = readJsonPayload(raw);
    if (!parsed.ok) return parsed.result;
    if (!isJsonObject(parsed.value)) {
      return rejected('wrong-type', `payload must be a Zigbee2MQTT state object (mqtt output "json"), got ${excerpt(parsed.value)}`);
    }
    const state = parsed.value;

    let occurredAt = receivedAt;
    const lastSeen = state.last_seen;
    if (lastSeen !== undefined && lastSeen !== null) {
      const seen = typeof lastSeen === 'number' ? instantFromMillis(lastSeen) : utcInstant(lastSeen);
      if (seen === undefined) {
        return rejected(
          'wrong-type',
          `"last_seen" ${excerpt(lastSeen)} is not an ISO 8601 instant or epoch milliseconds; set Zigbee2MQTT advanced.last_seen: ISO_8601`,
        );
      }
      occurredAt = seen;
    }

    const flags = new Map<StateKey, boolean>();
    for (const key of STATE_KEYS) {
      const value = state[key];
      if (value === undefined || value === null) continue;
      if (typeof value !== 'boolean') return rejected('wrong-type', `"${key}" must be true or false, got ${excerpt(value)}`);
      flags.set(key, value);
    }

    let battery: number | undefined;
    if (state.battery !== undefined && state.battery !== null) {
      if (typeof state.battery !== 'number' || !Number.isFinite(state.battery) || state.battery < 0 || state.battery > 100) {
        return rejected('wrong-type', `"battery" must be a number from 0 to 100 (percent), got ${excerpt(state.battery)}`);
      }
      battery = state.battery;
    }

    const events: DeviceEvent[] = [];
    for (const { key, when, code, technical } of STATE_EVENTS) {
      if (flags.get(key) !== when) continue;
      const event: DeviceEvent = { eventId: `${deviceId}:${key}:${occurredAt}`, deviceId, code, occurredAt, stateKey: key };
      if (battery !== undefined) event.battery = battery;
      if (technical) event.technical = technical;
      events.push(event);
    }
    const report: DeviceReport = {};
    if (battery !== undefined) report.battery = battery;
    if (flags.size > 0) report.states = Object.fromEntries(flags);
    return Object.keys(report).length > 0 ? { ok: true, events, report } : { ok: true, events };
  }
}

/** Boolean exposes this adapter reads; tamper is checked for type but maps to nothing. */
const STATE_KEYS = ['contact', 'water_leak', 'smoke', 'occupancy', 'vibration', 'battery_low', 'tamper'] as const;
type StateKey = (typeof STATE_KEYS)[number];

const STATE_EVENTS: ReadonlyArray<{ key: StateKey; when: boolean; code: AlertCode; technical?: TechnicalCondition }> = [
  { key: 'contact', when: false, code: '4.15' },
  { key: 'contact', when: true, code: '4.16' },
  { key: 'water_leak', when: true, code: '4.17' },
  { key: 'smoke', when: true, code: '4.11' },
  { key: 'occupancy', when: true, code: '4.18' },
  { key: 'vibration', when: true, code: '4.18' },
  // A Zigbee sensor has no VKP code of its own for its battery: its category code, Digitalt tilsyn.
  { key: 'battery_low', when: true, code: '4', technical: 'battery-low' },
];
