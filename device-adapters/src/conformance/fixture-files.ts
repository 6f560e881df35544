import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Fixture file endings: text formats as they are sent, `.hex` as hex text for binary formats. */
export const FIXTURE_EXTENSIONS = ['json', 'hex', 'xml', 'bin'] as const;
export type FixtureExtension = (typeof FIXTURE_EXTENSIONS)[number];

export interface FixtureFile {
  /** `<case>` of `<adapter>.<case>.<extension>`. */
  caseName: string;
  fileName: string;
  extension: FixtureExtension;
}

/**
 * The adapter's fixtures in a folder, and the files that carry its prefix without being
 * fixtures (an unknown extension, or a case name given twice).
 */
export function fixtureFilesOf(fixturesDir: string, adapterName: string): { fixtures: FixtureFile[]; strays: string[] } {
  const fixtures: FixtureFile[] = [];
  const strays: string[] = [];
  const prefix = `${adapterName}.`;
  for (const fileName of readdirSync(fixturesDir).sort()) {
    if (!fileName.startsWith(prefix)) continue;
    const dot = fileName.lastIndexOf('.');
    const extension = fileName.slice(dot + 1) as FixtureExtension;
    const caseName = fileName.slice(prefix.length, dot);
    if (dot < prefix.length || caseName.length === 0 || !FIXTURE_EXTENSIONS.includes(extension)) strays.push(fileName);
    else if (fixtures.some((fixture) => fixture.caseName === caseName)) strays.push(fileName);
    else fixtures.push({ caseName, fileName, extension });
  }
  return { fixtures, strays };
}

/**
 * The bytes a fixture stands for. A `.hex` file is hex digits, with any whitespace between them
 * and `#` comments to the end of a line, so a binary fixture can say what each byte means.
 */
export function readFixture(path: string): Uint8Array {
  const content = readFileSync(path);
  if (!path.endsWith('.hex')) return new Uint8Array(content);
  const digits = content.toString('utf8').replace(/#.*$/gm, '').replace(/\s+/g, '');
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(digits)) throw new Error(`${path} is not hex text: an odd number of digits or a character that is not one`);
  return Uint8Array.from(digits.match(/../g) ?? [], (pair) => Number.parseInt(pair, 16));
}

export function readFixtureIn(fixturesDir: string, fixture: FixtureFile): Uint8Array {
  return readFixture(join(fixturesDir, fixture.fileName));
}
