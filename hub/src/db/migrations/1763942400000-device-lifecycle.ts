import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Vendors, device models with their heartbeat, gateways, supervision, outages and placements. */
export class DeviceLifecycle1763942400000 implements MigrationInterface {
  name = 'DeviceLifecycle1763942400000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE vendors (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL UNIQUE CHECK (name <> ''),
        created_at timestamptz NOT NULL DEFAULT now()
      );
      ALTER TABLE operators ADD COLUMN vendor_id uuid REFERENCES vendors(id);
      ALTER TABLE operators DROP CONSTRAINT operators_role_check;
      ALTER TABLE operators ADD CONSTRAINT operators_role_check CHECK (role IN ('operator', 'admin', 'vendor'));
      ALTER TABLE operators ADD CONSTRAINT operators_vendor_role CHECK ((role = 'vendor') = (vendor_id IS NOT NULL));

      CREATE TABLE device_models (
        name text PRIMARY KEY CHECK (name <> ''),
        vendor_id uuid REFERENCES vendors(id),
        kind text NOT NULL,
        adapter text NOT NULL,
        heartbeat_seconds integer NOT NULL DEFAULT 900 CHECK (heartbeat_seconds > 0),
        missed_heartbeats integer NOT NULL DEFAULT 3 CHECK (missed_heartbeats > 0)
      );
      INSERT INTO device_models (name, kind, adapter) SELECT DISTINCT ON (model) model, kind, adapter FROM devices ORDER BY model, created_at;

      ALTER TABLE devices
        ADD COLUMN vendor_id uuid REFERENCES vendors(id),
        ADD COLUMN serial text,
        ADD COLUMN gateway_id varchar(64) REFERENCES devices(id),
        ADD COLUMN gateway_address text,
        ADD COLUMN heartbeat_seconds integer NOT NULL DEFAULT 900 CHECK (heartbeat_seconds > 0),
        ADD COLUMN missed_heartbeats integer NOT NULL DEFAULT 3 CHECK (missed_heartbeats > 0),
        ADD COLUMN contact text NOT NULL DEFAULT 'unknown' CHECK (contact IN ('unknown', 'ok', 'lost')),
        ADD COLUMN reported_state jsonb NOT NULL DEFAULT '{}',
        ADD CONSTRAINT devices_model_fkey FOREIGN KEY (model) REFERENCES device_models(name),
        -- New ids only: a device registered before keeps the id it has.
        ADD CONSTRAINT devices_id_format CHECK (id ~ '^[A-Za-z0-9._-]{1,64}$') NOT VALID,
        ADD CONSTRAINT devices_gateway_address UNIQUE (gateway_id, gateway_address),
        ADD CONSTRAINT devices_vendor_serial UNIQUE (vendor_id, serial);
      -- Supervision looks for active devices whose heartbeat deadline has passed.
      CREATE INDEX devices_supervised ON devices (last_seen_at) WHERE status = 'active' AND contact <> 'lost';

      CREATE TABLE device_outages (
        id bigserial PRIMARY KEY,
        device_id varchar(64) NOT NULL REFERENCES devices(id),
        started_at timestamptz NOT NULL,
        ended_at timestamptz,
        cause text NOT NULL CHECK (cause IN ('missed-heartbeats', 'last-will')),
        alarm_id uuid REFERENCES alarms(id)
      );
      CREATE UNIQUE INDEX device_outages_open ON device_outages (device_id) WHERE ended_at IS NULL;

      CREATE TABLE device_placements (
        id bigserial PRIMARY KEY,
        device_id varchar(64) NOT NULL REFERENCES devices(id),
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        resident_id uuid,
        placed_at timestamptz NOT NULL DEFAULT now(),
        removed_at timestamptz
      );
      INSERT INTO device_placements (device_id, tenant_id, resident_id, placed_at)
        SELECT id, tenant_id, resident_id, created_at FROM devices;
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DROP TABLE device_placements; DROP TABLE device_outages;
      DROP INDEX devices_supervised;
      ALTER TABLE devices DROP CONSTRAINT devices_vendor_serial, DROP CONSTRAINT devices_gateway_address,
        DROP CONSTRAINT devices_id_format, DROP CONSTRAINT devices_model_fkey,
        DROP COLUMN reported_state, DROP COLUMN contact, DROP COLUMN missed_heartbeats, DROP COLUMN heartbeat_seconds,
        DROP COLUMN gateway_address, DROP COLUMN gateway_id, DROP COLUMN serial, DROP COLUMN vendor_id;
      DROP TABLE device_models;
      ALTER TABLE operators DROP CONSTRAINT operators_vendor_role, DROP CONSTRAINT operators_role_check;
      DELETE FROM operators WHERE role = 'vendor';
      ALTER TABLE operators ADD CONSTRAINT operators_role_check CHECK (role IN ('operator', 'admin'));
      ALTER TABLE operators DROP COLUMN vendor_id;
      DROP TABLE vendors;
    `);
  }
}
