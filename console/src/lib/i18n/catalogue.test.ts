import { ALARM_STATES, CALL_OUT_REPORTS, CLOSING_CAUSES, CLOSING_MEASURES, MANUAL_LOG_STEPS } from '@knutepunkt/hub/contract';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { en } from './en';
import { translate, type Messages } from './index';
import { nb } from './nb';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();

describe('message catalogues', () => {
  it('en has exactly the keys of nb', () => {
    // The type already makes a missing or extra key a compile error; this guards the runtime object.
    expectTypeOf(en).toEqualTypeOf<Messages>();
    expect(Object.keys(en).sort()).toEqual(Object.keys(nb).sort());
  });

  it('uses the same placeholders in both languages', () => {
    for (const key of Object.keys(nb) as Array<keyof typeof nb>) {
      expect(placeholders(en[key]), key).toEqual(placeholders(nb[key]));
    }
  });

  it('has no empty message', () => {
    for (const [key, text] of [...Object.entries(nb), ...Object.entries(en)]) {
      expect(text.trim(), key).not.toBe('');
    }
  });

  it('labels every manual log step, closing cause and measure from the contract', () => {
    const keys = new Set(Object.keys(nb));
    for (const step of MANUAL_LOG_STEPS) expect(keys.has(`logStep.${step}`), step).toBe(true);
    for (const cause of CLOSING_CAUSES) expect(keys.has(`cause.${cause}`), cause).toBe(true);
    for (const measure of CLOSING_MEASURES) expect(keys.has(`measure.${measure}`), measure).toBe(true);
  });

  it('labels every alarm state, and every call-out report for the responder and for the operator', () => {
    const keys = new Set(Object.keys(nb));
    for (const state of ALARM_STATES) expect(keys.has(`state.${state}`), state).toBe(true);
    for (const report of CALL_OUT_REPORTS) {
      expect(keys.has(`responder.report.${report}`), report).toBe(true);
      expect(keys.has(`callOut.report.${report}`), report).toBe(true);
    }
    // The words on the responder's phone and the operator's buttons.
    expect([nb['responder.report.accept'], nb['responder.report.on-site'], nb['responder.report.done'], nb['action.release']]).toEqual([
      'Godta',
      'På stedet',
      'Ferdig',
      'Legg tilbake',
    ]);
  });

  it('uses the Norwegian severity names', () => {
    expect([nb['severity.40'], nb['severity.30'], nb['severity.20'], nb['severity.10'], nb['severity.0']]).toEqual([
      'Kritisk',
      'Alvorlig',
      'Moderat',
      'Normal',
      'Ikke rapportert',
    ]);
  });

  it('uses the Norwegian words of device health', () => {
    expect(translate(nb, 'device.lostSince', { time: '14:05' })).toBe('Ingen kontakt siden 14:05');
    expect([nb['deviceContact.unknown'], nb['device.inStock'], nb['outages.ongoing'], nb['nav.devices']]).toEqual([
      'Aldri hørt fra',
      'På lager',
      'pågår',
      'Utstyr',
    ]);
    expect([nb['outageCause.missed-heartbeats'], nb['outageCause.last-will']]).toEqual(['Manglende hjerteslag', 'Siste vilje (frakoblet)']);
  });

  it('fills placeholders', () => {
    expect(translate(nb, 'queue.takenBy', { name: 'Ola Nordmann' })).toBe('Tatt av Ola Nordmann');
    expect(translate(en, 'queue.takenBy')).toBe('Taken by {name}');
  });
});
