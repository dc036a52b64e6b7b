import { sql } from 'kysely';
import type { Kysely, Migration } from 'kysely';

/** Tables every consuming service uses: consumer offsets and the outbox. */
export const sharedMigrations: Record<string, Migration> = {
  '0001_consumer_offsets_and_outbox': {
    up: async (db: Kysely<unknown>) => {
      await db.schema
        .createTable('consumer_offsets')
        .ifNotExists()
        .addColumn('group_id', 'text', (c) => c.notNull())
        .addColumn('topic', 'text', (c) => c.notNull())
        .addColumn('partition', 'integer', (c) => c.notNull())
        .addColumn('next_offset', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addPrimaryKeyConstraint('consumer_offsets_pk', ['group_id', 'topic', 'partition'])
        .execute();
      await db.schema
        .createTable('outbox')
        .ifNotExists()
        .addColumn('id', 'bigserial', (c) => c.primaryKey())
        .addColumn('producer', 'text', (c) => c.notNull())
        .addColumn('topic', 'text', (c) => c.notNull())
        .addColumn('key', 'text')
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('headers', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema.createIndex('outbox_producer_id').ifNotExists().on('outbox').columns(['producer', 'id']).execute();
    },
  },
  // Written by the profile service's RFM job, read by the segment service's rules.
  '0002_rfm_quintiles': {
    up: async (db: Kysely<unknown>) => {
      await db.schema
        .createTable('rfm_quintiles')
        .ifNotExists()
        .addColumn('id', 'bigserial', (c) => c.primaryKey())
        .addColumn('quintiles', 'jsonb', (c) => c.notNull())
        .addColumn('computed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
    },
  },
  // The relay moves a row the broker will never accept out of the way (see startOutboxRelay).
  '0003_outbox_parked_rows': {
    up: async (db: Kysely<unknown>) => {
      await sql`ALTER TABLE outbox ADD COLUMN IF NOT EXISTS parked_at timestamptz, ADD COLUMN IF NOT EXISTS park_reason text`.execute(db);
    },
  },
  // The relay reads the pending rows of its producer in id order, a page at a time: an index
  // of exactly those rows lets the read stop after a page. Over (producer, id) of all rows,
  // the planner of a queue table (whose statistics are always stale) chose to fetch and sort
  // every pending row each round (20 ms a read with a few thousand waiting, against 1.5).
  '0004_outbox_pending_index': {
    up: async (db: Kysely<unknown>) => {
      await sql`CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (producer, id) WHERE parked_at IS NULL`.execute(db);
      await sql`DROP INDEX IF EXISTS outbox_producer_id`.execute(db);
    },
  },
  // Rows a process publishes itself after commit carry its relay's token (`leased_by`); the
  // key index finds a customer's rows still waiting, which later rows must not overtake.
  '0005_outbox_leases': {
    up: async (db: Kysely<unknown>) => {
      await sql`ALTER TABLE outbox ADD COLUMN IF NOT EXISTS leased_by text`.execute(db);
      await sql`CREATE INDEX IF NOT EXISTS outbox_pending_key ON outbox (producer, key) WHERE parked_at IS NULL`.execute(db);
    },
  },
  // The relay's read finds the rows leased to live processes (see readPage) among these
  // alone, not among every pending row.
  '0006_outbox_leased_rows': {
    up: async (db: Kysely<unknown>) => {
      await sql`CREATE INDEX IF NOT EXISTS outbox_leased ON outbox (producer, key, id) WHERE parked_at IS NULL AND leased_by IS NOT NULL`.execute(db);
    },
  },
};
