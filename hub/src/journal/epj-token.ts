import { createHmac, timingSafeEqual } from 'node:crypto';

/** Who pulls, as carried by an EPJ access token: one client of one municipality. */
export interface EpjPrincipal {
  clientId: string;
  tenantId: string;
}

interface TokenBody extends EpjPrincipal {
  kind: 'epj-client';
  expiresAt: number;
}

/** Short, as OAuth2 client-credentials tokens are: the client asks again with its secret. */
export const EPJ_TOKEN_SECONDS = 15 * 60;
/** Token prefix: an EPJ token has three parts and an operator's session token two, so neither reads as the other. */
const PREFIX = 'epj';

/** Signed under a key of its own, derived from the session secret, so an operator token's signature never fits. */
function sign(body: string, secret: string): string {
  const key = createHmac('sha256', secret).update('knutepunkt epj-client token').digest();
  return createHmac('sha256', key).update(body).digest('base64url');
}

export function issueEpjToken(principal: EpjPrincipal, secret: string, now = Date.now()): string {
  const body = Buffer.from(JSON.stringify({ ...principal, kind: 'epj-client', expiresAt: now + EPJ_TOKEN_SECONDS * 1000 } satisfies TokenBody)).toString('base64url');
  return `${PREFIX}.${body}.${sign(body, secret)}`;
}

export function readEpjToken(token: string, secret: string, now = Date.now()): EpjPrincipal | null {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== PREFIX) return null;
  const [, body, signature] = parts as [string, string, string];
  const expected = Buffer.from(sign(body, secret));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  const parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as TokenBody;
  if (parsed.kind !== 'epj-client' || parsed.expiresAt < now) return null;
  return { clientId: parsed.clientId, tenantId: parsed.tenantId };
}
