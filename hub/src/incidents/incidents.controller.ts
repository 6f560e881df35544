import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Acting, OperatorGuard } from '../auth/auth.guard.js';
import type { Principal } from '../auth/session-token.js';
import type { IncidentView } from '../realtime/contract.js';
import { CloseIncidentBody } from './incident-requests.js';
import { IncidentsService } from './incidents.service.js';

/** Incidents of the operator's municipalities: listed, read, taken and closed as one. */
@ApiTags('incidents')
@ApiBearerAuth()
@UseGuards(OperatorGuard)
@Controller('api/incidents')
export class IncidentsController {
  constructor(private readonly incidents: IncidentsService) {}

  @Get()
  queue(@Acting() principal: Principal): Promise<IncidentView[]> {
    return this.incidents.queue(principal);
  }

  @Get(':id')
  view(@Acting() principal: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<IncidentView> {
    return this.incidents.view(principal, id);
  }

  @Post(':id/take')
  @HttpCode(200)
  take(@Acting() principal: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<IncidentView> {
    return this.incidents.take(principal, id);
  }

  @Post(':id/close')
  @HttpCode(200)
  close(@Acting() principal: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() body: CloseIncidentBody): Promise<IncidentView> {
    return this.incidents.close(principal, id, body);
  }
}
