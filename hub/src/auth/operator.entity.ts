import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type OperatorRole = 'operator' | 'admin' | 'vendor';

/** A response-centre operator (or admin); sees only the tenants listed. */
@Entity('operators')
export class Operator {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('text', { unique: true })
  username!: string;

  @Column('text', { name: 'display_name' })
  displayName!: string;

  @Column('text', { name: 'password_hash' })
  passwordHash!: string;

  @Column('text')
  role!: OperatorRole;

  @Column('uuid', { name: 'tenant_ids', array: true })
  tenantIds!: string[];

  /** Set for a vendor's account: it sees that vendor's devices, and no resident. */
  @Column('uuid', { name: 'vendor_id', nullable: true })
  vendorId!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
