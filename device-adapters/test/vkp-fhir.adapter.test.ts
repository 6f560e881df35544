import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CONFORMANCE_CONTEXT, describeAdapterConformance, fixturesBeside } from '../src/conformance/index.js';
import type { DecodeResult } from '../src/device-event.js';
import { ALERT_CODE_SYSTEM, ALERT_CODES, isAlertCode } from '../src/vkp-codes.js';
import { ALERT_CODE_OF_FLAG_CODE, FLAG_CODE_SYSTEM, MEDICATION_DISPENSE_EVENT_SYSTEM, VkpFhirAdapter } from '../src/vkp-fhir.adapter.js';
import { VKP_FHIR_EXPECTATIONS } from './vkp-fhir.expectations.js';

const adapter = new VkpFhirAdapter();
const encoder = new TextEncoder();
const decodeResource = (resource: unknown): DecodeResult => adapter.decode(encoder.encode(JSON.stringify(resource)), CONFORMANCE_CONTEXT);
const FLAG = {
  resourceType: 'Flag',
  identifier: [{ system: 'urn:ietf:rfc:3986', value: 'urn:uuid:3f1c2a9e-5b7d-4e21-9c3a-0d8e7f6a5b41' }],
  status: 'active',
  code: { coding: [{ system: FLAG_CODE_SYSTEM, code: '4.1' }] },
  period: { start: '2026-03-01T08:14:05+01:00' },
};

describeAdapterConformance(adapter, { fixturesDir: fixturesBeside(import.meta.url), expectations: VKP_FHIR_EXPECTATIONS });

const VKP_R4_DIR = process.env.VKP_R4_DIR ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/vkp-r4');
const codeSystemFile = (name: string) => path.join(VKP_R4_DIR, 'CodeSystem', `${name}.codesystem.json`);
const present = existsSync(codeSystemFile('vkp-flag-code-v090'));

interface Concept {
  code: string;
  display: string;
  concept?: Concept[];
}
function concepts(name: string): { url: string; codes: Map<string, string> } {
  const system = JSON.parse(readFileSync(codeSystemFile(name), 'utf8')) as { url: string; concept: Concept[] };
  const codes = new Map<string, string>();
  const walk = (list: Concept[] | undefined) => list?.forEach((concept) => (codes.set(concept.code, concept.display), walk(concept.concept)));
  walk(system.concept);
  return { url: system.url, codes };
}

describe('VkpFhirAdapter', () => {
  describe.skipIf(!present)(`against ../shared/vkp-r4${present ? '' : ' (skipped: not present)'}`, () => {
    it('knows the system URLs of the flag codes and the dispense events', () => {
      expect(concepts('vkp-flag-code-v090').url).toBe(FLAG_CODE_SYSTEM);
      expect(concepts('vkp-medicationdispense-events-v090').url).toBe(MEDICATION_DISPENSE_EVENT_SYSTEM);
    });

    it('translates every flag code, and only those, to the alert code with the same meaning', () => {
      const flagCodes = concepts('vkp-flag-code-v090').codes;
      expect(Object.keys(ALERT_CODE_OF_FLAG_CODE).sort()).toEqual([...flagCodes.keys()].sort());
      const spoken = (display: string) => display.toLowerCase().replaceAll('_', ' ');
      for (const [flagCode, display] of flagCodes) {
        const alertCode = ALERT_CODE_OF_FLAG_CODE[flagCode]!;
        expect(isAlertCode(alertCode), flagCode).toBe(true);
        // Flag 4 "pasientvarsling" is the group the alert codes call "Digitalt tilsyn".
        if (flagCode === '4') continue;
        // The flag code system writes displays as identifiers: "dør_åpnet" for "Dør åpnet".
        expect(spoken(ALERT_CODES[alertCode].display), flagCode).toBe(spoken(display));
      }
    });
  });

  it('prefers a coding from the alert code system over a flag code', () => {
    const coding = [
      { system: FLAG_CODE_SYSTEM, code: '4.15' },
      { system: ALERT_CODE_SYSTEM, code: '4.21' },
    ];
    expect(decodeResource({ ...FLAG, code: { coding } })).toMatchObject({ ok: true, events: [{ code: '4.21' }] });
  });

  it.each([
    ['an Object.prototype name', 'constructor'],
    ['__proto__', '__proto__'],
    ['an alert code that is no flag code', '5.1'],
  ])('says unknown-code for the flag code %s', (_situation, code) => {
    expect(decodeResource({ ...FLAG, code: { coding: [{ system: FLAG_CODE_SYSTEM, code }] } })).toMatchObject({ ok: false, error: { reason: 'unknown-code' } });
  });

  it('makes the event id of an identifier without a system its value', () => {
    expect(decodeResource({ ...FLAG, identifier: [{ value: 'alarm-4711' }] })).toMatchObject({ ok: true, events: [{ eventId: 'alarm-4711' }] });
  });

  it('skips identifiers without a value to the first with one', () => {
    const identifier = [{ system: 'urn:x' }, { system: 'urn:y', value: 'v2' }];
    expect(decodeResource({ ...FLAG, identifier })).toMatchObject({ ok: true, events: [{ eventId: 'urn:y|v2' }] });
  });

  it('rejects an identifier too long for the hub’s event id, naming the element', () => {
    const result = decodeResource({ ...FLAG, identifier: [{ system: `urn:${'x'.repeat(130)}`, value: 'v' }] });
    expect(result).toMatchObject({ ok: false, error: { reason: 'wrong-type' } });
    if (!result.ok) expect(result.error.detail).toMatch(/Flag\.identifier.*128/);
  });

  it.each([
    ['a coding that is not an array', { ...FLAG, code: { coding: { system: FLAG_CODE_SYSTEM, code: '4.1' } } }, /Flag\.code\.coding/],
    ['a numeric code', { ...FLAG, code: { coding: [{ system: FLAG_CODE_SYSTEM, code: 4.1 }] } }, /Flag\.code\.coding\.code/],
    ['an identifier that is not an array', { ...FLAG, identifier: { value: 'x' } }, /Flag\.identifier/],
    ['a period that is a string', { ...FLAG, period: '2026-03-01T07:14:05Z' }, /Flag\.period/],
    ['a status in capitals', { ...FLAG, status: 'ACTIVE' }, /Flag\.status/],
    ['a code text that is not a string', { ...FLAG, code: { ...FLAG.code, text: 4 } }, /Flag\.code\.text/],
  ])('names the element for %s', (_situation, resource, detail) => {
    const result = decodeResource(resource);
    expect(result).toMatchObject({ ok: false, error: { reason: 'wrong-type' } });
    if (!result.ok) expect(result.error.detail).toMatch(detail);
  });

  it.each([
    ['completed', 0],
    ['preparation', 0],
    ['in-progress', 1],
    ['declined', 1],
    ['stopped', 1],
    ['cancelled', 1],
    ['on-hold', 1],
  ])('turns a MedicationDispense %s into %i events', (status, count) => {
    const result = decodeResource({ resourceType: 'MedicationDispense', id: 'md-1', status, whenHandedOver: '2026-03-01T07:14:05Z' });
    expect(result.ok && result.events.length).toBe(count);
  });

  it.each([
    ['whenHandedOver', { whenHandedOver: '2026-03-01T08:40:00+01:00', whenPrepared: '2026-03-01T06:00:00+01:00' }, '2026-03-01T07:40:00.000Z'],
    ['whenPrepared without whenHandedOver', { whenPrepared: '2026-03-01T08:40:00+01:00' }, '2026-03-01T07:40:00.000Z'],
    ['the arrival, with neither', {}, CONFORMANCE_CONTEXT.receivedAt],
  ])('reports a completed MedicationDispense as the dose taken out at %s', (_when, times, dispensedAt) => {
    expect(decodeResource({ resourceType: 'MedicationDispense', id: 'md-1', status: 'completed', ...times })).toStrictEqual({ ok: true, events: [], report: { dispensedAt } });
  });

  it('reports no dose taken out for a dispense that only says a message was read, nor for one in preparation', () => {
    const category = (...codes: string[]) => ({ coding: codes.map((code) => ({ system: MEDICATION_DISPENSE_EVENT_SYSTEM, code })) });
    const dispense = (status: string, extra: Record<string, unknown> = {}) => decodeResource({ resourceType: 'MedicationDispense', id: 'md-1', status, whenHandedOver: '2026-03-01T07:14:05Z', ...extra });
    expect(dispense('completed', { category: category('3') })).toStrictEqual({ ok: true, events: [] });
    expect(dispense('completed', { category: category('3', '1.1') })).toMatchObject({ report: { dispensedAt: '2026-03-01T07:14:05.000Z' } });
    expect(dispense('preparation')).toStrictEqual({ ok: true, events: [] });
  });

  it.each([['unknown'], ['entered-in-error'], ['Completed']])('rejects the MedicationDispense status %s', (status) => {
    expect(decodeResource({ resourceType: 'MedicationDispense', id: 'md-1', status })).toMatchObject({ ok: false, error: { reason: 'wrong-type' } });
  });

  it('does not read the payload’s patient or device as the device', () => {
    const result = decodeResource({ ...FLAG, subject: { identifier: { system: 'urn:oid:2.16.578.1.12.4.1.4.1', value: '12853812313' } } });
    expect(result).toMatchObject({ ok: true, events: [{ deviceId: CONFORMANCE_CONTEXT.deviceId }] });
  });
});
