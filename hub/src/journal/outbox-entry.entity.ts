import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * 'failed' is the dead-letter state: refused by the EPJ or out of attempts, kept with its reason
 * until retried. 'superseded': an alarm reopened and closed again before this entry was delivered
 * has a later entry with the same resources as they stand now, which replaces it.
 */
export type OutboxStatus = 'pending' | 'delivered' | 'failed' | 'superseded';

/**
 * A journal entry waiting for, or done with, delivery to the EPJ: an alarm's, written in the
 * closing transaction, or one that belongs to no alarm (a dispenser dose, a day's summary).
 */
@Entity('journal_outbox')
export class OutboxEntry {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'alarm_id', nullable: true })
  alarmId!: string | null;

  /** What an entry that belongs to no alarm is about, e.g. `dispenser-summary/<resident>/<date>`: it is written once. */
  @Column('text', { name: 'entry_key', nullable: true })
  entryKey!: string | null;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  /** Whose record the entry goes into. */
  @Column('uuid', { name: 'resident_id' })
  residentId!: string;

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
