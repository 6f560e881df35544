import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import { createDataSource, ENTITIES, MIGRATIONS } from '../../src/db/data-source.js';
import { createTestDatabase } from './hub-harness.js';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let db: DataSource;

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDataSource(database.url);
  await db.initialize();
});
afterAll(async () => {
  await db?.destroy();
  await database?.drop();
});

const tables = async () =>
  ((await db.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'migrations' ORDER BY 1")) as Array<{ table_name: string }>).map((row) => row.table_name);

it('builds the schema from an empty database, and it matches the entities', async () => {
  expect(await tables()).toEqual([]);
  const ran = await db.runMigrations({ transaction: 'each' });
  expect(ran.map((migration) => migration.name)).toEqual(MIGRATIONS.map((migration) => new migration().name));
  expect(await tables()).toEqual(ENTITIES.map((entity) => db.getMetadata(entity).tableName).sort());
  // Every table and column the entities read exists as they expect. (The migration adds
  // constraints and indexes the entities do not declare; dropping those is all sync would do.)
  const sync = (await db.driver.createSchemaBuilder().log()).upQueries.map((query) => query.query);
  expect(sync.filter((query) => !/^(ALTER TABLE "\w+" DROP CONSTRAINT|DROP INDEX)/.test(query))).toEqual([]);
});

it('runs again on an up-to-date database without change, and reverts cleanly', async () => {
  expect(await db.runMigrations()).toEqual([]);
  for (let step = 0; step < MIGRATIONS.length; step++) await db.undoLastMigration();
  expect(await tables()).toEqual([]);
  await db.runMigrations();
  expect((await tables()).length).toBe(ENTITIES.length);
});
