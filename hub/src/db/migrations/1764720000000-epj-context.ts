import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The hub's copy of each resident's context from the EPJ (Patient, EpisodeOfCare, CarePlan), with its age and the last error. */
export class EpjContext1764720000000 implements MigrationInterface {
  name = 'EpjContext1764720000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE epj_context (
        resident_id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        fetched_at timestamptz,
        resources jsonb,
        last_error text,
        last_error_at timestamptz,
        FOREIGN KEY (resident_id, tenant_id) REFERENCES residents(id, tenant_id) ON DELETE CASCADE,
        CHECK ((fetched_at IS NULL) = (resources IS NULL))
      );
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE epj_context');
  }
}
