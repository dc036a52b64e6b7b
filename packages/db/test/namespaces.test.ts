import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { createTestDatabase } from '@segflow/testkit';
import type { TestDatabase } from '@segflow/testkit';
import { createDb, migrateToLatest, prepareDatabase, sharedMigrations } from '../src/index.js';
import type { SharedTables } from '../src/index.js';

describe('namespaces on one database', () => {
  let database: TestDatabase;
  const dbs: Kysely<SharedTables>[] = [];

  beforeAll(async () => {
    database = await createTestDatabase(inject('databaseUrl'));
  });
  afterAll(async () => {
    await Promise.all(dbs.map((db) => db.destroy()));
    await database?.drop();
  });

  const open = async (namespace: string): Promise<Kysely<SharedTables>> => {
    const db = createDb<SharedTables>(await prepareDatabase(database.url, namespace));
    dbs.push(db);
    await migrateToLatest(db as Kysely<unknown>, 'shared', sharedMigrations);
    return db;
  };

  it('keeps each namespace in a schema of its own: one never sees the rows of another', async () => {
    const [blue, green, plain] = await Promise.all([open('blue.'), open('green-2'), open('')]);
    await blue.insertInto('consumer_offsets').values({ group_id: 'g', topic: 't', partition: 0, next_offset: 7n }).execute();
    await plain.insertInto('consumer_offsets').values({ group_id: 'g', topic: 't', partition: 0, next_offset: 9n }).execute();
    const offsets = async (db: Kysely<SharedTables>) => (await db.selectFrom('consumer_offsets').select('next_offset').execute()).map((r) => r.next_offset);
    expect(await offsets(blue)).toEqual([7n]);
    expect(await offsets(green)).toEqual([]);
    expect(await offsets(plain)).toEqual([9n]);
    const schema = async (db: Kysely<SharedTables>) => (await sql<{ s: string }>`SELECT current_schema() AS s`.execute(db)).rows[0]?.s;
    expect([await schema(blue), await schema(green), await schema(plain)]).toEqual(['blue.', 'green-2', 'public']);
  });

  it('runs its sessions without JIT compilation, the namespace kept', async () => {
    const [blue, plain] = await Promise.all([open('blue.'), open('')]);
    const setting = async (db: Kysely<SharedTables>) => (await sql<{ jit: string; s: string }>`SELECT current_setting('jit') AS jit, current_schema() AS s`.execute(db)).rows[0];
    expect(await setting(blue)).toEqual({ jit: 'off', s: 'blue.' });
    expect(await setting(plain)).toEqual({ jit: 'off', s: 'public' });
  });

  it('prepares the same namespace from several starters at once', async () => {
    const urls = await Promise.all([1, 2, 3].map(() => prepareDatabase(database.url, 'racing')));
    expect(new Set(urls).size).toBe(1);
  });
});
