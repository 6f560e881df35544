import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A dose taken out of a medicine dispenser, kept for the journal: one entry per dose, or a day's summary. */
@Entity('dispenser_doses')
export class DispenserDose {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('uuid', { name: 'resident_id' })
  residentId!: string;

  @Column('varchar', { name: 'device_id', length: 64 })
  deviceId!: string;

  @Column('timestamptz', { name: 'handed_over_at' })
  handedOverAt!: Date;

  @CreateDateColumn({ name: 'recorded_at', type: 'timestamptz' })
  recordedAt!: Date;
}
