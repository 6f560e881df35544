import { describe, expect, it } from 'vitest';
import { CONFORMANCE_CONTEXT, describeAdapterConformance, fixturesBeside } from '../src/conformance/index.js';
import type { DecodeResult } from '../src/device-event.js';
import { SenmlAdapter } from '../src/senml.adapter.js';
import { SENML_EXPECTATIONS } from './senml.expectations.js';

const adapter = new SenmlAdapter();
const encoder = new TextEncoder();
const decodePack = (pack: unknown): DecodeResult => adapter.decode(encoder.encode(JSON.stringify(pack)), CONFORMANCE_CONTEXT);
const BN = 'urn:dev:mac:0024befffe804ff1:';

describeAdapterConformance(adapter, { fixturesDir: fixturesBeside(import.meta.url), expectations: SENML_EXPECTATIONS });

describe('SenmlAdapter', () => {
  describe('time (RFC 8428 §4.5.3)', () => {
    const timeOf = (record: Record<string, unknown>) => {
      const result = decodePack([{ bn: BN, n: 'button', vb: true, ...record }]);
      return result.ok ? result.events[0]?.occurredAt : result.error.detail;
    };

    it('reads seconds since 1970, with fractions, as an instant', () => {
      expect(timeOf({ t: 1772349245.25 })).toBe('2026-03-01T07:14:05.250Z');
    });

    it('adds t to bt', () => {
      expect(timeOf({ bt: 1772349000, t: 245 })).toBe('2026-03-01T07:14:05.000Z');
    });

    it('takes a time below 2^28 as relative to when the hub received the pack, 0 being now', () => {
      expect(timeOf({})).toBe(CONFORMANCE_CONTEXT.receivedAt);
      expect(timeOf({ t: 0 })).toBe(CONFORMANCE_CONTEXT.receivedAt);
      expect(timeOf({ t: -3600 })).toBe('2026-03-01T06:00:00.000Z');
      expect(timeOf({ t: 2 ** 28 - 1 })).not.toMatch(/^19/);
    });

    it('takes 2^28 itself as absolute: 1978', () => {
      expect(timeOf({ t: 2 ** 28 })).toBe(new Date(2 ** 28 * 1000).toISOString());
    });

    it('rejects a time no Date can hold', () => {
      expect(decodePack([{ bn: BN, n: 'button', vb: true, t: 1e300 }])).toMatchObject({ ok: false, error: { reason: 'malformed' } });
    });
  });

  describe('base values', () => {
    it('keeps a base name for later records until another replaces it', () => {
      const result = decodePack([
        { bn: 'urn:dev:a:', bt: 1772349245, n: 'door', vb: true },
        { n: 'fall', vb: true },
        { bn: 'urn:dev:b:', n: 'fall', vb: true },
        { n: 'door', vb: false },
      ]);
      expect(result.ok && result.events.map((event) => event.eventId.split('@')[0])).toEqual([
        'urn:dev:a:door',
        'urn:dev:a:fall',
        'urn:dev:b:fall',
        'urn:dev:b:door',
      ]);
    });

    it('applies a base unit and a base value to the battery', () => {
      expect(decodePack([{ bn: BN, bt: 1772349245, bu: '%', bv: 50, n: 'battery', v: 20 }])).toStrictEqual({ ok: true, events: [], report: { battery: 70 } });
    });

    it('reports the battery with the latest time in the pack', () => {
      const pack = [
        { bn: BN, bt: 1772349245, n: 'battery', u: '%', v: 60, t: 60 },
        { n: 'battery', u: '%', v: 70, t: 0 },
      ];
      expect(decodePack(pack)).toMatchObject({ ok: true, report: { battery: 60 } });
    });

    it('calls a battery of exactly 15 % not low, and 14.9 % low', () => {
      expect(decodePack([{ bn: BN, bt: 1772349245, n: 'battery', u: '%', v: 15 }])).toStrictEqual({ ok: true, events: [], report: { battery: 15 } });
      expect(decodePack([{ bn: BN, bt: 1772349245, n: 'battery', u: '%', v: 14.9 }])).toMatchObject({ ok: true, events: [{ technical: 'battery-low', code: '4' }] });
    });
  });

  describe('names', () => {
    it.each([
      ['a name ending in the measurement after "/"', 'dev42/fall'],
      ['the bare measurement', 'fall'],
      ['a dotted urn', 'urn:dev:ow:10e2073a01080063:fall'],
    ])('maps %s', (_situation, n) => {
      expect(decodePack([{ n, t: 1772349245, vb: true }])).toMatchObject({ ok: true, events: [{ code: '4.1' }] });
    });

    it.each([
      ['a name that only ends like a measurement', 'freefall'],
      ['a capitalised measurement', 'Fall'],
      ['a measurement inside the name', 'fall/count'],
    ])('ignores %s', (_situation, n) => {
      expect(decodePack([{ n, t: 1772349245, vb: true }])).toStrictEqual({ ok: true, events: [] });
    });

    it.each([['-door'], ['door sensor'], ['']])('rejects the name %j', (n) => {
      expect(decodePack([{ n, t: 1772349245, vb: true }])).toMatchObject({ ok: false, error: { reason: 'malformed' } });
    });

    it('rejects a name too long for an event id, with the limit', () => {
      const result = decodePack([{ bn: `urn:dev:${'x'.repeat(120)}:`, n: 'door', t: 1772349245, vb: true }]);
      expect(result).toMatchObject({ ok: false, error: { reason: 'wrong-type' } });
      if (!result.ok) expect(result.error.detail).toMatch(/128/);
    });
  });

  it.each([
    ['"bn" as a number', { bn: 4 }],
    ['"bt" as a string', { bt: '1772349245' }],
    ['"vb" as a string', { vb: 'true' }],
    ['"v" as a boolean', { v: true }],
    ['"u" as a number', { u: 1 }],
  ])('says malformed for %s, naming the field', (_situation, record) => {
    const result = decodePack([{ bn: BN, bt: 1772349245, n: 'door', vb: true, ...record }]);
    expect(result).toMatchObject({ ok: false, error: { reason: 'malformed' } });
    if (!result.ok) expect(result.error.detail).toContain(`"${Object.keys(record)[0]}"`);
  });

  it('ignores fields it does not know that need not be understood', () => {
    expect(decodePack([{ bn: BN, bt: 1772349245, n: 'door', vb: true, ct: 'sensor' }])).toMatchObject({ ok: true, events: [{ code: '4.15' }] });
  });
});
