import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Journal delivery's dead-letter state: when each entry was last tried, and the failed entries found fast per municipality. */
export class JournalDelivery1764460800000 implements MigrationInterface {
  name = 'JournalDelivery1764460800000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE journal_outbox ADD COLUMN last_attempt_at timestamptz;
      CREATE INDEX journal_outbox_failed ON journal_outbox (tenant_id, created_at) WHERE status = 'failed';
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DROP INDEX journal_outbox_failed;
      ALTER TABLE journal_outbox DROP COLUMN last_attempt_at;
    `);
  }
}
