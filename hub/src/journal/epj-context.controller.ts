import { BadRequestException, Controller, Get, Param, ParseUUIDPipe, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiPropertyOptional, ApiResponse, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { Acting, OperatorGuard } from '../auth/auth.guard.js';
import type { Principal } from '../auth/session-token.js';
import type { EpjContextView } from '../realtime/contract.js';
import { EpjContextService } from './epj-context.service.js';

export class EpjContextQuery {
  @ApiPropertyOptional({ enum: ['true', 'false'], description: "Read the EPJ now, however young the hub's copy is" })
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'refresh: true or false' })
  refresh?: 'true' | 'false';

  @ApiPropertyOptional({ description: "The alarm being handled, this resident's: the reason the read is audited with" })
  @IsOptional()
  @IsUUID(undefined, { message: 'alarmId must be a UUID' })
  alarmId?: string;
}

/** What the municipality's EPJ says about a resident: services and visit plan, with the age of the hub's copy. */
@ApiTags('residents')
@ApiBearerAuth()
@UseGuards(OperatorGuard)
@Controller('api/residents')
export class EpjContextController {
  constructor(private readonly context: EpjContextService) {}

  @Get(':id/epj-context')
  @ApiOperation({ summary: "The resident's Patient, services (EpisodeOfCare) and visit plan (CarePlan) from the EPJ, from the hub's copy while it is young" })
  @ApiResponse({ status: 200, description: 'The context; stale with the reason when the EPJ could not be read and an earlier copy is shown' })
  @ApiResponse({ status: 404, description: 'No such resident in your municipalities' })
  @ApiResponse({ status: 409, description: 'No EPJ is configured' })
  @ApiResponse({ status: 502, description: 'The EPJ answered with an error, and the hub has no earlier copy' })
  @ApiResponse({ status: 503, description: 'The EPJ was not reached, and the hub has no earlier copy' })
  read(
    @Acting() principal: Principal,
    @Param('id', new ParseUUIDPipe({ exceptionFactory: () => new BadRequestException('id must be a UUID') })) id: string,
    @Query() query: EpjContextQuery,
  ): Promise<EpjContextView> {
    return this.context.read(principal, id, { refresh: query.refresh === 'true', alarmId: query.alarmId });
  }
}
