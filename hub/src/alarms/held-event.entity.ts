import { Column, Entity, PrimaryColumn } from 'typeorm';

/** An event triage holds back: it raises its alarm at hold_until unless cancelled before. */
@Entity('held_events')
export class HeldEvent {
  @PrimaryColumn('varchar', { name: 'device_id', length: 64 })
  deviceId!: string;

  @PrimaryColumn('varchar', { name: 'event_id', length: 128 })
  eventId!: string;

  @Column('text')
  code!: string;

  @Column('timestamptz', { name: 'hold_until' })
  holdUntil!: Date;

  @Column('timestamptz', { name: 'released_at', nullable: true })
  releasedAt!: Date | null;

  /** Set when what was waited for happened (the door closed again): no alarm. */
  @Column('timestamptz', { name: 'cancelled_at', nullable: true })
  cancelledAt!: Date | null;
}
