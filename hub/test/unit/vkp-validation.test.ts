import { describe, expect, it } from 'vitest';
import { UNCHECKED_R4_VALUE_SETS, VKP_R4_DIR, fhirR4Problems, r4RequiredValueSetsNotExpandable, valueSetExpansion, vkpProblems, vkpProfileUrls, type Expansion } from '../vkp-validation.js';

// The harness must fail what breaks a rule; each case below breaks one kind of rule in an
// otherwise valid resource.

const FNR = { system: 'urn:oid:2.16.578.1.12.4.1.4.1', value: '12853812313' };
const MODE = 'http://ehelse.no/fhir/CodeSystem/vkp-encounter-mode-v090';
const REASON = 'http://ehelse.no/fhir/CodeSystem/vkp-encounter-reason-v090';
const ENCOUNTER_DEVICE = 'http://ehelse.no/fhir/StructureDefinition/vkp-encounterDevice-v090';
const SEVERITY_LEVEL = 'http://ehelse.no/fhir/StructureDefinition/vkp-severity-level-v090';
const DEVICE_REFERENCE = 'http://ehelse.no/fhir/StructureDefinition/vkp-deviceReference-v090';
const ALERT_CODE = 'http://ehelse.no/fhir/CodeSystem/vkp-alert-code-v090';
const SEVERITY = 'http://ehelse.no/fhir/CodeSystem/vkp-severity-level-v090';
const DEVICE = { system: 'https://knutepunkt.no/fhir/sid/device', value: 'dev-1' };

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

function detectedIssue(): Record<string, unknown> {
  return {
    resourceType: 'DetectedIssue',
    meta: { profile: ['http://ehelse.no/fhir/StructureDefinition/vkp-DetectedIssue-v090'] },
    status: 'final',
    code: { coding: [{ system: ALERT_CODE, code: '4.1' }] },
    patient: { identifier: FNR },
  };
}

const valid: Array<[string, () => Record<string, unknown>]> = [
  ['Encounter', encounter],
  ['MedicationDispense', medicationDispense],
  ['Flag', flag],
  ['DetectedIssue', detectedIssue],
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
      'Encounter.participant[0].type[0].coding[0]: "9" is no code of vkp-encounter-mode-v090',
    ]);
    expect(vkpProblems(broken(medicationDispense, (r) => (r.category = { coding: [{ system: 'http://example.org/events', code: '1' }] })))).toEqual([
      expect.stringMatching(/MedicationDispense\.category: no coding from vkp-medicationdispense-events-v090/),
    ]);
    expect(vkpProblems(broken(detectedIssue, (r) => (r.code.coding[0].code = '4.99')))).toEqual([
      expect.stringMatching(/DetectedIssue\.code: .*#4\.99 is not in vkp-alert-code-v090/),
      'DetectedIssue.code.coding[0]: "4.99" is no code of vkp-alert-code-v090',
    ]);
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
    expect(vkpProblems(broken(flag, (r) => (r.extension[0].valueCodeableConcept.coding[0].code = '99')))).toEqual([
      expect.stringMatching(/vkp-severity-level-v090#99 is not in vkp-severity-level-v090/),
      'Flag.extension[0].valueCodeableConcept.coding[0]: "99" is no code of vkp-severity-level-v090',
    ]);
  });

  it('fails an extension used outside its contexts, on the resource, on an element and on a primitive', () => {
    // vkp-severity-level-v090 may be used on a Flag: on its code (a CodeableConcept) it may not.
    expect(vkpProblems(broken(flag, (r) => (r.code.extension = [r.extension[0]])))).toEqual([
      expect.stringMatching(/^vkp-severity-level-v090 is used on Flag\.code \(Flag\.code, a CodeableConcept\) outside its contexts Flag, and vkp-Flag-v090 slices it onto no such element$/),
    ]);
    // vkp-encounterDevice-v090 may be used on an Encounter, not on the extensions of its status.
    expect(vkpProblems(broken(encounter, (r) => (r._status = { extension: [r.extension[0]] })))).toEqual([
      expect.stringMatching(/^vkp-encounterDevice-v090 is used on Encounter\._status \(Encounter\.status, a code\) outside its contexts Encounter/),
    ]);
    // vkp-deviceReference-v090 may be used on any BackboneElement (an Encounter's participant), not on the Encounter.
    const deviceReference = { url: DEVICE_REFERENCE, valueReference: { type: 'Device', identifier: DEVICE } };
    expect(vkpProblems(broken(encounter, (r) => (r.participant[0].extension = [deviceReference])))).toEqual([]);
    expect(vkpProblems(broken(encounter, (r) => r.extension.push(deviceReference)))).toEqual([expect.stringMatching(/^vkp-deviceReference-v090 is used on Encounter outside its contexts BackboneElement/)]);
  });

  it('fails severity-level and deviceReference on a DetectedIssue: their contexts are Flag and BackboneElement, and vkp-DetectedIssue-v090 slices no extension', () => {
    const issue = broken(detectedIssue, (r) => {
      r.extension = [
        { url: SEVERITY_LEVEL, valueCodeableConcept: { coding: [{ system: SEVERITY, code: '40' }] } },
        { url: DEVICE_REFERENCE, valueReference: { type: 'Device', identifier: DEVICE } },
      ];
    });
    expect(vkpProblems(issue)).toEqual([
      expect.stringMatching(/^vkp-severity-level-v090 is used on DetectedIssue outside its contexts Flag, and vkp-DetectedIssue-v090 slices it onto no such element$/),
      expect.stringMatching(/^vkp-deviceReference-v090 is used on DetectedIssue outside its contexts BackboneElement, and vkp-DetectedIssue-v090 slices it onto no such element$/),
    ]);
  });

  it('fails a reference to a resource type its element does not allow, by R4 or by the VKP profile', () => {
    // R4 and vkp-Encounter-v090 both allow an Encounter's subject to be a Patient or a Group.
    const toDevice = broken(encounter, (r) => (r.subject = { type: 'Device', identifier: DEVICE }));
    expect(fhirR4Problems(toDevice)).toEqual(['Encounter.subject: a reference to Device is not allowed here, only to Patient, Group']);
    expect(vkpProblems(toDevice)).toEqual([
      'vkp-Encounter-v090 Encounter.subject: a reference to Device is not allowed here, only to Patient, Group (and the unpublished http://hl7.no/fhir/StructureDefinition/no-basis-Patient)',
    ]);
    // R4 allows a PractitionerRole as a participant, vkp-Encounter-v090 does not.
    const byRole = broken(encounter, (r) => (r.participant[0].individual = { type: 'PractitionerRole', identifier: DEVICE }));
    expect(fhirR4Problems(byRole)).toEqual([]);
    expect(vkpProblems(byRole)).toEqual([expect.stringMatching(/^vkp-Encounter-v090 Encounter\.participant\.individual: a reference to PractitionerRole is not allowed here, only to Practitioner, RelatedPerson, Device/)]);
    // Without `type`, a literal reference names the type; with both, they must agree.
    expect(fhirR4Problems(broken(flag, (r) => (r.subject = { reference: 'Device/dev-1' })))).toEqual([expect.stringMatching(/^Flag\.subject: a reference to Device is not allowed here/)]);
    expect(fhirR4Problems(broken(flag, (r) => (r.subject = { reference: 'Patient/p-1', type: 'Group' })))).toEqual(['Flag.subject: reference "Patient/p-1" is to Patient, not to Group as its type says']);
    // A logical reference (an identifier, no type) is allowed wherever a reference is.
    expect(fhirR4Problems(broken(flag, (r) => (r.author = { identifier: { system: 'urn:oid:2.16.578.1.12.4.1.4.101', value: '923456783' } })))).toEqual([]);
    expect(fhirR4Problems(broken(flag, (r) => (r.author = { type: 'Encounter', identifier: DEVICE })))).toEqual([expect.stringMatching(/^Flag\.author: a reference to Encounter is not allowed here/)]);
    // Within a Bundle, a reference to an entry's fullUrl is to that entry's resource type.
    const fullUrl = 'urn:uuid:1b7a0d52-7a57-5a53-9d3b-2d5f3c1f6a10';
    const bundle = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        { fullUrl, resource: encounter() },
        { fullUrl: 'urn:uuid:2c8b1e63-8b68-5b64-8e4c-3e6a4d2a7b21', resource: broken(flag, (r) => (r.subject = { reference: fullUrl })) },
      ],
    };
    expect(fhirR4Problems(bundle)).toEqual([expect.stringMatching(/^Bundle\.entry\[1\]\.resource\.subject: a reference to Encounter is not allowed here/)]);
  });

  it('expands ValueSets with filters, imports and excludes from the CodeSystems at hand', () => {
    const codes = (valueSet: Parameters<typeof valueSetExpansion>[0], system: string): Set<string> | string | undefined => {
      const expansion = valueSetExpansion(valueSet);
      expect(typeof expansion, String(expansion)).not.toBe('string');
      return (expansion as Expansion).get(system);
    };
    // R4's: descendent-of and is-not-a over nested concepts, and an import beside a concept list.
    expect(codes('http://hl7.org/fhir/ValueSet/inactive', 'http://terminology.hl7.org/CodeSystem/v3-ActMood')).toEqual(
      new Set(['CRT', 'EVN.CRT', 'GOL.CRT', 'INT.CRT', 'PRMS.CRT', 'RQO.CRT', 'RSK.CRT', 'EXPEC', 'GOL', 'RSK', 'OPT']),
    );
    expect(codes('http://hl7.org/fhir/ValueSet/patient-contactrelationship', 'http://terminology.hl7.org/CodeSystem/v2-0131')).toEqual(
      new Set(['BP', 'C', 'CP', 'E', 'EP', 'F', 'I', 'N', 'PR', 'S', 'U']),
    );
    expect(codes('http://hl7.org/fhir/ValueSet/yesnodontknow', 'http://terminology.hl7.org/CodeSystem/v2-0136')).toEqual(new Set(['Y', 'N']));
    expect(codes('http://hl7.org/fhir/ValueSet/yesnodontknow', 'http://terminology.hl7.org/CodeSystem/data-absent-reason')).toEqual(new Set(['asked-unknown']));
    // Over VKP's CodeSystems: regex, in, and an exclude. vkp-alert-code-v090 is flat (4.1 is no child of 4), so is-a 4 is 4 alone.
    const falls = { url: 'urn:test:falls', compose: { include: [{ system: ALERT_CODE, filter: [{ property: 'code', op: 'regex', value: '4\\.1[0-9]?' }] }], exclude: [{ system: ALERT_CODE, concept: [{ code: '4.11' }] }] } };
    const fallCodes = codes(falls, ALERT_CODE) as Set<string>;
    expect(fallCodes).toContain('4.1');
    expect(fallCodes).toContain('4.13');
    expect(fallCodes).not.toContain('4.11');
    expect(fallCodes).not.toContain('4.2');
    expect(codes({ url: 'urn:test:in', compose: { include: [{ system: ALERT_CODE, filter: [{ property: 'concept', op: 'in', value: '4.1, 4.11, 4.99' }] }] } }, ALERT_CODE)).toEqual(new Set(['4.1', '4.11']));
    expect(codes({ url: 'urn:test:is-a', compose: { include: [{ system: ALERT_CODE, filter: [{ property: 'concept', op: 'is-a', value: '4' }] }] } }, ALERT_CODE)).toEqual(new Set(['4']));
    const rated = {
      url: 'urn:test:rated',
      compose: { include: [{ valueSet: ['http://ehelse.no/fhir/ValueSet/vkp-severity-level-v090'] }], exclude: [{ system: SEVERITY, filter: [{ property: 'concept', op: 'in', value: '0' }] }] },
    };
    expect(codes(rated, SEVERITY)).toEqual(new Set(['10', '20', '30', '40']));
  });

  it('says why what cannot be expanded cannot be, and reports a required binding to it as unchecked', () => {
    expect(codes(valueSetExpansion('http://hl7.org/fhir/ValueSet/condition-stage-type'), 'http://snomed.info/sct')).toBe('CodeSystem http://snomed.info/sct lists not-present content, not all its codes');
    expect(codes(valueSetExpansion({ url: 'urn:test:iso', compose: { include: [{ system: 'urn:iso:std:iso:3166' }] } }), 'urn:iso:std:iso:3166')).toBe(
      'CodeSystem urn:iso:std:iso:3166 is available neither in vkp-r4 nor in R4',
    );
    expect(codes(valueSetExpansion({ url: 'urn:test:op', compose: { include: [{ system: ALERT_CODE, filter: [{ property: 'concept', op: 'child-of', value: '4' }] }] } }), ALERT_CODE)).toMatch(
      /filter "concept child-of 4" .* is not supported here/,
    );
    expect(codes(valueSetExpansion({ url: 'urn:test:property', compose: { include: [{ system: ALERT_CODE, filter: [{ property: 'status', op: '=', value: 'active' }] }] } }), ALERT_CODE)).toMatch(
      /names a property .*vkp-alert-code-v090 does not define/,
    );
    expect(valueSetExpansion({ url: 'urn:test:import', compose: { include: [{ valueSet: ['http://ehelse.no/fhir/ValueSet/vkp-unknown'] }] } })).toMatch(/ValueSet http:\/\/ehelse\.no\/fhir\/ValueSet\/vkp-unknown is published neither/);
    expect(codes(valueSetExpansion({ url: 'urn:test:exclude', compose: { include: [{ system: ALERT_CODE }], exclude: [{ system: ALERT_CODE, filter: [{ property: 'concept', op: 'child-of', value: '4' }] }] } }), ALERT_CODE)).toMatch(
      /^it excludes what cannot be expanded: /,
    );
    // vkp-Observation-v090 binds the performer's identifier system to a ValueSet vkp-r4 does not publish.
    const observation = {
      resourceType: 'Observation',
      meta: { profile: ['http://ehelse.no/fhir/StructureDefinition/vkp-Observation-v090'] },
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
      subject: { identifier: FNR },
      performer: [{ identifier: { system: 'urn:oid:2.16.578.1.12.4.1.4.4', value: '9144900' } }],
    };
    expect(fhirR4Problems(observation)).toEqual([]);
    expect(vkpProblems(observation)).toEqual([
      'vkp-Observation-v090 Observation.performer.identifier.system: "urn:oid:2.16.578.1.12.4.1.4.4" cannot be checked against vkp-performer-identifiers.valueset: ValueSet http://ehelse.no/fhir/ValueSet/vkp-performer-identifiers.valueset is published neither in vkp-r4 nor in R4',
    ]);
  });

  it('leaves unchecked exactly the R4 required bindings it cannot expand, as listed', () => {
    expect([...r4RequiredValueSetsNotExpandable().keys()].sort()).toEqual([...UNCHECKED_R4_VALUE_SETS.keys()].sort());
    // Every other required binding is checked, a CodeableConcept's too.
    const condition = () => ({ resourceType: 'Condition', subject: { reference: 'Patient/p-1' }, clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] } });
    expect(fhirR4Problems(condition())).toEqual([]);
    expect(fhirR4Problems(broken(condition, (r) => (r.clinicalStatus.coding[0].code = 'gone')))).toEqual([
      'Condition.clinicalStatus: http://terminology.hl7.org/CodeSystem/condition-clinical#gone is not in condition-clinical',
    ]);
  });

  it('fails a Coding of a VKP CodeSystem that is none of its codes, or has another display, bound or not', () => {
    const reason = (code: string, display?: string) => (r: Record<string, unknown>) => (r.statusReasonCodeableConcept = { coding: [{ system: ALERT_CODE, code, ...(display ? { display } : {}) }] });
    expect(vkpProblems(broken(medicationDispense, reason('1.1', 'Ikke utlevert')))).toEqual([]);
    expect(vkpProblems(broken(medicationDispense, reason('1.99')))).toEqual(['MedicationDispense.statusReasonCodeableConcept.coding[0]: "1.99" is no code of vkp-alert-code-v090']);
    expect(vkpProblems(broken(medicationDispense, reason('1.1', 'Ikke tatt')))).toEqual([
      'MedicationDispense.statusReasonCodeableConcept.coding[0]: display "Ikke tatt" is not vkp-alert-code-v090\'s "Ikke utlevert" for 1.1',
    ]);
  });
});


function codes(expansion: Expansion | string, system: string): Set<string> | string | undefined {
  expect(typeof expansion, String(expansion)).not.toBe('string');
  return (expansion as Expansion).get(system);
}
