import type { DeviceFormat } from './device-format.js';
import { dispenserJsonFormat } from './dispenser-json.format.js';
import { lpwanAlarmFormat } from './lpwan-alarm.format.js';
import { nativeJsonFormat } from './native-json.format.js';
import { senmlFormat } from './senml.format.js';
import { vkpFhirFormat } from './vkp-fhir.format.js';
import { zigbee2mqttFormat } from './zigbee2mqtt.format.js';

/** One simulator format per adapter of @knutepunkt/device-adapters, by the adapter's registry name. */
export const DEVICE_FORMATS: readonly DeviceFormat[] = [nativeJsonFormat, zigbee2mqttFormat, senmlFormat, lpwanAlarmFormat, dispenserJsonFormat, vkpFhirFormat];

export function deviceFormatNamed(name: string): DeviceFormat | undefined {
  return DEVICE_FORMATS.find((format) => format.name === name);
}
