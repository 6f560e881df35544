import type { DeviceEvent } from '@knutepunkt/device-adapters';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TRIAGE_RULES, readTriageRules } from '../../src/triage/triage-rules.js';
import { endsHold, holdEnding, triage } from '../../src/triage/triage.js';

/** 08:00 in Oslo (winter): the morning dose is due and the dispenser reports it missed. */
const MISSED_AT = Date.parse('2026-01-15T07:00:00.000Z');
const minutesAfterMiss = (minutes: number) => new Date(MISSED_AT + minutes * 60_000).toISOString();
const resident = { riskFlags: [] };

interface Situation {
  situation: string;
  code: '1.1' | '1.3';
  /** The municipality's missedDoseGraceSeconds. */
  graceSeconds: number;
  /** The dispenser says the dose was taken out this many minutes after the miss (negative: before it). */
  takenOut?: number;
  /** When that report reaches the hub, in minutes after the miss; by default as it happens. */
  reported?: number;
  operatorSees: 'an alarm at once' | 'an alarm when the grace runs out' | 'nothing';
  reason?: RegExp;
}

/** What the hub makes of the miss and the report after it, from triage's rules alone. */
function whatTheOperatorSees({ code, graceSeconds, takenOut, reported }: Situation): { sees: Situation['operatorSees']; reason?: string } {
  const rules = readTriageRules({ missedDoseGraceSeconds: graceSeconds });
  const miss: DeviceEvent = { eventId: 'dose-1', deviceId: 'dispenser-1', code, occurredAt: minutesAfterMiss(0) };
  const proposal = triage(miss, resident, rules);
  expect(proposal.raisesAlarm).toBe(true);
  if (proposal.holdSeconds === undefined) return { sees: 'an alarm at once', reason: proposal.reason };
  expect(proposal.holdSeconds).toBe(graceSeconds);
  const arrivesInTime = takenOut !== undefined && (reported ?? takenOut) * 60 < proposal.holdSeconds;
  if (arrivesInTime && endsHold(miss, { dispensedAt: minutesAfterMiss(takenOut) })) return { sees: 'nothing' };
  return { sees: 'an alarm when the grace runs out', reason: triage(miss, resident, rules, { released: true }).reason };
}

const SITUATIONS: Situation[] = [
  {
    situation: 'the morning dose missed and never taken out',
    code: '1.1',
    graceSeconds: 1800,
    operatorSees: 'an alarm when the grace runs out',
    reason: /^1\.1 Ikke utlevert: .*; ikke tatt ut innen 30 min$/,
  },
  { situation: 'the morning dose taken out 20 minutes late, within the 30 minutes', code: '1.1', graceSeconds: 1800, takenOut: 20, operatorSees: 'nothing' },
  {
    situation: 'the morning dose taken out 45 minutes late, after the 30 minutes',
    code: '1.1',
    graceSeconds: 1800,
    takenOut: 45,
    operatorSees: 'an alarm when the grace runs out',
    reason: /ikke tatt ut innen 30 min/,
  },
  {
    situation: 'taken out within the grace, but the dispenser was offline and reported it only after',
    code: '1.1',
    graceSeconds: 1800,
    takenOut: 10,
    reported: 40,
    operatorSees: 'an alarm when the grace runs out',
  },
  {
    situation: 'the night dose taken out before the miss, reported late: an earlier dose, not this one',
    code: '1.1',
    graceSeconds: 1800,
    takenOut: -10,
    reported: 5,
    operatorSees: 'an alarm when the grace runs out',
  },
  {
    situation: 'a municipality with no grace (0) wants every missed dose at once',
    code: '1.1',
    graceSeconds: 0,
    takenOut: 5,
    operatorSees: 'an alarm at once',
    reason: /^1\.1 Ikke utlevert: alvorlighetsgrad 20 som standard$/,
  },
  { situation: 'the dose not confirmed, then taken out 10 minutes later', code: '1.3', graceSeconds: 1800, takenOut: 10, operatorSees: 'nothing' },
  {
    situation: 'the dose never confirmed',
    code: '1.3',
    graceSeconds: 1800,
    operatorSees: 'an alarm when the grace runs out',
    reason: /^1\.3 Mangler utleveringsbekreftelse: .*; ikke bekreftet innen 30 min$/,
  },
  {
    situation: 'a grace of 90 seconds is said in seconds',
    code: '1.1',
    graceSeconds: 90,
    operatorSees: 'an alarm when the grace runs out',
    reason: /ikke tatt ut innen 90 s$/,
  },
];

describe('a missed dose', () => {
  it.each(SITUATIONS)('$situation → $operatorSees', (situation) => {
    const { sees, reason } = whatTheOperatorSees(situation);
    expect(sees).toBe(situation.operatorSees);
    if (situation.reason) expect(reason).toMatch(situation.reason);
  });

  it('waits 30 minutes by the shipped rules', () => {
    expect(DEFAULT_TRIAGE_RULES.missedDoseGraceSeconds).toBe(1800);
    expect(triage({ eventId: 'd', deviceId: 'd', code: '1.1', occurredAt: minutesAfterMiss(0) }, resident).holdSeconds).toBe(1800);
  });

  it('is not held when other dispenser alarms are: an empty dispenser or a jammed roll is raised at once', () => {
    for (const code of ['1.8', '1.13', '1.21'] as const) {
      expect(triage({ eventId: 'd', deviceId: 'd', code, occurredAt: minutesAfterMiss(0) }, resident).holdSeconds, code).toBeUndefined();
    }
  });

  it('is ended by a dose taken out, not by a door closed; a door opening is ended by the door closed, not by a dose', () => {
    const miss = { code: '1.1', occurredAt: minutesAfterMiss(0) };
    const opened = { code: '4.15', occurredAt: minutesAfterMiss(0) };
    const closed = { code: '4.16', occurredAt: minutesAfterMiss(1) };
    const taken = { dispensedAt: minutesAfterMiss(1) };
    expect(endsHold(miss, taken)).toBe(true);
    expect(endsHold(miss, closed)).toBe(false);
    expect(endsHold(opened, closed)).toBe(true);
    expect(endsHold(opened, taken)).toBe(false);
    // Any other event ends nothing, so storing it looks for no hold to end.
    expect(holdEnding({ code: '4.13', occurredAt: minutesAfterMiss(1) }).codes).toEqual([]);
  });
});
