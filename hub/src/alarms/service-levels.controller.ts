import { BadRequestException, Controller, DefaultValuePipe, ForbiddenException, Get, ParseIntPipe, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Acting, OperatorGuard } from '../auth/auth.guard.js';
import type { Principal } from '../auth/session-token.js';
import type { ServiceLevelReport } from '../realtime/contract.js';
import { ServiceLevels } from './service-levels.service.js';

@ApiTags('alarms')
@ApiBearerAuth()
@UseGuards(OperatorGuard)
@Controller('api/service-levels')
export class ServiceLevelsController {
  constructor(private readonly serviceLevels: ServiceLevels) {}

  @Get()
  @ApiQuery({ name: 'days', required: false, description: 'The period: the last 1–90 days (default 7)' })
  async report(@Acting() principal: Principal, @Query('days', new DefaultValuePipe(7), ParseIntPipe) days: number): Promise<ServiceLevelReport> {
    if (principal.role === 'vendor') throw new ForbiddenException('service levels are for the response centre');
    if (days < 1 || days > 90) throw new BadRequestException('days: from 1 to 90');
    return this.serviceLevels.report(principal, days);
  }
}
