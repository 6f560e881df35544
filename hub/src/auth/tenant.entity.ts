import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A municipality, or an inter-municipal response centre's member municipality. */
@Entity('tenants')
export class Tenant {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('text')
  name!: string;

  /** Norwegian organisation number (9 digits), identifies the municipality in journal entries. */
  @Column('varchar', { name: 'organisation_number', length: 9 })
  organisationNumber!: string;

  /** An alarm not taken within this escalates, and again each time it passes. */
  @Column('integer', { name: 'answer_limit_seconds', default: 60 })
  answerLimitSeconds!: number;

  /** A call-out without a responder on site within this alerts the supervisor. */
  @Column('integer', { name: 'on_site_limit_seconds', default: 2700 })
  onSiteLimitSeconds!: number;

  /** The municipality's own triage rules (triage/triage-rules.ts); {} means the shipped defaults. */
  @Column('jsonb', { name: 'triage_rules', default: () => "'{}'" })
  triageRules!: Record<string, unknown>;

  /** What becomes journal entries (journal/journal-policy.ts); {} means the shipped defaults. */
  @Column('jsonb', { name: 'journal_policy', default: () => "'{}'" })
  journalPolicy!: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
