import type { RandomSource } from '../seeded-random.js';

/** A seed fixture for mutation, with its parsed JSON when it is JSON. */
export interface FuzzSeed {
  bytes: Uint8Array;
  json?: unknown;
}

function pick<T>(items: readonly T[], random: RandomSource): T {
  return items[Math.floor(random() * items.length)]!;
}

function byte(random: RandomSource): number {
  return Math.floor(random() * 256);
}

export function randomBytes(random: RandomSource, length: number): Uint8Array {
  return Uint8Array.from({ length }, () => byte(random));
}

/** A fixture with a few bytes flipped, inserted or dropped, its end cut off, or bytes appended. */
export function mutateBytes(source: Uint8Array, random: RandomSource): Uint8Array {
  const bytes = [...source];
  const edits = 1 + Math.floor(random() * 4);
  for (let edit = 0; edit < edits; edit++) {
    const at = Math.floor(random() * (bytes.length + 1));
    const kind = Math.floor(random() * 6);
    if (kind === 0 && at < bytes.length) bytes[at] = byte(random);
    else if (kind === 1 && at < bytes.length) bytes[at]! ^= 1 << Math.floor(random() * 8);
    else if (kind === 2) bytes.splice(at, 0, byte(random));
    else if (kind === 3) bytes.splice(at, 1);
    else if (kind === 4) bytes.length = at;
    else for (let extra = Math.floor(random() * 64); extra > 0; extra--) bytes.push(byte(random));
  }
  return Uint8Array.from(bytes);
}

const ODD_JSON: readonly unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1,
  100,
  101,
  150,
  255,
  1e308,
  -1e308,
  3.5,
  2 ** 28,
  2 ** 53,
  1772349245,
  1772349245000,
  '',
  'x',
  '0',
  'true',
  '4.1',
  '9.99',
  '1.17',
  'constructor',
  '__proto__',
  'toString',
  '2026-03-01T07:14:05Z',
  '2026-03-01T08:14:05+01:00',
  '2026-02-30T07:14:05Z',
  '2026-03-01T07:14:05',
  'i går kveld',
  'ø'.repeat(3000),
  [],
  [1, 2],
  [{}],
  [null],
  {},
  { coding: [] },
  { coding: [{ system: 'x', code: '1' }] },
  { start: '2026-03-01T07:14:05Z' },
  { lat: 59.9, lon: 10.7 },
  { lat: 91, lon: 0 },
];

/** A JSON value: a plausibly awkward one, or a small random one. */
export function randomJsonValue(random: RandomSource, depth = 0): unknown {
  const roll = random();
  if (roll < 0.6 || depth > 2) return pick(ODD_JSON, random);
  if (roll < 0.7) return Math.floor(random() * 2e9) - 1e9;
  if (roll < 0.8) return String.fromCharCode(...Array.from({ length: Math.floor(random() * 12) }, () => 32 + Math.floor(random() * 95)));
  if (roll < 0.9) return Array.from({ length: Math.floor(random() * 3) }, () => randomJsonValue(random, depth + 1));
  return Object.fromEntries(Array.from({ length: Math.floor(random() * 3) }, (_, index) => [`k${index}`, randomJsonValue(random, depth + 1)]));
}

/**
 * The JSON with one value somewhere in it replaced by a random one, or removed, or one key
 * added: the shape a vendor's almost-right payload has.
 */
export function replaceJsonField(json: unknown, random: RandomSource): unknown {
  const copy: unknown = structuredClone(json);
  const containers: Array<Record<string, unknown> | unknown[]> = [];
  const walk = (value: unknown, depth: number): void => {
    if (depth > 6 || typeof value !== 'object' || value === null) return;
    containers.push(value as Record<string, unknown> | unknown[]);
    for (const item of Object.values(value)) walk(item, depth + 1);
  };
  walk(copy, 0);
  if (containers.length === 0) return randomJsonValue(random);
  const edits = 1 + Math.floor(random() * 2);
  for (let edit = 0; edit < edits; edit++) {
    const container = pick(containers, random);
    const keys = Object.keys(container);
    const action = random();
    if (keys.length === 0 || action < 0.1) {
      if (Array.isArray(container)) container.push(randomJsonValue(random));
      else container[`extra${Math.floor(random() * 100)}`] = randomJsonValue(random);
    } else if (action < 0.25) {
      const key = pick(keys, random);
      if (Array.isArray(container)) container.splice(Number(key), 1);
      else delete container[key];
    } else {
      const key = pick(keys, random);
      (container as Record<string, unknown>)[key] = randomJsonValue(random);
    }
  }
  return copy;
}

const encoder = new TextEncoder();

/**
 * `rounds` inputs from one seed: a quarter random bytes (of random lengths and of the fixtures'
 * lengths, so a fixed-size binary format is reached beyond its length check), half mutated
 * fixtures, and a quarter JSON fixtures with fields replaced (mutations again when there is no
 * JSON fixture).
 */
export function* fuzzInputs(seeds: readonly FuzzSeed[], random: RandomSource, rounds: number): Generator<Uint8Array> {
  const jsonSeeds = seeds.filter((seed) => seed.json !== undefined);
  for (let round = 0; round < rounds; round++) {
    const lane = round % 4;
    if (lane === 0 || seeds.length === 0) {
      const length = seeds.length > 0 && random() < 0.5 ? pick(seeds, random).bytes.length : Math.floor(random() * 128);
      yield randomBytes(random, length);
    } else if (lane === 3 && jsonSeeds.length > 0) {
      yield encoder.encode(JSON.stringify(replaceJsonField(pick(jsonSeeds, random).json, random)));
    } else {
      yield mutateBytes(pick(seeds, random).bytes, random);
    }
  }
}
