import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Events triage holds back for a while (a door opened: will it close again?) before they raise an alarm. */
export class HeldEvents1764115200000 implements MigrationInterface {
  name = 'HeldEvents1764115200000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE held_events (
        device_id varchar(64) NOT NULL,
        event_id varchar(128) NOT NULL,
        code text NOT NULL,
        hold_until timestamptz NOT NULL,
        released_at timestamptz,
        cancelled_at timestamptz,
        PRIMARY KEY (device_id, event_id),
        FOREIGN KEY (device_id, event_id) REFERENCES device_events(device_id, event_id)
      );
      CREATE INDEX held_events_open ON held_events (device_id) WHERE released_at IS NULL AND cancelled_at IS NULL;
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE held_events');
  }
}
