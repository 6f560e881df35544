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

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
