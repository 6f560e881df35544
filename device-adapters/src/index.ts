export * from './device-event.js';
export * from './vkp-codes.js';
export { NativeJsonAdapter } from './native-json.adapter.js';
export { adapterNamed, ADAPTER_NAMES } from './registry.js';
export * from './fleet-manifest.js';
export * from './seeded-random.js';
