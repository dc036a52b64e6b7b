import { sql } from 'kysely';
import type { Kysely, Migration } from 'kysely';

export const scoringModels: Migration = {
  up: async (db: Kysely<unknown>) => {
    // Every version is kept: a change applies to events processed after it.
    await db.schema
      .createTable('scoring_models')
      .addColumn('version', 'integer', (c) => c.primaryKey())
      .addColumn('model', 'jsonb', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    await db.schema.createIndex('processed_events_customer').on('processed_events').column('customer_id').execute();
  },
};
