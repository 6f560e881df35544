import { connect } from 'mqtt';
import { ALERT_CODES, adapterNamed, isAlertCode, type AlertKind, type DeviceAdapter, type DeviceEvent, type DeviceKind } from '@knutepunkt/device-adapters';
import type { ManifestDevice } from './fleet-manifest-reader.js';
import type { DeviceFormat, FormatEvent } from './formats/device-format.js';
import { deviceFormatNamed } from './formats/formats.js';
import { HubApi, messageOf, type DeviceModelView, type HubAccount, type HubAlarmView, type HubDeviceDetail, type HubDeviceView, type HubHeldEvent } from './hub-api.js';
import { osloClock } from './oslo-time.js';
import { deviceTopic, describePayload, SimulatedDevice } from './simulated-device.js';

/**
 * `pnpm sim conformance`: what a vendor runs against a live hub with their own device model (or
 * device): it connects as the device, sends every event its format can express and a few things
 * it must not, and checks through the hub's API what the hub made of each.
 */
export interface ConformanceOptions {
  hubUrl: string;
  vendor: HubAccount;
  /** The device model's name, as declared at the hub (GET /api/device-models). */
  model: string;
  /** The municipality a throwaway device is registered for. */
  tenantId: string;
  /** Default: the hub's host, port 1884. */
  mqttUrl?: string;
  /** An already registered device to test instead of a throwaway one; the password is needed to connect as it. */
  device?: { id: string; password?: string };
  /** For a sensor behind a home gateway: the gateway's password (its id is the device's gatewayId). */
  gatewayPassword?: string;
  /** An operator of the device's municipality, to check each raised alarm's VKP code and kind. */
  operator?: HubAccount;
  /** Drop the connection without DISCONNECT and expect contact 'lost': takes up to willTimeoutSeconds. */
  checkWill?: boolean;
  /** How long the last-will case waits for contact 'lost'. Default 35 s (the hub sweeps every 30 s by default). */
  willTimeoutSeconds?: number;
  /** How long each PUBACK, SUBACK and command may take. Default 10 000 ms. */
  ackTimeoutMs?: number;
  /** Progress: the header, the device registered, the device retired. */
  log?: (line: string) => void;
  /** Each case's result as soon as it is known. */
  onCase?: (result: CaseResult) => void;
}

export type CaseStatus = 'PASS' | 'FAIL' | 'SKIP';

export interface CaseResult {
  status: CaseStatus;
  name: string;
  /** What was sent, shortly. */
  sent: string;
  /** What the hub made of it (or why the case was skipped). */
  outcome: string;
}

export interface ConformanceReport {
  deviceId: string;
  model: DeviceModelView;
  cases: CaseResult[];
  passed: number;
  failed: number;
  skipped: number;
}

/** The hub's embedded broker listens on 1884 unless configured otherwise (MQTT_PORT). */
export const DEFAULT_MQTT_PORT = 1884;

/** mqtt://<the hub's host>:1884, the broker a hub at `hubUrl` runs by default. */
export function brokerUrlFor(hubUrl: string): string {
  return `mqtt://${new URL(hubUrl).hostname}:${DEFAULT_MQTT_PORT}`;
}

/** "Ingen kontakt" is raised under 1.20 for dispensers, 3 for safety alarms and 4 for everything else. */
function noContactCode(kind: string): string {
  if (kind === 'medicine-dispenser') return '1.20';
  if (kind === 'safety-alarm') return '3';
  return '4';
}

/** What the hub should make of a decoded event: whether it raises an alarm, and of which kind. */
function expectedAlarm(event: DeviceEvent): { raises: boolean; kind: AlertKind } {
  if (event.technical) return { raises: event.technical !== 'power-restored', kind: 'technical' };
  const kind = ALERT_CODES[event.code].kind;
  return { raises: kind !== 'information', kind };
}

/** A refused command line or setup: the command says so and exits 1 without a report. */
export class ConformanceSetupError extends Error {
  override readonly name = 'ConformanceSetupError';
}

const SHORT_WAIT_MS = 5_000;
/** How long a connection must stay up after bad input for it to count as kept. */
const STAYS_UP_MS = 500;

const later = (a: string | null, b: string | null) => a !== null && (b === null || Date.parse(a) > Date.parse(b));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(check: () => Promise<T | undefined>, timeoutMs: number, intervalMs = 100): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined || Date.now() >= deadline) return value;
    await sleep(intervalMs);
  }
}

/** Runs every case against the hub and returns the report; throws ConformanceSetupError when it cannot start. */
export async function runConformance(options: ConformanceOptions): Promise<ConformanceReport> {
  const log = options.log ?? (() => {});
  const ackTimeoutMs = options.ackTimeoutMs ?? 10_000;
  const vendor = await HubApi.login(options.hubUrl, options.vendor).catch((error: Error) => {
    throw new ConformanceSetupError(error.message);
  });
  const models = await vendor.expect<DeviceModelView[]>('GET', '/api/device-models');
  const model = models.find((candidate) => candidate.name === options.model);
  if (!model) {
    throw new ConformanceSetupError(
      `no device model "${options.model}" at ${vendor.hubUrl}; it has: ${models.map((candidate) => `"${candidate.name}" (${candidate.adapter})`).join(', ') || 'none'}`,
    );
  }
  const format = deviceFormatNamed(model.adapter);
  const adapter = adapterNamed(model.adapter);
  if (!format || !adapter) throw new ConformanceSetupError(`model "${model.name}" speaks "${model.adapter}", which these simulators do not know`);
  const mqttUrl = options.mqttUrl ?? brokerUrlFor(vendor.hubUrl);
  const sensor = format.transport === 'gateway' && model.kind !== 'gateway';
  const cloud = format.transport === 'https';
  if (sensor && (!options.device || options.gatewayPassword === undefined)) {
    throw new ConformanceSetupError(
      `"${model.name}" is a ${model.adapter} sensor: it publishes through its home gateway. Register it behind a gateway and give --device <sensor id> and --gateway-password <the gateway's password>`,
    );
  }
  if (options.device && !sensor && !cloud && options.device.password === undefined) {
    throw new ConformanceSetupError(`--device ${options.device.id} needs --device-password to connect as it`);
  }
  log(`conformance of "${model.name}" (${model.kind}, ${model.adapter}) at ${vendor.hubUrl}, as ${vendor.who.username} (${vendor.who.role})`);
  log(cloud ? 'its devices post VKP FHIR over HTTPS (VKP I1), not MQTT' : `broker ${mqttUrl}`);

  let deviceId: string;
  let password = options.device?.password ?? '';
  let throwaway = false;
  if (options.device) {
    deviceId = options.device.id;
  } else {
    const serial = `conformance-${Date.now()}`;
    const registered = await vendor
      .expect<{ device: HubDeviceView; password: string }>('POST', '/api/devices', { model: model.name, serial, tenantId: options.tenantId })
      .catch((error: Error) => {
        throw new ConformanceSetupError(`could not register a throwaway device: ${error.message}`);
      });
    deviceId = registered.device.id;
    password = registered.password;
    throwaway = true;
    log(`registered throwaway device ${deviceId} (serial ${serial}); it is retired at the end`);
  }

  const run = new ConformanceRun(options, vendor, model, format, adapter, deviceId, password, mqttUrl, ackTimeoutMs, throwaway);
  try {
    await run.all();
  } finally {
    await run.end();
    if (throwaway) {
      try {
        const retired = await vendor.call('POST', `/api/devices/${encodeURIComponent(deviceId)}/retire`);
        log(retired.status === 200 ? `retired throwaway device ${deviceId}` : `could not retire throwaway device ${deviceId}: ${retired.status} ${messageOf(retired.body)}`);
      } catch (error) {
        log(`could not retire throwaway device ${deviceId}: ${(error as Error).message}`);
      }
    }
  }
  const count = (status: CaseStatus) => run.cases.filter((result) => result.status === status).length;
  return { deviceId, model, cases: run.cases, passed: count('PASS'), failed: count('FAIL'), skipped: count('SKIP') };
}

/** One run's state: the device, its connection, and what the hub has shown so far. */
class ConformanceRun {
  readonly cases: CaseResult[] = [];
  private device: SimulatedDevice | undefined;
  /** The simulator holding the MQTT connection: the device, or a sensor's gateway. */
  private connection: SimulatedDevice | undefined;
  private connected = false;
  private operator: HubApi | undefined;
  /** Whether the device is placed with a resident, when the operator can tell. */
  private placed: boolean | undefined;
  /** Whether a sensor's gateway is placed with a resident, when the operator can tell. */
  private gatewayPlaced: boolean | undefined;
  private readonly seenAlarms = new Set<string>();
  private readonly commands: Array<{ topic: string; payload: Buffer }> = [];
  private view: HubDeviceView | undefined;
  private battery = 90;

  constructor(
    private readonly options: ConformanceOptions,
    private readonly vendor: HubApi,
    private readonly model: DeviceModelView,
    private readonly format: DeviceFormat,
    private readonly adapter: DeviceAdapter,
    private readonly deviceId: string,
    private readonly password: string,
    private readonly mqttUrl: string,
    private readonly ackTimeoutMs: number,
    private readonly throwaway: boolean,
  ) {}

  private get overMqtt(): boolean {
    return this.format.transport !== 'https';
  }

  private get connectionId(): string {
    return this.connection?.deviceId ?? this.deviceId;
  }

  async all(): Promise<void> {
    if (!(await this.registration())) return;
    await this.setUpOperator();
    this.buildSimulators();
    // A cloud has no connection: it posts with the vendor's session.
    if (!this.overMqtt) await this.device!.connect();
    await this.mqttCase('connect', `CONNECT as ${this.connectionId}`, () => this.connect());
    await this.mqttCase('heartbeat', 'a heartbeat', () => this.heartbeat());
    if (this.model.kind === 'gateway') {
      this.record({ status: 'SKIP', name: 'events', sent: '–', outcome: "a gateway's events come from its sensors: run the conformance for a sensor model behind it" });
    } else {
      for (const event of this.format.events) await this.eventCase(event);
    }
    await this.malformedCase();
    await this.mqttCase('subscribe commands', `SUBSCRIBE devices/${this.connectionId}/commands`, () => this.subscribe());
    await this.mqttCase('test command', 'POST …/commands {"kind":"test"}', () => this.command());
    await this.mqttCase("another device's topic", `PUBLISH devices/${this.connectionId}-other/events`, () => this.foreignTopic());
    await this.mqttCase('last will', 'connection dropped without DISCONNECT', () => this.lastWill());
  }

  async end(): Promise<void> {
    await this.device?.stop().catch(() => {});
    if (this.connection !== this.device) await this.connection?.stop().catch(() => {});
  }

  private record(result: CaseResult): void {
    this.cases.push(result);
    this.options.onCase?.(result);
  }

  /** Runs a case; an exception is the case's FAIL, with its message. */
  private async attempt(name: string, sent: string, work: () => Promise<Omit<CaseResult, 'name'>>): Promise<void> {
    try {
      this.record({ name, ...(await work()) });
    } catch (error) {
      this.record({ status: 'FAIL', name, sent, outcome: (error as Error).message });
    }
  }

  /** An MQTT-only case: skipped for clouds, and when the device is not connected. */
  private async mqttCase(name: string, sent: string, work: () => Promise<Omit<CaseResult, 'name'>>): Promise<void> {
    if (!this.overMqtt) {
      this.record({ status: 'SKIP', name, sent: '–', outcome: 'vkp-fhir devices post over HTTPS (VKP I1): no MQTT' });
    } else if (name !== 'connect' && !this.connected) {
      this.record({ status: 'SKIP', name, sent: '–', outcome: 'not connected' });
    } else {
      await this.attempt(name, sent, work);
    }
  }

  private async registration(): Promise<boolean> {
    const answer = await this.vendor.call<HubDeviceView>('GET', `/api/devices/${encodeURIComponent(this.deviceId)}`);
    if (answer.status !== 200) {
      this.record({ status: 'FAIL', name: 'registration', sent: `GET /api/devices/${this.deviceId}`, outcome: `${answer.status}: ${messageOf(answer.body)}` });
      return false;
    }
    const view = answer.body;
    this.view = view;
    const problems = [
      view.model !== this.model.name ? `it is registered as model "${view.model}" (${view.adapter}), not "${this.model.name}" (${this.model.adapter})` : undefined,
      view.status !== 'active' ? `it is ${view.status}` : undefined,
      this.format.transport === 'gateway' && this.model.kind !== 'gateway' && !view.gatewayId ? 'it is not registered behind a gateway' : undefined,
    ].filter((problem) => problem !== undefined);
    const what = `${this.throwaway ? 'throwaway ' : ''}device ${view.id}: model "${view.model}", ${view.kind}, ${view.adapter}, ${view.status}` +
      (view.gatewayId ? `, behind gateway ${view.gatewayId} as "${view.gatewayAddress}"` : '');
    this.record({ status: problems.length ? 'FAIL' : 'PASS', name: 'registration', sent: `GET /api/devices/${view.id}`, outcome: problems.length ? `${what}; but ${problems.join('; ')}` : what });
    return true;
  }

  private async setUpOperator(): Promise<void> {
    const account = this.options.operator;
    if (!account) {
      this.log('alarms are not checked: a vendor account cannot read them (give --operator-user and --operator-password)');
      return;
    }
    try {
      const operator = await HubApi.login(this.vendor.hubUrl, account);
      const seen = await operator.call<HubDeviceView>('GET', `/api/devices/${encodeURIComponent(this.deviceId)}`);
      if (seen.status !== 200) {
        this.log(`alarms are not checked: ${account.username} cannot see device ${this.deviceId} (${seen.status}); is it in their municipality?`);
        return;
      }
      this.operator = operator;
      this.placed = seen.body.resident !== null;
      const gatewayId = this.view?.gatewayId;
      if (gatewayId) {
        const gateway = await operator.call<HubDeviceView>('GET', `/api/devices/${encodeURIComponent(gatewayId)}`);
        this.gatewayPlaced = gateway.status === 200 ? gateway.body.resident !== null : undefined;
      }
      for (const alarm of await this.alarmsOfDevice()) this.seenAlarms.add(alarm.id);
      this.log(
        this.placed
          ? `alarms are checked as ${account.username}; the device is placed with a resident`
          : `alarms are checked as ${account.username}; the device is placed with no resident, so the hub stores its events and raises no alarm`,
      );
    } catch (error) {
      this.log(`alarms are not checked: ${(error as Error).message}`);
      this.operator = undefined;
    }
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  private buildSimulators(): void {
    const view = this.view!;
    const base = { mqttUrl: this.mqttUrl, heartbeatSeconds: 0, reconnect: false, ackTimeoutMs: this.ackTimeoutMs, connectTimeoutMs: this.ackTimeoutMs };
    const onCommand = (payload: Buffer, topic: string) => this.commands.push({ topic, payload });
    const device: ManifestDevice = {
      deviceId: this.deviceId,
      password: this.password,
      kind: view.kind as DeviceKind,
      model: view.model,
      // The format under test is the model's; a device registered otherwise shows in what the hub makes of it.
      adapter: this.model.adapter,
      ...(view.gatewayId ? { gatewayId: view.gatewayId } : {}),
      ...(view.gatewayAddress ? { gatewayAddress: view.gatewayAddress } : {}),
    };
    if (this.format.transport === 'gateway' && this.model.kind !== 'gateway') {
      const gateway = new SimulatedDevice(
        { deviceId: view.gatewayId ?? '', password: this.options.gatewayPassword ?? '', kind: 'gateway', model: 'gateway', adapter: this.model.adapter },
        { ...base, onCommand },
      );
      this.connection = gateway;
      this.device = new SimulatedDevice(device, { ...base, gateway });
    } else if (this.format.transport === 'https') {
      this.device = new SimulatedDevice(device, { ...base, vendor: this.vendor });
    } else {
      this.device = new SimulatedDevice({ ...device, kind: this.model.kind as DeviceKind }, { ...base, onCommand });
      this.connection = this.device;
    }
  }

  private async deviceView(id = this.deviceId): Promise<HubDeviceDetail | undefined> {
    const answer = await this.vendor.call<HubDeviceDetail>('GET', `/api/devices/${encodeURIComponent(id)}`);
    return answer.status === 200 ? answer.body : undefined;
  }

  private async requireView(id = this.deviceId): Promise<HubDeviceDetail> {
    const view = await this.deviceView(id);
    if (!view) throw new Error(`GET /api/devices/${id} failed`);
    return view;
  }

  private async alarmsOfDevice(): Promise<HubAlarmView[]> {
    if (!this.operator) return [];
    const queue = await this.operator.expect<HubAlarmView[]>('GET', '/api/alarms');
    return queue.filter((alarm) => alarm.device.id === this.deviceId || alarm.device.id === this.connectionId);
  }

  /** Alarms of the device raised since the last call. */
  private async newAlarms(): Promise<HubAlarmView[]> {
    const fresh = (await this.alarmsOfDevice()).filter((alarm) => !this.seenAlarms.has(alarm.id));
    for (const alarm of fresh) this.seenAlarms.add(alarm.id);
    return fresh;
  }

  /** A battery reading unlike the last, so a battery that moves is seen to move. */
  private nextBattery(): number {
    this.battery = this.battery <= 31 ? 90 : this.battery - 1;
    return this.battery;
  }

  private async connect(): Promise<Omit<CaseResult, 'name'>> {
    const connection = this.connection!;
    const before = await this.deviceView(connection.deviceId);
    const statusTopic = connection.role === 'gateway' ? `gateways/${connection.deviceId}/bridge/state` : deviceTopic(connection.deviceId, 'status');
    const sent = `CONNECT as ${connection.deviceId} (will: offline on ${statusTopic}); online on ${statusTopic}`;
    const announcement = await connection.connect();
    if (this.device !== connection) await this.device!.connect();
    this.connected = true;
    if (announcement.problem) return { status: 'FAIL', sent, outcome: `CONNACK, but ${announcement.problem}` };
    const parts = [`CONNACK; online acknowledged in ${announcement.onlineAcknowledgedMs} ms`];
    if (!before) return { status: 'PASS', sent, outcome: `${parts[0]} (${connection.deviceId} is not visible to ${this.vendor.who.username})` };
    const after = await until(async () => {
      const view = await this.requireView(connection.deviceId);
      return view.contact === 'ok' && later(view.lastSeenAt, before.lastSeenAt) ? view : undefined;
    }, SHORT_WAIT_MS);
    if (!after) return { status: 'FAIL', sent, outcome: `${parts[0]}; but GET /api/devices/${connection.deviceId} shows no new contact` };
    return { status: 'PASS', sent, outcome: `${parts[0]}; contact ok, last seen moved` };
  }

  private async heartbeat(): Promise<Omit<CaseResult, 'name'>> {
    const subject = this.model.kind === 'gateway' ? this.connection! : this.device!;
    const before = await this.requireView(subject.deviceId);
    const battery = this.nextBattery();
    const heartbeat = await subject.heartbeat({ battery, signal: 70 });
    if (!heartbeat) return { status: 'SKIP', sent: '–', outcome: 'this device sends no heartbeat' };
    const sent = `${describePayload(heartbeat.payload, 70)} on ${heartbeat.topic} (QoS 0)`;
    const after = await until(async () => {
      const view = await this.requireView(subject.deviceId);
      return later(view.lastSeenAt, before.lastSeenAt) && (heartbeat.battery === undefined || view.battery === heartbeat.battery) ? view : undefined;
    }, SHORT_WAIT_MS);
    if (!after) {
      const now = await this.requireView(subject.deviceId);
      return { status: 'FAIL', sent, outcome: `within ${SHORT_WAIT_MS / 1000} s: last seen ${now.lastSeenAt ?? 'never'}, battery ${now.battery ?? 'unknown'}` };
    }
    return { status: 'PASS', sent, outcome: `last seen moved${heartbeat.battery === undefined ? '' : `, battery ${after.battery} %`}` };
  }

  /** One event of the format: acknowledged, the device seen, its battery taken, and (for an operator) the alarm it raised. */
  private async eventCase(event: FormatEvent): Promise<void> {
    const name = `event ${event.code}${event.type === event.code ? '' : ` ${event.type}`}`;
    if (!this.connected && this.overMqtt) {
      this.record({ status: 'SKIP', name, sent: '–', outcome: 'not connected' });
      return;
    }
    await this.attempt(name, event.type, async () => {
      const before = await this.requireView();
      await this.newAlarms();
      const heldBefore = await this.heldEvents();
      const sentEvent = await this.device!.sendEvent(event, { battery: this.nextBattery() });
      const sent = describePayload(sentEvent.payload, 70);
      const decoded = this.adapter.decode(sentEvent.payload, { deviceId: this.deviceId, receivedAt: new Date().toISOString() });
      if (!decoded.ok) throw new Error(`the simulator built a payload its own adapter refuses: ${decoded.error.detail}`);
      const expected = decoded.events[0]!;
      const acknowledged = this.overMqtt ? `PUBACK ${sentEvent.acknowledgedMs} ms` : `answered in ${sentEvent.acknowledgedMs} ms`;
      const after = await this.requireView();
      const problems: string[] = [];
      const seen: string[] = [acknowledged];
      if (later(after.lastSeenAt, before.lastSeenAt)) seen.push('last seen moved');
      else problems.push('last seen did not move: the hub did not take it as an event of this device (quarantined?)');
      const battery = decoded.report?.battery;
      if (battery !== undefined) {
        if (after.battery === Math.round(battery)) seen.push(`battery ${after.battery} %`);
        else problems.push(`battery is ${after.battery ?? 'unknown'}, not the ${battery} sent`);
      }
      const alarmCheck = await this.alarmOutcome(expected);
      if (alarmCheck) (alarmCheck.ok ? seen : problems).push(alarmCheck.text);
      const ended = await this.holdsEndedSince(heldBefore, expected.eventId);
      if (ended) seen.push(ended);
      return { status: problems.length ? 'FAIL' : 'PASS', sent, outcome: [...seen, ...problems].join('; ') };
    });
  }

  /** The device's held events as the operator sees them; none when alarms are not checked. */
  private async heldEvents(): Promise<HubHeldEvent[]> {
    if (!this.operator) return [];
    const answer = await this.operator.call<HubDeviceDetail>('GET', `/api/devices/${encodeURIComponent(this.deviceId)}`);
    return answer.status === 200 ? (answer.body.held ?? []) : [];
  }

  /** What the event ended of what the hub held (a door closed ends the opening), said shortly. */
  private async holdsEndedSince(before: HubHeldEvent[], ownEventId: string): Promise<string | undefined> {
    if (!this.operator) return undefined;
    const endedBefore = new Set(before.filter((hold) => hold.cancelledAt !== null).map((hold) => hold.eventId));
    const ended = (await this.heldEvents()).filter((hold) => hold.cancelledAt !== null && !endedBefore.has(hold.eventId) && hold.eventId !== ownEventId);
    if (ended.length === 0) return undefined;
    const codes = [...new Set(ended.map((hold) => hold.code))].map((code) => (isAlertCode(code) ? `${code} ${ALERT_CODES[code].display}` : code));
    return `ended the hold of ${codes.join(', ')}${ended.length > 1 ? ` (${ended.length} events)` : ''}`;
  }

  /**
   * The hub held the event back by the municipality's triage rules (a door opened waits for its
   * return time, a missed dose for its grace period): it raises its alarm only if nothing ends
   * the hold first. A dispenser that can say the dose was taken out says so, which must end it.
   */
  private async heldOutcome(expected: DeviceEvent, hold: HubHeldEvent, wanted: string): Promise<{ ok: boolean; text: string }> {
    if (hold.code !== expected.code) return { ok: false, text: `held as ${hold.code}, where ${wanted} was expected` };
    const held = `held until ${osloClock(new Date(hold.holdUntil))} by the municipality's triage rules, then ${wanted}`;
    if (hold.releasedAt !== null) {
      const raised = await until(async () => {
        const fresh = (await this.newAlarms()).filter((alarm) => alarm.device.id === this.deviceId && alarm.code === expected.code);
        return fresh.length > 0 ? fresh : undefined;
      }, SHORT_WAIT_MS);
      await this.settle(raised ?? []);
      return raised ? { ok: true, text: `${held}: the hold ran out and raised it` } : { ok: false, text: `${held}: the hold ran out, but no alarm came` };
    }
    if (!this.format.dispensed) return { ok: true, text: `${held} unless what it waits for comes first` };
    const taken = await this.device!.sendDispensed({ battery: this.nextBattery() });
    const after = (await this.heldEvents()).find((candidate) => candidate.eventId === hold.eventId);
    const acknowledged = this.overMqtt ? `PUBACK ${taken.acknowledgedMs} ms` : `answered in ${taken.acknowledgedMs} ms`;
    return after?.cancelledAt
      ? { ok: true, text: `${held}; a dose taken out (${acknowledged}) ended the hold` }
      : { ok: false, text: `${held}; but a dose taken out (${acknowledged}) did not end the hold` };
  }

  /** What the operator's queue shows for the event, or undefined when alarms are not checked. */
  private async alarmOutcome(expected: DeviceEvent): Promise<{ ok: boolean; text: string } | undefined> {
    if (!this.operator) return undefined;
    const at = Date.parse(expected.occurredAt);
    // The event's own alarms: a state sent first to make this one a change may have raised one too.
    const raised = (await this.newAlarms()).filter((alarm) => alarm.device.id === this.deviceId && Date.parse(alarm.occurredAt) === at);
    const describe = (alarm: HubAlarmView) => `alarm ${alarm.code} ${alarm.codeDisplay} (${alarm.kind}, severity ${alarm.severity})`;
    if (!this.placed) {
      return raised.length === 0
        ? { ok: true, text: 'no alarm (the device has no resident)' }
        : { ok: false, text: `${raised.map(describe).join(', ')} for a device with no resident` };
    }
    const want = expectedAlarm(expected);
    const wanted = `${expected.code} ${ALERT_CODES[expected.code].display} (${want.kind})`;
    if (!want.raises) {
      return raised.length === 0 ? { ok: true, text: `no alarm, as ${want.kind === 'information' ? 'information' : expected.technical} raises none` } : { ok: false, text: `${raised.map(describe).join(', ')} where none was expected` };
    }
    const match = raised.find((alarm) => alarm.code === expected.code && alarm.kind === want.kind);
    // Each case starts from a clear desk: the hub joins a call for help to one already open.
    await this.settle(raised);
    if (match && raised.length === 1) return { ok: true, text: describe(match) };
    if (raised.length === 0) {
      const hold = (await this.heldEvents()).find((candidate) => candidate.eventId === expected.eventId);
      return hold ? this.heldOutcome(expected, hold, wanted) : { ok: false, text: `no alarm, where ${wanted} was expected` };
    }
    return { ok: false, text: `${raised.map(describe).join(', ')} where ${wanted} was expected` };
  }

  /** Takes and closes the alarms a case raised, as an operator would after a test. */
  private async settle(alarms: HubAlarmView[]): Promise<void> {
    for (const alarm of alarms) {
      await this.operator!.call('POST', `/api/alarms/${alarm.id}/take`);
      await this.operator!.call('POST', `/api/alarms/${alarm.id}/close`, { cause: 'test', measures: ['none-needed'], note: 'Samsvarstest' });
    }
  }

  private async malformedCase(): Promise<void> {
    const { payload, problem } = this.format.malformed;
    const sent = `${problem}: ${describePayload(payload, 50)}`;
    if (this.overMqtt && !this.connected) {
      this.record({ status: 'SKIP', name: 'malformed payload', sent: '–', outcome: 'not connected' });
      return;
    }
    if (this.model.kind === 'gateway') {
      this.record({ status: 'SKIP', name: 'malformed payload', sent: '–', outcome: "a gateway's payloads are its sensors'" });
      return;
    }
    await this.attempt('malformed payload', sent, async () => {
      const before = await this.requireView();
      await this.newAlarms();
      const seen: string[] = [];
      const problems: string[] = [];
      if (this.overMqtt) {
        const connection = this.connection!;
        const losses = connection.connectionLosses;
        const ms = await this.device!.publishRaw(payload);
        seen.push(`PUBACK ${ms} ms`);
        await sleep(STAYS_UP_MS);
        if (connection.connected && connection.connectionLosses === losses) seen.push('connection kept');
        else problems.push('the hub closed the connection');
      } else {
        const answer = await this.device!.postResource(payload);
        const outcome = answer.body as { resourceType?: string; issue?: Array<{ severity?: string }> } | undefined;
        const refused = answer.status === 400 && outcome?.resourceType === 'OperationOutcome' && outcome.issue?.[0]?.severity === 'error';
        (refused ? seen : problems).push(`${answer.status} ${outcome?.resourceType ?? ''}: ${messageOf(answer.body)}`.replace(' :', ':'));
      }
      const after = await this.requireView();
      if (after.lastSeenAt === before.lastSeenAt && after.battery === before.battery) seen.push('nothing more: last seen and battery unchanged');
      else problems.push(`the device's last seen or battery moved (${before.lastSeenAt} → ${after.lastSeenAt}, ${before.battery} → ${after.battery})`);
      if (this.operator) {
        const raised = await this.newAlarms();
        if (raised.length === 0) seen.push('no alarm');
        else problems.push(`raised ${raised.map((alarm) => alarm.code).join(', ')}`);
      }
      return { status: problems.length ? 'FAIL' : 'PASS', sent, outcome: [...seen, ...problems].join('; ') };
    });
  }

  private async subscribe(): Promise<Omit<CaseResult, 'name'>> {
    const connection = this.connection!;
    const own = deviceTopic(connection.deviceId, 'commands');
    const other = deviceTopic(`${connection.deviceId}-other`, 'commands');
    const sent = `SUBSCRIBE ${own}; SUBSCRIBE ${other}`;
    const ownQos = await connection.subscribe(own);
    const otherQos = await connection.subscribe(other);
    await sleep(STAYS_UP_MS);
    const problems: string[] = [];
    if (ownQos === 128) problems.push(`its own commands topic was refused`);
    if (otherQos !== 128) problems.push(`another device's commands topic was granted (QoS ${otherQos})`);
    if (!connection.connected) problems.push('the connection closed');
    const outcome = `SUBACK QoS ${ownQos} for its own; ${otherQos === 128 ? '128 (refused)' : `QoS ${otherQos}`} for another's${connection.connected ? '; connection kept' : ''}`;
    return { status: problems.length ? 'FAIL' : 'PASS', sent, outcome: problems.length ? `${outcome}; ${problems.join('; ')}` : outcome };
  }

  private async command(): Promise<Omit<CaseResult, 'name'>> {
    const route = `/api/devices/${encodeURIComponent(this.deviceId)}/commands`;
    const sent = `POST ${route} {"kind":"test"}`;
    this.commands.length = 0;
    const answer = await this.vendor.call('POST', route, { kind: 'test' });
    if (!this.adapter.encodeCommand) {
      if (answer.status === 409) return { status: 'SKIP', sent, outcome: `the ${this.format.name} format takes no commands (409: ${messageOf(answer.body)})` };
      return { status: 'FAIL', sent, outcome: `${answer.status} for a format that takes no commands: ${messageOf(answer.body)}` };
    }
    if (answer.status !== 202) return { status: 'FAIL', sent, outcome: `${answer.status}: ${messageOf(answer.body)}` };
    const topic = deviceTopic(this.deviceId, 'commands');
    const expected = Buffer.from(this.adapter.encodeCommand({ kind: 'test' }));
    const received = await until(async () => this.commands.find((command) => command.topic === topic), this.ackTimeoutMs);
    if (!received) return { status: 'FAIL', sent, outcome: `202, but nothing arrived on ${topic} within ${this.ackTimeoutMs / 1000} s` };
    const what = `${describePayload(received.payload, 40)} on ${topic}`;
    return received.payload.equals(expected)
      ? { status: 'PASS', sent, outcome: `202; received ${what}, the ${this.format.name} test command` }
      : { status: 'FAIL', sent, outcome: `202; received ${what}, where ${this.format.name} says ${describePayload(expected, 40)}` };
  }

  /**
   * Publishing where it may not must end the connection. Done on a connection without a last
   * will (the device's own leaves first, cleanly), so the case raises no "Ingen kontakt".
   */
  private async foreignTopic(): Promise<Omit<CaseResult, 'name'>> {
    const connection = this.connection!;
    const other = `${connection.deviceId}-other`;
    const topic = deviceTopic(other, 'events');
    const sample = this.format.events[0];
    const payload = sample ? this.format.build(sample, { deviceId: other, sequence: 1, occurredAt: new Date(), battery: 50 }) : new TextEncoder().encode('{}');
    const sent = `${describePayload(payload, 40)} on ${topic} (QoS 1)`;
    const before = await this.deviceView(connection.deviceId);
    await connection.stop();
    this.connected = false;
    const probe = connect(this.mqttUrl, {
      clientId: connection.deviceId,
      username: connection.deviceId,
      password: connection.device.password,
      clean: false,
      reconnectPeriod: 0,
      connectTimeout: this.ackTimeoutMs,
    });
    probe.on('error', () => {});
    const outcome = await new Promise<'closed' | 'acknowledged' | 'no answer' | 'refused login'>((resolve) => {
      const timer = setTimeout(() => resolve('no answer'), this.ackTimeoutMs);
      const settle = (result: 'closed' | 'acknowledged' | 'no answer' | 'refused login') => {
        clearTimeout(timer);
        resolve(result);
      };
      let loggedIn = false;
      probe.once('close', () => settle(loggedIn ? 'closed' : 'refused login'));
      probe.once('connect', () => {
        loggedIn = true;
        probe.publishAsync(topic, Buffer.from(payload), { qos: 1 }).then(
          () => settle('acknowledged'),
          () => settle('closed'),
        );
      });
    });
    await probe.endAsync(true).catch(() => {});
    const after = before ? await this.deviceView(connection.deviceId) : undefined;
    const unchanged = !before || after?.lastSeenAt === before.lastSeenAt;
    const back = await this.reconnect();
    const tail = `${unchanged ? '' : '; but its last seen moved'}${back ? '' : '; and it could not connect again'}`;
    switch (outcome) {
      case 'closed':
        return { status: unchanged && back ? 'PASS' : 'FAIL', sent, outcome: `connection closed by the hub, no PUBACK${tail}` };
      case 'acknowledged':
        return { status: 'FAIL', sent, outcome: `PUBACK: the hub took a message for another device${tail}` };
      case 'refused login':
        return { status: 'FAIL', sent, outcome: `could not log in again to try${tail}` };
      default:
        return { status: 'FAIL', sent, outcome: `neither PUBACK nor a closed connection within ${this.ackTimeoutMs / 1000} s${tail}` };
    }
  }

  private async reconnect(): Promise<boolean> {
    try {
      const announcement = await this.connection!.connect();
      if (this.device !== this.connection) await this.device!.connect();
      this.connected = announcement.problem === undefined;
    } catch {
      this.connected = false;
    }
    return this.connected;
  }

  private async lastWill(): Promise<Omit<CaseResult, 'name'>> {
    const connection = this.connection!;
    const sent = `connection dropped without DISCONNECT (will: offline)`;
    const timeoutSeconds = this.options.willTimeoutSeconds ?? 35;
    if (!this.options.checkWill) return { status: 'SKIP', sent: '–', outcome: `not asked for: add --check-will (it waits up to ${timeoutSeconds} s for the hub's supervision)` };
    const placed = connection === this.device ? this.placed : this.gatewayPlaced;
    if (this.throwaway || placed === false) {
      return { status: 'SKIP', sent: '–', outcome: `${connection.deviceId} has no resident, and the hub supervises only devices placed with one: give --device of a placed device` };
    }
    await this.newAlarms();
    const started = performance.now();
    await connection.stop(true);
    this.connected = false;
    // The hub marks contact lost, then raises "Ingen kontakt", then opens the outage: wait for all three.
    const lost = await until(async () => {
      const view = await this.requireView(connection.deviceId);
      return view.contact === 'lost' && view.outages[0]?.endedAt === null ? view : undefined;
    }, timeoutSeconds * 1000, 100);
    const ms = Math.round(performance.now() - started);
    const problems: string[] = [];
    const seen: string[] = [];
    if (!lost) {
      const now = await this.requireView(connection.deviceId);
      problems.push(
        now.contact === 'lost'
          ? `contact lost, but no open outage after ${timeoutSeconds} s`
          : `contact is still ${now.contact} after ${timeoutSeconds} s${placed === undefined ? ' (the hub supervises only devices placed with a resident)' : ''}`,
      );
    } else {
      const outage = lost.outages[0]!;
      seen.push(`contact lost after ${ms} ms, outage cause ${outage.cause}`);
      if (outage.cause !== 'last-will') problems.push('the outage is not put down to the last will');
      if (this.operator) {
        const code = noContactCode(connection === this.device ? this.model.kind : 'gateway');
        const raised = (await this.newAlarms()).filter((alarm) => alarm.device.id === connection.deviceId);
        const match = raised.find((alarm) => alarm.code === code && alarm.kind === 'technical');
        if (match) seen.push(`alarm ${match.code} ${match.codeDisplay} (technical, severity ${match.severity})`);
        else problems.push(`no "Ingen kontakt" alarm ${code} (technical)${raised.length ? `; raised ${raised.map((alarm) => `${alarm.code} (${alarm.kind})`).join(', ')}` : ''}`);
      }
    }
    // Back in contact, so the hub ends the outage (and resolves its alarm) before the device leaves.
    if (!(await this.reconnect())) problems.push('it could not connect again');
    return { status: problems.length ? 'FAIL' : 'PASS', sent, outcome: [...seen, ...problems].join('; ') };
  }
}

/** The report as the command prints it: one line per case, then the summary. */
export function reportLine(result: CaseResult): string {
  return `${result.status}  ${result.name.padEnd(30)}  ${result.sent}  →  ${result.outcome}`;
}

export function summaryLine(report: Pick<ConformanceReport, 'passed' | 'failed' | 'skipped' | 'cases'>): string {
  const verdict = report.failed === 0 ? 'the hub took everything as the contract says' : `${report.failed} ${report.failed === 1 ? 'case' : 'cases'} FAILED`;
  return `summary: ${report.cases.length} cases, ${report.passed} passed, ${report.failed} failed, ${report.skipped} skipped: ${verdict}`;
}

