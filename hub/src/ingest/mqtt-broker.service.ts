import { createServer, type Server } from 'node:net';
import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { adapterNamed } from '@knutepunkt/device-adapters';
import type { AuthenticateError, Client, PublishPacket } from 'aedes';
import { AlarmHolds } from '../alarms/alarm-holds.service.js';
import { DispenserJournal } from '../journal/dispenser-journal.service.js';
import { verifySecret } from '../auth/secret-hash.js';
import { HUB_CONFIG, type HubConfig } from '../config/config.js';
import { DeviceDirectory, type KnownDevice } from '../devices/device-directory.service.js';
import { DeviceHeartbeats } from '../devices/device-heartbeats.service.js';
import { DeviceStates } from '../devices/device-states.service.js';
import { DeviceSupervision } from '../devices/device-supervision.service.js';
import { DeviceConnections } from './device-connections.js';
import { Inbox } from './inbox.service.js';
import { mayPublish, maySubscribe, parseDeviceTopic, sensorAddress } from './topics.js';

type Reject = (reason: string, detail: string) => Promise<void>;

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A heartbeat may be empty or JSON {battery, signal}; a bad one still shows the device is alive. */
function readHeartbeat(payload: Buffer): { battery?: number; error?: string } {
  if (payload.length === 0) return {};
  try {
    const body = JSON.parse(payload.toString('utf8')) as { battery?: unknown };
    if (body.battery === undefined) return {};
    if (typeof body.battery === 'number' && body.battery >= 0 && body.battery <= 100) return { battery: body.battery };
    return { error: '"battery" must be a number from 0 to 100' };
  } catch (error) {
    return { error: `heartbeat is not JSON: ${(error as Error).message}` };
  }
}

const WILL_GRACE_MS = 5_000;

/** MQTT CONNACK return codes: 3 server unavailable (try again), 4 bad user name or password. */
const SERVER_UNAVAILABLE = 3;
const BAD_CREDENTIALS = 4;

class CredentialsRefused extends Error {}

function authenticationError(error: Error): AuthenticateError {
  const returnCode = error instanceof CredentialsRefused ? BAD_CREDENTIALS : SERVER_UNAVAILABLE;
  return Object.assign(new Error(error.message), { returnCode }) as AuthenticateError;
}

/**
 * The embedded MQTT broker devices connect to. Each device logs in with its own credentials,
 * may use only its own topics, and gets its PUBACK only once the event is durably stored: the
 * write happens in authorizePublish, which aedes runs before it acknowledges.
 */
@Injectable()
export class MqttBroker implements BeforeApplicationShutdown {
  private readonly broker: DeviceConnections['broker'];
  private readonly willTimers = new Set<NodeJS.Timeout>();
  private readonly logger = new Logger(MqttBroker.name);
  private server: Server | null = null;
  private readonly devicesByClient = new WeakMap<Client, KnownDevice>();

  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    private readonly directory: DeviceDirectory,
    private readonly inbox: Inbox,
    private readonly heartbeats: DeviceHeartbeats,
    private readonly connections: DeviceConnections,
    private readonly supervision: DeviceSupervision,
    private readonly states: DeviceStates,
    private readonly holds: AlarmHolds,
    private readonly doses: DispenserJournal,
  ) {
    this.broker = connections.broker;
    this.broker.authenticate = (client, username, password, done) => {
      this.authenticate(client, username, password).then(
        (device) => done(null, device !== null),
        (error: Error) => done(authenticationError(error), false),
      );
    };
    this.broker.authorizePublish = (client, packet, done) => {
      this.authorizePublish(client, packet).then(() => done(null), done);
    };
    this.broker.authorizeSubscribe = (client, subscription, done) => {
      const device = client ? this.devicesByClient.get(client) : undefined;
      // A null subscription answers SUBACK 128 (refused) and keeps the connection.
      done(null, device && maySubscribe(device.id, subscription.topic, device.kind === 'gateway') ? subscription : null);
    };
    this.broker.on('clientError', (client, error) => this.logger.debug(`device ${client.id}: ${error.message}`));
  }

  async listen(): Promise<number> {
    const server = createServer(this.broker.handle);
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.MQTT_PORT, this.config.MQTT_HOST, () => resolve());
    });
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : this.config.MQTT_PORT;
    this.logger.log(`MQTT broker on mqtt://${this.config.MQTT_HOST}:${port}`);
    return port;
  }

  get listening(): boolean {
    return this.server?.listening ?? false;
  }

  /** Devices go first, so nothing new is stored while the rest of the hub shuts down. */
  async beforeApplicationShutdown(): Promise<void> {
    for (const timer of this.willTimers) clearTimeout(timer);
    await this.connections.close();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async authenticate(client: Client, username: string | undefined, password: Buffer | undefined): Promise<KnownDevice | null> {
    if (!username || !password || username !== client.id) {
      throw new CredentialsRefused('log in with the device id as both client id and username, and the device password');
    }
    const device = await this.directory.find(username);
    if (!device || !device.active || !(await verifySecret(password.toString('utf8'), device.credentialHash))) {
      throw new CredentialsRefused('unknown device, wrong password, or device not active');
    }
    this.devicesByClient.set(client, device);
    return device;
  }

  private async authorizePublish(client: Client | null, packet: PublishPacket): Promise<void> {
    // aedes authorizes a device's last will with its client too; a null client is another broker's will.
    const device = client ? this.devicesByClient.get(client) : undefined;
    if (!device || !mayPublish(device.id, packet.topic, device.kind === 'gateway')) {
      throw new Error(`not allowed to publish to ${packet.topic}`);
    }
    const topic = parseDeviceTopic(packet.topic)!;
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    const reject = this.quarantiner(device.id, packet.topic, payload);
    switch (topic.kind) {
      case 'events':
        return this.ingestEvent(device.id, payload, reject);
      case 'gateway':
        return this.ingestFromGateway(device.id, topic.path, payload, reject);
      case 'heartbeat': {
        const heartbeat = readHeartbeat(payload);
        await this.alive(device.id, heartbeat.battery);
        if (heartbeat.error) await reject('malformed', heartbeat.error);
        return;
      }
      case 'status':
        return this.status(device.id, payload.toString('utf8'));
    }
  }

  /** The retained online / offline of DESIGN.md's contract; offline is the device's last will. */
  private async status(deviceId: string, status: string): Promise<void> {
    if (status === 'online') await this.alive(deviceId);
    else if (status === 'offline') this.afterWillGrace(deviceId);
  }

  /**
   * A device that reconnects at once (a new network, its own session taking over the old one)
   * leaves its old session's will behind: only a device still gone after a short grace has
   * lost contact.
   */
  private afterWillGrace(deviceId: string): void {
    const timer = setTimeout(() => {
      this.willTimers.delete(timer);
      if (this.connections.connected(deviceId)) return;
      this.supervision.lastWill(deviceId).catch((error: Error) => this.logger.warn(`last will of ${deviceId}: ${error.message}`));
    }, WILL_GRACE_MS);
    this.willTimers.add(timer);
  }

  private async alive(deviceId: string, battery?: number): Promise<void> {
    const restored = await this.heartbeats.seen([deviceId], battery);
    if (restored.length > 0) await this.supervision.restored(deviceId);
  }

  private quarantiner(deviceId: string, topic: string, payload: Buffer) {
    return async (reason: string, detail: string): Promise<void> => {
      await this.inbox.store({
        kind: 'quarantine',
        deviceId,
        topic,
        reason,
        detail,
        payload: payload.subarray(0, this.config.MAX_EVENT_BYTES),
        payloadBytes: payload.length,
      });
    };
  }

  private async ingestEvent(deviceId: string, payload: Buffer, reject: Reject): Promise<void> {
    const device = await this.directory.find(deviceId);
    if (!device) return reject('unknown-device', `device ${deviceId} is no longer registered`);
    return this.decodeAndStore(device, payload, reject);
  }

  /**
   * A gateway speaks for the sensors registered behind it: `gateways/{id}/bridge/state` is the
   * gateway's own status (Zigbee2MQTT's will), `gateways/{id}/{sensor name}` a sensor's state.
   */
  private async ingestFromGateway(gatewayId: string, path: string, payload: Buffer, reject: Reject): Promise<void> {
    if (path === 'bridge/state') {
      const text = payload.toString('utf8');
      const state = text.startsWith('{') ? (safeJson(text) as { state?: string } | undefined)?.state : text;
      return this.status(gatewayId, state ?? '');
    }
    await this.alive(gatewayId);
    const address = sensorAddress(path);
    if (address === null) return;
    const sensor = await this.directory.findBehindGateway(gatewayId, address);
    if (!sensor) return reject('unknown-sensor', `no sensor "${address.slice(0, 100)}" is registered behind gateway ${gatewayId}`);
    return this.decodeAndStore(sensor, payload, reject);
  }

  private async decodeAndStore(device: KnownDevice, payload: Buffer, reject: Reject): Promise<void> {
    if (!device.active) return reject('inactive-device', `device ${device.id} is suspended or retired`);
    if (payload.length > this.config.MAX_EVENT_BYTES) {
      return reject('oversized', `payload of ${payload.length} bytes is over the limit of ${this.config.MAX_EVENT_BYTES}`);
    }
    const adapter = adapterNamed(device.adapter);
    if (!adapter) return reject('no-adapter', `device is registered with adapter "${device.adapter}", which this hub does not have`);
    const decoded = adapter.decode(payload, { deviceId: device.id, receivedAt: new Date().toISOString() });
    if (!decoded.ok) return reject(decoded.error.reason, decoded.error.detail);
    const { events, remember } = await this.states.changed(device.id, decoded.events, decoded.report?.states);
    // A dose taken out late: the missed dose held for its grace period raises nothing.
    if (decoded.report?.dispensedAt !== undefined) {
      const { dispensedAt } = decoded.report;
      await Promise.all([this.holds.cancel(device.id, { dispensedAt }), this.doses.taken(device.id, dispensedAt)]);
    }
    // A message with no new event (a battery report, a dose dispensed, a repeated state) still shows the device is alive.
    if (events.length === 0) {
      await this.alive(device.id, decoded.report?.battery);
      return remember();
    }
    const contactRestored = await this.inbox.store({ kind: 'events', device, events });
    await remember();
    if (contactRestored) await this.supervision.restored(device.id);
    if (decoded.report?.battery !== undefined) await this.heartbeats.seen([device.id], decoded.report.battery);
  }
}
