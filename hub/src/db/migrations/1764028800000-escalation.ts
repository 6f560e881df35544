import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Service limits and triage rules per municipality; how far an alarm escalated, how often it repeated. */
export class Escalation1764028800000 implements MigrationInterface {
  name = 'Escalation1764028800000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE tenants
        ADD COLUMN answer_limit_seconds integer NOT NULL DEFAULT 60 CHECK (answer_limit_seconds > 0),
        ADD COLUMN on_site_limit_minutes integer NOT NULL DEFAULT 45 CHECK (on_site_limit_minutes > 0),
        ADD COLUMN triage_rules jsonb NOT NULL DEFAULT '{}';
      ALTER TABLE alarms
        ADD COLUMN escalation_level integer NOT NULL DEFAULT 0 CHECK (escalation_level >= 0),
        ADD COLUMN escalated_at timestamptz,
        ADD COLUMN repeat_count integer NOT NULL DEFAULT 0 CHECK (repeat_count >= 0);
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE alarms DROP COLUMN repeat_count, DROP COLUMN escalated_at, DROP COLUMN escalation_level;
      ALTER TABLE tenants DROP COLUMN triage_rules, DROP COLUMN on_site_limit_minutes, DROP COLUMN answer_limit_seconds;
    `);
  }
}
