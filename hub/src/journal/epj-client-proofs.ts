import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, sign, type JsonWebKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * The signed JWTs a HelseID-style authorisation server wants from the hub: a client assertion
 * (RFC 7523, `private_key_jwt`) instead of a client secret, and DPoP proofs (RFC 9449) that bind
 * the access token to a key only the hub holds.
 */

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** HelseID refuses client assertions that live longer than 60 seconds. */
const ASSERTION_SECONDS = 60;

export type SigningAlgorithm = 'RS256' | 'ES256';

export interface SigningKey {
  privateKey: KeyObject;
  alg: SigningAlgorithm;
  /** The key id the authorisation server knows the key by. */
  kid: string;
  /** The public half, as it goes into a DPoP proof's header. */
  publicJwk: JsonWebKey;
}

/** A private key from a JWK (JSON) or PEM text: RSA (at least 2048 bits) or EC P-256. Throws saying what is wrong, never echoing the key. */
export function parseSigningKey(text: string, kid?: string): SigningKey {
  const trimmed = text.trim();
  let privateKey: KeyObject;
  let jwkKid: string | undefined;
  try {
    if (trimmed.startsWith('{')) {
      const jwk = JSON.parse(trimmed) as JsonWebKey & { kid?: unknown };
      if (typeof jwk.d !== 'string') throw new Error('no private part');
      privateKey = createPrivateKey({ key: jwk, format: 'jwk' });
      if (typeof jwk.kid === 'string' && jwk.kid !== '') jwkKid = jwk.kid;
    } else {
      privateKey = createPrivateKey(trimmed);
    }
  } catch {
    throw new Error('must hold a private key as a JWK (JSON) or PEM');
  }
  const alg = algorithmOf(privateKey);
  const publicJwk = createPublicKey(privateKey).export({ format: 'jwk' });
  return { privateKey, alg, kid: kid ?? jwkKid ?? jwkThumbprint(publicJwk), publicJwk };
}

/** parseSigningKey of a file; the error says whether the file could not be read or held no usable key. */
export function readSigningKey(path: string, kid?: string): SigningKey {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return parseSigningKey(text, kid);
}

/** A fresh P-256 key pair for DPoP: it never leaves the process, so a stolen token is useless elsewhere. */
export function newDpopKey(): SigningKey {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const publicJwk = createPublicKey(privateKey).export({ format: 'jwk' });
  return { privateKey, alg: 'ES256', kid: jwkThumbprint(publicJwk), publicJwk };
}

function algorithmOf(key: KeyObject): SigningAlgorithm {
  if (key.asymmetricKeyType === 'rsa') {
    if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) throw new Error('must be an RSA key of at least 2048 bits');
    return 'RS256';
  }
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  throw new Error('must be an RSA or EC P-256 private key');
}

/** RFC 7638: the SHA-256 of the key's required members in lexicographic order, base64url. */
export function jwkThumbprint(jwk: JsonWebKey): string {
  const members = jwk.kty === 'EC' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y } : jwk.kty === 'RSA' ? { e: jwk.e, kty: jwk.kty, n: jwk.n } : null;
  if (!members) throw new Error(`no thumbprint for a key of type ${String(jwk.kty)}`);
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

function signJwt(header: Record<string, unknown>, claims: Record<string, unknown>, key: SigningKey): string {
  const input = `${encode({ ...header, alg: key.alg })}.${encode(claims)}`;
  // JWS wants an ECDSA signature as r‖s, not node's default DER.
  const signature = sign('sha256', Buffer.from(input), key.alg === 'ES256' ? { key: key.privateKey, dsaEncoding: 'ieee-p1363' } : key.privateKey);
  return `${input}.${signature.toString('base64url')}`;
}

function encode(part: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(part)).toString('base64url');
}

/** RFC 7523 client authentication as HelseID wants it: iss = sub = client id, aud = the token endpoint. */
export function clientAssertion(key: SigningKey, clientId: string, tokenUrl: string, now = Date.now()): string {
  const iat = Math.floor(now / 1000);
  return signJwt(
    { typ: 'client-authentication+jwt', kid: key.kid },
    { iss: clientId, sub: clientId, aud: tokenUrl, jti: randomUUID(), iat, nbf: iat, exp: iat + ASSERTION_SECONDS },
    key,
  );
}

export interface DpopRequest {
  method: string;
  url: URL | string;
  /** On a request to the resource server: the token the proof goes with (its hash becomes `ath`). */
  accessToken?: string;
  /** The last DPoP-Nonce the server handed out, if it wants one. */
  nonce?: string;
}

/** RFC 9449 proof of possession for one request: its method and URL without query or fragment. */
export function dpopProof(key: SigningKey, request: DpopRequest, now = Date.now()): string {
  const htu = new URL(request.url);
  htu.search = '';
  htu.hash = '';
  const claims: Record<string, unknown> = { jti: randomUUID(), htm: request.method.toUpperCase(), htu: htu.href, iat: Math.floor(now / 1000) };
  if (request.accessToken !== undefined) claims.ath = createHash('sha256').update(request.accessToken).digest('base64url');
  if (request.nonce !== undefined) claims.nonce = request.nonce;
  return signJwt({ typ: 'dpop+jwt', jwk: key.publicJwk }, claims, key);
}
