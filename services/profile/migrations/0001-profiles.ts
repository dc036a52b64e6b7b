import { sql } from 'kysely';
import type { Kysely, Migration } from 'kysely';

export const profiles: Migration = {
  up: async (db: Kysely<unknown>) => {
    await db.schema
      .createTable('profiles')
      .addColumn('customer_id', 'text', (c) => c.primaryKey())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('state', 'jsonb', (c) => c.notNull())
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    await db.schema
      .createTable('processed_events')
      .addColumn('event_id', 'text', (c) => c.primaryKey())
      .addColumn('customer_id', 'text', (c) => c.notNull())
      .addColumn('processed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    await db.schema.createIndex('processed_events_processed_at').on('processed_events').column('processed_at').execute();
  },
};
