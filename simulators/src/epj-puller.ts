import type { EpjReceiver } from './epj-receiver.js';
import { FhirInputError, isRecord } from './fhir-transaction.js';
import { osloClock } from './oslo-time.js';

const FHIR_JSON = 'application/fhir+json';
/** A hub that accepts the connection but never answers must not stall the rounds for good. */
const REQUEST_TIMEOUT_MS = 15_000;
/** Get a new token this long before the hub's expires_in runs out, rather than have a request refused. */
const TOKEN_MARGIN_MS = 30_000;

export interface EpjPullerOptions {
  /** The hub's base URL, e.g. http://127.0.0.1:3000 (the pull API is under /api/epj). */
  hubUrl: string;
  /** The client an admin registered for the municipality (POST /api/tenants/{id}/epj-clients). */
  clientId: string;
  clientSecret: string;
  /** The EPJ the pulled entries are journaled in: the same store its pushes go to, so /received shows both. */
  into: EpjReceiver;
  /** Seconds between rounds, the first at once; 0 pulls only when pullOnce is called. Default 5. */
  everySeconds?: number;
  /** One line per entry journaled or refused, and per round that failed. Default: silent. */
  log?: (line: string) => void;
}

/** What one round did. */
export interface EpjPullRound {
  /** Entries stored and acknowledged, with the reference this EPJ gave each. */
  acknowledged: Array<{ entryId: string; reference: string }>;
  /** Entries fetched that this EPJ would not store: not acknowledged, and not fetched again. */
  refused: Array<{ entryId: string; reason: string }>;
  /** Why the hub could not be pulled from, or an entry not fetched or acknowledged; tried again next round. */
  errors: string[];
}

export interface EpjPullerStats {
  rounds: number;
  /** Entries fetched from the hub, whatever became of them. */
  pulled: number;
  acknowledged: number;
  refused: number;
  errors: number;
  /** Access tokens the hub issued to this EPJ. */
  tokens: number;
}

export interface EpjPuller {
  /** Runs one round now (after the one under way, if any): list, fetch, journal and acknowledge every registered entry. Never rejects. */
  pullOnce(): Promise<EpjPullRound>;
  stats(): EpjPullerStats;
  /** Stops the rounds and waits for the one under way. */
  stop(): Promise<void>;
}

type Searchset = { total?: number; entry?: Array<{ resource?: { id?: unknown } }> };

/**
 * The EPJ that fetches its journal entries from the hub, as an EPJ does from NHN's
 * Journalføringstjenesten: with a client-credentials token it lists the registered entries,
 * fetches each, journals its transaction Bundle in the receiver's store (conditional writes, as
 * if pushed) and acknowledges it with a reference of its own. An entry it cannot store is left
 * unacknowledged for the hub to show; a hub that is down is tried again next round.
 */
export function startEpjPuller(options: EpjPullerOptions): EpjPuller {
  const base = options.hubUrl.replace(/\/+$/, '');
  const everyMs = (options.everySeconds ?? 5) * 1000;
  const log = options.log ?? (() => {});
  const counts: EpjPullerStats = { rounds: 0, pulled: 0, acknowledged: 0, refused: 0, errors: 0, tokens: 0 };
  /** Entries refused once are not fetched again: the hub's bundle of an entry does not change. */
  const refusedIds = new Set<string>();
  let token: { value: string; renewAt: number } | null = null;
  let references = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let rounds: Promise<unknown> = Promise.resolve();

  async function accessToken(): Promise<string> {
    if (token && Date.now() < token.renewAt) return token.value;
    token = null;
    const response = await reach(`${base}/api/epj/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: options.clientId, client_secret: options.clientSecret }).toString(),
    });
    const answer = (await response.json().catch(() => ({}))) as { access_token?: unknown; expires_in?: unknown; error?: unknown; error_description?: unknown };
    if (response.status !== 200 || typeof answer.access_token !== 'string') {
      throw new Error(`the hub gave no token (${response.status} ${String(answer.error ?? '')}: ${String(answer.error_description ?? 'no reason')})`);
    }
    const lifetimeMs = (typeof answer.expires_in === 'number' ? answer.expires_in : 0) * 1000;
    token = { value: answer.access_token, renewAt: Date.now() + Math.max(0, lifetimeMs - TOKEN_MARGIN_MS) };
    counts.tokens += 1;
    return token.value;
  }

  /** One call to the pull API; a refused token is dropped and the call made once more with a new one. */
  async function call(method: 'GET' | 'POST', route: string, body?: unknown): Promise<{ status: number; text: string }> {
    for (let attempt = 1; ; attempt += 1) {
      const bearer = await accessToken();
      const response = await reach(`${base}/api/epj/fhir/journal-entries${route}`, {
        method,
        headers: { authorization: `Bearer ${bearer}`, accept: FHIR_JSON, ...(body === undefined ? {} : { 'content-type': FHIR_JSON }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      if (response.status === 401 && attempt === 1) {
        token = null;
        continue;
      }
      if (response.status === 401) throw new Error(`the hub refused a new token too: ${diagnostics(text)}`);
      return { status: response.status, text };
    }
  }

  async function reach(url: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new Error(`the hub at ${base} cannot be reached (${cause?.code ?? cause?.message ?? (error as Error).message})`);
    }
  }

  /** Fetches, journals and acknowledges one entry; answers whether it was acknowledged. */
  async function pullEntry(entryId: string, round: EpjPullRound): Promise<boolean> {
    const fetched = await call('GET', `/${encodeURIComponent(entryId)}`);
    if (fetched.status !== 200) {
      report(round, `journal entry ${entryId} could not be fetched (${fetched.status}): ${diagnostics(fetched.text)}`);
      return false;
    }
    counts.pulled += 1;
    let summary: string;
    try {
      summary = options.into.store(fetched.text);
    } catch (error) {
      if (!(error instanceof FhirInputError)) throw error;
      refusedIds.add(entryId);
      counts.refused += 1;
      round.refused.push({ entryId, reason: error.message });
      log(`${osloClock()}  EPJ refused pulled journal entry ${entryId}, not acknowledging it: ${error.message}`);
      return false;
    }
    const reference = `EPJ-PULL-${references + 1}`;
    const acknowledged = await call('POST', `/${encodeURIComponent(entryId)}/$journaling-acknowledged`, {
      resourceType: 'Parameters',
      parameter: [{ name: 'reference', valueString: reference }],
    });
    if (acknowledged.status !== 200) {
      report(round, `journal entry ${entryId} was stored but not acknowledged (${acknowledged.status}): ${diagnostics(acknowledged.text)}`);
      return false;
    }
    references += 1;
    counts.acknowledged += 1;
    round.acknowledged.push({ entryId, reference });
    log(`${osloClock()}  EPJ pulled journal entry ${entryId}: ${summary}; acknowledged as ${reference}`);
    return true;
  }

  function report(round: EpjPullRound, error: string): void {
    counts.errors += 1;
    round.errors.push(error);
    log(`${osloClock()}  EPJ pull: ${error}`);
  }

  async function round(): Promise<EpjPullRound> {
    const result: EpjPullRound = { acknowledged: [], refused: [], errors: [] };
    counts.rounds += 1;
    try {
      // The hub lists a page of the oldest entries; once they are acknowledged, the next page.
      for (;;) {
        const listed = await call('GET', '?status=registered');
        if (listed.status !== 200) throw new Error(`the hub did not list the entries (${listed.status}): ${diagnostics(listed.text)}`);
        const searchset = JSON.parse(listed.text) as Searchset;
        const page = (searchset.entry ?? []).map((entry) => entry.resource?.id).filter((id): id is string => typeof id === 'string');
        const waiting = page.filter((id) => !refusedIds.has(id));
        let progress = 0;
        for (const entryId of waiting) if (await pullEntry(entryId, result)) progress += 1;
        if (progress === 0 || (searchset.total ?? 0) <= page.length) break;
      }
    } catch (error) {
      // Whatever stopped this round (the hub down, or refusing this EPJ), the next one tries again.
      report(result, (error as Error).message);
    }
    return result;
  }

  function pullOnce(): Promise<EpjPullRound> {
    const next = rounds.then(round);
    rounds = next;
    return next;
  }

  function schedule(): void {
    if (stopped || everyMs <= 0) return;
    timer = setTimeout(() => void pullOnce().then(schedule), everyMs);
    timer.unref();
  }

  if (everyMs > 0) void pullOnce().then(schedule);

  return {
    pullOnce,
    stats: () => ({ ...counts }),
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await rounds;
    },
  };
}

/** The first issue's diagnostics of an OperationOutcome answer, else the start of the text. */
function diagnostics(text: string): string {
  try {
    const body = JSON.parse(text) as unknown;
    if (isRecord(body) && Array.isArray(body.issue) && isRecord(body.issue[0]) && typeof body.issue[0].diagnostics === 'string') return body.issue[0].diagnostics;
  } catch {
    // Not JSON: shown as it came.
  }
  return text.slice(0, 200) || 'no answer';
}
