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

/** Who pulls, as carried by an EPJ access token: one client of one municipality. */
export interface EpjPrincipal {
  clientId: string;
  tenantId: string;
}

/**
 * The hub's two bearer tokens: an operator's session and an EPJ client's access token. Each
 * audience signs under a key of its own, derived from the one secret, and its body names the
 * audience, so neither kind is ever read as the other.
 */
type Audience = 'session' | 'epj-client';

interface Claims {
  aud: Audience;
  expiresAt: number;
}

const SHIFT_MS = 12 * 60 * 60 * 1000;
/** Short, as OAuth2 client-credentials tokens are: the client asks again with its secret. */
export const EPJ_TOKEN_SECONDS = 15 * 60;

function sign(audience: Audience, body: string, secret: string): string {
  const key = createHmac('sha256', secret).update(`knutepunkt ${audience} token`).digest();
  return createHmac('sha256', key).update(body).digest('base64url');
}

function issue(audience: Audience, claims: object, lifetimeMs: number, secret: string, now: number): string {
  const body = Buffer.from(JSON.stringify({ ...claims, aud: audience, expiresAt: now + lifetimeMs } satisfies Claims)).toString('base64url');
  return `${body}.${sign(audience, body, secret)}`;
}

/** The claims of a token of this audience, signed and unexpired; the audience itself is left out. */
function read<T>(audience: Audience, token: string, secret: string, now: number): (T & { expiresAt: number }) | null {
  const parts = token.split('.');
  if (parts.length !== 2) return null;
  const [body, signature] = parts as [string, string];
  const expected = Buffer.from(sign(audience, body, secret));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  const { aud, ...claims } = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as T & Claims;
  if (aud !== audience || claims.expiresAt < now) return null;
  return claims as unknown as T & { expiresAt: number };
}

/** A signed session token that lasts one shift. */
export function issueSessionToken(principal: Principal, secret: string, now = Date.now()): string {
  return issue('session', principal, SHIFT_MS, secret, now);
}

/** The principal of a valid token, with when its session ends (ms since epoch). */
export function readSessionToken(token: string, secret: string, now = Date.now()): (Principal & { expiresAt: number }) | null {
  return read<Principal>('session', token, secret, now);
}

export function issueEpjToken(principal: EpjPrincipal, secret: string, now = Date.now()): string {
  return issue('epj-client', { clientId: principal.clientId, tenantId: principal.tenantId }, EPJ_TOKEN_SECONDS * 1000, secret, now);
}

/** The client of a valid EPJ access token; whether the client is still active is for the caller to ask. */
export function readEpjToken(token: string, secret: string, now = Date.now()): EpjPrincipal | null {
  const claims = read<EpjPrincipal>('epj-client', token, secret, now);
  return claims && { clientId: claims.clientId, tenantId: claims.tenantId };
}
