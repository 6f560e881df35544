import { BadGatewayException, BadRequestException, ConflictException, Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Alarm } from '../alarms/alarm.entity.js';
import { AuditService } from '../audit/audit.service.js';
import { requireRole, RESPONSE_CENTRE } from '../auth/roles.js';
import type { Principal } from '../auth/session-token.js';
import { Tenancy } from '../auth/tenancy.js';
import { HUB_CONFIG, type HubConfig } from '../config/config.js';
import type { EpjContextView } from '../realtime/contract.js';
import { Resident } from '../residents/resident.entity.js';
import { EpjContextError, searchsetResources, summarisePatient, summariseServices, summariseVisitPlan, type EpjContextResources, type FhirResource } from './epj-context.js';
import { EpjContextCopy } from './epj-context.entity.js';
import { nationalIdSystem } from './vkp-bundle.js';
import { EpjEndpoints } from './epj-endpoints.js';
import { EpjDeliveryError, type EpjPushConnector, EpjUnreachable } from './epj-push.connector.js';


export interface EpjContextRequest {
  /** Read the EPJ even if the hub's copy is young enough. */
  refresh: boolean;
  /** The alarm the operator is handling: the reason the read is audited with. */
  alarmId?: string;
}

/**
 * The resident's context from the municipality's EPJ: their Patient, services (EpisodeOfCare)
 * and visit plan (CarePlan), read through the push connector, with its authorisation. The hub keeps the
 * last copy per resident, shows it while it is younger than EPJ_CONTEXT_MAX_AGE_SECONDS, and
 * falls back on it, marked stale, when the EPJ cannot be read. Every read is audited.
 */
@Injectable()
export class EpjContextService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly tenancy: Tenancy,
    private readonly audit: AuditService,
    private readonly endpoints: EpjEndpoints,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
  ) {}

  async read(principal: Principal, residentId: string, request: EpjContextRequest): Promise<EpjContextView> {
    requireRole(principal, RESPONSE_CENTRE, "the resident's EPJ context is for the response centre");
    const resident = await this.tenancy.findOne(principal, Resident, 'resident', residentId);
    const purpose = await this.purpose(principal, resident, request.alarmId);
    const endpoint = await this.endpoints.forTenant(resident.tenantId);
    if (!endpoint) throw new ConflictException("no EPJ is configured for the resident's municipality (EPJ_FHIR_URL, EPJ_ROUTES_FILE), so there is no EPJ context to read");
    const copies = this.db.getRepository(EpjContextCopy);
    const copy = await copies.findOneBy({ residentId });
    const maxAgeMs = this.config.EPJ_CONTEXT_MAX_AGE_SECONDS * 1000;
    if (!request.refresh && copy?.fetchedAt && copy.resources && Date.now() - copy.fetchedAt.getTime() < maxAgeMs) {
      await this.audit.record(principal, 'resident.epj-context', [resident.id], `${purpose}; the hub's copy read from the EPJ at ${copy.fetchedAt.toISOString()}`);
      return view(copy, false);
    }

    let resources: EpjContextResources;
    try {
      resources = await this.fetchFromEpj(endpoint.connector, resident);
    } catch (error) {
      if (!(error instanceof EpjContextError)) throw error;
      const failedAt = new Date();
      await copies.upsert({ residentId, tenantId: resident.tenantId, lastError: error.message, lastErrorAt: failedAt }, ['residentId']);
      if (copy?.fetchedAt && copy.resources) {
        await this.audit.record(principal, 'resident.epj-context', [resident.id], `${purpose}; the EPJ could not be read (${error.message}), the hub's copy of ${copy.fetchedAt.toISOString()} shown`);
        return view({ ...copy, lastError: error.message, lastErrorAt: failedAt }, true);
      }
      await this.audit.record(principal, 'resident.epj-context', [resident.id], `${purpose}; the EPJ could not be read (${error.message}), nothing shown`);
      const message = `the EPJ could not be read and the hub has no earlier copy: ${error.message}`;
      throw error.unreached ? new ServiceUnavailableException(message) : new BadGatewayException(message);
    }
    const fetched: EpjContextCopy = { residentId, tenantId: resident.tenantId, fetchedAt: new Date(), resources, lastError: null, lastErrorAt: null };
    await this.db.query(
      `INSERT INTO epj_context (resident_id, tenant_id, fetched_at, resources) VALUES ($1, $2, $3, $4)
       ON CONFLICT (resident_id) DO UPDATE SET fetched_at = EXCLUDED.fetched_at, resources = EXCLUDED.resources, last_error = NULL, last_error_at = NULL`,
      [residentId, resident.tenantId, fetched.fetchedAt, JSON.stringify(resources)],
    );
    await this.audit.record(principal, 'resident.epj-context', [resident.id], `${purpose}; read from the EPJ${request.refresh ? ' (refresh asked for)' : ''}`);
    return view(fetched, false);
  }

  /** Why the operator reads it, for the audit: the alarm at hand (which must be this resident's), or the resident panel. */
  private async purpose(principal: Principal, resident: Resident, alarmId: string | undefined): Promise<string> {
    if (alarmId === undefined) return 'resident panel';
    const alarm = await this.tenancy.query(principal, Alarm, 'alarm').andWhere('alarm.id = :alarmId AND alarm.residentId = :residentId', { alarmId, residentId: resident.id }).getOne();
    if (!alarm) throw new BadRequestException(`alarmId: ${alarmId} is not an alarm of this resident`);
    return `handling alarm ${alarm.id}`;
  }

  /** Patient by national id, then its services and active plans, as VKP's patient service is searched. */
  private async fetchFromEpj(connector: EpjPushConnector, resident: Resident): Promise<EpjContextResources> {
    const system = nationalIdSystem(resident.nationalId);
    const patients = await this.search(connector, 'Patient', { identifier: `${system}|${resident.nationalId}` });
    if (patients.length === 0) return { patient: null, episodesOfCare: [], carePlans: [] };
    if (patients.length > 1) throw new EpjContextError(`the EPJ has ${patients.length} patients with the resident's national id`);
    const patient = patients[0]!;
    if (typeof patient.id !== 'string' || patient.id === '') throw new EpjContextError('the EPJ sent a Patient without an id');
    const [episodesOfCare, carePlans] = await Promise.all([
      this.search(connector, 'EpisodeOfCare', { patient: patient.id }),
      this.search(connector, 'CarePlan', { patient: patient.id, status: 'active' }),
    ]);
    return { patient, episodesOfCare, carePlans };
  }

  private async search(connector: EpjPushConnector, type: string, parameters: Record<string, string>): Promise<FhirResource[]> {
    const url = new URL(`${connector.endpoint().href.replace(/\/+$/, '')}/${type}`);
    for (const [name, value] of Object.entries(parameters)) url.searchParams.set(name, value);
    let response: Response;
    try {
      response = await connector.request('GET', url);
    } catch (error) {
      if (!(error instanceof EpjDeliveryError)) throw error;
      throw new EpjContextError(error.message, error instanceof EpjUnreachable);
    }
    if (!response.ok) {
      const body = await response.text().catch(() => '');
      throw new EpjContextError(`EPJ answered ${response.status} to the ${type} search${diagnosticsOf(body)}`);
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      throw new EpjContextError(`the EPJ's answer to the ${type} search is not JSON`);
    }
    return searchsetResources(body, type);
  }
}

function view(copy: EpjContextCopy, stale: boolean): EpjContextView {
  const fetchedAt = copy.fetchedAt!;
  const resources = copy.resources!;
  const failedSince = copy.lastErrorAt !== null && copy.lastErrorAt.getTime() >= fetchedAt.getTime();
  return {
    residentId: copy.residentId,
    fetchedAt: fetchedAt.toISOString(),
    ageSeconds: Math.max(0, Math.floor((Date.now() - fetchedAt.getTime()) / 1000)),
    stale,
    error: failedSince ? copy.lastError : null,
    patient: summarisePatient(resources.patient),
    services: summariseServices(resources.episodesOfCare),
    visitPlan: summariseVisitPlan(resources.carePlans),
  };
}

/** The OperationOutcome's diagnostics, if the EPJ sent one, so the operator sees the EPJ's own words. */
function diagnosticsOf(body: string): string {
  try {
    const outcome = JSON.parse(body) as { issue?: Array<{ diagnostics?: unknown }> };
    const diagnostics = outcome.issue?.[0]?.diagnostics;
    return typeof diagnostics === 'string' ? `: ${diagnostics.slice(0, 300)}` : '';
  } catch {
    return '';
  }
}
