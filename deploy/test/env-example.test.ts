import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isSecretSetting, readRepoFile, repoRoot, SETTINGS, type SettingName } from './deploy-files.js';

/**
 * env.example is generated from SETTINGS here: `pnpm --filter @knutepunkt/deploy env-example`
 * writes it anew (vitest's --update); a plain run fails while the file is out of date.
 */
const HEADER = `# Every setting the hub reads, with its description and default: generated from SETTINGS in
# hub/src/config/config.ts by \`pnpm --filter @knutepunkt/deploy env-example\`; do not edit by hand.
# Copy it (compose: deploy/hub.env) and uncomment what you set; unset or empty means the default.
# Settings marked "secret" may hold credentials: keep their values out of version control
# (Kubernetes: deploy/kubernetes/secret.yaml).
`;

/** A default as an operator reads it; a path into this checkout is shown relative to the install. */
function shownDefault(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'object' && value !== null && Object.keys(value).length === 0) return undefined;
  if (typeof value === 'string' && path.isAbsolute(value)) return `<install dir>/${path.relative(repoRoot, value)}`;
  return String(value);
}

function renderEnvExample(): string {
  const sections = (Object.keys(SETTINGS) as SettingName[]).map((name) => {
    const value = shownDefault(SETTINGS[name].default());
    const lines = [
      `# ${SETTINGS[name].description}`,
      `# Default: ${value ?? 'unset'}${isSecretSetting(name) ? ' (secret)' : ''}`,
      // A default that depends on where the hub is installed is better left unset.
      `#${name}=${value === undefined || value.startsWith('<') ? '' : value}`,
    ];
    return lines.join('\n');
  });
  return `${HEADER}\n${sections.join('\n\n')}\n`;
}

describe('deploy/env.example', () => {
  it('is SETTINGS rendered (regenerate with `pnpm --filter @knutepunkt/deploy env-example`)', async () => {
    await expect(renderEnvExample()).toMatchFileSnapshot('../env.example');
  });

  it('names every setting once, and nothing else', () => {
    const named = [...readRepoFile('deploy/env.example').matchAll(/^#([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1]);
    expect(named).toEqual(Object.keys(SETTINGS));
  });
});
