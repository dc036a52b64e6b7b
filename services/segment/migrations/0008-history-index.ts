import { sql } from 'kysely';
import type { Kysely, Migration } from 'kysely';

// A customer's intervals are read through the primary key (customer_id first) and sorted per
// request: they are few per customer. An index in history order cost every enter a second
// index entry on the hot path, for a read the primary key serves.
export const historyIndex: Migration = {
  up: async (db: Kysely<unknown>) => {
    await sql`DROP INDEX IF EXISTS membership_intervals_newest`.execute(db);
  },
};
