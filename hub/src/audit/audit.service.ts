import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { Principal } from '../auth/session-token.js';
import { AuditEntry } from './audit-entry.entity.js';

/** Writes who read or changed which residents' data, and why. */
@Injectable()
export class AuditService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async record(principal: Principal, action: string, residentIds: string[], reason: string, manager?: EntityManager): Promise<void> {
    if (residentIds.length === 0) return;
    await this.insert(principal, action, [...new Set(residentIds)], reason, manager);
  }

  /** A change to a municipality's set-up that concerns no resident (revoking an EPJ's access, say): recorded all the same. */
  async recordSetup(principal: Principal, action: string, reason: string, manager?: EntityManager): Promise<void> {
    await this.insert(principal, action, [], reason, manager);
  }

  private async insert(principal: Principal, action: string, residentIds: string[], reason: string, manager?: EntityManager): Promise<void> {
    await (manager ?? this.db.manager).insert(AuditEntry, { operatorId: principal.operatorId, action, residentIds, reason });
  }
}
