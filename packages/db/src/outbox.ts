import { sql } from 'kysely';
import type { Kysely, Transaction } from 'kysely';
import pg from 'pg';
import type { EventBus } from '@segflow/kafka';
import type { SharedTables } from './tables.js';

export interface OutboxMessage {
  topic: string;
  key: string | null;
  value: string;
  headers?: Record<string, string>;
}

const CHANNEL = 'segflow_outbox';

/** Adds messages to the outbox inside the caller's transaction and wakes the relay on commit. */
export const enqueueOutbox = async <DB extends SharedTables>(
  executor: Transaction<DB> | Kysely<DB>,
  producer: string,
  messages: OutboxMessage[],
): Promise<void> => {
  if (messages.length === 0) return;
  const trx = executor as unknown as Kysely<SharedTables>;
  await trx
    .insertInto('outbox')
    .values(messages.map((m) => ({ producer, topic: m.topic, key: m.key, value: m.value, headers: JSON.stringify(m.headers ?? {}) })))
    .execute();
  // NOTIFY is delivered only when the transaction commits.
  await sql`SELECT pg_notify(${CHANNEL}, ${producer})`.execute(trx);
};

export const countPendingOutbox = async <DB extends SharedTables>(executor: Kysely<DB>, producer: string): Promise<number> => {
  const row = await (executor as unknown as Kysely<SharedTables>)
    .selectFrom('outbox')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('producer', '=', producer)
    .executeTakeFirstOrThrow();
  return Number(row.n);
};

export interface OutboxRelay {
  /** Publishes whatever is pending now (used by tests and by shutdown). */
  flush(): Promise<void>;
  stop(): Promise<void>;
  readonly isLeader: boolean;
}

interface RelayLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/**
 * Publishes a producer's outbox rows in id order and deletes them only after the broker
 * acknowledged them. One relay per producer is leader at a time (a session advisory
 * lock), so rows go out in commit order per customer: a customer's rows are written
 * under that customer's row lock, so their ids increase in commit order. A crash
 * between publish and delete republishes the same messages, with the same ids.
 */
export const startOutboxRelay = async <DB extends SharedTables>(options: {
  db: Kysely<DB>;
  databaseUrl: string;
  bus: EventBus;
  producer: string;
  log: RelayLog;
  batchSize?: number;
  idlePollMs?: number;
  onPublished?: (rows: { topic: string; value: string; createdAt: Date }[]) => void;
}): Promise<OutboxRelay> => {
  const { bus, producer, log } = options;
  const db = options.db as unknown as Kysely<SharedTables>;
  const batchSize = options.batchSize ?? 500;
  const idlePollMs = options.idlePollMs ?? 1000;
  const lockKey = `segflow-outbox:${producer}`;
  let stopped = false;
  let leader = false;
  let wake: (() => void) | null = null;
  let session: pg.Client | null = null;
  let draining: Promise<void> = Promise.resolve();

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        wake = null;
        resolve();
      }, ms);
      wake = () => {
        clearTimeout(timer);
        wake = null;
        resolve();
      };
    });

  const connect = async (): Promise<void> => {
    const client = new pg.Client({ connectionString: options.databaseUrl });
    client.on('error', (error) => {
      log.warn({ err: error }, 'outbox relay session lost; leadership released');
      leader = false;
      session = null;
    });
    client.on('notification', (n) => {
      if (n.payload === producer) wake?.();
    });
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    session = client;
  };

  const tryLead = async (): Promise<void> => {
    if (!session) await connect();
    const result = await session!.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [lockKey]);
    if (result.rows[0]?.locked && !leader) log.info({ producer }, 'outbox relay is leader');
    leader = result.rows[0]?.locked ?? false;
  };

  const drainOnce = async (): Promise<number> => {
    const rows = await db
      .selectFrom('outbox')
      .select(['id', 'topic', 'key', 'value', 'headers', 'created_at'])
      .where('producer', '=', producer)
      .orderBy('id')
      .limit(batchSize)
      .execute();
    if (rows.length === 0) return 0;
    // Publish topic by topic, keeping id order inside each topic (per-key order is what matters).
    const topics = [...new Set(rows.map((r) => r.topic))];
    for (const topic of topics) {
      await bus.publish(
        topic,
        rows.filter((r) => r.topic === topic).map((r) => ({ key: r.key, value: r.value, headers: r.headers })),
      );
    }
    await db.deleteFrom('outbox').where('id', 'in', rows.map((r) => r.id)).execute();
    options.onPublished?.(rows.map((r) => ({ topic: r.topic, value: r.value, createdAt: r.created_at })));
    return rows.length;
  };

  const drain = (): Promise<void> => {
    draining = draining.then(async () => {
      while (!stopped && leader && (await drainOnce()) === batchSize) {
        // a full page: more may be waiting
      }
    });
    return draining;
  };

  const loop = async () => {
    while (!stopped) {
      try {
        if (!leader) await tryLead();
        if (leader) await drain();
      } catch (error) {
        log.error({ err: error, producer }, 'outbox relay failed; retrying');
      }
      if (!stopped) await sleep(leader ? idlePollMs : idlePollMs * 2);
    }
  };
  const running = loop();

  return {
    get isLeader() {
      return leader;
    },
    flush: async () => {
      if (!leader) await tryLead();
      if (leader) await drain();
    },
    stop: async () => {
      stopped = true;
      wake?.();
      await running;
      await draining.catch(() => undefined);
      await session?.end().catch(() => undefined);
      session = null;
      leader = false;
    },
  };
};
