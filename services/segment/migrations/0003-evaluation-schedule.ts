import { sql } from 'kysely';
import type { Kysely, Migration } from 'kysely';

export const evaluationSchedule: Migration = {
  up: async (db: Kysely<unknown>) => {
    // When a customer's memberships can next flip with no event (a window closing, a
    // birthday, a score decaying past a threshold); the scheduler reads only due rows.
    await db.schema.alterTable('customer_profiles').addColumn('next_evaluation_at', 'timestamptz').execute();
    await sql`CREATE INDEX customer_profiles_due ON customer_profiles (next_evaluation_at) WHERE next_evaluation_at IS NOT NULL`.execute(db);
  },
};
