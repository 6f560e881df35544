import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Tenant } from '../auth/tenant.entity.js';
import { readTriageRules, type TriageRules } from './triage-rules.js';

const TTL_MS = 30_000;

/** Each municipality's triage rules as ingest needs them: read from the tenant, kept briefly. */
@Injectable()
export class TenantTriageRules {
  private readonly cache = new Map<string, { rules: TriageRules; until: number }>();

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async of(tenantId: string): Promise<TriageRules> {
    const cached = this.cache.get(tenantId);
    if (cached && cached.until > Date.now()) return cached.rules;
    const tenant = await this.db.getRepository(Tenant).findOne({ where: { id: tenantId }, select: ['id', 'triageRules'] });
    // Stored rules were validated when saved; should they not read, the defaults still triage.
    let rules: TriageRules;
    try {
      rules = readTriageRules(tenant?.triageRules);
    } catch {
      rules = readTriageRules(undefined);
    }
    this.cache.set(tenantId, { rules, until: Date.now() + TTL_MS });
    return rules;
  }

  async replace(tenantId: string, raw: unknown): Promise<TriageRules> {
    const rules = readTriageRules(raw);
    await this.db.query('UPDATE tenants SET triage_rules = $2 WHERE id = $1', [tenantId, JSON.stringify(raw)]);
    this.cache.set(tenantId, { rules, until: Date.now() + TTL_MS });
    return rules;
  }
}
