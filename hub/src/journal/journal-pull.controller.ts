import {
  type ArgumentsHost,
  BadRequestException,
  Body,
  Catch,
  ConflictException,
  Controller,
  type ExceptionFilter,
  Get,
  Header,
  HttpCode,
  HttpException,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Req,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Request, Response } from 'express';
import { DataSource } from 'typeorm';
import type { EpjPrincipal } from '../auth/session-token.js';
import { EpjClientGuard, PullingClient } from './epj-client.guard.js';
import { JournalService } from './journal.service.js';
import { OutboxEntry } from './outbox-entry.entity.js';

const FHIR_JSON = 'application/fhir+json';
/** Most entries in one searchset, oldest first; the EPJ acknowledges them and asks again. */
const PAGE_SIZE = 100;
const REFERENCE_MAX = 256;

/** Where an entry stands for the EPJ, as Journalføringstjenesten reports it. */
export type PullStatus = 'registered' | 'read' | 'journaled' | 'failed';

type OperationOutcome = { resourceType: 'OperationOutcome'; issue: Array<{ severity: 'error'; code: string; diagnostics: string }> };

const ISSUE_CODES: Record<number, string> = { 400: 'invalid', 401: 'login', 403: 'forbidden', 404: 'not-found', 409: 'conflict' };

/** Errors in the pull API are FHIR OperationOutcomes, which is what an EPJ's FHIR client reads. */
@Catch(HttpException)
class OperationOutcomeFilter implements ExceptionFilter {
  catch(exception: HttpException, host: ArgumentsHost): void {
    const status = exception.getStatus();
    const answer = exception.getResponse();
    const message = typeof answer === 'string' ? answer : (answer as { message?: unknown }).message;
    const outcome: OperationOutcome = {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: ISSUE_CODES[status] ?? 'exception', diagnostics: Array.isArray(message) ? message.join('; ') : String(message ?? exception.message) }],
    };
    host.switchToHttp().getResponse<Response>().status(status).type(FHIR_JSON).json(outcome);
  }
}

const entryId = new ParseUUIDPipe({ exceptionFactory: () => new BadRequestException('id: must be a journal entry id (UUID)') });

function pullStatus(entry: OutboxEntry): PullStatus {
  if (entry.journaledAt) return 'journaled';
  // A superseded entry will never be journaled: a later one of the same alarm replaced it.
  if (entry.status === 'failed' || entry.status === 'superseded') return 'failed';
  return entry.readAt ? 'read' : 'registered';
}

/**
 * The EPJ's own reference from an acknowledgement: a Parameters with a `reference` parameter, or
 * an OperationOutcome whose first issue's details.text holds it. No body acknowledges without one.
 */
function epjReference(body: unknown): string | null {
  if (body === undefined || body === null || (typeof body === 'object' && Object.keys(body).length === 0)) return null;
  const resource = body as { resourceType?: unknown; parameter?: unknown; issue?: unknown };
  let reference: unknown;
  if (resource.resourceType === 'Parameters') {
    if (!Array.isArray(resource.parameter)) throw new BadRequestException('parameter: a Parameters resource lists its parameters');
    const named = (resource.parameter as Array<{ name?: unknown; valueString?: unknown; valueIdentifier?: { value?: unknown } }>).find((parameter) => parameter?.name === 'reference');
    if (!named) return null;
    reference = named.valueString ?? named.valueIdentifier?.value;
    if (typeof reference !== 'string') throw new BadRequestException('parameter.reference: valueString or valueIdentifier.value with the EPJ’s reference');
  } else if (resource.resourceType === 'OperationOutcome') {
    if (!Array.isArray(resource.issue)) throw new BadRequestException('issue: an OperationOutcome lists its issues');
    reference = (resource.issue as Array<{ details?: { text?: unknown } }>)[0]?.details?.text;
    if (reference === undefined) return null;
    if (typeof reference !== 'string') throw new BadRequestException('issue.details.text: the EPJ’s reference, as text');
  } else {
    throw new BadRequestException('resourceType: Parameters or OperationOutcome, or no body');
  }
  if (reference === '' || reference.length > REFERENCE_MAX) throw new BadRequestException(`reference: 1 to ${REFERENCE_MAX} characters`);
  return reference;
}

/**
 * Pull journaling, after NHN's Journalføringstjenesten: the EPJ of one municipality lists the
 * entries not yet journaled, fetches each (marking it read) and acknowledges it as journaled,
 * which counts as delivered. Another municipality's entry is absent, never forbidden.
 */
@ApiTags('journal')
@ApiBearerAuth()
@UseGuards(EpjClientGuard)
@UseFilters(OperationOutcomeFilter)
@Controller('api/epj/fhir/journal-entries')
export class JournalPullController {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly journal: JournalService,
  ) {}

  @Get()
  @Header('content-type', FHIR_JSON)
  @ApiOperation({ summary: 'A searchset of the entries not yet journaled (status=registered), oldest first' })
  async search(@PullingClient() client: EpjPrincipal, @Query('status') status: unknown, @Req() request: Request): Promise<object> {
    if (status !== undefined && status !== 'registered') throw new BadRequestException('status: only registered (the entries not yet journaled) is searched');
    const [entries, total] = await this.db
      .getRepository(OutboxEntry)
      .createQueryBuilder('outbox')
      .where('outbox.tenantId = :tenantId', { tenantId: client.tenantId })
      .andWhere('outbox.journaledAt IS NULL')
      .andWhere("outbox.status IN ('pending', 'delivered')")
      .orderBy('outbox.createdAt', 'ASC')
      .addOrderBy('outbox.id', 'ASC')
      .limit(PAGE_SIZE)
      .getManyAndCount();
    // fullUrl is absolute in FHIR: where this EPJ reached the hub.
    const base = `${request.protocol}://${request.get('host')}/api/epj/fhir/journal-entries`;
    return {
      resourceType: 'Bundle',
      type: 'searchset',
      total,
      entry: entries.map((entry) => ({ fullUrl: `${base}/${entry.id}`, resource: resource(entry), search: { mode: 'match' } })),
    };
  }

  @Get(':id')
  @Header('content-type', FHIR_JSON)
  @ApiOperation({ summary: 'One entry: its transaction Bundle; marks it read' })
  async fetch(@PullingClient() client: EpjPrincipal, @Param('id', entryId) id: string): Promise<object> {
    await this.db.query('UPDATE journal_outbox SET read_at = coalesce(read_at, now()) WHERE id = $1 AND tenant_id = $2', [id, client.tenantId]);
    const entry = await this.entry(client, id);
    if (pullStatus(entry) === 'failed') throw new ConflictException(`journal entry ${id} failed: ${entry.lastError ?? 'no reason'}`);
    return resource(entry);
  }

  @Post(':id/$journaling-acknowledged')
  @HttpCode(200)
  @Header('content-type', FHIR_JSON)
  @ApiOperation({ summary: 'Acknowledges an entry as journaled; body optional: Parameters with a reference, or an OperationOutcome' })
  async acknowledge(@PullingClient() client: EpjPrincipal, @Param('id', entryId) id: string, @Body() body: unknown): Promise<object> {
    const reference = epjReference(body);
    if (!(await this.journal.acknowledge(id, client.tenantId, reference))) {
      const entry = await this.entry(client, id);
      // Acknowledged before: the answer is the same, and the first acknowledgement stands.
      if (!entry.journaledAt) throw new ConflictException(`journal entry ${id} failed and cannot be journaled: ${entry.lastError ?? 'no reason'}`);
    }
    return statusParameters(await this.entry(client, id));
  }

  @Get(':id/$status')
  @Header('content-type', FHIR_JSON)
  @ApiOperation({ summary: 'Parameters with status registered, read, journaled or failed' })
  async status(@PullingClient() client: EpjPrincipal, @Param('id', entryId) id: string): Promise<object> {
    return statusParameters(await this.entry(client, id));
  }

  private async entry(client: EpjPrincipal, id: string): Promise<OutboxEntry> {
    const entry = await this.db.getRepository(OutboxEntry).findOneBy({ id, tenantId: client.tenantId });
    if (!entry) throw new NotFoundException(`no journal entry ${id}`);
    return entry;
  }
}

/** The stored transaction Bundle under the entry's id, by which the EPJ fetches and acknowledges it. */
function resource(entry: OutboxEntry): object {
  return { ...entry.bundle, id: entry.id, meta: { lastUpdated: entry.createdAt.toISOString() } };
}

function statusParameters(entry: OutboxEntry): object {
  const parameter: Array<Record<string, string>> = [
    { name: 'status', valueCode: pullStatus(entry) },
    { name: 'registered', valueInstant: entry.createdAt.toISOString() },
  ];
  if (entry.readAt) parameter.push({ name: 'read', valueInstant: entry.readAt.toISOString() });
  if (entry.journaledAt) parameter.push({ name: 'journaled', valueInstant: entry.journaledAt.toISOString() });
  if (entry.epjReference) parameter.push({ name: 'reference', valueString: entry.epjReference });
  if (pullStatus(entry) === 'failed' && entry.lastError) parameter.push({ name: 'reason', valueString: entry.lastError });
  return { resourceType: 'Parameters', parameter };
}
