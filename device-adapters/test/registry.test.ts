import { describe, expect, it } from 'vitest';
import { ADAPTER_NAMES, adapterNamed } from '../src/registry.js';

describe('adapter registry', () => {
  it('offers every format by its name', () => {
    expect([...ADAPTER_NAMES].sort()).toEqual(['dispenser-json', 'lpwan-alarm', 'native-json', 'senml', 'vkp-fhir', 'zigbee2mqtt']);
    for (const name of ADAPTER_NAMES) expect(adapterNamed(name)?.name).toBe(name);
  });

  it.each([['constructor'], ['__proto__'], ['toString'], ['Native-JSON'], ['']])('has no adapter named %j', (name) => {
    expect(adapterNamed(name)).toBeUndefined();
  });
});
