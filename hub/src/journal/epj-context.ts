import type { EpjPatientSummary, EpjPlannedVisit, EpjService } from '../realtime/contract.js';

/**
 * Reading the EPJ's context about a resident, as VKP describes it: the Patient by national id,
 * the services as EpisodeOfCare, the visit plan ("besøksplan") as the activities of active
 * CarePlans. Pure: the resources in, what the console shows out.
 */

export type FhirResource = Record<string, unknown>;

/** What the hub keeps of one read: the resources as the EPJ sent them. */
export interface EpjContextResources {
  patient: FhirResource | null;
  episodesOfCare: FhirResource[];
  carePlans: FhirResource[];
}

/** An EPJ answer the hub cannot use; `unreached` when the EPJ did not answer at all. */
export class EpjContextError extends Error {
  constructor(
    message: string,
    readonly unreached = false,
  ) {
    super(message);
    this.name = 'EpjContextError';
  }
}

const DETAIL_HEADER_EXTENSION = 'http://ehelse.no/fhir/StructureDefinition/vkp-detailheader-v090';

/** The resources of a searchset Bundle of `type`; anything else is an answer the hub cannot use. */
export function searchsetResources(body: unknown, type: string): FhirResource[] {
  if (!isRecord(body) || body.resourceType !== 'Bundle' || body.type !== 'searchset') {
    throw new EpjContextError(`the EPJ did not answer the ${type} search with a searchset Bundle`);
  }
  const entries = body.entry === undefined ? [] : body.entry;
  if (!Array.isArray(entries)) throw new EpjContextError(`the EPJ's ${type} searchset has no list of entries`);
  // A searchset may include other resources (OperationOutcome, _include); only matches count.
  return entries
    .filter((entry): entry is { resource: FhirResource } => isRecord(entry) && isRecord(entry.resource) && entry.resource.resourceType === type)
    .map((entry) => entry.resource);
}

export function summarisePatient(patient: FhirResource | null): EpjPatientSummary | null {
  if (!patient) return null;
  return { name: nameOf(patient), birthDate: text(patient.birthDate), gender: text(patient.gender) };
}

/** The services, active ones first, then by start. */
export function summariseServices(episodesOfCare: FhirResource[]): EpjService[] {
  return episodesOfCare
    .map((episode) => ({
      name: conceptText(list(episode.type)[0]) ?? '—',
      status: text(episode.status) ?? 'unknown',
      since: text(record(episode.period)?.start)?.slice(0, 10) ?? null,
      provider: text(record(episode.managingOrganization)?.display),
    }))
    .sort((a, b) => Number(b.status === 'active') - Number(a.status === 'active') || (a.since ?? '').localeCompare(b.since ?? ''));
}

/** Every activity of the plans, the earliest time of day first; activities without a time last. */
export function summariseVisitPlan(carePlans: FhirResource[]): EpjPlannedVisit[] {
  const visits = carePlans.flatMap((plan) =>
    list(plan.activity).flatMap((activity): EpjPlannedVisit[] => {
      const detail = record(record(activity)?.detail);
      if (!detail) return [];
      const repeat = record(record(detail.scheduledTiming)?.repeat);
      const header = list(detail.extension).map(record).find((extension) => extension?.url === DETAIL_HEADER_EXTENSION);
      return [
        {
          description: text(detail.description) ?? conceptText(detail.code) ?? '—',
          times: list(repeat?.timeOfDay)
            .map(text)
            .filter((time): time is string => time !== null && /^\d{2}:\d{2}/.test(time))
            .map((time) => time.slice(0, 5))
            .sort(),
          daysOfWeek: list(repeat?.dayOfWeek).map(text).filter((day): day is string => day !== null),
          periodUnit: text(repeat?.periodUnit),
          header: text(header?.valueString),
        },
      ];
    }),
  );
  return visits.sort((a, b) => (a.times[0] ?? '99').localeCompare(b.times[0] ?? '99'));
}

function nameOf(patient: FhirResource): string | null {
  const names = list(patient.name).map(record).filter((name) => name !== undefined);
  const name = names.find((candidate) => candidate.use === 'official') ?? names[0];
  if (!name) return null;
  const written = text(name.text);
  if (written) return written;
  const parts = [...list(name.given).map(text), text(name.family)].filter((part): part is string => part !== null);
  return parts.length > 0 ? parts.join(' ') : null;
}

function conceptText(concept: unknown): string | null {
  const value = record(concept);
  if (!value) return null;
  return text(value.text) ?? text(record(list(value.coding)[0])?.display);
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function record(value: unknown): Record<string, unknown> | undefined {
  return isRecord(value) ? value : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
