import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Shift handover notes (about a resident or the shift), who has read them, and each municipality's shift changes. */
export class HandoverNotes1764374400000 implements MigrationInterface {
  name = 'HandoverNotes1764374400000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE shift_plans (
        tenant_id uuid PRIMARY KEY REFERENCES tenants(id),
        shift_changes text[] NOT NULL CHECK (cardinality(shift_changes) BETWEEN 1 AND 6)
      );
      CREATE TABLE handover_notes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        kind text NOT NULL CHECK (kind IN ('resident', 'shift')),
        resident_id uuid,
        text text NOT NULL CHECK (btrim(text) <> ''),
        written_by uuid NOT NULL REFERENCES operators(id),
        written_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL CHECK (expires_at > written_at),
        resolved_at timestamptz,
        resolved_by uuid REFERENCES operators(id),
        -- A resident note names a resident of its own municipality; a shift note names none.
        CHECK ((kind = 'resident') = (resident_id IS NOT NULL)),
        CHECK ((resolved_at IS NULL) = (resolved_by IS NULL)),
        FOREIGN KEY (resident_id, tenant_id) REFERENCES residents(id, tenant_id)
      );
      CREATE INDEX handover_notes_current ON handover_notes (tenant_id, expires_at) WHERE resolved_at IS NULL;
      CREATE INDEX handover_notes_resident ON handover_notes (resident_id) WHERE resolved_at IS NULL;
      CREATE TABLE handover_note_reads (
        note_id uuid NOT NULL REFERENCES handover_notes(id) ON DELETE CASCADE,
        operator_id uuid NOT NULL REFERENCES operators(id),
        read_at timestamptz NOT NULL,
        PRIMARY KEY (note_id, operator_id)
      );
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE handover_note_reads; DROP TABLE handover_notes; DROP TABLE shift_plans');
  }
}
