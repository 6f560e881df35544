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
  /** Resources stored, by resource type. */
  byType: Record<string, number>;
}

export interface EpjReceiver {
  /** The FHIR base to give the hub as EPJ_FHIR_URL, e.g. http://127.0.0.1:4100/fhir */
  url: string;
  close(): Promise<void>;
  received(): ReceivedEntry[];
  stats(): EpjReceiverStats;
  /** Forgets everything received, so one test or training session does not see the last one's. */
  reset(): void;
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

  const server = createServer((request, response) => {
    handle(request, response, journal, log).catch((error: unknown) => {
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
    reset: () => journal.reset(),
  };
}

/** The EPJ's memory: resources by (type, identifier), and counts of what happened. */
class EpjJournal {
  private resources = new Map<string, ReceivedEntry>();
  private counts = { bundles: 0, created: 0, updated: 0, unchanged: 0, rejected: 0 };

  /** Applies a whole transaction (already validated, so it cannot half-succeed) and answers it. */
  apply(writes: ConditionalWrite[]): { response: Record<string, unknown>; summary: string } {
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
    this.counts = { bundles: 0, created: 0, updated: 0, unchanged: 0, rejected: 0 };
  }
}

async function handle(
  request: IncomingMessage,
  response: ServerResponse,
  journal: EpjJournal,
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

  if (path === '/fhir') {
    if (request.method !== 'POST') {
      return refuse(new FhirInputError(`${request.method} ${path} is not supported; POST a transaction Bundle`, 'not-supported', 405));
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
    let writes: ConditionalWrite[];
    try {
      writes = parseTransaction(body.text);
    } catch (error) {
      if (error instanceof FhirInputError) return refuse(error);
      throw error;
    }
    const { response: answer, summary } = journal.apply(writes);
    log(`${osloClock()}  EPJ ${summary}`);
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
