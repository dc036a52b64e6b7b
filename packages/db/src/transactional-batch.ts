import { sql } from 'kysely';
import type { Kysely, Transaction } from 'kysely';
import type { BatchHandler, BatchOutcome, BusMessage, EventBus, OutgoingMessage, PartitionBatch, TopicPartition } from '@segflow/kafka';
import { coalescedBatches, describeFailure, isolatePoison, partitionKey, toDlqMessage } from '@segflow/kafka';
import { isTransientError } from '@segflow/observability';
import type { Logger } from '@segflow/observability';
import type { SharedTables } from './tables.js';

/** Work to run once the batch transaction has committed (cache writes, wake-ups). */
export type AfterCommit = () => Promise<void>;

export type ApplyBatch<DB extends SharedTables> = (
  trx: Transaction<DB>,
  messages: BusMessage[],
) => Promise<AfterCommit | void>;

/** Most messages applied in one transaction when batches of several partitions share it. */
export const MAX_MESSAGES_PER_TRANSACTION = 2_000;

/**
 * Wraps `apply` so that each batch runs in one Postgres transaction together with its
 * offsets (DESIGN §7): the partition's row in `consumer_offsets` is locked, messages
 * below its `next_offset` are skipped (a redelivery), a batch that starts above it asks
 * the adapter to seek back, and `next_offset` moves past the batch in the same commit.
 * The row lock fences a zombie member that still holds a batch after a rebalance.
 *
 * Batches of several partitions handed over together share one transaction (up to
 * MAX_MESSAGES_PER_TRANSACTION messages, see `coalescedBatches`): every partition's row is
 * locked and moved in it, and `apply` sees their fresh messages, each partition's in offset
 * order. A shared transaction that fails is retried batch by batch.
 */
export const transactionalBatchHandler = <DB extends SharedTables>(
  db: Kysely<DB>,
  groupId: string,
  apply: ApplyBatch<DB>,
  hooks: { afterCommit?: () => void } = {},
): BatchHandler => {
  const store = db as unknown as Kysely<SharedTables>;
  const together = async (batches: PartitionBatch[]): Promise<BatchOutcome[]> => {
    let afterCommit: AfterCommit | undefined;
    const outcomes = await store.transaction().execute(async (trx): Promise<BatchOutcome[]> => {
      const stored = await lockPositions(trx, groupId, batches);
      const plans = batches.map((batch) => {
        const at = stored.get(partitionKey(batch))!;
        if (batch.messages[0]!.offset > at) return { outcome: { kind: 'seek', offset: at } as BatchOutcome, fresh: [] };
        const fresh = batch.messages.filter((m) => m.offset >= at);
        return { outcome: { kind: 'done', nextOffset: fresh.length === 0 ? at : fresh.at(-1)!.offset + 1n } as BatchOutcome, fresh };
      });
      const fresh = plans.flatMap((p) => p.fresh);
      if (fresh.length === 0) return plans.map((p) => p.outcome);
      afterCommit = (await apply(trx as unknown as Transaction<DB>, fresh)) ?? undefined;
      await movePositions(
        trx,
        groupId,
        plans.flatMap((p, i) => (p.fresh.length > 0 && p.outcome.kind === 'done' ? [{ ...batches[i]!, nextOffset: p.outcome.nextOffset }] : [])),
      );
      return plans.map((p) => p.outcome);
    });
    hooks.afterCommit?.();
    if (afterCommit) await afterCommit();
    return outcomes;
  };
  const shared = coalescedBatches(together, { maxMessages: MAX_MESSAGES_PER_TRANSACTION });
  return async (batch) => (batch.messages.length === 0 ? { kind: 'done', nextOffset: 0n } : shared(batch));
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
      const stored = await lockPosition(trx, groupId, message);
      if (message.offset > stored) return { kind: 'seek', offset: stored };
      if (message.offset < stored) return { kind: 'done', nextOffset: stored };
      await publishDlq(toDlqMessage(message, { reason: 'processing_failed', errors: [describeFailure(error)] }, now()));
      await movePositions(trx, groupId, [{ ...message, nextOffset: message.offset + 1n }]);
      return { kind: 'done', nextOffset: message.offset + 1n };
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

// Locks the partitions' rows (each created at its batch's first offset when new), in key
// order so that two transactions never wait on each other's rows, and returns their
// next_offset by partitionKey. The rows exist after a partition's first batch, so one
// statement is the usual cost.
const lockPositions = async (trx: Transaction<SharedTables>, groupId: string, batches: PartitionBatch[]): Promise<Map<string, bigint>> => {
  const locked = async () =>
    new Map(
      (
        await trx
          .selectFrom('consumer_offsets')
          .select(['topic', 'partition', 'next_offset'])
          .where('group_id', '=', groupId)
          .where(({ eb, refTuple, tuple }) => eb(refTuple('topic', 'partition'), 'in', batches.map((b) => tuple(b.topic, b.partition))))
          .orderBy('topic')
          .orderBy('partition')
          .forUpdate()
          .execute()
      ).map((row) => [partitionKey(row), row.next_offset] as const),
    );
  const rows = await locked();
  const missing = batches.filter((b) => !rows.has(partitionKey(b)));
  if (missing.length === 0) return rows;
  await trx
    .insertInto('consumer_offsets')
    .values(missing.map((b) => ({ group_id: groupId, topic: b.topic, partition: b.partition, next_offset: b.messages[0]!.offset })))
    .onConflict((oc) => oc.doNothing())
    .execute();
  // Another member may have created some meanwhile: read whichever rows won.
  return locked();
};

const lockPosition = async (trx: Transaction<SharedTables>, groupId: string, message: BusMessage): Promise<bigint> =>
  (await lockPositions(trx, groupId, [{ topic: message.topic, partition: message.partition, messages: [message] }])).get(partitionKey(message))!;

const movePositions = async (trx: Transaction<SharedTables>, groupId: string, moves: (TopicPartition & { nextOffset: bigint })[]): Promise<void> => {
  if (moves.length === 0) return;
  await sql`
    UPDATE consumer_offsets o SET next_offset = m.next_offset, updated_at = now()
    FROM unnest(${moves.map((m) => m.topic)}::text[], ${moves.map((m) => m.partition)}::int[], ${moves.map((m) => String(m.nextOffset))}::bigint[])
      AS m(topic, partition, next_offset)
    WHERE o.group_id = ${groupId} AND o.topic = m.topic AND o.partition = m.partition`.execute(trx);
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
