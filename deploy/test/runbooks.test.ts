import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isSetting, readRepoFile, repoRoot } from './deploy-files.js';

const folder = 'deploy/runbooks';
const runbooks = readdirSync(path.join(repoRoot, folder)).filter((file) => file.endsWith('.md'));

describe('deploy/runbooks', () => {
  it.each(runbooks)('%s names only settings the hub reads', (file) => {
    // Upper-case words with an underscore are environment variables here.
    const named = new Set(readRepoFile(`${folder}/${file}`).match(/\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/g) ?? []);
    for (const name of named) expect(isSetting(name), `${name} is a setting in hub/src/config/config.ts`).toBe(true);
  });

  it.each(runbooks)('%s links only to files that exist', (file) => {
    const links = [...readRepoFile(`${folder}/${file}`).matchAll(/\]\(([^)#]+)\)/g)].map((match) => match[1]!);
    for (const link of links) expect(existsSync(path.join(repoRoot, folder, link)), link).toBe(true);
  });

  it('lists every runbook in its README', () => {
    const index = readRepoFile(`${folder}/README.md`);
    for (const file of runbooks.filter((each) => each !== 'README.md')) expect(index).toContain(`(${file})`);
  });
});
