import { type CanActivate, type ExecutionContext, Inject, Injectable, UnauthorizedException, createParamDecorator } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Request } from 'express';
import { DataSource } from 'typeorm';
import { type EpjPrincipal, readEpjToken } from '../auth/session-token.js';
import { HUB_CONFIG, type HubConfig } from '../config/config.js';

type PullRequest = Request & { epjClient?: EpjPrincipal };

/**
 * The pull API takes only an EPJ client's access token; an operator's session token is refused here, as this one is everywhere else.
 * A revoked client's tokens are refused at once, not when they run out: one indexed look-up a request.
 */
@Injectable()
export class EpjClientGuard implements CanActivate {
  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<PullRequest>();
    const header = request.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7) : '';
    const client = token ? readEpjToken(token, this.config.SESSION_SECRET!) : null;
    if (!client) throw new UnauthorizedException('an EPJ client access token is required: POST /api/epj/token');
    const active = (await this.db.query('SELECT 1 FROM epj_clients WHERE client_id = $1 AND tenant_id = $2 AND revoked_at IS NULL', [client.clientId, client.tenantId])) as unknown[];
    if (active.length === 0) throw new UnauthorizedException(`EPJ client ${client.clientId} has been revoked by its municipality's admin`);
    request.epjClient = client;
    return true;
  }
}

/** The EPJ client pulling on this request (set by EpjClientGuard). */
export const PullingClient = createParamDecorator((_: unknown, context: ExecutionContext): EpjPrincipal => {
  const client = context.switchToHttp().getRequest<PullRequest>().epjClient;
  if (!client) throw new UnauthorizedException();
  return client;
});
