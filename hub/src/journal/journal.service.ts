import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DelayedError, type Job, type JobsOptions, Queue, UnrecoverableError, Worker } from 'bullmq';
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
import { CAUSE_WORDING, DEVICE_KIND_WORDING, MEASURE_WORDING, STEP_WORDING } from './journal-wording.js';
import { responderVisit } from './responder-visit.js';
import { OutboxEntry } from './outbox-entry.entity.js';
import { buildJournalBundle, type JournalSource } from './vkp-bundle.js';
import { buildMedicationDispense, isMissedDose, missedDoseSource } from './vkp-dispenser-entries.js';
import { leftOutOfJournal, readJournalPolicy } from './journal-policy.js';
import { EpjDeliveryError } from './epj-push.connector.js';
import { type EpjEndpoint, EpjEndpoints } from './epj-endpoints.js';
import { retryDelay } from './delivery-policy.js';
import { type BatchOutcome, type ClaimedEntry, Gathering, sendFindingRefusals, transactionBundle, transactionsOf } from './delivery-batch.js';

const QUEUE = 'journal-delivery';
/** The job's backoff type, computed by retryDelay (capped exponential with jitter). */
const EPJ_BACKOFF = 'epj';
/** How often entries whose dispatch was lost (Redis away at closing time) are queued again. */
const OUTBOX_SWEEP_MS = 30_000;
/** How long changed journal statuses gather before the consoles are told. */
const ANNOUNCE_GATHER_MS = 50;
/** Jobs queued per round trip when the sweep queues a backlog. */
const SWEEP_CHUNK = 500;
/** How long a delivery waits for others to share its transaction; a backlog fills a batch sooner. */
const GATHER_MS = 5;
/** Largest transaction pushed at once, so one request stays well within what an EPJ accepts. */
const MAX_TRANSACTION_BYTES = 1_000_000;

interface DeliveryJob {
  outboxId: string;
  /** Whose EPJ it goes to; jobs queued before routing existed lack it and look it up. */
  tenantId?: string;
}

/** An entry written to the outbox and ready to queue. */
export interface QueuedEntry {
  id: string;
  tenantId: string;
}

/** What a retry did: put the entry (or a rebuilt one) back in the queue, found it not failed, or could not queue it, and why. */
export type RetryOutcome = { outcome: 'queued'; entry: QueuedEntry } | { outcome: 'not-failed' } | { outcome: 'not-queued'; reason: string };

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
  private readonly toAnnounce = new Set<string>();
  private announcing: NodeJS.Timeout | null = null;
  /** Per EPJ, so entries for one EPJ share transactions only with each other. */
  private readonly gatherings = new Map<string, Gathering<string>>();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    private readonly views: AlarmViews,
    private readonly realtime: RealtimeGateway,
    private readonly endpoints: EpjEndpoints,
  ) {
    this.connections = new RedisConnections(config.REDIS_URL!);
    this.queue = new Queue<DeliveryJob>(QUEUE, { connection: this.connections.open(), prefix: config.QUEUE_PREFIX });
  }

  async onModuleInit(): Promise<void> {
    this.worker = new Worker<DeliveryJob>(QUEUE, (job, token) => this.deliver(job, token), {
      connection: this.connections.open(),
      prefix: this.config.QUEUE_PREFIX,
      // EPJ_CONCURRENCY counts transactions in flight; each carries up to EPJ_BATCH_SIZE entries.
      concurrency: this.config.EPJ_CONCURRENCY * this.config.EPJ_BATCH_SIZE,
      limiter: { max: this.config.EPJ_RATE_PER_SECOND, duration: 1000 },
      settings: { backoffStrategy: (attemptsMade) => retryDelay(attemptsMade, this.config.EPJ_RETRY_BASE_MS, this.config.EPJ_RETRY_CAP_MS) },
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
    if (this.announcing) clearTimeout(this.announcing);
    this.announcing = null;
    await this.announceGathered();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
    await this.connections.closeAll();
  }

  /** Queues every pending entry; the job id is the entry's id, so one already queued is not doubled. */
  private async sweepOutbox(): Promise<void> {
    try {
      if (!this.endpoints.any()) return;
      const pending = await this.db.getRepository(OutboxEntry).find({ where: { status: 'pending' }, select: ['id', 'tenantId'], order: { createdAt: 'ASC' } });
      // In bulk: after an outage or a restart the backlog can be thousands of entries.
      for (let start = 0; start < pending.length; start += SWEEP_CHUNK) {
        await this.queue.addBulk(pending.slice(start, start + SWEEP_CHUNK).map((entry) => this.job(entry)));
      }
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

  /**
   * Decides whether a closing alarm is journaled (its municipality's policy; never a training
   * device's), and if so builds its entry and writes it to the outbox, in the caller's
   * transaction. Returns the entry's id, or null when the alarm is left out of the record.
   */
  async writeWithin(manager: EntityManager, alarmId: string): Promise<QueuedEntry | null> {
    const alarm = await manager.findOneByOrFail(Alarm, { id: alarmId });
    const tenant = await manager.findOneByOrFail(Tenant, { id: alarm.tenantId });
    const device = await manager.findOneBy(Device, { id: alarm.deviceId });
    const leftOut = leftOutOfJournal(readJournalPolicy(tenant.journalPolicy), { kind: alarm.kind, training: device?.training ?? false });
    if (leftOut) {
      await manager.update(Alarm, { id: alarmId }, { journalStatus: leftOut, journalAt: null, journalError: null });
      return null;
    }
    // One after another: a transaction has one connection, which runs one query at a time.
    const log = await manager.find(AlarmLogEntry, { where: { alarmId }, order: { at: 'ASC', id: 'ASC' } });
    const resident = await manager.findOneByOrFail(Resident, { id: alarm.residentId });
    const operatorIds = [...new Set(log.map((entry) => entry.operatorId).filter((id): id is string => id !== null))];
    const operators = new Map((await manager.findBy(Operator, { id: In(operatorIds) })).map((operator) => [operator.id, operator.displayName]));
    const deviceSummary = { id: alarm.deviceId, model: device?.model ?? '', kind: device?.kind ?? '', kindName: device ? DEVICE_KIND_WORDING[device.kind] : '' };
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
      device: deviceSummary,
      log: log.map((entry) => ({
        code: entry.code,
        at: entry.at.toISOString(),
        operator: entry.operatorId ? { id: entry.operatorId, name: operators.get(entry.operatorId) ?? '' } : null,
        note: journalNote(entry, alarm),
      })),
      resident: { id: resident.id, nationalId: resident.nationalId, name: resident.name, birthDate: resident.birthDate },
      tenant: { id: tenant.id, name: tenant.name, organisationNumber: tenant.organisationNumber },
      visit: responderVisit(alarm, log, (id) => operators.get(id) ?? ''),
      labels: { cause: CAUSE_WORDING[alarm.cause!], measures: alarm.measures.map((measure) => MEASURE_WORDING[measure]), steps: STEP_WORDING },
    };
    let entry: Pick<OutboxEntry, 'bundle' | 'lastError'> & { status: 'pending' | 'failed' };
    try {
      const bundle = buildJournalBundle(source);
      // A dose the dispenser gave and no one took out is also documented as the dispense it was.
      if (isMissedDose(alarm.code)) bundle.entry.push(buildMedicationDispense({ ...missedDoseSource(alarm, deviceSummary), resident: { nationalId: resident.nationalId, name: resident.name } }));
      entry = { bundle, status: 'pending', lastError: null };
    } catch (error) {
      // Registry data the journal cannot use must not keep the alarm open: it closes, and the
      // entry waits among the failed deliveries with the reason.
      entry = { bundle: {}, status: 'failed', lastError: (error as Error).message };
    }
    const { identifiers } = await manager.insert(OutboxEntry, { alarmId, tenantId: alarm.tenantId, residentId: alarm.residentId, ...entry });
    const outboxId = (identifiers[0] as { id: string }).id;
    // Reopened and closed again: an earlier entry not yet delivered would carry the alarm as it
    // stood then, and could land after this one. This one replaces it (same resources, now).
    await manager
      .createQueryBuilder()
      .update(OutboxEntry)
      .set({ status: 'superseded', lastError: `replaced by journal entry ${outboxId}` })
      .where("alarm_id = :alarmId AND id <> :outboxId AND status IN ('pending', 'failed')", { alarmId, outboxId })
      .execute();
    await manager.update(Alarm, { id: alarmId }, { journalStatus: entry.status, journalAt: null, journalError: entry.lastError });
    return entry.status === 'pending' ? { id: outboxId, tenantId: alarm.tenantId } : null;
  }

  /**
   * Writes an entry that belongs to no alarm (a dispenser dose, a day's summary) under its key,
   * once: a key already written writes nothing and returns null. A bundle that cannot be built
   * (registry data the journal cannot use) is kept among the failed deliveries with the reason.
   */
  async writeEntry(subject: { tenantId: string; residentId: string; entryKey: string }, build: () => object): Promise<string | null> {
    let entry: { bundle: object; status: 'pending' | 'failed'; lastError: string | null };
    try {
      entry = { bundle: build(), status: 'pending', lastError: null };
    } catch (error) {
      entry = { bundle: {}, status: 'failed', lastError: (error as Error).message };
    }
    const rows = (await this.db.query(
      `INSERT INTO journal_outbox (tenant_id, resident_id, entry_key, bundle, status, last_error) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (entry_key) DO NOTHING RETURNING id`,
      [subject.tenantId, subject.residentId, subject.entryKey, JSON.stringify(entry.bundle), entry.status, entry.lastError],
    )) as Array<{ id: string }>;
    const written = rows[0]?.id ?? null;
    if (written && entry.status === 'pending') {
      await this.dispatch({ id: written, tenantId: subject.tenantId }).catch((error: Error) => this.logger.warn(`journal entry ${written} waits in the outbox: ${error.message}`));
    }
    return written;
  }

  /** Queues delivery; with no EPJ configured the entry waits in the outbox until one is (or is pulled). */
  async dispatch(entry: QueuedEntry): Promise<void> {
    if (!this.endpoints.any()) return;
    const { name, data, opts } = this.job(entry);
    await this.queue.add(name, data, opts);
  }

  /** The job id is the entry's, so an entry already queued is not queued twice. */
  private job(entry: QueuedEntry): { name: string; data: DeliveryJob; opts: JobsOptions } {
    return {
      name: 'deliver',
      data: { outboxId: entry.id, tenantId: entry.tenantId },
      opts: { jobId: entry.id, attempts: this.config.EPJ_MAX_ATTEMPTS, backoff: { type: EPJ_BACKOFF }, removeOnComplete: 1000, removeOnFail: 1000 },
    };
  }

  /**
   * Puts a failed entry back with a fresh set of attempts, in the caller's transaction. An alarm's
   * entry that was never built (registry data the journal could not use) is built anew from the
   * alarm as it stands now, as a new entry that supersedes it; one of no alarm cannot be.
   */
  async retry(outboxId: string, manager: EntityManager): Promise<RetryOutcome> {
    const entry = await manager.findOne(OutboxEntry, { where: { id: outboxId, status: 'failed' }, lock: { mode: 'pessimistic_write' } });
    if (!entry) return { outcome: 'not-failed' };
    if (Object.keys(entry.bundle).length === 0) {
      if (!entry.alarmId) return { outcome: 'not-queued', reason: `it was never built and belongs to no alarm to build it from (${entry.lastError ?? 'no reason'})` };
      const { state } = await manager.findOneByOrFail(Alarm, { id: entry.alarmId });
      if (state !== 'closed') return { outcome: 'not-queued', reason: 'its alarm is open again and is journaled when it closes' };
      const rebuilt = await this.writeWithin(manager, entry.alarmId);
      if (rebuilt) return { outcome: 'queued', entry: rebuilt };
      const alarm = await manager.findOneByOrFail(Alarm, { id: entry.alarmId });
      return { outcome: 'not-queued', reason: alarm.journalStatus === 'failed' ? `it still cannot be built: ${alarm.journalError ?? 'no reason'}` : `the alarm is now ${alarm.journalStatus}` };
    }
    await manager.update(OutboxEntry, { id: outboxId }, { status: 'pending', attempts: 0 });
    if (entry.alarmId) await manager.update(Alarm, { id: entry.alarmId }, { journalStatus: 'pending' });
    return { outcome: 'queued', entry: { id: outboxId, tenantId: entry.tenantId } };
  }

  /**
   * After the retry's transaction commits: queue it and show the alarm as pending again. The
   * finished BullMQ job goes first: its id is the entry's, and while it exists a new one is a no-op.
   */
  async requeue(entry: QueuedEntry, alarmId: string | null): Promise<void> {
    await (await this.queue.getJob(entry.id))?.remove();
    await this.dispatch(entry);
    this.announce(alarmId);
  }

  /**
   * The municipality's EPJ pulled the entry and acknowledges it as journaled: it counts as
   * delivered (so the push worker leaves it be), the entry and its alarm in one statement.
   * False when nothing changed: not the tenant's, among the failed, or acknowledged before.
   */
  async acknowledge(outboxId: string, tenantId: string, reference: string | null): Promise<boolean> {
    // Data-modifying CTEs all run: the alarm is marked whether or not the entry has one.
    const rows = (await this.db.query(
      `WITH acknowledged AS (
         UPDATE journal_outbox
            SET journaled_at = now(), read_at = coalesce(read_at, now()), epj_reference = $3,
                status = 'delivered', delivered_at = coalesce(delivered_at, now()), last_error = NULL
          WHERE id = $1 AND tenant_id = $2 AND journaled_at IS NULL AND status IN ('pending', 'delivered')
          RETURNING alarm_id, delivered_at
       ), alarm AS (
         UPDATE alarms SET journal_status = 'delivered', journal_at = acknowledged.delivered_at, journal_error = NULL
           FROM acknowledged WHERE alarms.id = acknowledged.alarm_id
       )
       SELECT alarm_id AS "alarmId" FROM acknowledged`,
      [outboxId, tenantId, reference],
    )) as Array<{ alarmId: string | null }>;
    const acknowledged = rows[0];
    if (!acknowledged) return false;
    this.announce(acknowledged.alarmId);
    return true;
  }

  private async deliver(job: Job<DeliveryJob>, token: string | undefined): Promise<void> {
    const tenantId = job.data.tenantId ?? (await this.db.getRepository(OutboxEntry).findOneBy({ id: job.data.outboxId }))?.tenantId;
    const endpoint = tenantId === undefined ? null : await this.endpoints.forTenant(tenantId);
    // No EPJ to push to: the entry waits in the outbox, for pull or for an EPJ configured later.
    if (!endpoint) return;
    const admission = endpoint.breaker.admit(Date.now());
    if (!admission.allowed) {
      // This EPJ is being left alone: the job waits without spending one of its attempts, and
      // entries for other EPJs go on.
      await job.moveToDelayed(Date.now() + admission.retryInMs, token);
      throw new DelayedError();
    }
    await this.gatheringFor(endpoint).add(job.data.outboxId);
  }

  private gatheringFor(endpoint: EpjEndpoint): Gathering<string> {
    let gathering = this.gatherings.get(endpoint.key);
    if (!gathering) {
      gathering = new Gathering(this.config.EPJ_BATCH_SIZE, GATHER_MS, (outboxIds) => this.deliverTogether(endpoint, outboxIds));
      this.gatherings.set(endpoint.key, gathering);
    }
    return gathering;
  }

  /**
   * Delivers the entries of jobs that started together. One round trip counts their attempts
   * and reads them (one delivered or set aside meanwhile is left be); they go in as few
   * transactions as the size limit allows.
   */
  private async deliverTogether(endpoint: EpjEndpoint, outboxIds: string[]): Promise<BatchOutcome<string>> {
    const [claimed] = (await this.db.query(
      `UPDATE journal_outbox SET attempts = attempts + 1, last_attempt_at = now() WHERE id = ANY($1::uuid[]) AND status = 'pending'
       RETURNING id, alarm_id AS "alarmId", bundle, octet_length(bundle::text) AS bytes`,
      [outboxIds],
    )) as [ClaimedEntry[], number];
    if (claimed.length === 0) {
      endpoint.breaker.released();
      return new Map();
    }
    const outcomes = await Promise.all(transactionsOf(claimed, MAX_TRANSACTION_BYTES).map((transaction) => this.push(endpoint, transaction)));
    return new Map(outcomes.flatMap((outcome) => [...outcome]));
  }

  private async push(endpoint: EpjEndpoint, entries: ClaimedEntry[]): Promise<BatchOutcome<string>> {
    const refusedForGood = (error: unknown) => error instanceof EpjDeliveryError && error.permanent;
    const outcome = await sendFindingRefusals(entries, (some) => this.sendTransaction(endpoint, some), refusedForGood);
    const delivered = entries.filter((entry) => !outcome.has(entry.id));
    if (delivered.length > 0) {
      // The entries and their alarms in one statement, so neither is marked without the other.
      await this.db.query(
        `WITH delivered AS (
           UPDATE journal_outbox SET status = 'delivered', delivered_at = now(), last_error = NULL WHERE id = ANY($1::uuid[]) RETURNING alarm_id, delivered_at
         )
         UPDATE alarms SET journal_status = 'delivered', journal_at = delivered.delivered_at, journal_error = NULL FROM delivered WHERE alarms.id = delivered.alarm_id`,
        [delivered.map((entry) => entry.id)],
      );
      for (const entry of delivered) this.announce(entry.alarmId);
    }
    // A refused entry is not tried again: BullMQ sets it aside among the failed at once.
    return new Map([...outcome].map(([id, error]) => [id, refusedForGood(error) ? new UnrecoverableError(error.message) : error]));
  }

  /** One transaction to the EPJ, told to the breaker: a refusal means the EPJ is up, a failure counts against it. */
  private async sendTransaction({ connector, breaker }: EpjEndpoint, entries: ClaimedEntry[]): Promise<void> {
    try {
      await connector.send(transactionBundle(entries));
    } catch (error) {
      if (error instanceof EpjDeliveryError && error.permanent) breaker.succeeded();
      else breaker.failed(Date.now());
      throw error;
    }
    breaker.succeeded();
  }

  private async recordFailure(job: Job<DeliveryJob> | undefined, error: Error): Promise<void> {
    if (!job) return;
    // Final when BullMQ will not try again (refused for good, out of attempts, or stalled once too
    // often); a job waiting for its retry is delayed instead.
    const final = await job.isFailed();
    this.logger.warn(`journal entry ${job.data.outboxId}: attempt ${job.attemptsMade} failed: ${error.message}`);
    const entry = await this.db.getRepository(OutboxEntry).findOneBy({ id: job.data.outboxId });
    if (!entry) return;
    await this.db.transaction(async (manager) => {
      await manager.update(OutboxEntry, { id: entry.id }, { lastError: error.message, ...(final ? { status: 'failed' as const } : {}) });
      if (entry.alarmId) await manager.update(Alarm, { id: entry.alarmId }, { journalError: error.message, ...(final ? { journalStatus: 'failed' as const } : {}) });
    });
    this.announce(entry.alarmId);
  }

  /**
   * Tells the consoles an alarm's journal status changed. Gathered for a moment and sent as one
   * read of the views: a backlog draining after an outage changes hundreds of alarms a second.
   */
  private announce(alarmId: string | null): void {
    // An entry of no alarm (a dispenser's) has no badge to update.
    if (!alarmId) return;
    this.toAnnounce.add(alarmId);
    this.announcing ??= setTimeout(() => {
      this.announcing = null;
      void this.announceGathered().catch((error: Error) => this.logger.warn(`announcing journal status: ${error.message}`));
    }, ANNOUNCE_GATHER_MS);
  }

  private async announceGathered(): Promise<void> {
    const alarmIds = [...this.toAnnounce];
    this.toAnnounce.clear();
    if (alarmIds.length === 0) return;
    const alarms = await this.db.getRepository(Alarm).findBy({ id: In(alarmIds) });
    for (const view of await this.views.of(alarms)) this.realtime.alarmUpdated(view);
  }
}

/** Log notes hold codes for cause and measures; the record gets words. */
function journalNote(entry: AlarmLogEntry, alarm: Alarm): string | null {
  if (entry.code === 6 && alarm.cause) return CAUSE_WORDING[alarm.cause];
  if (entry.code === 7) return alarm.measures.map((measure) => MEASURE_WORDING[measure]).join(', ');
  return entry.note;
}
