import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEpjReceiver, type EpjReceiver } from '@knutepunkt/simulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlarmView, EpjContextView } from '../../src/realtime/contract.js';
import { api, closedAlarmFrom, deviceOf, eventually, loginAs, startTestHub, type TestHub } from './hub-harness.js';

/**
 * Pushing to an EPJ behind a HelseID-style authorisation server: the hub signs a client assertion
 * (private_key_jwt) instead of sending a secret, and its token is bound to its DPoP key.
 */

/** Each hub's operator session. */
const operatorTokens = new Map<TestHub, string>();

/** A fall from the resident's safety alarm, taken and closed: closing writes the journal entry. */
function closedAlarm(residentIndex: number, on: TestHub): Promise<AlarmView> {
  return closedAlarmFrom(on.hub, operatorTokens.get(on)!, deviceOf(on.manifest, 'safety-alarm', residentIndex));
}

async function outboxOf(alarmId: string, on: TestHub): Promise<{ status: string; attempts: number; last_error: string | null }> {
  const [row] = (await on.hub.dataSource.query('SELECT status, attempts, last_error FROM journal_outbox WHERE alarm_id = $1', [alarmId])) as Array<{
    status: string;
    attempts: number;
    last_error: string | null;
  }>;
  return row!;
}

let keys: string;
let helseIdEpj: EpjReceiver;
let tokenUrl: string;

beforeAll(async () => {
  keys = await mkdtemp(path.join(tmpdir(), 'knutepunkt-helseid-'));
  const registered = generateKeyPairSync('rsa', { modulusLength: 2048 });
  await writeFile(path.join(keys, 'hub.pem'), registered.privateKey.export({ format: 'pem', type: 'pkcs8' }));
  // A key the EPJ has never been told about, as a JWK file with its own kid.
  const unknown = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  await writeFile(path.join(keys, 'stranger.json'), JSON.stringify({ ...unknown.privateKey.export({ format: 'jwk' }), kid: 'stranger-1' }));
  // It asks for a DPoP nonce at the token endpoint (as HelseID does) and on FHIR requests too, so the hub must answer both.
  helseIdEpj = await startEpjReceiver({
    oauth: { clientId: 'knutepunkt', clientKey: registered.publicKey.export({ format: 'jwk' }), dpop: true, dpopNonceOnFhir: true },
  });
  tokenUrl = helseIdEpj.url.replace(/\/fhir$/, '/oauth/token');
});
afterAll(async () => {
  await helseIdEpj?.close();
  if (keys) await rm(keys, { recursive: true, force: true });
});

function helseIdEnv(keyFile: string): NodeJS.ProcessEnv {
  return {
    EPJ_FHIR_URL: helseIdEpj.url,
    EPJ_TOKEN_URL: tokenUrl,
    EPJ_CLIENT_ID: 'knutepunkt',
    EPJ_CLIENT_AUTH: 'private_key_jwt',
    EPJ_PRIVATE_KEY_PATH: path.join(keys, keyFile),
    EPJ_DPOP: 'true',
  };
}

describe('pushing with private_key_jwt and DPoP-bound tokens', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub(helseIdEnv('hub.pem'));
    operatorTokens.set(hub, (await loginAs(hub, 'operator')).token);
  });
  afterAll(() => hub?.stop());

  it('gets a token with a signed assertion, answers the nonce requests, and delivers the closed alarm', async () => {
    const alarm = await closedAlarm(0, hub);
    await eventually(async () => (await outboxOf(alarm.id, hub)).status === 'delivered', 10_000, 'delivered with a DPoP-bound token');
    expect(helseIdEpj.received().filter((entry) => entry.identifier.value.includes(alarm.id)).length).toBeGreaterThan(0);
    // One token; the one refusal is the FHIR endpoint's first ask for a nonce, which the hub answered at once.
    const afterFirst = helseIdEpj.stats();
    expect(afterFirst).toMatchObject({ tokensIssued: 1, rejected: 1 });
    expect((await outboxOf(alarm.id, hub)).attempts).toBe(1);

    // The next push reuses the token and the nonce: nothing refused.
    const next = await closedAlarm(1, hub);
    await eventually(async () => (await outboxOf(next.id, hub)).status === 'delivered', 10_000, 'second delivery');
    expect(helseIdEpj.stats()).toMatchObject({ tokensIssued: 1, rejected: 1 });
  });

  it("reads a resident's EPJ context with the same DPoP-bound token, a proof for each GET", async () => {
    const alarm = await closedAlarm(2, hub);
    await eventually(async () => (await outboxOf(alarm.id, hub)).status === 'delivered', 10_000, 'delivered');
    const readsBefore = helseIdEpj.stats();
    const searchesBefore = helseIdEpj.context.stats().reads;
    const context = await api<EpjContextView>(hub.hub, operatorTokens.get(hub)!, 'GET', `/api/residents/${alarm.resident.id}/epj-context?refresh=true`);
    expect(context.status).toBe(200);
    expect(context.body).toMatchObject({ stale: false, error: null });
    expect(helseIdEpj.context.stats().reads - searchesBefore).toBeGreaterThanOrEqual(1);
    expect(helseIdEpj.stats()).toMatchObject({ tokensIssued: readsBefore.tokensIssued, rejected: readsBefore.rejected });
  });
});

describe('a hub whose key the EPJ does not know', () => {
  let stranger: TestHub;
  beforeAll(async () => {
    stranger = await startTestHub(helseIdEnv('stranger.json'));
    operatorTokens.set(stranger, (await loginAs(stranger, 'operator')).token);
  });
  afterAll(() => stranger?.stop());

  it('keeps the entry pending with the token refusal as its last error, and sends the EPJ nothing', async () => {
    const tokensBefore = helseIdEpj.stats().tokensIssued;
    const alarm = await closedAlarm(0, stranger);
    const entry = await eventually(async () => {
      const row = await outboxOf(alarm.id, stranger);
      return row.attempts >= 1 && row.last_error !== null ? row : undefined;
    }, 10_000, 'a failed attempt');
    expect(entry.status).toBe('pending');
    expect(entry.last_error).toBe(
      "EPJ token endpoint answered 401 (invalid_client: the client assertion's signature does not verify against the key registered for knutepunkt)",
    );
    expect(helseIdEpj.stats().tokensIssued).toBe(tokensBefore);
    expect(helseIdEpj.received().some((resource) => resource.identifier.value.includes(alarm.id))).toBe(false);
  });
});
