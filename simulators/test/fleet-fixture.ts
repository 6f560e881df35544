import { randomUUID } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'mqtt';
import type { MqttClient } from 'mqtt';
import type { DeviceKind, FleetManifest, FleetResident } from '@knutepunkt/device-adapters';
import type { ManifestDevice } from '../src/index.js';

/** The real Mosquitto the tests run against (anonymous access). */
export const BROKER_URL = process.env.KNUTEPUNKT_TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';

/** Random per test, so parallel runs never share a device id, a session or a retained status. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** A device's format and, for a sensor behind a home gateway, the gateway and its name there. */
export type DeviceExtras = Partial<Pick<ManifestDevice, 'adapter' | 'gatewayId' | 'gatewayAddress'>>;

export function resident(id: string, name: string, devices: Array<[deviceId: string, kind: DeviceKind, extras?: DeviceExtras]>): FleetResident {
  return {
    id,
    name,
    devices: devices.map(([deviceId, kind, extras]): ManifestDevice => ({ deviceId, kind, password: 'anything', model: 'Test model', adapter: 'native-json', ...extras })),
  };
}

/** Writes a manifest to a fresh temporary directory and returns its path. */
export async function writeManifest(residents: FleetResident[]): Promise<string> {
  const manifest: FleetManifest = {
    hubUrl: 'http://127.0.0.1:3000',
    mqttUrl: BROKER_URL,
    operators: [],
    residents,
  };
  const path = join(await mkdtemp(join(tmpdir(), 'knutepunkt-sim-')), 'demo-fleet.json');
  await writeFile(path, JSON.stringify(manifest, null, 2));
  return path;
}

export interface SeenMessage {
  topic: string;
  payload: Buffer;
  retain: boolean;
}

/** A plain MQTT client standing where the hub would, recording what devices publish. */
export class TopicWatcher {
  readonly messages: SeenMessage[] = [];
  private waiters: Array<() => void> = [];

  private constructor(private readonly client: MqttClient) {
    client.on('message', (topic, payload, packet) => {
      this.messages.push({ topic, payload, retain: packet.retain });
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  static async watch(filters: string | string[]): Promise<TopicWatcher> {
    const client = connect(BROKER_URL, { clientId: uniqueId('watcher'), clean: true, reconnectPeriod: 0 });
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    const watcher = new TopicWatcher(client);
    await client.subscribeAsync(filters, { qos: 1 });
    return watcher;
  }

  /** Resolves with the first message (already seen or still to come) that fits. */
  async next(fits: (message: SeenMessage) => boolean, timeoutMs = 3_000): Promise<SeenMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find(fits);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching message within ${timeoutMs} ms; saw ${this.messages.map((m) => m.topic).join(', ') || 'nothing'}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async publish(topic: string, payload: string): Promise<void> {
    await this.client.publishAsync(topic, payload, { qos: 1 });
  }

  async close(): Promise<void> {
    await this.client.endAsync();
  }
}

/**
 * Leaves the broker as we found it: clears the device's retained status and discards its
 * persistent session (a clean-session connect under the same client id does both for the session).
 */
export async function forgetDevices(deviceIds: string[]): Promise<void> {
  await Promise.all(
    deviceIds.map(async (deviceId) => {
      const client = connect(BROKER_URL, { clientId: deviceId, clean: true, reconnectPeriod: 0 });
      await new Promise<void>((resolve, reject) => {
        client.once('connect', () => resolve());
        client.once('error', reject);
      });
      await client.publishAsync(`devices/${deviceId}/status`, '', { qos: 1, retain: true });
      // A gateway's status is its bridge state.
      await client.publishAsync(`gateways/${deviceId}/bridge/state`, '', { qos: 1, retain: true });
      await client.endAsync();
    }),
  );
}
