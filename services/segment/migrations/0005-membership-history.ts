import { sql } from 'kysely';
import type { Kysely, Migration } from 'kysely';

export const membershipHistory: Migration = {
  up: async (db: Kysely<unknown>) => {
    // Every enter/exit as an interval, written in the transaction of the membership's
    // compare-and-set; enter_seq is the sequence the enter was written at (unique per
    // customer and segment, erasures included, see membership_sequence_floor).
    await sql`CREATE TABLE membership_intervals (
      customer_id text NOT NULL,
      segment_id text NOT NULL,
      enter_seq bigint NOT NULL,
      entered_at timestamptz NOT NULL,
      enter_reason text,
      enter_explanation jsonb NOT NULL,
      exited_at timestamptz,
      exit_reason text,
      exit_explanation jsonb,
      PRIMARY KEY (customer_id, segment_id, enter_seq))`.execute(db);
    await sql`CREATE INDEX membership_intervals_newest ON membership_intervals (customer_id, entered_at DESC, segment_id DESC, enter_seq DESC)`.execute(db);
    await sql`CREATE INDEX membership_intervals_closed ON membership_intervals (exited_at) WHERE exited_at IS NOT NULL`.execute(db);
    // The members of today started before history was kept: their intervals open at their
    // entry, with no reason known.
    await sql`INSERT INTO membership_intervals (customer_id, segment_id, enter_seq, entered_at, enter_explanation)
      SELECT customer_id, segment_id, seq, coalesce(entered_at, changed_at), '[]'::jsonb FROM memberships WHERE is_member`.execute(db);

    // Entries and exits per segment and UTC hour, one row per writing connection
    // (writer = its backend pid) so that concurrent batches never wait on each other's
    // counter rows; a periodic job folds closed hours into writer 0 and hours past the
    // retention period into the '-infinity' row. The size at t is the sum of
    // entered - exited over the buckets before t; the '-infinity' row starts at the
    // members counted now.
    await sql`CREATE TABLE segment_size_changes (
      segment_id text NOT NULL,
      bucket timestamptz NOT NULL,
      writer integer NOT NULL,
      entered bigint NOT NULL,
      exited bigint NOT NULL,
      PRIMARY KEY (segment_id, bucket, writer))`.execute(db);
    await sql`INSERT INTO segment_size_changes (segment_id, bucket, writer, entered, exited)
      SELECT segment_id, '-infinity', 0, count(*), 0 FROM memberships WHERE is_member GROUP BY segment_id`.execute(db);
  },
};
