import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Append-only record of who read or changed a resident's data, what, when and why. */
@Entity('audit_log')
export class AuditEntry {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id!: string;

  @CreateDateColumn({ type: 'timestamptz' })
  at!: Date;

  @Column('uuid', { name: 'operator_id', nullable: true })
  operatorId!: string | null;

  @Column('text')
  action!: string;

  @Column('uuid', { name: 'resident_ids', array: true })
  residentIds!: string[];

  @Column('text')
  reason!: string;
}
