import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type Job, Queue, Worker } from 'bullmq';
import { DataSource, type EntityManager, In } from 'typeorm';
import { AlarmLogEntry } from '../alarms/alarm-log-entry.entity.js';
import { AlarmViews } from '../alarms/alarm-views.service.js';
import { Alarm } from '../alarms/alarm.entity.js';
import { Operator } from '../auth/operator.entity.js';
import { Tenant } from '../auth/tenant.entity.js';
import { HUB_CONFIG, type HubConfig } from '../config/config.js';
import { Device } from '../devices/device.entity.js';
import { RealtimeGateway } from '../realtime/realtime.gateway.js';
import { Resident } from '../residents/resident.entity.js';
import { RedisConnections } from '../db/redis.js';
import { CAUSE_WORDING, MEASURE_WORDING, STEP_WORDING } from './journal-wording.js';
import { OutboxEntry } from './outbox-entry.entity.js';
import { buildJournalBundle, type JournalSource } from './vkp-bundle.js';
import { EpjPushConnector } from './epj-push.connector.js';

const QUEUE = 'journal-delivery';
const ATTEMPTS = 8;
/** How often entries whose dispatch was lost (Redis away at closing time) are queued again. */
const OUTBOX_SWEEP_MS = 30_000;

interface DeliveryJob {
  outboxId: string;
}

/**
 * Journaling through a transactional outbox: the entry is written in the transaction that
 * closes the alarm, then a BullMQ job delivers it to the EPJ. The job id is the outbox id and
 * the bundle's identifiers are stable, so neither a second job nor a retry makes a duplicate.
 */
@Injectable()
export class JournalService implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(JournalService.name);
  private readonly queue: Queue<DeliveryJob>;
  private worker: Worker<DeliveryJob> | null = null;
  private readonly connections: RedisConnections;
  private sweeper: NodeJS.Timeout | null = null;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    private readonly views: AlarmViews,
    private readonly realtime: RealtimeGateway,
    private readonly connector: EpjPushConnector,
  ) {
    this.connections = new RedisConnections(config.REDIS_URL!);
    this.queue = new Queue<DeliveryJob>(QUEUE, { connection: this.connections.open(), prefix: config.QUEUE_PREFIX });
  }

  async onModuleInit(): Promise<void> {
    this.worker = new Worker<DeliveryJob>(QUEUE, (job) => this.deliver(job), {
      connection: this.connections.open(),
      prefix: this.config.QUEUE_PREFIX,
      concurrency: 8,
    });
    this.worker.on('failed', (job, error) => {
      this.recordFailure(job, error).catch((failure: Error) => this.logger.error(`recording a failed delivery: ${failure.message}`));
    });
    this.worker.on('error', (error) => this.logger.error(`journal worker: ${error.message}`));
    await this.sweepOutbox();
    this.sweeper = setInterval(() => void this.sweepOutbox(), OUTBOX_SWEEP_MS);
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    await this.worker?.close();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
    await this.connections.closeAll();
  }

  /** Queues every pending entry; the job id is the entry's id, so one already queued is not doubled. */
  private async sweepOutbox(): Promise<void> {
    try {
      const pending = await this.db.getRepository(OutboxEntry).find({ where: { status: 'pending' }, select: ['id'] });
      for (const entry of pending) await this.dispatch(entry.id);
    } catch (error) {
      this.logger.warn(`outbox sweep: ${(error as Error).message}`);
    }
  }

  /** Whether the queue's Redis answers. */
  async redisReady(): Promise<boolean> {
    const client = (await this.queue.client) as unknown as { ping(): Promise<string> };
    // While Redis is away a command waits for it; readiness must answer now.
    const timeout = new Promise<string>((resolve) => setTimeout(() => resolve('timeout'), 1000).unref());
    return (await Promise.race([client.ping().catch(() => 'error'), timeout])) === 'PONG';
  }

  /** Builds the journal entry for a closing alarm and writes it to the outbox, in the caller's transaction. */
  async writeWithin(manager: EntityManager, alarmId: string): Promise<string> {
    const alarm = await manager.findOneByOrFail(Alarm, { id: alarmId });
    // One after another: a transaction has one connection, which runs one query at a time.
    const log = await manager.find(AlarmLogEntry, { where: { alarmId }, order: { at: 'ASC', id: 'ASC' } });
    const resident = await manager.findOneByOrFail(Resident, { id: alarm.residentId });
    const tenant = await manager.findOneByOrFail(Tenant, { id: alarm.tenantId });
    const device = await manager.findOneBy(Device, { id: alarm.deviceId });
    const operatorIds = [...new Set(log.map((entry) => entry.operatorId).filter((id): id is string => id !== null))];
    const operators = new Map((await manager.findBy(Operator, { id: In(operatorIds) })).map((operator) => [operator.id, operator.displayName]));
    const source: JournalSource = {
      alarm: {
        id: alarm.id,
        code: alarm.code,
        severity: alarm.severity,
        triageColour: alarm.triageColour,
        occurredAt: alarm.occurredAt.toISOString(),
        raisedAt: alarm.raisedAt.toISOString(),
        closedAt: alarm.closedAt!.toISOString(),
        cause: alarm.cause!,
        measures: alarm.measures,
        note: alarm.closingNote,
      },
      device: { id: alarm.deviceId, model: device?.model ?? '' },
      log: log.map((entry) => ({
        code: entry.code,
        at: entry.at.toISOString(),
        operator: entry.operatorId ? { id: entry.operatorId, name: operators.get(entry.operatorId) ?? '' } : null,
        note: journalNote(entry, alarm),
      })),
      resident: { id: resident.id, nationalId: resident.nationalId, name: resident.name, birthDate: resident.birthDate },
      tenant: { id: tenant.id, name: tenant.name, organisationNumber: tenant.organisationNumber },
      labels: { cause: CAUSE_WORDING[alarm.cause!], measures: alarm.measures.map((measure) => MEASURE_WORDING[measure]), steps: STEP_WORDING },
    };
    let entry: Pick<OutboxEntry, 'bundle' | 'status' | 'lastError'>;
    try {
      entry = { bundle: buildJournalBundle(source), status: 'pending', lastError: null };
    } catch (error) {
      // Registry data the journal cannot use must not keep the alarm open: it closes, and the
      // entry waits among the failed deliveries with the reason.
      entry = { bundle: {}, status: 'failed', lastError: (error as Error).message };
      await manager.update(Alarm, { id: alarmId }, { journalStatus: 'failed', journalError: entry.lastError });
    }
    const { identifiers } = await manager.insert(OutboxEntry, { alarmId, tenantId: alarm.tenantId, ...entry });
    return (identifiers[0] as { id: string }).id;
  }

  /** Queues delivery; with no EPJ configured the entry waits in the outbox until one is. */
  async dispatch(outboxId: string): Promise<void> {
    if (!this.config.EPJ_FHIR_URL) return;
    await this.queue.add(
      'deliver',
      { outboxId },
      { jobId: outboxId, attempts: ATTEMPTS, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: 1000, removeOnFail: 1000 },
    );
  }

  private async deliver(job: Job<DeliveryJob>): Promise<void> {
    const outbox = this.db.getRepository(OutboxEntry);
    const entry = await outbox.findOneBy({ id: job.data.outboxId });
    if (!entry || entry.status !== 'pending') return;
    await outbox.increment({ id: entry.id }, 'attempts', 1);
    await this.connector.send(entry.bundle);
    const now = new Date();
    await this.db.transaction(async (manager) => {
      await manager.update(OutboxEntry, { id: entry.id }, { status: 'delivered', deliveredAt: now, lastError: null });
      await manager.update(Alarm, { id: entry.alarmId }, { journalStatus: 'delivered', journalAt: now, journalError: null });
    });
    await this.announce(entry.alarmId);
  }

  private async recordFailure(job: Job<DeliveryJob> | undefined, error: Error): Promise<void> {
    if (!job) return;
    const final = job.attemptsMade >= (job.opts.attempts ?? 1);
    this.logger.warn(`journal entry ${job.data.outboxId}: attempt ${job.attemptsMade} failed: ${error.message}`);
    const entry = await this.db.getRepository(OutboxEntry).findOneBy({ id: job.data.outboxId });
    if (!entry) return;
    await this.db.transaction(async (manager) => {
      await manager.update(OutboxEntry, { id: entry.id }, { lastError: error.message, ...(final ? { status: 'failed' as const } : {}) });
      await manager.update(Alarm, { id: entry.alarmId }, { journalError: error.message, ...(final ? { journalStatus: 'failed' as const } : {}) });
    });
    await this.announce(entry.alarmId);
  }

  private async announce(alarmId: string): Promise<void> {
    const alarm = await this.db.getRepository(Alarm).findOneBy({ id: alarmId });
    if (!alarm) return;
    const [view] = await this.views.of([alarm]);
    this.realtime.alarmUpdated(view!);
  }
}

/** Log notes hold codes for cause and measures; the record gets words. */
function journalNote(entry: AlarmLogEntry, alarm: Alarm): string | null {
  if (entry.code === 6 && alarm.cause) return CAUSE_WORDING[alarm.cause];
  if (entry.code === 7) return alarm.measures.map((measure) => MEASURE_WORDING[measure]).join(', ');
  return entry.note;
}
