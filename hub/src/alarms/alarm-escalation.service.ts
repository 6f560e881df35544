import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type Job, Queue, Worker } from 'bullmq';
import { DataSource } from 'typeorm';
import { HUB_CONFIG, type HubConfig } from '../config/config.js';
import { RedisConnections } from '../db/redis.js';
import { RealtimeGateway } from '../realtime/realtime.gateway.js';
import { AlarmViews } from './alarm-views.service.js';
import { Alarm } from './alarm.entity.js';

const QUEUE = 'alarm-escalation';

interface EscalationJob {
  alarmId: string;
  /** The level the alarm reaches if it is still untaken when the job runs. */
  level: number;
}

/**
 * No alarm sits unanswered: one not taken within its municipality's answer limit escalates
 * (a sound, a higher place in every queue, the supervisor told) and escalates again each time
 * the limit passes, until someone takes it. Each step is a BullMQ delayed job, so a restarted
 * hub keeps the clock.
 */
@Injectable()
export class AlarmEscalation implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(AlarmEscalation.name);
  private readonly connections: RedisConnections;
  private readonly queue: Queue<EscalationJob>;
  private worker: Worker<EscalationJob> | null = null;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    private readonly views: AlarmViews,
    private readonly realtime: RealtimeGateway,
  ) {
    this.connections = new RedisConnections(config.REDIS_URL!);
    this.queue = new Queue<EscalationJob>(QUEUE, { connection: this.connections.open(), prefix: config.QUEUE_PREFIX });
  }

  async onModuleInit(): Promise<void> {
    this.worker = new Worker<EscalationJob>(QUEUE, (job) => this.escalate(job), { connection: this.connections.open(), prefix: this.config.QUEUE_PREFIX, concurrency: 8 });
    this.worker.on('error', (error) => this.logger.error(`escalation worker: ${error.message}`));
    // Untaken alarms whose next step was never queued (a crash right after raising) get it now.
    const untaken = await this.db.getRepository(Alarm).find({ where: { state: 'reported' }, select: ['id'] });
    await this.schedule(untaken.map((alarm) => alarm.id));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
    await this.connections.closeAll();
  }

  /** Queues the next escalation of each untaken alarm, when its answer limit runs out. */
  async schedule(alarmIds: string[]): Promise<void> {
    if (alarmIds.length === 0) return;
    const due = (await this.db.query(
      `SELECT a.id, a.escalation_level AS level,
              GREATEST(0, EXTRACT(EPOCH FROM (COALESCE(a.escalated_at, a.raised_at) + make_interval(secs => t.answer_limit_seconds) - now())) * 1000)::bigint AS delay
       FROM alarms a JOIN tenants t ON t.id = a.tenant_id
       WHERE a.id = ANY($1) AND a.state = 'reported'`,
      [alarmIds],
    )) as Array<{ id: string; level: number; delay: string }>;
    await this.queue.addBulk(
      due.map((alarm) => ({
        name: 'escalate',
        data: { alarmId: alarm.id, level: alarm.level + 1 },
        // One job per step: queuing the same step twice (a restart's sweep) adds nothing.
        opts: { jobId: `${alarm.id}.${alarm.level + 1}`, delay: Number(alarm.delay), removeOnComplete: 1000, removeOnFail: 1000 },
      })),
    );
  }

  private async escalate(job: Job<EscalationJob>): Promise<void> {
    const { alarmId, level } = job.data;
    const [escalated] = (await this.db.query(
      `UPDATE alarms SET escalation_level = $2, escalated_at = now()
       WHERE id = $1 AND state = 'reported' AND escalation_level = $2 - 1 RETURNING id`,
      [alarmId, level],
    )) as [Array<{ id: string }>, number];
    if (escalated.length === 0) return; // taken, closed, or this step already done
    const alarm = await this.db.getRepository(Alarm).findOneByOrFail({ id: alarmId });
    const [view] = await this.views.of([alarm]);
    this.realtime.alarmUpdated(view!);
    this.realtime.alarmEscalated(view!);
    this.logger.warn(`alarm ${alarmId} not taken in time: escalation ${level}`);
    await this.schedule([alarmId]);
  }
}
