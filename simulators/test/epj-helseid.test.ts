import { createHash, createPublicKey, generateKeyPairSync, randomUUID, sign, type JsonWebKey, type KeyObject } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEpjReceiver } from '../src/index.js';
import type { EpjReceiver } from '../src/index.js';

/** The hub's side, written out here so the simulator is checked against the RFCs rather than against the hub's code. */
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

function jwt(header: Record<string, unknown>, claims: Record<string, unknown>, key: KeyObject): string {
  const alg = key.asymmetricKeyType === 'ec' ? 'ES256' : 'RS256';
  const input = `${Buffer.from(JSON.stringify({ ...header, alg })).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  const signature = sign('sha256', Buffer.from(input), alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key);
  return `${input}.${signature.toString('base64url')}`;
}

const seconds = () => Math.floor(Date.now() / 1000);
const clientKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const strangerKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const dpopKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const otherDpopKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });

function assertion(tokenUrl: string, overrides: Record<string, unknown> = {}, key: KeyObject = clientKeys.privateKey): string {
  const iat = seconds();
  return jwt({ typ: 'client-authentication+jwt', kid: 'hub' }, { iss: 'hub', sub: 'hub', aud: tokenUrl, jti: randomUUID(), iat, nbf: iat, exp: iat + 60, ...overrides }, key);
}

function proof(method: string, url: string, extra: Record<string, unknown> = {}, key: KeyObject = dpopKeys.privateKey): string {
  const jwk: JsonWebKey = createPublicKey(key).export({ format: 'jwk' });
  return jwt({ typ: 'dpop+jwt', jwk }, { jti: randomUUID(), htm: method, htu: url, iat: seconds(), ...extra }, key);
}

const ath = (token: string) => createHash('sha256').update(token).digest('base64url');

interface TokenResponse {
  status: number;
  nonce: string | null;
  body: { access_token?: string; token_type?: string; error?: string; error_description?: string };
}

let epj: EpjReceiver;
let tokenUrl: string;

async function requestToken(form: Record<string, string>, dpop?: string): Promise<TokenResponse> {
  const response = await fetch(tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(dpop ? { dpop } : {}) },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...form }),
  });
  return { status: response.status, nonce: response.headers.get('dpop-nonce'), body: (await response.json()) as TokenResponse['body'] };
}

const signedIn = (overrides: Record<string, unknown> = {}, key?: KeyObject) => ({ client_assertion_type: ASSERTION_TYPE, client_assertion: assertion(tokenUrl, overrides, key) });

/** A nonce, as the token endpoint hands one out to a proof without it. */
async function nonce(): Promise<string> {
  const refused = await requestToken(signedIn(), proof('POST', tokenUrl));
  expect(refused.status).toBe(400);
  expect(refused.body.error).toBe('use_dpop_nonce');
  return refused.nonce!;
}

async function dpopToken(): Promise<string> {
  const answer = await requestToken(signedIn(), proof('POST', tokenUrl, { nonce: await nonce() }));
  expect(answer.status).toBe(200);
  expect(answer.body.token_type).toBe('DPoP');
  return answer.body.access_token!;
}

async function push(headers: Record<string, string>) {
  const response = await fetch(epj.url, {
    method: 'POST',
    headers: { 'content-type': 'application/fhir+json', ...headers },
    body: JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: [] }),
  });
  const body = (await response.json()) as { resourceType: string; issue?: Array<{ diagnostics: string }> };
  return { status: response.status, challenge: response.headers.get('www-authenticate') ?? '', nonce: response.headers.get('dpop-nonce'), body, diagnostics: body.issue?.[0]?.diagnostics ?? '' };
}

beforeAll(async () => {
  epj = await startEpjReceiver({ oauth: { clientId: 'hub', clientKey: clientKeys.publicKey.export({ format: 'jwk' }), dpop: true } });
  tokenUrl = epj.url.replace(/\/fhir$/, '/oauth/token');
});
afterAll(() => epj.close());

describe('token endpoint with private_key_jwt and DPoP', () => {
  it('hands out a nonce first, then a DPoP-bound token to a signed assertion with a proof carrying it', async () => {
    const token = await dpopToken();
    const pushed = await push({ authorization: `DPoP ${token}`, dpop: proof('POST', epj.url, { ath: ath(token) }) });
    expect(pushed.status).toBe(200);
    expect(pushed.body.resourceType).toBe('Bundle');
  });

  it('refuses an assertion signed by a key it does not know', async () => {
    const answer = await requestToken(signedIn({}, strangerKeys.privateKey), proof('POST', tokenUrl, { nonce: await nonce() }));
    expect(answer).toMatchObject({ status: 401, body: { error: 'invalid_client', error_description: "the client assertion's signature does not verify against the key registered for hub" } });
  });

  it('refuses an expired assertion, one for another audience, and one with iss other than sub', async () => {
    const past = seconds() - 600;
    const expired = await requestToken(signedIn({ iat: past, nbf: past, exp: past + 60 }), proof('POST', tokenUrl, { nonce: await nonce() }));
    expect(expired).toMatchObject({ status: 401, body: { error: 'invalid_client', error_description: 'the client assertion has expired' } });
    const elsewhere = await requestToken(signedIn({ aud: 'https://helseid-sts.nhn.no/connect/token' }), proof('POST', tokenUrl, { nonce: await nonce() }));
    expect(elsewhere.body.error_description).toBe(`the client assertion's aud must be the token endpoint ${tokenUrl}`);
    const impostor = await requestToken(signedIn({ sub: 'someone-else' }), proof('POST', tokenUrl, { nonce: await nonce() }));
    expect(impostor.body.error_description).toBe("the client assertion's iss and sub must both be hub");
  });

  it('refuses an assertion used twice', async () => {
    const once = signedIn();
    expect((await requestToken(once, proof('POST', tokenUrl, { nonce: await nonce() }))).status).toBe(200);
    const again = await requestToken(once, proof('POST', tokenUrl, { nonce: await nonce() }));
    expect(again).toMatchObject({ status: 401, body: { error: 'invalid_client', error_description: 'the client assertion was used before (replayed jti)' } });
  });

  it('refuses a client secret when it demands private_key_jwt, and a token request without a DPoP proof', async () => {
    const secret = await requestToken({ client_id: 'hub', client_secret: 'guess' }, proof('POST', tokenUrl, { nonce: await nonce() }));
    expect(secret).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    expect(secret.body.error_description).toMatch(/^private_key_jwt is required/);
    const bare = await requestToken(signedIn());
    expect(bare).toMatchObject({ status: 400, body: { error: 'invalid_dpop_proof', error_description: 'a DPoP proof is required (DPoP header)' } });
  });

  it('refuses a token proof for another method, and one with a nonce it never gave', async () => {
    const wrongMethod = await requestToken(signedIn(), proof('GET', tokenUrl, { nonce: await nonce() }));
    expect(wrongMethod).toMatchObject({ status: 400, body: { error: 'invalid_dpop_proof' } });
    expect(wrongMethod.body.error_description).toMatch(/htm is "GET", the request's method POST/);
    const madeUp = await requestToken(signedIn(), proof('POST', tokenUrl, { nonce: 'not-from-here' }));
    expect(madeUp).toMatchObject({ status: 400, body: { error: 'use_dpop_nonce' } });
    expect(madeUp.nonce).toBeTruthy();
  });
});

describe('FHIR requests with a DPoP-bound token', () => {
  let token: string;
  beforeAll(async () => {
    token = await dpopToken();
  });

  it('refuses a replayed proof', async () => {
    const once = proof('POST', epj.url, { ath: ath(token) });
    expect((await push({ authorization: `DPoP ${token}`, dpop: once })).status).toBe(200);
    const replay = await push({ authorization: `DPoP ${token}`, dpop: once });
    expect(replay.status).toBe(401);
    expect(replay.challenge).toMatch(/^DPoP error="invalid_dpop_proof", error_description="the DPoP proof was used before \(replayed jti\)"/);
    expect(replay.diagnostics).toBe('the DPoP proof was used before (replayed jti)');
  });

  it('lets a read through the same check: a proof of GET for the search URL without its query', async () => {
    const search = `${epj.url}/Patient?identifier=${encodeURIComponent('urn:oid:2.16.578.1.12.4.1.4.1|13116900216')}`;
    const read = (dpop: string) => fetch(search, { headers: { authorization: `DPoP ${token}`, dpop } });
    const admitted = await read(proof('GET', `${epj.url}/Patient`, { ath: ath(token) }));
    expect(admitted.status).toBe(200);
    expect(((await admitted.json()) as { resourceType: string }).resourceType).toBe('Bundle');
    const asPost = await read(proof('POST', `${epj.url}/Patient`, { ath: ath(token) }));
    expect(asPost.status).toBe(401);
    expect(asPost.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_dpop_proof", error_description="the DPoP proof's htm is 'POST', the request's method GET"/);
  });

  it('refuses a proof made for another URL', async () => {
    const elsewhere = await push({ authorization: `DPoP ${token}`, dpop: proof('POST', `${epj.url}/Patient`, { ath: ath(token) }) });
    expect(elsewhere.status).toBe(401);
    expect(elsewhere.diagnostics).toBe(`the DPoP proof's htu is "${epj.url}/Patient", the request went to ${epj.url}`);
  });

  it('refuses a proof without ath, or with the hash of another token', async () => {
    const without = await push({ authorization: `DPoP ${token}`, dpop: proof('POST', epj.url) });
    expect(without).toMatchObject({ status: 401, diagnostics: 'the DPoP proof has no ath (hash of the access token)' });
    const other = await push({ authorization: `DPoP ${token}`, dpop: proof('POST', epj.url, { ath: ath('another-token') }) });
    expect(other).toMatchObject({ status: 401, diagnostics: `the DPoP proof's ath is not the hash of this access token` });
  });

  it('refuses a proof by another key than the token is bound to, a stale proof, and the token as a bearer token', async () => {
    const stolen = await push({ authorization: `DPoP ${token}`, dpop: proof('POST', epj.url, { ath: ath(token) }, otherDpopKeys.privateKey) });
    expect(stolen).toMatchObject({ status: 401, diagnostics: 'the DPoP proof is signed by another key than the one the token is bound to' });
    const stale = await push({ authorization: `DPoP ${token}`, dpop: proof('POST', epj.url, { ath: ath(token), iat: seconds() - 600 }) });
    expect(stale).toMatchObject({ status: 401, diagnostics: `the DPoP proof's iat is missing or not within the last minute` });
    const bearer = await push({ authorization: `Bearer ${token}` });
    expect(bearer.status).toBe(401);
    expect(bearer.challenge).toMatch(/^DPoP error="invalid_token"/);
    expect(bearer.diagnostics).toBe('a DPoP-bound token must be presented as "Authorization: DPoP"');
    const none = await push({});
    expect(none).toMatchObject({ status: 401, challenge: 'DPoP algs="ES256 RS256"' });
  });
});

describe('an EPJ that wants a nonce in FHIR proofs too', () => {
  let strict: EpjReceiver;
  afterAll(() => strict?.close());

  it('refuses a proof without its nonce, handing one out, and takes the repeat that carries it', async () => {
    strict = await startEpjReceiver({ oauth: { clientId: 'hub', clientSecret: 's3cret', dpop: true, dpopNonceOnFhir: true } });
    const strictTokenUrl = strict.url.replace(/\/fhir$/, '/oauth/token');
    const basic = `Basic ${Buffer.from('hub:s3cret').toString('base64')}`;
    const ask = (dpop: string) => fetch(strictTokenUrl, { method: 'POST', headers: { authorization: basic, dpop }, body: new URLSearchParams({ grant_type: 'client_credentials' }) });
    const first = await ask(proof('POST', strictTokenUrl));
    const { access_token: token } = (await (await ask(proof('POST', strictTokenUrl, { nonce: first.headers.get('dpop-nonce') }))).json()) as { access_token: string };
    const post = (extra: Record<string, unknown>) =>
      fetch(strict.url, { method: 'POST', headers: { 'content-type': 'application/fhir+json', authorization: `DPoP ${token}`, dpop: proof('POST', strict.url, { ath: ath(token), ...extra }) }, body: JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: [] }) });
    const refused = await post({});
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toMatch(/^DPoP error="use_dpop_nonce"/);
    const given = refused.headers.get('dpop-nonce');
    expect(given).toBeTruthy();
    expect((await post({ nonce: given })).status).toBe(200);
  });
});
