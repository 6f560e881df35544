import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Acting, OperatorGuard } from '../auth/auth.guard.js';
import type { Principal } from '../auth/session-token.js';
import { requireRole, RESPONSE_CENTRE } from '../auth/roles.js';
import type { AlarmDetail, AlarmView } from '../realtime/contract.js';
import { ResidentsService } from '../residents/residents.service.js';
import { ActionNoteBody, AddLogStepBody, CallOutBody, ChangePriorityBody, CloseAlarmBody } from './alarm-requests.js';
import { AlarmsService } from './alarms.service.js';

@ApiTags('alarms')
@ApiBearerAuth()
@UseGuards(OperatorGuard)
@Controller('api/alarms')
export class AlarmsController {
  constructor(
    private readonly alarms: AlarmsService,
    private readonly residents: ResidentsService,
  ) {}

  @Get()
  queue(@Acting() principal: Principal): Promise<AlarmView[]> {
    return this.alarms.queue(principal);
  }

  @Get(':id')
  async detail(@Acting() principal: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<AlarmDetail> {
    requireRole(principal, RESPONSE_CENTRE, 'alarm details are for the response centre; responders read /api/call-outs');
    const alarm = await this.alarms.view(principal, id);
    const resident = await this.residents.detail(principal, alarm.resident.id, `handling alarm ${alarm.id}`);
    return { alarm, resident };
  }

  @Post(':id/take')
  @HttpCode(200)
  take(@Acting() principal: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<AlarmView> {
    return this.alarms.take(principal, id);
  }

  @Post(':id/log')
  @HttpCode(200)
  addLogStep(@Acting() principal: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() body: AddLogStepBody): Promise<AlarmView> {
    return this.alarms.addLogStep(principal, id, body.step, body.note);
  }

  @Post(':id/priority')
  @HttpCode(200)
  changePriority(@Acting() principal: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() body: ChangePriorityBody): Promise<AlarmView> {
    return this.alarms.changePriority(principal, id, body.severity, body.reason);
  }

  @Post(':id/release')
  @HttpCode(200)
  release(@Acting() principal: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() body: ActionNoteBody): Promise<AlarmView> {
    return this.alarms.release(principal, id, body.note);
  }

  @Post(':id/call-out')
  @HttpCode(200)
  callOut(@Acting() principal: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() body: CallOutBody): Promise<AlarmView> {
    return this.alarms.callOut(principal, id, body);
  }

  @Post(':id/cancel-call-out')
  @HttpCode(200)
  cancelCallOut(@Acting() principal: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() body: ActionNoteBody): Promise<AlarmView> {
    return this.alarms.cancelCallOut(principal, id, body.note);
  }

  @Post(':id/reopen')
  @HttpCode(200)
  reopen(@Acting() principal: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() body: ActionNoteBody): Promise<AlarmView> {
    return this.alarms.reopen(principal, id, body.note);
  }

  @Post(':id/close')
  @HttpCode(200)
  close(@Acting() principal: Principal, @Param('id', ParseUUIDPipe) id: string, @Body() body: CloseAlarmBody): Promise<AlarmView> {
    return this.alarms.close(principal, id, body);
  }
}
