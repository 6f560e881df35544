import { Body, Controller, ForbiddenException, Get, Param, ParseUUIDPipe, Put, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { IsInt, Max, Min } from 'class-validator';
import { DataSource } from 'typeorm';
import { Acting, OperatorGuard } from '../auth/auth.guard.js';
import { requireRole, RESPONSE_CENTRE } from '../auth/roles.js';
import type { Principal } from '../auth/session-token.js';
import { Tenancy } from '../auth/tenancy.js';
import { Tenant } from '../auth/tenant.entity.js';
import type { ServiceLimits } from '../realtime/contract.js';

class ServiceLimitsBody implements ServiceLimits {
  @ApiProperty({ minimum: 5, maximum: 3600, description: 'An alarm not taken within this escalates, and again each time it passes' })
  @IsInt()
  @Min(5)
  @Max(3600)
  answerLimitSeconds!: number;

  @ApiProperty({ minimum: 10, maximum: 86_400, description: 'A call-out with no responder on site within this alerts the supervisor' })
  @IsInt()
  @Min(10)
  @Max(86_400)
  onSiteLimitSeconds!: number;
}

/** A municipality's service limits: read by its response centre, changed by its admin. */
@ApiTags('alarms')
@ApiBearerAuth()
@UseGuards(OperatorGuard)
@Controller('api/tenants/:tenantId/service-limits')
export class ServiceLimitsController {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly tenancy: Tenancy,
  ) {}

  @Get()
  async read(@Acting() principal: Principal, @Param('tenantId', ParseUUIDPipe) tenantId: string): Promise<ServiceLimits> {
    requireRole(principal, RESPONSE_CENTRE, 'service limits are for the response centre');
    if (!this.tenancy.admits(principal, tenantId)) throw new ForbiddenException('not your municipality');
    const tenant = await this.db.getRepository(Tenant).findOneByOrFail({ id: tenantId });
    return { answerLimitSeconds: tenant.answerLimitSeconds, onSiteLimitSeconds: tenant.onSiteLimitSeconds };
  }

  /** New limits apply to the clocks started from now on; alarms already waiting keep theirs. */
  @Put()
  async replace(@Acting() principal: Principal, @Param('tenantId', ParseUUIDPipe) tenantId: string, @Body() body: ServiceLimitsBody): Promise<ServiceLimits> {
    this.tenancy.requireAdmin(principal, tenantId, "only the municipality's admin changes its limits");
    await this.db.getRepository(Tenant).update({ id: tenantId }, { answerLimitSeconds: body.answerLimitSeconds, onSiteLimitSeconds: body.onSiteLimitSeconds });
    return { answerLimitSeconds: body.answerLimitSeconds, onSiteLimitSeconds: body.onSiteLimitSeconds };
  }
}
