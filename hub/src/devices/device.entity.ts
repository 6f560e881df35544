import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { DeviceKind } from '@knutepunkt/device-adapters';

export type DeviceStatus = 'active' | 'suspended' | 'retired';

/** A registered device. Its tenant and resident come from here, never from its payloads. */
@Entity('devices')
export class Device {
  /** The MQTT client id and username; topics are devices/{id}/... */
  @PrimaryColumn('varchar', { length: 64 })
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('uuid', { name: 'resident_id', nullable: true })
  residentId!: string | null;

  @Column('text')
  kind!: DeviceKind;

  @Column('text')
  model!: string;

  /** Registry name of the adapter that decodes this device's messages. */
  @Column('text')
  adapter!: string;

  @Column('text', { name: 'credential_hash' })
  credentialHash!: string;

  @Column('text', { default: 'active' })
  status!: DeviceStatus;

  @Column('timestamptz', { name: 'last_seen_at', nullable: true })
  lastSeenAt!: Date | null;

  @Column('smallint', { nullable: true })
  battery!: number | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
