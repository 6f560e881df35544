import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { DeviceKind } from '@knutepunkt/device-adapters';

/** A device model: its format and how often it must be heard from. */
@Entity('device_models')
export class DeviceModel {
  @PrimaryColumn('text')
  name!: string;

  @Column('uuid', { name: 'vendor_id', nullable: true })
  vendorId!: string | null;

  @Column('text')
  kind!: DeviceKind;

  @Column('text')
  adapter!: string;

  @Column('integer', { name: 'heartbeat_seconds', default: 900 })
  heartbeatSeconds!: number;

  /** Heartbeats missed in a row before the device counts as out of contact. */
  @Column('integer', { name: 'missed_heartbeats', default: 3 })
  missedHeartbeats!: number;
}
