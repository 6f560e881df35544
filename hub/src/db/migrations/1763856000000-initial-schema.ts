import type { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1763856000000 implements MigrationInterface {
  name = 'InitialSchema1763856000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE tenants (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        organisation_number varchar(9) NOT NULL CHECK (organisation_number ~ '^[0-9]{9}$'),
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE operators (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        username text NOT NULL UNIQUE,
        display_name text NOT NULL,
        password_hash text NOT NULL,
        role text NOT NULL CHECK (role IN ('operator', 'admin')),
        tenant_ids uuid[] NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE residents (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        national_id varchar(11) NOT NULL CHECK (national_id ~ '^[0-9]{11}$'),
        name text NOT NULL CHECK (name <> ''),
        birth_date date NOT NULL,
        address text NOT NULL,
        phone text NOT NULL,
        key_box text,
        e_lock text,
        diagnoses text[] NOT NULL DEFAULT '{}',
        risk_flags text[] NOT NULL DEFAULT '{}',
        next_of_kin jsonb NOT NULL DEFAULT '[]',
        source text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, national_id),
        UNIQUE (id, tenant_id)
      );
      CREATE TABLE devices (
        id varchar(64) PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        resident_id uuid,
        kind text NOT NULL,
        model text NOT NULL CHECK (model <> ''),
        adapter text NOT NULL,
        credential_hash text NOT NULL,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'retired')),
        last_seen_at timestamptz,
        battery smallint,
        created_at timestamptz NOT NULL DEFAULT now(),
        -- A device serves a resident of its own tenant only.
        FOREIGN KEY (resident_id, tenant_id) REFERENCES residents(id, tenant_id)
      );
      CREATE TABLE device_events (
        device_id varchar(64) NOT NULL REFERENCES devices(id),
        event_id varchar(128) NOT NULL,
        tenant_id uuid NOT NULL,
        resident_id uuid,
        code text NOT NULL,
        occurred_at timestamptz NOT NULL,
        received_at timestamptz NOT NULL,
        event jsonb NOT NULL,
        PRIMARY KEY (device_id, event_id)
      );
      CREATE TABLE quarantine (
        id bigserial PRIMARY KEY,
        device_id varchar(64),
        topic text NOT NULL,
        reason text NOT NULL,
        detail text NOT NULL,
        payload bytea NOT NULL,
        payload_bytes integer NOT NULL,
        received_at timestamptz NOT NULL
      );
      CREATE INDEX quarantine_device ON quarantine (device_id, received_at);
      CREATE TABLE alarms (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        resident_id uuid NOT NULL,
        device_id varchar(64) NOT NULL,
        event_id varchar(128) NOT NULL,
        code text NOT NULL,
        kind text NOT NULL,
        severity smallint NOT NULL,
        triage_colour text NOT NULL,
        reason text NOT NULL,
        state text NOT NULL CHECK (state IN ('reported', 'being-handled', 'closed')),
        occurred_at timestamptz NOT NULL,
        raised_at timestamptz NOT NULL,
        taken_by uuid REFERENCES operators(id),
        taken_at timestamptz,
        closed_at timestamptz,
        cause text,
        measures text[] NOT NULL DEFAULT '{}',
        closing_note text,
        journal_status text NOT NULL DEFAULT 'not-journaled',
        journal_at timestamptz,
        journal_error text,
        UNIQUE (device_id, event_id),
        FOREIGN KEY (device_id, event_id) REFERENCES device_events(device_id, event_id),
        FOREIGN KEY (resident_id, tenant_id) REFERENCES residents(id, tenant_id)
      );
      CREATE INDEX alarms_open ON alarms (tenant_id, state, severity DESC, raised_at);
      CREATE INDEX alarms_resident ON alarms (resident_id, raised_at DESC);
      CREATE TABLE alarm_log (
        id bigserial PRIMARY KEY,
        alarm_id uuid NOT NULL REFERENCES alarms(id),
        code smallint NOT NULL,
        at timestamptz NOT NULL,
        operator_id uuid REFERENCES operators(id),
        note text
      );
      CREATE INDEX alarm_log_alarm ON alarm_log (alarm_id, at);
      CREATE TABLE journal_outbox (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        alarm_id uuid NOT NULL REFERENCES alarms(id),
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        bundle jsonb NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        delivered_at timestamptz
      );
      CREATE INDEX journal_outbox_pending ON journal_outbox (created_at) WHERE status = 'pending';
      CREATE TABLE audit_log (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        operator_id uuid,
        action text NOT NULL,
        resident_ids uuid[] NOT NULL,
        reason text NOT NULL
      );
      -- The audit log is append-only: rows can be added, never changed or removed.
      CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$;
      CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DROP TABLE audit_log; DROP FUNCTION audit_log_append_only();
      DROP TABLE journal_outbox; DROP TABLE alarm_log; DROP TABLE alarms;
      DROP TABLE quarantine; DROP TABLE device_events; DROP TABLE devices;
      DROP TABLE residents; DROP TABLE operators; DROP TABLE tenants;
    `);
  }
}
