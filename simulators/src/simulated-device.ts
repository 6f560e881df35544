import { randomUUID } from 'node:crypto';
import { connect } from 'mqtt';
import type { MqttClient } from 'mqtt';
import type { AlertCode, DeviceLocation, FleetDevice } from '@knutepunkt/device-adapters';

/** The MQTT channels of one device (DESIGN.md, "Contracts others depend on"). */
export type DeviceChannel = 'events' | 'heartbeat' | 'status' | 'commands';

export function deviceTopic(deviceId: string, channel: DeviceChannel): string {
  return `devices/${deviceId}/${channel}`;
}

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
}

/** Optional native-format fields; battery defaults to the device's simulated charge. */
export interface EventExtras {
  battery?: number;
  text?: string;
  location?: DeviceLocation;
}

export interface SentEvent {
  eventId: string;
  code: AlertCode;
  occurredAt: string;
  /** Milliseconds from publish to PUBACK. */
  acknowledgedMs: number;
}

/** The native event format's id is capped at 128 characters (NativeJsonAdapter). */
const MAX_EVENT_ID_LENGTH = 128;
const CLEAN_END_GRACE_MS = 2_000;

/**
 * One device of the fleet manifest speaking the device contract: connects as itself,
 * leaves `offline` as its last will, says `online`, heartbeats, sends events at QoS 1 and
 * listens for commands.
 */
export class SimulatedDevice {
  readonly deviceId: string;
  private readonly heartbeatMs: number;
  private readonly connectTimeoutMs: number;
  private readonly ackTimeoutMs: number;
  private readonly log: (line: string) => void;
  private client: MqttClient | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private eventCounter = 0;
  /** Set by stop(), so errors from announcing on the way out are not reported as problems. */
  private stopping = false;
  /** Simulated state, so heartbeats look like a real device's: a slowly draining battery. */
  private battery = 60 + Math.random() * 40;
  private signal = 50 + Math.random() * 45;

  constructor(
    readonly device: FleetDevice,
    private readonly options: SimulatedDeviceOptions,
  ) {
    this.deviceId = device.deviceId;
    this.heartbeatMs = Math.max(0, (options.heartbeatSeconds ?? 60) * 1000);
    this.connectTimeoutMs = options.connectTimeoutMs ?? 15_000;
    this.ackTimeoutMs = options.ackTimeoutMs ?? 15_000;
    this.log = options.log ?? (() => {});
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  /** Resolves at the first CONNACK; afterwards mqtt reconnects on its own, as a device would. */
  async connect(): Promise<void> {
    if (this.client) throw new Error(`${this.deviceId} is already connected`);
    const client = connect(this.options.mqttUrl, {
      clientId: this.deviceId,
      username: this.deviceId,
      password: this.device.password,
      // A persistent session keeps commands queued while the device is away.
      clean: false,
      keepalive: 30,
      connectTimeout: this.connectTimeoutMs,
      reconnectPeriod: 1_000,
      will: { topic: deviceTopic(this.deviceId, 'status'), payload: Buffer.from('offline'), qos: 1, retain: true },
    });
    this.client = client;
    client.on('connect', () => void this.announce(client));
    client.on('message', (topic, payload) => {
      this.log(`${this.deviceId} command: ${payload.toString('utf8')}`);
      this.options.onCommand?.(payload, topic);
    });
    client.on('offline', () => {
      if (!this.stopping) this.log(`${this.deviceId} lost its connection; reconnecting`);
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
          if (error) reject(error);
          else resolve();
        };
        const onConnect = () => settle();
        const onError = (error: Error) => settle(error);
        const timer = setTimeout(
          () => settle(new Error(`no CONNACK within ${this.connectTimeoutMs} ms`)),
          this.connectTimeoutMs,
        );
        client.once('connect', onConnect);
        client.once('error', onError);
      });
    } catch (error) {
      this.client = undefined;
      await client.endAsync(true).catch(() => {});
      throw new Error(`${this.deviceId} could not connect to ${this.options.mqttUrl}: ${(error as Error).message}`);
    }
    firstConnack = true;
    if (this.heartbeatMs > 0) {
      this.heartbeatTimer = setInterval(() => void this.heartbeat().catch(() => {}), this.heartbeatMs);
    }
  }

  /**
   * On every (re)connect: listen for commands, then say we are online. In that order, so a hub
   * that reacts to `online` with a command does not send it before we listen.
   */
  private async announce(client: MqttClient): Promise<void> {
    try {
      const [grant] = await client.subscribeAsync(deviceTopic(this.deviceId, 'commands'), { qos: 1 });
      if (grant && grant.qos === 128) this.log(`${this.deviceId} may not subscribe to its commands topic`);
      await client.publishAsync(deviceTopic(this.deviceId, 'status'), 'online', { qos: 1, retain: true });
      // The first heartbeat right away, so the hub sees signal and battery without waiting an interval.
      if (this.heartbeatMs > 0) await this.heartbeat();
    } catch (error) {
      if (!this.stopping) this.log(`${this.deviceId} could not announce itself: ${(error as Error).message}`);
    }
  }

  /** Publishes one heartbeat {battery, signal} (percent) at QoS 0. */
  async heartbeat(): Promise<void> {
    const client = this.requireClient();
    this.battery = Math.max(0, this.battery - Math.random() * 0.05);
    this.signal = Math.min(100, Math.max(5, this.signal + (Math.random() - 0.5) * 6));
    const body = { battery: Math.round(this.battery), signal: Math.round(this.signal) };
    await client.publishAsync(deviceTopic(this.deviceId, 'heartbeat'), JSON.stringify(body), { qos: 0 });
  }

  /**
   * Publishes one event in the native JSON format at QoS 1 and resolves when the hub's
   * PUBACK arrives, which the hub sends only after it has stored the event.
   */
  async sendEvent(code: AlertCode, extra: EventExtras = {}): Promise<SentEvent> {
    const eventId = this.nextEventId();
    const occurredAt = new Date().toISOString();
    const payload: Record<string, unknown> = { id: eventId, code, occurredAt, battery: extra.battery ?? Math.round(this.battery) };
    if (extra.text !== undefined) payload.text = extra.text;
    if (extra.location !== undefined) payload.location = extra.location;
    const acknowledgedMs = await this.publishAcknowledged(deviceTopic(this.deviceId, 'events'), JSON.stringify(payload));
    return { eventId, code, occurredAt, acknowledgedMs };
  }

  /**
   * Publishes anything at QoS 1 (by default on the events topic) and returns the milliseconds
   * until PUBACK. Testers use it for malformed payloads and topics the device may not use.
   */
  async publishRaw(payload: string | Uint8Array, topic: string = deviceTopic(this.deviceId, 'events')): Promise<number> {
    return this.publishAcknowledged(topic, typeof payload === 'string' ? payload : Buffer.from(payload));
  }

  /**
   * Disconnects normally. A clean DISCONNECT does not trigger the last will, which is right:
   * the device left on purpose. `force` drops the connection without waiting for in-flight messages.
   */
  async stop(force = false): Promise<void> {
    this.stopping = true;
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
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

  private async publishAcknowledged(topic: string, message: string | Buffer): Promise<number> {
    const client = this.requireClient();
    const started = performance.now();
    const acknowledged = client.publishAsync(topic, message, { qos: 1 });
    if (this.ackTimeoutMs === 0) {
      await acknowledged;
    } else {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no PUBACK within ${this.ackTimeoutMs} ms`)), this.ackTimeoutMs);
      });
      // After a timeout the publish may still settle later; its late outcome is nobody's business.
      acknowledged.catch(() => {});
      try {
        await Promise.race([acknowledged, timedOut]);
      } finally {
        clearTimeout(timer);
      }
    }
    return Math.round(performance.now() - started);
  }

  /** Readable and unique per device: `<deviceId>-<epoch ms>-<counter>`, or a UUID when the id is long. */
  private nextEventId(): string {
    this.eventCounter += 1;
    const readable = `${this.deviceId}-${Date.now()}-${this.eventCounter}`;
    return readable.length <= MAX_EVENT_ID_LENGTH ? readable : randomUUID();
  }

  private requireClient(): MqttClient {
    if (!this.client) throw new Error(`${this.deviceId} is not connected; call connect() first`);
    return this.client;
  }
}
