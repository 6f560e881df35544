import { describe, expect, it } from 'vitest';
import { VKP_R4_DIR, fhirR4Problems, vkpProblems, vkpProfileUrls } from '../vkp-validation.js';

// The harness must fail what breaks a rule; each case below breaks one kind of rule in an
// otherwise valid resource.

const FNR = { system: 'urn:oid:2.16.578.1.12.4.1.4.1', value: '12853812313' };
const MODE = 'http://ehelse.no/fhir/CodeSystem/vkp-encounter-mode-v090';
const REASON = 'http://ehelse.no/fhir/CodeSystem/vkp-encounter-reason-v090';
const ENCOUNTER_DEVICE = 'http://ehelse.no/fhir/StructureDefinition/vkp-encounterDevice-v090';
const SEVERITY_LEVEL = 'http://ehelse.no/fhir/StructureDefinition/vkp-severity-level-v090';

function encounter(): Record<string, unknown> {
  return {
    resourceType: 'Encounter',
    meta: { profile: ['http://ehelse.no/fhir/StructureDefinition/vkp-Encounter-v090'] },
    extension: [
      {
        url: ENCOUNTER_DEVICE,
        extension: [
          { url: 'identifier', valueString: 'dev-1' },
          { url: 'displayName', valueString: 'Trygghetsalarm TA-1' },
          { url: 'type', valueString: 'safety-alarm' },
        ],
      },
    ],
    identifier: [{ system: 'urn:ietf:rfc:3986', value: 'urn:uuid:1b7a0d52-7a57-5a53-9d3b-2d5f3c1f6a10' }],
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'HH' },
    subject: { identifier: FNR },
    participant: [{ type: [{ coding: [{ system: MODE, code: '2' }] }], individual: { display: 'Per Pleier' } }],
    period: { start: '2025-03-12T07:16:00Z', end: '2025-03-12T07:49:00Z' },
    reasonCode: [{ coding: [{ system: REASON, code: '2' }] }],
  };
}

function medicationDispense(): Record<string, unknown> {
  return {
    resourceType: 'MedicationDispense',
    meta: { profile: ['http://ehelse.no/fhir/StructureDefinition/vkp-MedicationDispense-v090'] },
    identifier: [{ system: 'urn:ietf:rfc:3986', value: 'urn:uuid:2c8b1e63-8b68-5b64-8e4c-3e6a4d2a7b21' }],
    status: 'declined',
    category: { coding: [{ system: 'http://ehelse.no/fhir/CodeSystem/vkp-medicationdispense-events-v090', code: '1' }] },
    medicationCodeableConcept: { text: 'Legemidler fra medisindispenser' },
    subject: { identifier: FNR },
    performer: [{ actor: { identifier: { system: 'https://knutepunkt.no/fhir/sid/device', value: 'disp-1' } } }],
  };
}

function flag(): Record<string, unknown> {
  return {
    resourceType: 'Flag',
    meta: { profile: ['http://ehelse.no/fhir/StructureDefinition/vkp-Flag-v090'] },
    extension: [{ url: SEVERITY_LEVEL, valueCodeableConcept: { coding: [{ system: 'http://ehelse.no/fhir/CodeSystem/vkp-severity-level-v090', code: '20' }] } }],
    status: 'active',
    code: { text: 'To doser ikke tatt ut i dag' },
    subject: { identifier: FNR },
    period: { start: '2025-03-12T18:00:00Z' },
  };
}

const valid: Array<[string, () => Record<string, unknown>]> = [
  ['Encounter', encounter],
  ['MedicationDispense', medicationDispense],
  ['Flag', flag],
];

/** A valid resource with one change; the change reaches anywhere in it, so it is loosely typed. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function broken(make: () => Record<string, unknown>, change: (resource: Record<string, any>) => void): Record<string, unknown> {
  const resource = make();
  change(resource);
  return resource;
}

describe('the VKP validation harness', () => {
  it(`reads the published profiles from ${VKP_R4_DIR}`, () => {
    expect(vkpProfileUrls()).toEqual(expect.arrayContaining(['http://ehelse.no/fhir/StructureDefinition/vkp-Encounter-v090', ENCOUNTER_DEVICE, SEVERITY_LEVEL]));
  });

  for (const [name, make] of valid) {
    it(`passes a valid ${name}`, () => {
      expect(fhirR4Problems(make())).toEqual([]);
      expect(vkpProblems(make())).toEqual([]);
    });
  }

  it('fails FHIR R4 itself: a missing required element, an unknown element, a bad date-time', () => {
    expect(fhirR4Problems(broken(encounter, (r) => delete r.status))).toEqual([expect.stringMatching(/^Encounter\.status: .*required/i)]);
    expect(fhirR4Problems(broken(flag, (r) => (r.colour = 'red')))).toEqual([expect.stringMatching(/^Flag\.colour: /)]);
    expect(fhirR4Problems(broken(flag, (r) => (r.period = { start: '12.03.2025' })))).toEqual([expect.stringMatching(/^Flag\.period\.start: /)]);
    // A code outside the ValueSet R4 requires for its element, at the top, in a backbone element and in a datatype.
    expect(fhirR4Problems(broken(encounter, (r) => (r.status = 'done')))).toEqual([expect.stringMatching(/^Encounter\.status: code "done" is not in .*encounter-status/)]);
    expect(fhirR4Problems(broken(flag, (r) => (r.text = { status: 'written', div: '<div xmlns="http://www.w3.org/1999/xhtml">x</div>' })))).toEqual([
      expect.stringMatching(/^Flag\.text\.status: code "written" is not in .*narrative-status/),
    ]);
    expect(fhirR4Problems(broken(encounter, (r) => (r.identifier[0].use = 'main')))).toEqual([expect.stringMatching(/^Encounter\.identifier\[0\]\.use: code "main" is not in .*identifier-use/)]);
    // Inside a transaction Bundle too.
    const bundle = { resourceType: 'Bundle', type: 'transaction', entry: [{ resource: broken(encounter, (r) => delete r.class), request: { method: 'PUT', url: 'Encounter?identifier=a|b' } }] };
    expect(fhirR4Problems(bundle)).toEqual([expect.stringMatching(/entry\[0\]\.resource\.class/)]);
    bundle.entry[0]!.request.method = 'PATCHED';
    expect(fhirR4Problems(bundle)).toEqual(expect.arrayContaining([expect.stringMatching(/^Bundle\.entry\[0\]\.request\.method: code "PATCHED" is not in .*http-verb/)]));
  });

  it('fails a resource that claims no published VKP profile', () => {
    expect(vkpProblems(broken(flag, (r) => (r.meta = { profile: ['http://example.org/Flag'] })))).toEqual([expect.stringMatching(/claims no published VKP profile/)]);
  });

  it('fails a minimum cardinality: Encounter.period 1..1, Flag.extension:severityLevel 1..1, a slice child', () => {
    expect(vkpProblems(broken(encounter, (r) => delete r.period))).toEqual([expect.stringMatching(/Encounter\.period: 0 present, at least 1/)]);
    expect(vkpProblems(broken(flag, (r) => (r.extension = [])))).toEqual(
      expect.arrayContaining([expect.stringMatching(/Flag\.extension: 0 present, at least 1/), expect.stringMatching(/Flag\.extension:severityLevel: 0 present, at least 1/)]),
    );
    expect(vkpProblems(broken(medicationDispense, (r) => (r.subject.identifier = { system: FNR.system }))).join('\n')).toMatch(/identifier:FNR\.value: 0 present, at least 1/);
  });

  it('fails a maximum cardinality: two reasons for an Encounter (0..1), a literal performer reference (0..0)', () => {
    expect(vkpProblems(broken(encounter, (r) => r.reasonCode.push({ coding: [{ system: REASON, code: '1' }] })))).toEqual([expect.stringMatching(/Encounter\.reasonCode: 2 present, at most 1/)]);
    expect(vkpProblems(broken(medicationDispense, (r) => (r.performer[0].actor.reference = 'Device/disp-1')))).toEqual([
      expect.stringMatching(/performer\.actor\.reference: 1 present, at most 0/),
    ]);
  });

  it('fails a fixed value: the identifier system VKP fixes to urn:ietf:rfc:3986', () => {
    expect(vkpProblems(broken(encounter, (r) => (r.identifier[0].system = 'https://knutepunkt.no/fhir/sid/visit')))).toEqual([
      expect.stringMatching(/Encounter\.identifier\.system: "https:\/\/knutepunkt\.no\/fhir\/sid\/visit" is not the fixed "urn:ietf:rfc:3986"/),
    ]);
  });

  it('fails a closed slicing: a patient identifier that is neither fødselsnummer, D-nummer nor FHN', () => {
    expect(vkpProblems(broken(medicationDispense, (r) => (r.subject.identifier = { system: 'https://example.org/patient', value: '42' }))).join('\n')).toMatch(
      /subject\.identifier: .* matches none of the closed slices FNR, DNR, FHN/,
    );
  });

  it('fails a required binding: a code outside the VKP value set, or no code from it', () => {
    expect(vkpProblems(broken(encounter, (r) => (r.participant[0].type[0].coding[0].code = '9')))).toEqual([
      expect.stringMatching(/participant\.type: .*vkp-encounter-mode-v090#9 is not in vkp-encounter-mode-v090/),
    ]);
    expect(vkpProblems(broken(medicationDispense, (r) => (r.category = { coding: [{ system: 'http://example.org/events', code: '1' }] })))).toEqual([
      expect.stringMatching(/MedicationDispense\.category: no coding from vkp-medicationdispense-events-v090/),
    ]);
    const issue = {
      resourceType: 'DetectedIssue',
      meta: { profile: ['http://ehelse.no/fhir/StructureDefinition/vkp-DetectedIssue-v090'] },
      status: 'final',
      code: { coding: [{ system: 'http://ehelse.no/fhir/CodeSystem/vkp-alert-code-v090', code: '4.99' }] },
      patient: { identifier: FNR },
    };
    expect(vkpProblems(issue)).toEqual([expect.stringMatching(/DetectedIssue\.code: .*#4\.99 is not in vkp-alert-code-v090/)]);
  });

  it("fails a VKP extension's own differential: a missing part, a value on a complex extension, a value of another type", () => {
    expect(vkpProblems(broken(encounter, (r) => r.extension[0].extension.splice(1, 1)))).toEqual([expect.stringMatching(/vkp-encounterDevice-v090 Extension\.extension:displayName: 0 present, at least 1/)]);
    expect(vkpProblems(broken(encounter, (r) => (r.extension[0].valueString = 'x')))).toEqual([expect.stringMatching(/vkp-encounterDevice-v090 Extension\.value\[x\]: 1 present, at most 0/)]);
    expect(vkpProblems(broken(encounter, (r) => (r.extension[0].extension[0] = { url: 'identifier', valueInteger: 1 })))).toEqual([
      expect.stringMatching(/extension:identifier\.value\[x\]: valueInteger is not one of the allowed valueString/),
    ]);
    expect(vkpProblems(broken(flag, (r) => (r.extension[0] = { url: SEVERITY_LEVEL, valueString: 'rød' })))).toEqual(
      expect.arrayContaining([expect.stringMatching(/vkp-severity-level-v090 Extension\.value\[x\]: valueString is not one of the allowed valueCodeableConcept/)]),
    );
    expect(vkpProblems(broken(flag, (r) => (r.extension[0].valueCodeableConcept.coding[0].code = '99')))).toEqual([expect.stringMatching(/vkp-severity-level-v090#99 is not in vkp-severity-level-v090/)]);
  });
});
