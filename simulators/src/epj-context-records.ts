import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FhirInputError, isRecord, parseIdentifierToken } from './fhir-transaction.js';

/**
 * What an EPJ knows about a resident beyond the alarm: the Patient, the services they receive
 * (EpisodeOfCare) and the visit plan (CarePlan, VKP's "besøksplan"), searched the way VKP's
 * patient service describes (CapabilityStatement vkp-Patient-Server-Requirements).
 */

export const FODSELSNUMMER_SYSTEM = 'urn:oid:2.16.578.1.12.4.1.4.1';
export const D_NUMMER_SYSTEM = 'urn:oid:2.16.578.1.12.4.1.4.2';
const NATIONAL_ID_SYSTEMS = [FODSELSNUMMER_SYSTEM, D_NUMMER_SYSTEM];
const VKP_PATIENT_PROFILE = 'http://ehelse.no/fhir/StructureDefinition/vkp-Patient-v090';
const VKP_CAREPLAN_PROFILE = 'http://ehelse.no/fhir/StructureDefinition/vkp-CarePlan-v090';
const CAREPLAN_CATEGORY_SYSTEM = 'http://ehelse.no/fhir/CodeSystem/vkp-careplan-category-v090';
const DETAIL_HEADER_EXTENSION = 'http://ehelse.no/fhir/StructureDefinition/vkp-detailheader-v090';
/** VKP identifies CarePlans by UUID. */
const UUID_SYSTEM = 'urn:ietf:rfc:3986';
const CAREPLAN_STATUSES = ['draft', 'active', 'on-hold', 'revoked', 'completed', 'entered-in-error', 'unknown'];
const RESOURCE_ID = /^[A-Za-z0-9\-.]{1,64}$/;

export const CONTEXT_TYPES = ['Patient', 'EpisodeOfCare', 'CarePlan'] as const;
export type ContextType = (typeof CONTEXT_TYPES)[number];

type Resource = Record<string, unknown>;

/** One resident's records: their Patient and what refers to it. */
interface ResidentContext {
  nationalId: string;
  patient: Resource;
  episodesOfCare: Resource[];
  carePlans: Resource[];
}

export interface EpjContextStats {
  /** Searches and reads of Patient, EpisodeOfCare and CarePlan, whatever became of them: what a test counts to see whether the hub called. */
  reads: number;
  readsByType: Record<ContextType, number>;
  /** Residents whose records were put in with POST /context (or put()). */
  residentsPut: number;
}

/**
 * The simulated EPJ's resident records: those put in (POST /context), else for a synthetic
 * national id (birth month + 80, as the demo fleet's residents have) records derived from the
 * number, the same every time. A real person's number has none unless put in.
 */
export class EpjContextRecords {
  private put = new Map<string, ResidentContext>();
  private derived = new Map<string, ResidentContext>();
  private readsByType: Record<ContextType, number> = { Patient: 0, EpisodeOfCare: 0, CarePlan: 0 };

  /** The records for a national id, or undefined when this EPJ does not know the person. */
  ofNationalId(nationalId: string): ResidentContext | undefined {
    const given = this.put.get(nationalId);
    if (given) return given;
    if (!isSyntheticNationalId(nationalId)) return undefined;
    let derived = this.derived.get(nationalId);
    if (!derived) {
      derived = deriveContext(nationalId);
      this.derived.set(nationalId, derived);
    }
    return derived;
  }

  ofPatientId(patientId: string): ResidentContext | undefined {
    return [...this.put.values()].find((context) => context.patient.id === patientId) ?? this.derivedOwner(patientId);
  }

  resource(type: ContextType, id: string): Resource | undefined {
    const owners = [...this.put.values(), this.derivedOwner(id)].filter((context) => context !== undefined);
    return owners.flatMap((context) => resourcesOf(context, type)).find((resource) => resource.id === id);
  }

  /** The derived records a derived resource's id names, unless records put in took that person's place. */
  private derivedOwner(id: string): ResidentContext | undefined {
    const nationalId = nationalIdInDerivedId(id);
    if (nationalId === undefined || this.put.has(nationalId)) return undefined;
    return this.ofNationalId(nationalId);
  }

  /**
   * Puts one resident's records in, replacing what this EPJ had or would derive for that
   * national id: a Bundle (type collection) with one Patient identified by fødselsnummer or
   * D-nummer, and EpisodeOfCare and CarePlan resources about it. Throws FhirInputError naming
   * what is wrong; nothing is stored then.
   */
  putBundle(input: unknown): { patientId: string; episodesOfCare: number; carePlans: number } {
    if (!isRecord(input) || input.resourceType !== 'Bundle') throw new FhirInputError('expected a Bundle (type collection) of Patient, EpisodeOfCare and CarePlan', 'structure', 400, 'Bundle');
    if (input.type !== 'collection') throw new FhirInputError(`Bundle.type must be collection, got ${JSON.stringify(input.type ?? null)}`, 'invalid', 400, 'Bundle.type');
    if (!Array.isArray(input.entry)) throw new FhirInputError('Bundle.entry must be a list', 'structure', 400, 'Bundle.entry');
    const resources = input.entry.map((entry: unknown, index) => {
      const at = `Bundle.entry[${index}]`;
      if (!isRecord(entry) || !isRecord(entry.resource)) throw new FhirInputError(`${at} has no resource`, 'structure', 400, `${at}.resource`);
      const type = entry.resource.resourceType;
      if (!CONTEXT_TYPES.includes(type as ContextType)) {
        throw new FhirInputError(`${at}.resource: expected ${CONTEXT_TYPES.join(', ')}, got ${JSON.stringify(type ?? null)}`, 'not-supported', 400, `${at}.resource.resourceType`);
      }
      if (entry.resource.id !== undefined && (typeof entry.resource.id !== 'string' || !RESOURCE_ID.test(entry.resource.id))) {
        throw new FhirInputError(`${at}.resource.id must be 1–64 letters, digits, "-" or "."`, 'invalid', 400, `${at}.resource.id`);
      }
      return { at, resource: structuredClone(entry.resource) };
    });
    const patients = resources.filter(({ resource }) => resource.resourceType === 'Patient');
    if (patients.length !== 1) throw new FhirInputError(`the Bundle must hold exactly one Patient, it holds ${patients.length}`, 'invalid', 400, 'Bundle.entry');
    const { at: patientAt, resource: patient } = patients[0]!;
    const nationalId = nationalIdOf(patient);
    if (!nationalId) {
      throw new FhirInputError(`${patientAt}.resource needs an identifier with system ${FODSELSNUMMER_SYSTEM} or ${D_NUMMER_SYSTEM} and 11 digits`, 'invalid', 400, `${patientAt}.resource.identifier`);
    }
    patient.id ??= derivedId('pas', nationalId);
    const patientId = patient.id as string;
    const holder = [...this.put.values()].find((context) => context.patient.id === patientId);
    if (holder && holder.nationalId !== nationalId) throw new FhirInputError(`Patient/${patientId} is another person's id here`, 'business-rule', 400, `${patientAt}.resource.id`);
    const reference = { reference: `Patient/${patientId}`, identifier: identifierOf(nationalId) };
    const context: ResidentContext = { nationalId, patient, episodesOfCare: [], carePlans: [] };
    for (const [index, { at, resource }] of resources.entries()) {
      if (resource === patient) continue;
      const field = resource.resourceType === 'EpisodeOfCare' ? 'patient' : 'subject';
      const named = resource[field];
      if (named !== undefined && (!isRecord(named) || (named.reference !== undefined && named.reference !== reference.reference))) {
        throw new FhirInputError(`${at}.resource.${field} must refer to the Bundle's Patient (${reference.reference})`, 'invalid', 400, `${at}.resource.${field}`);
      }
      resource[field] = reference;
      resource.id ??= `${patientId}-${index}`;
      (resource.resourceType === 'EpisodeOfCare' ? context.episodesOfCare : context.carePlans).push(resource);
    }
    this.put.set(nationalId, context);
    return { patientId, episodesOfCare: context.episodesOfCare.length, carePlans: context.carePlans.length };
  }

  countRead(type: ContextType): void {
    this.readsByType[type] += 1;
  }

  stats(): EpjContextStats {
    return {
      reads: Object.values(this.readsByType).reduce((sum, reads) => sum + reads, 0),
      readsByType: { ...this.readsByType },
      residentsPut: this.put.size,
    };
  }

  /** The residents put in, for GET /context. */
  putResidents(): Array<{ nationalId: string; patient: string; episodesOfCare: number; carePlans: number }> {
    return [...this.put.values()].map((context) => ({
      nationalId: context.nationalId,
      patient: `Patient/${String(context.patient.id)}`,
      episodesOfCare: context.episodesOfCare.length,
      carePlans: context.carePlans.length,
    }));
  }

  reset(): void {
    this.put = new Map();
    this.derived = new Map();
    this.readsByType = { Patient: 0, EpisodeOfCare: 0, CarePlan: 0 };
  }
}

function resourcesOf(context: ResidentContext, type: ContextType): Resource[] {
  if (type === 'Patient') return [context.patient];
  return type === 'EpisodeOfCare' ? context.episodesOfCare : context.carePlans;
}

/** Test numbers (Test Norge, and the hub's demo fleet) add 80 to the birth month, so they are never a real person's. */
function isSyntheticNationalId(nationalId: string): boolean {
  if (!/^\d{11}$/.test(nationalId)) return false;
  const month = Number(nationalId.slice(2, 4));
  return month >= 81 && month <= 92;
}

function nationalIdOf(patient: Resource): string | undefined {
  const identifiers = Array.isArray(patient.identifier) ? patient.identifier : [];
  const found = identifiers.find(
    (identifier: unknown) => isRecord(identifier) && NATIONAL_ID_SYSTEMS.includes(identifier.system as string) && typeof identifier.value === 'string' && /^\d{11}$/.test(identifier.value),
  ) as { value: string } | undefined;
  return found?.value;
}

/** A D-nummer adds 4 to the first digit of the birth day. */
function identifierOf(nationalId: string): { system: string; value: string } {
  return { system: /^[4-7]/.test(nationalId) ? D_NUMMER_SYSTEM : FODSELSNUMMER_SYSTEM, value: nationalId };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Scrambles the national id in derived ids: they must not show it, yet name it, so a fresh simulator knows whose they are. */
const ID_MASK = 0x1d5b3c9a7en;
const DERIVED_ID = /^(?:pas|eoc|cp)-([0-9a-z]{1,12})(?:-\d{1,2})?$/;

function derivedId(prefix: 'pas' | 'eoc' | 'cp', nationalId: string, index?: number): string {
  return `${prefix}-${(BigInt(nationalId) ^ ID_MASK).toString(36)}${index === undefined ? '' : `-${index}`}`;
}

function nationalIdInDerivedId(id: string): string | undefined {
  const code = DERIVED_ID.exec(id)?.[1];
  if (code === undefined) return undefined;
  const number = [...code].reduce((value, digit) => value * 36n + BigInt(parseInt(digit, 36)), 0n) ^ ID_MASK;
  const nationalId = number.toString().padStart(11, '0');
  return isSyntheticNationalId(nationalId) ? nationalId : undefined;
}

function uuidFor(seed: string): string {
  const hex = digest(`uuid:${seed}`).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The birth date a (synthetic) national id encodes; the individual number tells the century. */
function birthDateOf(nationalId: string): string {
  const day = Number(nationalId.slice(0, 2)) % 40;
  const month = Number(nationalId.slice(2, 4)) % 40;
  const year = Number(nationalId.slice(4, 6));
  const individual = Number(nationalId.slice(6, 9));
  const century = individual < 500 || individual >= 900 ? 1900 : year < 40 ? 2000 : 1800;
  return `${century + year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

interface PlannedVisit {
  header: string;
  description: string;
  timeOfDay: string;
  dayOfWeek?: string;
}

/**
 * Plausible home-care records, the same for the same number: everyone has the safety alarm
 * they are in the fleet for; most have home nursing with a morning and an evening visit.
 */
function deriveContext(nationalId: string): ResidentContext {
  const bytes = digest(`context:${nationalId}`);
  const identifier = identifierOf(nationalId);
  const patientId = derivedId('pas', nationalId);
  const reference = { reference: `Patient/${patientId}`, identifier };
  const patient: Resource = {
    resourceType: 'Patient',
    id: patientId,
    meta: { profile: [VKP_PATIENT_PROFILE] },
    identifier: [identifier],
    active: true,
    gender: Number(nationalId[8]) % 2 === 1 ? 'male' : 'female',
    birthDate: birthDateOf(nationalId),
  };
  const since = (offsetDays: number) => new Date(Date.UTC(2023, 0, 1) + (offsetDays % 900) * 86_400_000).toISOString().slice(0, 10);
  const services: Array<{ name: string; since: string }> = [{ name: 'Trygghetsalarm', since: since(bytes[0]! * 3) }];
  const homeNursing = bytes[1]! % 5 !== 0;
  const practicalHelp = bytes[2]! % 2 === 0;
  if (homeNursing) services.push({ name: 'Hjemmesykepleie', since: since(bytes[3]! * 2) });
  if (practicalHelp) services.push({ name: 'Praktisk bistand', since: since(bytes[4]! * 2) });
  if (bytes[5]! % 4 === 0) services.push({ name: 'Matombringing', since: since(bytes[6]! * 2) });
  const episodesOfCare = services.map((service, index) => ({
    resourceType: 'EpisodeOfCare',
    id: derivedId('eoc', nationalId, index),
    identifier: [{ system: UUID_SYSTEM, value: `urn:uuid:${uuidFor(`${nationalId}/${service.name}`)}` }],
    status: 'active',
    type: [{ text: service.name }],
    patient: reference,
    managingOrganization: { display: 'Hjemmetjenesten' },
    period: { start: service.since },
  }));

  const visits: PlannedVisit[] = [];
  if (homeNursing) {
    visits.push({ header: 'Tiltak', description: 'Morgenbesøk: morgenstell og medisiner', timeOfDay: ['07:30:00', '08:00:00', '08:30:00'][bytes[7]! % 3]! });
    if (bytes[8]! % 3 === 0) visits.push({ header: 'Tiltak', description: 'Middagsbesøk: tilsyn og måltid', timeOfDay: '13:00:00' });
    visits.push({ header: 'Tiltak', description: 'Kveldsbesøk: kveldsstell og medisiner', timeOfDay: ['20:30:00', '21:00:00', '21:30:00'][bytes[9]! % 3]! });
  }
  if (practicalHelp) visits.push({ header: 'Tiltak', description: 'Praktisk bistand: rengjøring', timeOfDay: '10:00:00', dayOfWeek: ['mon', 'tue', 'wed', 'thu', 'fri'][bytes[10]! % 5]! });
  const carePlans: Resource[] =
    visits.length === 0
      ? []
      : [
          {
            resourceType: 'CarePlan',
            id: derivedId('cp', nationalId),
            meta: { profile: [VKP_CAREPLAN_PROFILE] },
            identifier: [{ system: UUID_SYSTEM, value: `urn:uuid:${uuidFor(`${nationalId}/besoksplan`)}` }],
            status: 'active',
            intent: 'plan',
            category: [{ coding: [{ system: CAREPLAN_CATEGORY_SYSTEM, code: '3', display: 'besoksplan' }] }],
            title: 'Besøksplan',
            subject: reference,
            period: { start: services[0]!.since },
            author: [{ display: 'Hjemmetjenesten' }],
            activity: visits.map((visit) => ({
              detail: {
                extension: [{ url: DETAIL_HEADER_EXTENSION, valueString: visit.header }],
                status: 'scheduled',
                description: visit.description,
                scheduledTiming: {
                  repeat: visit.dayOfWeek
                    ? { frequency: 1, period: 1, periodUnit: 'wk', dayOfWeek: [visit.dayOfWeek], timeOfDay: [visit.timeOfDay] }
                    : { frequency: 1, period: 1, periodUnit: 'd', timeOfDay: [visit.timeOfDay] },
                },
              },
            })),
          },
        ];
  return { nationalId, patient, episodesOfCare, carePlans };
}

/** What the receiver lends the handler: its admission check, mode and the way it answers. */
export interface ContextRequestTools {
  /** The receiver's one admission check of FHIR requests: a refusal, or null when the request may go on. */
  admission: () => FhirInputError | null;
  mode: { fail?: number; slowMs?: number; down?: boolean };
  refuse: (error: FhirInputError) => void;
  send: (response: ServerResponse, status: number, body: unknown) => void;
  readBody: (request: IncomingMessage) => Promise<{ tooLarge: false; text: string } | { tooLarge: true }>;
}

const CONTEXT_READ = /^\/fhir\/(Patient|EpisodeOfCare|CarePlan)(?:\/([^/]+))?$/;

/** Whether the request is for the resident records: a FHIR read or search of them, or /context. */
export function isContextRequest(path: string): boolean {
  return path === '/context' || CONTEXT_READ.test(path);
}

/**
 * GET /fhir/Patient?identifier=, /fhir/EpisodeOfCare?patient=, /fhir/CarePlan?patient=&status=
 * and reads by id; POST /context puts records in, GET /context shows what was put in and read.
 * Reads are admitted and misbehave (fail, slowMs, down) as transactions do.
 */
export async function handleContextRequest(request: IncomingMessage, response: ServerResponse, url: URL, path: string, records: EpjContextRecords, tools: ContextRequestTools): Promise<void> {
  if (path === '/context') return handleContextControl(request, response, records, tools);
  const [, type, id] = CONTEXT_READ.exec(path) as unknown as [string, ContextType, string | undefined];
  records.countRead(type);
  if (request.method !== 'GET') {
    request.resume();
    return tools.refuse(new FhirInputError(`${request.method} ${path} is not supported; this EPJ only lets ${type} be read and searched`, 'not-supported', 405));
  }
  const refusal = tools.admission();
  if (refusal) return tools.refuse(refusal);
  const { mode } = tools;
  const slowly = () => new Promise((resolve) => setTimeout(resolve, mode.slowMs ?? 0));
  await slowly();
  if (mode.down) {
    request.socket.destroy();
    return;
  }
  if (mode.fail) return tools.send(response, mode.fail, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'transient', diagnostics: 'the EPJ simulator is told to fail' }] });

  if (id !== undefined) {
    const found = RESOURCE_ID.test(id) ? records.resource(type, id) : undefined;
    if (!found) return tools.refuse(new FhirInputError(`${type}/${id} is not known`, 'not-found', 404));
    return tools.send(response, 200, found);
  }
  let matches: Resource[];
  try {
    matches = search(type, url.searchParams, records);
  } catch (error) {
    if (error instanceof FhirInputError) return tools.refuse(error);
    throw error;
  }
  return tools.send(response, 200, {
    resourceType: 'Bundle',
    id: randomUUID(),
    type: 'searchset',
    total: matches.length,
    link: [{ relation: 'self', url: `${path}${url.search}` }],
    entry: matches.map((resource) => ({ fullUrl: `${type}/${String(resource.id)}`, resource, search: { mode: 'match' } })),
  });
}

const SEARCH_PARAMETERS: Record<ContextType, string[]> = {
  Patient: ['identifier'],
  EpisodeOfCare: ['patient'],
  CarePlan: ['patient', 'status'],
};

function search(type: ContextType, parameters: URLSearchParams, records: EpjContextRecords): Resource[] {
  const allowed = SEARCH_PARAMETERS[type];
  for (const name of new Set(parameters.keys())) {
    if (!allowed.includes(name)) throw new FhirInputError(`${name}: not a search parameter of ${type} here (${allowed.join(', ')})`, 'not-supported', 400);
    if (parameters.getAll(name).length > 1) throw new FhirInputError(`${name}: give it once`, 'invalid', 400);
  }
  if (type === 'Patient') {
    const token = parameters.get('identifier');
    if (token === null) throw new FhirInputError(`identifier: required, e.g. identifier=${FODSELSNUMMER_SYSTEM}|<11 digits>`, 'invalid', 400);
    const context = records.ofNationalId(nationalIdFromToken(token, 'identifier'));
    return context ? [context.patient] : [];
  }
  const patient = parameters.get('patient');
  if (patient === null) throw new FhirInputError('patient: required, as Patient/<id>, <id> or system|national id', 'invalid', 400);
  const context = patient.includes('|') ? records.ofNationalId(nationalIdFromToken(patient, 'patient')) : records.ofPatientId(patient.replace(/^Patient\//, ''));
  if (type === 'EpisodeOfCare') return context?.episodesOfCare ?? [];
  const status = parameters.get('status');
  const statuses = status === null ? undefined : status.split(',');
  const unknownStatus = statuses?.find((candidate) => !CAREPLAN_STATUSES.includes(candidate));
  if (unknownStatus !== undefined) throw new FhirInputError(`status: "${unknownStatus}" is not a CarePlan status (${CAREPLAN_STATUSES.join(', ')})`, 'invalid', 400);
  return (context?.carePlans ?? []).filter((plan) => statuses === undefined || statuses.includes(plan.status as string));
}

function nationalIdFromToken(token: string, parameter: string): string {
  const identifier = parseIdentifierToken(token);
  if (!identifier || !NATIONAL_ID_SYSTEMS.includes(identifier.system)) {
    throw new FhirInputError(`${parameter}: give system|value with system ${FODSELSNUMMER_SYSTEM} (fødselsnummer) or ${D_NUMMER_SYSTEM} (D-nummer)`, 'invalid', 400);
  }
  if (!/^\d{11}$/.test(identifier.value)) throw new FhirInputError(`${parameter}: a national id has 11 digits, got "${identifier.value.slice(0, 20)}"`, 'invalid', 400);
  return identifier.value;
}

/** POST /context puts one resident's records in; GET /context shows them and how often records were read. */
async function handleContextControl(request: IncomingMessage, response: ServerResponse, records: EpjContextRecords, tools: ContextRequestTools): Promise<void> {
  const answer = (status: number, body: unknown) => {
    response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    response.end(JSON.stringify(body));
  };
  if (request.method === 'GET') return answer(200, { stats: records.stats(), residents: records.putResidents() });
  if (request.method !== 'POST') {
    request.resume();
    return tools.refuse(new FhirInputError(`${request.method} /context is not supported; GET or POST it`, 'not-supported', 405));
  }
  const body = await tools.readBody(request);
  if (body.tooLarge) return tools.refuse(new FhirInputError('the records are too large', 'too-long', 413));
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.text);
  } catch {
    return tools.refuse(new FhirInputError('the records must be JSON: a Bundle of type collection', 'structure', 400));
  }
  try {
    return answer(201, records.putBundle(parsed));
  } catch (error) {
    if (error instanceof FhirInputError) return tools.refuse(error);
    throw error;
  }
}
