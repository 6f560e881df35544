import { BadRequestException, Body, Controller, Get, HttpCode, Inject, NotFoundException, Param, ParseUUIDPipe, Post, UnauthorizedException, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { DataSource, IsNull } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { Acting, OperatorGuard } from '../auth/auth.guard.js';
import { hashSecret, newSecret, verifySecret } from '../auth/secret-hash.js';
import { EPJ_TOKEN_SECONDS, issueEpjToken, type Principal } from '../auth/session-token.js';
import { Tenancy } from '../auth/tenancy.js';
import { HUB_CONFIG, type HubConfig } from '../config/config.js';
import type { EpjClientView, RegisteredEpjClient } from '../realtime/contract.js';
import { EpjClient } from './epj-client.entity.js';

const NAME_MAX = 100;

function clientView(client: EpjClient): EpjClientView {
  return {
    id: client.id,
    name: client.name,
    clientId: client.clientId,
    createdAt: client.createdAt.toISOString(),
    lastTokenAt: client.lastTokenAt?.toISOString() ?? null,
    revokedAt: client.revokedAt?.toISOString() ?? null,
  };
}

/** A municipality's admin registers the EPJ that pulls its journal entries, sees its clients and revokes one. */
@ApiTags('journal')
@ApiBearerAuth()
@UseGuards(OperatorGuard)
@Controller('api/tenants/:tenantId/epj-clients')
export class EpjClientsController {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly tenancy: Tenancy,
    private readonly audit: AuditService,
  ) {}

  @Get()
  @ApiOperation({ summary: "The municipality's EPJ clients, oldest first, revoked ones included" })
  async list(@Acting() principal: Principal, @Param('tenantId', ParseUUIDPipe) tenantId: string): Promise<EpjClientView[]> {
    this.tenancy.requireAdmin(principal, tenantId, "only the municipality's admin sees its EPJ clients");
    const clients = await this.db.getRepository(EpjClient).find({ where: { tenantId }, order: { createdAt: 'ASC', id: 'ASC' } });
    return clients.map(clientView);
  }

  /** Ends the client's access at once: no more tokens, and the ones it holds are refused. Audited; revoking again changes nothing. */
  @Post(':clientId/revoke')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revokes an EPJ client (by its client_id)' })
  async revoke(@Acting() principal: Principal, @Param('tenantId', ParseUUIDPipe) tenantId: string, @Param('clientId') clientId: string): Promise<EpjClientView> {
    this.tenancy.requireAdmin(principal, tenantId, "only the municipality's admin revokes its EPJ clients");
    return this.db.transaction(async (manager) => {
      const clients = manager.getRepository(EpjClient);
      const client = await clients.findOne({ where: { tenantId, clientId }, lock: { mode: 'pessimistic_write' } });
      if (!client) throw new NotFoundException(`no EPJ client ${clientId} in this municipality`);
      if (client.revokedAt) return clientView(client);
      client.revokedAt = new Date();
      await clients.update({ id: client.id }, { revokedAt: client.revokedAt });
      await this.audit.recordSetup(principal, 'epj-client.revoke', `EPJ client ${clientId} (${client.name}) of municipality ${tenantId} revoked`, manager);
      return clientView(client);
    });
  }

  @Post()
  @ApiBody({ description: '{ "name": "the EPJ, as the admin knows it" }' })
  async register(@Acting() principal: Principal, @Param('tenantId', ParseUUIDPipe) tenantId: string, @Body() body: unknown): Promise<RegisteredEpjClient> {
    this.tenancy.requireAdmin(principal, tenantId, "only the municipality's admin registers its EPJ");
    const name = (body as { name?: unknown } | undefined)?.name;
    if (typeof name !== 'string' || name.trim() === '' || name.length > NAME_MAX) throw new BadRequestException(`name: the EPJ's name, 1 to ${NAME_MAX} characters`);
    const clientId = `epj-${randomBytes(8).toString('hex')}`;
    const clientSecret = newSecret(24);
    const secretHash = await hashSecret(clientSecret);
    const id = await this.db.transaction(async (manager) => {
      const { identifiers } = await manager.getRepository(EpjClient).insert({ tenantId, clientId, secretHash, name: name.trim() });
      await this.audit.recordSetup(principal, 'epj-client.register', `EPJ client ${clientId} (${name.trim()}) registered for municipality ${tenantId}`, manager);
      return (identifiers[0] as { id: string }).id;
    });
    return { id, tenantId, name: name.trim(), clientId, clientSecret };
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
    const clients = this.db.getRepository(EpjClient);
    const client = await clients.findOneBy({ clientId: form.client_id as string, revokedAt: IsNull() });
    // The same answer, after the same work, for an unknown or revoked client and a wrong secret.
    const verified = await verifySecret(form.client_secret as string, client?.secretHash ?? (await this.unknownClientHash));
    if (!client || !verified) throw new UnauthorizedException({ error: 'invalid_client', error_description: 'unknown or revoked client, or wrong secret' });
    await clients.update({ id: client.id }, { lastTokenAt: new Date() });
    return {
      access_token: issueEpjToken({ clientId: client.clientId, tenantId: client.tenantId }, this.config.SESSION_SECRET!),
      token_type: 'Bearer',
      expires_in: EPJ_TOKEN_SECONDS,
    };
  }
}
