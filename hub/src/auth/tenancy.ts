import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityTarget, type ObjectLiteral, type SelectQueryBuilder } from 'typeorm';
import type { Principal } from './session-token.js';

/**
 * The one place tenancy is enforced: every operator-facing read starts from a query that
 * already admits only the acting operator's tenants.
 */
@Injectable()
export class Tenancy {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  query<T extends ObjectLiteral>(principal: Principal, entity: EntityTarget<T>, alias: string): SelectQueryBuilder<T> {
    return this.db
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
}
