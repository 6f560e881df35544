import { type CanActivate, type ExecutionContext, Inject, Injectable, UnauthorizedException, createParamDecorator } from '@nestjs/common';
import type { Request } from 'express';
import { HUB_CONFIG, type HubConfig } from '../config/config.js';
import { type Principal, readSessionToken } from './session-token.js';

type AuthenticatedRequest = Request & { principal?: Principal };

/** Every API route but login needs an operator's session token. */
@Injectable()
export class OperatorGuard implements CanActivate {
  constructor(@Inject(HUB_CONFIG) private readonly config: HubConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7) : '';
    const session = token ? readSessionToken(token, this.config.SESSION_SECRET!) : null;
    if (!session) throw new UnauthorizedException('log in first: missing or expired session');
    const { expiresAt: _expiresAt, ...principal } = session;
    request.principal = principal;
    return true;
  }
}

/** The operator acting on this request (set by OperatorGuard). */
export const Acting = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new UnauthorizedException();
  return principal;
});
