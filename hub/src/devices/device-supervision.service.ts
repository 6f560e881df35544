import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { AlertCode, DeviceKind } from '@knutepunkt/device-adapters';
import { DataSource, IsNull } from 'typeorm';
import { AlarmsService } from '../alarms/alarms.service.js';
import { Alarm } from '../alarms/alarm.entity.js';
import { HUB_CONFIG, type HubConfig } from '../config/config.js';
import { Inbox } from '../ingest/inbox.service.js';
import { DeviceDirectory } from './device-directory.service.js';
import { DeviceOutage, type OutageCause } from './device-outage.entity.js';

/**
 * "Ingen kontakt": a dispenser has VKP's own code for it (1.20); other devices raise it under
 * their category, so the alarm says which kind of help the resident has lost.
 */
const NO_CONTACT_CODE: Record<DeviceKind, AlertCode> = {
  'medicine-dispenser': '1.20',
  'safety-alarm': '3',
  'fall-detector': '4',
  'door-sensor': '4',
  'water-sensor': '4',
  'motion-sensor': '4',
  'bed-sensor': '4',
  gateway: '4',
};

/**
 * Watches that devices call in: missed heartbeats (each device's interval × how many it may
 * miss) or its last will raise the technical alarm "Ingen kontakt"; the device's return
 * ends the outage and resolves the alarm if no one has taken it yet.
 */
@Injectable()
export class DeviceSupervision implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(DeviceSupervision.name);
  private timer: NodeJS.Timeout | null = null;
  private sweeping: Promise<void> | null = null;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    private readonly directory: DeviceDirectory,
    private readonly inbox: Inbox,
    private readonly alarms: AlarmsService,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => {
      this.sweeping ??= this.sweep()
        .catch((error: Error) => this.logger.warn(`supervision sweep: ${error.message}`))
        .finally(() => (this.sweeping = null));
    }, this.config.SUPERVISION_SWEEP_SECONDS * 1000);
  }

  /** A sweep under way finishes (it raises alarms) before the queues it schedules into close. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.sweeping;
  }

  /** Finds the devices whose heartbeat deadline has passed, and raises their alarms. */
  async sweep(): Promise<void> {
    const [silent] = (await this.db.query(
      `UPDATE devices SET contact = 'lost'
       WHERE status = 'active' AND contact = 'ok' AND resident_id IS NOT NULL
         AND last_seen_at < now() - make_interval(secs => heartbeat_seconds * missed_heartbeats)
       RETURNING id, kind, last_seen_at + make_interval(secs => heartbeat_seconds * missed_heartbeats) AS deadline`,
    )) as [Array<{ id: string; kind: DeviceKind; deadline: Date }>, number];
    for (const device of silent) {
      await this.raiseOrRetry(device.id, device.kind, 'missed-heartbeats', device.deadline).catch((error: Error) =>
        this.logger.warn(`no contact with ${device.id}, alarm not raised yet: ${error.message}`),
      );
    }
  }

  /** The device's last will arrived: the broker lost it without a clean goodbye. */
  async lastWill(deviceId: string): Promise<void> {
    const [lost] = (await this.db.query(
      `UPDATE devices SET contact = 'lost' WHERE id = $1 AND status = 'active' AND contact <> 'lost' AND resident_id IS NOT NULL RETURNING id, kind`,
      [deviceId],
    )) as [Array<{ id: string; kind: DeviceKind }>, number];
    if (lost[0]) await this.raiseOrRetry(deviceId, lost[0].kind, 'last-will', new Date());
  }

  /** The device is heard from again: end its outage and resolve the alarm it raised. */
  async restored(deviceId: string): Promise<void> {
    const outage = await this.db.getRepository(DeviceOutage).findOneBy({ deviceId, endedAt: IsNull() });
    if (!outage) return;
    const now = new Date();
    await this.db.getRepository(DeviceOutage).update({ id: outage.id, endedAt: IsNull() }, { endedAt: now });
    const minutes = Math.max(1, Math.round((now.getTime() - outage.startedAt.getTime()) / 60_000));
    if (outage.alarmId) await this.alarms.resolveByHub(outage.alarmId, `Kontakt gjenopprettet etter ${minutes} min`);
  }

  /**
   * Raises the alarm for a device just marked lost. If that fails, the mark is undone so the
   * next sweep tries again; if the device spoke up meanwhile, its return is handled at once.
   */
  private async raiseOrRetry(deviceId: string, kind: DeviceKind, cause: OutageCause, startedAt: Date): Promise<void> {
    try {
      await this.raise(deviceId, kind, cause, startedAt);
    } catch (error) {
      await this.db.query("UPDATE devices SET contact = 'ok' WHERE id = $1 AND contact = 'lost'", [deviceId]);
      throw error;
    }
    const [now] = (await this.db.query('SELECT contact FROM devices WHERE id = $1', [deviceId])) as Array<{ contact: string }>;
    if (now?.contact === 'ok') await this.restored(deviceId);
  }

  private async raise(deviceId: string, kind: DeviceKind, cause: OutageCause, startedAt: Date): Promise<void> {
    this.directory.forget(deviceId);
    const device = await this.directory.find(deviceId);
    if (!device) return;
    const eventId = `no-contact-${startedAt.toISOString()}`;
    await this.inbox.store({
      kind: 'events',
      fromHub: true,
      device,
      events: [{ eventId, deviceId, code: NO_CONTACT_CODE[kind], occurredAt: startedAt.toISOString(), technical: 'no-contact' }],
    });
    const alarm = await this.db.getRepository(Alarm).findOne({ where: { deviceId, eventId }, select: ['id'] });
    await this.db
      .getRepository(DeviceOutage)
      .createQueryBuilder()
      .insert()
      .values({ deviceId, startedAt, cause, alarmId: alarm?.id ?? null })
      .orIgnore() // one open outage per device: a will and a sweep may both notice
      .execute();
    this.logger.log(`device ${deviceId}: no contact (${cause})`);
  }
}
