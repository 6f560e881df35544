import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Service limits per municipality, and how far an unanswered alarm has escalated. */
export class Escalation1764028800000 implements MigrationInterface {
  name = 'Escalation1764028800000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE tenants
        ADD COLUMN answer_limit_seconds integer NOT NULL DEFAULT 60 CHECK (answer_limit_seconds > 0),
        ADD COLUMN on_site_limit_minutes integer NOT NULL DEFAULT 45 CHECK (on_site_limit_minutes > 0);
      ALTER TABLE alarms
        ADD COLUMN escalation_level integer NOT NULL DEFAULT 0 CHECK (escalation_level >= 0),
        ADD COLUMN escalated_at timestamptz;
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE alarms DROP COLUMN escalated_at, DROP COLUMN escalation_level;
      ALTER TABLE tenants DROP COLUMN on_site_limit_minutes, DROP COLUMN answer_limit_seconds;
    `);
  }
}
