import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { EpjContextResources } from './epj-context.js';

/** The hub's copy of what the EPJ says about one resident, with when it was read and how the last read went. */
@Entity('epj_context')
export class EpjContextCopy {
  @PrimaryColumn('uuid', { name: 'resident_id' })
  residentId!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  /** Null until a read of the EPJ first succeeded. */
  @Column('timestamptz', { name: 'fetched_at', nullable: true })
  fetchedAt!: Date | null;

  @Column('jsonb', { nullable: true })
  resources!: EpjContextResources | null;

  /** Why the last read failed; cleared by the next one that succeeds. */
  @Column('text', { name: 'last_error', nullable: true })
  lastError!: string | null;

  @Column('timestamptz', { name: 'last_error_at', nullable: true })
  lastErrorAt!: Date | null;
}
