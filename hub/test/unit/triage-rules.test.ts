import { describe, expect, it } from 'vitest';
import { DEFAULT_TRIAGE_RULES, InvalidTriageRules, readTriageRules, repeatFamily } from '../../src/triage/triage-rules.js';
import { triage } from '../../src/triage/triage.js';

describe("a municipality's triage rules", () => {
  it('takes the shipped defaults for what is left out', () => {
    expect(readTriageRules({})).toEqual(DEFAULT_TRIAGE_RULES);
    expect(readTriageRules(undefined)).toEqual(DEFAULT_TRIAGE_RULES);
    expect(readTriageRules({ repeatWindowMinutes: 5 })).toEqual({ ...DEFAULT_TRIAGE_RULES, repeatWindowMinutes: 5 });
  });

  it.each([
    [[], /JSON object/],
    [{ repeatWindowMinutes: -1 }, /repeatWindowMinutes/],
    [{ repeatWindowMinutes: 2.5 }, /repeatWindowMinutes/],
    [{ repeatWindowMinutes: '10' }, /repeatWindowMinutes/],
    [{ raisingRiskFlags: 'fall-risk' }, /raisingRiskFlags/],
    [{ raisingRiskFlags: ['Fall Risk!'] }, /raisingRiskFlags/],
    [{ nightFrom: 22 }, /nightFrom: not a triage rule/],
  ])('refuses %j naming the rule', (raw, message) => {
    expect(() => readTriageRules(raw)).toThrow(InvalidTriageRules);
    expect(() => readTriageRules(raw)).toThrow(message);
  });

  it('lets a municipality choose which risk flags raise a care alarm', () => {
    const press = { eventId: 'e1', deviceId: 'd1', code: '4.13' as const, occurredAt: '2026-03-01T07:00:00.000Z' };
    const wanderer = { riskFlags: ['wandering-risk'] };
    expect(triage(press, wanderer).severity).toBe(30);
    expect(triage(press, wanderer, { ...DEFAULT_TRIAGE_RULES, raisingRiskFlags: ['wandering-risk'] }).severity).toBe(40);
    expect(triage(press, { riskFlags: ['fall-risk'] }, { ...DEFAULT_TRIAGE_RULES, raisingRiskFlags: [] }).severity).toBe(30);
  });

  it('counts a button press, a pull cord and a plain safety alarm as the same call for help', () => {
    expect(new Set(['3', '4.13', '4.14', '7'].map(repeatFamily)).size).toBe(1);
    expect(repeatFamily('4.1')).toBe('4.1');
    expect(repeatFamily('4.15')).not.toBe(repeatFamily('4.13'));
  });
});
