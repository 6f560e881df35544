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

it('upgrades a database of the first release with its devices, keeping them and their history', async () => {
  const upgrade = await createTestDatabase();
  const old = createDataSource(upgrade.url);
  old.setOptions({ migrations: MIGRATIONS.slice(0, 1) });
  await old.initialize();
  try {
    await old.runMigrations();
    await old.query(`
      INSERT INTO tenants (id, name, organisation_number) VALUES ('00000000-0000-4000-8000-000000000001', 'Nordby kommune', '999111222');
      INSERT INTO residents (id, tenant_id, national_id, name, birth_date, address, phone, source)
        VALUES ('00000000-0000-4000-8000-000000000002', '00000000-0000-4000-8000-000000000001', '01813012345', 'Astrid Hansen', '1930-01-01', 'Storgata 1', '91000000', 'test');
      INSERT INTO devices (id, tenant_id, resident_id, kind, model, adapter, credential_hash)
        VALUES ('nordby-01-1', '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002', 'safety-alarm', 'Trygg 300', 'native-json', 'scrypt$x$y');
    `);
    old.setOptions({ migrations: MIGRATIONS });
    await old.destroy();
    const current = createDataSource(upgrade.url);
    await current.initialize();
    expect((await current.runMigrations()).length).toBe(MIGRATIONS.length - 1);
    const [device] = (await current.query('SELECT contact, heartbeat_seconds FROM devices')) as Array<{ contact: string; heartbeat_seconds: number }>;
    expect(device).toEqual({ contact: 'unknown', heartbeat_seconds: 900 });
    expect(await current.query('SELECT name, kind, adapter FROM device_models')).toEqual([{ name: 'Trygg 300', kind: 'safety-alarm', adapter: 'native-json' }]);
    expect(await current.query('SELECT device_id, resident_id FROM device_placements')).toEqual([
      { device_id: 'nordby-01-1', resident_id: '00000000-0000-4000-8000-000000000002' },
    ]);
    await current.destroy();
  } finally {
    if (old.isInitialized) await old.destroy();
    await upgrade.drop();
  }
});
