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
});
