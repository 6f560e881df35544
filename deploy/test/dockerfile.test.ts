import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { defaultPort, readRepoFile } from './deploy-files.js';

const dockerfile = DockerfileParser.parse(readRepoFile('Dockerfile'));
const froms = dockerfile.getFROMs();
/** The instructions of the image that runs: those after the last FROM. */
const runtime = dockerfile.getInstructions().filter((instruction) => instruction.getRange().start.line > froms.at(-1)!.getRange().start.line);

function runtimeKeyword(keyword: string): Instruction[] {
  return runtime.filter((instruction) => instruction.getKeyword() === keyword);
}

/** ENV of the runtime image, as the hub sees it. */
function runtimeEnv(): Record<string, string> {
  return Object.fromEntries(
    dockerfile
      .getENVs()
      .filter((env) => runtime.includes(env))
      .flatMap((env) => env.getProperties().map((property) => [property.getName(), property.getValue() ?? ''])),
  );
}

describe('Dockerfile', () => {
  it('builds in stages on Node 20', () => {
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const from of froms) expect(`${from.getImageName()}:${from.getImageTag()}`, from.getImage() ?? '').toMatch(/^node:20(\.|-|$)/);
  });

  it('installs from the lockfile, with the manifest of every workspace package, and builds', () => {
    const runs = dockerfile.getInstructions().filter((instruction) => instruction.getKeyword() === 'RUN').map((run) => run.getArgumentsContent() ?? '');
    const installs = runs.filter((run) => run.includes('pnpm install'));
    expect(installs.length).toBeGreaterThan(0);
    for (const install of installs) expect(install).toContain('--frozen-lockfile');
    expect(runs.some((run) => run.includes('pnpm build'))).toBe(true);
    // --frozen-lockfile refuses a workspace whose packages it cannot all see.
    const copied = dockerfile.getCOPYs().map((copy) => copy.getArgumentsContent() ?? '');
    const workspace = parse(readRepoFile('pnpm-workspace.yaml')) as { packages: string[] };
    for (const member of workspace.packages) expect(copied, member).toContain(`${member}/package.json ${member}/`);
    expect(readRepoFile('.dockerignore')).toContain('!deploy/package.json');
  });

  it('runs as a non-root user', () => {
    const user = runtimeKeyword('USER').at(-1)?.getArgumentsContent();
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
  });

  it('checks /health on the HTTP port', () => {
    const healthcheck = runtimeKeyword('HEALTHCHECK').at(-1)?.getArgumentsContent() ?? '';
    expect(healthcheck).toMatch(/CMD/);
    expect(healthcheck).toContain('/health');
    expect(healthcheck).toContain('HUB_PORT');
  });

  it('listens beyond loopback and exposes the HTTP and MQTT ports it sets', () => {
    const env = runtimeEnv();
    expect(env.HUB_HOST).toBe('0.0.0.0');
    expect(env.MQTT_HOST).toBe('0.0.0.0');
    expect(Number(env.HUB_PORT)).toBe(defaultPort('HUB_PORT'));
    expect(Number(env.MQTT_PORT)).toBe(defaultPort('MQTT_PORT'));
    const exposed = runtimeKeyword('EXPOSE').flatMap((expose) => expose.getArguments().map((argument) => Number(argument.getValue().split('/')[0])));
    expect(exposed.sort()).toEqual([Number(env.HUB_PORT), Number(env.MQTT_PORT)].sort());
  });

  it('starts the built hub', () => {
    expect(runtimeKeyword('CMD').at(-1)?.getArgumentsContent()).toBe('["node", "hub/dist/main.js"]');
    expect(readRepoFile('hub/package.json')).toContain('"start": "node dist/main.js"');
  });
});
