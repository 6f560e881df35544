import type { EpjEndpointSettings } from '../config/config.js';
import { isPermanentRefusal } from './delivery-policy.js';
import { CLIENT_ASSERTION_TYPE, clientAssertion, dpopProof, newDpopKey, readSigningKey, type SigningKey } from './epj-client-proofs.js';

const TIMEOUT_MS = 10_000;
/** A token is renewed this long before the EPJ's authorisation server says it expires. */
const TOKEN_MARGIN_MS = 30_000;

/** Why a push did not land; `permanent` when the EPJ refused the entry itself and a retry cannot help. */
export class EpjDeliveryError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'EpjDeliveryError';
  }
}

/** The EPJ (or its token endpoint) did not answer at all: down, or not reachable from here. */
export class EpjUnreachable extends EpjDeliveryError {
  constructor(message: string) {
    super(message, false);
    this.name = 'EpjUnreachable';
  }
}

interface CachedToken {
  value: string;
  expiresAt: number;
}

/**
 * One EPJ's FHIR API, for pushes of transaction Bundles and reads of context. Authenticates with an OAuth2
 * client-credentials token (cached until shortly before it expires) when EPJ_TOKEN_URL is set,
 * otherwise with basic authentication from the endpoint URL's credentials, if any. At the token
 * endpoint the hub proves who it is by client secret or, as HelseID wants, by a client assertion
 * signed with its private key; with EPJ_DPOP the token is bound to a key the hub makes at start,
 * and every request carries a DPoP proof of that key.
 */
export class EpjPushConnector {
  private token: CachedToken | null = null;
  private tokenRequest: Promise<string> | null = null;
  private readonly clientKey: SigningKey | null;
  private readonly dpopKey: SigningKey | null;
  /** The last DPoP-Nonce each server handed out; a proof without it may be refused. */
  private tokenNonce: string | undefined;
  private resourceNonce: string | undefined;

  constructor(private readonly config: EpjEndpointSettings) {
    this.clientKey = config.EPJ_CLIENT_AUTH === 'private_key_jwt' ? readSigningKey(config.EPJ_PRIVATE_KEY_PATH!, config.EPJ_KEY_ID) : null;
    this.dpopKey = config.EPJ_DPOP ? newDpopKey() : null;
  }

  /** The EPJ's FHIR base without credentials (fetch refuses URLs that carry them). */
  endpoint(): URL {
    const endpoint = new URL(this.config.EPJ_FHIR_URL!);
    endpoint.username = '';
    endpoint.password = '';
    return endpoint;
  }

  /** The headers that authorise one request to the EPJ's FHIR API; the method and URL are what a DPoP proof binds it to. */
  private async authorisation(method: string, url: URL): Promise<Record<string, string>> {
    if (this.config.EPJ_TOKEN_URL) {
      const token = await this.accessToken();
      if (!this.dpopKey) return { authorization: `Bearer ${token}` };
      return { authorization: `DPoP ${token}`, dpop: dpopProof(this.dpopKey, { method, url, accessToken: token, nonce: this.resourceNonce }) };
    }
    const configured = new URL(this.config.EPJ_FHIR_URL!);
    if (!configured.username) return {};
    return { authorization: `Basic ${Buffer.from(`${decodeURIComponent(configured.username)}:${decodeURIComponent(configured.password)}`).toString('base64')}` };
  }

  /**
   * One authorised request to the EPJ's FHIR API, a push or a read of context. An EPJ that wants
   * a fresh DPoP nonce says so once, and the request is repeated with it; a 401 drops the token,
   * so the next request fetches a new one. Throws EpjUnreachable when the EPJ is not reached.
   */
  async request(method: 'GET' | 'POST', url: URL, body?: string): Promise<Response> {
    const first = await this.requestOnce(method, url, body);
    let response = first.response;
    if (response.status === 401 && /error="use_dpop_nonce"/.test(response.headers.get('www-authenticate') ?? '') && this.wantsNonce(response, first.nonce)) {
      await response.body?.cancel();
      response = (await this.requestOnce(method, url, body)).response;
    }
    if (response.status === 401) this.token = null;
    return response;
  }

  async send(bundle: object): Promise<void> {
    const response = await this.request('POST', this.endpoint(), JSON.stringify(bundle));
    if (!response.ok) {
      const body = await response.text().catch(() => '');
      const permanent = isPermanentRefusal(response.status) && !(response.status === 401 && this.config.EPJ_TOKEN_URL);
      throw new EpjDeliveryError(`EPJ answered ${response.status}: ${body.slice(0, 300)}`, permanent);
    }
    const answer = (await response.json().catch(() => ({}))) as { resourceType?: string; type?: string };
    if (answer.resourceType !== 'Bundle' || answer.type !== 'transaction-response') {
      throw new EpjDeliveryError('EPJ did not answer with a transaction-response Bundle', false);
    }
  }

  /** One attempt; notes any nonce the EPJ hands out, and says which one the proof carried. */
  private async requestOnce(method: 'GET' | 'POST', url: URL, body: string | undefined): Promise<{ response: Response; nonce: string | undefined }> {
    const nonce = this.resourceNonce;
    const headers: Record<string, string> = {
      accept: 'application/fhir+json',
      ...(body === undefined ? {} : { 'content-type': 'application/fhir+json' }),
      ...(await this.authorisation(method, url)),
    };
    let response: Response;
    try {
      response = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (error) {
      throw new EpjUnreachable(`EPJ not reached: ${describe(error)}`);
    }
    this.resourceNonce = response.headers.get('dpop-nonce') ?? this.resourceNonce;
    return { response, nonce };
  }

  /** RFC 9449 §9: a refusal for want of a nonce, repeated only when the server has handed out one the proof did not carry. */
  private wantsNonce(response: Response, used: string | undefined): boolean {
    const given = response.headers.get('dpop-nonce');
    return this.dpopKey !== null && given !== null && given !== used;
  }

  /** One token request at a time: concurrent pushes wait for the same one. */
  private accessToken(): Promise<string> {
    if (this.token && Date.now() < this.token.expiresAt) return Promise.resolve(this.token.value);
    this.tokenRequest ??= this.requestToken().finally(() => (this.tokenRequest = null));
    return this.tokenRequest;
  }

  private async requestToken(): Promise<string> {
    let answer = await this.postTokenRequest();
    // HelseID hands out the nonce with a use_dpop_nonce refusal of the first request; the second carries it.
    if (answer.body.error === 'use_dpop_nonce' && this.wantsNonce(answer.response, answer.nonce)) answer = await this.postTokenRequest();
    const { response, body } = answer;
    if (!response.ok || typeof body.access_token !== 'string') {
      // A wrong client id, secret or key is fixed in configuration, not by waiting: the entry stays retryable all the same.
      const reason = typeof body.error === 'string' ? ` (${body.error}${typeof body.error_description === 'string' ? `: ${body.error_description.slice(0, 200)}` : ''})` : '';
      throw new EpjDeliveryError(`EPJ token endpoint answered ${response.status}${reason}`, false);
    }
    const lifetimeMs = (typeof body.expires_in === 'number' ? body.expires_in : 300) * 1000;
    this.token = { value: body.access_token, expiresAt: Date.now() + Math.max(0, lifetimeMs - TOKEN_MARGIN_MS) };
    return this.token.value;
  }

  /** One client-credentials request, authenticated as configured; notes any nonce the server hands out. */
  private async postTokenRequest(): Promise<{ response: Response; body: TokenAnswer; nonce: string | undefined }> {
    const tokenUrl = this.config.EPJ_TOKEN_URL!;
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (this.config.EPJ_SCOPE) form.set('scope', this.config.EPJ_SCOPE);
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    if (this.clientKey) {
      form.set('client_id', this.config.EPJ_CLIENT_ID!);
      form.set('client_assertion_type', CLIENT_ASSERTION_TYPE);
      form.set('client_assertion', clientAssertion(this.clientKey, this.config.EPJ_CLIENT_ID!, tokenUrl));
    } else {
      headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(this.config.EPJ_CLIENT_ID!)}:${encodeURIComponent(this.config.EPJ_CLIENT_SECRET!)}`).toString('base64')}`;
    }
    const nonce = this.tokenNonce;
    if (this.dpopKey) headers.dpop = dpopProof(this.dpopKey, { method: 'POST', url: tokenUrl, nonce });
    let response: Response;
    try {
      response = await fetch(tokenUrl, { method: 'POST', headers, body: form, signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (error) {
      throw new EpjUnreachable(`EPJ token endpoint not reached: ${describe(error)}`);
    }
    this.tokenNonce = response.headers.get('dpop-nonce') ?? this.tokenNonce;
    return { response, body: (await response.json().catch(() => ({}))) as TokenAnswer, nonce };
  }
}

interface TokenAnswer {
  access_token?: unknown;
  expires_in?: unknown;
  error?: unknown;
  error_description?: unknown;
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}
