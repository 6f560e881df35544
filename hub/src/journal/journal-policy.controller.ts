import { BadRequestException, Body, Controller, ForbiddenException, Get, HttpCode, Param, ParseUUIDPipe, Post, Put, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { Acting, OperatorGuard } from '../auth/auth.guard.js';
import type { Principal } from '../auth/session-token.js';
import { Tenancy } from '../auth/tenancy.js';
import { Tenant } from '../auth/tenant.entity.js';
import { DispenserJournal } from './dispenser-journal.service.js';
import { InvalidJournalPolicy, readJournalPolicy, type JournalPolicy } from './journal-policy.js';

/** A municipality's journaling policy, read by its people and changed by its admins; and writing a day's dispenser summaries now. */
@ApiTags('journal')
@ApiBearerAuth()
@UseGuards(OperatorGuard)
@Controller('api/tenants/:tenantId')
export class JournalPolicyController {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly tenancy: Tenancy,
    private readonly dispensers: DispenserJournal,
    private readonly audit: AuditService,
  ) {}

  @Get('journal-policy')
  async read(@Acting() principal: Principal, @Param('tenantId', ParseUUIDPipe) tenantId: string): Promise<JournalPolicy> {
    if (!this.tenancy.admits(principal, tenantId)) throw new ForbiddenException('not your municipality');
    return readJournalPolicy((await this.db.getRepository(Tenant).findOneByOrFail({ id: tenantId })).journalPolicy);
  }

  @Put('journal-policy')
  @ApiBody({ description: 'Any of technicalAlarms (boolean), dispenserDoses (daily-summary | each-dose | none), dailySummaryAt ("HH:MM", Oslo); what is left out takes the default' })
  async replace(@Acting() principal: Principal, @Param('tenantId', ParseUUIDPipe) tenantId: string, @Body() body: unknown): Promise<JournalPolicy> {
    this.requireAdmin(principal, tenantId);
    let policy: JournalPolicy;
    try {
      policy = readJournalPolicy(body);
    } catch (error) {
      if (error instanceof InvalidJournalPolicy) throw new BadRequestException(error.message);
      throw error;
    }
    // Stored as given, so a default changed in a later release reaches the municipalities that left it out.
    await this.db.transaction(async (manager) => {
      await manager.query('UPDATE tenants SET journal_policy = $2 WHERE id = $1', [tenantId, JSON.stringify(body ?? {})]);
      await this.audit.recordSetup(principal, 'journal.policy', `journaling policy of ${tenantId} set to ${JSON.stringify(policy)}`, manager);
    });
    return policy;
  }

  /** Writes the dispenser summaries of one Oslo day now (a day already summarised is not written again). */
  @Post('journal/dispenser-summaries')
  @HttpCode(200)
  @ApiBody({ description: '{"date": "YYYY-MM-DD"}: the Oslo day to sum up' })
  async summarise(@Acting() principal: Principal, @Param('tenantId', ParseUUIDPipe) tenantId: string, @Body() body: unknown): Promise<{ date: string; written: string[] }> {
    this.requireAdmin(principal, tenantId);
    const date = (body as { date?: unknown } | null)?.date;
    if (typeof date !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`))) {
      throw new BadRequestException('date: a day as YYYY-MM-DD');
    }
    return { date, written: await this.dispensers.summarise(tenantId, date) };
  }

  private requireAdmin(principal: Principal, tenantId: string): void {
    this.tenancy.requireAdmin(principal, tenantId, "only the municipality's admin changes how it journals");
  }
}
