import { ALERT_CODES, type AlertCode, type DeviceEvent, type Severity, type TriageColour } from '@knutepunkt/device-adapters';
import { describe, expect, it } from 'vitest';
import { triage } from '../../src/triage/triage.js';

function event(code: AlertCode): DeviceEvent {
  return { eventId: `evt-${code}`, deviceId: 'dev-00042', code, occurredAt: '2025-03-12T07:14:05.000Z' };
}

/** The Norwegian words an operator reads for each risk flag. */
const FLAG_WORDS: Record<string, RegExp> = {
  'fall-risk': /fallrisiko/,
  'lives-alone': /bor alene/,
};

interface Situation {
  situation: string;
  code: AlertCode;
  flags: string[];
  severity: Severity;
  colour: TriageColour;
  raisesAlarm: boolean;
  /** The flag the reason must name because it raised the severity. */
  raisedBy?: string;
}

// One step = one VKP severity level (10 → 20 → 30 → 40); colours follow R 40, O 30, Y 20, G 10.
const SITUATIONS: Situation[] = [
  { situation: 'a fall, resident with no flags', code: '4.1', flags: [], severity: 40, colour: 'R', raisesAlarm: true },
  {
    situation: 'a fall from someone with fall risk stays critical (nothing above it)',
    code: '4.1',
    flags: ['fall-risk'],
    severity: 40,
    colour: 'R',
    raisesAlarm: true,
  },
  { situation: 'a button press', code: '4.13', flags: [], severity: 30, colour: 'O', raisesAlarm: true },
  {
    situation: 'a button press from someone living alone',
    code: '4.13',
    flags: ['lives-alone'],
    severity: 40,
    colour: 'R',
    raisesAlarm: true,
    raisedBy: 'lives-alone',
  },
  {
    situation: 'a pull cord from someone living alone',
    code: '4.14',
    flags: ['lives-alone'],
    severity: 40,
    colour: 'R',
    raisesAlarm: true,
    raisedBy: 'lives-alone',
  },
  { situation: 'a door opened', code: '4.15', flags: [], severity: 20, colour: 'Y', raisesAlarm: true },
  {
    situation: 'a door opened at the home of someone with fall risk',
    code: '4.15',
    flags: ['fall-risk'],
    severity: 30,
    colour: 'O',
    raisesAlarm: true,
    raisedBy: 'fall-risk',
  },
  {
    situation: 'left the bed, with fall risk',
    code: '4.2',
    flags: ['fall-risk'],
    severity: 30,
    colour: 'O',
    raisesAlarm: true,
    raisedBy: 'fall-risk',
  },
  {
    situation: 'both flags raise a button press one step, not two',
    code: '4.13',
    flags: ['fall-risk', 'lives-alone'],
    severity: 40,
    colour: 'R',
    raisesAlarm: true,
    raisedBy: 'fall-risk',
  },
  {
    situation: 'a flag triage does not know raises nothing',
    code: '4.15',
    flags: ['diabetes'],
    severity: 20,
    colour: 'Y',
    raisesAlarm: true,
  },
  {
    situation: 'dispenser battery low (technical) is not raised by risk flags',
    code: '1.17',
    flags: ['fall-risk', 'lives-alone'],
    // A low battery is a task for the day, not an emergency: normal, green.
    severity: 10,
    colour: 'G',
    raisesAlarm: true,
  },
  {
    situation: 'no contact with a device (technical) is not raised by risk flags',
    code: '1.20',
    flags: ['lives-alone'],
    // "Ingen kontakt" needs someone to check the device soon: moderate, yellow.
    severity: 20,
    colour: 'Y',
    raisesAlarm: true,
  },
  { situation: 'door closed is information: stored, no alarm', code: '4.16', flags: [], severity: 10, colour: 'G', raisesAlarm: false },
  {
    situation: 'door closed stays information even with fall risk',
    code: '4.16',
    flags: ['fall-risk'],
    severity: 10,
    colour: 'G',
    raisesAlarm: false,
  },
];

describe('triage', () => {
  it.each(SITUATIONS)('$situation → $severity/$colour', ({ code, flags, severity, colour, raisesAlarm, raisedBy }) => {
    const proposal = triage(event(code), { riskFlags: flags });
    expect(proposal.severity).toBe(severity);
    expect(proposal.triageColour).toBe(colour);
    expect(proposal.raisesAlarm).toBe(raisesAlarm);
    expect(proposal.kind).toBe(ALERT_CODES[code].kind);

    // The operator reads the reason: Norwegian, naming the code and what it means.
    expect(proposal.reason).toContain(code);
    expect(proposal.reason).toContain(ALERT_CODES[code].display);
    for (const [flag, words] of Object.entries(FLAG_WORDS)) {
      if (flag === raisedBy) expect(proposal.reason).toMatch(words);
      else expect(proposal.reason).not.toMatch(words);
    }
    // Internal flag keys and English words do not reach the console.
    expect(proposal.reason).not.toMatch(/fall-risk|lives-alone|severity|raised|default/i);
  });

  it('raises a care alert exactly one VKP step for a flag, for every care code below critical', () => {
    const steps: Severity[] = [10, 20, 30, 40];
    for (const [code, entry] of Object.entries(ALERT_CODES) as Array<[AlertCode, (typeof ALERT_CODES)[AlertCode]]>) {
      const plain = triage(event(code), { riskFlags: [] });
      const flagged = triage(event(code), { riskFlags: ['lives-alone'] });
      expect(plain.severity, code).toBe(entry.defaultSeverity);
      const expected = entry.kind === 'care' ? steps[Math.min(steps.indexOf(entry.defaultSeverity) + 1, steps.length - 1)] : entry.defaultSeverity;
      expect(flagged.severity, code).toBe(expected);
      expect(flagged.raisesAlarm, code).toBe(entry.kind !== 'information');
    }
  });

  it('is pure: the same input gives the same proposal and nothing is changed', () => {
    const input = Object.freeze(event('4.13'));
    const resident = Object.freeze({ riskFlags: Object.freeze(['lives-alone']) as unknown as string[] });
    const first = triage(input, resident);
    expect(triage(input, resident)).toEqual(first);
    expect(input).toEqual(event('4.13'));
    expect(resident.riskFlags).toEqual(['lives-alone']);
  });
});
