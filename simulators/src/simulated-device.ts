import { connect } from 'mqtt';
import type { MqttClient } from 'mqtt';
import { adapterNamed } from '@knutepunkt/device-adapters';
import type { AlertCode, DeviceLocation } from '@knutepunkt/device-adapters';
import type { ManifestDevice } from './fleet-manifest-reader.js';
import { formatEventFor, type DeviceFormat, type FormatEvent, type MessageDetails } from './formats/device-format.js';
import { deviceFormatNamed } from './formats/formats.js';
import { resourceTypeOf } from './formats/vkp-fhir.format.js';
import { HubApi, messageOf, type HubAccount, type HubAnswer } from './hub-api.js';

/** The MQTT channels of one device (DESIGN.md, "Contracts others depend on"). */
export type DeviceChannel = 'events' | 'heartbeat' | 'status' | 'commands';

export function deviceTopic(deviceId: string, channel: DeviceChannel): string {
  return `devices/${deviceId}/${channel}`;
}

/** Where a home gateway publishes for the sensor it knows by `address` (its Zigbee2MQTT friendly name). */
export function gatewayTopic(gatewayId: string, address: string): string {
  return `gateways/${gatewayId}/${address}`;
}

/**
 * How the device reaches the hub: as itself over MQTT; as a home gateway (Zigbee2MQTT: its status
 * on its base topic); as a sensor through its gateway's connection; or as a vendor cloud over HTTPS.
 */
export type DeviceRole = 'device' | 'gateway' | 'sensor' | 'cloud';

export interface SimulatedDeviceOptions {
  /** The hub's broker, from the manifest, e.g. mqtt://127.0.0.1:1884 */
  mqttUrl: string;
  /** Seconds between heartbeats; 0 sends none. Default 60. */
  heartbeatSeconds?: number;
  /** How long connect() waits for the first CONNACK, in ms. Default 15 000. */
  connectTimeoutMs?: number;
  /** How long sendEvent() and publishRaw() wait for PUBACK, in ms; 0 waits for ever. Default 15 000. */
  ackTimeoutMs?: number;
  /** Where the device says what happens to it (connection changes, commands). Default: silent. */
  log?: (line: string) => void;
  /** Called for every message on devices/{id}/commands, after it is logged. */
  onCommand?: (payload: Buffer, topic: string) => void;
  /** Reconnect by itself after losing the connection, as devices do. Default true; testers turn it off to see a closed connection stay closed. */
  reconnect?: boolean;
  /** For a sensor behind a home gateway (zigbee2mqtt): the gateway's simulator, connected first. */
  gateway?: SimulatedDevice;
  /** For a device whose cloud posts VKP FHIR over HTTPS (vkp-fhir): a session of the vendor account that owns it, or where to log in. */
  vendor?: HubApi | { hubUrl: string; account: HubAccount };
}

/** Optional fields of an event; battery defaults to the device's simulated charge. */
export interface EventExtras {
  battery?: number;
  text?: string;
  /** Only the native format carries a location. */
  location?: DeviceLocation;
}

export interface SentEvent {
  /** The id the hub stores the event under (the format's own, or the one its adapter derives). */
  eventId: string;
  code: AlertCode;
  /** The format's name for what was sent (see DeviceFormat.events). */
  type: string;
  occurredAt: string;
  /** Milliseconds from publish to PUBACK (or from POST to the hub's answer). */
  acknowledgedMs: number;
  /** The topic, or for a cloud the API path, it went to. */
  destination: string;
  payload: Uint8Array;
}

/** What sendDispensed() sent. */
export interface SentDispensed {
  /** When the device says the dose was taken out. */
  dispensedAt: string;
  /** Milliseconds from publish to PUBACK (or from POST to the hub's answer). */
  acknowledgedMs: number;
  destination: string;
  payload: Uint8Array;
}

/** What happened when the device said hello after a (re)connect. */
export interface Announcement {
  /** Granted QoS of its subscription to its commands topic; 128 is refused. */
  commandsQos?: number;
  /** Milliseconds until the hub acknowledged `online`. */
  onlineAcknowledgedMs?: number;
  /** What went wrong, if anything. */
  problem?: string;
}

/** What a heartbeat sent. */
export interface SentHeartbeat {
  topic: string;
  payload: Uint8Array;
  battery?: number;
}

const CLEAN_END_GRACE_MS = 2_000;

/**
 * One device of the fleet manifest speaking the device contract in its registered format:
 * connects as itself (or through its gateway, or as its vendor's cloud over HTTPS), leaves
 * `offline` as its last will, says `online`, heartbeats, sends events at QoS 1 and listens for commands.
 */
export class SimulatedDevice {
  readonly deviceId: string;
  readonly format: DeviceFormat;
  readonly role: DeviceRole;
  private readonly heartbeatMs: number;
  private readonly connectTimeoutMs: number;
  private readonly ackTimeoutMs: number;
  private readonly log: (line: string) => void;
  private client: MqttClient | undefined;
  private cloud: HubApi | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  /** Starts anywhere, so a restarted simulator does not repeat the sequence numbers of its last run. */
  private eventCounter = Math.floor(Math.random() * 50_000);
  private losses = 0;
  /** A sensor is "connected" once it found its gateway connected. */
  private sensorReady = false;
  /** Set by stop(), so errors from announcing on the way out are not reported as problems. */
  private stopping = false;
  /** Simulated state, so heartbeats look like a real device's: a slowly draining battery. */
  private battery = 60 + Math.random() * 40;
  private signal = 50 + Math.random() * 45;

  constructor(
    readonly device: ManifestDevice,
    private readonly options: SimulatedDeviceOptions,
  ) {
    this.deviceId = device.deviceId;
    const format = deviceFormatNamed(device.adapter ?? 'native-json');
    if (!format) throw new Error(`${device.deviceId} speaks "${device.adapter}", which the simulators do not know`);
    this.format = format;
    this.role = device.kind === 'gateway' ? 'gateway' : format.transport === 'gateway' ? 'sensor' : format.transport === 'https' ? 'cloud' : 'device';
    this.heartbeatMs = Math.max(0, (options.heartbeatSeconds ?? 60) * 1000);
    this.connectTimeoutMs = options.connectTimeoutMs ?? 15_000;
    this.ackTimeoutMs = options.ackTimeoutMs ?? 15_000;
    this.log = options.log ?? (() => {});
  }

  get connected(): boolean {
    if (this.role === 'sensor') return this.sensorReady && (this.options.gateway?.connected ?? false);
    if (this.role === 'cloud') return this.cloud !== undefined;
    return this.client?.connected ?? false;
  }

  /** Times the connection was lost other than by stop(). */
  get connectionLosses(): number {
    return this.losses;
  }

  /**
   * Connects, then says hello: listens for commands and says `online` (or, as a sensor, checks its
   * gateway is connected; as a cloud, logs in). Resolves once the hub acknowledged `online`;
   * afterwards mqtt reconnects on its own, as a device would.
   */
  async connect(): Promise<Announcement> {
    this.stopping = false;
    if (this.role === 'sensor') return this.connectThroughGateway();
    if (this.role === 'cloud') return this.logInAsCloud();
    if (this.client) throw new Error(`${this.deviceId} is already connected`);
    const client = connect(this.options.mqttUrl, {
      clientId: this.deviceId,
      username: this.deviceId,
      password: this.device.password,
      // A persistent session keeps commands queued while the device is away.
      clean: false,
      keepalive: 30,
      connectTimeout: this.connectTimeoutMs,
      reconnectPeriod: this.options.reconnect === false ? 0 : 1_000,
      will: { topic: this.statusTopic(), payload: Buffer.from(this.statusPayload('offline')), qos: 1, retain: true },
    });
    this.client = client;
    let firstAnnouncement: Promise<Announcement> | undefined;
    client.on('connect', () => {
      const announcing = this.announce(client);
      firstAnnouncement ??= announcing;
    });
    client.on('message', (topic, payload) => {
      this.log(`${this.deviceId} command: ${describePayload(payload)}`);
      this.options.onCommand?.(payload, topic);
    });
    client.on('offline', () => {
      if (!this.stopping && this.options.reconnect !== false) this.log(`${this.deviceId} lost its connection; reconnecting`);
    });
    client.on('close', () => {
      if (!this.stopping) this.losses += 1;
    });
    // Errors after the first CONNACK (a refused reconnect, a dropped socket) are reported, never
    // thrown: an 'error' event without a listener would end the process.
    let firstConnack = false;
    client.on('error', (error) => {
      if (firstConnack && !this.stopping) this.log(`${this.deviceId} connection error: ${error.message}`);
    });

    try {
      await new Promise<void>((resolve, reject) => {
        const settle = (error?: Error) => {
          clearTimeout(timer);
          client.off('connect', onConnect);
          client.off('error', onError);
          client.off('close', onClose);
          if (error) reject(error);
          else resolve();
        };
        const onConnect = () => settle();
        const onError = (error: Error) => settle(error);
        const onClose = () => settle(new Error('the connection closed before CONNACK'));
        const timer = setTimeout(() => settle(new Error(`no CONNACK within ${this.connectTimeoutMs} ms`)), this.connectTimeoutMs);
        client.once('connect', onConnect);
        client.once('error', onError);
        client.once('close', onClose);
      });
    } catch (error) {
      this.client = undefined;
      this.stopping = true;
      await client.endAsync(true).catch(() => {});
      throw new Error(`${this.deviceId} could not connect to ${this.options.mqttUrl}: ${(error as Error).message}`);
    }
    firstConnack = true;
    const announcement = await (firstAnnouncement ?? this.announce(client));
    this.startHeartbeats();
    return announcement;
  }

  private async connectThroughGateway(): Promise<Announcement> {
    const gateway = this.options.gateway;
    if (!gateway) {
      throw new Error(
        `${this.deviceId} is a ${this.format.name} sensor: it publishes through its home gateway, and ` +
          (this.device.gatewayId ? `gateway ${this.device.gatewayId} is not at hand` : 'the manifest names no gatewayId for it'),
      );
    }
    if (!this.device.gatewayAddress) throw new Error(`${this.deviceId} has no gatewayAddress: its gateway cannot name it`);
    if (!gateway.connected) throw new Error(`${this.deviceId} publishes through gateway ${gateway.deviceId}, which is not connected`);
    this.sensorReady = true;
    this.startHeartbeats();
    return {};
  }

  private async logInAsCloud(): Promise<Announcement> {
    const vendor = this.options.vendor;
    if (!vendor) throw new Error(`${this.deviceId} posts VKP FHIR over HTTPS with a vendor account's token, and none is at hand`);
    this.cloud = vendor instanceof HubApi ? vendor : await HubApi.login(vendor.hubUrl, vendor.account);
    return {};
  }

  private startHeartbeats(): void {
    if (this.heartbeatMs > 0 && this.heartbeatTimer === undefined && this.role !== 'cloud') {
      this.heartbeatTimer = setInterval(() => void this.heartbeat().catch(() => {}), this.heartbeatMs);
    }
  }

  /**
   * On every (re)connect: listen for commands, then say we are online. In that order, so a hub
   * that reacts to `online` with a command does not send it before we listen.
   */
  private async announce(client: MqttClient): Promise<Announcement> {
    const announcement: Announcement = {};
    try {
      await this.withinAckTimeout(async () => {
        const granted = await client.subscribeAsync(deviceTopic(this.deviceId, 'commands'), { qos: 1 }).then(
          ([grant]) => grant?.qos ?? 128,
          // mqtt reports a SUBACK of 128 (refused) as an error.
          (error: Error) => {
            if (/^Subscribe error/.test(error.message)) return 128;
            throw error;
          },
        );
        announcement.commandsQos = granted;
        if (granted === 128) this.log(`${this.deviceId} may not subscribe to its commands topic`);
        const started = performance.now();
        await client.publishAsync(this.statusTopic(), this.statusPayload('online'), { qos: 1, retain: true });
        announcement.onlineAcknowledgedMs = Math.round(performance.now() - started);
      }, 'SUBACK and PUBACK for online');
      // The first heartbeat right away, so the hub sees signal and battery without waiting an interval.
      if (this.heartbeatMs > 0) await this.heartbeat();
    } catch (error) {
      announcement.problem = (error as Error).message;
      if (!this.stopping) this.log(`${this.deviceId} could not announce itself: ${announcement.problem}`);
    }
    return announcement;
  }

  /** A gateway's status is Zigbee2MQTT's bridge state on its base topic; a device's is its status topic. */
  private statusTopic(): string {
    return this.role === 'gateway' ? gatewayTopic(this.deviceId, 'bridge/state') : deviceTopic(this.deviceId, 'status');
  }

  private statusPayload(state: 'online' | 'offline'): string {
    return this.role === 'gateway' ? JSON.stringify({ state }) : state;
  }

  /**
   * Publishes one heartbeat at QoS 0: a device's {battery, signal} (percent) on its heartbeat topic;
   * a gateway's bridge health on its base topic; a sensor's state report (battery, link quality)
   * through its gateway. A cloud has no heartbeat: nothing is sent.
   */
  async heartbeat(reading: { battery?: number; signal?: number } = {}): Promise<SentHeartbeat | undefined> {
    this.battery = Math.max(0, this.battery - Math.random() * 0.05);
    this.signal = Math.min(100, Math.max(5, this.signal + (Math.random() - 0.5) * 6));
    const battery = reading.battery ?? Math.round(this.battery);
    switch (this.role) {
      case 'cloud':
        return undefined;
      case 'sensor': {
        const payload = this.format.report!(this.details({ battery }));
        const topic = this.sensorTopic();
        await this.gatewayClient().publishAsync(topic, Buffer.from(payload), { qos: 0 });
        return { topic, payload, battery };
      }
      case 'gateway': {
        // Zigbee2MQTT's periodic health report; a mains-powered gateway reports no battery.
        const payload = new TextEncoder().encode(JSON.stringify({ response_time: Date.now() }));
        const topic = gatewayTopic(this.deviceId, 'bridge/health');
        await this.requireClient().publishAsync(topic, Buffer.from(payload), { qos: 0 });
        return { topic, payload };
      }
      case 'device': {
        const payload = new TextEncoder().encode(JSON.stringify({ battery, signal: reading.signal ?? Math.round(this.signal) }));
        const topic = deviceTopic(this.deviceId, 'heartbeat');
        await this.requireClient().publishAsync(topic, Buffer.from(payload), { qos: 0 });
        return { topic, payload, battery };
      }
    }
  }

  /**
   * Sends one event in the device's format and resolves when the hub has taken it: the PUBACK,
   * which the hub sends only after it has stored the event, or a 2xx answer over HTTPS. `what` is
   * a VKP alert code (the format's first way of saying it) or one of the format's events.
   */
  async sendEvent(what: AlertCode | FormatEvent, extra: EventExtras = {}): Promise<SentEvent> {
    const event = typeof what === 'string' ? formatEventFor(this.format, what) : what;
    if (!event) throw new Error(`the ${this.format.name} format of ${this.deviceId} cannot say ${String(what)}`);
    if (this.role === 'gateway') throw new Error(`${this.deviceId} is a gateway: its sensors send the events`);
    const details = this.details(extra);
    // A state that is already so would be no change: first the opposite, as a real door closes before it opens.
    const before = this.format.previousState?.(event, details);
    if (before) await this.deliver(before);
    const payload = this.format.build(event, details);
    const { destination, ms } = await this.deliver(payload);
    return {
      eventId: this.eventIdOf(payload, event),
      code: event.code,
      type: event.type,
      occurredAt: details.occurredAt.toISOString(),
      acknowledgedMs: ms,
      destination,
      payload,
    };
  }

  /**
   * Says in the device's format that the dose was taken out, now: no event, but it ends a missed
   * dose the hub holds for its grace period. Resolves when the hub has taken it.
   */
  async sendDispensed(extra: Omit<EventExtras, 'location'> = {}): Promise<SentDispensed> {
    if (!this.format.dispensed) throw new Error(`the ${this.format.name} format of ${this.deviceId} has no message for a dose taken out`);
    const details = this.details(extra);
    const payload = this.format.dispensed(details);
    const { destination, ms } = await this.deliver(payload);
    return { dispensedAt: details.occurredAt.toISOString(), acknowledgedMs: ms, destination, payload };
  }

  /**
   * Publishes anything at QoS 1 (by default where the device sends its events) and returns the
   * milliseconds until PUBACK. Testers use it for malformed payloads and topics the device may not use.
   */
  async publishRaw(payload: string | Uint8Array, topic?: string): Promise<number> {
    const message = typeof payload === 'string' ? payload : Buffer.from(payload);
    if (this.role === 'cloud') throw new Error(`${this.deviceId} posts over HTTPS, not MQTT: use postResource()`);
    if (this.role === 'sensor') return this.options.gateway!.publishRaw(message, topic ?? this.sensorTopic());
    return this.publishAcknowledged(topic ?? deviceTopic(this.deviceId, 'events'), message);
  }

  /** A cloud's POST of one FHIR resource (any bytes), answered with the hub's status and OperationOutcome. */
  async postResource(payload: Uint8Array, resourceType = resourceTypeOf(payload)): Promise<HubAnswer<unknown> & { route: string }> {
    const cloud = this.requireCloud();
    const route = `/api/vkp/devices/${encodeURIComponent(this.deviceId)}/${resourceType}`;
    return { ...(await cloud.postBytes(route, payload, 'application/fhir+json')), route };
  }

  /** Subscribes on the device's own connection; resolves with the granted QoS (128: refused). */
  async subscribe(topic: string): Promise<number> {
    try {
      const [grant] = await this.withinAckTimeout(() => this.requireClient().subscribeAsync(topic, { qos: 1 }), 'SUBACK');
      return grant?.qos ?? 128;
    } catch (error) {
      // mqtt reports a SUBACK of 128 (refused) as an error.
      if (/^Subscribe error/.test((error as Error).message)) return 128;
      throw error;
    }
  }

  /**
   * Disconnects normally. A clean DISCONNECT does not trigger the last will, which is right:
   * the device left on purpose. `force` drops the connection without a DISCONNECT, so the
   * broker publishes the last will.
   */
  async stop(force = false): Promise<void> {
    this.stopping = true;
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
    this.sensorReady = false;
    this.cloud = undefined;
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<'gave up'>((resolve) => {
      timer = setTimeout(() => resolve('gave up'), CLEAN_END_GRACE_MS);
    });
    const outcome = await Promise.race([client.endAsync(force).then(() => 'ended' as const), gaveUp]);
    clearTimeout(timer);
    if (outcome === 'gave up') await client.endAsync(true);
  }

  private details(extra: EventExtras): MessageDetails {
    this.eventCounter += 1;
    const details: MessageDetails = {
      deviceId: this.deviceId,
      sequence: this.eventCounter,
      occurredAt: new Date(),
      battery: extra.battery ?? Math.round(this.battery),
    };
    if (extra.text !== undefined) details.text = extra.text;
    if (extra.location !== undefined) details.location = extra.location;
    return details;
  }

  private async deliver(payload: Uint8Array): Promise<{ destination: string; ms: number }> {
    if (this.role === 'cloud') {
      const answer = await this.postResource(payload);
      if (answer.status < 200 || answer.status > 299) throw new Error(`${answer.route} answered ${answer.status}: ${messageOf(answer.body)}`);
      return { destination: answer.route, ms: answer.ms };
    }
    const destination = this.role === 'sensor' ? this.sensorTopic() : deviceTopic(this.deviceId, 'events');
    return { destination, ms: await this.publishRaw(payload, destination) };
  }

  /** The id the hub will store the event under: the format's own, or what its adapter derives. */
  private eventIdOf(payload: Uint8Array, event: FormatEvent): string {
    const decoded = adapterNamed(this.format.name)?.decode(payload, { deviceId: this.deviceId, receivedAt: new Date().toISOString() });
    const match = decoded?.ok ? (decoded.events.find((candidate) => candidate.code === event.code) ?? decoded.events[0]) : undefined;
    return match?.eventId ?? '';
  }

  private sensorTopic(): string {
    return gatewayTopic(this.options.gateway?.deviceId ?? this.device.gatewayId ?? '', this.device.gatewayAddress ?? '');
  }

  private gatewayClient(): MqttClient {
    const gateway = this.options.gateway;
    if (!gateway || !this.sensorReady) throw new Error(`${this.deviceId} is not connected; call connect() first`);
    return gateway.requireClient();
  }

  private async publishAcknowledged(topic: string, message: string | Buffer): Promise<number> {
    const client = this.requireClient();
    const started = performance.now();
    await this.withinAckTimeout(() => client.publishAsync(topic, message, { qos: 1 }), 'PUBACK');
    return Math.round(performance.now() - started);
  }

  private async withinAckTimeout<T>(work: () => Promise<T>, what: string): Promise<T> {
    const running = work();
    if (this.ackTimeoutMs === 0) return running;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no ${what} within ${this.ackTimeoutMs} ms`)), this.ackTimeoutMs);
    });
    // After a timeout the work may still settle later; its late outcome is nobody's business.
    running.catch(() => {});
    try {
      return await Promise.race([running, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  private requireClient(): MqttClient {
    if (!this.client) throw new Error(`${this.deviceId} is not connected; call connect() first`);
    return this.client;
  }

  private requireCloud(): HubApi {
    if (!this.cloud) throw new Error(`${this.deviceId} is not logged in; call connect() first`);
    return this.cloud;
  }
}

/** A payload for a log line: text as it is, binary as hex. */
export function describePayload(payload: Uint8Array, max = 120): string {
  const text = Buffer.from(payload).toString('utf8');
  // eslint-disable-next-line no-control-regex
  const printable = !text.includes('\uFFFD') && !/[\u0000-\u0008\u000E-\u001F]/.test(text);
  const shown = printable ? text : Buffer.from(payload).toString('hex').replace(/(..)(?!$)/g, '$1 ');
  return shown.length > max ? `${shown.slice(0, max - 1)}…` : shown;
}
