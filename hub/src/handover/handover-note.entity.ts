import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { HandoverNoteKind } from '../realtime/contract.js';

/** A note from one shift to the next, about a resident or about the shift as a whole. */
@Entity('handover_notes')
export class HandoverNote {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('text')
  kind!: HandoverNoteKind;

  /** Set for a resident note only; the resident is of the note's own municipality. */
  @Column('uuid', { name: 'resident_id', nullable: true })
  residentId!: string | null;

  @Column('text')
  text!: string;

  @Column('uuid', { name: 'written_by' })
  writtenBy!: string;

  @Column('timestamptz', { name: 'written_at' })
  writtenAt!: Date;

  /** Fixed when written, from the municipality's shift plan (handover/shifts.ts). */
  @Column('timestamptz', { name: 'expires_at' })
  expiresAt!: Date;

  @Column('timestamptz', { name: 'resolved_at', nullable: true })
  resolvedAt!: Date | null;

  @Column('uuid', { name: 'resolved_by', nullable: true })
  resolvedBy!: string | null;
}
