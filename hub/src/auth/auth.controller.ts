import { Body, Controller, HttpCode, Inject, Post, UnauthorizedException } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { HUB_CONFIG, type HubConfig } from '../config/config.js';
import type { LoginResponse } from '../realtime/contract.js';
import { Operator } from './operator.entity.js';
import { hashSecret, newSecret, verifySecret } from './secret-hash.js';
import { issueSessionToken } from './session-token.js';
import { ResponderTeam, teamView } from '../responders/responder-team.entity.js';
import { Tenant } from './tenant.entity.js';
import { LoginBody } from './login.body.js';

@ApiTags('auth')
@Controller('api/auth')
export class AuthController {
  private readonly unknownUserHash = hashSecret(newSecret());

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
  ) {}

  @Post('login')
  @HttpCode(200)
  async login(@Body() body: LoginBody): Promise<LoginResponse> {
    const operator = await this.db.getRepository(Operator).findOneBy({ username: body.username });
    // The same answer, after the same work, for an unknown user and a wrong password.
    const verified = await verifySecret(body.password, operator?.passwordHash ?? (await this.unknownUserHash));
    if (!operator || !verified) {
      throw new UnauthorizedException('wrong username or password');
    }
    // A vendor delivers to any municipality: its login lists them all, to register devices for.
    const tenants = await this.db.getRepository(Tenant).find({ where: operator.role === 'vendor' ? {} : { id: In(operator.tenantIds) }, order: { name: 'ASC' } });
    const team = operator.teamId ? await this.db.getRepository(ResponderTeam).findOneBy({ id: operator.teamId }) : null;
    const token = issueSessionToken(
      {
        operatorId: operator.id,
        displayName: operator.displayName,
        role: operator.role,
        tenantIds: operator.tenantIds,
        vendorId: operator.vendorId,
        teamId: operator.teamId,
      },
      this.config.SESSION_SECRET!,
    );
    return {
      token,
      operator: {
        id: operator.id,
        displayName: operator.displayName,
        username: operator.username,
        role: operator.role,
        tenants: tenants.map((tenant) => ({ id: tenant.id, name: tenant.name })),
        team: team ? teamView(team) : null,
      },
    };
  }
}
