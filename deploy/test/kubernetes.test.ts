import { readdirSync } from 'node:fs';
import path from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Secret, Service } from 'kubernetes-models/v1';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { isSecretSetting, isSetting, readRepoFile, repoRoot, SETTINGS } from './deploy-files.js';

const MODELS = { Namespace, ConfigMap, Secret, Service, Deployment, PodDisruptionBudget };
type Kind = keyof typeof MODELS;
type Manifest = InstanceType<(typeof MODELS)[Kind]>;

const folder = 'deploy/kubernetes';
const files = readdirSync(path.join(repoRoot, folder)).filter((file) => file.endsWith('.yaml') && file !== 'kustomization.yaml');
const manifests = files.flatMap((file) =>
  parseAllDocuments(readRepoFile(`${folder}/${file}`)).map((document) => {
    if (document.errors.length > 0) throw new Error(`${file}: ${document.errors.map((error) => error.message).join('; ')}`);
    const data = document.toJS() as { kind: string };
    const Model = MODELS[data.kind as Kind];
    if (!Model) throw new Error(`${file}: no model for kind ${data.kind}`);
    return { file, manifest: new Model(data as never) as Manifest };
  }),
);

function only<K extends Kind>(kind: K): InstanceType<(typeof MODELS)[K]> {
  const found = manifests.filter(({ manifest }) => manifest.kind === kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, found ${found.length}`);
  return found[0]!.manifest as InstanceType<(typeof MODELS)[K]>;
}

const configMap = only('ConfigMap');
const secret = only('Secret');
const deployment = only('Deployment');
const podSpec = deployment.spec!.template.spec!;
const hub = podSpec.containers[0]!;
const services = manifests.map(({ manifest }) => manifest).filter((manifest): manifest is Service => manifest.kind === 'Service');

function containerPort(container: IContainer, port: number | string): number | undefined {
  return typeof port === 'number' ? port : container.ports?.find((each) => each.name === port)?.containerPort;
}

describe('deploy/kubernetes', () => {
  it.each(manifests.map(({ file, manifest }) => [`${file}: ${manifest.kind} ${manifest.metadata?.name}`, manifest] as const))('%s is a valid Kubernetes object', (_name, manifest) => {
    expect(() => manifest.validate()).not.toThrow();
  });

  it('puts everything in the knutepunkt namespace, and kustomization.yaml lists every file', () => {
    expect(only('Namespace').metadata?.name).toBe('knutepunkt');
    for (const { manifest } of manifests) if (manifest.kind !== 'Namespace') expect(manifest.metadata?.namespace, `${manifest.kind} ${manifest.metadata?.name}`).toBe('knutepunkt');
    const kustomization = parse(readRepoFile(`${folder}/kustomization.yaml`)) as { resources: string[] };
    expect([...kustomization.resources].sort()).toEqual([...files].sort());
  });

  it('sets only settings the hub reads, none that may hold credentials in the ConfigMap', () => {
    for (const name of Object.keys(configMap.data ?? {})) {
      expect(isSetting(name), `${name} is a setting in hub/src/config/config.ts`).toBe(true);
      expect(isSetting(name) && isSecretSetting(name), `${name} belongs in the Secret`).toBe(false);
    }
    for (const name of Object.keys(secret.stringData ?? {})) expect(isSetting(name), `${name} is a setting in hub/src/config/config.ts`).toBe(true);
    expect(Object.keys(secret.stringData ?? {})).toEqual(expect.arrayContaining(['SESSION_SECRET', 'DATABASE_URL', 'REDIS_URL']));
  });

  it('holds no real secret: every value is a <placeholder>, and a URL left so stops the hub', () => {
    expect(secret.data).toBeUndefined();
    for (const [name, value] of Object.entries(secret.stringData ?? {})) {
      expect(value, name).toMatch(/^<[^<>]+>$/);
      if (name.endsWith('_URL')) expect(() => SETTINGS[name as 'DATABASE_URL'].parse(value), name).toThrow();
    }
  });

  it('gives the hub its settings from the ConfigMap and the Secret', () => {
    expect(hub.envFrom).toEqual(
      expect.arrayContaining([{ configMapRef: { name: configMap.metadata?.name } }, { secretRef: { name: secret.metadata?.name } }]),
    );
  });

  it('opens the ports the ConfigMap makes the hub listen on', () => {
    expect(configMap.data?.HUB_HOST).toBe('0.0.0.0');
    expect(configMap.data?.MQTT_HOST).toBe('0.0.0.0');
    expect(containerPort(hub, 'http')).toBe(Number(configMap.data?.HUB_PORT));
    expect(containerPort(hub, 'mqtt')).toBe(Number(configMap.data?.MQTT_PORT));
  });

  it('probes /health on the HTTP port', () => {
    const probes: Array<[string, IProbe | undefined]> = [
      ['startup', hub.startupProbe],
      ['readiness', hub.readinessProbe],
      ['liveness', hub.livenessProbe],
    ];
    for (const [kind, probe] of probes) {
      expect(probe?.httpGet?.path, kind).toBe('/health');
      expect(containerPort(hub, probe!.httpGet!.port), kind).toBe(Number(configMap.data?.HUB_PORT));
    }
  });

  it('serves HTTP and MQTT (TCP) from the hub pods', () => {
    const podLabels = deployment.spec!.template.metadata?.labels ?? {};
    const targets = services.flatMap((service) => {
      expect(podLabels).toMatchObject(service.spec?.selector ?? { selector: 'missing' });
      return (service.spec?.ports ?? []).map((port) => ({ protocol: port.protocol ?? 'TCP', target: containerPort(hub, port.targetPort ?? port.port) }));
    });
    expect(targets).toEqual(
      expect.arrayContaining([
        { protocol: 'TCP', target: Number(configMap.data?.HUB_PORT) },
        { protocol: 'TCP', target: Number(configMap.data?.MQTT_PORT) },
      ]),
    );
  });

  it('runs as a non-root user on a read-only filesystem, which the hub allows only with DATABASE_URL set and DEMO_FLEET off', () => {
    expect(podSpec.securityContext?.runAsNonRoot).toBe(true);
    expect(podSpec.securityContext?.runAsUser).toBeGreaterThan(0);
    expect(hub.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
    expect(Object.keys(secret.stringData ?? {})).toContain('DATABASE_URL');
    expect(SETTINGS.DEMO_FLEET.parse(configMap.data?.DEMO_FLEET ?? 'false')).toBe(false);
    expect(hub.resources?.requests?.memory).toBeDefined();
    expect(hub.resources?.limits?.memory).toBeDefined();
  });

  it('keeps a replica running through voluntary disruptions', () => {
    const budget = only('PodDisruptionBudget');
    expect(deployment.spec?.template.metadata?.labels).toMatchObject(budget.spec?.selector?.matchLabels ?? { selector: 'missing' });
    expect(budget.spec?.minAvailable).toBeGreaterThanOrEqual(1);
    expect(deployment.spec?.replicas).toBeGreaterThan(Number(budget.spec?.minAvailable));
  });
});
