import { ConflictException, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, UnprocessableEntityException, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { ALERT_CODES, isAlertCode } from '@knutepunkt/device-adapters';
import { DataSource, In } from 'typeorm';
import { Alarm } from '../alarms/alarm.entity.js';
import { AuditService } from '../audit/audit.service.js';
import { Acting, OperatorGuard } from '../auth/auth.guard.js';
import { requireRole, RESPONSE_CENTRE } from '../auth/roles.js';
import type { Principal } from '../auth/session-token.js';
import { Tenancy } from '../auth/tenancy.js';
import type { FailedDeliveryView } from '../realtime/contract.js';
import { Resident } from '../residents/resident.entity.js';
import { JournalService } from './journal.service.js';
import { OutboxEntry } from './outbox-entry.entity.js';

/** Most failed deliveries listed at once; the oldest first, as they have waited longest. */
const LIST_LIMIT = 500;

/** The failed deliveries of the operator's municipalities (the dead letters), and putting one back in the queue. */
@ApiTags('journal')
@ApiBearerAuth()
@UseGuards(OperatorGuard)
@Controller('api/journal')
export class JournalDeliveriesController {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly tenancy: Tenancy,
    private readonly audit: AuditService,
    private readonly journal: JournalService,
  ) {}

  @Get('failed')
  async failed(@Acting() principal: Principal): Promise<FailedDeliveryView[]> {
    requireRole(principal, RESPONSE_CENTRE, 'failed journal deliveries are for the response centre');
    const entries = await this.tenancy
      .query(principal, OutboxEntry, 'outbox')
      .andWhere('outbox.status = :failed', { failed: 'failed' })
      .orderBy('outbox.createdAt', 'ASC')
      .limit(LIST_LIMIT)
      .getMany();
    if (entries.length === 0) return [];
    const alarmIds = entries.map((entry) => entry.alarmId).filter((id): id is string => id !== null);
    const alarms = new Map((await this.db.getRepository(Alarm).findBy({ id: In(alarmIds) })).map((alarm) => [alarm.id, alarm]));
    const residents = new Map((await this.db.getRepository(Resident).findBy({ id: In([...new Set(entries.map((entry) => entry.residentId))]) })).map((resident) => [resident.id, resident]));
    return entries.map((entry) => {
      const alarm = entry.alarmId ? alarms.get(entry.alarmId) : undefined;
      // An entry of no alarm is a dispenser's (a dose, a day's summary): category 1.
      const code = alarm?.code ?? '1';
      return {
        outboxId: entry.id,
        alarmId: entry.alarmId,
        tenantId: entry.tenantId,
        code,
        codeDisplay: isAlertCode(code) ? ALERT_CODES[code].display : code,
        resident: { id: entry.residentId, name: residents.get(entry.residentId)?.name ?? '' },
        closedAt: alarm?.closedAt?.toISOString() ?? null,
        attempts: entry.attempts,
        lastAttemptAt: entry.lastAttemptAt?.toISOString() ?? null,
        reason: entry.lastError,
        createdAt: entry.createdAt.toISOString(),
      };
    });
  }

  /**
   * Puts a failed entry back in the queue with fresh attempts (an alarm's entry never built is
   * built anew, under a new id); audited, as it sends a resident's record again.
   */
  @Post(':outboxId/retry')
  @HttpCode(202)
  async retry(@Acting() principal: Principal, @Param('outboxId', ParseUUIDPipe) outboxId: string): Promise<{ outboxId: string; status: 'pending' }> {
    requireRole(principal, ['supervisor', 'admin'], 'retrying a journal delivery is for supervisors and admins');
    const entry = await this.tenancy.findOne(principal, OutboxEntry, 'outbox', outboxId);
    const retried = await this.db.transaction(async (manager) => {
      const outcome = await this.journal.retry(outboxId, manager);
      if (outcome.outcome === 'queued') {
        await this.audit.record(principal, 'journal.retry', [entry.residentId], `retry of journal delivery ${outboxId} as ${outcome.entry.id} (was: ${entry.lastError ?? 'no reason'})`, manager);
      }
      return outcome;
    });
    if (retried.outcome === 'not-failed') throw new ConflictException(`journal entry ${outboxId} is not a failed delivery (status: ${entry.status})`);
    if (retried.outcome === 'not-queued') throw new UnprocessableEntityException(`journal entry ${outboxId} cannot be sent again: ${retried.reason}`);
    await this.journal.requeue(retried.entry, entry.alarmId);
    return { outboxId: retried.entry.id, status: 'pending' };
  }
}
