import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { DeviceKind } from '@knutepunkt/device-adapters';

export type DeviceStatus = 'active' | 'suspended' | 'retired';
/** What supervision knows: not yet heard from, heard from in time, or out of contact. */
export type DeviceContact = 'unknown' | 'ok' | 'lost';

/** Device ids become MQTT client ids and topic levels: no wildcards, no separators. */
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

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

  @Column('uuid', { name: 'vendor_id', nullable: true })
  vendorId!: string | null;

  @Column('text', { nullable: true })
  serial!: string | null;

  /** For a sensor behind a home gateway: the gateway device, and the sensor's name there. */
  @Column('varchar', { name: 'gateway_id', length: 64, nullable: true })
  gatewayId!: string | null;

  @Column('text', { name: 'gateway_address', nullable: true })
  gatewayAddress!: string | null;

  @Column('integer', { name: 'heartbeat_seconds', default: 900 })
  heartbeatSeconds!: number;

  @Column('integer', { name: 'missed_heartbeats', default: 3 })
  missedHeartbeats!: number;

  @Column('text', { default: 'unknown' })
  contact!: DeviceContact;

  /** The last states a state-reporting sensor sent (door contact, leak), to tell a change from a repeat. */
  @Column('jsonb', { name: 'reported_state', default: () => "'{}'" })
  reportedState!: Record<string, boolean>;

  /** A training device (øvingsutstyr): its alarms are handled like any other, and never reach a record. */
  @Column('boolean', { default: false })
  training!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
