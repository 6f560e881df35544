import type { DeviceAdapter } from './device-event.js';
import { NativeJsonAdapter } from './native-json.adapter.js';

const adapters: Record<string, DeviceAdapter> = {
  'native-json': new NativeJsonAdapter(),
};

/** Names a device registration may give as its format. */
export const ADAPTER_NAMES = Object.keys(adapters);

export function adapterNamed(name: string): DeviceAdapter | undefined {
  return adapters[name];
}
