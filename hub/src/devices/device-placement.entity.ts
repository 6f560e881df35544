import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Where a device served and for whom: its history survives moves between homes and institutions. */
@Entity('device_placements')
export class DevicePlacement {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id!: string;

  @Column('varchar', { name: 'device_id', length: 64 })
  deviceId!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('uuid', { name: 'resident_id', nullable: true })
  residentId!: string | null;

  @Column('timestamptz', { name: 'placed_at', default: () => 'now()' })
  placedAt!: Date;

  @Column('timestamptz', { name: 'removed_at', nullable: true })
  removedAt!: Date | null;
}
