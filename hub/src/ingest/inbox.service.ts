import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DeviceEvent } from '@knutepunkt/device-adapters';
import { DataSource, type EntityManager } from 'typeorm';
import type { HeldEventKey } from '../alarms/alarm-holds.service.js';
import { AlarmsService } from '../alarms/alarms.service.js';
import { HUB_CONFIG, type HubConfig } from '../config/config.js';
import type { KnownDevice } from '../devices/device-directory.service.js';
import { DeviceHeartbeats } from '../devices/device-heartbeats.service.js';
import type { Alarm } from '../alarms/alarm.entity.js';
import { IncidentsService } from '../incidents/incidents.service.js';
import { IngestStats } from './ingest-stats.js';
import { QuarantinedMessage } from './quarantined-message.entity.js';

export interface DecodedMessage {
  kind: 'events';
  device: KnownDevice;
  events: DeviceEvent[];
  /** Events the hub observed itself (no contact): they do not show the device is alive. */
  fromHub?: true;
}

export interface RejectedMessage {
  kind: 'quarantine';
  deviceId: string | null;
  topic: string;
  reason: string;
  detail: string;
  payload: Buffer;
  payloadBytes: number;
}

export type InboxItem = DecodedMessage | RejectedMessage;

interface Waiting {
  item: InboxItem;
  receivedAt: Date;
  /** Resolves with whether the message's device had been out of contact until now. */
  resolve: (contactRestored: boolean) => void;
  reject: (error: Error) => void;
}

/**
 * The durable inbox. A message is stored before its device is acknowledged; writes from many
 * devices are grouped into one transaction (group commit) so that acking only after the write
 * stays fast under load. Storing is idempotent by (device, event id).
 */
@Injectable()
export class Inbox implements BeforeApplicationShutdown {
  private readonly logger = new Logger(Inbox.name);
  private waiting: Waiting[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing = false;
  /** Commits and the announcing after them still running: shutdown waits for them before the queues close. */
  private readonly running = new Set<Promise<unknown>>();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    private readonly alarms: AlarmsService,
    private readonly stats: IngestStats,
    private readonly heartbeats: DeviceHeartbeats,
    private readonly incidents: IncidentsService,
  ) {}

  /**
   * Resolves once the item is committed, with whether its device had been out of contact;
   * rejects if it could not be stored.
   */
  store(item: InboxItem): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ item, receivedAt: new Date(), resolve, reject });
      this.schedule();
    });
  }

  /** What was received is stored, and what follows it announced, before the hub's queues and database close. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.flushing && this.waiting.length > 0) this.track(this.flush());
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  private schedule(): void {
    if (this.flushing) return; // the running flush picks these up when it ends
    if (this.waiting.length >= this.config.INGEST_BATCH_SIZE) {
      this.track(this.flush());
    } else {
      this.timer ??= setTimeout(() => this.track(this.flush()), this.config.INGEST_BATCH_WAIT_MS);
    }
  }

  private track(work: Promise<unknown>): void {
    this.running.add(work);
    const done = () => this.running.delete(work);
    void work.then(done, done);
  }

  private async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.flushing = true;
    const batch = this.waiting.splice(0, this.config.INGEST_BATCH_SIZE);
    try {
      await this.commit(batch);
    } catch (error) {
      // One bad row must not sink its neighbours: retry each alone, and fail only those that fail alone.
      this.logger.warn(`group commit of ${batch.length} failed (${(error as Error).message}); storing one by one`);
      for (const waiting of batch) {
        await this.commit([waiting]).catch((single: Error) => this.quarantineRefused(waiting, single));
      }
    } finally {
      this.flushing = false;
      if (this.waiting.length > 0) this.schedule();
    }
  }

  /**
   * A message the database itself refuses (a NUL in a text, a date PostgreSQL cannot hold) is
   * bad input like any other: kept in quarantine, so the device is acknowledged and not stuck
   * resending it. Any other failure is the hub's, and the device must resend later.
   */
  private async quarantineRefused(waiting: Waiting, error: Error & { code?: string }): Promise<void> {
    const item = waiting.item;
    if (!error.code?.startsWith('22') || item.kind === 'quarantine') return waiting.reject(error);
    const payload = Buffer.from(JSON.stringify(item.events));
    const refused: RejectedMessage = {
      kind: 'quarantine',
      deviceId: item.device.id,
      topic: `devices/${item.device.id}/events`,
      reason: 'refused-by-database',
      detail: error.message,
      payload,
      payloadBytes: payload.length,
    };
    await this.commit([{ ...waiting, item: refused }]).catch((again: Error) => waiting.reject(again));
  }

  private async commit(batch: Waiting[]): Promise<void> {
    const { raisedAlarmIds, joinedAlarmIds, held, duplicates, restored, incidents, powerBack } = await this.db.transaction(async (manager) => {
      await this.insertQuarantined(manager, batch);
      const stored = await this.insertEvents(manager, batch);
      const incidents = await this.incidents.correlateWithin(manager, stored.raisedAlarmIds);
      const heard = batch.flatMap(({ item }) => (item.kind === 'events' && !item.fromHub ? [item.device.id] : []));
      return { ...stored, incidents, restored: new Set(await this.heartbeats.seen([...new Set(heard)].sort(), undefined, manager)) };
    });
    this.stats.duplicates(duplicates);
    for (const waiting of batch) {
      if (waiting.item.kind === 'quarantine') this.stats.quarantined(waiting.item.reason);
      else this.stats.stored(waiting.item.events.length);
      waiting.resolve(waiting.item.kind === 'events' && restored.has(waiting.item.device.id));
    }
    // Consoles hear of new alarms without holding up the next group commit.
    if (raisedAlarmIds.length > 0) {
      // An outage incident goes first, so consoles fold its new alarms into its row rather than sound for each.
      this.track(
        this.incidents
          .announce(incidents)
          .catch((error: Error) => this.logger.error(`announcing incidents: ${error.message}`))
          .then(() => this.alarms.announceRaised(raisedAlarmIds))
          .catch((error: Error) => this.logger.error(`announcing alarms: ${error.message}`)),
      );
    }
    this.track(this.alarms.announceJoined(joinedAlarmIds).catch((error: Error) => this.logger.error(`announcing repeats: ${error.message}`)));
    if (powerBack.length > 0) this.track(this.announcePowerBack(powerBack).catch((error: Error) => this.logger.error(`announcing power back: ${error.message}`)));
    // A hold lost here is queued again at the next start, from the held_events table.
    this.track(this.alarms.scheduleHolds(held).catch((error: Error) => this.logger.error(`holding events: ${error.message}`)));
  }

  /** Power-loss alarms resolved because the supply is back (closed if untaken, noted if someone has it): consoles and their incident hear of it. */
  private async announcePowerBack(alarms: Alarm[]): Promise<void> {
    await this.alarms.announceResolved(alarms);
    await this.incidents.alarmsChanged(alarms.map((alarm) => alarm.id));
  }

  private async insertQuarantined(manager: EntityManager, batch: Waiting[]): Promise<void> {
    // Texts that describe bad input may carry its NUL characters, which PostgreSQL text cannot.
    const printable = (text: string) => text.replaceAll('\u0000', '\\0');
    const rows = batch.flatMap(({ item, receivedAt }) =>
      item.kind === 'quarantine'
        ? [{ deviceId: item.deviceId, topic: printable(item.topic), reason: item.reason, detail: printable(item.detail), payload: item.payload, payloadBytes: item.payloadBytes, receivedAt }]
        : [],
    );
    if (rows.length > 0) await manager.getRepository(QuarantinedMessage).insert(rows);
  }

  /** Stores the events; those not seen before raise alarms in the same transaction. */
  private async insertEvents(
    manager: EntityManager,
    batch: Waiting[],
  ): Promise<{ raisedAlarmIds: string[]; joinedAlarmIds: string[]; held: Array<HeldEventKey & { holdUntil: Date }>; duplicates: number; powerBack: Alarm[] }> {
    const candidates = batch.flatMap(({ item, receivedAt }) =>
      item.kind === 'events' ? item.events.map((event) => ({ event, device: item.device, receivedAt })) : [],
    );
    if (candidates.length === 0) return { raisedAlarmIds: [], joinedAlarmIds: [], held: [], duplicates: 0, powerBack: [] };
    const rows = candidates.map(({ event, device, receivedAt }) => ({
      device_id: device.id,
      event_id: event.eventId,
      tenant_id: device.tenantId,
      resident_id: device.residentId,
      code: event.code,
      occurred_at: event.occurredAt,
      received_at: receivedAt.toISOString(),
      event,
    }));
    const inserted = (await manager.query(
      `INSERT INTO device_events (device_id, event_id, tenant_id, resident_id, code, occurred_at, received_at, event)
       SELECT device_id, event_id, tenant_id, resident_id, code, occurred_at, received_at, event
       FROM jsonb_to_recordset($1::jsonb) AS row(device_id varchar, event_id varchar, tenant_id uuid, resident_id uuid,
         code text, occurred_at timestamptz, received_at timestamptz, event jsonb)
       ON CONFLICT (device_id, event_id) DO NOTHING
       RETURNING device_id, event_id`,
      [JSON.stringify(rows)],
    )) as Array<{ device_id: string; event_id: string }>;
    const fresh = new Set(inserted.map((row) => `${row.device_id}\u0000${row.event_id}`));
    const duplicates = candidates.length - fresh.size;
    const firstSeen = candidates.filter(({ event, device }) => fresh.delete(`${device.id}\u0000${event.eventId}`));
    const { raised, joined, held } = await this.alarms.raiseWithin(manager, firstSeen);
    const powerBack = await this.alarms.powerRestoredWithin(manager, firstSeen);
    return { raisedAlarmIds: raised, joinedAlarmIds: joined, held, duplicates, powerBack };
  }
}
