import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  ALERT_CODES,
  ALERT_CODE_SYSTEM,
  COMPOSITION_CATEGORY_SYSTEM,
  COMPOSITION_EVENT_SYSTEM,
  COMPOSITION_SECTION_SYSTEM,
  LOG_STEPS,
  type LogStepKey,
  SEVERITIES,
  SEVERITY_SYSTEM,
  type Severity,
  TRIAGE_COLOURS,
  TRIAGE_SYSTEM,
  isAlertCode,
  logStepCode,
  triageColourFor,
} from '../src/vkp-codes.js';

// device-adapters/test/ → the workspace root is two levels up; the VKP-R4 folder sits beside it.
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const VKP_R4_DIR = process.env.VKP_R4_DIR ?? path.resolve(REPO_ROOT, '../shared/vkp-r4');
const CODE_SYSTEM_DIR = path.join(VKP_R4_DIR, 'CodeSystem');
const present = existsSync(CODE_SYSTEM_DIR);
const whenPresent = present ? '' : ` (skipped: no VKP-R4 CodeSystem folder at ${CODE_SYSTEM_DIR})`;

interface Concept {
  code: string;
  display?: string;
  concept?: Concept[];
}

interface CodeSystem {
  resourceType: 'CodeSystem';
  url: string;
  content: string;
  concept?: Concept[];
}

/** Every CodeSystem in the folder, by file name without `.codesystem.json`. */
function loadCodeSystems(): Map<string, CodeSystem> {
  const systems = new Map<string, CodeSystem>();
  if (!present) return systems;
  for (const file of readdirSync(CODE_SYSTEM_DIR).filter((name) => name.endsWith('.codesystem.json'))) {
    systems.set(file.replace(/\.codesystem\.json$/, ''), JSON.parse(readFileSync(path.join(CODE_SYSTEM_DIR, file), 'utf8')) as CodeSystem);
  }
  return systems;
}

const codeSystems = loadCodeSystems();

function codeSystem(name: string): CodeSystem {
  const found = codeSystems.get(name);
  if (!found) throw new Error(`no ${name}.codesystem.json in ${CODE_SYSTEM_DIR}`);
  return found;
}

/** code → display for every concept, walking nested `concept` arrays (hierarchical code systems). */
function displaysOf(name: string): Record<string, string | undefined> {
  const displays: Record<string, string | undefined> = {};
  const walk = (concepts: Concept[] | undefined): void => {
    for (const concept of concepts ?? []) {
      expect(displays, `${name} lists ${concept.code} twice`).not.toHaveProperty([concept.code]);
      displays[concept.code] = concept.display;
      walk(concept.concept);
    }
  };
  walk(codeSystem(name).concept);
  return displays;
}

describe('VKP code tables against ../shared/vkp-r4', () => {
  it.skipIf(!present)(`our alert codes are exactly vkp-alert-code-v090, with its displays${whenPresent}`, () => {
    const ours = Object.fromEntries(Object.entries(ALERT_CODES).map(([code, entry]) => [code, entry.display]));
    expect(ours).toEqual(displaysOf('vkp-alert-code-v090'));
  });

  it.skipIf(!present)(`our severities are exactly vkp-severity-level-v090, with its displays${whenPresent}`, () => {
    expect(Object.fromEntries(Object.entries(SEVERITIES))).toEqual(displaysOf('vkp-severity-level-v090'));
  });

  it.skipIf(!present)(`our triage colours are exactly vkp-triage-v090, with its displays${whenPresent}`, () => {
    expect(Object.fromEntries(Object.entries(TRIAGE_COLOURS))).toEqual(displaysOf('vkp-triage-v090'));
  });

  it.skipIf(!present)(`our log steps are exactly vkp-composition-event-v090, with its displays${whenPresent}`, () => {
    const ours = Object.fromEntries(Object.entries(LOG_STEPS).map(([code, step]) => [code, step.display]));
    expect(ours).toEqual(displaysOf('vkp-composition-event-v090'));
  });

  it.skipIf(!present)(`the CodeSystems we compare with list all their codes (content "complete")${whenPresent}`, () => {
    for (const name of ['vkp-alert-code-v090', 'vkp-severity-level-v090', 'vkp-triage-v090', 'vkp-composition-event-v090']) {
      expect(codeSystem(name).content, name).toBe('complete');
    }
  });

  it.skipIf(!present)(`each system URL is the url of its CodeSystem${whenPresent}`, () => {
    const expected: Array<[string, string]> = [
      ['vkp-alert-code-v090', ALERT_CODE_SYSTEM],
      ['vkp-severity-level-v090', SEVERITY_SYSTEM],
      ['vkp-triage-v090', TRIAGE_SYSTEM],
      ['vkp-composition-event-v090', COMPOSITION_EVENT_SYSTEM],
      ['vkp-composition-category-v090', COMPOSITION_CATEGORY_SYSTEM],
      ['vkp-composition-section-v090', COMPOSITION_SECTION_SYSTEM],
    ];
    for (const [name, system] of expected) {
      const found = codeSystem(name);
      expect(found.resourceType, name).toBe('CodeSystem');
      expect(system, name).toBe(found.url);
    }
  });
});

describe('alert codes', () => {
  it('recognises every code in the table, and nothing that merely looks like one', () => {
    for (const code of Object.keys(ALERT_CODES)) expect(isAlertCode(code), code).toBe(true);
    for (const code of ['', '4', '4.1 ', ' 4.1', '4.01', '4.99', '8', '1.0', 'toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      expect(isAlertCode(code), JSON.stringify(code)).toBe(code === '4');
    }
  });

  it('gives every dotted code a parent in the table (the code system is a hierarchy)', () => {
    for (const code of Object.keys(ALERT_CODES).filter((candidate) => candidate.includes('.'))) {
      expect(isAlertCode(code.slice(0, code.lastIndexOf('.'))), `parent of ${code}`).toBe(true);
    }
  });

  it('proposes only VKP severities, and "normal" for information that raises no alarm', () => {
    for (const [code, entry] of Object.entries(ALERT_CODES)) {
      expect(Object.keys(SEVERITIES), code).toContain(String(entry.defaultSeverity));
      // 0 means "not reported": a code we know is always reported with a proposal.
      expect(entry.defaultSeverity, code).toBeGreaterThan(0);
      if (entry.kind === 'information') expect(entry.defaultSeverity, code).toBe(10);
    }
  });

  it.each([
    ['4.1', 'fall', 'care', 40],
    ['4.11', 'fire alarm', 'care', 40],
    ['4.13', 'button press', 'care', 30],
    ['1.17', 'dispenser battery low', 'technical', undefined],
    ['1.20', 'no contact', 'technical', undefined],
    ['4.16', 'door closed', 'information', 10],
  ] as const)('%s (%s) is a %s alert', (code, _what, kind, severity) => {
    expect(ALERT_CODES[code].kind).toBe(kind);
    if (severity !== undefined) expect(ALERT_CODES[code].defaultSeverity).toBe(severity);
  });

  it('proposes a fall and a fire no lower than any other alert', () => {
    const highest = Math.max(...Object.values(ALERT_CODES).map((entry) => entry.defaultSeverity));
    expect(ALERT_CODES['4.1'].defaultSeverity).toBe(highest);
    expect(ALERT_CODES['4.11'].defaultSeverity).toBe(highest);
  });
});

describe('triageColourFor', () => {
  // VKP triage runs red (most urgent) → orange → yellow → green; blue and black are set by a
  // person (not urgent / beyond help), never proposed from a severity.
  it.each([
    [40, 'R'],
    [30, 'O'],
    [20, 'Y'],
    [10, 'G'],
    [0, 'NR'],
  ] as const)('severity %i proposes %s', (severity, colour) => {
    expect(triageColourFor(severity)).toBe(colour);
  });

  it('proposes a distinct, VKP-listed colour for each severity, never blue or black', () => {
    const severities = Object.keys(SEVERITIES).map(Number) as Severity[];
    const colours = severities.map(triageColourFor);
    expect(new Set(colours).size).toBe(severities.length);
    for (const colour of colours) {
      expect(Object.keys(TRIAGE_COLOURS)).toContain(colour);
      expect(['B', 'BL']).not.toContain(colour);
    }
  });
});

describe('log steps', () => {
  const keys = Object.values(LOG_STEPS).map((step) => step.key);

  it('has one key per step', () => {
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('finds the code of every key, and the step at that code has that key', () => {
    for (const key of keys) {
      const code = logStepCode(key);
      expect(typeof code).toBe('number');
      expect(LOG_STEPS[code].key).toBe(key);
    }
  });

  it.each([
    ['reported', 0],
    ['being-handled', 1],
    // VKP has no step 2: acknowledged is 3.
    ['acknowledged', 3],
    ['sent-to-call-out', 4],
    ['cause', 6],
    ['measures', 7],
    ['other-party', 10],
  ] as const)('%s is VKP step %i', (key, code) => {
    expect(logStepCode(key)).toBe(code);
  });

  it('throws for a key that is no step', () => {
    expect(() => logStepCode('closed' as LogStepKey)).toThrow(/closed/);
  });
});
