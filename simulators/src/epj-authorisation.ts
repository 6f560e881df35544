import { createHash, createPublicKey, randomUUID, verify, type JsonWebKey, type KeyObject } from 'node:crypto';

/**
 * The EPJ simulator's authorisation server, HelseID-style when asked: OAuth2 client credentials
 * with a client secret or a signed client assertion (RFC 7523, private_key_jwt), optionally
 * with tokens bound to the client's DPoP key (RFC 9449), and the check every FHIR request passes.
 */
export interface EpjOAuthOptions {
  clientId: string;
  /** Authenticate the client by this secret (basic authentication or in the form). */
  clientSecret?: string;
  /** Authenticate the client by client assertions signed with the private half of this public key (private_key_jwt). */
  clientKey?: JsonWebKey;
  /** Issue DPoP-bound tokens only, and demand a proof of the key with every FHIR request. */
  dpop?: boolean;
  /** With dpop: also demand a server nonce in the proofs of FHIR requests (the token endpoint always does, as HelseID's). */
  dpopNonceOnFhir?: boolean;
  tokenSeconds?: number;
}

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** Clocks of client and server may differ this much. */
const SKEW_SECONDS = 10;
/** HelseID's limit on a client assertion's lifetime. */
const ASSERTION_MAX_SECONDS = 60;
/** A DPoP proof is fresh this long after its iat (RFC 9449 leaves the window to the server). */
const PROOF_WINDOW_SECONDS = 60;
const NONCE_SECONDS = 300;
const ALGORITHMS = 'ES256 RS256';

/** One request as the token endpoint or the FHIR API sees it; url is absolute, as the client addressed it. */
export interface AuthorisedRequest {
  method: string;
  url: string;
  authorization?: string;
  dpop?: string | string[];
}

export interface TokenAnswer {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, string>;
}

/** Why a FHIR request is not let in: the message for the OperationOutcome, the challenge for WWW-Authenticate. */
export interface Refusal {
  message: string;
  challenge: string;
  /** A nonce the client is to put in its next proof. */
  nonce?: string;
}

/** A refusal in OAuth terms: the error code and what it means here. */
class OAuthError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

interface Jwt {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  signingInput: Buffer;
  signature: Buffer;
}

function parseJwt(text: string, what: string): Jwt {
  const parts = text.split('.');
  if (parts.length !== 3) throw new Error(`the ${what} is not a signed JWT`);
  const [header, claims, signature] = parts as [string, string, string];
  try {
    const parsed = { header: JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as unknown, claims: JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as unknown };
    if (!isObject(parsed.header) || !isObject(parsed.claims)) throw new Error('not objects');
    return { header: parsed.header, claims: parsed.claims, signingInput: Buffer.from(`${header}.${claims}`), signature: Buffer.from(signature, 'base64url') };
  } catch {
    throw new Error(`the ${what}'s header or claims are not JSON objects`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether the JWT is signed with RS256 or ES256 by this key; any other alg ("none" among them) fails. */
function signedBy(jwt: Jwt, key: KeyObject): boolean {
  if (jwt.header.alg === 'RS256' && key.asymmetricKeyType === 'rsa') return verify('sha256', jwt.signingInput, key, jwt.signature);
  if (jwt.header.alg === 'ES256' && key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') {
    return verify('sha256', jwt.signingInput, { key, dsaEncoding: 'ieee-p1363' }, jwt.signature);
  }
  return false;
}

/** RFC 7638: what a DPoP-bound token's cnf.jkt holds. */
export function jwkThumbprint(jwk: JsonWebKey): string {
  const members = jwk.kty === 'EC' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y } : { e: jwk.e, kty: jwk.kty, n: jwk.n };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

/** Ids of assertions and proofs already used, each kept until it could no longer be accepted anyway. */
class SeenIds {
  private readonly until = new Map<string, number>();

  /** False if the id was used before; otherwise remembers it. */
  first(id: string, keepUntil: number): boolean {
    const now = Date.now();
    for (const [seen, expiresAt] of this.until) if (expiresAt < now) this.until.delete(seen);
    if (this.until.has(id)) return false;
    this.until.set(id, keepUntil);
    return true;
  }
}

interface IssuedToken {
  expiresAt: number;
  /** The thumbprint of the DPoP key the token is bound to. */
  jkt?: string;
}

/** Issues tokens at POST /oauth/token and decides whether a FHIR request carries a valid one. */
export class TokenIssuer {
  private readonly issued = new Map<string, IssuedToken>();
  private readonly assertionIds = new SeenIds();
  private readonly proofIds = new SeenIds();
  private readonly nonces = new Map<string, number>();
  private readonly clientKey: KeyObject | null;
  private readonly tokenSeconds: number;

  constructor(private readonly options: EpjOAuthOptions) {
    if ((options.clientSecret === undefined) === (options.clientKey === undefined)) throw new Error('oauth: give the client a secret or a key, one of them');
    this.clientKey = options.clientKey ? publicKeyOf(options.clientKey) : null;
    this.tokenSeconds = options.tokenSeconds ?? 300;
  }

  /** What the token endpoint answers a client-credentials request with the given form. */
  tokenRequest(request: AuthorisedRequest, form: URLSearchParams): TokenAnswer {
    try {
      if (form.get('grant_type') !== 'client_credentials') throw new OAuthError('unsupported_grant_type', 'only grant_type=client_credentials is supported');
      // The proof comes first: a request refused for want of a nonce must not use up the client's assertion.
      const jkt = this.options.dpop ? this.verifiedProof(request, { nonce: true }) : undefined;
      this.authenticate(request, form);
      const token = randomUUID();
      this.issued.set(token, { expiresAt: Date.now() + this.tokenSeconds * 1000, jkt });
      return answer(200, { access_token: token, token_type: jkt ? 'DPoP' : 'Bearer', expires_in: this.tokenSeconds });
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      const refused = answer(error.status, { error: error.code, error_description: error.message });
      if (error.code === 'use_dpop_nonce') refused.headers['dpop-nonce'] = this.newNonce();
      return refused;
    }
  }

  /** Null when the FHIR request may go ahead; otherwise why not. */
  admit(request: AuthorisedRequest): Refusal | null {
    const scheme = this.options.dpop ? 'DPoP' : 'Bearer';
    const refuse = (error: string, message: string): Refusal => ({
      message,
      challenge: `${scheme} error="${error}", error_description="${headerSafe(message)}"${this.options.dpop ? `, algs="${ALGORITHMS}"` : ''}`,
    });
    const [given, token] = /^(Bearer|DPoP) (\S+)$/.exec(request.authorization ?? '')?.slice(1) ?? [];
    if (token === undefined) return { message: `a valid ${scheme} token from /oauth/token is required`, challenge: `${scheme}${this.options.dpop ? ` algs="${ALGORITHMS}"` : ''}` };
    const issued = this.issued.get(token);
    if (!issued || Date.now() >= issued.expiresAt) return refuse('invalid_token', 'the access token is unknown or has expired');
    if (!issued.jkt) return given === 'Bearer' ? null : refuse('invalid_token', 'a bearer token must be presented as "Authorization: Bearer"');
    if (given !== 'DPoP') return refuse('invalid_token', 'a DPoP-bound token must be presented as "Authorization: DPoP"');
    try {
      const jkt = this.verifiedProof(request, { accessToken: token, nonce: this.options.dpopNonceOnFhir === true });
      if (jkt !== issued.jkt) return refuse('invalid_dpop_proof', 'the DPoP proof is signed by another key than the one the token is bound to');
      return null;
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      if (error.code === 'use_dpop_nonce') return { ...refuse('use_dpop_nonce', error.message), nonce: this.newNonce() };
      return refuse(error.code, error.message);
    }
  }

  /** RFC 9449 §4.3: checks the request's one DPoP proof and gives the thumbprint of its key. */
  private verifiedProof(request: AuthorisedRequest, expect: { accessToken?: string; nonce: boolean }): string {
    const invalid = (message: string) => new OAuthError('invalid_dpop_proof', message);
    if (request.dpop === undefined) throw invalid('a DPoP proof is required (DPoP header)');
    if (Array.isArray(request.dpop) || request.dpop.includes(',')) throw invalid('exactly one DPoP proof is allowed');
    let proof: Jwt;
    try {
      proof = parseJwt(request.dpop, 'DPoP proof');
    } catch (error) {
      throw invalid((error as Error).message);
    }
    if (proof.header.typ !== 'dpop+jwt') throw invalid('the DPoP proof must have typ dpop+jwt');
    const jwk = proof.header.jwk;
    if (!isObject(jwk) || 'd' in jwk) throw invalid('the DPoP proof must carry its public key (jwk) in the header, and no private part');
    let key: KeyObject;
    try {
      key = publicKeyOf(jwk as JsonWebKey);
    } catch {
      throw invalid(`the DPoP proof's jwk is not a usable public key`);
    }
    if (!signedBy(proof, key)) throw invalid(`the DPoP proof's signature does not verify with its own jwk (alg must be one of ${ALGORITHMS})`);
    const { jti, htm, htu, iat, ath, nonce } = proof.claims;
    if (htm !== request.method) throw invalid(`the DPoP proof's htm is ${JSON.stringify(htm)}, the request's method ${request.method}`);
    const target = new URL(request.url);
    target.search = '';
    target.hash = '';
    if (typeof htu !== 'string' || normalised(htu) !== target.href) throw invalid(`the DPoP proof's htu is ${JSON.stringify(htu)}, the request went to ${target.href}`);
    const now = Date.now() / 1000;
    if (typeof iat !== 'number' || iat > now + SKEW_SECONDS || iat < now - PROOF_WINDOW_SECONDS) throw invalid(`the DPoP proof's iat is missing or not within the last minute`);
    if (expect.accessToken !== undefined && ath !== createHash('sha256').update(expect.accessToken).digest('base64url')) {
      throw invalid(ath === undefined ? 'the DPoP proof has no ath (hash of the access token)' : `the DPoP proof's ath is not the hash of this access token`);
    }
    if (expect.nonce && (typeof nonce !== 'string' || !((this.nonces.get(nonce) ?? 0) > Date.now()))) {
      throw new OAuthError('use_dpop_nonce', 'the DPoP proof must carry the nonce from the DPoP-Nonce header');
    }
    if (typeof jti !== 'string' || jti === '') throw invalid('the DPoP proof has no jti');
    if (!this.proofIds.first(jti, (iat + PROOF_WINDOW_SECONDS + SKEW_SECONDS) * 1000)) throw invalid('the DPoP proof was used before (replayed jti)');
    return jwkThumbprint(jwk as JsonWebKey);
  }

  /** The client by its secret (basic authentication or the form) or by its signed assertion (RFC 7523). */
  private authenticate(request: AuthorisedRequest, form: URLSearchParams): void {
    const { clientId } = this.options;
    const refuse = (message: string) => new OAuthError('invalid_client', message, 401);
    if (!this.clientKey) {
      let [id, secret] = [form.get('client_id'), form.get('client_secret')];
      const basic = /^Basic (\S+)$/.exec(request.authorization ?? '')?.[1];
      if (basic) {
        const [user = '', password = ''] = Buffer.from(basic, 'base64').toString('utf8').split(':');
        [id, secret] = [decodeURIComponent(user), decodeURIComponent(password)];
      }
      if (id !== clientId || secret !== this.options.clientSecret) throw refuse(`client "${id ?? ''}" is not known by that secret`);
      return;
    }
    if (form.get('client_assertion_type') !== CLIENT_ASSERTION_TYPE || !form.get('client_assertion')) {
      throw refuse(`private_key_jwt is required: a client_assertion of type ${CLIENT_ASSERTION_TYPE}`);
    }
    let assertion: Jwt;
    try {
      assertion = parseJwt(form.get('client_assertion')!, 'client assertion');
    } catch (error) {
      throw refuse((error as Error).message);
    }
    if (!signedBy(assertion, this.clientKey)) throw refuse(`the client assertion's signature does not verify against the key registered for ${clientId}`);
    const { iss, sub, aud, exp, nbf, iat, jti } = assertion.claims;
    if (iss !== clientId || sub !== clientId) throw refuse(`the client assertion's iss and sub must both be ${clientId}`);
    const namedClient = form.get('client_id');
    if (namedClient !== null && namedClient !== clientId) throw refuse(`client_id ${namedClient} is not the client the assertion is for`);
    const tokenUrl = new URL(request.url);
    tokenUrl.search = '';
    if (!(Array.isArray(aud) ? aud : [aud]).includes(tokenUrl.href)) throw refuse(`the client assertion's aud must be the token endpoint ${tokenUrl.href}`);
    const now = Date.now() / 1000;
    if (typeof exp !== 'number' || exp <= now - SKEW_SECONDS) throw refuse('the client assertion has expired');
    if (exp > now + ASSERTION_MAX_SECONDS + SKEW_SECONDS) throw refuse(`the client assertion must expire within ${ASSERTION_MAX_SECONDS} s`);
    for (const [name, value] of [['nbf', nbf], ['iat', iat]] as const) {
      if (value !== undefined && (typeof value !== 'number' || value > now + SKEW_SECONDS)) throw refuse(`the client assertion's ${name} is in the future`);
    }
    if (typeof jti !== 'string' || jti === '') throw refuse('the client assertion has no jti');
    if (!this.assertionIds.first(jti, (exp + SKEW_SECONDS) * 1000)) throw refuse('the client assertion was used before (replayed jti)');
  }

  private newNonce(): string {
    const now = Date.now();
    for (const [nonce, expiresAt] of this.nonces) if (expiresAt < now) this.nonces.delete(nonce);
    const nonce = randomUUID();
    this.nonces.set(nonce, now + NONCE_SECONDS * 1000);
    return nonce;
  }
}

/** A public key from a JWK or PEM file's text: what `--client-key` gives. */
export function parsePublicKey(text: string): JsonWebKey {
  const trimmed = text.trim();
  const key = trimmed.startsWith('{') ? publicKeyOf(JSON.parse(trimmed) as JsonWebKey) : createPublicKey(trimmed);
  return key.export({ format: 'jwk' });
}

/** The public half, whether the JWK holds the private part too or not. */
function publicKeyOf(jwk: JsonWebKey): KeyObject {
  const { kty, crv, x, y, n, e } = jwk;
  return createPublicKey({ key: kty === 'EC' ? { kty, crv, x, y } : { kty, n, e }, format: 'jwk' });
}

/** An htu compared the way RFC 9449 says: without query and fragment, scheme and host in normal form. */
function normalised(htu: string): string {
  try {
    const url = new URL(htu);
    url.search = '';
    url.hash = '';
    return url.href;
  } catch {
    return htu;
  }
}

/** A message as it may stand in a quoted header parameter: printable ASCII, no double quotes. */
function headerSafe(message: string): string {
  return message.replace(/"/g, "'").replace(/[^\x20-\x7e]/g, '?');
}

function answer(status: number, body: Record<string, unknown>): TokenAnswer {
  return { status, body, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' } };
}
