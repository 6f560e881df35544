/**
 * The conformance kit: the test base every adapter's test calls, and that a vendor runs against
 * their own adapter. Imported as `@knutepunkt/device-adapters/conformance` (it registers vitest
 * tests and reads fixture files, so it stays out of the package's main entry).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { DecodeContext, DecodeReason, DecodeResult, DeviceAdapter, DeviceCommand, DeviceEvent, DeviceReport } from '../device-event.js';
import { seededRandom } from '../seeded-random.js';
import { fixtureFilesOf, readFixtureIn, type FixtureFile } from './fixture-files.js';
import { fuzzInputs, type FuzzSeed } from './fuzz-inputs.js';
import { decodeResultProblems } from './well-formed.js';

export { FIXTURE_EXTENSIONS, fixtureFilesOf, readFixture, type FixtureExtension, type FixtureFile } from './fixture-files.js';
export { fuzzInputs, mutateBytes, randomBytes, randomJsonValue, replaceJsonField, type FuzzSeed } from './fuzz-inputs.js';
export { decodeResultProblems, MAX_DETAIL_LENGTH } from './well-formed.js';

/** An expected event: the kit adds the context's deviceId, since a payload never chooses it. */
export type ExpectedEvent = Omit<DeviceEvent, 'deviceId'>;

/** What decoding one fixture must give, decoded with the kit's context. */
export type FixtureExpectation =
  | { ok: true; events: ExpectedEvent[]; report?: DeviceReport }
  | { ok: false; reason: DecodeReason; detail: RegExp | readonly RegExp[] };

/** `<case>` of each `<adapter>.<case>.<extension>` fixture → what it decodes to. */
export type AdapterExpectations = Readonly<Record<string, FixtureExpectation>>;

export interface ConformanceOptions {
  /** The folder holding `<adapter>.<case>.<json|hex|xml|bin>` files. */
  fixturesDir: string;
  expectations: AdapterExpectations;
  /** The hub's side of each decode; CONFORMANCE_CONTEXT unless given. */
  context?: DecodeContext;
  /** Fuzz inputs to try (default 3000) and the seed that makes them repeatable. */
  fuzzRounds?: number;
  fuzzSeed?: number;
}

/** The device and arrival time fixtures are decoded with; expectations write ids and times from it. */
export const CONFORMANCE_CONTEXT: DecodeContext = { deviceId: 'dev-00042', receivedAt: '2026-03-01T07:00:00.000Z' };
/** A second device, to show that events belong to whoever the topic says sent them. */
const OTHER_DEVICE = 'dev-77777';

/** One command of each kind; typed so that a new kind of DeviceCommand must be added here. */
const ONE_COMMAND_OF_EACH_KIND: { [Kind in DeviceCommand['kind']]: Extract<DeviceCommand, { kind: Kind }> } = {
  'alarm-received': { kind: 'alarm-received', alarmId: '5f0c6f1e-3a44-4b7e-9d8c-2f1a0b9e7c11' },
  configure: { kind: 'configure', heartbeatSeconds: 900 },
  test: { kind: 'test' },
};

function decodeOrReport(adapter: DeviceAdapter, raw: Uint8Array, context: DecodeContext): DecodeResult | { threw: unknown } {
  try {
    return adapter.decode(raw, context);
  } catch (error) {
    return { threw: error };
  }
}

function withDevice(events: readonly ExpectedEvent[], deviceId: string): DeviceEvent[] {
  return events.map((event) => ({ ...event, deviceId }));
}

/**
 * Registers the conformance tests of one adapter:
 * (a) fixtures and expectations name the same cases;
 * (b) each fixture decodes to its expectation, events compared field by field (absent fields
 *     must be absent), failures by reason and detail patterns;
 * (c) decoding is deterministic and leaves the input bytes alone;
 * (d) every fixture's result is well-formed (decodeResultProblems): the context's deviceId on
 *     every event, whichever device decodes it, VKP alert codes, UTC instants, unique event ids;
 * (e) fuzz: random bytes, mutated fixtures and JSON fixtures with fields replaced never make
 *     decode throw and always give a well-formed result;
 * (f) encodeCommand, when the format has it, gives bytes for every kind of DeviceCommand.
 */
export function describeAdapterConformance(adapter: DeviceAdapter, options: ConformanceOptions): void {
  const { fixturesDir, expectations } = options;
  const context = options.context ?? CONFORMANCE_CONTEXT;
  const { fixtures, strays } = fixtureFilesOf(fixturesDir, adapter.name);
  const bytesOf = (fixture: FixtureFile): Uint8Array => readFixtureIn(fixturesDir, fixture);

  describe(`${adapter.name} conformance`, () => {
    it('names itself and its content type', () => {
      expect(adapter.name).toMatch(/^[a-z0-9]+(?:-[a-z0-9]+)*$/);
      expect(adapter.contentType).toMatch(/^[a-z]+\/[a-z0-9.+-]+$/);
    });

    it(`(a) has an expectation for every ${adapter.name}.<case>.<json|hex|xml|bin> fixture, and a fixture for every expectation`, () => {
      expect(strays, `files named ${adapter.name}.* that are no fixture`).toEqual([]);
      expect(fixtures.map((fixture) => fixture.caseName).sort()).toEqual(Object.keys(expectations).sort());
    });

    describe('(b) each fixture decodes as expected', () => {
      const cases = fixtures.filter((fixture) => Object.hasOwn(expectations, fixture.caseName));
      for (const fixture of cases) {
        const expected = expectations[fixture.caseName]!;
        it(fixture.fileName, () => {
          const result = adapter.decode(bytesOf(fixture), context);
          if (expected.ok) {
            const wanted: DecodeResult = { ok: true, events: withDevice(expected.events, context.deviceId) };
            if (expected.report !== undefined) wanted.report = expected.report;
            // toStrictEqual: a field the expectation leaves out must be absent, not undefined.
            expect(result).toStrictEqual(wanted);
            return;
          }
          expect(result).toMatchObject({ ok: false, error: { reason: expected.reason } });
          if (!result.ok) for (const pattern of [expected.detail].flat()) expect(result.error.detail).toMatch(pattern);
        });
      }
    });

    it('(c) decodes every fixture the same way twice, and leaves the bytes it was given unchanged', () => {
      for (const fixture of fixtures) {
        const raw = bytesOf(fixture);
        const untouched = Uint8Array.from(raw);
        const first = adapter.decode(raw, context);
        expect(raw, `${fixture.fileName} bytes after decode`).toEqual(untouched);
        expect(adapter.decode(Uint8Array.from(raw), { ...context }), fixture.fileName).toStrictEqual(first);
      }
    });

    it('(d) gives well-formed results with VKP codes, on the device the context names, for every fixture', () => {
      for (const fixture of fixtures) {
        const raw = bytesOf(fixture);
        for (const deviceContext of [context, { ...context, deviceId: OTHER_DEVICE }]) {
          const result = decodeOrReport(adapter, raw, deviceContext);
          expect('threw' in result ? [`threw ${String(result.threw)}`] : decodeResultProblems(result, deviceContext), fixture.fileName).toEqual([]);
        }
      }
    });

    it('(e) never throws and always gives a well-formed result for fuzzed input', () => {
      const seeds: FuzzSeed[] = fixtures.map((fixture) => {
        const bytes = bytesOf(fixture);
        if (fixture.extension !== 'json') return { bytes };
        try {
          return { bytes, json: JSON.parse(new TextDecoder().decode(bytes)) as unknown };
        } catch {
          return { bytes };
        }
      });
      const failures: string[] = [];
      const outcomes = new Map<string, number>();
      for (const raw of fuzzInputs(seeds, seededRandom(options.fuzzSeed ?? 0x4b6e7574), options.fuzzRounds ?? 3000)) {
        const result = decodeOrReport(adapter, raw, context);
        const problems = 'threw' in result ? [`threw ${String(result.threw)}`] : decodeResultProblems(result, context);
        if (!('threw' in result)) {
          const outcome = result.ok ? 'ok' : result.error.reason;
          outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
        }
        if (problems.length > 0 && failures.length < 5) failures.push(`${Buffer.from(raw).toString('base64')}: ${problems.join('; ')}`);
      }
      expect(failures, 'inputs (base64) and what was wrong').toEqual([]);
      // The inputs reached past the first check: some decoded, some were rejected.
      const expectsOk = Object.values(expectations).some((expected) => expected.ok);
      if (expectsOk) expect(outcomes.get('ok') ?? 0, `outcomes ${JSON.stringify([...outcomes])}`).toBeGreaterThan(0);
      expect([...outcomes.keys()].filter((outcome) => outcome !== 'ok').length).toBeGreaterThan(0);
    });

    // Only formats that take commands have this case: for the others there is nothing to test.
    if (adapter.encodeCommand) {
      it('(f) encodes every kind of command as non-empty bytes, the same way each time', () => {
        for (const command of Object.values(ONE_COMMAND_OF_EACH_KIND)) {
          const bytes = adapter.encodeCommand!(command);
          expect(bytes, command.kind).toBeInstanceOf(Uint8Array);
          expect(bytes.length, command.kind).toBeGreaterThan(0);
          expect(adapter.encodeCommand!(command), command.kind).toEqual(bytes);
        }
      });
    }
  });
}

/** The fixtures folder beside a test file: `fixturesBeside(import.meta.url)`. */
export function fixturesBeside(testFileUrl: string, folder = 'fixtures'): string {
  return join(dirname(fileURLToPath(testFileUrl)), folder);
}
