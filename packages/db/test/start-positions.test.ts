import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Kysely } from 'kysely';
import { createMemoryEventBus } from '@segflow/kafka';
import type { EventBus } from '@segflow/kafka';
import { createTestDatabase } from '@segflow/testkit';
import type { TestDatabase } from '@segflow/testkit';
import { createDb, migrateToLatest, sharedMigrations, startPositions } from '../src/index.js';
import type { SharedTables } from '../src/index.js';

describe('start positions on assignment', () => {
  let database: TestDatabase;
  let db: Kysely<SharedTables>;
  let bus: EventBus;
  const warnings: object[] = [];
  const log = { warn: (obj: object) => void warnings.push(obj) };

  beforeAll(async () => {
    database = await createTestDatabase(inject('databaseUrl'));
    db = createDb<SharedTables>(database.url);
    await migrateToLatest(db as Kysely<unknown>, 'shared', sharedMigrations);
    bus = createMemoryEventBus();
    await bus.createTopics([{ topic: 't', partitions: 1 }]);
    await bus.publish('t', [1, 2, 3].map((n) => ({ key: 'k', value: String(n) })));
  });
  afterAll(async () => {
    await bus?.close();
    await db?.destroy();
    await database?.drop();
  });

  const store = (next: bigint) =>
    db
      .insertInto('consumer_offsets')
      .values({ group_id: 'g', topic: 't', partition: 0, next_offset: next })
      .onConflict((oc) => oc.columns(['group_id', 'topic', 'partition']).doUpdateSet({ next_offset: next }))
      .execute();
  const stored = async () => (await db.selectFrom('consumer_offsets').select('next_offset').where('group_id', '=', 'g').executeTakeFirstOrThrow()).next_offset;

  it('starts where Postgres says while the log still holds that offset', async () => {
    await store(2n);
    expect(await startPositions(db, bus, 'g', [{ topic: 't', partition: 0 }], log)).toEqual(new Map([['t:0', 2n]]));
    expect(warnings).toEqual([]);
  });

  it('restarts at the log start, in Postgres too, when the stored offset is past the end (a recreated topic)', async () => {
    await store(500n);
    expect(await startPositions(db, bus, 'g', [{ topic: 't', partition: 0 }], log)).toEqual(new Map([['t:0', 0n]]));
    expect(await stored()).toBe(0n);
    expect(warnings).toHaveLength(1);
  });
});
