import { type CanActivate, type ExecutionContext, ForbiddenException, Inject, Injectable, SetMetadata, UnauthorizedException, createParamDecorator } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { HUB_CONFIG, type HubConfig } from '../config/config.js';
import { type Principal, readSessionToken } from './session-token.js';

type AuthenticatedRequest = Request & { principal?: Principal };

const OPEN_TO_RESPONDERS = 'knutepunkt:open-to-responders';

/**
 * Marks a controller or route a responder may use. Responders are refused everywhere else, so a
 * new route never shows home-care staff the response centre's queue or residents by oversight.
 */
export const OpenToResponders = () => SetMetadata(OPEN_TO_RESPONDERS, true);

/** Every API route but login needs an account's session token. */
@Injectable()
export class OperatorGuard implements CanActivate {
  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7) : '';
    const session = token ? readSessionToken(token, this.config.SESSION_SECRET!) : null;
    if (!session) throw new UnauthorizedException('log in first: missing or expired session');
    const { expiresAt: _expiresAt, ...principal } = session;
    request.principal = principal;
    if (principal.role === 'responder' && !this.reflector.getAllAndOverride<boolean>(OPEN_TO_RESPONDERS, [context.getHandler(), context.getClass()])) {
      throw new ForbiddenException('responders use their call-outs only: /api/call-outs');
    }
    return true;
  }
}

/** The operator acting on this request (set by OperatorGuard). */
export const Acting = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new UnauthorizedException();
  return principal;
});
