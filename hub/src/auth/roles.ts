import { ForbiddenException } from '@nestjs/common';
import type { AccountRole } from '../realtime/contract.js';
import type { Principal } from './session-token.js';

/** The response centre: the roles that see the alarm queue and handle alarms. */
export const RESPONSE_CENTRE: readonly AccountRole[] = ['operator', 'supervisor', 'admin'];

/** Refuses with 403 unless the principal has one of the roles; `what` says what is refused, in English. */
export function requireRole(principal: Principal, roles: readonly AccountRole[], what: string): void {
  if (!roles.includes(principal.role)) throw new ForbiddenException(`${what} (your role: ${principal.role})`);
}
