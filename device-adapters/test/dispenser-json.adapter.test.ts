import { describe, expect, it } from 'vitest';
import { CONFORMANCE_CONTEXT, describeAdapterConformance, fixturesBeside } from '../src/conformance/index.js';
import { DispenserJsonAdapter } from '../src/dispenser-json.adapter.js';
import { ALERT_CODES, TECHNICAL_CONDITION_OF_CODE } from '../src/vkp-codes.js';
import { DISPENSER_JSON_EXPECTATIONS } from './dispenser-json.expectations.js';

const adapter = new DispenserJsonAdapter();
const encoder = new TextEncoder();
const BASE = { serial: 'MD2-004711', eventId: 1, timestamp: '2026-03-01T07:14:05Z' };
const decodeEvent = (payload: Record<string, unknown>) => adapter.decode(encoder.encode(JSON.stringify({ ...BASE, ...payload })), CONFORMANCE_CONTEXT);

describeAdapterConformance(adapter, { fixturesDir: fixturesBeside(import.meta.url), expectations: DISPENSER_JSON_EXPECTATIONS });

describe('DispenserJsonAdapter', () => {
  const EVENT_TYPES = [
    'DOSE_DUE',
    'DOSE_MISSED',
    'CONFIRMATION_MISSING',
    'MEDICATION_LOW',
    'MEDICATION_EMPTY',
    'JAMMED',
    'LID_OPEN',
    'POWER_LOST',
    'POWER_RESTORED',
    'BATTERY_LOW',
    'BATTERY_EMPTY',
  ];

  it('uses only dispenser codes (1, 1.x), with the technical condition VKP gives its own technical codes', () => {
    for (const eventType of EVENT_TYPES) {
      const result = decodeEvent({ eventType });
      if (!result.ok) throw new Error(`${eventType}: ${result.error.detail}`);
      const event = result.events[0]!;
      expect(event.code === '1' || event.code.startsWith('1.'), eventType).toBe(true);
      const technical = TECHNICAL_CONDITION_OF_CODE[event.code];
      if (technical) expect(event.technical, eventType).toBe(technical);
    }
  });

  it('raises an alarm for every event type but the dose that waits, which is information', () => {
    const kinds = EVENT_TYPES.map((eventType) => {
      const result = decodeEvent({ eventType });
      return result.ok ? ALERT_CODES[result.events[0]!.code].kind : 'failed';
    });
    expect(kinds.filter((kind) => kind === 'information')).toEqual(['information']);
    expect(kinds).not.toContain('failed');
  });

  it('makes a different event id when the dispenser counter restarts after a reset', () => {
    const before = decodeEvent({ eventType: 'LID_OPEN', eventId: 1, timestamp: '2026-02-01T07:00:00Z' });
    const after = decodeEvent({ eventType: 'LID_OPEN', eventId: 1, timestamp: '2026-03-01T07:00:00Z' });
    expect(before.ok && after.ok && before.events[0]!.eventId !== after.events[0]!.eventId).toBe(true);
  });

  it('makes no event of a dose dispensed, only a report of when it was taken out', () => {
    expect(decodeEvent({ eventType: 'DOSE_DISPENSED', battery: 55, timestamp: '2026-03-01T08:40:00+01:00' })).toStrictEqual({
      ok: true,
      events: [],
      report: { battery: 55, dispensedAt: '2026-03-01T07:40:00.000Z' },
    });
  });

  it('makes no event of a status, and reports no dose taken out', () => {
    expect(decodeEvent({ eventType: 'STATUS', battery: 55 })).toStrictEqual({ ok: true, events: [], report: { battery: 55 } });
    expect(decodeEvent({ eventType: 'STATUS' })).toStrictEqual({ ok: true, events: [] });
  });

  it.each([
    ['a lower-case event type', { eventType: 'dose_missed' }, 'unknown-code'],
    ['a fractional event id', { eventType: 'JAMMED', eventId: 1.5 }, 'wrong-type'],
    ['an event id as a string', { eventType: 'JAMMED', eventId: '4711' }, 'wrong-type'],
    ['a message over 2000 characters', { eventType: 'JAMMED', message: 'x'.repeat(2001) }, 'wrong-type'],
    ['a date without a time', { eventType: 'JAMMED', timestamp: '2026-03-01' }, 'wrong-type'],
  ])('rejects %s', (_situation, payload, reason) => {
    expect(decodeEvent(payload)).toMatchObject({ ok: false, error: { reason } });
  });
});
