import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** An EPJ that pulls one municipality's journal entries, authenticated by OAuth2 client credentials. */
@Entity('epj_clients')
export class EpjClient {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'tenant_id' })
  tenantId!: string;

  @Column('text', { name: 'client_id' })
  clientId!: string;

  /** scrypt, as auth/secret-hash.ts; the secret itself is shown once, at registration. */
  @Column('text', { name: 'secret_hash' })
  secretHash!: string;

  /** Which EPJ this is, for the municipality's admin ("DIPS Front", say). */
  @Column('text')
  name!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  /** When the client last got an access token, for the admin to see which EPJ is still in use. */
  @Column('timestamptz', { name: 'last_token_at', nullable: true })
  lastTokenAt!: Date | null;

  /** Set once by the admin: the client gets no more tokens and those it holds are refused. */
  @Column('timestamptz', { name: 'revoked_at', nullable: true })
  revokedAt!: Date | null;
}
