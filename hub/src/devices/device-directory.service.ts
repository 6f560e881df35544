import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Resident } from '../residents/resident.entity.js';
import { Device } from './device.entity.js';

/** What ingest needs to know about a device on every message: kept in memory briefly. */
export interface KnownDevice {
  id: string;
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
    const row = await this.db
      .getRepository(Device)
      .createQueryBuilder('device')
      .leftJoin(Resident, 'resident', 'resident.id = device.residentId')
      .select(['device.id', 'device.tenantId', 'device.residentId', 'device.adapter', 'device.credentialHash', 'device.status'])
      .addSelect('resident.riskFlags', 'risk_flags')
      .where('device.id = :deviceId', { deviceId })
      .getRawAndEntities();
    const entity = row.entities[0];
    const device: KnownDevice | null = entity
      ? {
          id: entity.id,
          tenantId: entity.tenantId,
          residentId: entity.residentId,
          adapter: entity.adapter,
          credentialHash: entity.credentialHash,
          active: entity.status === 'active',
          residentRiskFlags: (row.raw[0] as { risk_flags: string[] | null }).risk_flags ?? [],
        }
      : null;
    // Misses are not kept: any name sent at CONNECT would otherwise grow the cache.
    if (device) this.cache.set(deviceId, { device, until: Date.now() + TTL_MS });
    return device;
  }

  forget(deviceId: string): void {
    this.cache.delete(deviceId);
  }
}
