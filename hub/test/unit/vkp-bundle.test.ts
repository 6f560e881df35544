import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SEVERITIES } from '@knutepunkt/device-adapters';
import { describe, expect, it } from 'vitest';
import {
  JOURNAL_IDENTIFIER_SYSTEM,
  buildJournalBundle,
  type FhirBundle,
  type FhirCoding,
  type FhirComposition,
  type FhirDetectedIssue,
  type FhirEncounter,
  type FhirExtension,
  type FhirJournalResource,
  type JournalSource,
} from '../../src/journal/vkp-bundle.js';
import { fhirR4Problems, vkpProblems } from '../vkp-validation.js';

// Synthetic identifiers: Tenor-style test numbers (month + 80) with valid control digits.
const FODSELSNUMMER = '12853812313';
const D_NUMMER = '52853812307';
const ORGANISATION_NUMBER = '923456783';

const ALARM_ID = '0f5d8a3e-6b1c-4c2e-9a7d-2f4e6b8c1a3d';
const OTHER_ALARM_ID = '7c9e2b4a-1d3f-4e5a-8b6c-9d0e1f2a3b4c';

/** The responder visit of the log below: called out 07:16, accepted 07:17:30, on site 07:31, done 07:49. */
const VISIT: NonNullable<JournalSource['visit']> = {
  calledOutAt: '2025-03-12T07:16:00Z',
  onSiteAt: '2025-03-12T07:31:00Z',
  doneAt: '2025-03-12T07:49:00Z',
  responder: { id: 'r-3', name: 'Hjemmetjenesten vakt 1' },
};

function source(overrides: { alarm?: Partial<JournalSource['alarm']>; resident?: Partial<JournalSource['resident']> } = {}): JournalSource {
  return {
    alarm: {
      id: ALARM_ID,
      code: '4.1',
      severity: 40,
      triageColour: 'R',
      occurredAt: '2025-03-12T07:14:05Z',
      raisedAt: '2025-03-12T07:14:07Z',
      closedAt: '2025-03-12T07:52:30Z',
      cause: 'fall',
      measures: ['responder-visit', 'next-of-kin-informed'],
      note: 'Bruker ble hjulpet opp.',
      ...overrides.alarm,
    },
    device: { id: 'dev-00042', model: 'Fallsensor FS-2', kind: 'fall-detector', kindName: 'Fallsensor' },
    log: [
      { code: 0, at: '2025-03-12T07:14:07Z', operator: null, note: null },
      { code: 1, at: '2025-03-12T07:14:40Z', operator: { id: 'op-7', name: 'Operatør Olsen' }, note: null },
      { code: 8, at: '2025-03-12T07:15:10Z', operator: { id: 'op-7', name: 'Operatør Olsen' }, note: 'Bruker svarer, har falt i stua.' },
      { code: 4, at: '2025-03-12T07:16:00Z', operator: { id: 'op-7', name: 'Operatør Olsen' }, note: null },
      { code: 5, at: '2025-03-12T07:17:30Z', operator: { id: 'r-3', name: 'Hjemmetjenesten vakt 1' }, note: null },
      { code: 6, at: '2025-03-12T07:52:00Z', operator: { id: 'op-7', name: 'Operatør Olsen' }, note: null },
      { code: 7, at: '2025-03-12T07:52:10Z', operator: { id: 'op-7', name: 'Operatør Olsen' }, note: null },
      { code: 3, at: '2025-03-12T07:52:30Z', operator: { id: 'op-7', name: 'Operatør Olsen' }, note: null },
    ],
    resident: { id: 'res-1', nationalId: FODSELSNUMMER, name: 'Testesen, Kari', birthDate: '1938-05-12', ...overrides.resident },
    tenant: { id: 'ten-1', name: 'Testvik kommune', organisationNumber: ORGANISATION_NUMBER },
    visit: null,
    labels: {
      cause: 'Fall',
      measures: ['Besøk av hjemmetjenesten', 'Pårørende varslet'],
      steps: { 0: 'Varsel mottatt', 1: 'Tatt av operatør', 3: 'Avsluttet', 4: 'Sendt til utrykning', 5: 'Utrykning bekreftet', 6: 'Årsak registrert', 7: 'Tiltak registrert', 8: 'Samtale' },
    },
  };
}

function detectedIssueOf(bundle: FhirBundle): FhirDetectedIssue {
  const found = bundle.entry.map((e) => e.resource).find((r): r is FhirDetectedIssue => r.resourceType === 'DetectedIssue');
  if (!found) throw new Error('no DetectedIssue');
  return found;
}

function compositionOf(bundle: FhirBundle): FhirComposition {
  const found = bundle.entry.map((e) => e.resource).find((r): r is FhirComposition => r.resourceType === 'Composition');
  if (!found) throw new Error('no Composition');
  return found;
}

function identifierOf(resource: FhirJournalResource) {
  return resource.resourceType === 'Composition' ? resource.identifier : resource.identifier[0]!;
}

/** Every Coding anywhere in a value. */
function codingsIn(value: unknown): FhirCoding[] {
  if (Array.isArray(value)) return value.flatMap(codingsIn);
  if (value === null || typeof value !== 'object') return [];
  const record = value as Record<string, unknown>;
  const own = Array.isArray(record.coding) ? (record.coding as FhirCoding[]) : [];
  return [...own, ...Object.values(record).flatMap(codingsIn)];
}

/** Every narrative div anywhere in a value. */
function divsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(divsIn);
  if (value === null || typeof value !== 'object') return [];
  const record = value as Record<string, unknown>;
  const own = typeof record.div === 'string' ? [record.div] : [];
  return [...own, ...Object.values(record).flatMap(divsIn)];
}

/** A small well-formedness check: balanced tags, only the five XML entities, no stray markup. */
function expectWellFormedXhtml(div: string): void {
  expect(div.startsWith('<div xmlns="http://www.w3.org/1999/xhtml">')).toBe(true);
  expect(div.endsWith('</div>')).toBe(true);
  const stack: string[] = [];
  const tag = /<(\/?)([a-z]+)((?:\s+[a-z:]+="[^"<>]*")*)\s*(\/?)>/gy;
  let i = 0;
  while (i < div.length) {
    if (div[i] === '<') {
      tag.lastIndex = i;
      const m = tag.exec(div);
      if (!m) throw new Error(`malformed markup at ${i}: ${div.slice(i, i + 30)}`);
      const [whole, closing, name, , selfClosing] = m;
      expect(['div', 'p', 'ul', 'li', 'br']).toContain(name);
      if (closing) expect(stack.pop()).toBe(name);
      else if (!selfClosing) stack.push(name!);
      i += whole.length;
    } else if (div[i] === '&') {
      expect(div.slice(i)).toMatch(/^&(amp|lt|gt|quot|#39);/);
      i += 1;
    } else {
      expect(div[i]).not.toBe('>');
      i += 1;
    }
  }
  expect(stack).toEqual([]);
}

describe('buildJournalBundle', () => {
  it('is a transaction with a stable identifier and the closing time as timestamp', () => {
    const bundle = buildJournalBundle(source());
    expect(bundle.resourceType).toBe('Bundle');
    expect(bundle.type).toBe('transaction');
    expect(bundle.identifier).toEqual({ system: JOURNAL_IDENTIFIER_SYSTEM, value: ALARM_ID });
    expect(bundle.timestamp).toBe('2025-03-12T07:52:30.000Z');
    expect(bundle.entry.map((e) => e.resource.resourceType)).toEqual(['DetectedIssue', 'Composition']);
  });

  it('gives byte-identical JSON for the same source', () => {
    const a = JSON.stringify(buildJournalBundle(source()));
    const b = JSON.stringify(buildJournalBundle(structuredClone(source())));
    expect(b).toBe(a);
  });

  it('keeps identifiers and fullUrls stable across calls and distinct between alarms and types', () => {
    const first = buildJournalBundle(source());
    const again = buildJournalBundle(source());
    const other = buildJournalBundle(source({ alarm: { id: OTHER_ALARM_ID } }));

    const keys = (b: FhirBundle) => b.entry.map((e) => ({ fullUrl: e.fullUrl, identifier: identifierOf(e.resource), url: e.request.url }));
    expect(keys(again)).toEqual(keys(first));

    const firstUrls = first.entry.map((e) => e.fullUrl);
    const otherUrls = other.entry.map((e) => e.fullUrl);
    expect(new Set([...firstUrls, ...otherUrls]).size).toBe(4);
    for (const url of [...firstUrls, ...otherUrls]) {
      expect(url).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
    expect(other.identifier.value).toBe(OTHER_ALARM_ID);
    expect(identifierOf(detectedIssueOf(other)).value).not.toBe(identifierOf(detectedIssueOf(first)).value);

    // The two resources of one alarm have distinct identifier systems, both under the journal namespace.
    const systems = first.entry.map((e) => identifierOf(e.resource).system);
    expect(new Set(systems).size).toBe(2);
    for (const system of systems) expect(system.startsWith(`${JOURNAL_IDENTIFIER_SYSTEM}/`)).toBe(true);
  });

  it('pins identity: already delivered entries must keep matching', () => {
    // Changing any of these breaks the conditional updates of entries already in an EPJ.
    const bundle = buildJournalBundle(source());
    expect(JOURNAL_IDENTIFIER_SYSTEM).toBe('https://knutepunkt.no/fhir/sid/journal-entry');
    expect(bundle.entry.map((e) => [e.fullUrl, e.request.url])).toEqual([
      [
        'urn:uuid:148cd09b-7201-50c9-a3fa-00c1f1cf7a73',
        `DetectedIssue?identifier=https://knutepunkt.no/fhir/sid/journal-entry/DetectedIssue|${ALARM_ID}`,
      ],
      [
        'urn:uuid:a961332f-7f98-5daf-a93d-78140abadb7d',
        `Composition?identifier=https://knutepunkt.no/fhir/sid/journal-entry/Composition|${ALARM_ID}`,
      ],
    ]);
  });

  it('treats an upper-case alarm id as the same alarm', () => {
    const lower = JSON.stringify(buildJournalBundle(source()));
    const upper = JSON.stringify(buildJournalBundle(source({ alarm: { id: ALARM_ID.toUpperCase() } })));
    expect(upper).toBe(lower);
  });

  it('writes every entry as a conditional update on its own identifier', () => {
    const bundle = buildJournalBundle(source());
    for (const entry of bundle.entry) {
      const { system, value } = identifierOf(entry.resource);
      expect(entry.request).toEqual({ method: 'PUT', url: `${entry.resource.resourceType}?identifier=${system}|${value}` });
      expect(entry.resource).not.toHaveProperty('id');
    }
  });

  it('identifies a fødselsnummer and a D-nummer by their own systems', () => {
    const fnr = buildJournalBundle(source());
    expect(detectedIssueOf(fnr).patient.identifier).toEqual({ system: 'urn:oid:2.16.578.1.12.4.1.4.1', value: FODSELSNUMMER });
    expect(compositionOf(fnr).subject.identifier).toEqual({ system: 'urn:oid:2.16.578.1.12.4.1.4.1', value: FODSELSNUMMER });

    const dnr = buildJournalBundle(source({ resident: { nationalId: D_NUMMER } }));
    expect(detectedIssueOf(dnr).patient.identifier).toEqual({ system: 'urn:oid:2.16.578.1.12.4.1.4.2', value: D_NUMMER });
    expect(compositionOf(dnr).subject.identifier).toEqual({ system: 'urn:oid:2.16.578.1.12.4.1.4.2', value: D_NUMMER });
  });

  it('builds the DetectedIssue from the alarm', () => {
    const issue = detectedIssueOf(buildJournalBundle(source()));
    expect(issue.meta.profile).toEqual(['http://ehelse.no/fhir/StructureDefinition/vkp-DetectedIssue-v090']);
    expect(issue.status).toBe('final');
    expect(issue.code.coding).toEqual([{ system: 'http://ehelse.no/fhir/CodeSystem/vkp-alert-code-v090', code: '4.1', display: 'Fall' }]);
    expect(issue.severity).toBe('high');
    expect(issue.identifiedDateTime).toBe('2025-03-12T07:14:05.000Z');
    expect(issue.detail).toBe('Fall');
    expect(issue.author).toEqual({ identifier: { system: 'urn:oid:2.16.578.1.12.4.1.4.101', value: ORGANISATION_NUMBER }, display: 'Testvik kommune' });

    // Neither VKP extension is declared for DetectedIssue: the level is in the text, the device in the evidence.
    expect(issue.extension).toBeUndefined();
    expect(issue.text?.div).toContain('Alvorlighetsgrad: Kritisk.');
    expect(issue.evidence).toEqual([{ detail: [{ type: 'Device', identifier: { system: 'https://knutepunkt.no/fhir/sid/device', value: 'dev-00042' }, display: 'Fallsensor FS-2' }] }]);
  });

  it('maps VKP severity to FHIR severity and names the VKP level in the text', () => {
    const cases = [
      [40, 'high'],
      [30, 'high'],
      [20, 'moderate'],
      [10, 'low'],
      [0, undefined],
    ] as const;
    for (const [severity, expected] of cases) {
      const issue = detectedIssueOf(buildJournalBundle(source({ alarm: { severity } })));
      expect(issue.severity).toBe(expected);
      expect(issue.text?.div).toContain(`Alvorlighetsgrad: ${SEVERITIES[severity]}.`);
    }
  });

  it('builds the Composition from the log, in time order, with the operator named', () => {
    const input = source();
    input.log.reverse(); // the builder orders the log itself
    const bundle = buildJournalBundle(input);
    const composition = compositionOf(bundle);
    expect(composition.meta.profile).toEqual(['http://ehelse.no/fhir/StructureDefinition/vkp-Composition-v090']);
    expect(composition.status).toBe('final');
    expect(composition.title).toBe('Trygghetsalarm: Fall');
    expect(composition.date).toBe('2025-03-12T07:52:30.000Z');
    expect(composition.category[0]?.coding).toEqual([
      { system: 'http://ehelse.no/fhir/CodeSystem/vkp-composition-category-v090', code: '1', display: 'Trygghet og mestring' },
    ]);
    expect(composition.event?.map((e) => e.code?.[0]?.coding?.[0]?.code)).toEqual(['0', '1', '8', '4', '5', '6', '7', '3']);
    expect(composition.event?.[0]).toEqual({
      code: [{ coding: [{ system: 'http://ehelse.no/fhir/CodeSystem/vkp-composition-event-v090', code: '0', display: 'hendelse meldt' }] }],
      period: { start: '2025-03-12T07:14:07.000Z' },
    });
    expect(composition.event?.[1]?.detail).toEqual([
      { type: 'Practitioner', identifier: { system: expect.any(String), value: 'op-7' }, display: 'Operatør Olsen' },
    ]);

    const issueUrl = bundle.entry.find((e) => e.resource.resourceType === 'DetectedIssue')?.fullUrl;
    expect(composition.section?.map((s) => s.code?.coding?.[0]?.code)).toEqual(['1.2', '1.1', '1.3', '2']);
    for (const section of composition.section ?? []) {
      expect(section.entry).toEqual([{ reference: issueUrl, type: 'DetectedIssue' }]);
      expect(section.text?.status).toBe('generated');
    }
  });

  it('writes plain Norwegian narratives, with the log in Europe/Oslo time', () => {
    const composition = compositionOf(buildJournalBundle(source()));
    const [event, followUp, comment, compiled] = composition.section ?? [];
    expect(event?.text?.div).toContain('Fallsensor FS-2 meldte «Fall» 12.03.2025 kl. 08:14.');
    expect(followUp?.text?.div).toContain('<p>Årsak: Fall.</p>');
    expect(followUp?.text?.div).toContain('<li>Besøk av hjemmetjenesten</li><li>Pårørende varslet</li>');
    expect(comment?.text?.div).toContain('Bruker ble hjulpet opp.');
    expect(compiled?.text?.div).toContain('<li>12.03.2025 08:14 – Varsel mottatt</li>');
    expect(compiled?.text?.div).toContain('<li>12.03.2025 08:15 – Samtale – Operatør Olsen – Bruker svarer, har falt i stua.</li>');

    // Summer time: UTC+2.
    const summer = source({ alarm: { occurredAt: '2025-07-01T10:00:00Z' } });
    summer.log = [{ code: 0, at: '2025-07-01T10:00:00Z', operator: null, note: null }];
    expect(compositionOf(buildJournalBundle(summer)).section?.at(-1)?.text?.div).toContain('<li>01.07.2025 12:00 – Varsel mottatt</li>');
  });

  it('leaves the comment section out when there is no closing note', () => {
    const composition = compositionOf(buildJournalBundle(source({ alarm: { note: '   ' } })));
    expect(composition.section?.map((s) => s.code?.coding?.[0]?.code)).toEqual(['1.2', '1.1', '2']);
  });

  it('escapes markup in notes and labels', () => {
    const input = source({ alarm: { note: '<script>alert("x")</script> & co\nlinje 2' } });
    input.log[2]!.note = '<img src=x onerror=alert(1)>';
    input.labels.cause = 'Fall <b>';
    const bundle = buildJournalBundle(input);
    const divs = divsIn(bundle);
    expect(divs.length).toBeGreaterThanOrEqual(6);
    for (const div of divs) {
      expect(div).not.toMatch(/<script|<img|<b>/);
      expectWellFormedXhtml(div);
    }
    const comment = compositionOf(bundle).section?.find((s) => s.code?.coding?.[0]?.code === '1.3');
    expect(comment?.text?.div).toBe(
      '<div xmlns="http://www.w3.org/1999/xhtml"><p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co<br/>linje 2</p></div>',
    );
    expect(JSON.stringify(bundle)).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('has the elements the VKP profiles and FHIR R4 require', () => {
    const bundle = buildJournalBundle(source({ alarm: { note: null } }));
    const issue = detectedIssueOf(bundle);
    expect(issue.code.coding?.length).toBeGreaterThan(0);
    expect(issue.patient.identifier?.value).toBeTruthy();
    expect(issue.status).toBeTruthy();

    const composition = compositionOf(bundle);
    expect(composition.category.length).toBeGreaterThan(0);
    expect(composition.subject.identifier?.value).toBeTruthy();
    expect(composition.status).toBe('final');
    expect(composition.type.coding?.length).toBeGreaterThan(0);
    expect(composition.date).toBeTruthy();
    expect(composition.author.length).toBeGreaterThan(0);
    expect(composition.title).toBeTruthy();
    // cmp-1: a section has text, entries or sub-sections.
    for (const section of composition.section ?? []) expect(section.text ?? section.entry).toBeTruthy();

    // FHIR has no empty strings and no nulls.
    const json = JSON.stringify(bundle);
    expect(json).not.toContain('""');
    expect(json).not.toContain('null');
  });

  it('rejects a source it cannot journal correctly, naming the problem', () => {
    expect(() => buildJournalBundle(source({ alarm: { code: '4.99' } }))).toThrow(/unknown VKP alert code "4.99"/);
    expect(() => buildJournalBundle(source({ alarm: { id: 'not-a-uuid' } }))).toThrow(/not a uuid/);
    expect(() => buildJournalBundle(source({ resident: { nationalId: '1285381231' } }))).toThrow(/national id/);
    expect(() => buildJournalBundle(source({ alarm: { closedAt: '2025-03-12T07:52:30' } }))).toThrow(/closedAt/);
    const badStep = source();
    badStep.log.push({ code: 2, at: '2025-03-12T07:53:00Z', operator: null, note: null });
    expect(() => buildJournalBundle(badStep)).toThrow(/event code 2/);
    const missingLabel = source();
    missingLabel.labels.measures = ['Besøk av hjemmetjenesten'];
    expect(() => buildJournalBundle(missingLabel)).toThrow(/measure/);
  });
});

// -------------------------------------------------------------------------------------------------
// Cross-check against the published VKP-R4 definitions, when the folder is present.
// -------------------------------------------------------------------------------------------------

const VKP_R4 = process.env.VKP_R4_DIR ?? resolve(dirname(fileURLToPath(import.meta.url)), '../../../../shared/vkp-r4');
const haveVkp = existsSync(join(VKP_R4, 'CodeSystem')) && existsSync(join(VKP_R4, 'StructureDefinition'));

interface Concept {
  code: string;
  display?: string;
  concept?: Concept[];
}
interface ElementDefinition {
  path: string;
  min?: number;
  fixedUri?: string;
  type?: Array<{ code: string }>;
}
interface StructureDefinition {
  url: string;
  type: string;
  differential?: { element: ElementDefinition[] };
}

function readJsonDir<T>(dir: string): T[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as T);
}

describe.skipIf(!haveVkp)(`buildJournalBundle against VKP-R4 in ${VKP_R4}${haveVkp ? '' : ' (skipped: folder absent)'}`, () => {
  const codeSystems = new Map<string, Map<string, string | undefined>>();
  const structureDefinitions = new Map<string, StructureDefinition>();
  if (haveVkp) {
    for (const cs of readJsonDir<{ url: string; concept?: Concept[] }>(join(VKP_R4, 'CodeSystem'))) {
      const codes = new Map<string, string | undefined>();
      const walk = (concepts: Concept[] = []) => {
        for (const c of concepts) {
          codes.set(c.code, c.display);
          walk(c.concept);
        }
      };
      walk(cs.concept);
      codeSystems.set(cs.url, codes);
    }
    for (const sd of readJsonDir<StructureDefinition>(join(VKP_R4, 'StructureDefinition'))) structureDefinitions.set(sd.url, sd);
  }

  // Codings outside VKP: only the Composition type, from LOINC.
  const NON_VKP = new Map([['http://loinc.org', new Set(['34109-9'])]]);

  it('uses only codes that exist in the matching CodeSystem, with its display', () => {
    for (const [severity, code, colour] of [
      [40, '4.1', 'R'],
      [0, '3', 'NR'],
      [20, '1.20', 'Y'],
    ] as const) {
      const bundle = buildJournalBundle(source({ alarm: { severity, code, triageColour: colour } }));
      const codings = codingsIn(bundle);
      expect(codings.length).toBeGreaterThan(10);
      for (const coding of codings) {
        const vkp = codeSystems.get(coding.system);
        if (vkp) {
          expect(vkp.has(coding.code), `${coding.system}#${coding.code}`).toBe(true);
          if (coding.display !== undefined) expect(coding.display).toBe(vkp.get(coding.code));
        } else {
          expect(NON_VKP.get(coding.system)?.has(coding.code), `${coding.system}#${coding.code} is neither VKP nor allowed`).toBe(true);
        }
      }
    }
  });

  it('claims profiles that exist and fills their required elements', () => {
    const bundle = buildJournalBundle(source({ alarm: { note: null } }));
    for (const { resource } of bundle.entry) {
      const [profile] = resource.meta.profile ?? [];
      const sd = profile === undefined ? undefined : structureDefinitions.get(profile);
      expect(sd, `profile ${profile}`).toBeDefined();
      expect(sd?.type).toBe(resource.resourceType);
      const required = (sd?.differential?.element ?? []).filter((e) => (e.min ?? 0) > 0);
      expect(required.length).toBeGreaterThan(0);
      for (const element of required) {
        const [, name, ...deeper] = element.path.split('.');
        expect(deeper, `${element.path}: only top-level requirements are expected`).toEqual([]);
        const value = (resource as unknown as Record<string, unknown>)[name!];
        expect(value, element.path).toBeDefined();
        if (Array.isArray(value)) expect(value.length, element.path).toBeGreaterThan(0);
      }
    }
  });

  it('writes extensions with their published url and value type', () => {
    const bundle = buildJournalBundle({ ...source(), visit: VISIT });
    const extensions = bundle.entry.flatMap((entry) => (entry.resource as { extension?: FhirExtension[] }).extension ?? []);
    expect(extensions.length).toBeGreaterThan(0);
    for (const extension of extensions) {
      const sd = structureDefinitions.get(extension.url);
      expect(sd, extension.url).toBeDefined();
      const elements = sd?.differential?.element ?? [];
      expect(elements.find((e) => e.path === 'Extension.url')?.fixedUri).toBe(extension.url);
      const used = Object.keys(extension).filter((k) => k.startsWith('value'));
      // A complex extension carries parts, not a value.
      if (extension.extension) {
        expect(used).toEqual([]);
        continue;
      }
      const allowed = elements.find((e) => e.path === 'Extension.value[x]')?.type?.map((t) => `value${t.code}`) ?? [];
      expect(used.length).toBe(1);
      expect(allowed).toContain(used[0]);
    }
  });

});

describe('buildJournalBundle validated against FHIR R4 and the VKP profiles', () => {
  const variants: Array<[string, JournalSource]> = [
    ['a fall with a responder visit', { ...source(), visit: VISIT }],
    ['a fall without a visit, note or measures', { ...source({ alarm: { note: null, measures: [] } }), labels: { cause: 'Fall', measures: [], steps: {} } }],
    ['an unrated safety alarm press by a D-nummer resident', source({ alarm: { code: '3', severity: 0, triageColour: 'NR' }, resident: { nationalId: D_NUMMER } })],
    ['a dispenser miss', source({ alarm: { code: '1.1', severity: 20, triageColour: 'Y' } })],
  ];
  for (const [name, input] of variants) {
    it(`builds ${name} as a valid transaction Bundle of valid VKP resources`, () => {
      const bundle = buildJournalBundle(input);
      expect(fhirR4Problems(bundle)).toEqual([]);
      expect(vkpProblems(bundle)).toEqual([]);
    });
  }

  it('adds the visit as a VkpEncounter, linked from the Composition, with a stable identifier', () => {
    const bundle = buildJournalBundle({ ...source(), visit: VISIT });
    expect(bundle.entry.map((e) => e.resource.resourceType)).toEqual(['DetectedIssue', 'Composition', 'Encounter']);
    const encounter = bundle.entry[2]!.resource as FhirEncounter;
    expect(encounter.meta.profile).toEqual(['http://ehelse.no/fhir/StructureDefinition/vkp-Encounter-v090']);
    expect(encounter.identifier).toEqual([{ system: 'urn:ietf:rfc:3986', value: bundle.entry[2]!.fullUrl }]);
    expect(bundle.entry[2]!.request.url).toBe(`Encounter?identifier=urn:ietf:rfc:3986|${bundle.entry[2]!.fullUrl}`);
    expect(compositionOf(bundle).encounter).toEqual({ reference: bundle.entry[2]!.fullUrl, type: 'Encounter' });
    expect(encounter.period).toEqual({ start: '2025-03-12T07:16:00.000Z', end: '2025-03-12T07:49:00.000Z' });
    expect(encounter.status).toBe('finished');
    expect(encounter.subject.identifier).toEqual({ system: 'urn:oid:2.16.578.1.12.4.1.4.1', value: FODSELSNUMMER });
    expect(encounter.participant[0]?.individual).toMatchObject({ identifier: { value: 'r-3' }, display: 'Hjemmetjenesten vakt 1' });
    expect(encounter.reasonCode?.[0]?.coding?.[0]).toMatchObject({ system: 'http://ehelse.no/fhir/CodeSystem/vkp-encounter-reason-v090', code: '2' });
    expect(encounter.extension?.[0]?.extension).toEqual([
      { url: 'identifier', valueString: 'dev-00042' },
      { url: 'displayName', valueString: 'Fallsensor FS-2' },
      { url: 'type', valueString: 'fall-detector' },
      { url: 'typeName', valueString: 'Fallsensor' },
    ]);
    expect(encounter.text?.div).toContain('Utrykning bestilt 12.03.2025 kl. 08:16, på stedet 12.03.2025 kl. 08:31, ferdig 12.03.2025 kl. 08:49.');
    expect(JSON.stringify(buildJournalBundle({ ...source(), visit: VISIT }))).toBe(JSON.stringify(bundle));
    const other = buildJournalBundle({ ...source({ alarm: { id: OTHER_ALARM_ID } }), visit: VISIT });
    expect(other.entry[2]!.fullUrl).not.toBe(bundle.entry[2]!.fullUrl);
  });

  it('leaves the Encounter out without a visit and refuses visit times out of order', () => {
    const bundle = buildJournalBundle(source());
    expect(bundle.entry.map((e) => e.resource.resourceType)).toEqual(['DetectedIssue', 'Composition']);
    expect(compositionOf(bundle)).not.toHaveProperty('encounter');
    expect(() => buildJournalBundle({ ...source(), visit: { ...VISIT, doneAt: '2025-03-12T07:20:00Z' } })).toThrow(/visit times/);
  });
});
