import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A message the hub could not turn into an event, kept with its reason. */
@Entity('quarantine')
export class QuarantinedMessage {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id!: string;

  @Column('varchar', { name: 'device_id', length: 64, nullable: true })
  deviceId!: string | null;

  @Column('text')
  topic!: string;

  @Column('text')
  reason!: string;

  @Column('text')
  detail!: string;

  /** The payload as received (cut at MAX_EVENT_BYTES for oversized ones). */
  @Column('bytea')
  payload!: Buffer;

  @Column('integer', { name: 'payload_bytes' })
  payloadBytes!: number;

  @Column('timestamptz', { name: 'received_at' })
  receivedAt!: Date;
}
