import { ForbiddenException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager, type EntityTarget, type ObjectLiteral, type SelectQueryBuilder } from 'typeorm';
import { Device } from '../devices/device.entity.js';
import type { Principal } from './session-token.js';

/**
 * The one place tenancy is enforced: every operator-facing read starts from a query that
 * already admits only the acting operator's tenants.
 */
@Injectable()
export class Tenancy {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** `manager`: read inside the caller's transaction (to lock the row, say). */
  query<T extends ObjectLiteral>(principal: Principal, entity: EntityTarget<T>, alias: string, manager: EntityManager = this.db.manager): SelectQueryBuilder<T> {
    return manager
      .getRepository(entity)
      .createQueryBuilder(alias)
      .where(`${alias}.tenantId = ANY(:tenantIds)`, { tenantIds: principal.tenantIds });
  }

  /** One row by id within the operator's tenants; another tenant's row is reported as absent. */
  async findOne<T extends ObjectLiteral>(principal: Principal, entity: EntityTarget<T>, alias: string, id: string): Promise<T> {
    const row = await this.query(principal, entity, alias).andWhere(`${alias}.id = :id`, { id }).getOne();
    if (!row) throw new NotFoundException(`no ${alias} ${id}`);
    return row;
  }

  admits(principal: Principal, tenantId: string): boolean {
    return principal.tenantIds.includes(tenantId);
  }

  /** A municipality's set-up (limits, rules, shifts, journaling, EPJ clients) is changed by its own admin only. */
  requireAdmin(principal: Principal, tenantId: string, refusal: string): void {
    if (principal.role !== 'admin' || !this.admits(principal, tenantId)) throw new ForbiddenException(refusal);
  }

  /**
   * Devices as the principal may see them: a vendor's account its vendor's devices in every
   * municipality, anyone else the devices of their tenants.
   */
  devices(principal: Principal): SelectQueryBuilder<Device> {
    const query = this.db.getRepository(Device).createQueryBuilder('device');
    return principal.role === 'vendor'
      ? query.where('device.vendorId = :vendorId', { vendorId: principal.vendorId })
      : query.where('device.tenantId = ANY(:tenantIds)', { tenantIds: principal.tenantIds });
  }

  async device(principal: Principal, deviceId: string): Promise<Device> {
    const device = await this.devices(principal).andWhere('device.id = :deviceId', { deviceId }).getOne();
    if (!device) throw new NotFoundException(`no device ${deviceId}`);
    return device;
  }
}
