import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type Job, Queue, Worker } from 'bullmq';
import { DataSource, type EntityManager, In, IsNull } from 'typeorm';
import { HUB_CONFIG, type HubConfig } from '../config/config.js';
import { CLOCK_JOB, ClockSweep, RedisConnections } from '../db/redis.js';
import { endsHold, holdEnding, type HoldEnding } from '../triage/triage.js';
import { HeldEvent } from './held-event.entity.js';

const QUEUE = 'alarm-holds';

export interface HeldEventKey {
  deviceId: string;
  eventId: string;
}

/**
 * The clock of events triage held back: a BullMQ delayed job per held event releases it when
 * its hold runs out, unless what it waited for came first and cancelled it (the door closed
 * again, the dose taken out). What a release does is the alarm lifecycle's (it registers a
 * handler at start), so this service keeps time and cancels.
 */
@Injectable()
export class AlarmHolds implements BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(AlarmHolds.name);
  private readonly connections: RedisConnections;
  private readonly queue: Queue<HeldEventKey>;
  private worker: Worker<HeldEventKey> | null = null;
  private readonly sweep = new ClockSweep('hold', () => this.requeueClocks(), this.logger);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
  ) {
    this.connections = new RedisConnections(config.REDIS_URL!);
    this.queue = new Queue<HeldEventKey>(QUEUE, { connection: this.connections.open(), prefix: config.QUEUE_PREFIX });
  }

  /**
   * Who raises a held event's alarm when its hold runs out; set once, at start. The clock
   * starts only then, so no hold can run out before someone can raise it.
   */
  async onRelease(release: (key: HeldEventKey) => Promise<void>): Promise<void> {
    this.worker = new Worker<HeldEventKey>(QUEUE, (job: Job<HeldEventKey>) => release(job.data), {
      connection: this.connections.open(),
      prefix: this.config.QUEUE_PREFIX,
    });
    this.worker.on('error', (error) => this.logger.error(`hold worker: ${error.message}`));
    await this.sweep.start(this.config.CLOCK_SWEEP_SECONDS * 1000);
  }

  /** Holds whose job is not queued (a crash right after the event, Redis lost) are queued. */
  private async requeueClocks(): Promise<void> {
    await this.schedule(await this.db.getRepository(HeldEvent).findBy({ releasedAt: IsNull(), cancelledAt: IsNull() }));
  }

  /** Active steps finish first: they may queue into other parts' queues, which close only after every worker has stopped. */
  async beforeApplicationShutdown(): Promise<void> {
    this.sweep.stop();
    await this.worker?.close();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
    await this.connections.closeAll();
  }

  /**
   * Cancels the device's open holds that the ending ends (triage's holdEnding), in the caller's
   * transaction; returns the event ids cancelled. Their jobs find them cancelled and raise nothing.
   */
  async cancelWithin(manager: EntityManager, deviceId: string, ending: HoldEnding): Promise<string[]> {
    const { codes } = holdEnding(ending);
    if (codes.length === 0) return [];
    const open = (await manager.query(
      `SELECT held.event_id, held.code, event.occurred_at
       FROM held_events held JOIN device_events event USING (device_id, event_id)
       WHERE held.device_id = $1 AND held.code = ANY($2) AND held.released_at IS NULL AND held.cancelled_at IS NULL
       FOR UPDATE OF held`,
      [deviceId, codes],
    )) as Array<{ event_id: string; code: string; occurred_at: Date }>;
    const ended = open.filter((held) => endsHold({ code: held.code, occurredAt: held.occurred_at.toISOString() }, ending)).map((held) => held.event_id);
    if (ended.length === 0) return [];
    await manager.update(HeldEvent, { deviceId, eventId: In(ended), releasedAt: IsNull(), cancelledAt: IsNull() }, { cancelledAt: new Date() });
    return ended;
  }

  /** cancelWithin, on its own: for what ends a hold without being stored as an event (a dose taken out). */
  cancel(deviceId: string, ending: HoldEnding): Promise<string[]> {
    return this.db.transaction((manager) => this.cancelWithin(manager, deviceId, ending));
  }

  async schedule(held: Array<HeldEventKey & { holdUntil: Date }>): Promise<void> {
    if (held.length === 0) return;
    await this.queue.addBulk(
      held.map((hold) => ({
        name: 'release',
        data: { deviceId: hold.deviceId, eventId: hold.eventId },
        // BullMQ job ids may not hold ":"; event ids may, so the key is encoded into a safe form.
        opts: { jobId: Buffer.from(`${hold.deviceId}\u0000${hold.eventId}`).toString('base64url'), delay: Math.max(0, hold.holdUntil.getTime() - Date.now()), ...CLOCK_JOB },
      })),
    );
  }
}
