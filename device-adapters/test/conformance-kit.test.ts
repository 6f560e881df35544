import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CONFORMANCE_CONTEXT,
  decodeResultProblems,
  fixtureFilesOf,
  fuzzInputs,
  mutateBytes,
  readFixture,
  replaceJsonField,
} from '../src/conformance/index.js';
import { seededRandom } from '../src/seeded-random.js';

const GOOD_EVENT = { eventId: 'e-1', deviceId: CONFORMANCE_CONTEXT.deviceId, code: '4.1', occurredAt: '2026-03-01T07:14:05.000Z' };
const problemsOf = (result: unknown) => decodeResultProblems(result, CONFORMANCE_CONTEXT);
const folder = mkdtempSync(join(tmpdir(), 'knutepunkt-kit-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('conformance kit', () => {
  describe('decodeResultProblems', () => {
    it('finds nothing wrong with a well-formed result', () => {
      expect(problemsOf({ ok: true, events: [GOOD_EVENT], report: { battery: 50 } })).toEqual([]);
      expect(problemsOf({ ok: true, events: [], report: { dispensedAt: '2026-03-01T07:40:00.000Z' } })).toEqual([]);
      expect(problemsOf({ ok: true, events: [] })).toEqual([]);
      expect(problemsOf({ ok: false, error: { reason: 'wrong-type', detail: '"code" must be a string' } })).toEqual([]);
    });

    it.each([
      ['another device', { ...GOOD_EVENT, deviceId: 'dev-from-payload' }, /deviceId/],
      ['a code VKP does not have', { ...GOOD_EVENT, code: '4.99' }, /code/],
      ['a local time', { ...GOOD_EVENT, occurredAt: '2026-03-01T08:14:05+01:00' }, /occurredAt/],
      ['an empty id', { ...GOOD_EVENT, eventId: '' }, /eventId/],
      ['an id longer than the hub keeps', { ...GOOD_EVENT, eventId: 'x'.repeat(129) }, /eventId/],
      ['a battery of 101', { ...GOOD_EVENT, battery: 101 }, /battery/],
      ['a battery of NaN', { ...GOOD_EVENT, battery: Number.NaN }, /battery/],
      ['an undefined field', { ...GOOD_EVENT, text: undefined }, /undefined/],
      ['a field DeviceEvent does not have', { ...GOOD_EVENT, severity: 30 }, /severity/],
      ['an unknown technical condition', { ...GOOD_EVENT, technical: 'tamper' }, /technical/],
      ['a location off the globe', { ...GOOD_EVENT, location: { lat: 91, lon: 0 } }, /location/],
    ])('sees an event with %s', (_situation, event, problem) => {
      expect(problemsOf({ ok: true, events: [event] }).join('\n')).toMatch(problem);
    });

    it('sees two events with one id, which the hub would store once', () => {
      expect(problemsOf({ ok: true, events: [GOOD_EVENT, { ...GOOD_EVENT, code: '4.13' }] }).join('\n')).toMatch(/repeats/);
    });

    it.each([
      ['no ok flag', { events: [] }],
      ['events that are not an array', { ok: true, events: {} }],
      ['a reason that is none', { ok: false, error: { reason: 'bad', detail: 'x' } }],
      ['an empty detail', { ok: false, error: { reason: 'malformed', detail: ' ' } }],
      ['a detail that is the whole payload', { ok: false, error: { reason: 'malformed', detail: 'x'.repeat(501) } }],
      ['a report field DeviceReport does not have', { ok: true, events: [], report: { signal: -80 } }],
      ['a report battery out of range', { ok: true, events: [], report: { battery: -1 } }],
      ['a dose dispensed at a local time', { ok: true, events: [], report: { dispensedAt: '2026-03-01T08:40:00+01:00' } }],
      ['a Date where JSON is expected', { ok: true, events: [{ ...GOOD_EVENT, occurredAt: new Date() }] }],
    ])('sees a result with %s', (_situation, result) => {
      expect(problemsOf(result).length).toBeGreaterThan(0);
    });
  });

  describe('fixture files', () => {
    it('reads hex text with whitespace and comments', () => {
      const file = join(folder, 'x.case.hex');
      writeFileSync(file, '# version, type\n01 0A\n  ff # battery unknown\n00');
      expect([...readFixture(file)]).toEqual([0x01, 0x0a, 0xff, 0x00]);
    });

    it('refuses hex with an odd digit or a letter that is none', () => {
      writeFileSync(join(folder, 'odd.hex'), '01 0');
      writeFileSync(join(folder, 'letter.hex'), '0g');
      expect(() => readFixture(join(folder, 'odd.hex'))).toThrow(/hex/);
      expect(() => readFixture(join(folder, 'letter.hex'))).toThrow(/hex/);
    });

    it('finds an adapter’s fixtures, and the files with its prefix that are none', () => {
      const dir = mkdtempSync(join(folder, 'fixtures-'));
      for (const name of ['demo.ok.json', 'demo.frame.hex', 'demo.frame.json', 'demo.notes.txt', 'demo-other.ok.json', 'other.ok.json', 'demo..json']) {
        writeFileSync(join(dir, name), '{}');
      }
      const { fixtures, strays } = fixtureFilesOf(dir, 'demo');
      expect(fixtures.map((fixture) => fixture.fileName)).toEqual(['demo.frame.hex', 'demo.ok.json']);
      expect(strays.sort()).toEqual(['demo..json', 'demo.frame.json', 'demo.notes.txt']);
    });
  });

  describe('fuzz inputs', () => {
    const seeds = [{ bytes: new TextEncoder().encode('{"a":1,"b":[1,2]}'), json: { a: 1, b: [1, 2] } }, { bytes: Uint8Array.of(1, 2, 3) }];

    it('are the same for the same seed', () => {
      const run = () => [...fuzzInputs(seeds, seededRandom(7), 200)].map((bytes) => Buffer.from(bytes).toString('hex'));
      expect(run()).toEqual(run());
    });

    it('change the input without changing the fixture', () => {
      const source = Uint8Array.of(1, 2, 3, 4);
      const random = seededRandom(1);
      for (let round = 0; round < 50; round++) mutateBytes(source, random);
      expect([...source]).toEqual([1, 2, 3, 4]);
      const json = { a: { b: 1 } };
      for (let round = 0; round < 50; round++) replaceJsonField(json, random);
      expect(json).toEqual({ a: { b: 1 } });
    });
  });
});
