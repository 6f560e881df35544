import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type BatchOutcome, type ClaimedEntry, Gathering, sendFindingRefusals, transactionBundle, transactionsOf } from '../../src/journal/delivery-batch.js';

describe('Gathering', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs a full batch at once and a partial one when the gathering time is up', async () => {
    const batches: number[][] = [];
    const gathering = new Gathering<number>(3, 10, async (items) => {
      batches.push(items);
      return new Map();
    });
    const full = [1, 2, 3].map((item) => gathering.add(item));
    await Promise.all(full);
    expect(batches).toEqual([[1, 2, 3]]);
    const partial = [gathering.add(4), gathering.add(5)];
    await vi.advanceTimersByTimeAsync(9);
    expect(batches).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await Promise.all(partial);
    expect(batches).toEqual([[1, 2, 3], [4, 5]]);
  });

  it("gives each caller its own item's outcome", async () => {
    const gathering = new Gathering<string>(3, 10, async (): Promise<BatchOutcome<string>> => new Map([['b', new Error('refused: b')]]));
    const outcomes = await Promise.allSettled(['a', 'b', 'c'].map((item) => gathering.add(item)));
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toEqual(new Error('refused: b'));
  });

  it('rejects every caller of a batch that failed as a whole', async () => {
    const gathering = new Gathering<string>(2, 10, async () => {
      throw new Error('database away');
    });
    const outcomes = await Promise.allSettled(['a', 'b'].map((item) => gathering.add(item)));
    expect(outcomes.map((outcome) => (outcome as PromiseRejectedResult).reason?.message)).toEqual(['database away', 'database away']);
  });
});

const claimed = (id: string, bytes: number, resources = 2): ClaimedEntry => ({
  id,
  alarmId: `alarm-${id}`,
  bundle: { entry: Array.from({ length: resources }, (_, index) => ({ fullUrl: `urn:uuid:${id}-${index}` })) },
  bytes,
});

describe('transactionsOf', () => {
  it('fills each transaction up to the size limit, never splitting an entry', () => {
    const entries = [claimed('a', 400), claimed('b', 400), claimed('c', 400), claimed('d', 100)];
    expect(transactionsOf(entries, 1000).map((transaction) => transaction.map((entry) => entry.id))).toEqual([['a', 'b'], ['c', 'd']]);
  });

  it('sends an entry larger than the limit alone rather than not at all', () => {
    const entries = [claimed('a', 100), claimed('huge', 5000), claimed('b', 100)];
    expect(transactionsOf(entries, 1000).map((transaction) => transaction.map((entry) => entry.id))).toEqual([['a'], ['huge'], ['b']]);
  });
});

describe('transactionBundle', () => {
  it("sends one entry's bundle as it was built", () => {
    const one = claimed('a', 10);
    expect(transactionBundle([one])).toBe(one.bundle);
  });

  it("carries every entry's resources in one transaction, in order", () => {
    const bundle = transactionBundle([claimed('a', 10), claimed('b', 10, 3)]) as { type: string; entry: Array<{ fullUrl: string }> };
    expect(bundle.type).toBe('transaction');
    expect(bundle.entry.map((entry) => entry.fullUrl)).toEqual(['urn:uuid:a-0', 'urn:uuid:a-1', 'urn:uuid:b-0', 'urn:uuid:b-1', 'urn:uuid:b-2']);
  });
});

describe('sendFindingRefusals', () => {
  class Refusal extends Error {}
  const entries = ['a', 'b', 'c', 'd'].map((id) => claimed(id, 10));
  const isRefusal = (error: unknown) => error instanceof Refusal;

  it('sends them together when the EPJ takes them', async () => {
    const sent: string[][] = [];
    const outcome = await sendFindingRefusals(entries, async (some) => void sent.push(some.map((entry) => entry.id)), isRefusal);
    expect(outcome.size).toBe(0);
    expect(sent).toEqual([['a', 'b', 'c', 'd']]);
  });

  it('finds the entry refused by sending each alone, and lets the others land', async () => {
    const sent: string[][] = [];
    const outcome = await sendFindingRefusals(
      entries,
      async (some) => {
        sent.push(some.map((entry) => entry.id));
        if (some.some((entry) => entry.id === 'c')) throw new Refusal('400: c has no request');
      },
      isRefusal,
    );
    expect([...outcome.keys()]).toEqual(['c']);
    expect(outcome.get('c')?.message).toBe('400: c has no request');
    expect(sent).toEqual([['a', 'b', 'c', 'd'], ['a'], ['b'], ['c'], ['d']]);
  });

  it('fails them all, without sending each, when the EPJ is away', async () => {
    let calls = 0;
    const outcome = await sendFindingRefusals(
      entries,
      async () => {
        calls += 1;
        throw new Error('EPJ not reached: ECONNREFUSED');
      },
      isRefusal,
    );
    expect(calls).toBe(1);
    expect([...outcome.keys()]).toEqual(['a', 'b', 'c', 'd']);
  });
});
