import { Body, Controller, Get, HttpCode, Param, ParseEnumPipe, ParseUUIDPipe, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ActionNoteBody } from '../alarms/alarm-requests.js';
import { AlarmViews } from '../alarms/alarm-views.service.js';
import { Alarm } from '../alarms/alarm.entity.js';
import { AlarmsService } from '../alarms/alarms.service.js';
import { Acting, OpenToResponders, OperatorGuard } from '../auth/auth.guard.js';
import { requireRole, RESPONSE_CENTRE } from '../auth/roles.js';
import type { Principal } from '../auth/session-token.js';
import { Tenancy } from '../auth/tenancy.js';
import { type AlarmView, CALL_OUT_REPORTS, CALL_OUT_STATES, type CallOutDetail, type CallOutReport, type ResponderTeamView } from '../realtime/contract.js';
import { ResidentsService } from '../residents/residents.service.js';
import { ResponderTeams } from './responder-teams.service.js';

/**
 * The responder's phone: the call-outs to its team, with what is needed at the door, and the
 * three taps (accept, on site, done). The response centre reads the same list for all teams.
 */
@ApiTags('call-outs')
@ApiBearerAuth()
@UseGuards(OperatorGuard)
@OpenToResponders()
@Controller('api')
export class CallOutsController {
  constructor(
    private readonly tenancy: Tenancy,
    private readonly alarms: AlarmsService,
    private readonly views: AlarmViews,
    private readonly residents: ResidentsService,
    private readonly teams: ResponderTeams,
  ) {}

  @Get('call-outs')
  async callOuts(@Acting() principal: Principal): Promise<CallOutDetail[]> {
    requireRole(principal, [...RESPONSE_CENTRE, 'responder'], 'call-outs are for responders and the response centre');
    const query = this.tenancy.query(principal, Alarm, 'alarm').andWhere('alarm.state IN (:...states)', { states: CALL_OUT_STATES });
    if (principal.role === 'responder') query.andWhere('alarm.callOutTeamId = :teamId', { teamId: principal.teamId });
    const alarms = await query.orderBy('alarm.calledOutAt', 'ASC').getMany();
    const views = await this.views.of(alarms);
    const details: CallOutDetail[] = [];
    for (const alarm of views) details.push({ alarm, resident: await this.residents.detail(principal, alarm.resident.id, `call-out for alarm ${alarm.id}`) });
    return details;
  }

  /** A responder's tap, or the operator reporting for a team that phones in rather than taps. */
  @Post('call-outs/:id/:report')
  @HttpCode(200)
  report(
    @Acting() principal: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Param('report', new ParseEnumPipe(CALL_OUT_REPORTS)) report: CallOutReport,
    @Body() body: ActionNoteBody,
  ): Promise<AlarmView> {
    return this.alarms.reportCallOut(principal, id, report, body.note);
  }

  @Get('responder-teams')
  responderTeams(@Acting() principal: Principal): Promise<ResponderTeamView[]> {
    requireRole(principal, RESPONSE_CENTRE, 'responder teams are listed for the response centre');
    return this.teams.list(principal);
  }
}
