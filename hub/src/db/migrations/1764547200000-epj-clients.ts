import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Pull journaling: the EPJ clients a municipality registers, and on each outbox entry when the
 * EPJ read it and when it acknowledged it as journaled (with its own reference).
 */
export class EpjClients1764547200000 implements MigrationInterface {
  name = 'EpjClients1764547200000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE epj_clients (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        client_id text NOT NULL UNIQUE,
        secret_hash text NOT NULL,
        name text NOT NULL CHECK (name <> ''),
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX epj_clients_tenant ON epj_clients (tenant_id);
      ALTER TABLE journal_outbox ADD COLUMN read_at timestamptz, ADD COLUMN journaled_at timestamptz, ADD COLUMN epj_reference text;
      CREATE INDEX journal_outbox_registered ON journal_outbox (tenant_id, created_at) WHERE journaled_at IS NULL AND status <> 'failed';
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DROP INDEX journal_outbox_registered;
      ALTER TABLE journal_outbox DROP COLUMN read_at, DROP COLUMN journaled_at, DROP COLUMN epj_reference;
      DROP TABLE epj_clients;
    `);
  }
}
