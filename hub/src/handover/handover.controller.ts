import { BadRequestException, Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Put, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Acting, OperatorGuard } from '../auth/auth.guard.js';
import type { Principal } from '../auth/session-token.js';
import type { HandoverBoard, HandoverNoteView, ResidentSummary, ShiftPlanView } from '../realtime/contract.js';
import { HandoverQuery, ResidentSearchQuery, ShiftPlanBody, WriteHandoverNoteBody } from './handover-requests.js';
import { HandoverService } from './handover.service.js';

const uuidParameter = (name: string) => new ParseUUIDPipe({ exceptionFactory: () => new BadRequestException(`${name} must be a UUID`) });

/** Shift handover notes, about a resident or the shift, for the response centre of the operator's municipalities. */
@ApiTags('handover')
@ApiBearerAuth()
@UseGuards(OperatorGuard)
@Controller('api/handover')
export class HandoverController {
  constructor(private readonly handover: HandoverService) {}

  @Get()
  board(@Acting() principal: Principal, @Query() query: HandoverQuery): Promise<HandoverBoard> {
    return this.handover.board(principal, query.residentId);
  }

  @Post()
  write(@Acting() principal: Principal, @Body() body: WriteHandoverNoteBody): Promise<HandoverNoteView> {
    return this.handover.write(principal, body);
  }

  @Post(':id/read')
  @HttpCode(200)
  markRead(@Acting() principal: Principal, @Param('id', uuidParameter('id')) id: string): Promise<HandoverNoteView> {
    return this.handover.markRead(principal, id);
  }

  @Post(':id/resolve')
  @HttpCode(200)
  resolve(@Acting() principal: Principal, @Param('id', uuidParameter('id')) id: string): Promise<HandoverNoteView> {
    return this.handover.resolve(principal, id);
  }

  /** Residents by name, to write a note about one who is not at the desk just now. */
  @Get('residents')
  residents(@Acting() principal: Principal, @Query() query: ResidentSearchQuery): Promise<ResidentSummary[]> {
    return this.handover.residents(principal, query.search);
  }

  @Get('shifts')
  shifts(@Acting() principal: Principal): Promise<ShiftPlanView[]> {
    return this.handover.shiftPlans(principal);
  }

  @Put('shifts/:tenantId')
  replaceShiftPlan(@Acting() principal: Principal, @Param('tenantId', uuidParameter('tenantId')) tenantId: string, @Body() body: ShiftPlanBody): Promise<ShiftPlanView> {
    return this.handover.replaceShiftPlan(principal, tenantId, body.shiftChanges);
  }
}
