import { describe, expect, it } from 'vitest';
import { type EpjPrincipal, type Principal, issueEpjToken, issueSessionToken, readEpjToken, readSessionToken } from '../../src/auth/session-token.js';

const SECRET = 'test-session-secret-0123456789abcdef';
const HOUR = 60 * 60 * 1000;
const ISSUED = Date.UTC(2025, 2, 12, 7, 0, 0);

const principal: Principal = {
  operatorId: '3f2b8c1a-5d4e-4f6a-9b7c-8d9e0f1a2b3c',
  displayName: 'Kari Nordmann',
  role: 'operator',
  tenantIds: ['0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e'],
  vendorId: null,
  teamId: null,
};

/** The token with its body replaced by `change(body)`, signature kept. */
function withBody(token: string, change: (body: Record<string, unknown>) => Record<string, unknown>): string {
  const [body, signature] = token.split('.');
  const decoded = JSON.parse(Buffer.from(body!, 'base64url').toString('utf8')) as Record<string, unknown>;
  return `${Buffer.from(JSON.stringify(change(decoded))).toString('base64url')}.${signature}`;
}

describe('session tokens', () => {
  it('reads back exactly the principal it was issued for', () => {
    const token = issueSessionToken(principal, SECRET, ISSUED);
    expect(readSessionToken(token, SECRET, ISSUED)).toStrictEqual({ ...principal, expiresAt: ISSUED + 12 * HOUR });
  });

  it('keeps Norwegian names and several tenants intact', () => {
    const supervisor: Principal = { ...principal, displayName: 'Åse Ødegård-Æsøy', role: 'admin', tenantIds: ['a', 'b', 'c'] };
    expect(readSessionToken(issueSessionToken(supervisor, SECRET, ISSUED), SECRET, ISSUED)).toStrictEqual({ ...supervisor, expiresAt: ISSUED + 12 * HOUR });
  });

  it('lasts one 12-hour shift', () => {
    const token = issueSessionToken(principal, SECRET, ISSUED);
    expect(readSessionToken(token, SECRET, ISSUED + 11 * HOUR)).toMatchObject(principal);
    expect(readSessionToken(token, SECRET, ISSUED + 12 * HOUR - 1)).toMatchObject(principal);
    expect(readSessionToken(token, SECRET, ISSUED + 12 * HOUR + 1)).toBeNull();
    expect(readSessionToken(token, SECRET, ISSUED + 24 * HOUR)).toBeNull();
  });

  it('refuses a token signed with another secret', () => {
    const token = issueSessionToken(principal, 'another-hub-secret', ISSUED);
    expect(readSessionToken(token, SECRET, ISSUED)).toBeNull();
  });

  it.each([
    ['made an admin', (body: Record<string, unknown>) => ({ ...body, role: 'admin' })],
    ['given another tenant', (body: Record<string, unknown>) => ({ ...body, tenantIds: [...(body.tenantIds as string[]), 'other-municipality'] })],
    ['given another shift end', (body: Record<string, unknown>) => ({ ...body, expiresAt: (body.expiresAt as number) + 24 * HOUR })],
    ['another operator', (body: Record<string, unknown>) => ({ ...body, operatorId: 'someone-else' })],
  ])('refuses a body %s with the old signature', (_what, change) => {
    const tampered = withBody(issueSessionToken(principal, SECRET, ISSUED), change);
    expect(readSessionToken(tampered, SECRET, ISSUED)).toBeNull();
  });

  it('refuses a changed, shortened, lengthened or missing signature', () => {
    const token = issueSessionToken(principal, SECRET, ISSUED);
    const [body, signature] = token.split('.') as [string, string];
    const flip = (character: string) => (character === 'A' ? 'B' : 'A');
    const variants = [
      `${body}.${flip(signature[0]!)}${signature.slice(1)}`,
      `${body}.${signature.slice(0, -1)}${flip(signature.at(-1)!)}`,
      `${body}.${signature.slice(0, -2)}`,
      `${body}.${signature}AA`,
      `${body}.`,
      body,
    ];
    for (const variant of variants) expect(readSessionToken(variant, SECRET, ISSUED), variant).toBeNull();
  });

  it('refuses garbage without throwing', () => {
    for (const garbage of ['', '.', '..', 'abc', 'abc.def', 'bm90IGpzb24.c2lnbmF0dXJl', '🙂.🙂']) {
      expect(readSessionToken(garbage, SECRET, ISSUED), garbage).toBeNull();
    }
  });

  it('does not carry the secret', () => {
    const token = issueSessionToken(principal, SECRET, ISSUED);
    expect(token).not.toContain(SECRET);
    expect(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8')).not.toContain(SECRET);
  });
});

describe('EPJ access tokens beside session tokens', () => {
  const client: EpjPrincipal = { clientId: 'epj-0123456789abcdef', tenantId: principal.tenantIds[0]! };
  const MINUTE = 60 * 1000;

  it('reads back the client for 15 minutes', () => {
    const token = issueEpjToken(client, SECRET, ISSUED);
    expect(readEpjToken(token, SECRET, ISSUED + 15 * MINUTE)).toStrictEqual(client);
    expect(readEpjToken(token, SECRET, ISSUED + 15 * MINUTE + 1)).toBeNull();
    expect(readEpjToken(token, 'another-hub-secret', ISSUED)).toBeNull();
  });

  it('is never read as a session, nor a session as an EPJ token, though both come from one secret', () => {
    expect(readSessionToken(issueEpjToken(client, SECRET, ISSUED), SECRET, ISSUED)).toBeNull();
    expect(readEpjToken(issueSessionToken(principal, SECRET, ISSUED), SECRET, ISSUED)).toBeNull();
  });
});
