import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  FhirInputError,
  identifiersOf,
  operationOutcome,
  parseIdentifierToken,
  parseTransaction,
  resourceKey,
} from './fhir-transaction.js';
import type { ConditionalWrite, FhirIdentifier } from './fhir-transaction.js';
import { EpjContextRecords, handleContextRequest, isContextRequest } from './epj-context-records.js';
import { TokenIssuer, type EpjOAuthOptions } from './epj-authorisation.js';
import { osloClock } from './oslo-time.js';

/** DESIGN.md: "Requests stay under about 1 MB." */
export const MAX_BUNDLE_BYTES = 1024 * 1024;
/** Past this much we stop draining an oversized body and drop the connection. */
const DRAIN_LIMIT_BYTES = 16 * MAX_BUNDLE_BYTES;
const FHIR_JSON = 'application/fhir+json; charset=utf-8';

export interface EpjReceiverOptions {
  /** 0 (the default) picks a free port; the CLI uses 4100. */
  port?: number;
  /** Default 127.0.0.1: a stand-in EPJ has no business listening on other interfaces. */
  host?: string;
  /** One line per bundle received or refused. Default: silent. */
  log?: (line: string) => void;
  /** How it behaves from the start; POST /mode (or setMode) changes it while running. Default: healthy. */
  mode?: EpjMode;
  /**
   * Ask for OAuth2 client credentials: tokens from POST /oauth/token for this client (by secret,
   * or HelseID-style by signed client assertion and with DPoP-bound tokens), and a valid token on
   * every FHIR request (401 without one). Default: no authentication.
   */
  oauth?: EpjOAuthOptions;
}

/**
 * How the simulated EPJ misbehaves, for tests and for vendors to watch what the hub does.
 * At most one of fail, reject and down; slowMs adds to any of them.
 */
export interface EpjMode {
  /** Answer every transaction with this transient status (5xx, 408 or 429): an EPJ in trouble. */
  fail?: number;
  /** Refuse every transaction with this 4xx (not 408 or 429): an EPJ that will not take the entry. */
  reject?: number;
  /** Wait this long before answering (a transaction that succeeds is stored first, then answered late). */
  slowMs?: number;
  /** Drop the connection without answering: an EPJ that is not there. */
  down?: boolean;
}

/** Checks a mode from the command line or POST /mode; throws naming the field that is wrong. */
export function parseEpjMode(input: unknown): EpjMode {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new FhirInputError('the mode must be a JSON object', 'invalid', 400);
  const given = input as Record<string, unknown>;
  const unknownField = Object.keys(given).find((key) => !['fail', 'reject', 'slowMs', 'down'].includes(key));
  if (unknownField) throw new FhirInputError(`${unknownField}: not a mode (fail, reject, slowMs, down)`, 'invalid', 400);
  const mode: EpjMode = {};
  const status = (field: 'fail' | 'reject', fits: (value: number) => boolean, what: string) => {
    const value = given[field];
    if (value === undefined || value === null) return;
    if (typeof value !== 'number' || !Number.isInteger(value) || !fits(value)) throw new FhirInputError(`${field}: must be ${what}`, 'invalid', 400);
    mode[field] = value;
  };
  status('fail', (value) => (value >= 500 && value <= 599) || value === 408 || value === 429, 'a transient status: 5xx, 408 or 429');
  status('reject', (value) => value >= 400 && value <= 499 && value !== 408 && value !== 429, 'a 4xx status other than 408 and 429');
  if (given.slowMs !== undefined && given.slowMs !== null) {
    if (typeof given.slowMs !== 'number' || !Number.isInteger(given.slowMs) || given.slowMs < 0 || given.slowMs > 600_000) {
      throw new FhirInputError('slowMs: must be a whole number of milliseconds from 0 to 600000', 'invalid', 400);
    }
    if (given.slowMs > 0) mode.slowMs = given.slowMs;
  }
  if (given.down !== undefined && given.down !== null) {
    if (typeof given.down !== 'boolean') throw new FhirInputError('down: must be true or false', 'invalid', 400);
    if (given.down) mode.down = true;
  }
  if ([mode.fail, mode.reject, mode.down].filter((value) => value !== undefined).length > 1) {
    throw new FhirInputError('fail, reject and down: choose one', 'invalid', 400);
  }
  return mode;
}

function describeMode(mode: EpjMode): string {
  const parts: string[] = [];
  if (mode.fail) parts.push(`failing with ${mode.fail}`);
  if (mode.reject) parts.push(`rejecting with ${mode.reject}`);
  if (mode.down) parts.push('down (dropping connections)');
  if (mode.slowMs) parts.push(`answering after ${mode.slowMs} ms`);
  return parts.length > 0 ? parts.join(', ') : 'healthy';
}

/** One journal resource as this EPJ holds it. */
export interface ReceivedEntry {
  type: string;
  /** The id this EPJ assigned when it first stored the resource. */
  id: string;
  /** The identifier the sender's conditional request named. */
  identifier: FhirIdentifier;
  /** Starts at 1; each conditional update that replaces the resource adds one. */
  version: number;
  /** The latest version as stored, with the id and meta.versionId this EPJ assigned. */
  resource: Record<string, unknown>;
  firstReceivedAt: string;
  lastReceivedAt: string;
  /** How many requests named this resource: the first, plus every update or repeated create. */
  timesSeen: number;
}

export interface EpjReceiverStats {
  /** Transaction bundles accepted. */
  bundles: number;
  /** Entries that stored a new resource. */
  created: number;
  /** Conditional updates that replaced a stored resource. */
  updated: number;
  /** Conditional creates (POST with ifNoneExist) that found the resource already stored. */
  unchanged: number;
  /** Requests refused with a 4xx. */
  rejected: number;
  /** Transactions POSTed, whatever became of them: what a test counts to see how often the hub called. */
  requests: number;
  /** Transactions answered with the mode's failure status or dropped while down. */
  failed: number;
  /** Access tokens issued at /oauth/token. */
  tokensIssued: number;
  /** Resources stored, by resource type. */
  byType: Record<string, number>;
}

export interface EpjReceiver {
  /** The FHIR base to give the hub as EPJ_FHIR_URL, e.g. http://127.0.0.1:4100/fhir */
  url: string;
  close(): Promise<void>;
  received(): ReceivedEntry[];
  stats(): EpjReceiverStats;
  /** Forgets everything received and put in, so one test or training session does not see the last one's. */
  reset(): void;
  /** The residents' records (Patient, EpisodeOfCare, CarePlan) it answers searches from, and how often they were read. */
  context: EpjContextRecords;
  mode(): EpjMode;
  /** Changes how it behaves from the next request on; throws on a mode parseEpjMode refuses. */
  setMode(mode: EpjMode): void;
  /**
   * Journals a transaction Bundle (its JSON text) exactly as a POST to /fhir would, for entries
   * this EPJ fetched itself (see startEpjPuller); throws FhirInputError on one it refuses.
   * Answers a line saying what was stored.
   */
  store(transaction: string): string;
}

/**
 * A small FHIR R4 endpoint standing in for a municipality's EPJ: it takes the hub's
 * transaction bundles of conditional writes, stores the resources in memory by identifier,
 * and shows what arrived (GET /received) so a test can tell a retry from a duplicate.
 */
export async function startEpjReceiver(options: EpjReceiverOptions = {}): Promise<EpjReceiver> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? (() => {});
  const journal = new EpjJournal();
  const context = new EpjContextRecords();
  const tokens = options.oauth ? new TokenIssuer(options.oauth) : null;
  journal.mode = parseEpjMode(options.mode ?? {});

  const server = createServer((request, response) => {
    handle(request, response, journal, context, tokens, log).catch((error: unknown) => {
      log(`${osloClock()}  EPJ failed on ${request.method} ${request.url}: ${(error as Error).message}`);
      if (!response.headersSent) send(response, 500, { resourceType: 'OperationOutcome', issue: [{ severity: 'fatal', code: 'exception', diagnostics: (error as Error).message }] });
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${shownHost}:${port}/fhir`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
    received: () => journal.entries(),
    stats: () => journal.stats(),
    reset: () => {
      journal.reset();
      context.reset();
    },
    context,
    mode: () => ({ ...journal.mode }),
    setMode: (mode) => {
      journal.mode = parseEpjMode(mode);
      log(`${osloClock()}  EPJ is now ${describeMode(journal.mode)}`);
    },
    store: (transaction) => journal.take(transaction).summary,
  };
}

/** The EPJ's memory: resources by (type, identifier), and counts of what happened. */
class EpjJournal {
  private resources = new Map<string, ReceivedEntry>();
  private counts = { bundles: 0, created: 0, updated: 0, unchanged: 0, rejected: 0, requests: 0, failed: 0, tokensIssued: 0 };
  mode: EpjMode = {};

  /** Validates a whole transaction, then applies it, so it cannot half-succeed; throws FhirInputError on one it refuses. */
  take(text: string): { response: Record<string, unknown>; summary: string } {
    return this.apply(parseTransaction(text));
  }

  private apply(writes: ConditionalWrite[]): { response: Record<string, unknown>; summary: string } {
    const now = new Date().toISOString();
    const outcome = { created: 0, updated: 0, unchanged: 0 };
    const entry = writes.map((write) => {
      const key = resourceKey(write.resourceType, write.identifier);
      const existing = this.resources.get(key);
      let status: string;
      let stored: ReceivedEntry;
      if (!existing) {
        const id = randomUUID();
        stored = {
          type: write.resourceType,
          id,
          identifier: write.identifier,
          version: 1,
          resource: stamped(write.resource, id, 1, now),
          firstReceivedAt: now,
          lastReceivedAt: now,
          timesSeen: 1,
        };
        this.resources.set(key, stored);
        outcome.created += 1;
        status = '201 Created';
      } else if (write.createOnly) {
        stored = existing;
        stored.timesSeen += 1;
        stored.lastReceivedAt = now;
        outcome.unchanged += 1;
        status = '200 OK';
      } else {
        stored = existing;
        stored.version += 1;
        stored.resource = stamped(write.resource, existing.id, stored.version, now);
        stored.timesSeen += 1;
        stored.lastReceivedAt = now;
        outcome.updated += 1;
        status = '200 OK';
      }
      return {
        response: {
          status,
          location: `${stored.type}/${stored.id}/_history/${stored.version}`,
          etag: `W/"${stored.version}"`,
          lastModified: stored.lastReceivedAt,
        },
      };
    });
    this.counts.bundles += 1;
    this.counts.created += outcome.created;
    this.counts.updated += outcome.updated;
    this.counts.unchanged += outcome.unchanged;
    const types = [...new Set(writes.map((write) => write.resourceType))].join(', ') || 'no entries';
    const parts = [`${outcome.created} created`, `${outcome.updated} updated`];
    if (outcome.unchanged > 0) parts.push(`${outcome.unchanged} already present`);
    return {
      response: { resourceType: 'Bundle', id: randomUUID(), type: 'transaction-response', entry },
      summary: `bundle #${this.counts.bundles}: ${writes.length} ${writes.length === 1 ? 'entry' : 'entries'}, ${parts.join(', ')} (${types})`,
    };
  }

  countRejected(): void {
    this.counts.rejected += 1;
  }

  countRequest(): void {
    this.counts.requests += 1;
  }

  countFailed(): void {
    this.counts.failed += 1;
  }

  countToken(): void {
    this.counts.tokensIssued += 1;
  }

  search(type: string, identifier: string | null): ReceivedEntry[] {
    const wanted = identifier === null ? undefined : (parseIdentifierToken(identifier) ?? { value: identifier });
    return [...this.resources.values()].filter(
      (stored) =>
        stored.type === type &&
        (wanted === undefined ||
          identifiersOf(stored.resource).some(
            (own) => own.value === wanted.value && (!('system' in wanted) || own.system === wanted.system),
          )),
    );
  }

  byId(type: string, id: string): ReceivedEntry | undefined {
    return [...this.resources.values()].find((stored) => stored.type === type && stored.id === id);
  }

  entries(): ReceivedEntry[] {
    return structuredClone([...this.resources.values()]);
  }

  stats(): EpjReceiverStats {
    const byType: Record<string, number> = {};
    for (const stored of this.resources.values()) byType[stored.type] = (byType[stored.type] ?? 0) + 1;
    return { ...this.counts, byType };
  }

  reset(): void {
    this.resources = new Map();
    this.counts = { bundles: 0, created: 0, updated: 0, unchanged: 0, rejected: 0, requests: 0, failed: 0, tokensIssued: 0 };
  }
}

async function handle(
  request: IncomingMessage,
  response: ServerResponse,
  journal: EpjJournal,
  context: EpjContextRecords,
  tokens: TokenIssuer | null,
  log: (line: string) => void,
): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://epj.invalid');
  const path = url.pathname.replace(/\/+$/, '') || '/';
  const refuse = (error: FhirInputError, closeAfter = false) => {
    journal.countRejected();
    log(`${osloClock()}  EPJ refused ${request.method} ${url.pathname} (${error.status}): ${error.message}`);
    if (closeAfter) response.setHeader('connection', 'close');
    send(response, error.status, operationOutcome(error));
  };

  if (path === '/mode') return handleMode(request, response, journal, log);
  if (path === '/oauth/token' && tokens) return handleTokenRequest(request, response, tokens, journal, log);
  if (isContextRequest(path)) {
    return handleContextRequest(request, response, url, path, context, { admission: () => admission(request, response, tokens), mode: journal.mode, refuse, send, readBody });
  }

  if (path === '/fhir') {
    if (request.method !== 'POST') {
      return refuse(new FhirInputError(`${request.method} ${path} is not supported; POST a transaction Bundle`, 'not-supported', 405));
    }
    journal.countRequest();
    const refusal = admission(request, response, tokens);
    if (refusal) {
      request.resume();
      return refuse(refusal);
    }
    const mode = journal.mode;
    const slowly = () => new Promise((resolve) => setTimeout(resolve, mode.slowMs ?? 0));
    if (mode.fail || mode.reject || mode.down) await slowly();
    if (mode.down) {
      journal.countFailed();
      log(`${osloClock()}  EPJ is down: dropped a transaction`);
      request.socket.destroy();
      return;
    }
    if (mode.fail) {
      journal.countFailed();
      request.resume();
      log(`${osloClock()}  EPJ failed a transaction on purpose (${mode.fail})`);
      return send(response, mode.fail, operationOutcome(new FhirInputError('the EPJ simulator is told to fail', 'transient', mode.fail)));
    }
    if (mode.reject) {
      request.resume();
      return refuse(new FhirInputError('the EPJ simulator is told to refuse every entry', 'business-rule', mode.reject));
    }
    const contentType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (contentType !== 'application/fhir+json' && contentType !== 'application/json') {
      request.resume();
      return refuse(
        new FhirInputError(
          `content-type must be application/fhir+json or application/json, got ${contentType === '' ? 'none' : `"${contentType}"`}`,
          'not-supported',
          415,
        ),
      );
    }
    const body = await readBody(request);
    if (body.tooLarge) {
      const error = new FhirInputError(
        `the bundle is larger than ${MAX_BUNDLE_BYTES} bytes (${body.bytes}${body.abandoned ? '+' : ''} bytes); send fewer entries per bundle`,
        'too-long',
        413,
      );
      refuse(error, body.abandoned);
      if (body.abandoned) response.once('finish', () => request.destroy());
      return;
    }
    let taken: ReturnType<EpjJournal['take']>;
    try {
      taken = journal.take(body.text);
    } catch (error) {
      if (error instanceof FhirInputError) return refuse(error);
      throw error;
    }
    const { response: answer, summary } = taken;
    log(`${osloClock()}  EPJ ${summary}`);
    // A slow EPJ has stored the entries before it answers: a sender gone meanwhile must not send them twice.
    if (mode.slowMs) await slowly();
    return send(response, 200, answer);
  }

  if (request.method !== 'GET') {
    request.resume();
    return refuse(new FhirInputError(`${request.method} ${path} is not supported`, 'not-supported', 405));
  }
  if (path === '/received') {
    response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    response.end(JSON.stringify({ stats: journal.stats(), entries: journal.entries() }, null, 2));
    return;
  }
  if (path === '/fhir/metadata') return send(response, 200, capabilityStatement());

  const read = /^\/fhir\/([A-Z][A-Za-z]+)(?:\/([A-Za-z0-9\-.]{1,64}))?$/.exec(path);
  if (read) {
    const [, type, id] = read as unknown as [string, string, string | undefined];
    if (id !== undefined) {
      const stored = journal.byId(type, id);
      if (!stored) return refuse(new FhirInputError(`${type}/${id} is not known`, 'not-found', 404));
      return send(response, 200, stored.resource);
    }
    const matches = journal.search(type, url.searchParams.get('identifier'));
    return send(response, 200, {
      resourceType: 'Bundle',
      id: randomUUID(),
      type: 'searchset',
      total: matches.length,
      entry: matches.map((stored) => ({
        fullUrl: `${stored.type}/${stored.id}`,
        resource: stored.resource,
        search: { mode: 'match' },
      })),
    });
  }
  return refuse(new FhirInputError(`nothing at ${path}; the FHIR base is /fhir and the inbox overview /received`, 'not-found', 404));
}

/** The one admission check of FHIR requests, transactions and reads alike: null admits, else why not (with the challenge set). */
function admission(request: IncomingMessage, response: ServerResponse, tokens: TokenIssuer | null): FhirInputError | null {
  const refusal = tokens?.admit({ method: request.method ?? 'GET', url: addressed(request), authorization: request.headers.authorization, dpop: request.headers.dpop });
  if (!refusal) return null;
  response.setHeader('www-authenticate', refusal.challenge);
  if (refusal.nonce) response.setHeader('dpop-nonce', refusal.nonce);
  return new FhirInputError(refusal.message, 'login', 401);
}

/** POST /oauth/token, grant_type=client_credentials: the client by secret or by signed assertion, as the issuer asks. */
async function handleTokenRequest(request: IncomingMessage, response: ServerResponse, tokens: TokenIssuer, journal: EpjJournal, log: (line: string) => void): Promise<void> {
  if (request.method !== 'POST') {
    request.resume();
    response.writeHead(405, { 'content-type': 'application/json; charset=utf-8' });
    response.end(JSON.stringify({ error: 'invalid_request', error_description: 'POST the token request' }));
    return;
  }
  const body = await readBody(request);
  const form = new URLSearchParams(body.tooLarge ? '' : body.text);
  const answer = tokens.tokenRequest({ method: 'POST', url: addressed(request), authorization: request.headers.authorization, dpop: request.headers.dpop }, form);
  if (answer.status === 200) journal.countToken();
  else log(`${osloClock()}  EPJ refused a token (${answer.status} ${String(answer.body.error)}): ${String(answer.body.error_description)}`);
  response.writeHead(answer.status, answer.headers);
  response.end(JSON.stringify(answer.body));
}

/** The URL the client addressed, as a DPoP proof's htu and a client assertion's aud name it. */
function addressed(request: IncomingMessage): string {
  return new URL(request.url ?? '/', `http://${request.headers.host ?? 'epj.invalid'}`).href;
}

/** GET /mode shows how the simulator behaves; POST /mode with an EpjMode ({} is healthy) changes it. */
async function handleMode(request: IncomingMessage, response: ServerResponse, journal: EpjJournal, log: (line: string) => void): Promise<void> {
  const answer = (status: number, body: unknown) => {
    response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    response.end(JSON.stringify(body));
  };
  if (request.method === 'GET') return answer(200, { mode: journal.mode, described: describeMode(journal.mode) });
  if (request.method !== 'POST') {
    request.resume();
    return answer(405, { error: `${request.method} /mode is not supported; GET or POST it` });
  }
  const body = await readBody(request);
  if (body.tooLarge) return answer(413, { error: 'the mode is too large' });
  try {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.text || '{}');
    } catch {
      throw new FhirInputError('the mode must be JSON', 'invalid', 400);
    }
    journal.mode = parseEpjMode(parsed);
  } catch (error) {
    if (error instanceof FhirInputError) return answer(400, { error: error.message });
    throw error;
  }
  log(`${osloClock()}  EPJ is now ${describeMode(journal.mode)}`);
  return answer(200, { mode: journal.mode, described: describeMode(journal.mode) });
}

/** The resource as this EPJ keeps it: its own id and version, whatever the sender put there. */
function stamped(resource: Record<string, unknown>, id: string, version: number, at: string): Record<string, unknown> {
  const meta = typeof resource.meta === 'object' && resource.meta !== null ? resource.meta : {};
  return { ...structuredClone(resource), id, meta: { ...structuredClone(meta), versionId: String(version), lastUpdated: at } };
}

type Body = { tooLarge: false; text: string } | { tooLarge: true; bytes: number; abandoned: boolean };

/**
 * Reads the body up to MAX_BUNDLE_BYTES. An oversized body is drained rather than cut off, so the
 * sender reads our 413 instead of a reset connection; past DRAIN_LIMIT_BYTES we give up on it.
 */
function readBody(request: IncomingMessage): Promise<Body> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > DRAIN_LIMIT_BYTES) {
    request.pause();
    return Promise.resolve({ tooLarge: true, bytes: declared, abandoned: true });
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    const onData = (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes <= MAX_BUNDLE_BYTES) chunks.push(chunk);
      else chunks.length = 0;
      if (bytes > DRAIN_LIMIT_BYTES) {
        request.off('data', onData);
        request.off('end', onEnd);
        request.pause();
        resolve({ tooLarge: true, bytes, abandoned: true });
      }
    };
    const onEnd = () =>
      resolve(bytes > MAX_BUNDLE_BYTES ? { tooLarge: true, bytes, abandoned: false } : { tooLarge: false, text: Buffer.concat(chunks).toString('utf8') });
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', reject);
  });
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': FHIR_JSON });
  response.end(JSON.stringify(body));
}

function capabilityStatement(): Record<string, unknown> {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: new Date().toISOString(),
    kind: 'instance',
    software: { name: 'Knutepunkt EPJ simulator' },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json'],
    rest: [{ mode: 'server', interaction: [{ code: 'transaction' }] }],
  };
}
