/**
 * Delivery in batches: entries whose delivery jobs start close together travel to the EPJ in one
 * FHIR transaction and are claimed and marked in one SQL statement each, so the rate is not
 * bound by one HTTP round trip and two database round trips per entry. Pure, tested on its own.
 */

/** What a batch did for each of its items: absent means it went well. */
export type BatchOutcome<T> = Map<T, Error>;

/**
 * Gathers items arriving close together, up to `size`, and runs them as one batch. Each caller
 * waits for its own item's outcome: it resolves, or rejects with the error the batch gave it.
 */
export class Gathering<T> {
  private waiting: Array<{ item: T; resolve: () => void; reject: (error: Error) => void }> = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly size: number,
    private readonly gatherMs: number,
    private readonly run: (items: T[]) => Promise<BatchOutcome<T>>,
  ) {}

  add(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (this.waiting.length >= this.size) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.gatherMs);
    });
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.waiting;
    this.waiting = [];
    this.run(batch.map((waiter) => waiter.item)).then(
      (outcome) => {
        for (const waiter of batch) {
          const error = outcome.get(waiter.item);
          if (error) waiter.reject(error);
          else waiter.resolve();
        }
      },
      (error: Error) => {
        for (const waiter of batch) waiter.reject(error);
      },
    );
  }
}

/** An outbox entry as one FHIR transaction Bundle of its own. */
export interface ClaimedEntry {
  id: string;
  alarmId: string;
  bundle: { entry?: object[] };
  /** The bundle's size as JSON, as PostgreSQL measured it. */
  bytes: number;
}

/**
 * Splits claimed entries into transactions of at most `maxBytes` of JSON each; an entry larger
 * than that on its own still goes, alone. An entry's resources never straddle two transactions.
 */
export function transactionsOf(entries: ClaimedEntry[], maxBytes: number): ClaimedEntry[][] {
  const transactions: ClaimedEntry[][] = [];
  let current: ClaimedEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    if (current.length > 0 && bytes + entry.bytes > maxBytes) {
      transactions.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += entry.bytes;
  }
  if (current.length > 0) transactions.push(current);
  return transactions;
}

/** One transaction Bundle carrying every entry's resources; a single entry goes as it was built. */
export function transactionBundle(entries: ClaimedEntry[]): object {
  if (entries.length === 1) return entries[0]!.bundle;
  return { resourceType: 'Bundle', type: 'transaction', entry: entries.flatMap((entry) => entry.bundle.entry ?? []) };
}

/**
 * Sends entries as one transaction. A transaction is all or nothing, so when the EPJ refuses it
 * each entry is sent on its own to find the one it refuses. Returns the error of each entry that
 * did not land; the others landed.
 */
export async function sendFindingRefusals(
  entries: ClaimedEntry[],
  send: (entries: ClaimedEntry[]) => Promise<void>,
  isRefusal: (error: unknown) => boolean,
): Promise<BatchOutcome<string>> {
  try {
    await send(entries);
    return new Map();
  } catch (error) {
    if (entries.length === 1 || !isRefusal(error)) return new Map(entries.map((entry) => [entry.id, error as Error]));
    const alone = await Promise.all(entries.map((entry) => sendFindingRefusals([entry], send, isRefusal)));
    return new Map(alone.flatMap((outcome) => [...outcome]));
  }
}
