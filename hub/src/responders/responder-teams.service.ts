import { BadRequestException, ConflictException, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Alarm } from '../alarms/alarm.entity.js';
import type { Principal } from '../auth/session-token.js';
import { Tenancy } from '../auth/tenancy.js';
import type { ResponderTeamView } from '../realtime/contract.js';
import { Resident } from '../residents/resident.entity.js';
import { ResponderTeam, teamView } from './responder-team.entity.js';

/** The home-care teams of a municipality, and which of them a call-out goes to. */
@Injectable()
export class ResponderTeams {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly tenancy: Tenancy,
  ) {}

  async list(principal: Principal): Promise<ResponderTeamView[]> {
    const teams = await this.tenancy.query(principal, ResponderTeam, 'team').orderBy('team.name').getMany();
    return teams.map(teamView);
  }

  /**
   * The team a call-out for this alarm goes to: the one the operator named, which must be of the
   * alarm's municipality, or else the team serving the resident's zone.
   */
  async forCallOut(alarm: Alarm, teamId: string | undefined): Promise<ResponderTeam> {
    const teams = this.db.getRepository(ResponderTeam);
    if (teamId !== undefined) {
      const named = await teams.findOneBy({ id: teamId, tenantId: alarm.tenantId });
      if (!named) throw new BadRequestException(`teamId: no responder team ${teamId} in the alarm's municipality`);
      return named;
    }
    const resident = await this.db.getRepository(Resident).findOneByOrFail({ id: alarm.residentId });
    const serving = resident.zone
      ? await teams.createQueryBuilder('team').where('team.tenantId = :tenantId AND :zone = ANY(team.zones)', { tenantId: alarm.tenantId, zone: resident.zone }).orderBy('team.name').getOne()
      : null;
    if (!serving) {
      throw new ConflictException(
        resident.zone ? `no responder team serves zone ${resident.zone}: name the team (teamId)` : 'the resident has no zone: name the team (teamId)',
      );
    }
    return serving;
  }
}
