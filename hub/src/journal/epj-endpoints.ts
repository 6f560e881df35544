import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Tenant } from '../auth/tenant.entity.js';
import { HUB_CONFIG, type EpjEndpointSettings, type HubConfig } from '../config/config.js';
import { CircuitBreaker } from './delivery-policy.js';
import { EpjPushConnector } from './epj-push.connector.js';

/** One EPJ the hub pushes to and reads context from, with the breaker that leaves it alone when it fails. */
export interface EpjEndpoint {
  /** 'default' (EPJ_FHIR_URL), or the organisation number it is routed for in EPJ_ROUTES_FILE. */
  key: string;
  connector: EpjPushConnector;
  breaker: CircuitBreaker;
}

/**
 * Which EPJ serves which municipality: the one EPJ_ROUTES_FILE names for its organisation
 * number, else the default EPJ_FHIR_URL, else none (its entries wait for pull). One breaker per
 * EPJ, so one that is down never holds back another's entries.
 */
@Injectable()
export class EpjEndpoints {
  private readonly fallback: EpjEndpoint | null;
  private readonly routed = new Map<string, EpjEndpoint>();
  /** A municipality's organisation number does not change while the hub runs. */
  private readonly organisationOf = new Map<string, string>();

  constructor(
    @Inject(HUB_CONFIG) config: HubConfig,
    @InjectDataSource() private readonly db: DataSource,
  ) {
    const endpoint = (key: string, settings: EpjEndpointSettings): EpjEndpoint => ({
      key,
      connector: new EpjPushConnector(settings),
      breaker: new CircuitBreaker(config.EPJ_CIRCUIT_FAILURES, config.EPJ_CIRCUIT_COOLDOWN_MS),
    });
    this.fallback = config.EPJ_FHIR_URL ? endpoint('default', config) : null;
    for (const [organisationNumber, settings] of Object.entries(config.EPJ_ROUTES_FILE)) this.routed.set(organisationNumber, endpoint(organisationNumber, settings));
  }

  /** Whether any EPJ is configured to push to. */
  any(): boolean {
    return this.fallback !== null || this.routed.size > 0;
  }

  async forTenant(tenantId: string): Promise<EpjEndpoint | null> {
    if (this.routed.size === 0) return this.fallback;
    let organisationNumber = this.organisationOf.get(tenantId);
    if (organisationNumber === undefined) {
      organisationNumber = (await this.db.getRepository(Tenant).findOneOrFail({ where: { id: tenantId }, select: ['id', 'organisationNumber'] })).organisationNumber;
      this.organisationOf.set(tenantId, organisationNumber);
    }
    return this.routed.get(organisationNumber) ?? this.fallback;
  }
}
