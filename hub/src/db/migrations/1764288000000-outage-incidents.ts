import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Incidents: many devices of a municipality losing power or contact at once become one
 * "possible power or network outage", which the operator handles as one; the alarms stay and
 * point to it. A municipality has at most one incident of a kind open, and an alarm can only be
 * part of an incident of its own municipality.
 */
export class OutageIncidents1764288000000 implements MigrationInterface {
  name = 'OutageIncidents1764288000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE incidents (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        kind text NOT NULL CHECK (kind IN ('outage')),
        state text NOT NULL CHECK (state IN ('reported', 'being-handled', 'closed')),
        opened_at timestamptz NOT NULL,
        taken_by uuid REFERENCES operators(id),
        taken_at timestamptz,
        closed_at timestamptz,
        closed_by uuid REFERENCES operators(id),
        closing_note text,
        escalation_level integer NOT NULL DEFAULT 0 CHECK (escalation_level >= 0),
        escalated_at timestamptz,
        UNIQUE (id, tenant_id),
        CHECK ((state = 'reported') = (taken_by IS NULL) OR state = 'closed'),
        CHECK ((state = 'closed') = (closed_at IS NOT NULL))
      );
      CREATE UNIQUE INDEX incidents_one_open ON incidents (tenant_id, kind) WHERE state <> 'closed';
      ALTER TABLE alarms
        ADD COLUMN incident_id uuid,
        ADD CONSTRAINT alarms_incident FOREIGN KEY (incident_id, tenant_id) REFERENCES incidents(id, tenant_id);
      CREATE INDEX alarms_incident ON alarms (incident_id) WHERE incident_id IS NOT NULL;
      -- The correlation's question: which technical alarms of this municipality are open and in no incident yet.
      CREATE INDEX alarms_open_technical ON alarms (tenant_id, raised_at) WHERE kind = 'technical' AND state <> 'closed' AND incident_id IS NULL;
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DROP INDEX alarms_open_technical;
      DROP INDEX alarms_incident;
      ALTER TABLE alarms DROP CONSTRAINT alarms_incident, DROP COLUMN incident_id;
      DROP TABLE incidents;
    `);
  }
}
