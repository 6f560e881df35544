import { newSecret } from '../auth/secret-hash.js';
import { readSigningKey } from '../journal/epj-client-proofs.js';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Every setting the hub reads from the environment, declared once with its default and
 * description. Read and validated at start; a bad value stops the hub naming the variable.
 */
interface Setting<T> {
  description: string;
  secret?: boolean;
  /** Used when the variable is unset or empty. Undefined means optional-without-value. */
  default: () => T;
  parse: (raw: string) => T;
}

class InvalidSetting extends Error {}

const text = (description: string, fallback: string | undefined, secret = false): Setting<string | undefined> => ({
  description,
  secret,
  default: () => fallback,
  parse: (raw) => raw,
});

const port = (description: string, fallback: number): Setting<number> => ({
  description,
  default: () => fallback,
  parse: (raw) => {
    const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!(value >= 0 && value <= 65535)) throw new InvalidSetting('must be a port number 0–65535');
    return value;
  },
});

const count = (description: string, fallback: number, min: number, max: number): Setting<number> => ({
  description,
  default: () => fallback,
  parse: (raw) => {
    const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!(value >= min && value <= max)) throw new InvalidSetting(`must be a whole number from ${min} to ${max}`);
    return value;
  },
});

const flag = (description: string, fallback: boolean): Setting<boolean> => ({
  description,
  default: () => fallback,
  parse: (raw) => {
    if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
    if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
    throw new InvalidSetting('must be true or false');
  },
});

const choice = <T extends string>(description: string, choices: readonly T[], fallback: T): Setting<T> => ({
  description,
  default: () => fallback,
  parse: (raw) => {
    if (!(choices as readonly string[]).includes(raw)) throw new InvalidSetting(`must be one of ${choices.join(', ')}`);
    return raw as T;
  },
});

/** A readable private key, checked at start so a wrong path stops the hub rather than every push. */
const privateKeyFile = (description: string): Setting<string | undefined> => ({
  description,
  default: () => undefined,
  parse: (raw) => {
    try {
      readSigningKey(raw);
    } catch (error) {
      throw new InvalidSetting((error as Error).message);
    }
    return raw;
  },
});

const url = (description: string, protocols: string[], fallback: string | undefined, secret = false): Setting<string | undefined> => ({
  description,
  secret,
  default: () => fallback,
  parse: (raw) => {
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      throw new InvalidSetting(`must be a URL (${protocols.join(', ')})`);
    }
    if (!protocols.includes(parsed.protocol.replace(':', ''))) throw new InvalidSetting(`must be a ${protocols.join(' or ')} URL`);
    return raw;
  },
});

/** The settings that say how to reach one EPJ: the default one's from the environment, other EPJs' from EPJ_ROUTES_FILE. */
const EPJ_ENDPOINT_SETTINGS = ['EPJ_FHIR_URL', 'EPJ_TOKEN_URL', 'EPJ_CLIENT_ID', 'EPJ_CLIENT_AUTH', 'EPJ_CLIENT_SECRET', 'EPJ_PRIVATE_KEY_PATH', 'EPJ_KEY_ID', 'EPJ_DPOP', 'EPJ_SCOPE'] as const;

export interface EpjEndpointSettings {
  EPJ_FHIR_URL: string | undefined;
  EPJ_TOKEN_URL: string | undefined;
  EPJ_CLIENT_ID: string | undefined;
  EPJ_CLIENT_AUTH: 'client_secret_basic' | 'private_key_jwt';
  EPJ_CLIENT_SECRET: string | undefined;
  EPJ_PRIVATE_KEY_PATH: string | undefined;
  EPJ_KEY_ID: string | undefined;
  EPJ_DPOP: boolean;
  EPJ_SCOPE: string | undefined;
}

/**
 * Municipalities whose entries go to an EPJ of their own (an inter-municipal centre serves
 * several): a JSON file from organisation number to that EPJ's endpoint settings, each read and
 * checked as the environment's are.
 */
const epjRoutes = (description: string): Setting<Record<string, EpjEndpointSettings>> => ({
  description,
  default: () => ({}),
  parse: (path) => {
    let file: unknown;
    try {
      file = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new InvalidSetting(`must be a readable JSON file: ${(error as Error).message}`);
    }
    if (typeof file !== 'object' || file === null || Array.isArray(file)) throw new InvalidSetting('must hold a JSON object from organisation number to EPJ settings');
    const problems: string[] = [];
    const routes: Record<string, EpjEndpointSettings> = {};
    for (const [organisationNumber, entry] of Object.entries(file as Record<string, unknown>)) {
      const where = `${organisationNumber}: `;
      if (!/^\d{9}$/.test(organisationNumber)) {
        problems.push(`"${organisationNumber}" is not an organisation number (9 digits)`);
        continue;
      }
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
        problems.push(`${where}must be an object of EPJ settings`);
        continue;
      }
      const env: Record<string, string> = {};
      for (const [name, value] of Object.entries(entry as Record<string, unknown>)) {
        if (!(EPJ_ENDPOINT_SETTINGS as readonly string[]).includes(name)) problems.push(`${where}${name} is not an EPJ endpoint setting (${EPJ_ENDPOINT_SETTINGS.join(', ')})`);
        else if (typeof value !== 'string' && typeof value !== 'boolean') problems.push(`${where}${name} must be a string`);
        else env[name] = String(value);
      }
      const settings = readSettings(EPJ_ENDPOINT_SETTINGS, env, problems, where) as unknown as EpjEndpointSettings;
      if (!settings.EPJ_FHIR_URL) problems.push(`${where}EPJ_FHIR_URL is required`);
      problems.push(...endpointProblems(env, settings, where));
      routes[organisationNumber] = settings;
    }
    if (problems.length > 0) throw new InvalidSetting(problems.join('; '));
    return routes;
  },
});

const consoleBuild = fileURLToPath(new URL('../../../console/build', import.meta.url));

export const SETTINGS = {
  HUB_HOST: text('Address the HTTP server (console, API, socket.io) listens on', '127.0.0.1'),
  HUB_PORT: port('Port of the HTTP server', 3000),
  MQTT_HOST: text('Address the embedded MQTT broker listens on', '127.0.0.1'),
  MQTT_PORT: port('Port of the embedded MQTT broker (1883 is left to any system broker)', 1884),
  DATABASE_URL: url('PostgreSQL connection; unset starts an embedded PostgreSQL', ['postgres', 'postgresql'], undefined, true),
  EMBEDDED_DB_DIR: text('Data directory of the embedded PostgreSQL', '.knutepunkt/postgres'),
  EMBEDDED_DB_PORT: port('Port of the embedded PostgreSQL', 5433),
  REDIS_URL: url('Redis for queues and the socket.io adapter', ['redis', 'rediss'], 'redis://127.0.0.1:6379', true),
  QUEUE_PREFIX: text('Prefix of BullMQ keys in Redis, so several hubs can share one Redis', 'knutepunkt'),
  SESSION_SECRET: text('Key that signs operator sessions; unset gives a random key per start', undefined, true),
  EPJ_FHIR_URL: url('FHIR endpoint of the EPJ that receives journal entries (push); unset keeps entries pending', ['http', 'https'], undefined, true),
  EPJ_TOKEN_URL: url('OAuth2 token endpoint for the EPJ push (client credentials); unset uses basic authentication from EPJ_FHIR_URL, if any', ['http', 'https'], undefined),
  EPJ_CLIENT_ID: text('OAuth2 client id of the hub at the EPJ (with EPJ_TOKEN_URL)', undefined),
  EPJ_CLIENT_AUTH: choice(
    'How the hub authenticates at EPJ_TOKEN_URL: client_secret_basic (EPJ_CLIENT_SECRET) or private_key_jwt (a client assertion signed with EPJ_PRIVATE_KEY_PATH, as HelseID wants)',
    ['client_secret_basic', 'private_key_jwt'] as const,
    'client_secret_basic',
  ),
  EPJ_CLIENT_SECRET: text('OAuth2 client secret of the hub at the EPJ (with EPJ_TOKEN_URL and client_secret_basic)', undefined, true),
  EPJ_PRIVATE_KEY_PATH: privateKeyFile('File with the private key that signs client assertions (private_key_jwt): a JWK (JSON) or PEM, RSA or EC P-256'),
  EPJ_KEY_ID: text("Key id (kid) of EPJ_PRIVATE_KEY_PATH as the authorisation server knows it; unset takes the JWK's kid, else its RFC 7638 thumbprint", undefined),
  EPJ_DPOP: flag('Bind EPJ access tokens to a key the hub makes at start (DPoP, RFC 9449), as HelseID-protected EPJs may demand', false),
  EPJ_SCOPE: text('OAuth2 scope asked for with the EPJ token, if the EPJ wants one', undefined),
  EPJ_RATE_PER_SECOND: count('Most journal entries pushed to the EPJ per second', 200, 1, 100_000),
  EPJ_CONCURRENCY: count('Transactions pushed to the EPJ at the same time', 16, 1, 256),
  EPJ_BATCH_SIZE: count('Most journal entries pushed to the EPJ in one transaction (1: each entry alone)', 20, 1, 200),
  EPJ_MAX_ATTEMPTS: count('Attempts at one journal entry before it is set aside among the failed deliveries', 12, 1, 100),
  EPJ_RETRY_BASE_MS: count('First wait before a failed push is tried again; it doubles (with jitter) up to EPJ_RETRY_CAP_MS', 1000, 10, 600_000),
  EPJ_RETRY_CAP_MS: count('Longest wait between attempts at one journal entry', 300_000, 10, 3_600_000),
  EPJ_CIRCUIT_FAILURES: count('Failed pushes in a row after which the hub stops calling the EPJ for a cool-down', 5, 1, 1000),
  EPJ_CIRCUIT_COOLDOWN_MS: count('How long the hub leaves an EPJ alone after EPJ_CIRCUIT_FAILURES failures in a row', 30_000, 100, 3_600_000),
  EPJ_ROUTES_FILE: epjRoutes(
    'A JSON file giving municipalities EPJs of their own: {"<organisation number>": {"EPJ_FHIR_URL": "…", …}} with any of the EPJ_* settings that say how to reach an EPJ; the others use EPJ_FHIR_URL',
  ),
  EPJ_CONTEXT_MAX_AGE_SECONDS: count("How long the hub's copy of a resident's context from the EPJ (services, visit plan) is shown without reading the EPJ again", 900, 0, 86_400),
  DEMO_FLEET: flag('Seed a demo municipality, operators and a simulated fleet, and write the fleet manifest', false),
  FLEET_MANIFEST_PATH: text('Where the demo fleet manifest (device credentials) is written', '.knutepunkt/demo-fleet.json'),
  MAX_EVENT_BYTES: count('Largest device payload accepted; larger ones are quarantined', 16_384, 256, 1_048_576),
  INGEST_BATCH_SIZE: count('Most events written in one group commit', 500, 1, 10_000),
  INGEST_BATCH_WAIT_MS: count('How long the first event of a group commit waits for company', 2, 0, 1000),
  CLOCK_SWEEP_SECONDS: count('How often escalation, hold and on-site clocks are queued again from the database, so a Redis that lost its data heals without a restart', 60, 1, 3600),
  SUPERVISION_SWEEP_SECONDS: count('How often devices past their heartbeat deadline are looked for', 30, 1, 3600),
  CONSOLE_DIR: text('Built console served at /', consoleBuild),
} satisfies Record<string, Setting<unknown>>;

type Settings = typeof SETTINGS;
export type HubConfig = { [K in keyof Settings]: ReturnType<Settings[K]['default']> };

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): HubConfig {
  const problems: string[] = [];
  const config = readSettings(Object.keys(SETTINGS) as Array<keyof Settings>, env, problems, '') as HubConfig;
  problems.push(...endpointProblems(env, config, ''));
  if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  config.SESSION_SECRET ??= newSecret(32);
  return config;
}

/** Reads the named settings from `env`, each problem named (after `where`) and added to `problems`. */
function readSettings(names: ReadonlyArray<keyof Settings>, env: Record<string, string | undefined>, problems: string[], where: string): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const name of names) {
    const setting = SETTINGS[name] as Setting<unknown>;
    const raw = env[name];
    if (raw === undefined || raw === '') {
      values[name] = setting.default();
      continue;
    }
    try {
      values[name] = setting.parse(raw);
    } catch (error) {
      // A secret's value is never echoed back.
      const shown = setting.secret ? '' : ` (got "${raw.slice(0, 60)}")`;
      problems.push(`${where}${name} ${(error as Error).message}${shown}`);
    }
  }
  return values;
}

/** What one EPJ's settings lack together: the token endpoint's credentials, DPoP's token. */
function endpointProblems(env: Record<string, string | undefined>, settings: Pick<EpjEndpointSettings, 'EPJ_CLIENT_AUTH' | 'EPJ_DPOP'>, where: string): string[] {
  const problems: string[] = [];
  if (settings.EPJ_CLIENT_AUTH === 'private_key_jwt') {
    for (const needed of ['EPJ_TOKEN_URL', 'EPJ_CLIENT_ID', 'EPJ_PRIVATE_KEY_PATH']) {
      if (!env[needed]) problems.push(`${where}EPJ_CLIENT_AUTH=private_key_jwt needs ${needed}`);
    }
  } else if (env.EPJ_TOKEN_URL && !(env.EPJ_CLIENT_ID && env.EPJ_CLIENT_SECRET)) {
    problems.push(`${where}EPJ_TOKEN_URL needs EPJ_CLIENT_ID and EPJ_CLIENT_SECRET`);
  }
  if (settings.EPJ_DPOP === true && !env.EPJ_TOKEN_URL) problems.push(`${where}EPJ_DPOP needs EPJ_TOKEN_URL (DPoP binds the token it issues)`);
  return problems;
}

/** The configuration as a NestJS provider token. */
export const HUB_CONFIG = Symbol('HUB_CONFIG');
