import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Call-outs: responder teams serving zones of a municipality, residents placed in a zone,
 * responder and supervisor accounts, and the alarm states between "being handled" and "closed"
 * while a responder is on the way. The on-site limit moves to seconds, like the answer limit,
 * so that it can be set as finely.
 */
export class CallOuts1764201600000 implements MigrationInterface {
  name = 'CallOuts1764201600000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE responder_teams (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        name text NOT NULL CHECK (name <> ''),
        phone text,
        zones text[] NOT NULL DEFAULT '{}',
        UNIQUE (tenant_id, name),
        UNIQUE (id, tenant_id)
      );
      ALTER TABLE residents ADD COLUMN zone text;
      ALTER TABLE operators DROP CONSTRAINT operators_role_check;
      ALTER TABLE operators ADD CONSTRAINT operators_role_check CHECK (role IN ('operator', 'supervisor', 'admin', 'vendor', 'responder'));
      ALTER TABLE operators ADD COLUMN team_id uuid REFERENCES responder_teams(id);
      ALTER TABLE operators ADD CONSTRAINT operators_responder_team CHECK ((role = 'responder') = (team_id IS NOT NULL));
      ALTER TABLE tenants ADD COLUMN on_site_limit_seconds integer NOT NULL DEFAULT 2700 CHECK (on_site_limit_seconds > 0);
      UPDATE tenants SET on_site_limit_seconds = on_site_limit_minutes * 60;
      ALTER TABLE tenants DROP COLUMN on_site_limit_minutes;
      ALTER TABLE alarms DROP CONSTRAINT alarms_state_check;
      ALTER TABLE alarms ADD CONSTRAINT alarms_state_check
        CHECK (state IN ('reported', 'being-handled', 'called-out', 'responder-on-way', 'responder-on-site', 'closed'));
      ALTER TABLE alarms
        ADD COLUMN call_out_team_id uuid,
        ADD COLUMN responder_id uuid REFERENCES operators(id),
        ADD COLUMN called_out_at timestamptz,
        ADD COLUMN on_site_at timestamptz,
        ADD COLUMN released_at timestamptz,
        ADD CONSTRAINT alarms_call_out_team FOREIGN KEY (call_out_team_id, tenant_id) REFERENCES responder_teams(id, tenant_id),
        ADD CONSTRAINT alarms_call_out_state
          CHECK ((state IN ('called-out', 'responder-on-way', 'responder-on-site')) = (call_out_team_id IS NOT NULL));
      CREATE INDEX alarms_call_outs ON alarms (call_out_team_id) WHERE call_out_team_id IS NOT NULL;
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DROP INDEX alarms_call_outs;
      UPDATE alarms SET state = 'being-handled' WHERE state IN ('called-out', 'responder-on-way', 'responder-on-site');
      ALTER TABLE alarms DROP CONSTRAINT alarms_call_out_state, DROP CONSTRAINT alarms_call_out_team,
        DROP COLUMN released_at, DROP COLUMN on_site_at, DROP COLUMN called_out_at, DROP COLUMN responder_id, DROP COLUMN call_out_team_id;
      ALTER TABLE alarms DROP CONSTRAINT alarms_state_check;
      ALTER TABLE alarms ADD CONSTRAINT alarms_state_check CHECK (state IN ('reported', 'being-handled', 'closed'));
      ALTER TABLE tenants ADD COLUMN on_site_limit_minutes integer NOT NULL DEFAULT 45 CHECK (on_site_limit_minutes > 0);
      UPDATE tenants SET on_site_limit_minutes = GREATEST(1, on_site_limit_seconds / 60);
      ALTER TABLE tenants DROP COLUMN on_site_limit_seconds;
      DELETE FROM operators WHERE role IN ('responder', 'supervisor') AND NOT EXISTS (SELECT 1 FROM alarm_log WHERE operator_id = operators.id);
      UPDATE operators SET role = 'operator', team_id = NULL WHERE role IN ('responder', 'supervisor');
      ALTER TABLE operators DROP CONSTRAINT operators_responder_team, DROP COLUMN team_id;
      ALTER TABLE operators DROP CONSTRAINT operators_role_check;
      ALTER TABLE operators ADD CONSTRAINT operators_role_check CHECK (role IN ('operator', 'admin', 'vendor'));
      ALTER TABLE residents DROP COLUMN zone;
      DROP TABLE responder_teams;
    `);
  }
}
