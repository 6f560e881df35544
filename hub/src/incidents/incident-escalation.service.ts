import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Queue, Worker } from 'bullmq';
import { DataSource } from 'typeorm';
import { HUB_CONFIG, type HubConfig } from '../config/config.js';
import { CLOCK_JOB, ClockSweep, RedisConnections } from '../db/redis.js';

const QUEUE = 'incident-escalation';

export interface IncidentEscalationStep {
  incidentId: string;
  /** The level the incident reaches if it is still untaken when the step runs. */
  level: number;
}

/**
 * The clock of untaken incidents: like an alarm, an incident not taken within its
 * municipality's answer limit escalates, and again each time the limit passes. A BullMQ delayed
 * job per step, so a restarted hub keeps the clock. What a step does is the incidents
 * service's (it registers at start); this only keeps time.
 */
@Injectable()
export class IncidentEscalation implements BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(IncidentEscalation.name);
  private readonly connections: RedisConnections;
  private readonly queue: Queue<IncidentEscalationStep>;
  private worker: Worker<IncidentEscalationStep> | null = null;
  private readonly sweep = new ClockSweep('incident escalation', () => this.requeueClocks(), this.logger);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
  ) {
    this.connections = new RedisConnections(config.REDIS_URL!);
    this.queue = new Queue<IncidentEscalationStep>(QUEUE, { connection: this.connections.open(), prefix: config.QUEUE_PREFIX });
  }

  /** Who escalates an incident when its step is due; set once, at start, and then the clock runs. */
  async onDue(escalate: (step: IncidentEscalationStep) => Promise<void>): Promise<void> {
    this.worker = new Worker<IncidentEscalationStep>(QUEUE, (job) => escalate(job.data), { connection: this.connections.open(), prefix: this.config.QUEUE_PREFIX, concurrency: 4 });
    this.worker.on('error', (error) => this.logger.error(`incident escalation worker: ${error.message}`));
    await this.sweep.start(this.config.CLOCK_SWEEP_SECONDS * 1000);
  }

  /** Untaken incidents whose next step is not queued (a crash right after opening, Redis lost) get it. */
  private async requeueClocks(): Promise<void> {
    const untaken = (await this.db.query("SELECT id FROM incidents WHERE state = 'reported'")) as Array<{ id: string }>;
    await this.schedule(untaken.map((incident) => incident.id));
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
   * Queues the next escalation of each untaken incident, when its answer limit runs out. `recheckFrom`:
   * a step found nothing waiting (every alarm taken one by one) but the incident is still open, so the
   * clock runs on a whole limit from then, in case an alarm of it is put back in the queue.
   */
  async schedule(incidentIds: string[], recheckFrom?: Date): Promise<void> {
    if (incidentIds.length === 0) return;
    const due = (await this.db.query(
      `SELECT i.id, i.escalation_level AS level,
              GREATEST(0, EXTRACT(EPOCH FROM (COALESCE($2::timestamptz, i.escalated_at, i.opened_at) + make_interval(secs => t.answer_limit_seconds) - now())) * 1000)::bigint AS delay
       FROM incidents i JOIN tenants t ON t.id = i.tenant_id
       WHERE i.id = ANY($1) AND i.state = 'reported'`,
      [incidentIds, recheckFrom ?? null],
    )) as Array<{ id: string; level: number; delay: string }>;
    const recheck = recheckFrom ? `.recheck-${recheckFrom.getTime()}` : '';
    await this.queue.addBulk(
      due.map((incident) => ({
        name: 'escalate',
        data: { incidentId: incident.id, level: incident.level + 1 },
        // One job per step: queuing the same step twice (a restart's sweep) adds nothing.
        opts: { jobId: `${incident.id}.${incident.level + 1}${recheck}`, delay: Number(incident.delay), ...CLOCK_JOB },
      })),
    );
  }
}
