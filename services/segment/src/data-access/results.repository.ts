import { sql } from 'kysely';
import type { Kysely, Transaction } from 'kysely';
import type { ResultIncrement, StandingChange } from '../domain/results.js';
import type { SegmentDb } from './tables.js';

type Db = Kysely<SegmentDb> | Transaction<SegmentDb>;

/**
 * Adds a batch's responses to the segments' results and writes back the standings they
 * changed (a member's first purchase or first open of a campaign in its stay), in one
 * statement. A standing is written only while the membership is still at the sequence it
 * was read at; the counters are the writing connection's own rows (see segment_results).
 */
export const recordResponses = async (trx: Db, responses: { increments: ResultIncrement[]; standings: StandingChange[] }): Promise<void> => {
  const { increments, standings } = responses;
  if (increments.length === 0 && standings.length === 0) return;
  await sql`
    WITH standing AS (
      UPDATE memberships m SET purchased = f.purchased, opened_campaigns = f.opened
      FROM unnest(${standings.map((s) => s.customerId)}::text[], ${standings.map((s) => s.segmentId)}::text[], ${standings.map((s) => s.seq.toString())}::bigint[],
                  ${standings.map((s) => s.purchased)}::boolean[], ${standings.map((s) => JSON.stringify(s.opened))}::jsonb[])
        AS f(customer_id, segment_id, seq, purchased, opened)
      WHERE m.customer_id = f.customer_id AND m.segment_id = f.segment_id AND m.seq = f.seq)
    INSERT INTO segment_results AS r (segment_id, cohort, group_id, metric, key, writer, value)
    SELECT segment_id, cohort, group_id, metric, key, pg_backend_pid(), value
    FROM unnest(${increments.map((i) => i.segmentId)}::text[], ${increments.map((i) => new Date(i.cohort).toISOString())}::timestamptz[],
                ${increments.map((i) => i.group)}::text[], ${increments.map((i) => i.metric)}::text[], ${increments.map((i) => i.key)}::text[],
                ${increments.map((i) => i.value)}::bigint[])
      AS i(segment_id, cohort, group_id, metric, key, value)
    ORDER BY segment_id, cohort, group_id, metric, key
    ON CONFLICT (segment_id, cohort, group_id, metric, key, writer) DO UPDATE SET value = r.value + excluded.value`.execute(trx);
};

/** A segment's result counters of the cohorts in [from, to), summed per group, metric and campaign. */
export const readResults = async (db: Db, segmentId: string, from: Date, to: Date) =>
  (
    await db
      .selectFrom('segment_results')
      .select(['group_id', 'metric', 'key', sql<bigint>`sum(value)::bigint`.as('value')])
      .where('segment_id', '=', segmentId)
      .where('cohort', '>=', from)
      .where('cohort', '<', to)
      .groupBy(['group_id', 'metric', 'key'])
      .execute()
  ).map((r) => ({ group: r.group_id, metric: r.metric, key: r.key, value: Number(r.value) }));

/**
 * Folds every writer's result rows into one (writer 0), skipping rows a batch is writing,
 * and deletes the cohorts that entered before `cutoff`. In the caller's transaction, which
 * holds the folding lock (see foldSizeCounters).
 */
export const foldResults = async (trx: Transaction<SegmentDb>, cutoff: Date): Promise<void> => {
  await sql`DELETE FROM segment_results WHERE cohort < ${cutoff}::timestamptz`.execute(trx);
  await sql`
    WITH moved AS (
      DELETE FROM segment_results WHERE ctid IN (SELECT ctid FROM segment_results WHERE writer <> 0 FOR UPDATE SKIP LOCKED)
      RETURNING segment_id, cohort, group_id, metric, key, value)
    INSERT INTO segment_results AS r (segment_id, cohort, group_id, metric, key, writer, value)
    SELECT segment_id, cohort, group_id, metric, key, 0, sum(value) FROM moved
    GROUP BY segment_id, cohort, group_id, metric, key ORDER BY segment_id, cohort, group_id, metric, key
    ON CONFLICT (segment_id, cohort, group_id, metric, key, writer) DO UPDATE SET value = r.value + excluded.value`.execute(trx);
};
