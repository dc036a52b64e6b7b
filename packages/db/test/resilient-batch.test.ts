import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { createKafkaEventBus, readDlqHeaders, silentLogger } from '@segflow/kafka';
import type { BusMessage, EventBus } from '@segflow/kafka';
import { createLogger } from '@segflow/observability';
import { createTestDatabase, uniqueName } from '@segflow/testkit';
import type { TestDatabase } from '@segflow/testkit';
import { createDb, migrateToLatest, resilientBatchHandler, sharedMigrations, startPositions } from '../src/index.js';
import type { SharedTables } from '../src/index.js';

interface Notes extends SharedTables {
  notes: { id: string; body: string };
}

describe('resilient batch handler (real Postgres and Kafka)', () => {
  let database: TestDatabase;
  let db: Kysely<Notes>;
  let bus: EventBus;

  beforeAll(async () => {
    database = await createTestDatabase(inject('databaseUrl'));
    db = createDb<Notes>(database.url);
    await migrateToLatest(db as Kysely<unknown>, 'shared', sharedMigrations);
    await sql`CREATE TABLE notes (id text PRIMARY KEY, body jsonb NOT NULL)`.execute(db);
    bus = createKafkaEventBus({ brokers: inject('kafkaBrokers'), clientId: uniqueName('resilient'), logger: silentLogger });
  });
  afterAll(async () => {
    await bus?.close();
    await db?.destroy();
    await database?.drop();
  });

  it('dead-letters the one message Postgres refuses and applies every other message once', async () => {
    const topic = uniqueName('notes');
    const dlq = uniqueName('notes-dlq');
    const groupId = uniqueName('notes-group');
    await bus.createTopics([{ topic, partitions: 1 }, { topic: dlq, partitions: 1 }]);
    // "\u0000" inside jsonb is refused by Postgres (22P05): a failure no retry can cure.
    const bodies = Array.from({ length: 60 }, (_, i) => (i === 17 || i === 42 ? '{"text":"a\\u0000b"}' : `{"text":"note ${i}"}`));
    await bus.publish(topic, bodies.map((body, i) => ({ key: `k${i % 3}`, value: JSON.stringify({ id: `n${i}`, body }) })));

    const dead: BusMessage[] = [];
    const collector = await bus.subscribe({
      groupId: uniqueName('dlq-reader'),
      topics: [dlq],
      handler: async (batch) => (dead.push(...batch.messages), { kind: 'done', nextOffset: batch.messages.at(-1)!.offset + 1n }),
    });
    const consumer = await bus.subscribe({
      groupId,
      topics: [topic],
      startOffsets: (assigned) => startPositions(db, bus, groupId, assigned, silentLogger),
      handler: resilientBatchHandler({
        db, groupId, bus, dlqTopic: dlq, log: createLogger({ level: 'silent' }), now: () => new Date(),
        apply: async (trx, messages) => {
          for (const m of messages) {
            const { id, body } = JSON.parse(m.value!.toString()) as { id: string; body: string };
            await sql`INSERT INTO notes (id, body) VALUES (${id}, ${body}::jsonb)`.execute(trx);
          }
        },
      }),
    });
    try {
      // 58 notes applied and 2 dead letters
      await vi.waitFor(
        async () => {
          const { n } = await db.selectFrom('notes').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
          expect([Number(n), dead.length]).toEqual([58, 2]);
        },
        { timeout: 30_000, interval: 100 },
      );
      const ids = (await db.selectFrom('notes').select('id').execute()).map((r) => r.id);
      expect(new Set(ids).size).toBe(58);
      expect(ids).not.toContain('n17');
      expect(ids).not.toContain('n42');
      expect(dead.map((m) => readDlqHeaders(m))).toMatchObject([
        { reason: 'processing_failed', originTopic: topic, originOffset: 17n, errors: [{ code: '22P05' }] },
        { reason: 'processing_failed', originTopic: topic, originOffset: 42n, errors: [{ code: '22P05' }] },
      ]);
      const stored = await db.selectFrom('consumer_offsets').select('next_offset').where('group_id', '=', groupId).executeTakeFirstOrThrow();
      expect(stored.next_offset).toBe(60n);
      expect(consumer.retrying()).toEqual([]);
    } finally {
      await consumer.stop();
      await collector.stop();
    }
  });
});
