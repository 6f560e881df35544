import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An EPJ client can be revoked by its municipality's admin, which ends its access at once, and the
 * admin sees when each client last asked for a token.
 */
export class EpjClientRevocation1764806400000 implements MigrationInterface {
  name = 'EpjClientRevocation1764806400000';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE epj_clients ADD COLUMN revoked_at timestamptz, ADD COLUMN last_token_at timestamptz');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE epj_clients DROP COLUMN revoked_at, DROP COLUMN last_token_at');
  }
}
