import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { IncidentKind, IncidentState } from '../realtime/contract.js';

/**
 * Many alarms the operator handles as one: a possible power or network outage. Its alarms
 * (alarms.incident_id) stay stored and each resolves by itself when its device returns.
 */
@Entity('incidents')
export class Incident {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('text')
  kind!: IncidentKind;

  @Column('text')
  state!: IncidentState;

  @Column('timestamptz', { name: 'opened_at' })
  openedAt!: Date;

  @Column('uuid', { name: 'taken_by', nullable: true })
  takenBy!: string | null;

  @Column('timestamptz', { name: 'taken_at', nullable: true })
  takenAt!: Date | null;

  @Column('timestamptz', { name: 'closed_at', nullable: true })
  closedAt!: Date | null;

  /** The operator who closed it; null when the hub closed it because every alarm in it ended. */
  @Column('uuid', { name: 'closed_by', nullable: true })
  closedBy!: string | null;

  @Column('text', { name: 'closing_note', nullable: true })
  closingNote!: string | null;

  /** How many times it passed its municipality's answer limit untaken. */
  @Column('integer', { name: 'escalation_level', default: 0 })
  escalationLevel!: number;

  @Column('timestamptz', { name: 'escalated_at', nullable: true })
  escalatedAt!: Date | null;
}
