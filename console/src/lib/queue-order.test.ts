import type { AlarmView } from '@knutepunkt/hub/contract';
import { describe, expect, it } from 'vitest';
import {
  CLOSED_VISIBLE_MS,
  alarmAgeMs,
  compareAlarms,
  formatAge,
  isInQueue,
  isStaleUpdate,
  orderQueue,
  pickAlarmToTake,
} from './queue-order';

function alarm(overrides: Partial<AlarmView> & Pick<AlarmView, 'id'>): AlarmView {
  return {
    tenantId: 't1',
    code: '4.13',
    codeDisplay: 'Knappetrykk',
    kind: 'care',
    severity: 30,
    triageColour: 'O',
    reason: 'Knappetrykk',
    state: 'reported',
    occurredAt: '2025-01-10T08:00:00.000Z',
    raisedAt: '2025-01-10T08:00:00.000Z',
    takenBy: null,
    takenAt: null,
    closedAt: null,
    cause: null,
    measures: [],
    resident: { id: 'r1', name: 'Kari Nordmann', address: 'Storgata 1, 0155 Oslo' },
    device: { id: 'd1', model: 'Native', training: false },
    journal: { status: 'not-journaled', at: null, error: null },
    escalationLevel: 0,
    escalatedAt: null,
    repeatCount: 0,
    callOut: null,
    log: [],
    ...overrides,
  };
}

const ids = (alarms: AlarmView[]) => alarms.map((a) => a.id);

describe('queue order', () => {
  it('puts the most severe first, then the one raised earliest', () => {
    const queue = orderQueue([
      alarm({ id: 'moderate-old', severity: 20, raisedAt: '2025-01-10T07:00:00Z' }),
      alarm({ id: 'serious-new', severity: 30, raisedAt: '2025-01-10T08:05:00Z' }),
      alarm({ id: 'critical', severity: 40, raisedAt: '2025-01-10T08:10:00Z' }),
      alarm({ id: 'serious-old', severity: 30, raisedAt: '2025-01-10T08:01:00Z' }),
    ]);
    expect(ids(queue)).toEqual(['critical', 'serious-old', 'serious-new', 'moderate-old']);
  });

  it('raises an alarm one severity step for each time it escalated untaken', () => {
    const queue = orderQueue([
      alarm({ id: 'critical-fresh', severity: 40, raisedAt: '2025-01-10T08:10:00Z' }),
      alarm({ id: 'serious-escalated-twice', severity: 30, escalationLevel: 2, raisedAt: '2025-01-10T08:07:00Z' }),
      alarm({ id: 'serious-escalated-once', severity: 30, escalationLevel: 1, raisedAt: '2025-01-10T08:08:00Z' }),
    ]);
    expect(ids(queue)).toEqual(['serious-escalated-twice', 'serious-escalated-once', 'critical-fresh']);
  });

  it('puts closed alarms at the bottom, most recently closed first', () => {
    const queue = orderQueue([
      alarm({ id: 'closed-critical', severity: 40, state: 'closed', closedAt: '2025-01-10T08:02:00Z' }),
      alarm({ id: 'normal', severity: 10 }),
      alarm({ id: 'closed-later', severity: 10, state: 'closed', closedAt: '2025-01-10T08:09:00Z' }),
      alarm({ id: 'handled', severity: 20, state: 'being-handled', takenBy: { id: 'o1', displayName: 'Ola' } }),
    ]);
    expect(ids(queue)).toEqual(['handled', 'normal', 'closed-later', 'closed-critical']);
  });

  it('puts every open real alarm before any open training alarm, however urgent or old the exercise', () => {
    const training = { id: 'd9', model: 'Native', training: true };
    const queue = orderQueue([
      alarm({ id: 'training-critical-escalated', severity: 40, escalationLevel: 2, raisedAt: '2025-01-10T07:00:00Z', device: training }),
      alarm({ id: 'real-normal', severity: 10, raisedAt: '2025-01-10T08:10:00Z' }),
      alarm({ id: 'training-normal', severity: 10, raisedAt: '2025-01-10T07:30:00Z', device: training }),
      alarm({ id: 'real-critical', severity: 40, raisedAt: '2025-01-10T08:12:00Z' }),
      alarm({ id: 'closed-real', severity: 40, state: 'closed', closedAt: '2025-01-10T08:02:00Z' }),
    ]);
    expect(ids(queue)).toEqual(['real-critical', 'real-normal', 'training-critical-escalated', 'training-normal', 'closed-real']);
  });

  it('is a total order, so equal alarms keep a stable place', () => {
    const a = alarm({ id: 'a' });
    const b = alarm({ id: 'b' });
    expect(compareAlarms(a, b)).toBeLessThan(0);
    expect(compareAlarms(b, a)).toBeGreaterThan(0);
    expect(compareAlarms(a, a)).toBe(0);
  });

  it('lets closed alarms go ten minutes after closing', () => {
    const closedAt = Date.parse('2025-01-10T08:00:00Z');
    const closed = alarm({ id: 'c', state: 'closed', closedAt: new Date(closedAt).toISOString() });
    expect(isInQueue(closed, closedAt + CLOSED_VISIBLE_MS)).toBe(true);
    expect(isInQueue(closed, closedAt + CLOSED_VISIBLE_MS + 1000)).toBe(false);
    expect(isInQueue(alarm({ id: 'open' }), closedAt + 24 * 3600_000)).toBe(true);
  });
});

describe('which alarm `t` takes', () => {
  const taken = { id: 'o2', displayName: 'Per' };
  const queue = orderQueue([
    alarm({ id: 'critical-taken', severity: 40, state: 'being-handled', takenBy: taken }),
    alarm({ id: 'serious', severity: 30 }),
    alarm({ id: 'normal', severity: 10 }),
  ]);

  it('takes the most urgent alarm nobody has', () => {
    expect(pickAlarmToTake(queue, null)?.id).toBe('serious');
  });

  it('takes the selected alarm when it is free', () => {
    expect(pickAlarmToTake(queue, 'normal')?.id).toBe('normal');
  });

  it('falls back to the most urgent free alarm when the selected one is taken', () => {
    expect(pickAlarmToTake(queue, 'critical-taken')?.id).toBe('serious');
  });

  it('takes a real alarm before a more urgent training alarm', () => {
    const withExercise = orderQueue([
      alarm({ id: 'training-critical', severity: 40, device: { id: 'd9', model: 'Native', training: true } }),
      alarm({ id: 'real-normal', severity: 10 }),
    ]);
    expect(pickAlarmToTake(withExercise, null)?.id).toBe('real-normal');
  });

  it('takes nothing when every alarm is taken', () => {
    expect(pickAlarmToTake([queue[0]!], null)).toBeUndefined();
  });
});

describe('alarm age', () => {
  it('formats mm:ss under an hour and h:mm:ss from then on', () => {
    expect(formatAge(0)).toBe('00:00');
    expect(formatAge(999)).toBe('00:00');
    expect(formatAge(65_000)).toBe('01:05');
    expect(formatAge(59 * 60_000 + 59_000)).toBe('59:59');
    expect(formatAge(3600_000)).toBe('1:00:00');
    expect(formatAge(3600_000 + 2 * 60_000 + 3000)).toBe('1:02:03');
    expect(formatAge(25 * 3600_000)).toBe('25:00:00');
  });

  it('counts from raisedAt, stops at closing, and never goes negative', () => {
    const raisedAt = '2025-01-10T08:00:00.000Z';
    const raised = Date.parse(raisedAt);
    expect(alarmAgeMs({ raisedAt, closedAt: null }, raised + 90_000)).toBe(90_000);
    expect(alarmAgeMs({ raisedAt, closedAt: '2025-01-10T08:03:00.000Z' }, raised + 3600_000)).toBe(180_000);
    expect(alarmAgeMs({ raisedAt, closedAt: null }, raised - 2000)).toBe(0);
  });
});

describe('stale updates', () => {
  const step = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ code: 0, step: 'reported' as const, at: `2025-01-10T08:0${i}:00Z`, operator: null, note: null }));

  it('accepts anything for an unknown alarm', () => {
    expect(isStaleUpdate(undefined, alarm({ id: 'a' }))).toBe(false);
  });

  it('refuses a copy with a shorter log, even one in an earlier state', () => {
    const closed = alarm({ id: 'a', state: 'closed', log: step(3) });
    expect(isStaleUpdate(closed, alarm({ id: 'a', state: 'being-handled', log: step(2) }))).toBe(true);
  });

  it('accepts a step back that the log records: a release, a reopen, a call-out done', () => {
    const taken = alarm({ id: 'a', state: 'being-handled', takenBy: { id: 'o1', displayName: 'Kari' }, log: step(2) });
    expect(isStaleUpdate(taken, alarm({ id: 'a', state: 'reported', log: step(3) }))).toBe(false);
    const closed = alarm({ id: 'a', state: 'closed', log: step(5) });
    expect(isStaleUpdate(closed, alarm({ id: 'a', state: 'being-handled', log: step(6) }))).toBe(false);
    const onSite = alarm({ id: 'a', state: 'responder-on-site', log: step(5) });
    expect(isStaleUpdate(onSite, alarm({ id: 'a', state: 'being-handled', log: step(6) }))).toBe(false);
  });

  it('refuses a copy with a shorter log, accepts one with the same or a longer log', () => {
    const current = alarm({ id: 'a', state: 'being-handled', log: step(2) });
    expect(isStaleUpdate(current, alarm({ id: 'a', state: 'being-handled', log: step(1) }))).toBe(true);
    expect(isStaleUpdate(current, alarm({ id: 'a', state: 'being-handled', log: step(2) }))).toBe(false);
    expect(isStaleUpdate(current, alarm({ id: 'a', state: 'closed', log: step(4) }))).toBe(false);
  });

  it('with the same log, refuses a copy that missed an escalation or a take already known', () => {
    const escalated = alarm({ id: 'a', escalationLevel: 2, log: step(1) });
    expect(isStaleUpdate(escalated, alarm({ id: 'a', escalationLevel: 1, log: step(1) }))).toBe(true);
    expect(isStaleUpdate(escalated, alarm({ id: 'a', escalationLevel: 3, log: step(1) }))).toBe(false);
    const takenElsewhere = alarm({ id: 'a', state: 'being-handled', takenBy: { id: 'o2', displayName: 'Ola' }, log: step(1) });
    expect(isStaleUpdate(takenElsewhere, alarm({ id: 'a', log: step(1) }))).toBe(true);
  });
});
