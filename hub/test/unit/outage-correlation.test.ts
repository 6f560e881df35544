import { describe, expect, it } from 'vitest';
import { decideOutage, type OutageAlarm } from '../../src/triage/outage-correlation.js';
import { DEFAULT_TRIAGE_RULES, InvalidTriageRules, readTriageRules } from '../../src/triage/triage-rules.js';

const NOW = new Date('2026-02-10T02:14:00.000Z');
const RULES = { outageDeviceCount: 5, outageWindowSeconds: 60 };

/** An alarm from `device`, raised `secondsAgo` before NOW. */
const alarm = (device: string, secondsAgo: number, id = `${device}-${secondsAgo}`): OutageAlarm => ({
  alarmId: id,
  deviceId: device,
  raisedAt: new Date(NOW.getTime() - secondsAgo * 1000),
});
const devices = (count: number, secondsAgo = 5) => Array.from({ length: count }, (_, index) => alarm(`safety-alarm-${index + 1}`, secondsAgo));

describe('many devices losing power or contact at once', () => {
  it.each<[string, OutageAlarm[], string | null, ReturnType<typeof decideOutage>['action'], number]>([
    // situation, unattached alarms, open incident, what happens, how many alarms it takes in
    ['a power cut: five safety alarms go silent within the minute', devices(5), null, 'open', 5],
    ['fifty of them', devices(50), null, 'open', 50],
    ['four go silent: each is its own alarm', devices(4), null, 'none', 0],
    ['one dispenser reports lost power and then goes silent, with three others: still four devices', [...devices(3), alarm('dispenser-1', 20, 'power'), alarm('dispenser-1', 2, 'silent')], null, 'none', 0],
    ['five devices, but the first went silent two minutes ago: four in the window', [...devices(4), alarm('door-1', 120)], null, 'none', 0],
    ['an alarm exactly at the edge of the window counts', [...devices(4), alarm('door-1', 60)], null, 'open', 5],
    ['the outage already has an incident: the next silent device joins it', devices(1), 'incident-1', 'join', 1],
    ['an incident is open, but the alarm is older than the window: it stays apart', [alarm('door-1', 300)], 'incident-1', 'none', 0],
    ['nothing new', [], 'incident-1', 'none', 0],
  ])('%s', (_situation, unattached, openIncident, action, taken) => {
    const decision = decideOutage(unattached, openIncident, RULES, NOW);
    expect(decision.action).toBe(action);
    expect(decision.action === 'none' ? 0 : decision.alarmIds.length).toBe(taken);
    if (decision.action === 'join') expect(decision.incidentId).toBe(openIncident);
  });

  it('follows the municipality: a smaller count groups fewer devices, a longer window reaches further back, 0 never groups', () => {
    const spread = [alarm('a', 10), alarm('b', 100), alarm('c', 200)];
    expect(decideOutage(spread, null, { outageDeviceCount: 3, outageWindowSeconds: 60 }, NOW).action).toBe('none');
    expect(decideOutage(spread, null, { outageDeviceCount: 3, outageWindowSeconds: 300 }, NOW).action).toBe('open');
    expect(decideOutage(devices(2), null, { outageDeviceCount: 2, outageWindowSeconds: 60 }, NOW).action).toBe('open');
    expect(decideOutage(devices(50), 'incident-1', { outageDeviceCount: 0, outageWindowSeconds: 60 }, NOW).action).toBe('none');
  });
});

describe('the outage rules', () => {
  it('ship with five devices within a minute', () => {
    expect(readTriageRules({})).toMatchObject({ outageDeviceCount: 5, outageWindowSeconds: 60 });
    expect(readTriageRules({ outageDeviceCount: 20, outageWindowSeconds: 900 })).toEqual({ ...DEFAULT_TRIAGE_RULES, outageDeviceCount: 20, outageWindowSeconds: 900 });
    expect(readTriageRules({ outageDeviceCount: 0 }).outageDeviceCount).toBe(0);
  });

  it.each([
    [{ outageDeviceCount: 1 }, /outageDeviceCount/],
    [{ outageDeviceCount: -3 }, /outageDeviceCount/],
    [{ outageDeviceCount: 4.5 }, /outageDeviceCount/],
    [{ outageDeviceCount: '5' }, /outageDeviceCount/],
    [{ outageWindowSeconds: 0 }, /outageWindowSeconds/],
    [{ outageWindowSeconds: 7200 }, /outageWindowSeconds/],
    [{ outageWindow: 60 }, /outageWindow: not a triage rule/],
  ])('refuses %j naming the rule', (raw, message) => {
    expect(() => readTriageRules(raw)).toThrow(InvalidTriageRules);
    expect(() => readTriageRules(raw)).toThrow(message);
  });
});
