import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AccountRole } from '../realtime/contract.js';

/** Who is acting, as carried by a session token and attached to every request. */
export interface Principal {
  operatorId: string;
  displayName: string;
  role: AccountRole;
  tenantIds: string[];
  /** For a vendor's account: whose devices it manages. */
  vendorId: string | null;
  /** For a responder: the team whose call-outs it sees. */
  teamId: string | null;
}

interface TokenBody extends Principal {
  expiresAt: number;
}

const SHIFT_MS = 12 * 60 * 60 * 1000;

function sign(body: string, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('base64url');
}

/** A signed session token that lasts one shift. */
export function issueSessionToken(principal: Principal, secret: string, now = Date.now()): string {
  const body = Buffer.from(JSON.stringify({ ...principal, expiresAt: now + SHIFT_MS } satisfies TokenBody)).toString('base64url');
  return `${body}.${sign(body, secret)}`;
}

/** The principal of a valid token, with when its session ends (ms since epoch). */
export function readSessionToken(token: string, secret: string, now = Date.now()): (Principal & { expiresAt: number }) | null {
  const parts = token.split('.');
  if (parts.length !== 2) return null;
  const [body, signature] = parts as [string, string];
  const expected = Buffer.from(sign(body, secret));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  const parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as TokenBody;
  if (parsed.expiresAt < now) return null;
  return parsed;
}
