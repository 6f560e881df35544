import { describe, expect, it } from 'vitest';
import { DEFAULT_TRIAGE_RULES, InvalidTriageRules, isNight, readTriageRules, repeatFamily } from '../../src/triage/triage-rules.js';
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

describe('a door opened', () => {
  const door = (occurredAt: string) => ({ eventId: 'd1', deviceId: 'door-1', code: '4.15' as const, occurredAt });
  // 23:30 in Oslo in winter is 22:30 UTC; 14:00 in Oslo is 13:00 UTC.
  const lateEvening = '2026-01-15T22:30:00.000Z';
  const afternoon = '2026-01-15T13:00:00.000Z';
  const wanderer = { riskFlags: ['wandering-risk'] };

  it('left open at night by a resident at risk of wandering is urgent', () => {
    const proposal = triage(door(lateEvening), wanderer);
    expect(proposal).toMatchObject({ severity: 40, triageColour: 'R', kind: 'care' });
    expect(proposal.reason).toMatch(/natten.*vandrerisiko/);
  });

  it('by day, or by a resident without that risk, keeps its standard severity', () => {
    expect(triage(door(afternoon), wanderer).severity).toBe(20);
    expect(triage(door(lateEvening), { riskFlags: [] }).severity).toBe(20);
  });

  it('is held for the return time the municipality sets, and raised without a hold once released', () => {
    const rules = { ...DEFAULT_TRIAGE_RULES, doorReturnSeconds: 600 };
    expect(triage(door(afternoon), wanderer).holdSeconds).toBeUndefined();
    expect(triage(door(afternoon), wanderer, rules).holdSeconds).toBe(600);
    const released = triage(door(afternoon), wanderer, rules, { released: true });
    expect(released.holdSeconds).toBeUndefined();
    expect(released.reason).toContain('ikke lukket igjen innen 10 min');
  });

  it.each([
    ['2026-01-15T21:30:00.000Z', true], // 22:30 Oslo
    ['2026-01-16T05:30:00.000Z', true], // 06:30 Oslo
    ['2026-01-16T06:30:00.000Z', false], // 07:30 Oslo
    ['2026-07-15T20:30:00.000Z', true], // 22:30 Oslo in summer time
    ['2026-07-15T19:30:00.000Z', false], // 21:30 Oslo in summer time
  ])('counts %s as night: %s (22–07 in Europe/Oslo)', (instant, night) => {
    expect(isNight(instant, DEFAULT_TRIAGE_RULES.nightHours)).toBe(night);
  });

  it.each([
    [{ doorReturnSeconds: -5 }, /doorReturnSeconds/],
    [{ doorReturnSeconds: 99_999 }, /doorReturnSeconds/],
    [{ missedDoseGraceSeconds: -1 }, /missedDoseGraceSeconds/],
    [{ missedDoseGraceSeconds: 1800.5 }, /missedDoseGraceSeconds/],
    [{ missedDoseGraceSeconds: '30 min' }, /missedDoseGraceSeconds/],
    [{ missedDoseGraceSeconds: 14_401 }, /missedDoseGraceSeconds/],
    [{ nightHours: { from: 22 } }, /nightHours/],
    [{ nightHours: { from: 25, to: 7 } }, /nightHours/],
  ])('refuses %j naming the rule', (raw, message) => {
    expect(() => readTriageRules(raw)).toThrow(message);
  });
});
