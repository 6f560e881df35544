import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { ALERT_CODES, isAlertCode } from '@knutepunkt/device-adapters';
import type { AlertCode, DeviceKind, FleetResident } from '@knutepunkt/device-adapters';
import { runConformance, reportLine, summaryLine, type ConformanceOptions } from './conformance.js';
import { readFileSync } from 'node:fs';
import { parsePublicKey, type EpjOAuthOptions } from './epj-authorisation.js';
import { startEpjPuller } from './epj-puller.js';
import { parseEpjMode, startEpjReceiver, type EpjMode } from './epj-receiver.js';
import { Fleet } from './fleet.js';
import { runNight } from './night.js';
import { fleetManifestPath, readFleetManifest, type ManifestDevice, type SimulatorManifest } from './fleet-manifest-reader.js';
import { formatEventFor } from './formats/device-format.js';
import { deviceFormatNamed } from './formats/formats.js';
import type { HubAccount } from './hub-api.js';
import { findDevice, findResident } from './resident-lookup.js';
import { describePayload, SimulatedDevice } from './simulated-device.js';

/** Where a command writes; tests pass their own to read what a command said. */
export interface CommandIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env: NodeJS.ProcessEnv;
}

export const USAGE = `pnpm sim <command> [options]

Devices (they connect as devices of the fleet manifest the hub wrote):
  list                                   residents and their devices
  fleet [--rate <per minute, 12>] [--heartbeat <seconds, 60>] [--seed <n>]
                                         every device online, sending a realistic mix of events
  fall --resident <who>                  4.1 Fall, from the resident's safety alarm
  press --resident <who>                 4.13 button press, from the safety alarm
  pull-cord --resident <who>             4.14 pull cord, from the safety alarm
  door --resident <who>                  4.15 door opened, from the door sensor (else the safety alarm)
  water --resident <who>                 4.17 water alarm, from the door sensor (else the safety alarm)
  dispenser-miss --resident <who>        1.1 not dispensed, from the medicine dispenser
  dispenser-dispensed --resident <who>   the dose taken out after all (late), from the medicine
                                         dispenser: no alarm, and a missed dose held for the
                                         municipality's grace period raises none (dispenser-json
                                         and vkp-fhir dispensers; native JSON cannot say it)
  event --resident <who> --code <code>   any VKP alert code, from the fitting device
  raw --device <id> --payload <text> [--topic <topic>]
                                         publish anything as a device (for trying bad input)

Each device speaks its registered format (the manifest's adapter): a Zigbee2MQTT sensor publishes
through its home gateway (gatewayId, gatewayAddress in the manifest); a vkp-fhir device's cloud
posts over HTTPS with a vendor account, --vendor-user and --vendor-password (else the manifest's
"vendor" account), and is left out without one.

Conformance (a vendor's device model against a live hub):
  conformance --hub <url> --vendor-user <u> --vendor-password <p> --model <model name>
              --tenant <tenantId> [--mqtt <url>] [--device <id> --device-password <pw>]
              [--gateway-password <pw>] [--operator-user <u> --operator-password <p>]
              [--check-will [--will-timeout <seconds, 35>]]
      Logs in as the vendor, looks the model up, registers a throwaway device of it (unless
      --device is given; it is retired at the end), connects over MQTT (--mqtt, else the hub's
      host on port 1884) and runs the cases: registration, connect and online, a heartbeat, every
      event the model's format can express, a malformed payload (acknowledged, connection kept,
      nothing more), subscribing to its commands topic (and not another's), a test command,
      publishing to another device's topic (connection closed) and, with --check-will, the last
      will (contact lost). It checks what the hub made of each through the API: last seen and
      battery as the vendor sees them; with an operator of the device's municipality also each
      alarm's VKP code and kind (alarms need a device placed with a resident). An event the hub
      holds back by the municipality's triage rules (a missed dose's grace period, a door's return
      time) passes as held; a dispenser whose format can say so then says the dose was taken out,
      which must end the hold. A Zigbee2MQTT sensor needs --device and its gateway's
      --gateway-password. Prints one line per case, PASS, FAIL or SKIP, and a summary; exits 0
      only if no case FAILed.

A scripted night (the demo fleet's residents; an admin and an operator account in the manifest):
  night [--pace <1>] [--power-cut <devices, 50>] [--answer-limit <seconds, 20>] [--hold <seconds, 15>] [--keep]
      Falls, repeated presses, a door closed again and one left open by a resident at risk of
      wandering, a missed dose taken late and one never taken, then a power cut across 50 homes
      (devices registered for the night: some report the loss on battery, some just go silent).
      While it runs the municipality's door return time and dose grace are --hold, its answer
      limit --answer-limit, and its night hours hold the present hour. Then it checks, through the
      API, what the hub made of it: each alarm and its priority, the repeats joined, nothing for
      the door closed and the dose taken, one outage incident listing every device, escalation of
      what no one answered. PASS or FAIL per expectation; exits 0 only if all are met. Afterwards
      the rules and limits are put back and the night's devices (registered for it, serials NATT-…)
      retired, unless --keep.

EPJ:
  epj [--port <4100>] [--host <127.0.0.1>] [--fail <503> | --reject <422> | --down] [--slow <ms>]
      [--client-id <id> (--client-secret <secret> | --client-key <public key file>) [--dpop]]
                                         a FHIR R4 endpoint standing in for the municipality's EPJ;
                                         --fail answers every transaction with that 5xx/408/429,
                                         --reject refuses every one with that 4xx, --down drops
                                         connections, --slow waits before answering. While it runs,
                                         POST /mode {"fail": 503} (or {} for healthy) changes it;
                                         --client-id/--client-secret ask for OAuth2 client
                                         credentials (tokens from /oauth/token);
                                         --client-key instead of --client-secret asks,
                                         as HelseID does, for private_key_jwt: client
                                         assertions signed by the key whose public half
                                         (JWK or PEM) is in the file; --dpop issues only
                                         DPoP-bound tokens (RFC 9449, a nonce at the token
                                         endpoint) and checks the proof on every FHIR request
      [--pull-from <hub url> --pull-client-id <id> --pull-client-secret <secret> [--pull-every <seconds, 5>]]
                                         also pull, as from Journalføringstjenesten: every
                                         --pull-every seconds get a token with the EPJ client an
                                         admin registered (POST /api/tenants/<id>/epj-clients),
                                         fetch the hub's registered journal entries, store them
                                         beside the pushed ones (/received shows both) and
                                         acknowledge each (reference EPJ-PULL-<n>); an entry it
                                         cannot store is left unacknowledged

<who> is a resident id, a unique id prefix or a unique part of the name.
Single events also take --text <free text>.
Every device command takes --manifest <path>; otherwise KNUTEPUNKT_FLEET_MANIFEST, otherwise
.knutepunkt/demo-fleet.json in the directory you ran pnpm in.
`;

type Options = NonNullable<ParseArgsConfig['options']>;
type Values = Record<string, string | boolean | undefined>;

const HELP: Options = { help: { type: 'boolean', short: 'h' } };
const MANIFEST: Options = { manifest: { type: 'string' }, 'vendor-user': { type: 'string' }, 'vendor-password': { type: 'string' } };
const CONFORMANCE: Options = {
  ...HELP,
  hub: { type: 'string' },
  'vendor-user': { type: 'string' },
  'vendor-password': { type: 'string' },
  model: { type: 'string' },
  tenant: { type: 'string' },
  mqtt: { type: 'string' },
  device: { type: 'string' },
  'device-password': { type: 'string' },
  'gateway-password': { type: 'string' },
  'operator-user': { type: 'string' },
  'operator-password': { type: 'string' },
  'check-will': { type: 'boolean' },
  'will-timeout': { type: 'string' },
};

/** The six named events: which code, from which kind of device (first that the resident has). */
const NAMED_EVENTS: Record<string, { code: AlertCode; kinds: DeviceKind[] }> = {
  fall: { code: '4.1', kinds: ['safety-alarm'] },
  press: { code: '4.13', kinds: ['safety-alarm'] },
  'pull-cord': { code: '4.14', kinds: ['safety-alarm'] },
  door: { code: '4.15', kinds: ['door-sensor', 'safety-alarm'] },
  water: { code: '4.17', kinds: ['door-sensor', 'safety-alarm'] },
  'dispenser-miss': { code: '1.1', kinds: ['medicine-dispenser'] },
};

/** A command line the user got wrong: exit 2 and the usage. */
class UsageError extends Error {}

/** Runs one `pnpm sim` command line and returns the exit code; cli.ts is only this plus process glue. */
export async function run(argv: readonly string[], io: Partial<CommandIo> = {}): Promise<number> {
  const full: CommandIo = {
    out: io.out ?? ((line) => console.log(line)),
    err: io.err ?? ((line) => console.error(line)),
    env: io.env ?? process.env,
  };
  // `pnpm sim -- fall …` passes the separator through.
  const args = argv[0] === '--' ? argv.slice(1) : [...argv];
  const [command, ...rest] = args;
  try {
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      full.out(USAGE);
      return command === undefined ? 2 : 0;
    }
    return await dispatch(command, rest, full);
  } catch (error) {
    if (error instanceof UsageError) {
      full.err(`${error.message}\n\n${USAGE}`);
      return 2;
    }
    full.err((error as Error).message);
    return 1;
  }
}

async function dispatch(command: string, rest: string[], io: CommandIo): Promise<number> {
  const named = NAMED_EVENTS[command];
  if (named) {
    const values = options(rest, { resident: { type: 'string' }, text: { type: 'string' } });
    if (values.help) return help(io);
    const who = required(values, 'resident', command);
    const manifest = await manifestFrom(values, io);
    const resident = findResident(manifest, who);
    const device = deviceFor(resident, named.kinds, named.code);
    if (!device) throw new Error(missingDevice(resident, named.kinds));
    return sendOne(manifest, resident, device, named.code, text(values), vendorFrom(values, manifest), io);
  }
  switch (command) {
    case 'event': {
      const values = options(rest, { resident: { type: 'string' }, code: { type: 'string' }, text: { type: 'string' } });
      if (values.help) return help(io);
      const who = required(values, 'resident', command);
      const code = required(values, 'code', command);
      if (!isAlertCode(code)) {
        throw new Error(`"${code}" is not a VKP alert code; codes are for example 4.1 (fall), 4.13 (button press), 1.1 (not dispensed)`);
      }
      const manifest = await manifestFrom(values, io);
      const resident = findResident(manifest, who);
      const device = deviceFor(resident, kindsFor(code), code) ?? resident.devices.find((candidate) => canSay(candidate, code)) ?? resident.devices[0];
      if (!device) throw new Error(`${resident.name} has no devices in the manifest`);
      return sendOne(manifest, resident, device, code, text(values), vendorFrom(values, manifest), io);
    }
    case 'dispenser-dispensed': {
      const values = options(rest, { resident: { type: 'string' } });
      if (values.help) return help(io);
      const who = required(values, 'resident', command);
      const manifest = await manifestFrom(values, io);
      const resident = findResident(manifest, who);
      const dispensers = resident.devices.filter((device) => device.kind === 'medicine-dispenser');
      if (dispensers.length === 0) throw new Error(missingDevice(resident, ['medicine-dispenser']));
      const device = dispensers.find((candidate) => deviceFormatNamed(candidate.adapter)?.dispensed !== undefined);
      if (!device) {
        const formats = [...new Set(dispensers.map((candidate) => candidate.adapter))].join(', ');
        throw new Error(`${resident.name}'s dispenser speaks ${formats}, which has no message for a dose taken out (dispenser-json and vkp-fhir have)`);
      }
      return sendDispensed(manifest, resident, device, vendorFrom(values, manifest), io);
    }
    case 'raw': {
      const values = options(rest, { device: { type: 'string' }, payload: { type: 'string' }, topic: { type: 'string' } });
      if (values.help) return help(io);
      return sendRaw(values, io);
    }
    case 'list': {
      const values = options(rest, {});
      if (values.help) return help(io);
      return list(values, io);
    }
    case 'fleet': {
      const values = options(rest, { rate: { type: 'string' }, heartbeat: { type: 'string' }, seed: { type: 'string' } });
      if (values.help) return help(io);
      return runFleet(values, io);
    }
    case 'conformance': {
      const values = parse(rest, CONFORMANCE);
      if (values.help) return help(io);
      return conformance(values, io);
    }
    case 'night': {
      const values = options(rest, { pace: { type: 'string' }, 'power-cut': { type: 'string' }, 'answer-limit': { type: 'string' }, hold: { type: 'string' }, keep: { type: 'boolean' } });
      if (values.help) return help(io);
      return night(values, io);
    }
    case 'epj': {
      const values = parse(rest, { ...HELP, port: { type: 'string' }, host: { type: 'string' }, fail: { type: 'string' }, reject: { type: 'string' }, slow: { type: 'string' }, down: { type: 'boolean' }, 'client-id': { type: 'string' }, 'client-secret': { type: 'string' }, 'client-key': { type: 'string' }, dpop: { type: 'boolean' }, 'pull-from': { type: 'string' }, 'pull-client-id': { type: 'string' }, 'pull-client-secret': { type: 'string' }, 'pull-every': { type: 'string' } });
      if (values.help) return help(io);
      return runEpj(values, io);
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

/** Device commands all take --manifest and --help besides their own options. */
function options(args: string[], own: Options): Values {
  return parse(args, { ...HELP, ...MANIFEST, ...own });
}

function parse(args: string[], config: Options): Values {
  try {
    const { values, positionals } = parseArgs({ args, options: config, strict: true, allowPositionals: true });
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    return values as Values;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError((error as Error).message);
  }
}

function help(io: CommandIo): number {
  io.out(USAGE);
  return 0;
}

function required(values: Values, name: string, command: string): string {
  const value = values[name];
  if (typeof value !== 'string') throw new UsageError(`${command} needs --${name}`);
  return value;
}

function text(values: Values): string | undefined {
  return typeof values.text === 'string' ? values.text : undefined;
}

function numberOption(values: Values, name: string, fallback: number, check: (value: number) => boolean, rule: string): number {
  const raw = values[name];
  if (typeof raw !== 'string') return fallback;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || !check(value)) throw new UsageError(`--${name} must be ${rule}, not "${raw}"`);
  return value;
}

async function manifestFrom(values: Values, io: CommandIo): Promise<SimulatorManifest> {
  const explicit = typeof values.manifest === 'string' ? values.manifest : undefined;
  return readFleetManifest(fleetManifestPath(explicit, io.env));
}

/** The vendor account for vkp-fhir devices: --vendor-user/--vendor-password, else the manifest's "vendor" (the demo's). */
function vendorFrom(values: Values, manifest: SimulatorManifest): HubAccount | undefined {
  const username = typeof values['vendor-user'] === 'string' ? values['vendor-user'] : undefined;
  const password = typeof values['vendor-password'] === 'string' ? values['vendor-password'] : undefined;
  if ((username === undefined) !== (password === undefined)) throw new UsageError('give both --vendor-user and --vendor-password, or neither');
  if (username !== undefined && password !== undefined) return { username, password };
  const demo = manifest.operators.find((operator) => operator.username === 'vendor');
  return demo ? { username: demo.username, password: demo.password } : undefined;
}

/** Which device kinds send a code: dispenser codes from the dispenser, door and water from the door sensor. */
function kindsFor(code: AlertCode): DeviceKind[] {
  if (code === '1' || code.startsWith('1.')) return ['medicine-dispenser'];
  if (code === '4.15' || code === '4.16' || code === '4.17') return ['door-sensor', 'water-sensor', 'safety-alarm'];
  return ['safety-alarm'];
}

function canSay(device: ManifestDevice, code: AlertCode): boolean {
  const format = deviceFormatNamed(device.adapter);
  return format !== undefined && formatEventFor(format, code) !== undefined;
}

/** The resident's first device of the first kind in `kinds` they have, preferring one whose format can say the code. */
function deviceFor(resident: SimulatorManifest['residents'][number], kinds: readonly DeviceKind[], code: AlertCode): ManifestDevice | undefined {
  for (const kind of kinds) {
    const ofKind = resident.devices.filter((candidate) => candidate.kind === kind);
    const device = ofKind.find((candidate) => canSay(candidate, code)) ?? ofKind[0];
    if (device) return device;
  }
  return undefined;
}

function missingDevice(resident: FleetResident, kinds: readonly DeviceKind[]): string {
  const has = resident.devices.map((device) => `${device.deviceId} (${device.kind})`).join(', ') || 'no devices';
  return `${resident.name} has no ${kinds.join(' or ')}; their devices: ${has}`;
}

/**
 * A connected simulator of the device as the manifest has it: a sensor with its gateway connected
 * first, a cloud logged in with the vendor account. `stop` ends both.
 */
async function connectAs(manifest: SimulatorManifest, device: ManifestDevice, vendor: HubAccount | undefined, io: CommandIo) {
  const options = { mqttUrl: manifest.mqttUrl, heartbeatSeconds: 0, log: io.out };
  let gateway: SimulatedDevice | undefined;
  if (device.gatewayId !== undefined && deviceFormatNamed(device.adapter)?.transport === 'gateway') {
    const found = findDevice(manifest, device.gatewayId);
    if (!found) throw new Error(`${device.deviceId} publishes through gateway ${device.gatewayId}, which is not in the manifest`);
    gateway = new SimulatedDevice(found.device, options);
  }
  const simulator = new SimulatedDevice(device, {
    ...options,
    ...(gateway ? { gateway } : {}),
    ...(vendor ? { vendor: { hubUrl: manifest.hubUrl, account: vendor } } : {}),
  });
  const stop = async (force = false) => {
    await simulator.stop(force);
    await gateway?.stop(force);
  };
  try {
    await gateway?.connect();
    await simulator.connect();
  } catch (error) {
    await stop(true);
    throw error;
  }
  return { simulator, stop };
}

/** Connects as the device, sends one event, waits for the hub's PUBACK (or HTTPS answer) and disconnects. */
async function sendOne(
  manifest: SimulatorManifest,
  resident: FleetResident,
  device: ManifestDevice,
  code: AlertCode,
  eventText: string | undefined,
  vendor: HubAccount | undefined,
  io: CommandIo,
): Promise<number> {
  let connection: Awaited<ReturnType<typeof connectAs>> | undefined;
  try {
    connection = await connectAs(manifest, device, vendor, io);
    const sent = await connection.simulator.sendEvent(code, eventText === undefined ? {} : { text: eventText });
    const format = device.adapter === 'native-json' ? '' : ` (${device.adapter} ${sent.type})`;
    io.out(
      `sent ${code} ${ALERT_CODES[code].display}${format} for ${resident.name} as event ${sent.eventId} (acknowledged in ${sent.acknowledgedMs} ms)`,
    );
    await connection.stop();
    return 0;
  } catch (error) {
    // Whatever went wrong, do not leave a half-open connection keeping the process alive.
    await connection?.stop(true);
    throw new Error(`could not send ${code} for ${resident.name} from ${device.deviceId}: ${(error as Error).message}`);
  }
}

/** Connects as the dispenser, says the dose was taken out now, waits for the hub to take it and disconnects. */
async function sendDispensed(manifest: SimulatorManifest, resident: FleetResident, device: ManifestDevice, vendor: HubAccount | undefined, io: CommandIo): Promise<number> {
  let connection: Awaited<ReturnType<typeof connectAs>> | undefined;
  try {
    connection = await connectAs(manifest, device, vendor, io);
    const sent = await connection.simulator.sendDispensed();
    io.out(`sent a dose taken out at ${sent.dispensedAt} (${device.adapter}) for ${resident.name} (acknowledged in ${sent.acknowledgedMs} ms)`);
    await connection.stop();
    return 0;
  } catch (error) {
    await connection?.stop(true);
    throw new Error(`could not send a dose taken out for ${resident.name} from ${device.deviceId}: ${(error as Error).message}`);
  }
}

async function sendRaw(values: Values, io: CommandIo): Promise<number> {
  const deviceId = required(values, 'device', 'raw');
  const payload = required(values, 'payload', 'raw');
  const manifest = await manifestFrom(values, io);
  const found = findDevice(manifest, deviceId);
  if (!found) {
    const known = manifest.residents.flatMap((resident) => resident.devices.map((device) => `  ${device.deviceId}  (${resident.name}, ${device.kind})`));
    throw new Error(`no device "${deviceId}" in the manifest; it has:\n${known.join('\n') || '  (no devices)'}`);
  }
  const topic = typeof values.topic === 'string' ? values.topic : undefined;
  let connection: Awaited<ReturnType<typeof connectAs>> | undefined;
  try {
    connection = await connectAs(manifest, found.device, vendorFrom(values, manifest), io);
    if (connection.simulator.role === 'cloud') {
      const answer = await connection.simulator.postResource(new TextEncoder().encode(payload));
      io.out(`posted ${Buffer.byteLength(payload)} bytes as ${deviceId} to ${answer.route}: ${answer.status} ${describePayload(new TextEncoder().encode(JSON.stringify(answer.body ?? '')), 200)}`);
    } else {
      const ms = await connection.simulator.publishRaw(payload, topic);
      io.out(`sent ${Buffer.byteLength(payload)} bytes as ${deviceId}${topic ? ` on ${topic}` : ''} (acknowledged in ${ms} ms)`);
    }
    await connection.stop();
    return 0;
  } catch (error) {
    await connection?.stop(true);
    throw new Error(`could not publish as ${deviceId}${topic ? ` on ${topic}` : ''}: ${(error as Error).message}`);
  }
}

async function list(values: Values, io: CommandIo): Promise<number> {
  const path = fleetManifestPath(typeof values.manifest === 'string' ? values.manifest : undefined, io.env);
  const manifest = await readFleetManifest(path);
  const deviceCount = manifest.residents.reduce((sum, resident) => sum + resident.devices.length, 0);
  io.out(`${manifest.residents.length} residents, ${deviceCount} devices, from ${path}`);
  io.out(`hub ${manifest.hubUrl}, broker ${manifest.mqttUrl}`);
  const kindWidth = Math.max(0, ...manifest.residents.flatMap((resident) => resident.devices.map((device) => device.kind.length)));
  const idWidth = Math.max(0, ...manifest.residents.flatMap((resident) => resident.devices.map((device) => device.deviceId.length)));
  for (const resident of manifest.residents) {
    io.out('');
    io.out(`${resident.id}  ${resident.name}`);
    for (const device of resident.devices) {
      const behind = device.gatewayId ? `, behind ${device.gatewayId} as "${device.gatewayAddress ?? '?'}"` : '';
      io.out(`  ${device.deviceId.padEnd(idWidth)}  ${device.kind.padEnd(kindWidth)}  ${device.model} (${device.adapter}${behind})`);
    }
  }
  return 0;
}

async function night(values: Values, io: CommandIo): Promise<number> {
  const checks = await runNight({
    manifest: await manifestFrom(values, io),
    pace: numberOption(values, 'pace', 1, (value) => value > 0 && value <= 60, 'a number above 0, at most 60'),
    powerCutDevices: numberOption(values, 'power-cut', 50, (value) => Number.isInteger(value) && value >= 1 && value <= 500, 'a whole number of devices from 1 to 500'),
    answerLimitSeconds: numberOption(values, 'answer-limit', 20, (value) => Number.isInteger(value) && value >= 5 && value <= 3600, 'a whole number of seconds from 5 to 3600'),
    holdSeconds: numberOption(values, 'hold', 15, (value) => Number.isInteger(value) && value >= 1 && value <= 3600, 'a whole number of seconds from 1 to 3600'),
    keep: values.keep === true,
    log: io.out,
  });
  for (const check of checks) io.out(`${check.passed ? 'PASS' : 'FAIL'}  ${check.what}${check.passed ? '' : `: ${check.detail}`}`);
  const failed = checks.filter((check) => !check.passed).length;
  io.out(`${checks.length} expectations, ${checks.length - failed} met, ${failed} not`);
  return failed === 0 ? 0 : 1;
}

async function runFleet(values: Values, io: CommandIo): Promise<number> {
  const rate = numberOption(values, 'rate', 12, (value) => value >= 0, 'a number of events per minute, 0 or more');
  const heartbeat = numberOption(values, 'heartbeat', 60, (value) => value >= 0, 'a number of seconds, 0 or more');
  const seed = numberOption(values, 'seed', Number.NaN, Number.isInteger, 'an integer');
  const manifest = await manifestFrom(values, io);
  const vendor = vendorFrom(values, manifest);
  const fleet = new Fleet(manifest, {
    ratePerMinute: rate,
    heartbeatSeconds: heartbeat,
    ...(Number.isNaN(seed) ? {} : { seed }),
    ...(vendor ? { vendor } : {}),
    log: io.out,
  });
  const deviceCount = manifest.residents.reduce((sum, resident) => sum + resident.devices.length, 0);
  io.out(
    `fleet: ${manifest.residents.length} residents, ${deviceCount} devices on ${manifest.mqttUrl}; ` +
      `${rate} events a minute, heartbeat every ${heartbeat} s, seed ${fleet.seed} (Ctrl-C stops)`,
  );
  const signal = stopSignal();
  let stopping = false;
  void signal.received.then(() => {
    stopping = true;
    return fleet.stop();
  });
  try {
    const { connected, failed, skipped } = await fleet.start();
    if (!stopping) {
      io.out(`${connected} devices online${failed > 0 ? `, ${failed} could not connect` : ''}${skipped > 0 ? `, ${skipped} left out` : ''}`);
    }
    await signal.received;
  } catch (error) {
    signal.cancel();
    throw error;
  }
  await fleet.stop();
  const { sent, failed } = fleet.stats;
  io.out(`fleet stopped: ${sent} ${sent === 1 ? 'event' : 'events'} acknowledged${failed > 0 ? `, ${failed} not acknowledged` : ''}`);
  return 0;
}

async function conformance(values: Values, io: CommandIo): Promise<number> {
  const hub = required(values, 'hub', 'conformance');
  const vendorUser = required(values, 'vendor-user', 'conformance');
  const vendorPassword = required(values, 'vendor-password', 'conformance');
  const model = required(values, 'model', 'conformance');
  const deviceId = typeof values.device === 'string' ? values.device : undefined;
  // A tenant is needed only to register the throwaway device.
  const tenant = deviceId === undefined ? required(values, 'tenant', 'conformance') : typeof values.tenant === 'string' ? values.tenant : '';
  if (!/^https?:\/\/[^/]/.test(hub)) throw new UsageError(`--hub must be the hub's http(s) URL, not "${hub}"`);
  const operatorUser = typeof values['operator-user'] === 'string' ? values['operator-user'] : undefined;
  const operatorPassword = typeof values['operator-password'] === 'string' ? values['operator-password'] : undefined;
  if ((operatorUser === undefined) !== (operatorPassword === undefined)) throw new UsageError('give both --operator-user and --operator-password, or neither');
  if (deviceId === undefined && (typeof values['device-password'] === 'string' || typeof values['gateway-password'] === 'string')) {
    throw new UsageError('--device-password and --gateway-password go with --device');
  }
  const willTimeout = numberOption(values, 'will-timeout', 35, (value) => value > 0, 'a number of seconds above 0');
  const options: ConformanceOptions = {
    hubUrl: hub,
    vendor: { username: vendorUser, password: vendorPassword },
    model,
    tenantId: tenant,
    checkWill: values['check-will'] === true,
    willTimeoutSeconds: willTimeout,
    log: io.out,
    onCase: (result) => io.out(reportLine(result)),
  };
  if (typeof values.mqtt === 'string') options.mqttUrl = values.mqtt;
  if (deviceId !== undefined) {
    options.device = typeof values['device-password'] === 'string' ? { id: deviceId, password: values['device-password'] } : { id: deviceId };
  }
  if (typeof values['gateway-password'] === 'string') options.gatewayPassword = values['gateway-password'];
  if (operatorUser !== undefined && operatorPassword !== undefined) options.operator = { username: operatorUser, password: operatorPassword };
  const report = await runConformance(options);
  io.out(summaryLine(report));
  return report.failed === 0 ? 0 : 1;
}

async function runEpj(values: Values, io: CommandIo): Promise<number> {
  const port = numberOption(values, 'port', 4100, (value) => Number.isInteger(value) && value >= 0 && value <= 65535, 'a port number');
  const host = typeof values.host === 'string' ? values.host : '127.0.0.1';
  const mode = epjModeOptions(values);
  const oauth = epjOAuthOptions(values);
  const pull = epjPullOptions(values);
  let receiver;
  try {
    receiver = await startEpjReceiver({ port, host, log: io.out, mode, oauth });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(`port ${port} on ${host} is in use; pass another with --port`);
    }
    throw error;
  }
  const base = receiver.url.replace(/\/fhir$/, '');
  io.out(`EPJ receiver listening. Give the hub:\n  EPJ_FHIR_URL=${receiver.url}\nwhat has arrived: ${base}/received  (Ctrl-C stops)`);
  if (oauth) {
    const helseId = oauth.clientKey ? ' EPJ_CLIENT_AUTH=private_key_jwt EPJ_PRIVATE_KEY_PATH=<the private key>' : '';
    io.out(`OAuth2 client credentials: EPJ_TOKEN_URL=${base}/oauth/token EPJ_CLIENT_ID=${oauth.clientId}${helseId}${oauth.dpop ? ' EPJ_DPOP=true' : ''}`);
  }
  io.out(`behaviour: ${base}/mode (now ${JSON.stringify(receiver.mode())}); change it with POST ${base}/mode {"fail": 503} | {"reject": 422} | {"slowMs": 2000} | {"down": true} | {}`);
  const puller = pull ? startEpjPuller({ ...pull, into: receiver, log: io.out }) : undefined;
  if (pull) io.out(`pulling from ${pull.hubUrl} every ${pull.everySeconds} s as EPJ client ${pull.clientId}`);
  const signal = stopSignal();
  await signal.received;
  await puller?.stop();
  const stats = receiver.stats();
  await receiver.close();
  io.out(`EPJ receiver stopped: ${stats.bundles} bundles, ${stats.created} created, ${stats.updated} updated, ${stats.rejected} refused`);
  if (puller) {
    const pulled = puller.stats();
    io.out(`EPJ pull stopped: ${pulled.pulled} entries pulled, ${pulled.acknowledged} acknowledged, ${pulled.refused} refused, ${pulled.errors} errors`);
  }
  return 0;
}

/** --pull-from with the client's --pull-client-id and --pull-client-secret, and --pull-every; a bad combination is a usage error. */
function epjPullOptions(values: Values): { hubUrl: string; clientId: string; clientSecret: string; everySeconds: number } | undefined {
  const [hubUrl, clientId, clientSecret] = [values['pull-from'], values['pull-client-id'], values['pull-client-secret']];
  if (typeof hubUrl !== 'string') {
    if (clientId !== undefined || clientSecret !== undefined || values['pull-every'] !== undefined) throw new UsageError('--pull-client-id, --pull-client-secret and --pull-every go with --pull-from');
    return undefined;
  }
  if (!/^https?:\/\/[^/]/.test(hubUrl)) throw new UsageError(`--pull-from must be the hub's http(s) URL, not "${hubUrl}"`);
  if (typeof clientId !== 'string' || typeof clientSecret !== 'string') throw new UsageError('--pull-from needs --pull-client-id and --pull-client-secret');
  const everySeconds = numberOption(values, 'pull-every', 5, (value) => value > 0 && value <= 3600, 'a number of seconds above 0, at most 3600');
  return { hubUrl, clientId, clientSecret, everySeconds };
}

/** --client-id with --client-secret or --client-key, and --dpop, as the receiver's OAuth2 client; a bad combination or key file is a usage error. */
function epjOAuthOptions(values: Values): EpjOAuthOptions | undefined {
  const [clientId, clientSecret, keyFile] = [values['client-id'], values['client-secret'], values['client-key']];
  const dpop = values.dpop === true;
  if (typeof clientId !== 'string') {
    if (clientSecret !== undefined || keyFile !== undefined || dpop) throw new UsageError('--client-secret, --client-key and --dpop go with --client-id');
    return undefined;
  }
  if ((typeof clientSecret === 'string') === (typeof keyFile === 'string')) throw new UsageError('--client-id needs either --client-secret or --client-key');
  if (typeof clientSecret === 'string') return { clientId, clientSecret, dpop };
  let text: string;
  try {
    text = readFileSync(keyFile as string, 'utf8');
  } catch (error) {
    throw new UsageError(`--client-key: cannot read ${String(keyFile)} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  try {
    return { clientId, clientKey: parsePublicKey(text), dpop };
  } catch {
    throw new UsageError(`--client-key: ${String(keyFile)} holds no public key as a JWK (JSON) or PEM`);
  }
}

/** --fail, --reject, --slow and --down as the receiver's starting mode; a bad value is a usage error naming the option. */
function epjModeOptions(values: Values): EpjMode {
  const mode: Record<string, unknown> = {};
  if (values.fail !== undefined) mode.fail = Number(values.fail);
  if (values.reject !== undefined) mode.reject = Number(values.reject);
  if (values.slow !== undefined) mode.slowMs = Number(values.slow);
  if (values.down === true) mode.down = true;
  try {
    return parseEpjMode(mode);
  } catch (error) {
    const message = (error as Error).message.replace(/^slowMs:/, '--slow:').replace(/^(fail|reject|down)/, '--$1').replace('fail, reject and down', '--fail, --reject and --down');
    throw new UsageError(message);
  }
}

/**
 * Resolves at the first SIGINT or SIGTERM. Our handlers are removed then, so a second Ctrl-C
 * during a slow shutdown ends the process the default way.
 */
function stopSignal(): { received: Promise<NodeJS.Signals>; cancel: () => void } {
  let cancel = () => {};
  const received = new Promise<NodeJS.Signals>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      cancel();
      resolve(signal);
    };
    cancel = () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
  return { received, cancel };
}
