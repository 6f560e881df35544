import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { describeAdapterConformance } from '../src/conformance/index.js';
import type { DecodeReason, DecodeResult, DeviceEvent } from '../src/device-event.js';
import { NativeJsonAdapter } from '../src/native-json.adapter.js';
import { seededRandom } from '../src/seeded-random.js';
import { ALERT_CODES, isAlertCode } from '../src/vkp-codes.js';
import { NATIVE_JSON_EXPECTATIONS } from './native-json.expectations.js';

/** The hub's side of a decode: which registered device, and when the message arrived. */
const context = (deviceId: string) => ({ deviceId, receivedAt: '2026-03-01T07:00:00.000Z' });
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const adapter = new NativeJsonAdapter();
const DEVICE = 'dev-00042';
const encoder = new TextEncoder();

function fixture(name: string): Uint8Array {
  return readFileSync(join(FIXTURES, `native-json.${name}.json`));
}

function decodeJson(payload: unknown, deviceId = DEVICE): DecodeResult {
  return adapter.decode(encoder.encode(JSON.stringify(payload)), context(deviceId));
}

function onlyEvent(result: DecodeResult): DeviceEvent {
  if (!result.ok) throw new Error(`expected an event, got ${result.error.reason}: ${result.error.detail}`);
  expect(result.events).toHaveLength(1);
  return result.events[0]!;
}

const BASE = { id: 'evt-1', code: '4.1', occurredAt: '2025-03-12T07:14:05Z' } as const;

describeAdapterConformance(adapter, { fixturesDir: FIXTURES, expectations: NATIVE_JSON_EXPECTATIONS });

describe('NativeJsonAdapter', () => {
  it('is registered as the native-json format taking application/json', () => {
    expect(adapter.name).toBe('native-json');
    expect(adapter.contentType).toBe('application/json');
  });

  describe('occurredAt', () => {
    it.each([
      ['UTC with Z', '2025-03-12T07:14:05Z', '2025-03-12T07:14:05.000Z'],
      ['Norwegian winter time +01:00', '2025-01-15T08:00:00+01:00', '2025-01-15T07:00:00.000Z'],
      ['Norwegian summer time +02:00', '2025-07-01T02:30:00+02:00', '2025-07-01T00:30:00.000Z'],
      ['an offset that crosses midnight and the year', '2025-01-01T00:30:00+01:00', '2024-12-31T23:30:00.000Z'],
      ['negative offset', '2025-03-12T02:14:05-05:00', '2025-03-12T07:14:05.000Z'],
      ['fractional seconds', '2025-03-12T07:14:05.123Z', '2025-03-12T07:14:05.123Z'],
      ['lower-case z', '2025-03-12T07:14:05z', '2025-03-12T07:14:05.000Z'],
    ])('is normalised to UTC ISO 8601: %s', (_situation, sent, stored) => {
      expect(onlyEvent(decodeJson({ ...BASE, occurredAt: sent })).occurredAt).toBe(stored);
    });

    it.each([
      ['not a date', 'i går kveld'],
      ['empty', ''],
      ['month 13', '2025-13-01T00:00:00Z'],
      ['hour 25', '2025-03-12T25:00:00Z'],
      ['a number', 1741763645000],
      ['null', null],
    ])('rejects %s naming the field', (_situation, occurredAt) => {
      const result = decodeJson({ ...BASE, occurredAt });
      expect(result).toMatchObject({ ok: false, error: { reason: 'wrong-type' } });
      if (!result.ok) expect(result.error.detail).toMatch(/"occurredAt"/);
    });

    it('rejects a missing occurredAt', () => {
      const { occurredAt: _occurredAt, ...withoutTime } = BASE;
      expect(decodeJson(withoutTime)).toMatchObject({ ok: false, error: { reason: 'wrong-type' } });
    });

    it.each([
      ['a bare number string', '1'],
      ['an English date', 'March 7, 2025'],
      ['the 30th of February', '2025-02-30T00:00:00Z'],
      ['a local time without a time zone, which would depend on the hub server', '2025-03-12T07:14:05'],
    ])('rejects a string that is not an ISO 8601 date-time: %s', (_situation, occurredAt) => {
      expect(decodeJson({ ...BASE, occurredAt })).toMatchObject({ ok: false, error: { reason: 'wrong-type' } });
    });
  });

  describe('deviceId', () => {
    it('comes from the argument (the topic), never the payload', () => {
      const event = onlyEvent(decodeJson({ ...BASE, deviceId: 'other' }, 'dev-from-topic'));
      expect(event.deviceId).toBe('dev-from-topic');
      expect(JSON.stringify(event)).not.toContain('other');
    });

    it('gives the same payload to two devices as two devices’ events', () => {
      const raw = fixture('minimal');
      expect(onlyEvent(adapter.decode(raw, context('dev-a'))).deviceId).toBe('dev-a');
      expect(onlyEvent(adapter.decode(raw, context('dev-b'))).deviceId).toBe('dev-b');
    });
  });

  describe('field limits', () => {
    it.each([
      ['id of 128 characters', { id: 'i'.repeat(128) }],
      ['battery 0 (empty)', { battery: 0 }],
      ['battery 100 (full)', { battery: 100 }],
      ['fractional battery', { battery: 37.5 }],
      ['the North Pole', { location: { lat: 90, lon: 0 } }],
      ['the antimeridian', { location: { lat: -45, lon: -180 } }],
      ['accuracy 0 m', { location: { lat: 59.9, lon: 10.7, accuracyM: 0 } }],
      ['text of 2000 characters', { text: 't'.repeat(2000) }],
      ['empty text', { text: '' }],
      ['an unknown extra field', { firmware: '2.1.0' }],
    ])('accepts %s', (_situation, extra) => {
      const event = onlyEvent(decodeJson({ ...BASE, ...extra }));
      for (const [field, value] of Object.entries(extra)) {
        if (field === 'id') expect(event.eventId).toBe(value);
        else if (field === 'firmware') expect(event).not.toHaveProperty('firmware');
        else expect(event[field as keyof DeviceEvent]).toEqual(value);
      }
    });

    it.each([
      ['empty id', { id: '' }, 'id'],
      ['numeric id', { id: 42 }, 'id'],
      ['battery below 0', { battery: -1 }, 'battery'],
      ['battery as a string', { battery: '80' }, 'battery'],
      ['battery null', { battery: null }, 'battery'],
      ['latitude beyond the pole', { location: { lat: 90.5, lon: 10 } }, 'lat'],
      ['longitude beyond 180', { location: { lat: 59.9, lon: 180.5 } }, 'lon'],
      ['location without lat', { location: { lon: 10.7 } }, 'lat'],
      ['location as an array', { location: [59.9, 10.7] }, 'location'],
      ['location null', { location: null }, 'location'],
      ['negative accuracy', { location: { lat: 59.9, lon: 10.7, accuracyM: -5 } }, 'accuracyM'],
      ['text as a number', { text: 12 }, 'text'],
    ])('rejects %s naming the field', (_situation, extra, field) => {
      const result = decodeJson({ ...BASE, ...extra });
      expect(result).toMatchObject({ ok: false, error: { reason: 'wrong-type' } });
      if (!result.ok) expect(result.error.detail).toContain(`"${field}"`);
    });

    it('leaves out accuracyM when the device does not report it', () => {
      expect(onlyEvent(decodeJson({ ...BASE, location: { lat: 59.9, lon: 10.7 } })).location).toStrictEqual({ lat: 59.9, lon: 10.7 });
    });
  });

  describe('code', () => {
    it('accepts every VKP alert code', () => {
      for (const code of Object.keys(ALERT_CODES)) {
        expect(onlyEvent(decodeJson({ ...BASE, code })).code).toBe(code);
      }
    });

    it.each([
      ['a code from no VKP group', '8.1'],
      ['a trailing space', '4.1 '],
      ['a prefix of a real code', '4.'],
      ['an Object.prototype name', 'toString'],
      ['__proto__', '__proto__'],
      ['empty', ''],
    ])('says unknown-code for %s', (_situation, code) => {
      expect(decodeJson({ ...BASE, code })).toMatchObject({ ok: false, error: { reason: 'unknown-code' } });
    });

    it('keeps a long unknown code out of the detail beyond a short excerpt', () => {
      const result = decodeJson({ ...BASE, code: `9.${'9'.repeat(10_000)}` });
      expect(result).toMatchObject({ ok: false, error: { reason: 'unknown-code' } });
      if (!result.ok) expect(result.error.detail.length).toBeLessThan(200);
    });
  });

  describe('bytes', () => {
    const valid = '{"id":"evt-1","code":"4.1","occurredAt":"2025-03-12T07:14:05Z","text":"';
    const tail = '"}';
    const withBytes = (...inner: number[]) => Uint8Array.from([...encoder.encode(valid), ...inner, ...encoder.encode(tail)]);

    it('accepts Norwegian letters in UTF-8', () => {
      expect(onlyEvent(adapter.decode(withBytes(...encoder.encode('Fall på badet, ring Åse')), context(DEVICE))).text).toBe('Fall på badet, ring Åse');
    });

    // Each would be a valid event if the bytes were decoded leniently (as U+FFFD).
    it.each([
      ['a lone continuation byte', [0x80]],
      ['Latin-1 "å"', [0xe5]],
      ['0xFF', [0xff]],
      ['an overlong encoding of "/"', [0xc0, 0xaf]],
      ['an encoded UTF-16 surrogate', [0xed, 0xa0, 0x80]],
      ['a truncated three-byte sequence', [0xe2, 0x82]],
    ])('says malformed for non-UTF-8 bytes: %s', (_situation, bytes) => {
      expect(adapter.decode(withBytes(...bytes), context(DEVICE))).toMatchObject({ ok: false, error: { reason: 'malformed' } });
    });

    it.each([
      ['empty', new Uint8Array()],
      ['whitespace', encoder.encode('   \n')],
      ['a JSON string', encoder.encode('"4.1"')],
      ['JSON null', encoder.encode('null')],
      ['a JSON number', encoder.encode('41')],
    ])('rejects a payload that is not a JSON object: %s', (_situation, raw) => {
      const result = adapter.decode(raw, context(DEVICE));
      expect(result.ok).toBe(false);
      if (!result.ok) expect(['malformed', 'wrong-type']).toContain(result.error.reason);
    });

    it('never throws, and keeps its promises, for thousands of pseudo-random payloads', () => {
      const random = seededRandom(0x4b6e7574);
      const seeds = ['minimal', 'full', 'foreign-device-id', 'location-without-lon'].map((name) => fixture(name));
      const reasons: DecodeReason[] = ['malformed', 'wrong-type', 'unknown-code'];
      const outcomes = new Map<string, number>();
      for (let round = 0; round < 4000; round++) {
        const raw =
          round % 3 === 0 ? randomBytes(random) : round % 3 === 1 ? mutate(seeds[round % seeds.length]!, random) : randomJson(random);
        let result: DecodeResult;
        try {
          result = adapter.decode(raw, context(DEVICE));
        } catch (error) {
          throw new Error(`decode threw for ${Buffer.from(raw).toString('base64')}: ${String(error)}`);
        }
        const outcome = result.ok ? 'ok' : result.error.reason;
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
        if (result.ok) {
          expect(result.events).toHaveLength(1);
          const event = result.events[0]!;
          expect(event.deviceId).toBe(DEVICE);
          expect(isAlertCode(event.code)).toBe(true);
          expect(event.eventId.length).toBeGreaterThan(0);
          expect(new Date(event.occurredAt).toISOString()).toBe(event.occurredAt);
          if (event.battery !== undefined) expect(event.battery >= 0 && event.battery <= 100).toBe(true);
        } else {
          expect(reasons).toContain(result.error.reason);
          expect(result.error.detail.length).toBeGreaterThan(0);
        }
      }
      // The generators reach every kind of outcome, so the loop exercised more than the JSON parser.
      expect([...outcomes.keys()].sort()).toEqual(['malformed', 'ok', 'unknown-code', 'wrong-type']);
    });
  });
});


function pick<T>(items: readonly T[], random: () => number): T {
  return items[Math.floor(random() * items.length)]!;
}

function randomBytes(random: () => number): Uint8Array {
  const bytes = new Uint8Array(Math.floor(random() * 96));
  for (let index = 0; index < bytes.length; index++) bytes[index] = Math.floor(random() * 256);
  return bytes;
}

/** A valid payload with a few bytes flipped, inserted, dropped or the end cut off. */
function mutate(source: Uint8Array, random: () => number): Uint8Array {
  const bytes = [...source];
  const edits = 1 + Math.floor(random() * 4);
  for (let edit = 0; edit < edits && bytes.length > 0; edit++) {
    const at = Math.floor(random() * bytes.length);
    const kind = Math.floor(random() * 4);
    if (kind === 0) bytes[at] = Math.floor(random() * 256);
    else if (kind === 1) bytes.splice(at, 0, Math.floor(random() * 256));
    else if (kind === 2) bytes.splice(at, 1);
    else bytes.length = at;
  }
  return Uint8Array.from(bytes);
}

const ODD_VALUES: readonly unknown[] = [
  null,
  true,
  0,
  -1,
  150,
  1e308,
  3.5,
  '',
  'x',
  '4.1',
  '9.99',
  '2025-03-12T07:14:05Z',
  '2025-03-12T08:14:05+01:00',
  'not a date',
  [],
  [1, 2],
  {},
  { lat: 59.9, lon: 10.7 },
  { lat: 91, lon: 0 },
  { lat: '59.9', lon: 10.7 },
  'ø'.repeat(3000),
];

/** An object with the native fields, each either plausible or odd. */
function randomJson(random: () => number): Uint8Array {
  const payload: Record<string, unknown> = {};
  const codes = Object.keys(ALERT_CODES);
  const plausible: Record<string, () => unknown> = {
    id: () => `evt-${Math.floor(random() * 1e6)}`,
    code: () => pick(codes, random),
    occurredAt: () => new Date(Date.UTC(2025, 0, 1) + Math.floor(random() * 3e10)).toISOString(),
    battery: () => Math.floor(random() * 101),
    location: () => ({ lat: random() * 180 - 90, lon: random() * 360 - 180 }),
    text: () => 'melding',
    deviceId: () => 'other',
  };
  for (const [field, make] of Object.entries(plausible)) {
    const roll = random();
    if (roll < 0.6) payload[field] = make();
    else if (roll < 0.85) payload[field] = pick(ODD_VALUES, random);
  }
  return encoder.encode(random() < 0.05 ? JSON.stringify([payload]) : JSON.stringify(payload));
}
