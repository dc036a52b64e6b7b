import { sql } from 'kysely';
import type { Kysely, Migration } from 'kysely';

export const segmentResults: Migration = {
  up: async (db: Kysely<unknown>) => {
    // A member's responses during its current stay, so that it counts once as a purchaser
    // and once as an opener of each campaign; reset at each entry.
    await sql`ALTER TABLE memberships ADD COLUMN purchased boolean NOT NULL DEFAULT false, ADD COLUMN opened_campaigns jsonb NOT NULL DEFAULT '[]'`.execute(db);
    // A segment's results per A/B group ('' for none) and cohort (the UTC hour its members
    // entered in): entries, purchasers, purchases, revenue (ten-thousandths of the base
    // currency), and opens and openers per campaign (key). One row per writing connection,
    // as for the size counters, folded into writer 0 by the retention job.
    await sql`CREATE TABLE segment_results (
      segment_id text NOT NULL,
      cohort timestamptz NOT NULL,
      group_id text NOT NULL,
      metric text NOT NULL,
      key text NOT NULL,
      writer integer NOT NULL,
      value bigint NOT NULL,
      PRIMARY KEY (segment_id, cohort, group_id, metric, key, writer))`.execute(db);
    // Today's members entered before results were kept: they count as entered in their hour.
    await sql`INSERT INTO segment_results (segment_id, cohort, group_id, metric, key, writer, value)
      SELECT segment_id, date_trunc('hour', coalesce(entered_at, changed_at), 'UTC'), coalesce(group_id, ''), 'entered', '', 0, count(*)
      FROM memberships WHERE is_member GROUP BY 1, 2, 3`.execute(db);
  },
};
