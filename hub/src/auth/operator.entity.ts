import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { AccountRole } from '../realtime/contract.js';


/** An account: response-centre operator, supervisor, admin, vendor or responder; sees only the tenants listed. */
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
  role!: AccountRole;

  @Column('uuid', { name: 'tenant_ids', array: true })
  tenantIds!: string[];

  /** Set for a vendor's account: it sees that vendor's devices, and no resident. */
  @Column('uuid', { name: 'vendor_id', nullable: true })
  vendorId!: string | null;

  /** A responder's team: call-outs to it are the responder's to accept. */
  @Column('uuid', { name: 'team_id', nullable: true })
  teamId!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
