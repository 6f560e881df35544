import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FleetManifest, FleetResident } from '@knutepunkt/device-adapters';
import type { DataSource } from 'typeorm';
import { Operator } from '../auth/operator.entity.js';
import { hashSecret, newSecret } from '../auth/secret-hash.js';
import { Tenant } from '../auth/tenant.entity.js';
import { DeviceModel } from '../devices/device-model.entity.js';
import { placeDevice } from '../devices/device-registry.service.js';
import { Device } from '../devices/device.entity.js';
import { Vendor } from '../devices/vendor.entity.js';
import type { AccountRole } from '../realtime/contract.js';
import { Resident } from '../residents/resident.entity.js';
import { ResponderTeam } from '../responders/responder-team.entity.js';
import { syntheticNationalId } from '../residents/national-id.js';

const FIRST_NAMES = ['Astrid', 'Olav', 'Ingrid', 'Kåre', 'Solveig', 'Arne', 'Gerd', 'Bjørn', 'Randi', 'Leif', 'Marit', 'Svein', 'Berit', 'Odd', 'Liv', 'Terje', 'Kari', 'Harald', 'Åse', 'Nils'];
const SURNAMES = ['Hansen', 'Johansen', 'Olsen', 'Larsen', 'Andersen', 'Pedersen', 'Nilsen', 'Kristiansen', 'Jensen', 'Karlsen'];
const STREETS = ['Storgata', 'Kirkeveien', 'Fjordveien', 'Skolegata', 'Bakkeveien', 'Granveien', 'Sjøgata', 'Løkkeveien'];
const DIAGNOSES = [['Demens'], ['Hjertesvikt'], ['KOLS'], ['Diabetes type 2'], ['Parkinsons sykdom'], [], ['Artrose', 'Osteoporose']];
const RISK_FLAGS = [['fall-risk'], ['lives-alone'], ['wandering-risk'], [], ['fall-risk', 'lives-alone']];

interface DemoTenant {
  name: string;
  /** Shifts this tenant's synthetic people so no two demo residents share a name. */
  seedBase: number;
  organisationNumber: string;
  prefix: string;
  residents: number;
  /** Home-care teams, each serving one zone; residents are spread over the zones in turn. */
  teams: Array<{ name: string; zone: string; phone: string }>;
  /** A responder's `team` names one of the tenant's teams. */
  operators: Array<{ username: string; displayName: string; role: Exclude<AccountRole, 'vendor'>; team?: string }>;
}

/** A municipality with operators, a supervisor, two home-care teams and twenty residents, and a small neighbour to show tenancy. */
const DEMO_TENANTS: DemoTenant[] = [
  {
    name: 'Nordby kommune',
    seedBase: 0,
    organisationNumber: '999111222',
    prefix: 'nordby',
    residents: 20,
    teams: [
      { name: 'Hjemmetjenesten Sentrum', zone: 'Sentrum', phone: '40001001' },
      { name: 'Hjemmetjenesten Nord', zone: 'Nord', phone: '40001002' },
    ],
    operators: [
      { username: 'operator', displayName: 'Kari Operatør', role: 'operator' },
      { username: 'operator2', displayName: 'Ola Operatør', role: 'operator' },
      { username: 'supervisor', displayName: 'Vigdis Vaktleder', role: 'supervisor' },
      { username: 'admin', displayName: 'Nils Administrator', role: 'admin' },
      { username: 'responder', displayName: 'Per Pleier', role: 'responder', team: 'Hjemmetjenesten Sentrum' },
      { username: 'responder2', displayName: 'Nora Sykepleier', role: 'responder', team: 'Hjemmetjenesten Nord' },
    ],
  },
  {
    name: 'Sørvik kommune',
    seedBase: 101,
    organisationNumber: '999333444',
    prefix: 'sorvik',
    residents: 2,
    teams: [{ name: 'Hjemmetjenesten Sørvik', zone: 'Sørvik', phone: '40002001' }],
    operators: [{ username: 'sorvik', displayName: 'Siri Sørvik', role: 'operator' }],
  },
];

/** Passwords of an earlier manifest, so that a restarted hub keeps its simulators logged in. */
async function earlierPasswords(manifestPath: string): Promise<Map<string, string>> {
  try {
    const earlier = JSON.parse(await readFile(manifestPath, 'utf8')) as FleetManifest;
    return new Map([
      ...earlier.operators.map((operator) => [operator.username, operator.password] as const),
      ...earlier.residents.flatMap((resident) => resident.devices.map((device) => [device.deviceId, device.password] as const)),
    ]);
  } catch {
    return new Map();
  }
}

/** The demo fleet heartbeats every minute, so a silent device shows "Ingen kontakt" within minutes. */
const DEMO_HEARTBEAT_SECONDS = 60;
const DEMO_VENDOR = { name: 'Trygg Teknikk AS', username: 'vendor', displayName: 'Trygg Teknikk (leverandør)' };
const DEMO_MODELS: Array<Pick<DeviceModel, 'name' | 'kind' | 'adapter'>> = [
  { name: 'Trygg 300', kind: 'safety-alarm', adapter: 'native-json' },
  { name: 'Dørsensor Z2', kind: 'door-sensor', adapter: 'native-json' },
  { name: 'Dosett Pro', kind: 'medicine-dispenser', adapter: 'native-json' },
  { name: 'LoRa Trygghetsalarm', kind: 'safety-alarm', adapter: 'lpwan-alarm' },
  { name: 'MedDose 2', kind: 'medicine-dispenser', adapter: 'dispenser-json' },
  { name: 'Hjemmegateway Zigbee', kind: 'gateway', adapter: 'zigbee2mqtt' },
  { name: 'Aqara dørsensor', kind: 'door-sensor', adapter: 'zigbee2mqtt' },
  { name: 'Sengesensor SenML', kind: 'bed-sensor', adapter: 'senml' },
];
const modelNamed = (name: string) => DEMO_MODELS.find((model) => model.name === name)!;

interface DemoDevice {
  model: Pick<DeviceModel, 'name' | 'kind' | 'adapter'>;
  /** The sensor's name at the gateway listed just before it. */
  behindGateway?: string;
}

async function seedDemoVendor(db: DataSource): Promise<string> {
  const vendors = db.getRepository(Vendor);
  const vendor = (await vendors.findOneBy({ name: DEMO_VENDOR.name })) ?? (await vendors.save(vendors.create({ name: DEMO_VENDOR.name })));
  await db.getRepository(DeviceModel).upsert(
    DEMO_MODELS.map((model) => ({ ...model, vendorId: vendor.id, heartbeatSeconds: DEMO_HEARTBEAT_SECONDS, missedHeartbeats: 3 })),
    ['name'],
  );
  return vendor.id;
}

/** Mostly the native format, and a few residents with each other format, so every adapter is seen at work. */
function devicesFor(index: number): DemoDevice[] {
  const devices: DemoDevice[] = [{ model: modelNamed(index === 3 ? 'LoRa Trygghetsalarm' : 'Trygg 300') }];
  if (index === 6) devices.push({ model: modelNamed('Hjemmegateway Zigbee') }, { model: modelNamed('Aqara dørsensor'), behindGateway: 'gang/inngangsdør' });
  else if (index % 2 === 0) devices.push({ model: modelNamed('Dørsensor Z2') });
  if (index % 4 === 1) devices.push({ model: modelNamed(index === 5 ? 'MedDose 2' : 'Dosett Pro') });
  if (index === 7) devices.push({ model: modelNamed('Sengesensor SenML') });
  return devices;
}

/**
 * Seeds the demo fleet (once) and writes the fleet manifest that the simulators read, with
 * each demo operator's and device's password: kept from the earlier manifest when there is
 * one, new otherwise. Demo data only.
 */
export async function seedDemoFleet(db: DataSource, manifestPath: string, hubUrl: string, mqttUrl: string): Promise<FleetManifest> {
  const manifest: FleetManifest = { hubUrl, mqttUrl, operators: [], residents: [] };
  const earlier = await earlierPasswords(manifestPath);
  const password = (name: string) => earlier.get(name) ?? newSecret(6);
  const vendorId = await seedDemoVendor(db);
  const vendorSecret = password(DEMO_VENDOR.username);
  await db.getRepository(Operator).upsert(
    { username: DEMO_VENDOR.username, displayName: DEMO_VENDOR.displayName, passwordHash: await hashSecret(vendorSecret), role: 'vendor', tenantIds: [], vendorId },
    ['username'],
  );
  for (const spec of DEMO_TENANTS) {
    const tenants = db.getRepository(Tenant);
    const tenant = (await tenants.findOneBy({ organisationNumber: spec.organisationNumber })) ?? (await tenants.save(tenants.create({ name: spec.name, organisationNumber: spec.organisationNumber })));
    await db.getRepository(ResponderTeam).upsert(
      spec.teams.map((team) => ({ tenantId: tenant.id, name: team.name, phone: team.phone, zones: [team.zone] })),
      ['tenantId', 'name'],
    );
    const teams = await db.getRepository(ResponderTeam).findBy({ tenantId: tenant.id });
    for (const operatorSpec of spec.operators) {
      const secret = password(operatorSpec.username);
      const teamId = teams.find((team) => team.name === operatorSpec.team)?.id ?? null;
      await db.getRepository(Operator).upsert(
        {
          username: operatorSpec.username,
          displayName: operatorSpec.displayName,
          passwordHash: await hashSecret(secret),
          role: operatorSpec.role,
          tenantIds: [tenant.id],
          vendorId: null,
          teamId,
        },
        ['username'],
      );
      manifest.operators.push({ username: operatorSpec.username, password: secret, displayName: operatorSpec.displayName, tenant: tenant.name });
    }
    for (let index = 0; index < spec.residents; index++) {
      manifest.residents.push(await seedResident(db, tenant, spec, index, password, vendorId));
    }
  }
  manifest.operators.push({ username: DEMO_VENDOR.username, password: vendorSecret, displayName: DEMO_VENDOR.displayName, tenant: DEMO_VENDOR.name });
  await mkdir(path.dirname(path.resolve(manifestPath)), { recursive: true });
  await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
  return manifest;
}

async function seedResident(
  db: DataSource,
  tenant: Tenant,
  spec: DemoTenant,
  index: number,
  password: (name: string) => string,
  vendorId: string,
): Promise<FleetResident> {
  const seed = spec.seedBase + index;
  const birthDate = `19${30 + (seed % 20)}-${String((seed % 12) + 1).padStart(2, '0')}-${String((seed % 27) + 1).padStart(2, '0')}`;
  const nationalId = syntheticNationalId(birthDate, seed * 7);
  const residents = db.getRepository(Resident);
  const resident =
    (await residents.findOneBy({ tenantId: tenant.id, nationalId })) ??
    (await residents.save(
      residents.create({
        tenantId: tenant.id,
        nationalId,
        name: `${FIRST_NAMES[seed % FIRST_NAMES.length]} ${SURNAMES[(seed * 3 + Math.floor(seed / 100)) % SURNAMES.length]}`,
        birthDate,
        address: `${STREETS[seed % STREETS.length]} ${(seed % 40) + 1}, ${spec.name.replace(' kommune', '')}`,
        phone: `9${String(1000000 + seed * 7919).slice(-7)}`,
        keyBox: index % 3 === 0 ? `Nøkkelboks ved inngangsdør, kode ${1000 + seed}` : null,
        eLock: index % 3 === 1 ? 'Elektronisk dørlås, åpnes fra appen' : null,
        diagnoses: DIAGNOSES[seed % DIAGNOSES.length]!,
        riskFlags: RISK_FLAGS[seed % RISK_FLAGS.length]!,
        nextOfKin: [{ name: `${FIRST_NAMES[(seed + 5) % FIRST_NAMES.length]} ${SURNAMES[(seed * 3) % SURNAMES.length]}`, relation: 'Datter', phone: `4${String(2000000 + seed * 104729).slice(-7)}` }],
        source: 'Demodata',
        zone: spec.teams[index % spec.teams.length]!.zone,
      }),
    ));
  // Residents seeded before zones existed get theirs.
  if (resident.zone === null) await residents.update({ id: resident.id }, { zone: spec.teams[index % spec.teams.length]!.zone });
  const fleetResident: FleetResident = { id: resident.id, name: resident.name, devices: [] };
  let gatewayId: string | undefined;
  for (const [deviceIndex, { model, behindGateway }] of devicesFor(index).entries()) {
    const deviceId = `${spec.prefix}-${String(index + 1).padStart(2, '0')}-${deviceIndex + 1}`;
    const secret = password(deviceId);
    const gateway = behindGateway ? { gatewayId: gatewayId!, gatewayAddress: behindGateway } : {};
    if (model.kind === 'gateway') gatewayId = deviceId;
    // A device seeded before keeps what an admin did with it since (moved, suspended, retired).
    if (await db.getRepository(Device).existsBy({ id: deviceId })) {
      await db.getRepository(Device).update({ id: deviceId }, { credentialHash: await hashSecret(secret) });
    } else {
      await db.getRepository(Device).insert(
        {
          id: deviceId,
          tenantId: tenant.id,
          residentId: resident.id,
          kind: model.kind,
          model: model.name,
          adapter: model.adapter,
          ...gateway,
          credentialHash: await hashSecret(secret),
          status: 'active',
          vendorId,
          serial: deviceId.toUpperCase(),
          heartbeatSeconds: DEMO_HEARTBEAT_SECONDS,
          missedHeartbeats: 3,
        },
      );
      await placeDevice(db.manager, deviceId, tenant.id, resident.id);
    }
    fleetResident.devices.push({ deviceId, password: secret, kind: model.kind, model: model.name, adapter: model.adapter, ...gateway });
  }
  return fleetResident;
}
