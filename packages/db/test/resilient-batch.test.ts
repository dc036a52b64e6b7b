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

  it('works the batches of partitions handed over together in one transaction, with the offsets of each partition in it', async () => {
    const topic = uniqueName('notes');
    const dlq = uniqueName('notes-dlq');
    const groupId = uniqueName('notes-group');
    await bus.createTopics([{ topic: dlq, partitions: 1 }]);
    // Partition 1 has applied up to offset 5 (a redelivery starts below it); partition 2 up to 2 (its batch starts above: seek).
    await db.insertInto('consumer_offsets').values([
      { group_id: groupId, topic, partition: 1, next_offset: 5n },
      { group_id: groupId, topic, partition: 2, next_offset: 2n },
    ]).execute();
    const note = (partition: number, offset: number, body = `{"text":"note ${partition}-${offset}"}`): BusMessage => ({
      topic, partition, offset: BigInt(offset), key: null, headers: {}, timestamp: 0, value: Buffer.from(JSON.stringify({ id: `n${partition}-${offset}`, body })),
    });
    const batch = (partition: number, messages: BusMessage[]) => ({ topic, partition, messages });
    const transactions: { txid: string; notes: string[] }[] = [];
    const handler = resilientBatchHandler({
      db, groupId, bus, dlqTopic: dlq, log: createLogger({ level: 'silent' }), now: () => new Date(),
      apply: async (trx, messages) => {
        const { rows } = await sql<{ txid: string }>`SELECT txid_current()::text AS txid`.execute(trx);
        transactions.push({ txid: rows[0]!.txid, notes: messages.map((m) => `${m.partition}@${m.offset}`) });
        for (const m of messages) {
          const { id, body } = JSON.parse(m.value!.toString()) as { id: string; body: string };
          await sql`INSERT INTO notes (id, body) VALUES (${id}, ${body}::jsonb)`.execute(trx);
        }
      },
    });
    const stored = async () =>
      Object.fromEntries((await db.selectFrom('consumer_offsets').select(['partition', 'next_offset']).where('group_id', '=', groupId).execute()).map((r) => [r.partition, r.next_offset]));

    const outcomes = await Promise.all([
      handler(batch(0, [note(0, 0), note(0, 1)])),
      handler(batch(1, [note(1, 3), note(1, 4), note(1, 5), note(1, 6)])),
      handler(batch(2, [note(2, 4)])),
    ]);
    expect(outcomes).toEqual([
      { kind: 'done', nextOffset: 2n },
      { kind: 'done', nextOffset: 7n },
      { kind: 'seek', offset: 2n },
    ]);
    expect(transactions.map((t) => t.notes)).toEqual([['0@0', '0@1', '1@5', '1@6']]);
    expect(await stored()).toEqual({ 0: 2n, 1: 7n, 2: 2n });

    // A message Postgres refuses fails the shared transaction: every batch is then worked alone,
    // the good ones commit once, and the refused one is dead-lettered.
    transactions.length = 0;
    const again = await Promise.all([handler(batch(0, [note(0, 2)])), handler(batch(1, [note(1, 7), note(1, 8, '{"text":"a\\u0000b"}')]))]);
    expect(again).toEqual([
      { kind: 'done', nextOffset: 3n },
      { kind: 'done', nextOffset: 9n },
    ]);
    expect(await stored()).toEqual({ 0: 3n, 1: 9n, 2: 2n });
    const ids = (await db.selectFrom('notes').select('id').where('id', 'like', 'n_-_').orderBy('id').execute()).map((r) => r.id);
    expect(ids).toEqual(['n0-0', 'n0-1', 'n0-2', 'n1-5', 'n1-6', 'n1-7']);
    // The shared attempt's notes were rolled back: each committed once, in a transaction of its own partition.
    expect(new Set(transactions.map((t) => t.txid)).size).toBe(transactions.length);
    expect(transactions[0]!.notes).toEqual(['0@2', '1@7', '1@8']);
  });
});
