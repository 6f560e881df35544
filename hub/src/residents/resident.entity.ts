import { Column, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { NextOfKin } from '../realtime/contract.js';

/** A tjenestemottaker: a person receiving welfare-technology services. */
@Entity('residents')
export class Resident {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  /** Fødselsnummer or D-nummer (11 digits). */
  @Column('varchar', { name: 'national_id', length: 11 })
  nationalId!: string;

  @Column('text')
  name!: string;

  @Column('date', { name: 'birth_date' })
  birthDate!: string;

  @Column('text')
  address!: string;

  @Column('text')
  phone!: string;

  @Column('text', { name: 'key_box', nullable: true })
  keyBox!: string | null;

  @Column('text', { name: 'e_lock', nullable: true })
  eLock!: string | null;

  /** The home-care zone the resident lives in: a call-out goes to the team serving it. */
  @Column('text', { nullable: true })
  zone!: string | null;

  @Column('text', { array: true, default: () => "'{}'" })
  diagnoses!: string[];

  @Column('text', { name: 'risk_flags', array: true, default: () => "'{}'" })
  riskFlags!: string[];

  @Column('jsonb', { name: 'next_of_kin', default: () => "'[]'" })
  nextOfKin!: NextOfKin[];

  /** Where the profile came from (EPJ, registered by hand, demo): shown with its age. */
  @Column('text')
  source!: string;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
