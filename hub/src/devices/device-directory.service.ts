import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { DeviceKind } from '@knutepunkt/device-adapters';
import { Resident } from '../residents/resident.entity.js';
import { Device } from './device.entity.js';

/** What ingest needs to know about a device on every message: kept in memory briefly. */
export interface KnownDevice {
  id: string;
  kind: DeviceKind;
  tenantId: string;
  residentId: string | null;
  adapter: string;
  credentialHash: string;
  active: boolean;
  residentRiskFlags: string[];
}

const TTL_MS = 30_000;

/**
 * Looks devices up for ingest without a database round trip per message; a changed
 * registration is seen within TTL_MS, and at once by forget().
 */
@Injectable()
export class DeviceDirectory {
  private readonly cache = new Map<string, { device: KnownDevice | null; until: number }>();

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async find(deviceId: string): Promise<KnownDevice | null> {
    const cached = this.cache.get(deviceId);
    if (cached && cached.until > Date.now()) return cached.device;
    return this.load('device.id = :deviceId', { deviceId });
  }

  /** The sensor a gateway knows by `address` (its Zigbee2MQTT friendly name). */
  async findBehindGateway(gatewayId: string, address: string): Promise<KnownDevice | null> {
    const key = `${gatewayId}\u0000${address}`;
    const cached = this.cache.get(key);
    if (cached && cached.until > Date.now()) return cached.device;
    const device = await this.load('device.gatewayId = :gatewayId AND device.gatewayAddress = :address', { gatewayId, address });
    if (device) this.cache.set(key, { device, until: Date.now() + TTL_MS });
    return device;
  }

  private async load(where: string, parameters: Record<string, string>): Promise<KnownDevice | null> {
    const row = await this.db
      .getRepository(Device)
      .createQueryBuilder('device')
      .leftJoin(Resident, 'resident', 'resident.id = device.residentId')
      .select(['device.id', 'device.kind', 'device.tenantId', 'device.residentId', 'device.adapter', 'device.credentialHash', 'device.status'])
      .addSelect('resident.riskFlags', 'risk_flags')
      .where(where, parameters)
      .getRawAndEntities();
    const entity = row.entities[0];
    const device: KnownDevice | null = entity
      ? {
          id: entity.id,
          kind: entity.kind,
          tenantId: entity.tenantId,
          residentId: entity.residentId,
          adapter: entity.adapter,
          credentialHash: entity.credentialHash,
          active: entity.status === 'active',
          residentRiskFlags: (row.raw[0] as { risk_flags: string[] | null }).risk_flags ?? [],
        }
      : null;
    // Misses are not kept: any name sent at CONNECT would otherwise grow the cache.
    if (device) this.cache.set(device.id, { device, until: Date.now() + TTL_MS });
    return device;
  }

  /** Drops what is cached of the device (and of every gateway sensor, which are few). */
  forget(deviceId: string): void {
    this.cache.delete(deviceId);
    for (const key of this.cache.keys()) if (key.includes('\u0000')) this.cache.delete(key);
  }
}
