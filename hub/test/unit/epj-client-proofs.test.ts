import { KeyObject, createHash, createPublicKey, generateKeyPairSync, verify, type JsonWebKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLIENT_ASSERTION_TYPE, clientAssertion, dpopProof, jwkThumbprint, newDpopKey, parseSigningKey, readSigningKey } from '../../src/journal/epj-client-proofs.js';

interface Decoded {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  /** Whether the signature verifies under the given public key, read the way a JWS verifier reads it. */
  verifiesWith(key: KeyObject | JsonWebKey): boolean;
}

function decode(jwt: string): Decoded {
  const [header, claims, signature] = jwt.split('.') as [string, string, string];
  const parsedHeader = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as Record<string, unknown>;
  return {
    header: parsedHeader,
    claims: JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as Record<string, unknown>,
    verifiesWith: (key) => {
      const publicKey = key instanceof KeyObject ? key : createPublicKey({ key, format: 'jwk' });
      const options = parsedHeader.alg === 'ES256' ? { key: publicKey, dsaEncoding: 'ieee-p1363' as const } : publicKey;
      return verify('sha256', Buffer.from(`${header}.${claims}`), options, Buffer.from(signature, 'base64url'));
    },
  };
}

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsaPem = rsa.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
const ecJwk = { ...ec.privateKey.export({ format: 'jwk' }), kid: 'hub-2026' };
const folder = mkdtempSync(join(tmpdir(), 'epj-proofs-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('signing keys', () => {
  it('computes the RFC 7638 thumbprint of the RFC’s own example key', () => {
    const example = {
      kty: 'RSA',
      n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
      e: 'AQAB',
      alg: 'RS256',
      kid: '2011-04-29',
    };
    expect(jwkThumbprint(example)).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });

  it('reads an RSA key from PEM as RS256, known by its thumbprint unless given a key id', () => {
    const key = parseSigningKey(rsaPem);
    expect(key.alg).toBe('RS256');
    expect(key.kid).toBe(jwkThumbprint(rsa.publicKey.export({ format: 'jwk' })));
    expect(key.publicJwk).toEqual(rsa.publicKey.export({ format: 'jwk' }));
    expect(parseSigningKey(rsaPem, 'helseid-key-1').kid).toBe('helseid-key-1');
  });

  it('reads an EC P-256 key from a JWK file as ES256 with the JWK’s kid, and shows only the public half', () => {
    const path = join(folder, 'ec.json');
    writeFileSync(path, JSON.stringify(ecJwk));
    const key = readSigningKey(path);
    expect(key).toMatchObject({ alg: 'ES256', kid: 'hub-2026' });
    expect(key.publicJwk).not.toHaveProperty('d');
    expect(key.publicJwk).toEqual(ec.publicKey.export({ format: 'jwk' }));
  });

  it('refuses what cannot sign for HelseID, saying why and never echoing the key', () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    expect(() => parseSigningKey(weak)).toThrow('must be an RSA key of at least 2048 bits');
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ format: 'jwk' });
    expect(() => parseSigningKey(JSON.stringify(p384))).toThrow('must be an RSA or EC P-256 private key');
    const publicOnly = JSON.stringify(ec.publicKey.export({ format: 'jwk' }));
    expect(() => parseSigningKey(publicOnly)).toThrow('must hold a private key as a JWK (JSON) or PEM');
    const broken = rsaPem.replace(/[A-Za-z0-9]{40}\n/, '\n');
    let message = '';
    try {
      parseSigningKey(broken);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe('must hold a private key as a JWK (JSON) or PEM');
    expect(() => readSigningKey(join(folder, 'missing.pem'))).toThrow('cannot be read (ENOENT)');
  });
});

describe('client assertion (RFC 7523, private_key_jwt)', () => {
  const tokenUrl = 'https://helseid-sts.test.nhn.no/connect/token';

  for (const [alg, key, publicKey] of [
    ['RS256', parseSigningKey(rsaPem, 'rsa-1'), rsa.publicKey],
    ['ES256', parseSigningKey(JSON.stringify(ecJwk)), ec.publicKey],
  ] as const) {
    it(`is signed ${alg} by the client's key, names the client as iss and sub and the token endpoint as aud, and lives at most 60 s`, () => {
      const now = Date.UTC(2026, 10, 23, 6, 0, 0);
      const assertion = decode(clientAssertion(key, 'knutepunkt-hub', tokenUrl, now));
      expect(assertion.verifiesWith(publicKey)).toBe(true);
      expect(assertion.header).toEqual({ typ: 'client-authentication+jwt', kid: key.kid, alg });
      expect(assertion.claims).toMatchObject({ iss: 'knutepunkt-hub', sub: 'knutepunkt-hub', aud: tokenUrl, iat: now / 1000, nbf: now / 1000 });
      expect((assertion.claims.exp as number) - (assertion.claims.iat as number)).toBeGreaterThan(0);
      expect((assertion.claims.exp as number) - (assertion.claims.iat as number)).toBeLessThanOrEqual(60);
      // Another key's signature does not fit.
      expect(assertion.verifiesWith(alg === 'RS256' ? ec.publicKey : rsa.publicKey)).toBe(false);
    });
  }

  it('never repeats a jti, so the server can refuse a replayed assertion', () => {
    const key = parseSigningKey(rsaPem);
    const ids = new Set(Array.from({ length: 20 }, () => decode(clientAssertion(key, 'hub', tokenUrl)).claims.jti));
    expect(ids.size).toBe(20);
    expect(CLIENT_ASSERTION_TYPE).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
  });
});

describe('DPoP proof (RFC 9449)', () => {
  it('carries the public key it is signed with, the method, and the URL without query or fragment', () => {
    const key = newDpopKey();
    const now = Date.UTC(2026, 10, 23, 6, 30, 0);
    const proof = decode(dpopProof(key, { method: 'get', url: new URL('https://epj.example/fhir/Patient?identifier=x#top') }, now));
    expect(proof.header).toEqual({ typ: 'dpop+jwt', alg: 'ES256', jwk: key.publicJwk });
    expect(proof.header.jwk).not.toHaveProperty('d');
    expect(proof.verifiesWith(proof.header.jwk as JsonWebKey)).toBe(true);
    expect(proof.claims).toEqual({ jti: expect.any(String), htm: 'GET', htu: 'https://epj.example/fhir/Patient', iat: now / 1000 });
  });

  it('hashes the access token into ath and echoes the server’s nonce on a resource request', () => {
    const key = parseSigningKey(rsaPem);
    const proof = decode(dpopProof(key, { method: 'POST', url: 'http://127.0.0.1:4100/fhir', accessToken: 'token-123', nonce: 'n-1' }));
    expect(proof.verifiesWith(rsa.publicKey)).toBe(true);
    expect(proof.claims).toMatchObject({ htm: 'POST', htu: 'http://127.0.0.1:4100/fhir', ath: createHash('sha256').update('token-123').digest('base64url'), nonce: 'n-1' });
  });

  it('makes a new key at each start and a new jti for each proof', () => {
    const [first, second] = [newDpopKey(), newDpopKey()];
    expect(first.publicJwk).not.toEqual(second.publicJwk);
    expect(first.kid).toBe(jwkThumbprint(first.publicJwk));
    const proof = () => decode(dpopProof(first, { method: 'POST', url: 'http://127.0.0.1/fhir' })).claims.jti;
    expect(proof()).not.toBe(proof());
  });
});
