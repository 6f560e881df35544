import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type OutageCause = 'missed-heartbeats' | 'last-will';

/** A spell without contact with a device, from when it was noticed until the device returned. */
@Entity('device_outages')
export class DeviceOutage {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id!: string;

  @Column('varchar', { name: 'device_id', length: 64 })
  deviceId!: string;

  @Column('timestamptz', { name: 'started_at' })
  startedAt!: Date;

  @Column('timestamptz', { name: 'ended_at', nullable: true })
  endedAt!: Date | null;

  @Column('text')
  cause!: OutageCause;

  /** The "Ingen kontakt" alarm it raised. */
  @Column('uuid', { name: 'alarm_id', nullable: true })
  alarmId!: string | null;
}
