import type { DeviceAdapter } from './device-event.js';
import { DispenserJsonAdapter } from './dispenser-json.adapter.js';
import { LpwanAlarmAdapter } from './lpwan-alarm.adapter.js';
import { NativeJsonAdapter } from './native-json.adapter.js';
import { SenmlAdapter } from './senml.adapter.js';
import { VkpFhirAdapter } from './vkp-fhir.adapter.js';
import { Zigbee2MqttAdapter } from './zigbee2mqtt.adapter.js';

const adapters: Record<string, DeviceAdapter> = Object.fromEntries(
  [
    new NativeJsonAdapter(),
    new Zigbee2MqttAdapter(),
    new SenmlAdapter(),
    new LpwanAlarmAdapter(),
    new DispenserJsonAdapter(),
    new VkpFhirAdapter(),
  ].map((adapter) => [adapter.name, adapter]),
);

/** Names a device registration may give as its format. */
export const ADAPTER_NAMES = Object.keys(adapters);

export function adapterNamed(name: string): DeviceAdapter | undefined {
  // Own keys only: a registration naming "constructor" has no adapter.
  return Object.hasOwn(adapters, name) ? adapters[name] : undefined;
}
