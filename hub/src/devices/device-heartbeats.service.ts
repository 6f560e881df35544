import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';

/** Records that devices are alive (any message counts) and what they say of their battery. */
@Injectable()
export class DeviceHeartbeats {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Marks the devices heard from now; returns those that had been out of contact. */
  async seen(deviceIds: string[], battery?: number, manager: EntityManager = this.db.manager): Promise<string[]> {
    if (deviceIds.length === 0) return [];
    const rows = (await manager.query(
      `UPDATE devices d SET last_seen_at = now(), contact = 'ok', battery = COALESCE($2, d.battery)
       FROM (SELECT id, contact AS was FROM devices WHERE id = ANY($1) ORDER BY id FOR UPDATE) before
       WHERE d.id = before.id
       RETURNING d.id, before.was`,
      [deviceIds, battery === undefined ? null : Math.round(battery)],
    )) as [Array<{ id: string; was: string }>, number];
    return rows[0].filter((row) => row.was === 'lost').map((row) => row.id);
  }
}
