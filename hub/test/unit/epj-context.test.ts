import { describe, expect, it } from 'vitest';
import { EpjContextError, searchsetResources, summarisePatient, summariseServices, summariseVisitPlan } from '../../src/journal/epj-context.js';

describe('an EPJ search answer', () => {
  it('gives the matches of the type searched, leaving out included resources and outcomes', () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      entry: [{ resource: { resourceType: 'Patient', id: 'a' } }, { resource: { resourceType: 'OperationOutcome' } }, { fullUrl: 'x' }],
    };
    expect(searchsetResources(bundle, 'Patient')).toEqual([{ resourceType: 'Patient', id: 'a' }]);
    expect(searchsetResources({ resourceType: 'Bundle', type: 'searchset', total: 0 }, 'Patient')).toEqual([]);
  });

  it('is refused, saying why, when it is not a searchset', () => {
    expect(() => searchsetResources({ resourceType: 'OperationOutcome' }, 'CarePlan')).toThrow(new EpjContextError('the EPJ did not answer the CarePlan search with a searchset Bundle'));
    expect(() => searchsetResources({ resourceType: 'Bundle', type: 'searchset', entry: {} }, 'CarePlan')).toThrow(/has no list of entries/);
  });
});

describe('summaries for the console', () => {
  it("names the patient by the official name's text, else given and family names", () => {
    expect(summarisePatient({ name: [{ use: 'old', text: 'Astrid Olsen' }, { use: 'official', given: ['Astrid', 'Marie'], family: 'Hansen' }], birthDate: '1930-01-01' })).toEqual({
      name: 'Astrid Marie Hansen',
      birthDate: '1930-01-01',
      gender: null,
    });
    expect(summarisePatient({ name: [{ text: 'Kåre Nilsen' }], gender: 'male' })).toMatchObject({ name: 'Kåre Nilsen', gender: 'male' });
    expect(summarisePatient({})).toEqual({ name: null, birthDate: null, gender: null });
    expect(summarisePatient(null)).toBeNull();
  });

  it('lists active services first, by the day they began, named by type text or coding display', () => {
    const services = summariseServices([
      { status: 'finished', type: [{ text: 'Dagsenter' }], period: { start: '2019-05-01T00:00:00+02:00' } },
      { status: 'active', type: [{ coding: [{ display: 'Hjemmesykepleie' }] }], period: { start: '2024-03-01' } },
      { status: 'active', type: [{ text: 'Trygghetsalarm' }], period: { start: '2022-01-01' }, managingOrganization: { display: 'Hjemmetjenesten' } },
      { type: 'not a list' },
    ]);
    expect(services).toEqual([
      { name: 'Trygghetsalarm', status: 'active', since: '2022-01-01', provider: 'Hjemmetjenesten' },
      { name: 'Hjemmesykepleie', status: 'active', since: '2024-03-01', provider: null },
      { name: '—', status: 'unknown', since: null, provider: null },
      { name: 'Dagsenter', status: 'finished', since: '2019-05-01', provider: null },
    ]);
  });

  it("puts every plan's visits in the order of the day, those without a time last", () => {
    const visits = summariseVisitPlan([
      { activity: [{ detail: { description: 'Kveld', scheduledTiming: { repeat: { periodUnit: 'd', timeOfDay: ['21:00:00'] } } } }, { detail: { description: 'Ved behov' } }, { reference: {} }] },
      {
        activity: [
          {
            detail: {
              extension: [{ url: 'http://ehelse.no/fhir/StructureDefinition/vkp-detailheader-v090', valueString: 'Tiltak' }],
              code: { text: 'Rengjøring' },
              scheduledTiming: { repeat: { periodUnit: 'wk', dayOfWeek: ['thu'], timeOfDay: ['10:00:00', 'bad'] } },
            },
          },
        ],
      },
    ]);
    expect(visits).toEqual([
      { description: 'Rengjøring', times: ['10:00'], daysOfWeek: ['thu'], periodUnit: 'wk', header: 'Tiltak' },
      { description: 'Kveld', times: ['21:00'], daysOfWeek: [], periodUnit: 'd', header: null },
      { description: 'Ved behov', times: [], daysOfWeek: [], periodUnit: null, header: null },
    ]);
  });
});
