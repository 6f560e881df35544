import type { AlertCode, DeviceKind } from '@knutepunkt/device-adapters';
import type { ManifestDevice, SimulatorManifest } from './fleet-manifest-reader.js';
import { HubApi, messageOf, type HubAlarmView, type HubDeviceView, type HubIncidentView } from './hub-api.js';
import { osloClock } from './oslo-time.js';
import { SimulatedDevice } from './simulated-device.js';

/**
 * A scripted night on the demo fleet, for testers and for the end-to-end test: falls, a resident
 * pressing again and again, doors opened (one closed again, one left open by a resident at risk
 * of wandering), missed doses (one taken late), and a power cut across many devices, then a
 * check of what the hub made of it: the alarms, their priorities, the incident, and escalation
 * of what no one answered. The cast are demo residents, each given devices registered for the
 * night, so a running fleet's own events are not taken for the script's; the table below says
 * what a nurse would expect of each.
 */

type Send = AlertCode | 'dispensed';

interface ScriptedEvent {
  /** Seconds from the start of the night (multiplied by the pace). */
  at: number;
  /** A demo resident, by first name. */
  who: string;
  kind: DeviceKind;
  send: Send;
  says: string;
}

const SCRIPT: readonly ScriptedEvent[] = [
  { at: 0, who: 'Astrid', kind: 'safety-alarm', send: '4.1', says: 'Astrid faller på badet' },
  { at: 1, who: 'Kåre', kind: 'safety-alarm', send: '4.13', says: 'Kåre trykker på alarmen' },
  { at: 2, who: 'Ingrid', kind: 'door-sensor', send: '4.15', says: 'Ingrid åpner ytterdøra og går ut' },
  { at: 3, who: 'Solveig', kind: 'door-sensor', send: '4.15', says: 'Solveig åpner ytterdøra' },
  { at: 4, who: 'Olav', kind: 'medicine-dispenser', send: '1.1', says: 'Olav tar ikke ut kveldsdosen' },
  { at: 5, who: 'Arne', kind: 'medicine-dispenser', send: '1.1', says: 'Arne tar ikke ut kveldsdosen i tide' },
  { at: 6, who: 'Kåre', kind: 'safety-alarm', send: '4.13', says: 'Kåre trykker igjen' },
  { at: 7, who: 'Solveig', kind: 'door-sensor', send: '4.16', says: 'Solveig lukker døra igjen' },
  { at: 9, who: 'Arne', kind: 'medicine-dispenser', send: 'dispensed', says: 'Arne tar ut dosen likevel' },
  { at: 10, who: 'Kåre', kind: 'safety-alarm', send: '4.13', says: 'Kåre trykker en tredje gang' },
];

/** When the power goes, in seconds from the start (times the pace). */
const POWER_CUT_AT = 12;

/** Models of the devices the power cut takes out, in turn: two report the loss on battery, one just goes silent. */
const POWER_CUT_MODELS = [
  { model: 'LoRa Trygghetsalarm', reports: 'power-loss' },
  { model: 'MedDose 2', reports: 'POWER_LOST' },
  { model: 'Trygg 300', reports: undefined },
] as const;

/** What should come of it; checked against the hub's API. */
interface Expectation {
  what: string;
  check(state: NightState): string | undefined;
}

interface NightState {
  /** The queue, with how many repeats each alarm had when the night began (0 for those raised since; undefined for those closed before). */
  alarms: Array<HubAlarmView & { repeatsBefore: number | undefined }>;
  incidents: HubIncidentView[];
  cast: Map<string, CastMember>;
  powerCut: string[];
}

/** The alarms the night's own devices of the resident raised with that code (a running fleet's are not counted). */
const tonight = (state: NightState, who: string, code: string) =>
  state.alarms.filter((alarm) => [...state.cast.get(who)!.devices.values()].some((device) => device.deviceId === alarm.device.id) && alarm.code === code);
const one = (alarms: HubAlarmView[], what: string): HubAlarmView | string => (alarms.length === 1 ? alarms[0]! : `${alarms.length} ${what} alarms`);

const EXPECTATIONS: readonly Expectation[] = [
  {
    what: 'Astrid: a fall, severity 40, escalated when no one answers',
    check(state) {
      const fall = one(tonight(state, 'Astrid', '4.1'), 'fall');
      if (typeof fall === 'string') return fall;
      if (fall.severity !== 40) return `severity ${fall.severity}`;
      return fall.escalationLevel >= 1 ? undefined : 'not escalated yet';
    },
  },
  {
    what: 'Kåre: three presses, one alarm (severity 30) with the others as repeats, or all joining his call for help already open',
    check(state) {
      const raised = tonight(state, 'Kåre', '4.13');
      // With a fleet running, his presses may join a call for help it raised: it gains their repeats.
      const joined = state.alarms.filter(
        (alarm) => alarm.resident.id === state.cast.get('Kåre')!.residentId && !raised.includes(alarm) && alarm.repeatsBefore !== undefined && alarm.repeatCount > alarm.repeatsBefore,
      );
      if (raised.length + joined.length !== 1) return `the presses went to ${raised.length + joined.length} alarms`;
      const [other] = joined;
      if (other) return other.repeatCount - other.repeatsBefore! >= 3 ? undefined : `only ${other.repeatCount - other.repeatsBefore!} presses joined ${other.code}`;
      const press = raised[0]!;
      if (press.severity !== 30) return `severity ${press.severity}`;
      return press.repeatCount >= 2 ? undefined : `${press.repeatCount} repeats`;
    },
  },
  {
    what: 'Ingrid: door left open at night, wandering risk: urgent (40) once the return time is out',
    check(state) {
      const door = one(tonight(state, 'Ingrid', '4.15'), 'door');
      if (typeof door === 'string') return door;
      return door.severity === 40 ? undefined : `severity ${door.severity}: ${door.reason}`;
    },
  },
  {
    what: 'Solveig: door opened and closed again: no alarm',
    check: (state) => (tonight(state, 'Solveig', '4.15').length === 0 ? undefined : 'an alarm was raised'),
  },
  {
    what: 'Olav: missed dose, never taken: an alarm (30, lives alone) after the grace period',
    check(state) {
      const dose = one(tonight(state, 'Olav', '1.1'), 'missed-dose');
      if (typeof dose === 'string') return dose;
      return dose.severity === 30 ? undefined : `severity ${dose.severity}`;
    },
  },
  {
    what: 'Arne: missed dose taken within the grace period: no alarm',
    check: (state) => (tonight(state, 'Arne', '1.1').length === 0 ? undefined : 'an alarm was raised'),
  },
  {
    what: 'Power cut: one outage incident listing every device that lost power or contact',
    check(state) {
      const outages = state.incidents.filter((incident) => incident.kind === 'outage' && incident.members.some((member) => state.powerCut.includes(member.device.id)));
      if (outages.length !== 1) return `${outages.length} outage incidents`;
      const listed = new Set(outages[0]!.members.map((member) => member.device.id));
      const missing = state.powerCut.filter((device) => !listed.has(device));
      return missing.length === 0 ? undefined : `${missing.length} of ${state.powerCut.length} devices not listed`;
    },
  },
];

export interface NightOptions {
  manifest: SimulatorManifest;
  /** Multiplies the script's times; 2 spreads the night over twice as long. Default 1. */
  pace?: number;
  /** Devices the power cut takes out. Default 50. */
  powerCutDevices?: number;
  /** The answer limit while the night runs, seconds. Default 20. */
  answerLimitSeconds?: number;
  /** Door return time and missed-dose grace period while the night runs, seconds. Default 15. */
  holdSeconds?: number;
  /** How long to wait for the hub to show all that is expected, seconds. Default 90. */
  checkSeconds?: number;
  /** Leave the night's rules, limits and power-cut devices in place afterwards (the console still shows the night). */
  keep?: boolean;
  log: (line: string) => void;
}

export interface NightCheck {
  what: string;
  passed: boolean;
  detail: string;
}

/** Runs the night and returns each expectation with whether the hub met it. */
export async function runNight(options: NightOptions): Promise<NightCheck[]> {
  const { manifest, log } = options;
  const pace = options.pace ?? 1;
  const account = (username: string) => {
    const found = manifest.operators.find((operator) => operator.username === username);
    if (!found) throw new Error(`the night runs on the demo fleet: the manifest has no "${username}" account`);
    return { username: found.username, password: found.password };
  };
  const admin = await HubApi.login(manifest.hubUrl, account('admin'));
  const operator = await HubApi.login(manifest.hubUrl, account('operator'));
  const tenant = admin.who.tenants[0];
  if (!tenant) throw new Error('the admin account has no municipality');
  const startedAt = new Date();
  const openBefore = new Map((await operator.expect<HubAlarmView[]>('GET', '/api/alarms')).filter((alarm) => alarm.state !== 'closed').map((alarm) => [alarm.id, alarm.repeatCount]));

  const rulesRoute = `/api/tenants/${tenant.id}/triage-rules`;
  const limitsRoute = `/api/tenants/${tenant.id}/service-limits`;
  const rulesBefore = await admin.expect<Record<string, unknown>>('GET', rulesRoute);
  const limitsBefore = await admin.expect<{ answerLimitSeconds: number; onSiteLimitSeconds: number }>('GET', limitsRoute);
  const hold = options.holdSeconds ?? 15;
  const night = nightHoursAround(startedAt);
  await admin.expect('PUT', rulesRoute, { ...rulesBefore, doorReturnSeconds: hold, missedDoseGraceSeconds: hold, nightHours: night });
  await admin.expect('PUT', limitsRoute, { ...limitsBefore, answerLimitSeconds: options.answerLimitSeconds ?? 20 });
  log(`${tenant.name}: door return and dose grace ${hold} s, answer limit ${options.answerLimitSeconds ?? 20} s, night ${night.from}–${night.to} (so that now is night)`);

  await retireEarlierNights(admin, log);
  const serials = new NightSerials();
  const cast = await castOf(manifest, admin, tenant.id, serials);
  const powerCut = await registerPowerCutDevices(admin, tenant.id, manifest.mqttUrl, options.powerCutDevices ?? 50, serials, log);
  const devices = new Map<string, SimulatedDevice>();
  try {
    for (const { devices: own } of cast.values()) {
      for (const member of own.values()) {
        const simulator = new SimulatedDevice(member, { mqttUrl: manifest.mqttUrl, heartbeatSeconds: 60 });
        await simulator.connect();
        devices.set(member.deviceId, simulator);
      }
    }
    const started = Date.now();
    const waitUntil = (seconds: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, started + seconds * pace * 1000 - Date.now())));
    for (const step of SCRIPT) {
      await waitUntil(step.at);
      const member = cast.get(step.who)!.devices.get(step.kind)!;
      const simulator = devices.get(member.deviceId)!;
      if (step.send === 'dispensed') await simulator.sendDispensed();
      else await simulator.sendEvent(step.send);
      log(`${osloClock()}  ${step.says}  (${step.send}, ${member.deviceId})`);
    }
    await waitUntil(POWER_CUT_AT);
    log(`${osloClock()}  Strømmen går i ${powerCut.length} hjem`);
    await Promise.all(
      powerCut.map(async ({ simulator, reports }) => {
        if (reports) await simulator.sendEvent(reports === 'power-loss' ? { type: 'power-loss', code: '3', technical: 'power-loss' } : { type: 'POWER_LOST', code: '1.19', technical: 'power-loss' });
        else await simulator.stop(true); // no battery: the connection just drops, and the broker sends its last will
      }),
    );

    const deadline = Date.now() + (options.checkSeconds ?? 90) * 1000;
    let checks: NightCheck[] = [];
    for (;;) {
      const queue = await operator.expect<HubAlarmView[]>('GET', '/api/alarms');
      const state: NightState = {
        alarms: queue.map((alarm) => ({
          ...alarm,
          repeatsBefore: openBefore.get(alarm.id) ?? (Date.parse(alarm.raisedAt) >= startedAt.getTime() ? 0 : undefined),
        })),
        incidents: await operator.expect<HubIncidentView[]>('GET', '/api/incidents'),
        cast,
        powerCut: powerCut.map(({ simulator }) => simulator.deviceId),
      };
      checks = EXPECTATIONS.map((expectation) => {
        const problem = expectation.check(state);
        return { what: expectation.what, passed: problem === undefined, detail: problem ?? 'as expected' };
      });
      if (checks.every((check) => check.passed) || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    return checks;
  } finally {
    await Promise.allSettled([...devices.values()].map((simulator) => simulator.stop()));
    await Promise.allSettled(powerCut.map(({ simulator }) => simulator.stop()));
    if (!options.keep) {
      // Retired, the night's devices are not missed by supervision: the silent ones' no-contact alarms resolve,
      // while the others' alarms, the power-loss ones and with them the incident, stay for the operator.
      for (const deviceId of [...devices.keys(), ...powerCut.map(({ simulator }) => simulator.deviceId)]) {
        await admin.call('POST', `/api/devices/${encodeURIComponent(deviceId)}/retire`);
      }
      await admin.call('PUT', rulesRoute, rulesBefore);
      await admin.call('PUT', limitsRoute, limitsBefore);
      log("rules and limits are back as they were, and the night's devices retired");
    }
  }
}

interface CastMember {
  residentId: string;
  /** Devices registered for the night, one per kind the script uses: a running fleet's events never mix with them. */
  devices: Map<DeviceKind, ManifestDevice>;
}

/** The model each scripted device is registered as: a dispenser that must say a dose was taken out speaks dispenser-json. */
function modelFor(kind: DeviceKind, sendsDispensed: boolean): string {
  if (kind === 'medicine-dispenser') return sendsDispensed ? 'MedDose 2' : 'Dosett Pro';
  return kind === 'door-sensor' ? 'Dørsensor Z2' : 'Trygg 300';
}

/** The cast: each scripted demo resident, found by first name, with a device of each kind the script uses registered for the night. */
async function castOf(manifest: SimulatorManifest, admin: HubApi, tenantId: string, serials: NightSerials): Promise<Map<string, CastMember>> {
  const cast = new Map<string, CastMember>();
  for (const step of SCRIPT) {
    const resident = manifest.residents.find((candidate) => candidate.name.split(' ')[0] === step.who);
    if (!resident) throw new Error(`the night runs on the demo fleet: no resident called ${step.who} in the manifest`);
    const member = cast.get(step.who) ?? { residentId: resident.id, devices: new Map() };
    cast.set(step.who, member);
    if (member.devices.has(step.kind)) continue;
    const sendsDispensed = SCRIPT.some((other) => other.who === step.who && other.kind === step.kind && other.send === 'dispensed');
    member.devices.set(step.kind, await register(admin, modelFor(step.kind, sendsDispensed), tenantId, resident.id, serials));
  }
  return cast;
}

/** Registers a device of the model with the resident and returns it as the simulators know devices. */
async function register(admin: HubApi, model: string, tenantId: string, residentId: string, serials: NightSerials): Promise<ManifestDevice> {
  // Training devices: the night's alarms are handled like any other and never reach a resident's record.
  const answer = await admin.call<{ device: HubDeviceView; password: string }>('POST', '/api/devices', { model, serial: serials.next(), tenantId, residentId, training: true });
  if (answer.status !== 201 && answer.status !== 200) throw new Error(`could not register a ${model} for the night: ${answer.status} ${messageOf(answer.body)}`);
  const { device, password } = answer.body;
  return { deviceId: device.id, password, kind: device.kind as DeviceKind, model: device.model, adapter: device.adapter };
}

/** Night hours (Europe/Oslo) that hold the present hour, so the night's rules apply whenever it is run. */
function nightHoursAround(now: Date): { from: number; to: number } {
  const hour = Number(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Oslo', hour: '2-digit', hourCycle: 'h23' }).format(now));
  const usual = { from: 22, to: 7 };
  return hour >= usual.from || hour < usual.to ? usual : { from: hour, to: (hour + 9) % 24 };
}

const SERIAL_PREFIX = 'NATT-';

/** Devices an earlier night registered for its power cut go, so the fleet does not grow with every run. */
async function retireEarlierNights(admin: HubApi, log: (line: string) => void): Promise<void> {
  const earlier = (await admin.expect<HubDeviceView[]>('GET', '/api/devices')).filter((device) => device.serial?.startsWith(SERIAL_PREFIX) && device.status !== 'retired');
  for (const device of earlier) await admin.expect('POST', `/api/devices/${encodeURIComponent(device.id)}/retire`);
  if (earlier.length > 0) log(`retired ${earlier.length} devices of an earlier night`);
}

/** Serials of the night's devices: NATT-<night>-<n>, so a later night finds and retires them. */
class NightSerials {
  private readonly night = Date.now().toString(36).toUpperCase();
  private count = 0;

  next(): string {
    this.count += 1;
    return `${SERIAL_PREFIX}${this.night}-${this.count}`;
  }
}

/** Registers the homes the power cut hits: devices of the three models in turn, placed with the municipality's residents. */
async function registerPowerCutDevices(
  admin: HubApi,
  tenantId: string,
  mqttUrl: string,
  count: number,
  serials: NightSerials,
  log: (line: string) => void,
): Promise<Array<{ simulator: SimulatedDevice; reports: string | undefined }>> {
  const residents = [
    ...new Set((await admin.expect<HubDeviceView[]>('GET', '/api/devices')).filter((device) => device.tenantId === tenantId && device.resident).map((device) => device.resident!.id)),
  ];
  if (residents.length === 0) throw new Error('the municipality has no residents with devices to cut the power of');
  const devices: Array<{ simulator: SimulatedDevice; reports: string | undefined }> = [];
  for (let index = 0; index < count; index++) {
    const { model, reports } = POWER_CUT_MODELS[index % POWER_CUT_MODELS.length]!;
    const device = await register(admin, model, tenantId, residents[index % residents.length]!, serials);
    const simulator = new SimulatedDevice(device, { mqttUrl, heartbeatSeconds: 60 });
    await simulator.connect();
    devices.push({ simulator, reports });
  }
  log(`${count} homes online for the power cut (${POWER_CUT_MODELS.map((entry) => entry.model).join(', ')})`);
  return devices;
}
