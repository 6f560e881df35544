import { TIME_OF_DAY } from '../oslo-time.js';

/**
 * A municipality's journaling policy: which events become entries in the resident's record, and
 * where one entry per event would flood it, how they are gathered. Stored per tenant as JSON,
 * validated here; anything left out takes the shipped default.
 */
export type DispenserDoses = 'daily-summary' | 'each-dose' | 'none';

export interface JournalPolicy {
  /**
   * Technical alarms (low battery, power lost, no contact) are about the equipment, not the
   * resident: left out of the record unless the municipality wants them.
   */
  technicalAlarms: boolean;
  /**
   * Doses taken out of a medicine dispenser: one entry a day per resident (each dose a
   * MedicationDispense, with a Flag summing up the day), one entry per dose as it is taken, or
   * none. A missed dose that raised an alarm is in that alarm's entry whatever this says.
   */
  dispenserDoses: DispenserDoses;
  /** When the day before's dispenser summaries are written, Europe/Oslo "HH:MM". */
  dailySummaryAt: string;
}

export const DEFAULT_JOURNAL_POLICY: JournalPolicy = {
  technicalAlarms: false,
  dispenserDoses: 'daily-summary',
  dailySummaryAt: '06:00',
};

const DISPENSER_DOSES: readonly DispenserDoses[] = ['daily-summary', 'each-dose', 'none'];

export class InvalidJournalPolicy extends Error {}

/** Reads a stored or submitted policy; throws InvalidJournalPolicy naming the field at fault. */
export function readJournalPolicy(raw: unknown): JournalPolicy {
  if (raw === null || raw === undefined) return { ...DEFAULT_JOURNAL_POLICY };
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new InvalidJournalPolicy('the policy must be a JSON object');
  const fields = raw as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((key) => !(key in DEFAULT_JOURNAL_POLICY));
  if (unknown.length > 0) throw new InvalidJournalPolicy(`${unknown.join(', ')}: not part of a journaling policy (known: ${Object.keys(DEFAULT_JOURNAL_POLICY).join(', ')})`);
  const policy = { ...DEFAULT_JOURNAL_POLICY, ...fields } as JournalPolicy;
  if (typeof policy.technicalAlarms !== 'boolean') throw new InvalidJournalPolicy('technicalAlarms: true or false');
  if (!DISPENSER_DOSES.includes(policy.dispenserDoses)) throw new InvalidJournalPolicy(`dispenserDoses: one of ${DISPENSER_DOSES.join(', ')}`);
  if (typeof policy.dailySummaryAt !== 'string' || !TIME_OF_DAY.test(policy.dailySummaryAt)) {
    throw new InvalidJournalPolicy('dailySummaryAt: a time of day "HH:MM", Europe/Oslo');
  }
  return policy;
}

/**
 * Why a closed alarm gets no journal entry ('training': from a training device, which never
 * reaches a record; 'left-out': the policy leaves its kind out), or null when it gets one.
 */
export function leftOutOfJournal(policy: JournalPolicy, alarm: { kind: string; training: boolean }): 'training' | 'left-out' | null {
  if (alarm.training) return 'training';
  if (alarm.kind === 'technical' && !policy.technicalAlarms) return 'left-out';
  return null;
}
