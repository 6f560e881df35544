import { describe, expect, it } from 'vitest';
import { buildMedicationDispense, buildSummaryFlag, type DispenserEventSource, type SummaryAlertSource } from '../../src/journal/vkp-dispenser-entries.js';
import type { FhirFlag, FhirMedicationDispense } from '../../src/journal/vkp-bundle.js';
import { fhirR4Problems, vkpProblems } from '../vkp-validation.js';

// Synthetic identifiers: Tenor-style test numbers (month + 80) with valid control digits.
const FODSELSNUMMER = '12853812313';
const D_NUMMER = '52853812307';

function missedDose(overrides: Partial<DispenserEventSource> = {}): DispenserEventSource {
  return {
    id: '3d1f6c2a-9b4e-4f7a-8c5d-1e2f3a4b5c6d',
    outcome: { kind: 'missed', alertCode: '1.1' },
    preparedAt: '2025-03-12T07:00:00Z',
    handedOverAt: null,
    device: { id: 'disp-0007', model: 'Dosell D-3', kind: 'medicine-dispenser', kindName: 'Medisindispenser' },
    resident: { nationalId: FODSELSNUMMER, name: 'Testesen, Kari' },
    ...overrides,
  };
}

function dailySummary(overrides: Partial<SummaryAlertSource> = {}): SummaryAlertSource {
  return {
    key: 'res-1/dispenser/2025-03-12',
    summary: 'To av fire doser ble ikke tatt ut fra medisindispenseren i dag.',
    severity: 20,
    period: { start: '2025-03-12T22:00:00Z', end: null },
    resident: { nationalId: FODSELSNUMMER, name: 'Testesen, Kari' },
    tenant: { name: 'Testvik kommune', organisationNumber: '923456783' },
    ...overrides,
  };
}

function expectValid(resource: unknown): void {
  expect(fhirR4Problems(resource)).toEqual([]);
  expect(vkpProblems(resource)).toEqual([]);
}

describe('buildMedicationDispense', () => {
  it('journals a missed dose as a valid VkpMedicationDispense, declined with the dispenser alert code', () => {
    const entry = buildMedicationDispense(missedDose());
    const dispense = entry.resource as FhirMedicationDispense;
    expectValid(dispense);
    expect(dispense.status).toBe('declined');
    expect(dispense.statusReasonCodeableConcept?.coding).toEqual([{ system: 'http://ehelse.no/fhir/CodeSystem/vkp-alert-code-v090', code: '1.1', display: 'Ikke utlevert' }]);
    expect(dispense.category.coding?.[0]).toMatchObject({ system: 'http://ehelse.no/fhir/CodeSystem/vkp-medicationdispense-events-v090', code: '1' });
    expect(dispense.subject.identifier).toEqual({ system: 'urn:oid:2.16.578.1.12.4.1.4.1', value: FODSELSNUMMER });
    expect(dispense.performer).toEqual([{ actor: { type: 'Device', identifier: { system: 'https://knutepunkt.no/fhir/sid/device', value: 'disp-0007' }, display: 'Dosell D-3' } }]);
    expect(dispense.extension?.[0]?.url).toBe('http://ehelse.no/fhir/StructureDefinition/VkpMedicationDispenseDevice-v090');
    expect(dispense.whenPrepared).toBe('2025-03-12T07:00:00.000Z');
    expect(dispense).not.toHaveProperty('whenHandedOver');
    expect(dispense.text?.div).toContain('Medisindispenser Dosell D-3 ga ut dose 12.03.2025 kl. 08:00.');
    expect(dispense.text?.div).toContain('Dosen ble ikke tatt ut av medisindispenseren (ikke utlevert).');
  });

  it('journals a dose taken out as completed, and a D-nummer resident by its own system', () => {
    const dispense = buildMedicationDispense(
      missedDose({ outcome: { kind: 'dispensed' }, handedOverAt: '2025-03-12T07:12:00Z', resident: { nationalId: D_NUMMER, name: 'Testesen, Ola' } }),
    ).resource as FhirMedicationDispense;
    expectValid(dispense);
    expect(dispense.status).toBe('completed');
    expect(dispense.whenHandedOver).toBe('2025-03-12T07:12:00.000Z');
    expect(dispense.subject.identifier?.system).toBe('urn:oid:2.16.578.1.12.4.1.4.2');
    expect(dispense).not.toHaveProperty('statusReasonCodeableConcept');
  });

  it('writes a conditional update on a stable urn:uuid identifier, so a retry is idempotent', () => {
    const entry = buildMedicationDispense(missedDose());
    const dispense = entry.resource as FhirMedicationDispense;
    expect(dispense.identifier).toEqual([{ system: 'urn:ietf:rfc:3986', value: entry.fullUrl }]);
    expect(entry.request).toEqual({ method: 'PUT', url: `MedicationDispense?identifier=urn:ietf:rfc:3986|${entry.fullUrl}` });
    expect(JSON.stringify(buildMedicationDispense(missedDose()))).toBe(JSON.stringify(entry));
    expect(buildMedicationDispense(missedDose({ id: 'another-event' })).fullUrl).not.toBe(entry.fullUrl);
  });

  it('refuses what it cannot journal correctly, naming the problem', () => {
    expect(() => buildMedicationDispense(missedDose({ outcome: { kind: 'missed', alertCode: '1.9' } }))).toThrow(/alert code "1.9"/);
    expect(() => buildMedicationDispense(missedDose({ outcome: { kind: 'dispensed' } }))).toThrow(/handedOverAt/);
    expect(() => buildMedicationDispense(missedDose({ preparedAt: '2025-03-12 07:00' }))).toThrow(/preparedAt/);
    expect(() => buildMedicationDispense(missedDose({ resident: { nationalId: '123', name: 'X' } }))).toThrow(/national id/);
  });
});

describe('buildSummaryFlag', () => {
  it('journals a summarising alert as a valid, active VkpFlag with its severity level', () => {
    const entry = buildSummaryFlag(dailySummary());
    const flag = entry.resource as FhirFlag;
    expectValid(flag);
    expect(flag.status).toBe('active');
    expect(flag.code).toEqual({
      coding: [{ system: 'http://ehelse.no/fhir/CodeSystem/vkp-flag-code-v090', code: '0', display: 'Oppsummerende varsel' }],
      text: 'To av fire doser ble ikke tatt ut fra medisindispenseren i dag.',
    });
    expect(flag.extension[0]?.valueCodeableConcept?.coding).toEqual([{ system: 'http://ehelse.no/fhir/CodeSystem/vkp-severity-level-v090', code: '20', display: 'Moderat' }]);
    expect(flag.period).toEqual({ start: '2025-03-12T22:00:00.000Z' });
    expect(flag.author).toEqual({ type: 'Organization', identifier: { system: 'urn:oid:2.16.578.1.12.4.1.4.101', value: '923456783' }, display: 'Testvik kommune' });
    expect(flag.text?.div).toContain('Gjelder fra 12.03.2025 kl. 23:00.');
  });

  it('makes an alert that has ended inactive, on the same identifier', () => {
    const open = buildSummaryFlag(dailySummary());
    const ended = buildSummaryFlag(dailySummary({ period: { start: '2025-03-12T22:00:00Z', end: '2025-03-13T08:00:00Z' } }));
    expectValid(ended.resource);
    expect((ended.resource as FhirFlag).status).toBe('inactive');
    expect(ended.request).toEqual(open.request);
    expect(ended.request.url).toBe('Flag?identifier=https://knutepunkt.no/fhir/sid/journal-entry/Flag|res-1/dispenser/2025-03-12');
    expect(ended.fullUrl).toBe(open.fullUrl);
  });

  it('refuses what it cannot journal correctly, naming the problem', () => {
    expect(() => buildSummaryFlag(dailySummary({ summary: '  ' }))).toThrow(/summary is empty/);
    expect(() => buildSummaryFlag(dailySummary({ severity: 15 as never }))).toThrow(/severity 15/);
    expect(() => buildSummaryFlag(dailySummary({ period: { start: '2025-03-12T22:00:00Z', end: '2025-03-12T21:00:00Z' } }))).toThrow(/ends before/);
    expect(() => buildSummaryFlag(dailySummary({ tenant: { name: 'Testvik kommune', organisationNumber: '12' } }))).toThrow(/organisation number/);
  });
});
