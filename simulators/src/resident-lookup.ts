import type { DeviceKind, FleetDevice, FleetManifest, FleetResident } from '@knutepunkt/device-adapters';

/** No resident, or more than one, fits what the user typed; the message lists the candidates. */
export class ResidentLookupError extends Error {
  override readonly name = 'ResidentLookupError';
  constructor(
    message: string,
    readonly candidates: readonly FleetResident[],
  ) {
    super(message);
  }
}

/**
 * Finds the resident a user means: an exact id, else a unique id prefix, else a unique
 * case-insensitive fragment of the name. Anything else is an error naming who would fit.
 */
export function findResident(manifest: FleetManifest, query: string): FleetResident {
  const wanted = query.trim();
  if (wanted === '') throw new ResidentLookupError('say which resident: --resident <id, id prefix or part of the name>', manifest.residents);
  const exact = manifest.residents.find((resident) => resident.id === wanted);
  if (exact) return exact;

  const byPrefix = manifest.residents.filter((resident) => resident.id.startsWith(wanted));
  if (byPrefix.length === 1) return byPrefix[0]!;
  if (byPrefix.length > 1) throw ambiguous(query, 'id prefix', byPrefix);

  const fragment = wanted.toLocaleLowerCase('nb');
  const byName = manifest.residents.filter((resident) => resident.name.toLocaleLowerCase('nb').includes(fragment));
  if (byName.length === 1) return byName[0]!;
  if (byName.length > 1) throw ambiguous(query, 'name fragment', byName);

  throw new ResidentLookupError(
    `no resident matches "${query}"; the manifest has:\n${describeResidents(manifest.residents)}`,
    manifest.residents,
  );
}

/** The resident's first device of the first kind in `preferred` that they have. */
export function deviceOfKind(resident: FleetResident, preferred: readonly DeviceKind[]): FleetDevice | undefined {
  for (const kind of preferred) {
    const device = resident.devices.find((candidate) => candidate.kind === kind);
    if (device) return device;
  }
  return undefined;
}

/** Finds a device anywhere in the manifest, with the resident it belongs to. */
export function findDevice(
  manifest: FleetManifest,
  deviceId: string,
): { resident: FleetResident; device: FleetDevice } | undefined {
  for (const resident of manifest.residents) {
    const device = resident.devices.find((candidate) => candidate.deviceId === deviceId);
    if (device) return { resident, device };
  }
  return undefined;
}

function ambiguous(query: string, how: string, candidates: FleetResident[]): ResidentLookupError {
  return new ResidentLookupError(
    `"${query}" is ambiguous as ${how === 'id prefix' ? 'an' : 'a'} ${how}; it fits ${candidates.length} residents:\n` +
      `${describeResidents(candidates)}\nbe more specific, or give the id`,
    candidates,
  );
}

function describeResidents(residents: readonly FleetResident[]): string {
  if (residents.length === 0) return '  (no residents)';
  return residents.map((resident) => `  ${resident.id}  ${resident.name}`).join('\n');
}
