import { sql } from 'kysely';
import type { Kysely, Migration } from 'kysely';

export const experiments: Migration = {
  up: async (db: Kysely<unknown>) => {
    // A segment's A/B test; the group a member got at entry stays with the membership and
    // its interval (a later change of the experiment applies to later entries).
    await sql`ALTER TABLE segments ADD COLUMN experiment jsonb`.execute(db);
    await sql`ALTER TABLE memberships ADD COLUMN group_id text`.execute(db);
    await sql`ALTER TABLE membership_intervals ADD COLUMN group_id text`.execute(db);
  },
};
