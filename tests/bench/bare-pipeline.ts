import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { EventBus } from '@segflow/kafka';

export interface BarePipeline {
  /** Events whose batch is committed (and, with an output topic, produced). */
  readonly handled: number;
  stop(): Promise<void>;
}

/**
 * The ceiling the benchmarks compare segflow with: a consumer that JSON.parses each message,
 * does one `INSERT … SELECT FROM unnest(…) ON CONFLICT DO UPDATE` per batch (a count per
 * customer) with the batch's offset in the same transaction, and, given `outputTopic`,
 * produces one message per event (acks -1) before it commits. No validation, dedupe,
 * profile model or outbox: the least a stateful consume-and-produce hop does.
 */
export const startBarePipeline = async <DB>(options: {
  bus: EventBus;
  db: Kysely<DB>;
  groupId: string;
  topics: string[];
  outputTopic?: string;
  /** The table it counts in (default `counts`): hops chained on one database each keep their own. */
  table?: string;
}): Promise<BarePipeline> => {
  const { bus, db, groupId, outputTopic } = options;
  const counts = sql.table(options.table ?? 'counts');
  await sql`CREATE TABLE IF NOT EXISTS ${counts} (customer_id text PRIMARY KEY, n integer NOT NULL)`.execute(db);
  await sql`CREATE TABLE IF NOT EXISTS consumer_offsets (group_id text, topic text, partition integer, next_offset bigint, updated_at timestamptz DEFAULT now(), PRIMARY KEY (group_id, topic, partition))`.execute(db);
  let handled = 0;
  const subscription = await bus.subscribe({
    groupId,
    topics: options.topics,
    handler: async (batch) => {
      const perCustomer = new Map<string, number>();
      const events = batch.messages.map((m) => JSON.parse(m.value!.toString()) as { eventId: string; customerId: string });
      for (const { customerId } of events) perCustomer.set(customerId, (perCustomer.get(customerId) ?? 0) + 1);
      const next = batch.messages.at(-1)!.offset + 1n;
      await db.transaction().execute(async (trx) => {
        const { rows } = await sql<{ customer_id: string; n: number }>`
          INSERT INTO ${counts} AS c (customer_id, n) SELECT * FROM unnest(${[...perCustomer.keys()]}::text[], ${[...perCustomer.values()]}::int[])
          ON CONFLICT (customer_id) DO UPDATE SET n = c.n + excluded.n RETURNING customer_id, n`.execute(trx);
        if (outputTopic) {
          const counts = new Map(rows.map((r) => [r.customer_id, r.n]));
          await bus.publish(outputTopic, events.map((e) => ({ key: e.customerId, value: JSON.stringify({ eventId: e.eventId, customerId: e.customerId, n: counts.get(e.customerId) }) })));
        }
        await sql`INSERT INTO consumer_offsets (group_id, topic, partition, next_offset) VALUES (${groupId}, ${batch.topic}, ${batch.partition}, ${next})
                  ON CONFLICT (group_id, topic, partition) DO UPDATE SET next_offset = excluded.next_offset`.execute(trx);
      });
      handled += batch.messages.length;
      return { kind: 'done', nextOffset: next };
    },
  });
  return {
    get handled() {
      return handled;
    },
    stop: () => subscription.stop(),
  };
};
