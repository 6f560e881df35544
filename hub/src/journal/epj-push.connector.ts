import { Inject, Injectable } from '@nestjs/common';
import { HUB_CONFIG, type HubConfig } from '../config/config.js';
import { isPermanentRefusal } from './delivery-policy.js';

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

interface CachedToken {
  value: string;
  expiresAt: number;
}

/**
 * Pushes a transaction Bundle to the EPJ's FHIR endpoint. Authenticates with an OAuth2
 * client-credentials token (cached until shortly before it expires) when EPJ_TOKEN_URL is set,
 * otherwise with basic authentication from the endpoint URL's credentials, if any.
 */
@Injectable()
export class EpjPushConnector {
  private token: CachedToken | null = null;
  private tokenRequest: Promise<string> | null = null;

  constructor(@Inject(HUB_CONFIG) private readonly config: HubConfig) {}

  /** The EPJ's FHIR base without credentials (fetch refuses URLs that carry them). */
  endpoint(): URL {
    const endpoint = new URL(this.config.EPJ_FHIR_URL!);
    endpoint.username = '';
    endpoint.password = '';
    return endpoint;
  }

  /**
   * The headers that authorise one request to the EPJ's FHIR API (a push or a read of context).
   * The method and URL are what a DPoP proof binds the request to.
   */
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- the DPoP proof will use them
  async authorisation(method: string, url: URL): Promise<Record<string, string>> {
    if (this.config.EPJ_TOKEN_URL) return { authorization: `Bearer ${await this.accessToken()}` };
    const configured = new URL(this.config.EPJ_FHIR_URL!);
    if (!configured.username) return {};
    return { authorization: `Basic ${Buffer.from(`${decodeURIComponent(configured.username)}:${decodeURIComponent(configured.password)}`).toString('base64')}` };
  }

  async send(bundle: object): Promise<void> {
    const endpoint = this.endpoint();
    const headers: Record<string, string> = { 'content-type': 'application/fhir+json', accept: 'application/fhir+json', ...(await this.authorisation('POST', endpoint)) };
    let response: Response;
    try {
      response = await fetch(endpoint, { method: 'POST', headers, body: JSON.stringify(bundle), signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (error) {
      throw new EpjDeliveryError(`EPJ not reached: ${describe(error)}`, false);
    }
    if (!response.ok) {
      const body = await response.text().catch(() => '');
      // A token the EPJ no longer takes is fetched anew on the next attempt.
      if (response.status === 401) this.token = null;
      const permanent = isPermanentRefusal(response.status) && !(response.status === 401 && this.config.EPJ_TOKEN_URL);
      throw new EpjDeliveryError(`EPJ answered ${response.status}: ${body.slice(0, 300)}`, permanent);
    }
    const answer = (await response.json().catch(() => ({}))) as { resourceType?: string; type?: string };
    if (answer.resourceType !== 'Bundle' || answer.type !== 'transaction-response') {
      throw new EpjDeliveryError('EPJ did not answer with a transaction-response Bundle', false);
    }
  }

  /** One token request at a time: concurrent pushes wait for the same one. */
  private accessToken(): Promise<string> {
    if (this.token && Date.now() < this.token.expiresAt) return Promise.resolve(this.token.value);
    this.tokenRequest ??= this.requestToken().finally(() => (this.tokenRequest = null));
    return this.tokenRequest;
  }

  private async requestToken(): Promise<string> {
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (this.config.EPJ_SCOPE) form.set('scope', this.config.EPJ_SCOPE);
    const credentials = Buffer.from(`${encodeURIComponent(this.config.EPJ_CLIENT_ID!)}:${encodeURIComponent(this.config.EPJ_CLIENT_SECRET!)}`).toString('base64');
    let response: Response;
    try {
      response = await fetch(this.config.EPJ_TOKEN_URL!, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', authorization: `Basic ${credentials}` },
        body: form,
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      throw new EpjDeliveryError(`EPJ token endpoint not reached: ${describe(error)}`, false);
    }
    const body = (await response.json().catch(() => ({}))) as { access_token?: unknown; expires_in?: unknown; error?: unknown };
    if (!response.ok || typeof body.access_token !== 'string') {
      // A wrong client id or secret is fixed in configuration, not by waiting: the entry stays retryable all the same.
      throw new EpjDeliveryError(`EPJ token endpoint answered ${response.status}${typeof body.error === 'string' ? ` (${body.error})` : ''}`, false);
    }
    const lifetimeMs = (typeof body.expires_in === 'number' ? body.expires_in : 300) * 1000;
    this.token = { value: body.access_token, expiresAt: Date.now() + Math.max(0, lifetimeMs - TOKEN_MARGIN_MS) };
    return this.token.value;
  }
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}
