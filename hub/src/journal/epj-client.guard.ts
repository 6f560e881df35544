import { type CanActivate, type ExecutionContext, Inject, Injectable, UnauthorizedException, createParamDecorator } from '@nestjs/common';
import type { Request } from 'express';
import { HUB_CONFIG, type HubConfig } from '../config/config.js';
import { type EpjPrincipal, readEpjToken } from './epj-token.js';

type PullRequest = Request & { epjClient?: EpjPrincipal };

/** The pull API takes only an EPJ client's access token; an operator's session token is refused here, as this one is everywhere else. */
@Injectable()
export class EpjClientGuard implements CanActivate {
  constructor(@Inject(HUB_CONFIG) private readonly config: HubConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<PullRequest>();
    const header = request.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7) : '';
    const client = token ? readEpjToken(token, this.config.SESSION_SECRET!) : null;
    if (!client) throw new UnauthorizedException('an EPJ client access token is required: POST /api/epj/token');
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
