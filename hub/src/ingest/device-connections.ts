import { Injectable } from '@nestjs/common';
import aedes from 'aedes';

/**
 * The broker's live connections: the one aedes instance, through which the hub sends
 * commands to devices and ends a device's session (suspended, retired, new credentials).
 */
@Injectable()
export class DeviceConnections {
  readonly broker = aedes.createBroker({ id: 'knutepunkt' });

  /** Publishes hub → device at QoS 1; resolves when the broker has taken it. */
  send(topic: string, payload: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      this.broker.publish({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain: false, dup: false }, (error?: Error) =>
        error ? reject(error) : resolve(),
      );
    });
  }

  /** Whether the device has a session now. */
  connected(deviceId: string): boolean {
    return this.sessions()[deviceId] !== undefined;
  }

  private sessions(): Record<string, { will: unknown; close(): void } | undefined> {
    // aedes keeps its sessions by client id (= device id) but leaves the map out of its types.
    return (this.broker as unknown as { clients: Record<string, { will: unknown; close(): void } | undefined> }).clients;
  }

  /**
   * Ends the device's current session, if it has one; it must log in again. Its last will is
   * dropped first: the hub ended the session, the device did not go silent.
   */
  disconnect(deviceId: string): void {
    const session = this.sessions()[deviceId];
    if (!session) return;
    session.will = null;
    session.close();
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.broker.close(() => resolve()));
  }
}
