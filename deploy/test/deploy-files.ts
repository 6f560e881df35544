import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SETTINGS } from '../../hub/src/config/config.js';

/** The repository root, whatever directory the tests run from. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export function readRepoFile(relativePath: string): string {
  return readFileSync(path.join(repoRoot, relativePath), 'utf8');
}

export type SettingName = keyof typeof SETTINGS;

export function isSetting(name: string): name is SettingName {
  return Object.hasOwn(SETTINGS, name);
}

/** Settings whose values may hold credentials: kept out of ConfigMaps and never echoed. */
export function isSecretSetting(name: SettingName): boolean {
  return (SETTINGS[name] as { secret?: boolean }).secret === true;
}

/** The default of a port setting, as the hub would use it. */
export function defaultPort(name: 'HUB_PORT' | 'MQTT_PORT'): number {
  return SETTINGS[name].default();
}

export { SETTINGS };
