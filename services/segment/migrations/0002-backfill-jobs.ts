import { sql } from 'kysely';
import type { Kysely, Migration } from 'kysely';

export const backfillJobs: Migration = {
  up: async (db: Kysely<unknown>) => {
    // A deleted segment stays (not evaluated by live traffic) until its members have exited.
    await db.schema.alterTable('segments').addColumn('deleted_at', 'timestamptz').execute();
    // One job per definition change; the cursor and counts move in the same transaction
    // as each page's membership changes, so a crash resumes where the last page ended.
    await db.schema
      .createTable('backfill_jobs')
      .addColumn('id', 'bigserial', (c) => c.primaryKey())
      .addColumn('segment_id', 'text', (c) => c.notNull())
      .addColumn('segment_version', 'integer', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('cursor', 'text')
      .addColumn('processed', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('total', 'integer', (c) => c.notNull())
      .addColumn('entered', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('exited', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('started_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('finished_at', 'timestamptz')
      .execute();
    await sql`CREATE INDEX backfill_jobs_running ON backfill_jobs (id) WHERE state = 'running'`.execute(db);
    await db.schema.createIndex('backfill_jobs_segment').on('backfill_jobs').columns(['segment_id', 'id']).execute();
  },
};
