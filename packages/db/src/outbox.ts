import { sql } from 'kysely';
import type { Kysely, Transaction } from 'kysely';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { EventBus, OutgoingMessage } from '@segflow/kafka';
import { recordRefusal, runsOfSize } from '@segflow/kafka';
import { isTransientError } from '@segflow/observability';
import { SERVICE_SESSION_SETTINGS, withSessionSettings } from './database.js';
import type { SharedTables } from './tables.js';

export interface OutboxMessage {
  topic: string;
  key: string | null;
  value: string;
  headers?: Record<string, string>;
}

const CHANNEL = 'segflow_outbox';

/**
 * A relay instance's claim on rows its own process publishes right after commit (see
 * `OutboxRelay.lease`): while the instance's Postgres session lives, no relay touches them.
 */
export interface OutboxLease {
  owner: string;
}

/** A row enqueued under a lease, for `OutboxRelay.publishLeased` once the transaction has committed. */
export interface LeasedRow extends OutboxMessage {
  id: bigint;
  createdAt: Date;
}

// The advisory-lock class of lease owners (two-key locks: class, hashtext(owner)).
const LEASE_LOCK_CLASS = 0x5f0b;

/**
 * Adds messages to the outbox inside the caller's transaction. Without a lease the relay
 * publishes them, woken by a NOTIFY delivered at commit. With one, the rows are leased to
 * the caller's process, which publishes them itself right after commit (no relay round trip
 * on the way) and gets them back here; except the rows of a key that already has rows
 * waiting (a crashed process's, a failed publish's): those go to the relay, which publishes
 * each key's rows in id order, so that no change overtakes an earlier one.
 */
export const enqueueOutbox = async <DB extends SharedTables>(
  executor: Transaction<DB> | Kysely<DB>,
  producer: string,
  messages: OutboxMessage[],
  lease: OutboxLease | null = null,
): Promise<LeasedRow[]> => {
  if (messages.length === 0) return [];
  const owner = lease?.owner ?? null;
  const keys = owner === null ? [] : [...new Set(messages.flatMap((m) => (m.key === null ? [] : [m.key])))];
  const rows = sql.join(messages.map((m) => sql`(${m.topic}::text, ${m.key}::text, ${m.value}::text, ${JSON.stringify(m.headers ?? {})}::jsonb)`));
  // One statement: the rows, and a NOTIFY (delivered only at commit) when some are the relay's.
  // Rows are inserted in the order listed, so ids in ascending order are the messages' order.
  const { rows: added } = await sql<{ id: bigint; leased: boolean; created_at: Date }>`
    WITH waiting AS (
      SELECT DISTINCT key FROM outbox WHERE producer = ${producer} AND parked_at IS NULL AND key = ANY(${keys}::text[])),
    added AS (
      INSERT INTO outbox (producer, topic, key, value, headers, leased_by)
      SELECT ${producer}, v.topic, v.key, v.value, v.headers, CASE WHEN v.key IN (SELECT key FROM waiting) THEN NULL ELSE ${owner}::text END
      FROM (VALUES ${rows}) AS v(topic, key, value, headers)
      RETURNING id, leased_by, created_at)
    SELECT id, leased_by IS NOT NULL AS leased, created_at,
           (SELECT pg_notify(${CHANNEL}, ${producer}) WHERE EXISTS (SELECT 1 FROM added WHERE leased_by IS NULL)) AS notified
    FROM added ORDER BY id`.execute(executor as unknown as Kysely<SharedTables>);
  return added.flatMap((row, i) => (row.leased ? [{ ...messages[i]!, id: BigInt(row.id), createdAt: row.created_at }] : []));
};

/** Rows committed and not yet published. Parked rows are not pending: the relay has given up on them. */
export const countPendingOutbox = async <DB extends SharedTables>(executor: Kysely<DB>, producer: string): Promise<number> => {
  const row = await (executor as unknown as Kysely<SharedTables>)
    .selectFrom('outbox')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('producer', '=', producer)
    .where('parked_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
};

/** A producer's outbox as the metrics read it at scrape time. */
export interface OutboxBacklog {
  pending: number;
  /** Rows the broker refused for good; they wait for an operator (see startOutboxRelay). */
  parked: number;
  /** Age of the oldest pending row by the database's clock; null when none is pending. */
  oldestPendingSeconds: number | null;
}

/** Reads pending and parked rows and the oldest pending row's age in one query (for `metrics.trackOutbox`). */
export const readOutboxBacklog = async <DB extends SharedTables>(executor: Kysely<DB>, producer: string): Promise<OutboxBacklog> => {
  const { rows } = await sql<{ pending: bigint; parked: bigint; oldest: number | null }>`
    SELECT count(*) FILTER (WHERE parked_at IS NULL) AS pending,
           count(*) FILTER (WHERE parked_at IS NOT NULL) AS parked,
           extract(epoch FROM now() - min(created_at) FILTER (WHERE parked_at IS NULL))::float8 AS oldest
    FROM outbox WHERE producer = ${producer}`.execute(executor);
  const row = rows[0];
  return { pending: Number(row?.pending ?? 0), parked: Number(row?.parked ?? 0), oldestPendingSeconds: row?.oldest ?? null };
};

/** What a relay knows about its own progress; `stalled` is the readiness signal. */
export interface OutboxRelayHealth {
  /** Whether this relay holds its producer's advisory lock. */
  leader: boolean;
  /** When the broker last acknowledged rows from this relay; null before the first. */
  lastPublishedAt: Date | null;
  /** Age of the oldest pending row as of the relay's last look; null when it last saw none. */
  oldestPendingAgeMs: number | null;
  /** Rounds that failed in a row (0 after a round that succeeded). */
  consecutiveFailures: number;
  stalled: boolean;
}

export interface OutboxRelay {
  /**
   * Publishes whatever is pending now (used by tests and by shutdown). Rejects when a
   * round fails; the relay itself carries on, and the next round starts afresh.
   */
  flush(): Promise<void>;
  stop(): Promise<void>;
  readonly isLeader: boolean;
  /**
   * True when this relay is leader, has rows pending, and has neither published nor
   * parked one for longer than `stallAfterMs` (default 30 s): Kafka refuses writes, the
   * database fails, or a round hangs. A follower is never stalled: the leader answers.
   */
  stalled(now?: Date): boolean;
  health(now?: Date): OutboxRelayHealth;
  /**
   * The lease to enqueue rows under, so that this process publishes them itself after
   * commit (`enqueueOutbox`, `publishLeased`); null while the relay's session is down (the
   * rows then go through the relay). The lease holds while the session does: rows of a
   * process that died are published by whichever relay leads.
   */
  lease(): OutboxLease | null;
  /**
   * Publishes rows leased to this process, once their transaction has committed, and
   * deletes them. Never rejects: rows it could not publish go back to the relay, and a
   * delete or release that failed is retried by the relay's next rounds.
   */
  publishLeased(rows: LeasedRow[]): Promise<void>;
}

/** What a consumer needs of its outbox's relay to publish its batch's rows itself after commit. */
export type OutboxPublisher = Pick<OutboxRelay, 'lease' | 'publishLeased'>;

interface RelayLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface OutboxRelayOptions<DB extends SharedTables> {
  db: Kysely<DB>;
  databaseUrl: string;
  bus: EventBus;
  producer: string;
  log: RelayLog;
  /** Rows read per page (default 2,000: each page costs two round trips and a produce acknowledgement, whatever its size). */
  batchSize?: number;
  /** Bytes of key, value and headers per publish, one produce request (default 512 KiB; Kafka's message.max.bytes is 1 MiB). */
  maxBatchBytes?: number;
  idlePollMs?: number;
  /** Backoff after a failed round, doubling from initialMs up to maxMs, with jitter (default 500 ms to 30 s). */
  retry?: { initialMs: number; maxMs: number };
  /** See OutboxRelay.stalled (default 30 s). */
  stallAfterMs?: number;
  onPublished?: (rows: { topic: string; value: string; headers: Record<string, string>; createdAt: Date }[]) => void;
}

interface PendingRow {
  id: bigint;
  topic: string;
  key: string | null;
  value: string;
  headers: Record<string, string>;
  created_at: Date;
}

// A record's framing in a Kafka batch (length, attributes, timestamp and offset deltas, header counts), rounded up.
const RECORD_OVERHEAD_BYTES = 64;
const recordBytes = (row: PendingRow): number =>
  RECORD_OVERHEAD_BYTES +
  Buffer.byteLength(row.value) +
  (row.key === null ? 0 : Buffer.byteLength(row.key)) +
  Object.entries(row.headers).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + Buffer.byteLength(String(value)), 0);

const toMessage = (row: PendingRow): OutgoingMessage => ({ key: row.key, value: row.value, headers: row.headers });

/**
 * Publishes a producer's outbox rows in id order and deletes them only after the broker
 * acknowledged them. One relay per producer is leader at a time (a session advisory
 * lock), so rows go out in commit order per customer: a customer's rows are written
 * under that customer's row lock, so their ids increase in commit order. A crash
 * between publish and delete republishes the same messages, with the same ids; so may a
 * retry after a failed publish that the broker had partly accepted.
 *
 * Each publish holds at most `maxBatchBytes` (one produce request), so a row too large
 * for the broker is alone in its request. A failed round is logged and retried after an
 * exponential backoff with jitter; no failure is carried into the next round. When the
 * broker refuses the records themselves (MESSAGE_TOO_LARGE, INVALID_RECORD…), the batch
 * is split in halves and each half retried; a single row still refused is **parked**
 * (`parked_at`, `park_reason`), logged at error level with its id, topic and size (never
 * its content) and counted by `segflow_outbox_parked`, so that the rows behind it flow.
 * Parking one row of a customer lets that customer's later rows go out before it:
 * acceptable, since the parked row cannot be published as it is. An operator fixes the
 * cause and sets `parked_at` back to null to have it published, or deletes it. Other
 * deterministic failures (authorization, a closed bus) park nothing: they are not about
 * a row, and would park every row. They are retried, and `stalled()` turns true.
 */
export const startOutboxRelay = async <DB extends SharedTables>(options: OutboxRelayOptions<DB>): Promise<OutboxRelay> => {
  const { bus, producer, log } = options;
  const db = options.db as unknown as Kysely<SharedTables>;
  const batchSize = options.batchSize ?? 2000;
  const maxBatchBytes = options.maxBatchBytes ?? 512 * 1024;
  // A page holds a few produce requests' worth of rows, so that large rows do not fill memory.
  const pageBytes = maxBatchBytes * 8;
  const idlePollMs = options.idlePollMs ?? 1000;
  const retry = options.retry ?? { initialMs: 500, maxMs: 30_000 };
  const stallAfterMs = options.stallAfterMs ?? 30_000;
  const lockKey = `segflow-outbox:${producer}`;
  let stopped = false;
  let leader = false;
  let session: pg.Client | null = null;
  let consecutiveFailures = 0;
  let lastPublishedAt: Date | null = null;
  let lastProgressAt: Date | null = null;
  // Since when the relay has seen rows waiting (null once a page came back empty).
  let pendingSince: Date | null = null;
  let oldestPendingAt: Date | null = null;
  // This instance's lease token, locked on its session (see lease()).
  const owner = randomUUID();
  // Leased rows published but not yet deleted, or not published and not yet handed back (Postgres failed).
  const unsettled = { published: new Set<bigint>(), released: new Set<bigint>() };

  let wake: (() => void) | null = null;
  let interrupt: (() => void) | null = null;
  const sleep = (ms: number, wakeable: boolean) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        wake = interrupt = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      interrupt = done;
      // A backoff is not cut short by new rows: Kafka or Postgres needs the pause.
      wake = wakeable ? done : null;
    });

  // Rounds of the loop and of flush() run one at a time; a failed one leaves the tail settled.
  let tail: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn);
    tail = run.catch(() => undefined);
    return run;
  };

  const dropSession = (client: pg.Client): void => {
    if (session !== client) return;
    session = null;
    leader = false;
    // The server released the lock with the session; end our side so that no socket lingers.
    client.end().catch(() => undefined);
  };

  const connect = async (): Promise<pg.Client> => {
    const client = new pg.Client({
      // The session also reads the pages. A queue table's statistics are always stale (empty
      // when last analysed, thousands of rows behind now): the planner fetched and sorted every
      // pending row to return a page (20-40 ms with a backlog), where the pending-rows index
      // gives them in order and stops after a page (about 1.5 ms). No sort is ever wanted here.
      // The server probes the session after 10 s of silence and ends it after three unanswered
      // probes: the leadership and the leases of a relay whose host vanished free up in about
      // 25 s, where the operating system's default waits two hours.
      connectionString: withSessionSettings(options.databaseUrl, {
        ...SERVICE_SESSION_SETTINGS,
        enable_sort: 'off',
        tcp_keepalives_idle: '10',
        tcp_keepalives_interval: '5',
        tcp_keepalives_count: '3',
      }),
      application_name: `segflow-outbox-relay:${producer}`,
      // The session idles while it holds the lock: keepalives stop a NAT from dropping it unnoticed.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    });
    // Unheard, an 'error' event would end the process. The next round reconnects.
    client.on('error', (error) => {
      if (session === client) log.warn({ err: error, producer }, 'outbox relay session lost; leadership released');
      dropSession(client);
    });
    client.on('end', () => dropSession(client));
    client.on('notification', (n) => {
      if (n.payload === producer && leader) wake?.();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      await client.query('SELECT pg_advisory_lock($1, hashtext($2))', [LEASE_LOCK_CLASS, owner]);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    session = client;
    return client;
  };

  const tryLead = async (): Promise<void> => {
    const client = session ?? (await connect());
    let locked: boolean;
    try {
      const result = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtext(current_schema() || $1)) AS locked', [lockKey]);
      locked = result.rows[0]?.locked ?? false;
    } catch (error) {
      dropSession(client);
      throw error;
    }
    if (session !== client) return;
    if (locked) log.info({ producer }, 'outbox relay is leader');
    leader = locked;
  };

  // Rows in produce requests of at most maxBatchBytes: topic by topic, id order inside each
  // (per-key order is what matters). `send` answers false to leave the rest; so does this.
  const inRequests = async (rows: PendingRow[], send: (batch: PendingRow[]) => Promise<boolean>): Promise<boolean> => {
    for (const topic of new Set(rows.map((r) => r.topic))) {
      for (const batch of runsOfSize(rows.filter((r) => r.topic === topic), recordBytes, maxBatchBytes)) {
        if (!(await send(batch))) return false;
      }
    }
    return true;
  };

  // The first rows in id order, up to batchSize rows and about pageBytes of values. Read on
  // the leader's session (a round reads only while leading). Rows leased to a live process
  // (its owner's lock is held) are left to it, and so are the later rows of their keys: they
  // go out after it has published. `held` (each such key's first leased id) is worked out
  // once per read from the few leased rows (their own index): asked per row instead, the
  // planner of this queue table, its statistics always stale, could scan every earlier
  // pending row for each row of the page (0.6 s a page with 20k rows waiting, against 10 ms).
  const readPage = async (): Promise<PendingRow[]> => {
    if (session === null) return [];
    return (
      await session.query<PendingRow>(
        `WITH live AS MATERIALIZED (
           SELECT objid FROM pg_locks
           WHERE locktype = 'advisory' AND classid = $4 AND objsubid = 2 AND granted
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database())),
         held AS MATERIALIZED (
           SELECT key, min(id) AS id FROM outbox
           WHERE producer = $1 AND parked_at IS NULL AND leased_by IS NOT NULL
             AND hashtext(leased_by)::oid IN (SELECT objid FROM live)
           GROUP BY key)
         SELECT id, topic, key, value, headers, created_at FROM (
           SELECT id, topic, key, value, headers, created_at,
                  sum(octet_length(value)) OVER (ORDER BY id) - octet_length(value) AS before
           FROM outbox o WHERE producer = $1 AND parked_at IS NULL
             AND (leased_by IS NULL OR hashtext(leased_by)::oid NOT IN (SELECT objid FROM live))
             AND NOT EXISTS (SELECT 1 FROM held WHERE held.key = o.key AND held.id < o.id)
           ORDER BY id LIMIT $2
         ) page
         WHERE before < $3
         ORDER BY id`,
        [producer, batchSize, pageBytes, LEASE_LOCK_CLASS],
      )
    ).rows;
  };

  // Deletes leased rows published already and hands back to the relay those that were not.
  const settle = async (): Promise<void> => {
    const published = [...unsettled.published];
    if (published.length > 0) {
      await sql`DELETE FROM outbox WHERE id = ANY(${published.map(String)}::bigint[])`.execute(db);
      for (const id of published) unsettled.published.delete(id);
    }
    const released = [...unsettled.released];
    if (released.length > 0) {
      await sql`
        WITH released AS (UPDATE outbox SET leased_by = NULL WHERE id = ANY(${released.map(String)}::bigint[]) RETURNING id)
        SELECT pg_notify(${CHANNEL}, ${producer}) FROM (SELECT 1 FROM released LIMIT 1) AS one`.execute(db);
      for (const id of released) unsettled.released.delete(id);
    }
  };

  const publishLeased = async (rows: LeasedRow[]): Promise<void> => {
    if (rows.length === 0) return;
    const pending = rows.map((r): PendingRow => ({ id: r.id, topic: r.topic, key: r.key, value: r.value, headers: r.headers ?? {}, created_at: r.createdAt }));
    const sent: PendingRow[] = [];
    try {
      await inRequests(pending, async (batch) => {
        await bus.publish(batch[0]!.topic, batch.map(toMessage));
        sent.push(...batch);
        return true;
      });
    } catch (error) {
      log.warn({ err: error, producer, rows: pending.length - sent.length }, 'publishing after commit failed; the relay publishes the rows');
      const sentIds = new Set(sent.map((r) => r.id));
      for (const r of pending) if (!sentIds.has(r.id)) unsettled.released.add(r.id);
    }
    for (const r of sent) unsettled.published.add(r.id);
    if (sent.length > 0) {
      lastPublishedAt = new Date();
      reportPublished(sent);
    }
    await settle().catch((error: unknown) => {
      log.warn({ err: error, producer }, 'settling rows published after commit failed; the relay retries');
      wake?.();
    });
  };

  const reportPublished = (rows: PendingRow[]): void => {
    try {
      options.onPublished?.(rows.map((r) => ({ topic: r.topic, value: r.value, headers: r.headers, createdAt: r.created_at })));
    } catch (error) {
      log.warn({ err: error, producer }, 'outbox onPublished callback failed');
    }
  };

  const acknowledged = async (rows: PendingRow[]): Promise<void> => {
    lastPublishedAt = lastProgressAt = new Date();
    await db.deleteFrom('outbox').where('id', 'in', rows.map((r) => r.id)).execute();
    reportPublished(rows);
  };

  const park = async (row: PendingRow, refusal: string, error: unknown): Promise<void> => {
    const reason = `${refusal}: ${error instanceof Error ? error.message : String(error)}`.slice(0, 500);
    await db.updateTable('outbox').set({ parked_at: sql<Date>`now()`, park_reason: reason }).where('id', '=', row.id).execute();
    lastProgressAt = new Date();
    log.error(
      { producer, id: row.id.toString(), topic: row.topic, bytes: recordBytes(row), reason },
      'outbox row parked: the broker refuses it; the rows behind it go on',
    );
  };

  /** Publishes rows of one topic; on a refusal of the records, halves until the refused row is alone, and parks it. */
  const publishOrPark = async (rows: PendingRow[]): Promise<void> => {
    try {
      await bus.publish(rows[0]!.topic, rows.map(toMessage));
    } catch (error) {
      const refusal = isTransientError(error) ? null : recordRefusal(error);
      if (refusal === null) throw error;
      if (rows.length === 1) return park(rows[0]!, refusal, error);
      const half = Math.ceil(rows.length / 2);
      await publishOrPark(rows.slice(0, half));
      await publishOrPark(rows.slice(half));
      return;
    }
    await acknowledged(rows);
  };

  /** Publishes (or parks) one page; true when it found rows, so more may be waiting. */
  const drainPage = async (): Promise<boolean> => {
    const rows = await readPage();
    if (rows.length === 0) {
      pendingSince = oldestPendingAt = null;
      return false;
    }
    pendingSince ??= new Date();
    oldestPendingAt = rows[0]!.created_at;
    return inRequests(rows, async (batch) => {
      // Lost the lock (another relay may lead now) or asked to stop: leave the rest.
      if (!leader || stopped) return false;
      await publishOrPark(batch);
      return true;
    });
  };

  /** Takes the lead if free, then drains one page; true when more may be waiting. */
  const round = (): Promise<boolean> =>
    exclusive(async () => {
      try {
        if (!leader) await tryLead();
        await settle();
        const more = leader && (await drainPage());
        consecutiveFailures = 0;
        return more;
      } catch (error) {
        consecutiveFailures += 1;
        throw error;
      }
    });

  const backoffMs = (): number => {
    const ceiling = Math.min(retry.maxMs, retry.initialMs * 2 ** (consecutiveFailures - 1));
    // Equal jitter: relays failing together do not retry together.
    return ceiling / 2 + (Math.random() * ceiling) / 2;
  };

  const running = (async () => {
    while (!stopped) {
      try {
        if ((await round()) || stopped) continue;
        await sleep(leader ? idlePollMs : idlePollMs * 2, true);
      } catch (error) {
        const pause = backoffMs();
        const transient = isTransientError(error);
        log[transient ? 'warn' : 'error'](
          { err: error, producer, consecutiveFailures, retryInMs: Math.round(pause) },
          transient ? 'outbox relay: Kafka or Postgres unavailable; retrying' : 'outbox relay round failed; retrying',
        );
        if (!stopped) await sleep(pause, false);
      }
    }
  })();

  const stalled = (now: Date): boolean =>
    leader && pendingSince !== null && now.getTime() - Math.max(pendingSince.getTime(), lastProgressAt?.getTime() ?? 0) > stallAfterMs;

  return {
    get isLeader() {
      return leader;
    },
    lease: () => (session === null || stopped ? null : { owner }),
    publishLeased,
    stalled: (now = new Date()) => stalled(now),
    health: (now = new Date()) => ({
      leader,
      lastPublishedAt,
      oldestPendingAgeMs: oldestPendingAt ? Math.max(0, now.getTime() - oldestPendingAt.getTime()) : null,
      consecutiveFailures,
      stalled: stalled(now),
    }),
    flush: async () => {
      while (!stopped && (await round())) {
        // a page went out: more may be waiting
      }
    },
    stop: async () => {
      stopped = true;
      interrupt?.();
      await running;
      await tail;
      const client = session;
      session = null;
      leader = false;
      await client?.end().catch(() => undefined);
    },
  };
};
