import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { DeviceEvent } from '@knutepunkt/device-adapters';

/** A decoded device event as durably stored before the device gets its PUBACK. */
@Entity('device_events')
export class StoredEvent {
  @PrimaryColumn('varchar', { name: 'device_id', length: 64 })
  deviceId!: string;

  /** The device's own id for the event: the key that makes redelivery idempotent. */
  @PrimaryColumn('varchar', { name: 'event_id', length: 128 })
  eventId!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('uuid', { name: 'resident_id', nullable: true })
  residentId!: string | null;

  @Column('text')
  code!: string;

  @Column('timestamptz', { name: 'occurred_at' })
  occurredAt!: Date;

  @Column('timestamptz', { name: 'received_at' })
  receivedAt!: Date;

  @Column('jsonb')
  event!: DeviceEvent;
}
