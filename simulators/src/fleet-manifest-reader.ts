import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { DEFAULT_FLEET_MANIFEST_PATH } from '@knutepunkt/device-adapters';
import type { DeviceKind, FleetDevice, FleetManifest, FleetResident } from '@knutepunkt/device-adapters';

const DEVICE_KINDS: readonly DeviceKind[] = [
  'safety-alarm',
  'fall-detector',
  'door-sensor',
  'water-sensor',
  'motion-sensor',
  'bed-sensor',
  'medicine-dispenser',
  'gateway',
];

/** A manifest device; a sensor behind a home gateway also names the gateway and its name there. */
export type ManifestDevice = FleetDevice & { gatewayId?: string; gatewayAddress?: string };

/** The manifest as the simulators read it: a device may also name its home gateway (optional). */
export type SimulatorManifest = Omit<FleetManifest, 'residents'> & {
  residents: Array<Omit<FleetResident, 'devices'> & { devices: ManifestDevice[] }>;
};

/** A manifest that is missing or unusable; the message says what to do about it. */
export class FleetManifestError extends Error {
  override readonly name = 'FleetManifestError';
}

/**
 * Where to read the manifest: an explicit path wins, then KNUTEPUNKT_FLEET_MANIFEST, then the
 * hub's default location. Relative paths resolve against INIT_CWD, because `pnpm sim` runs us
 * inside simulators/ while the user (and the hub) started in the directory they typed it in.
 */
export function fleetManifestPath(explicitPath?: string, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = explicitPath ?? nonEmpty(env.KNUTEPUNKT_FLEET_MANIFEST) ?? DEFAULT_FLEET_MANIFEST_PATH;
  if (isAbsolute(chosen)) return chosen;
  return resolve(nonEmpty(env.INIT_CWD) ?? process.cwd(), chosen);
}

/** Reads and checks the manifest at `path` (see fleetManifestPath for how to choose it). */
export async function readFleetManifest(path: string): Promise<SimulatorManifest> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new FleetManifestError(
        `no fleet manifest at ${path}: start the hub with \`pnpm start\` first, or pass --manifest`,
      );
    }
    throw new FleetManifestError(`cannot read the fleet manifest at ${path}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new FleetManifestError(`the fleet manifest at ${path} is not JSON: ${(error as Error).message}`);
  }
  const problem = manifestProblem(parsed);
  if (problem) throw new FleetManifestError(`the fleet manifest at ${path} is not usable: ${problem}`);
  const manifest = parsed as SimulatorManifest;
  // Manifests from before devices had formats were all native JSON.
  for (const device of manifest.residents.flatMap((resident) => resident.devices)) device.adapter ??= 'native-json';
  return manifest;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** Checks only what the simulators rely on, so a hub that adds fields does not break us. */
function manifestProblem(value: unknown): string | undefined {
  if (!isRecord(value)) return 'expected a JSON object';
  if (typeof value.mqttUrl !== 'string' || value.mqttUrl === '') return '"mqttUrl" must be a non-empty string';
  if (!Array.isArray(value.residents)) return '"residents" must be an array';
  for (const [r, resident] of value.residents.entries()) {
    if (!isRecord(resident)) return `residents[${r}] must be an object`;
    if (typeof resident.id !== 'string' || typeof resident.name !== 'string') {
      return `residents[${r}] needs string "id" and "name"`;
    }
    if (!Array.isArray(resident.devices)) return `residents[${r}].devices must be an array`;
    for (const [d, device] of resident.devices.entries()) {
      const where = `residents[${r}].devices[${d}]`;
      if (!isRecord(device)) return `${where} must be an object`;
      if (typeof device.deviceId !== 'string' || device.deviceId === '') return `${where}.deviceId must be a non-empty string`;
      if (typeof device.password !== 'string') return `${where}.password must be a string`;
      if (!DEVICE_KINDS.includes(device.kind as DeviceKind)) {
        return `${where}.kind must be one of ${DEVICE_KINDS.join(', ')}`;
      }
      for (const field of ['adapter', 'model', 'gatewayId', 'gatewayAddress']) {
        if (device[field] !== undefined && (typeof device[field] !== 'string' || device[field] === '')) {
          return `${where}.${field} must be a non-empty string when present`;
        }
      }
    }
  }
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
