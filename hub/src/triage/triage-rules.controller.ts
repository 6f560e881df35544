import { BadRequestException, Body, Controller, ForbiddenException, Get, Param, ParseUUIDPipe, Put, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiTags } from '@nestjs/swagger';
import { Acting, OperatorGuard } from '../auth/auth.guard.js';
import type { Principal } from '../auth/session-token.js';
import { Tenancy } from '../auth/tenancy.js';
import { TenantTriageRules } from './tenant-triage-rules.service.js';
import { InvalidTriageRules, type TriageRules } from './triage-rules.js';

/** A municipality's triage rules, read by its people and changed by its admins, without code. */
@ApiTags('triage')
@ApiBearerAuth()
@UseGuards(OperatorGuard)
@Controller('api/tenants/:tenantId/triage-rules')
export class TriageRulesController {
  constructor(
    private readonly rules: TenantTriageRules,
    private readonly tenancy: Tenancy,
  ) {}

  @Get()
  read(@Acting() principal: Principal, @Param('tenantId', ParseUUIDPipe) tenantId: string): Promise<TriageRules> {
    if (!this.tenancy.admits(principal, tenantId)) throw new ForbiddenException('not your municipality');
    return this.rules.of(tenantId);
  }

  @Put()
  @ApiBody({ description: 'Any of repeatWindowMinutes, raisingRiskFlags, doorReturnSeconds, missedDoseGraceSeconds, nightHours, outageDeviceCount, outageWindowSeconds; what is left out takes the default' })
  async replace(@Acting() principal: Principal, @Param('tenantId', ParseUUIDPipe) tenantId: string, @Body() body: unknown): Promise<TriageRules> {
    this.tenancy.requireAdmin(principal, tenantId, "only the municipality's admin changes its rules");
    try {
      return await this.rules.replace(tenantId, body);
    } catch (error) {
      if (error instanceof InvalidTriageRules) throw new BadRequestException(error.message);
      throw error;
    }
  }
}
