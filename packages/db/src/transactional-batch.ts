import { sql } from 'kysely';
import type { Kysely, Transaction } from 'kysely';
import type { BatchHandler, BatchOutcome, BusMessage, EventBus, TopicPartition } from '@segflow/kafka';
import { partitionKey } from '@segflow/kafka';
import type { SharedTables } from './tables.js';

/** Work to run once the batch transaction has committed (cache writes, wake-ups). */
export type AfterCommit = () => Promise<void>;

export type ApplyBatch<DB extends SharedTables> = (
  trx: Transaction<DB>,
  messages: BusMessage[],
) => Promise<AfterCommit | void>;

/**
 * Wraps `apply` so that each batch runs in one Postgres transaction together with its
 * offsets (DESIGN §7): the partition's row in `consumer_offsets` is locked, messages
 * below its `next_offset` are skipped (a redelivery), a batch that starts above it asks
 * the adapter to seek back, and `next_offset` moves past the batch in the same commit.
 * The row lock fences a zombie member that still holds a batch after a rebalance.
 */
export const transactionalBatchHandler = <DB extends SharedTables>(
  db: Kysely<DB>,
  groupId: string,
  apply: ApplyBatch<DB>,
  hooks: { afterCommit?: () => void } = {},
): BatchHandler => {
  const store = db as unknown as Kysely<SharedTables>;
  return async (batch) => {
    const first = batch.messages[0];
    if (!first) return { kind: 'done', nextOffset: 0n };
    let afterCommit: AfterCommit | undefined;
    const outcome = await store.transaction().execute(async (trx): Promise<BatchOutcome> => {
      await trx
        .insertInto('consumer_offsets')
        .values({ group_id: groupId, topic: batch.topic, partition: batch.partition, next_offset: first.offset })
        .onConflict((oc) => oc.doNothing())
        .execute();
      const { next_offset: stored } = await trx
        .selectFrom('consumer_offsets')
        .select('next_offset')
        .where('group_id', '=', groupId)
        .where('topic', '=', batch.topic)
        .where('partition', '=', batch.partition)
        .forUpdate()
        .executeTakeFirstOrThrow();
      if (first.offset > stored) return { kind: 'seek', offset: stored };
      const fresh = batch.messages.filter((m) => m.offset >= stored);
      const last = fresh.at(-1);
      if (!last) return { kind: 'done', nextOffset: stored };
      afterCommit = (await apply(trx as unknown as Transaction<DB>, fresh)) ?? undefined;
      const nextOffset = last.offset + 1n;
      await trx
        .updateTable('consumer_offsets')
        .set({ next_offset: nextOffset, updated_at: sql<Date>`now()` })
        .where('group_id', '=', groupId)
        .where('topic', '=', batch.topic)
        .where('partition', '=', batch.partition)
        .execute();
      return { kind: 'done', nextOffset };
    });
    hooks.afterCommit?.();
    if (afterCommit) await afterCommit();
    return outcome;
  };
};

/** The stored positions of `assigned`, for the adapter to seek to on assignment. */
export const storedOffsets = async <DB extends SharedTables>(
  executor: Kysely<DB>,
  groupId: string,
  assigned: TopicPartition[],
): Promise<Map<string, bigint>> => {
  if (assigned.length === 0) return new Map();
  const rows = await (executor as unknown as Kysely<SharedTables>)
    .selectFrom('consumer_offsets')
    .select(['topic', 'partition', 'next_offset'])
    .where('group_id', '=', groupId)
    .where('topic', 'in', [...new Set(assigned.map((tp) => tp.topic))])
    .execute();
  const wanted = new Set(assigned.map(partitionKey));
  return new Map(
    rows.filter((r) => wanted.has(partitionKey(r))).map((r) => [partitionKey(r), r.next_offset] as const),
  );
};

/**
 * Where each assigned partition starts: its stored offset, corrected when the log no
 * longer holds it. A stored offset past the log's end means the topic was recreated (a
 * fresh broker) or truncated; one before the log's start means retention deleted messages
 * never consumed. Either way the only messages left to consume start at the log's start,
 * so the stored offset moves there (in Postgres too, or every batch would be skipped or
 * sent back), loudly.
 */
export const startPositions = async <DB extends SharedTables>(
  executor: Kysely<DB>,
  bus: Pick<EventBus, 'groupOffsets'>,
  groupId: string,
  assigned: TopicPartition[],
  log: { warn(obj: object, msg?: string): void },
): Promise<Map<string, bigint>> => {
  const stored = await storedOffsets(executor, groupId, assigned);
  if (stored.size === 0) return stored;
  const logs = await bus.groupOffsets(groupId, [...new Set(assigned.map((tp) => tp.topic))]);
  const db = executor as unknown as Kysely<SharedTables>;
  for (const partition of logs) {
    const key = partitionKey(partition);
    const next = stored.get(key);
    if (next === undefined || (next >= partition.start && next <= partition.end)) continue;
    log.warn(
      { groupId, topic: partition.topic, partition: partition.partition, stored: String(next), logStart: String(partition.start), logEnd: String(partition.end) },
      next > partition.end ? 'stored offset is past the end of the log (topic recreated?); restarting at the log start' : 'messages were deleted by retention before being consumed; restarting at the log start',
    );
    await db
      .updateTable('consumer_offsets')
      .set({ next_offset: partition.start, updated_at: sql<Date>`now()` })
      .where('group_id', '=', groupId)
      .where('topic', '=', partition.topic)
      .where('partition', '=', partition.partition)
      .execute();
    stored.set(key, partition.start);
  }
  return stored;
};
