import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** 'failed' is the dead-letter state: refused by the EPJ or out of attempts, kept with its reason until retried. */
export type OutboxStatus = 'pending' | 'delivered' | 'failed';

/** A journal entry waiting for, or done with, delivery to the EPJ: written in the closing transaction. */
@Entity('journal_outbox')
export class OutboxEntry {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'alarm_id' })
  alarmId!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('jsonb')
  bundle!: object;

  @Column('text')
  status!: OutboxStatus;

  @Column('integer', { default: 0 })
  attempts!: number;

  @Column('text', { name: 'last_error', nullable: true })
  lastError!: string | null;

  /** When the last push was tried; with `attempts` and `lastError`, what a failed delivery shows. */
  @Column('timestamptz', { name: 'last_attempt_at', nullable: true })
  lastAttemptAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'delivered_at', nullable: true })
  deliveredAt!: Date | null;

  /** Pull: when the EPJ first fetched the entry. */
  @Column('timestamptz', { name: 'read_at', nullable: true })
  readAt!: Date | null;

  /** Pull: when the EPJ acknowledged it as journaled, which counts as delivered. */
  @Column('timestamptz', { name: 'journaled_at', nullable: true })
  journaledAt!: Date | null;

  /** Pull: the EPJ's own reference to what it journaled, if it gave one. */
  @Column('text', { name: 'epj_reference', nullable: true })
  epjReference!: string | null;
}
