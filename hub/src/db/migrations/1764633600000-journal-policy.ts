import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Journaling policy: each municipality's policy; training devices, whose alarms never reach a
 * record; the doses taken out of medicine dispensers, for per-dose entries and daily summaries;
 * journal entries that belong to no alarm (a dose, a day's summary), each under a key of its own
 * so that it is written once, and every entry's resident; and 'superseded' for an entry that a later one of the same alarm
 * (reopened and closed again) replaced before it was delivered.
 */
export class JournalPolicy1764633600000 implements MigrationInterface {
  name = 'JournalPolicy1764633600000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE tenants ADD COLUMN journal_policy jsonb NOT NULL DEFAULT '{}';
      ALTER TABLE devices ADD COLUMN training boolean NOT NULL DEFAULT false;
      CREATE TABLE dispenser_doses (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        resident_id uuid NOT NULL REFERENCES residents(id),
        device_id varchar(64) NOT NULL REFERENCES devices(id),
        handed_over_at timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (device_id, handed_over_at)
      );
      CREATE INDEX dispenser_doses_day ON dispenser_doses (tenant_id, handed_over_at);
      ALTER TABLE journal_outbox
        ALTER COLUMN alarm_id DROP NOT NULL,
        ADD COLUMN entry_key text UNIQUE,
        ADD COLUMN resident_id uuid REFERENCES residents(id),
        ADD CONSTRAINT journal_outbox_subject CHECK (alarm_id IS NOT NULL OR entry_key IS NOT NULL),
        DROP CONSTRAINT journal_outbox_status_check,
        ADD CONSTRAINT journal_outbox_status_check CHECK (status IN ('pending', 'delivered', 'failed', 'superseded'));
      UPDATE journal_outbox SET resident_id = alarms.resident_id FROM alarms WHERE alarms.id = journal_outbox.alarm_id;
      ALTER TABLE journal_outbox ALTER COLUMN resident_id SET NOT NULL;
      CREATE INDEX journal_outbox_alarm ON journal_outbox (alarm_id);
      DROP INDEX journal_outbox_registered;
      CREATE INDEX journal_outbox_registered ON journal_outbox (tenant_id, created_at) WHERE journaled_at IS NULL AND status IN ('pending', 'delivered');
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DROP INDEX journal_outbox_registered;
      CREATE INDEX journal_outbox_registered ON journal_outbox (tenant_id, created_at) WHERE journaled_at IS NULL AND status <> 'failed';
      DROP INDEX journal_outbox_alarm;
      DELETE FROM journal_outbox WHERE alarm_id IS NULL;
      UPDATE journal_outbox SET status = 'failed' WHERE status = 'superseded';
      ALTER TABLE journal_outbox
        DROP CONSTRAINT journal_outbox_status_check,
        ADD CONSTRAINT journal_outbox_status_check CHECK (status IN ('pending', 'delivered', 'failed')),
        DROP CONSTRAINT journal_outbox_subject,
        DROP COLUMN entry_key,
        DROP COLUMN resident_id,
        ALTER COLUMN alarm_id SET NOT NULL;
      DROP TABLE dispenser_doses;
      ALTER TABLE devices DROP COLUMN training;
      ALTER TABLE tenants DROP COLUMN journal_policy;
    `);
  }
}
