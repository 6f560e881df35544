import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_FLEET_MANIFEST_PATH } from '@knutepunkt/device-adapters';
import { fleetManifestPath, readFleetManifest } from '../src/index.js';
import { resident, writeManifest } from './fleet-fixture.js';

describe('fleet manifest reader', () => {
  it('prefers --manifest, then KNUTEPUNKT_FLEET_MANIFEST, then the default under INIT_CWD', () => {
    const env = { INIT_CWD: '/home/me/knutepunkt', KNUTEPUNKT_FLEET_MANIFEST: '/etc/fleet.json' };
    expect(fleetManifestPath('my.json', env)).toBe('/home/me/knutepunkt/my.json');
    expect(fleetManifestPath(undefined, env)).toBe('/etc/fleet.json');
    expect(fleetManifestPath(undefined, { INIT_CWD: '/home/me/knutepunkt' })).toBe(
      join('/home/me/knutepunkt', DEFAULT_FLEET_MANIFEST_PATH),
    );
    expect(fleetManifestPath(undefined, {})).toBe(join(process.cwd(), DEFAULT_FLEET_MANIFEST_PATH));
  });

  it('reads a manifest the hub wrote', async () => {
    const path = await writeManifest([resident('r-1', 'Kari Nordmann', [['sa-1', 'safety-alarm']])]);
    const manifest = await readFleetManifest(path);
    expect(manifest.residents[0]?.devices[0]?.deviceId).toBe('sa-1');
  });

  it('says how to get a manifest when there is none', async () => {
    await expect(readFleetManifest('/nowhere/demo-fleet.json')).rejects.toThrow(
      'no fleet manifest at /nowhere/demo-fleet.json: start the hub with `pnpm start` first, or pass --manifest',
    );
  });

  it('names what is wrong with a broken manifest', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'knutepunkt-sim-')), 'bad.json');
    await writeFile(path, JSON.stringify({ mqttUrl: 'mqtt://x', residents: [{ id: 'r', name: 'n', devices: [{ deviceId: 'd', password: 'p', kind: 'toaster' }] }] }));
    await expect(readFleetManifest(path)).rejects.toThrow(/residents\[0\]\.devices\[0\]\.kind must be one of/);
    await writeFile(path, '{');
    await expect(readFleetManifest(path)).rejects.toThrow(/is not JSON/);
  });

  it("reads every kind, a sensor's gateway when given, and takes a device without a format for native JSON", async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'knutepunkt-sim-')), 'fleet.json');
    const devices = [
      { deviceId: 'gw-1', password: 'p', kind: 'gateway', model: 'Gateway', adapter: 'zigbee2mqtt' },
      { deviceId: 'zd-1', password: 'p', kind: 'door-sensor', model: 'Dør', adapter: 'zigbee2mqtt', gatewayId: 'gw-1', gatewayAddress: 'gang/inngangsdør' },
      { deviceId: 'sa-1', password: 'p', kind: 'safety-alarm', model: 'Trygg 300' },
    ];
    await writeFile(path, JSON.stringify({ hubUrl: 'http://x', mqttUrl: 'mqtt://x', operators: [], residents: [{ id: 'r', name: 'n', devices }] }));
    const manifest = await readFleetManifest(path);
    expect(manifest.residents[0]!.devices.map((device) => [device.deviceId, device.adapter, device.gatewayId ?? null])).toEqual([
      ['gw-1', 'zigbee2mqtt', null],
      ['zd-1', 'zigbee2mqtt', 'gw-1'],
      ['sa-1', 'native-json', null],
    ]);
    await writeFile(path, JSON.stringify({ mqttUrl: 'mqtt://x', residents: [{ id: 'r', name: 'n', devices: [{ ...devices[1], gatewayId: 7 }] }] }));
    await expect(readFleetManifest(path)).rejects.toThrow(/residents\[0\]\.devices\[0\]\.gatewayId must be a non-empty string when present/);
  });
});
