import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, SETTINGS, loadConfig } from '../../src/config/config.js';

/** The message loadConfig stops the hub with, or a failure when it does not stop it. */
function problemWith(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  describe('defaults', () => {
    it('starts with nothing set, taking every declared default', () => {
      const config = loadConfig({});
      for (const [name, setting] of Object.entries(SETTINGS)) {
        if (name === 'SESSION_SECRET') continue;
        expect(config[name as keyof typeof config], name).toEqual(setting.default());
      }
    });

    it('gives the defaults DESIGN.md and the deployment rely on', () => {
      const config = loadConfig({});
      // Unset DATABASE_URL starts an embedded PostgreSQL; unset EPJ_FHIR_URL keeps entries pending.
      expect(config.DATABASE_URL).toBeUndefined();
      expect(config.EPJ_FHIR_URL).toBeUndefined();
      // Rule 3: Redis at 127.0.0.1:6379 unless told otherwise.
      expect(config.REDIS_URL).toBe('redis://127.0.0.1:6379');
      // A demo fleet (with its credentials file) is never seeded by accident.
      expect(config.DEMO_FLEET).toBe(false);
      // Listening on loopback only until an operator chooses otherwise.
      expect(config.HUB_HOST).toBe('127.0.0.1');
      expect(config.MQTT_HOST).toBe('127.0.0.1');
      // Three servers, three ports; 1883 is left to any MQTT broker already on the machine.
      expect(new Set([config.HUB_PORT, config.MQTT_PORT, config.EMBEDDED_DB_PORT]).size).toBe(3);
      expect(config.MQTT_PORT).not.toBe(1883);
      // The default payload limit is a valid setting of MAX_EVENT_BYTES itself.
      expect(loadConfig({ MAX_EVENT_BYTES: String(config.MAX_EVENT_BYTES) }).MAX_EVENT_BYTES).toBe(config.MAX_EVENT_BYTES);
    });

    it('treats an empty variable as unset', () => {
      const config = loadConfig({ HUB_PORT: '', DATABASE_URL: '', DEMO_FLEET: '', SESSION_SECRET: '' });
      expect(config.HUB_PORT).toBe(loadConfig({}).HUB_PORT);
      expect(config.DATABASE_URL).toBeUndefined();
      expect(config.DEMO_FLEET).toBe(false);
      expect(config.SESSION_SECRET).toBeTruthy();
    });

    it('ignores variables it does not declare', () => {
      expect(() => loadConfig({ PATH: '/usr/bin', HUB_PORTT: 'oops' })).not.toThrow();
    });
  });

  describe('valid values', () => {
    it('reads ports as numbers', () => {
      const config = loadConfig({ HUB_PORT: '8080', MQTT_PORT: '8883', EMBEDDED_DB_PORT: '0' });
      expect(config.HUB_PORT).toBe(8080);
      expect(config.MQTT_PORT).toBe(8883);
      // 0 asks the operating system for a free port (tests use it).
      expect(config.EMBEDDED_DB_PORT).toBe(0);
    });

    it.each([
      ['true', true],
      ['TRUE', true],
      ['1', true],
      ['yes', true],
      ['on', true],
      ['false', false],
      ['False', false],
      ['0', false],
      ['no', false],
      ['off', false],
    ])('reads DEMO_FLEET=%s as %s', (raw, expected) => {
      expect(loadConfig({ DEMO_FLEET: raw }).DEMO_FLEET).toBe(expected);
    });

    it.each([
      ['DATABASE_URL', 'postgres://knutepunkt:secret@db.internal:5432/knutepunkt'],
      ['DATABASE_URL', 'postgresql://localhost/knutepunkt'],
      ['REDIS_URL', 'redis://127.0.0.1:6380'],
      ['REDIS_URL', 'rediss://cache.internal:6380'],
      ['EPJ_FHIR_URL', 'https://epj.kommune.no/fhir'],
      ['EPJ_FHIR_URL', 'http://127.0.0.1:8090/fhir'],
    ])('accepts %s=%s as given', (name, value) => {
      expect(loadConfig({ [name]: value })[name as 'DATABASE_URL' | 'REDIS_URL' | 'EPJ_FHIR_URL']).toBe(value);
    });

    it('accepts MAX_EVENT_BYTES at both ends of its range (256 B to 1 MiB)', () => {
      expect(loadConfig({ MAX_EVENT_BYTES: '256' }).MAX_EVENT_BYTES).toBe(256);
      expect(loadConfig({ MAX_EVENT_BYTES: '1048576' }).MAX_EVENT_BYTES).toBe(1_048_576);
    });
  });

  describe('invalid values', () => {
    it.each([
      ['HUB_PORT', 'http'],
      ['HUB_PORT', '65536'],
      ['HUB_PORT', '-1'],
      ['HUB_PORT', '80.5'],
      ['MQTT_PORT', '99999'],
      ['EMBEDDED_DB_PORT', 'fem'],
      ['DATABASE_URL', 'mysql://user:hunter2@x'],
      ['DATABASE_URL', 'localhost:5432/knutepunkt'],
      ['REDIS_URL', 'http://127.0.0.1:6379'],
      ['REDIS_URL', '127.0.0.1:6379'],
      ['EPJ_FHIR_URL', 'ftp://epj.kommune.no/fhir'],
      ['EPJ_FHIR_URL', 'epj.kommune.no/fhir'],
      ['DEMO_FLEET', 'maybe'],
      ['DEMO_FLEET', 'ja'],
      ['MAX_EVENT_BYTES', '255'],
      ['MAX_EVENT_BYTES', '1048577'],
      ['MAX_EVENT_BYTES', '0'],
      ['MAX_EVENT_BYTES', '16k'],
      ['MAX_EVENT_BYTES', '1024.5'],
      ['INGEST_BATCH_SIZE', '0'],
    ])('stops on %s=%s, naming the variable', (name, value) => {
      expect(problemWith({ [name]: value })).toContain(name);
    });

    it('reports several problems together, each naming its variable, and only those', () => {
      const message = problemWith({ HUB_PORT: 'x', DEMO_FLEET: 'maybe', MAX_EVENT_BYTES: '1', MQTT_PORT: '1885' });
      for (const name of ['HUB_PORT', 'DEMO_FLEET', 'MAX_EVENT_BYTES']) expect(message).toContain(name);
      expect(message).not.toContain('MQTT_PORT');
    });

    it('says what a valid value looks like', () => {
      expect(problemWith({ MAX_EVENT_BYTES: '1' })).toMatch(/256/);
      expect(problemWith({ REDIS_URL: 'http://127.0.0.1:6379' })).toMatch(/redis/);
    });
  });

  describe('secrets', () => {
    it.each([
      ['DATABASE_URL', 'mysql://user:hunter2@x', ['hunter2', 'mysql://']],
      ['DATABASE_URL', 'not a url, password hunter2', ['hunter2']],
      ['REDIS_URL', 'http://:s3cr3t-redis@cache:6379', ['s3cr3t-redis']],
    ])('never prints the value of %s', (name, value, leaks) => {
      const message = problemWith({ [name]: value });
      expect(message).toContain(name);
      for (const leak of leaks) expect(message).not.toContain(leak);
    });

    it('does print the value of a variable that is not secret, so the operator sees the mistake', () => {
      expect(problemWith({ DEMO_FLEET: 'kanskje' })).toContain('"kanskje"');
      expect(problemWith({ HUB_PORT: 'http' })).toContain('"http"');
    });

    it('keeps credentials in an EPJ URL out of the message', () => {
      const message = problemWith({ EPJ_FHIR_URL: 'ftp://journal:hunter2@epj.kommune.no/fhir' });
      expect(message).toContain('EPJ_FHIR_URL');
      expect(message).not.toContain('hunter2');
    });

    it('keeps a secret out of the message even when reported beside a non-secret', () => {
      const message = problemWith({ DATABASE_URL: 'mysql://user:hunter2@x', DEMO_FLEET: 'kanskje' });
      expect(message).toContain('kanskje');
      expect(message).not.toContain('hunter2');
    });
  });

  describe('SESSION_SECRET', () => {
    it('gets a long random default that differs between starts', () => {
      const first = loadConfig({}).SESSION_SECRET;
      const second = loadConfig({}).SESSION_SECRET;
      expect(typeof first).toBe('string');
      expect(first).not.toBe(second);
      // At least 128 bits whichever way it is written.
      expect(first!.length).toBeGreaterThanOrEqual(32);
    });

    it('keeps a given secret', () => {
      expect(loadConfig({ SESSION_SECRET: 'a-shared-secret-for-several-hub-replicas' }).SESSION_SECRET).toBe(
        'a-shared-secret-for-several-hub-replicas',
      );
    });
  });

  it('does not read a blank HUB_PORT as port 0', () => {
    let port: number;
    try {
      port = loadConfig({ HUB_PORT: ' ' }).HUB_PORT;
    } catch (error) {
      expect((error as Error).message).toContain('HUB_PORT');
      return;
    }
    expect(port).not.toBe(0);
  });
});

describe('EPJ client authentication', () => {
  const folder = mkdtempSync(join(tmpdir(), 'epj-config-'));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));
  const keyPath = join(folder, 'hub.pem');
  writeFileSync(keyPath, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }));
  const helseId = { EPJ_TOKEN_URL: 'http://127.0.0.1:1/oauth/token', EPJ_CLIENT_ID: 'hub', EPJ_CLIENT_AUTH: 'private_key_jwt', EPJ_PRIVATE_KEY_PATH: keyPath };

  it('defaults to a client secret without DPoP', () => {
    expect(loadConfig({})).toMatchObject({ EPJ_CLIENT_AUTH: 'client_secret_basic', EPJ_DPOP: false });
  });

  it('takes private_key_jwt with a readable key and no client secret, and DPoP on top', () => {
    expect(loadConfig({ ...helseId, EPJ_DPOP: 'true', EPJ_KEY_ID: 'k1' })).toMatchObject({ EPJ_CLIENT_AUTH: 'private_key_jwt', EPJ_PRIVATE_KEY_PATH: keyPath, EPJ_KEY_ID: 'k1', EPJ_DPOP: true });
  });

  it('names each variable private_key_jwt still needs', () => {
    const message = problemWith({ EPJ_CLIENT_AUTH: 'private_key_jwt' });
    expect(message).toContain('EPJ_CLIENT_AUTH=private_key_jwt needs EPJ_TOKEN_URL');
    expect(message).toContain('EPJ_CLIENT_AUTH=private_key_jwt needs EPJ_CLIENT_ID');
    expect(message).toContain('EPJ_CLIENT_AUTH=private_key_jwt needs EPJ_PRIVATE_KEY_PATH');
    expect(message).not.toContain('EPJ_CLIENT_SECRET');
  });

  it('refuses a key file it cannot read or that holds no usable key, naming EPJ_PRIVATE_KEY_PATH', () => {
    expect(problemWith({ ...helseId, EPJ_PRIVATE_KEY_PATH: join(folder, 'missing.pem') })).toMatch(/EPJ_PRIVATE_KEY_PATH cannot be read \(ENOENT\)/);
    const notAKey = join(folder, 'not-a-key.pem');
    writeFileSync(notAKey, 'hemmelig-ikke-en-nøkkel');
    const message = problemWith({ ...helseId, EPJ_PRIVATE_KEY_PATH: notAKey });
    expect(message).toContain('EPJ_PRIVATE_KEY_PATH must hold a private key as a JWK (JSON) or PEM');
    expect(message).not.toContain('hemmelig');
  });

  it('refuses an unknown way of authenticating and DPoP without a token endpoint', () => {
    expect(problemWith({ EPJ_CLIENT_AUTH: 'client_secret_post' })).toContain('EPJ_CLIENT_AUTH must be one of client_secret_basic, private_key_jwt');
    expect(problemWith({ EPJ_DPOP: 'true' })).toContain('EPJ_DPOP needs EPJ_TOKEN_URL');
  });
});

describe('EPJ_ROUTES_FILE', () => {
  const folder = mkdtempSync(join(tmpdir(), 'epj-routes-'));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));
  const municipality = '999333444';
  const routes = (content: unknown): Record<string, string> => {
    const file = join(folder, `routes-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    return { EPJ_ROUTES_FILE: file };
  };

  it("reads each municipality's EPJ with the settings the environment would give it", () => {
    const config = loadConfig(routes({ [municipality]: { EPJ_FHIR_URL: 'http://epj.example/fhir', EPJ_DPOP: true, EPJ_TOKEN_URL: 'http://epj.example/token', EPJ_CLIENT_ID: 'hub', EPJ_CLIENT_SECRET: 's' } }));
    expect(config.EPJ_ROUTES_FILE[municipality]).toMatchObject({ EPJ_FHIR_URL: 'http://epj.example/fhir', EPJ_DPOP: true, EPJ_CLIENT_AUTH: 'client_secret_basic', EPJ_CLIENT_ID: 'hub' });
    expect(loadConfig({}).EPJ_ROUTES_FILE).toEqual({});
  });

  it('is checked at start, each problem naming the municipality and the setting', () => {
    expect(problemWith(routes('{not json'))).toMatch(/EPJ_ROUTES_FILE must be a readable JSON file/);
    expect(problemWith(routes({ '12345': { EPJ_FHIR_URL: 'http://epj.example/fhir' } }))).toMatch(/"12345" is not an organisation number/);
    expect(problemWith(routes({ [municipality]: { EPJ_TOKEN_URL: 'http://epj.example/token' } }))).toMatch(
      new RegExp(`${municipality}: EPJ_FHIR_URL is required; ${municipality}: EPJ_TOKEN_URL needs EPJ_CLIENT_ID and EPJ_CLIENT_SECRET`),
    );
    expect(problemWith(routes({ [municipality]: { EPJ_FHIR_URL: 'ftp://epj.example', HUB_PORT: '1' } }))).toMatch(
      new RegExp(`${municipality}: HUB_PORT is not an EPJ endpoint setting .*${municipality}: EPJ_FHIR_URL must be a http or https URL`),
    );
    expect(problemWith(routes({ [municipality]: { EPJ_FHIR_URL: 'http://epj.example/fhir', EPJ_DPOP: true, EPJ_CLIENT_AUTH: 'private_key_jwt' } }))).toMatch(
      new RegExp(`${municipality}: EPJ_CLIENT_AUTH=private_key_jwt needs EPJ_TOKEN_URL.*${municipality}: EPJ_DPOP needs EPJ_TOKEN_URL`),
    );
  });
});
