import { Inject, Injectable } from '@nestjs/common';
import { HUB_CONFIG, type HubConfig } from '../config/config.js';

const TIMEOUT_MS = 10_000;

/** Pushes a transaction Bundle to the EPJ's FHIR endpoint. Throws when the EPJ did not take it. */
@Injectable()
export class EpjPushConnector {
  constructor(@Inject(HUB_CONFIG) private readonly config: HubConfig) {}

  async send(bundle: object): Promise<void> {
    // fetch refuses URLs with credentials; they travel as HTTP basic authentication instead.
    const endpoint = new URL(this.config.EPJ_FHIR_URL!);
    const headers: Record<string, string> = { 'content-type': 'application/fhir+json', accept: 'application/fhir+json' };
    if (endpoint.username) {
      headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(endpoint.username)}:${decodeURIComponent(endpoint.password)}`).toString('base64')}`;
      endpoint.username = '';
      endpoint.password = '';
    }
    const response = await fetch(endpoint, {
      method: 'POST',
      headers,
      body: JSON.stringify(bundle),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (!response.ok) {
      const body = await response.text().catch(() => '');
      throw new Error(`EPJ answered ${response.status}: ${body.slice(0, 300)}`);
    }
    const answer = (await response.json()) as { resourceType?: string; type?: string };
    if (answer.resourceType !== 'Bundle' || answer.type !== 'transaction-response') {
      throw new Error('EPJ did not answer with a transaction-response Bundle');
    }
  }
}
