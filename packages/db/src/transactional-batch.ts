import { sql } from 'kysely';
import type { Kysely, Transaction } from 'kysely';
import type { BatchHandler, BatchOutcome, BusMessage, EventBus, OutgoingMessage, TopicPartition } from '@segflow/kafka';
import { describeFailure, isolatePoison, partitionKey, toDlqMessage } from '@segflow/kafka';
import { isTransientError } from '@segflow/observability';
import type { Logger } from '@segflow/observability';
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
      const stored = await lockPosition(trx, groupId, batch, first.offset);
      if (first.offset > stored) return { kind: 'seek', offset: stored };
      const fresh = batch.messages.filter((m) => m.offset >= stored);
      const last = fresh.at(-1);
      if (!last) return { kind: 'done', nextOffset: stored };
      afterCommit = (await apply(trx as unknown as Transaction<DB>, fresh)) ?? undefined;
      return { kind: 'done', nextOffset: await movePosition(trx, groupId, batch, last.offset + 1n) };
    });
    hooks.afterCommit?.();
    if (afterCommit) await afterCommit();
    return outcome;
  };
};

/**
 * The dead-letter step of a transactional consumer (see `isolatePoison`): in one
 * transaction with the partition's row locked, publishes the DLQ copy of `message` (reason
 * `processing_failed`, with the error's name, code and message) and moves `next_offset`
 * past it. A message the store has already moved past is not dead-lettered again.
 */
export const deadLetterPast =
  <DB extends SharedTables>(db: Kysely<DB>, groupId: string, publishDlq: (message: OutgoingMessage) => Promise<void>, now: () => Date) =>
  (message: BusMessage, error: unknown): Promise<BatchOutcome> =>
    (db as unknown as Kysely<SharedTables>).transaction().execute(async (trx): Promise<BatchOutcome> => {
      const stored = await lockPosition(trx, groupId, message, message.offset);
      if (message.offset > stored) return { kind: 'seek', offset: stored };
      if (message.offset < stored) return { kind: 'done', nextOffset: stored };
      await publishDlq(toDlqMessage(message, { reason: 'processing_failed', errors: [describeFailure(error)] }, now()));
      return { kind: 'done', nextOffset: await movePosition(trx, groupId, message, message.offset + 1n) };
    });

/**
 * The batch handler of a consumer whose offsets live beside its state: one transaction
 * per batch (`transactionalBatchHandler`), and a message that fails deterministically is
 * isolated and dead-lettered to `dlqTopic` (`isolatePoison`, `deadLetterPast`) while
 * Postgres answers; outages are thrown back to the adapter to retry with backoff.
 */
export const resilientBatchHandler = <DB extends SharedTables>(options: {
  db: Kysely<DB>;
  groupId: string;
  apply: ApplyBatch<DB>;
  bus: Pick<EventBus, 'publish'>;
  dlqTopic: string;
  log: Logger;
  now: () => Date;
  /** Called once per message dead-lettered here (for metrics). */
  onDeadLetter?: () => void;
  afterCommit?: () => void;
}): BatchHandler => {
  const { db, groupId, bus, dlqTopic } = options;
  const deadLetter = deadLetterPast(db, groupId, (m) => bus.publish(dlqTopic, [m]), options.now);
  return isolatePoison(transactionalBatchHandler(db, groupId, options.apply, { afterCommit: options.afterCommit }), {
    isTransient: isTransientError,
    deadLetter: async (message, error) => {
      const outcome = await deadLetter(message, error);
      options.onDeadLetter?.();
      return outcome;
    },
    dependenciesUp: async () => (await sql`SELECT 1`.execute(db), true),
    log: options.log,
  });
};

// Locks the partition's row (created at `initial` when new) and returns its next_offset.
// The row exists after a partition's first batch, so one statement is the usual cost.
const lockPosition = async (trx: Transaction<SharedTables>, groupId: string, tp: TopicPartition, initial: bigint): Promise<bigint> => {
  const locked = () =>
    trx
      .selectFrom('consumer_offsets')
      .select('next_offset')
      .where('group_id', '=', groupId)
      .where('topic', '=', tp.topic)
      .where('partition', '=', tp.partition)
      .forUpdate()
      .executeTakeFirst();
  const row = await locked();
  if (row) return row.next_offset;
  await trx
    .insertInto('consumer_offsets')
    .values({ group_id: groupId, topic: tp.topic, partition: tp.partition, next_offset: initial })
    .onConflict((oc) => oc.doNothing())
    .execute();
  // Another member may have created it meanwhile: read whichever row won.
  return (await locked())!.next_offset;
};

const movePosition = async (trx: Transaction<SharedTables>, groupId: string, tp: TopicPartition, nextOffset: bigint): Promise<bigint> => {
  await trx
    .updateTable('consumer_offsets')
    .set({ next_offset: nextOffset, updated_at: sql<Date>`now()` })
    .where('group_id', '=', groupId)
    .where('topic', '=', tp.topic)
    .where('partition', '=', tp.partition)
    .execute();
  return nextOffset;
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
