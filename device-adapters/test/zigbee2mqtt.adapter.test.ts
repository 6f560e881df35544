import { describe, expect, it } from 'vitest';
import { CONFORMANCE_CONTEXT, describeAdapterConformance, fixturesBeside } from '../src/conformance/index.js';
import type { DecodeResult } from '../src/device-event.js';
import { Zigbee2MqttAdapter } from '../src/zigbee2mqtt.adapter.js';
import { ZIGBEE2MQTT_EXPECTATIONS } from './zigbee2mqtt.expectations.js';

const adapter = new Zigbee2MqttAdapter();
const encoder = new TextEncoder();
const decodeState = (state: unknown, deviceId = CONFORMANCE_CONTEXT.deviceId): DecodeResult =>
  adapter.decode(encoder.encode(JSON.stringify(state)), { ...CONFORMANCE_CONTEXT, deviceId });

describeAdapterConformance(adapter, { fixturesDir: fixturesBeside(import.meta.url), expectations: ZIGBEE2MQTT_EXPECTATIONS });

describe('Zigbee2MqttAdapter', () => {
  it('gives each child sensor of one gateway its own events, keyed by the sensor the hub resolved', () => {
    const state = { contact: false, last_seen: '2026-03-01T07:14:05.000Z' };
    const hall = decodeState(state, 'sensor-hall');
    const bath = decodeState(state, 'sensor-bath');
    expect(hall).toMatchObject({ ok: true, events: [{ deviceId: 'sensor-hall', eventId: 'sensor-hall:contact:2026-03-01T07:14:05.000Z' }] });
    expect(bath).toMatchObject({ ok: true, events: [{ deviceId: 'sensor-bath', eventId: 'sensor-bath:contact:2026-03-01T07:14:05.000Z' }] });
  });

  it('makes the same event id for a redelivered message, and a new one for the next report', () => {
    const first = decodeState({ water_leak: true, last_seen: '2026-03-01T07:14:05.000Z' });
    const again = decodeState({ water_leak: true, last_seen: '2026-03-01T07:14:05.000Z' });
    const later = decodeState({ water_leak: true, last_seen: '2026-03-01T07:15:05.000Z' });
    const idOf = (result: DecodeResult) => (result.ok ? result.events[0]?.eventId : undefined);
    expect(idOf(again)).toBe(idOf(first));
    expect(idOf(later)).not.toBe(idOf(first));
  });

  it('reads every last_seen format Z2M writes as the same instant', () => {
    const occurredAt = (lastSeen: unknown) => {
      const result = decodeState({ contact: false, last_seen: lastSeen });
      return result.ok ? result.events[0]?.occurredAt : result.error.detail;
    };
    expect(occurredAt('2026-03-01T07:14:05.000Z')).toBe('2026-03-01T07:14:05.000Z');
    expect(occurredAt('2026-03-01T08:14:05+01:00')).toBe('2026-03-01T07:14:05.000Z');
    expect(occurredAt('2026-07-01T09:14:05+02:00')).toBe('2026-07-01T07:14:05.000Z');
    expect(occurredAt(1772349245000)).toBe('2026-03-01T07:14:05.000Z');
  });

  it('lists one event per state, in a fixed order, when one message says several things', () => {
    const result = decodeState({ smoke: true, water_leak: true, battery_low: true, occupancy: true, vibration: true, last_seen: '2026-03-01T07:14:05.000Z' });
    expect(result.ok && result.events.map((event) => [event.code, event.technical])).toEqual([
      ['4.17', undefined],
      ['4.11', undefined],
      ['4.18', undefined],
      ['4.18', undefined],
      ['4', 'battery-low'],
    ]);
  });

  it.each([
    ['an empty state', {}],
    ['link quality alone', { linkquality: 80 }],
    ['battery_low false', { battery_low: false }],
    ['smoke false', { smoke: false }],
    ['vibration false', { vibration: false }],
    ['tamper alone', { tamper: true }],
    ['an action without the vibration state', { action: 'drop' }],
  ])('makes no event of %s', (_situation, state) => {
    const result = decodeState(state);
    expect(result).toMatchObject({ ok: true, events: [] });
    // A state that raises nothing is still reported, so the hub sees it return to normal.
    const reported = Object.fromEntries(Object.entries(state).filter(([, value]) => typeof value === 'boolean'));
    expect(result.ok && result.report?.states).toStrictEqual(Object.keys(reported).length > 0 ? reported : undefined);
  });

  it.each([
    ['water_leak', 1],
    ['occupancy', 'true'],
    ['battery_low', 'yes'],
    ['tamper', 0],
    ['battery', '80'],
    ['battery', -1],
    ['last_seen', '2026-03-01T07:14:05'],
    ['last_seen', true],
  ])('rejects %s = %j naming the key', (key, value) => {
    const result = decodeState({ [key]: value });
    expect(result).toMatchObject({ ok: false, error: { reason: 'wrong-type' } });
    if (!result.ok) expect(result.error.detail).toContain(`"${key}"`);
  });
});
