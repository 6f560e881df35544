import { BadRequestException, Body, Controller, ForbiddenException, HttpCode, Inject, Param, ParseUUIDPipe, Post, UnauthorizedException, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Acting, OperatorGuard } from '../auth/auth.guard.js';
import { hashSecret, newSecret, verifySecret } from '../auth/secret-hash.js';
import type { Principal } from '../auth/session-token.js';
import { Tenancy } from '../auth/tenancy.js';
import { HUB_CONFIG, type HubConfig } from '../config/config.js';
import { EpjClient } from './epj-client.entity.js';
import { EPJ_TOKEN_SECONDS, issueEpjToken } from './epj-token.js';

const NAME_MAX = 100;

export interface RegisteredEpjClient {
  id: string;
  tenantId: string;
  name: string;
  clientId: string;
  /** Shown this once: only its hash is kept. */
  clientSecret: string;
}

/** A municipality's admin registers the EPJ that pulls its journal entries. */
@ApiTags('journal')
@ApiBearerAuth()
@UseGuards(OperatorGuard)
@Controller('api/tenants/:tenantId/epj-clients')
export class EpjClientsController {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly tenancy: Tenancy,
  ) {}

  @Post()
  @ApiBody({ description: '{ "name": "the EPJ, as the admin knows it" }' })
  async register(@Acting() principal: Principal, @Param('tenantId', ParseUUIDPipe) tenantId: string, @Body() body: unknown): Promise<RegisteredEpjClient> {
    if (principal.role !== 'admin' || !this.tenancy.admits(principal, tenantId)) throw new ForbiddenException("only the municipality's admin registers its EPJ");
    const name = (body as { name?: unknown } | undefined)?.name;
    if (typeof name !== 'string' || name.trim() === '' || name.length > NAME_MAX) throw new BadRequestException(`name: the EPJ's name, 1 to ${NAME_MAX} characters`);
    const clientId = `epj-${randomBytes(8).toString('hex')}`;
    const clientSecret = newSecret(24);
    const { identifiers } = await this.db.getRepository(EpjClient).insert({ tenantId, clientId, secretHash: await hashSecret(clientSecret), name: name.trim() });
    return { id: (identifiers[0] as { id: string }).id, tenantId, name: name.trim(), clientId, clientSecret };
  }
}

interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
}

/** OAuth2 client credentials (RFC 6749 4.4), form-encoded or JSON; errors in OAuth2's own shape. */
@ApiTags('journal')
@Controller('api/epj/token')
export class EpjTokenController {
  private readonly unknownClientHash = hashSecret(newSecret());

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
  ) {}

  @Post()
  @HttpCode(200)
  @ApiBody({ description: 'grant_type=client_credentials&client_id=…&client_secret=… (application/x-www-form-urlencoded or JSON)' })
  async token(@Body() body: unknown): Promise<TokenResponse> {
    const form = (body ?? {}) as Record<string, unknown>;
    if (form.grant_type !== undefined && form.grant_type !== 'client_credentials') {
      throw new BadRequestException({ error: 'unsupported_grant_type', error_description: 'grant_type: only client_credentials' });
    }
    for (const field of ['client_id', 'client_secret'] as const) {
      if (typeof form[field] !== 'string' || form[field] === '') throw new BadRequestException({ error: 'invalid_request', error_description: `${field} is required` });
    }
    const client = await this.db.getRepository(EpjClient).findOneBy({ clientId: form.client_id as string });
    // The same answer, after the same work, for an unknown client and a wrong secret.
    const verified = await verifySecret(form.client_secret as string, client?.secretHash ?? (await this.unknownClientHash));
    if (!client || !verified) throw new UnauthorizedException({ error: 'invalid_client', error_description: 'unknown client or wrong secret' });
    return {
      access_token: issueEpjToken({ clientId: client.clientId, tenantId: client.tenantId }, this.config.SESSION_SECRET!),
      token_type: 'Bearer',
      expires_in: EPJ_TOKEN_SECONDS,
    };
  }
}
