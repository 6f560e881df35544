import type { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';

/** A Redis connection as BullMQ and the socket.io adapter need it (no per-command retry limit). */
export function redisConnection(redisUrl: string): Redis {
  return new Redis(redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
}

/** Whether anything answers PING at the URL within a second. */
export async function redisAnswers(redisUrl: string): Promise<boolean> {
  const probe = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1000, retryStrategy: () => null });
  probe.on('error', () => undefined); // the answer is the boolean; ioredis would also print it
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

/**
 * The Redis connections one part of the hub hands to BullMQ, which leaves connections it was
 * given open: they are closed together at shutdown.
 */
export class RedisConnections {
  private readonly opened: Redis[] = [];

  constructor(private readonly redisUrl: string) {}

  open(): Redis {
    const connection = redisConnection(this.redisUrl);
    this.opened.push(connection);
    return connection;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.opened.map((connection) => connection.quit().catch(() => undefined)));
  }
}

/**
 * Options of the hub's delayed clock jobs (escalation, holds, on-site limits): a step that fails
 * (the database away for a moment) is tried again; finished ones are kept a while, so a sweep at
 * start does not queue the same step twice.
 */
export const CLOCK_JOB = { attempts: 5, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: 1000, removeOnFail: 1000 } as const;

/**
 * Queues one part's clocks again from the database, at start and then at an interval. Clock
 * jobs are idempotent by id and their steps check the database, so a step already queued is not
 * doubled, and a Redis that lost its data (a restart without persistence) heals without a hub restart.
 */
export class ClockSweep {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly what: string,
    private readonly requeue: () => Promise<void>,
    private readonly logger: Logger,
  ) {}

  async start(everyMs: number): Promise<void> {
    await this.requeue();
    this.timer = setInterval(() => void this.requeue().catch((error: Error) => this.logger.warn(`${this.what} clock sweep: ${error.message}`)), everyMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
