import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { logStepCode } from '@knutepunkt/device-adapters';
import { Queue, Worker } from 'bullmq';
import { DataSource, In } from 'typeorm';
import { HUB_CONFIG, type HubConfig } from '../config/config.js';
import { CLOCK_JOB, ClockSweep, RedisConnections } from '../db/redis.js';
import type { AlarmView } from '../realtime/contract.js';
import { RealtimeGateway } from '../realtime/realtime.gateway.js';
import { AlarmViews } from './alarm-views.service.js';
import { Alarm } from './alarm.entity.js';

const QUEUE = 'alarm-escalation';

/** Where an untaken alarm's answer clock starts: when raised, last escalated, or last put back in the queue. */
const ANSWER_CLOCK = 'GREATEST(COALESCE(a.escalated_at, a.raised_at), COALESCE(a.released_at, a.raised_at))';

type EscalationJob =
  | {
      alarmId: string;
      /** The level the alarm reaches if it is still untaken when the job runs. */
      level: number;
    }
  | {
      alarmId: string;
      /** The call-out the job watches: a later call-out of the same alarm has its own clock. */
      calledOutAt: string;
    };

/**
 * No alarm sits unanswered: one not taken within its municipality's answer limit escalates
 * (a sound, a higher place in every queue, the supervisor told) and escalates again each time
 * the limit passes, until someone takes it. A call-out with no responder on site within the
 * municipality's on-site limit alerts the supervisor. Each is a BullMQ delayed job, so a
 * restarted hub keeps the clock.
 */
@Injectable()
export class AlarmEscalation implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(AlarmEscalation.name);
  private readonly connections: RedisConnections;
  private readonly queue: Queue<EscalationJob>;
  private worker: Worker<EscalationJob> | null = null;
  private readonly sweep = new ClockSweep('escalation', () => this.requeueClocks(), this.logger);

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
    this.worker = new Worker<EscalationJob>(QUEUE, (job) => ('level' in job.data ? this.escalate(job.data.alarmId, job.data.level) : this.overdueOnSite(job.data.alarmId, job.data.calledOutAt)), { connection: this.connections.open(), prefix: this.config.QUEUE_PREFIX, concurrency: 8 });
    this.worker.on('error', (error) => this.logger.error(`escalation worker: ${error.message}`));
    await this.sweep.start(this.config.CLOCK_SWEEP_SECONDS * 1000);
  }

  /** Untaken alarms and call-outs whose next step is not queued (a crash right after raising, Redis lost) get it. */
  private async requeueClocks(): Promise<void> {
    const untaken = await this.db.getRepository(Alarm).find({ where: { state: 'reported' }, select: ['id'] });
    await this.schedule(untaken.map((alarm) => alarm.id));
    const waiting = await this.db.getRepository(Alarm).find({ where: { state: In(['called-out', 'responder-on-way']) }, select: ['id', 'calledOutAt'] });
    for (const alarm of waiting) if (alarm.calledOutAt) await this.scheduleOnSite(alarm.id, alarm.calledOutAt);
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
   * Queues the next escalation of each untaken alarm, when its answer limit runs out. An alarm
   * put back in the queue gets a whole answer limit from then: another operator must be able to
   * answer it before it escalates.
   */
  async schedule(alarmIds: string[]): Promise<void> {
    if (alarmIds.length === 0) return;
    const due = (await this.db.query(
      `SELECT a.id, a.escalation_level AS level, (EXTRACT(EPOCH FROM a.released_at) * 1000)::bigint AS released,
              GREATEST(0, EXTRACT(EPOCH FROM (${ANSWER_CLOCK} + make_interval(secs => t.answer_limit_seconds) - now())) * 1000)::bigint AS delay
       FROM alarms a JOIN tenants t ON t.id = a.tenant_id
       WHERE a.id = ANY($1) AND a.state = 'reported'`,
      [alarmIds],
    )) as Array<{ id: string; level: number; released: string | null; delay: string }>;
    await this.queue.addBulk(
      due.map((alarm) => ({
        name: 'escalate',
        data: { alarmId: alarm.id, level: alarm.level + 1 },
        // One job per step of each stay in the queue: queuing the same step twice (a restart's sweep) adds nothing.
        opts: { jobId: `${alarm.id}.${alarm.level + 1}${alarm.released ? `.released-${alarm.released}` : ''}`, delay: Number(alarm.delay), ...CLOCK_JOB },
      })),
    );
  }

  /** Starts the on-site clock of a call-out made at `calledOutAt`. */
  async scheduleOnSite(alarmId: string, calledOutAt: Date): Promise<void> {
    const [due] = (await this.db.query(
      `SELECT GREATEST(0, EXTRACT(EPOCH FROM ($2::timestamptz + make_interval(secs => t.on_site_limit_seconds) - now())) * 1000)::bigint AS delay
       FROM alarms a JOIN tenants t ON t.id = a.tenant_id WHERE a.id = $1`,
      [alarmId, calledOutAt],
    )) as Array<{ delay: string }>;
    if (!due) return;
    await this.queue.add(
      'on-site',
      { alarmId, calledOutAt: calledOutAt.toISOString() },
      { jobId: `${alarmId}.on-site.${calledOutAt.getTime()}`, delay: Number(due.delay), ...CLOCK_JOB },
    );
  }

  /**
   * The call-out's limit ran out: if no responder has reported on site (and the call-out is
   * the same one, not cancelled or redone), the log says so and the supervisor is told.
   */
  private async overdueOnSite(alarmId: string, calledOutAt: string): Promise<void> {
    const [late] = (await this.db.query(
      `INSERT INTO alarm_log (alarm_id, code, at, operator_id, note)
       SELECT a.id, $3, now(), NULL, 'Ikke meldt på stedet innen '
              || CASE WHEN t.on_site_limit_seconds % 60 = 0 THEN (t.on_site_limit_seconds / 60) || ' min' ELSE t.on_site_limit_seconds || ' s' END
              || ': vaktleder varslet'
       FROM alarms a JOIN tenants t ON t.id = a.tenant_id
       WHERE a.id = $1 AND a.state IN ('called-out', 'responder-on-way') AND a.called_out_at = $2
       RETURNING alarm_id`,
      [alarmId, calledOutAt, logStepCode('action')],
    )) as Array<{ alarm_id: string }>;
    if (!late) return;
    const view = await this.viewOf(alarmId);
    this.realtime.alarmUpdated(view);
    this.realtime.supervisorAlert({ kind: 'not-on-site', alarm: view, at: new Date().toISOString() });
    this.logger.warn(`alarm ${alarmId}: no responder on site in time`);
  }

  private async viewOf(alarmId: string): Promise<AlarmView> {
    const [view] = await this.views.of([await this.db.getRepository(Alarm).findOneByOrFail({ id: alarmId })]);
    return view!;
  }

  private async escalate(alarmId: string, level: number): Promise<void> {
    const [escalated] = (await this.db.query(
      `UPDATE alarms a SET escalation_level = $2, escalated_at = now()
       FROM tenants t
       WHERE t.id = a.tenant_id AND a.id = $1 AND a.state = 'reported' AND a.escalation_level = $2 - 1
         -- A step queued for an earlier stay in the queue (before a take and a release) finds its clock not yet run out.
         AND ${ANSWER_CLOCK} + make_interval(secs => t.answer_limit_seconds) <= now() + interval '250 milliseconds'
         -- An alarm of an untaken incident waits with it: the incident escalates, not each of its alarms.
         AND NOT EXISTS (SELECT 1 FROM incidents WHERE incidents.id = a.incident_id AND incidents.state = 'reported')
       RETURNING a.id`,
      [alarmId, level],
    )) as [Array<{ id: string }>, number];
    if (escalated.length === 0) return; // taken, closed, this step already done, or its clock restarted
    // The next step is queued before anyone is told, so a failure to announce cannot stop the escalation.
    await this.schedule([alarmId]);
    const view = await this.viewOf(alarmId);
    this.realtime.alarmUpdated(view);
    this.realtime.alarmEscalated(view);
    this.realtime.supervisorAlert({ kind: 'not-answered', alarm: view, at: new Date().toISOString() });
    this.logger.warn(`alarm ${alarmId} not taken in time: escalation ${level}`);
  }
}
