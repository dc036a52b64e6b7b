import { sql } from 'kysely';
import type { Kysely, Transaction } from 'kysely';
import type { ExplanationItem, MembershipReason } from '@segflow/contracts';
import type { SizeChanges } from '../domain/size-history.js';
import { hourOf } from './membership.repository.js';
import { foldResults } from './results.repository.js';
import type { SegmentDb } from './tables.js';

type Db = Kysely<SegmentDb> | Transaction<SegmentDb>;

/** One stored interval of a customer's membership in a segment. */
export interface StoredInterval {
  segmentId: string;
  /** The segment's current name; its id once the segment is gone. */
  name: string;
  enterSeq: bigint;
  enteredAt: Date;
  enterReason: MembershipReason | null;
  enterExplanation: ExplanationItem[];
  exitedAt: Date | null;
  exitReason: MembershipReason | null;
  exitExplanation: ExplanationItem[] | null;
  group: string | null;
}

/** Where a page of a customer's history resumes: after this interval, newest first. */
export interface HistoryCursor {
  enteredAt: Date;
  segmentId: string;
  enterSeq: bigint;
}

const intervals = (db: Db, customerId: string) =>
  db
    .selectFrom('membership_intervals as i')
    .leftJoin('segments as s', 's.id', 'i.segment_id')
    .select([
      'i.segment_id',
      's.name',
      'i.enter_seq',
      'i.entered_at',
      'i.enter_reason',
      'i.enter_explanation',
      'i.exited_at',
      'i.exit_reason',
      'i.exit_explanation',
      'i.group_id',
    ])
    .where('i.customer_id', '=', customerId);

const toInterval = (r: Awaited<ReturnType<ReturnType<typeof intervals>['execute']>>[number]): StoredInterval => ({
  segmentId: r.segment_id,
  name: r.name ?? r.segment_id,
  enterSeq: r.enter_seq,
  enteredAt: r.entered_at,
  enterReason: r.enter_reason,
  enterExplanation: r.enter_explanation,
  exitedAt: r.exited_at,
  exitReason: r.exit_reason,
  exitExplanation: r.exit_explanation,
  group: r.group_id,
});

/** The intervals of a customer open at `at` (entered at or before it, not exited by then), by segment id. */
export const intervalsAt = async (db: Db, customerId: string, at: Date): Promise<StoredInterval[]> =>
  (
    await intervals(db, customerId)
      .where('i.entered_at', '<=', at)
      .where((eb) => eb.or([eb('i.exited_at', 'is', null), eb('i.exited_at', '>', at)]))
      .orderBy('i.segment_id')
      .execute()
  ).map(toInterval);

/** A page of a customer's intervals, newest entry first, after `cursor`. */
export const intervalsPage = async (db: Db, customerId: string, cursor: HistoryCursor | null, limit: number): Promise<StoredInterval[]> =>
  (
    await intervals(db, customerId)
      .$if(cursor !== null, (qb) =>
        qb.where(
          (eb) => eb.refTuple('i.entered_at', 'i.segment_id', 'i.enter_seq'),
          '<',
          (eb) => eb.tuple(cursor!.enteredAt, cursor!.segmentId, cursor!.enterSeq),
        ),
      )
      .orderBy('i.entered_at', 'desc')
      .orderBy('i.segment_id', 'desc')
      .orderBy('i.enter_seq', 'desc')
      .limit(limit)
      .execute()
  ).map(toInterval);

/**
 * A segment's entries and exits from its counters, binned by `stepMs` from `from` up to
 * `to`: everything decided before `from` summed into `before` (the size at `from`).
 */
export const sizeChanges = async (db: Db, segmentId: string, from: Date, to: Date, stepMs: number): Promise<SizeChanges> => {
  const rows = await sql<{ bin: number; entered: bigint; exited: bigint }>`
    SELECT CASE WHEN bucket < ${from}::timestamptz THEN -1
                ELSE floor((extract(epoch FROM bucket) * 1000 - ${from.getTime()}) / ${stepMs})::int END AS bin,
           sum(entered)::bigint AS entered, sum(exited)::bigint AS exited
    FROM segment_size_changes
    WHERE segment_id = ${segmentId} AND bucket < ${to}::timestamptz
    GROUP BY 1`.execute(db);
  const bins = new Map<number, { entered: number; exited: number }>();
  let before = 0;
  for (const r of rows.rows) {
    if (r.bin < 0) before = Number(r.entered - r.exited);
    else bins.set(r.bin, { entered: Number(r.entered), exited: Number(r.exited) });
  }
  return { before, bins };
};

/**
 * Reads every live segment's size from its counters, for the size gauge. Hours more than
 * one hour old no longer change (a counter row's hour is its decision's), so their sums
 * are kept between reads and only the last two hours are summed again each time.
 */
export const segmentSizeReader = (db: Kysely<SegmentDb>) => {
  let settledBefore: number | null = null;
  let settled = new Map<string, number>();
  return async (now: Date): Promise<Map<string, number>> => {
    const boundary = new Date(hourOf(now).getTime() - 3_600_000);
    if (settledBefore !== boundary.getTime()) {
      const rows = await sql<{ segment_id: string; size: bigint }>`
        SELECT segment_id, sum(entered - exited)::bigint AS size FROM segment_size_changes WHERE bucket < ${boundary}::timestamptz GROUP BY segment_id`.execute(db);
      settled = new Map(rows.rows.map((r) => [r.segment_id, Number(r.size)]));
      settledBefore = boundary.getTime();
    }
    const recent = await sql<{ id: string; size: bigint }>`
      SELECT s.id, coalesce(sum(c.entered - c.exited), 0)::bigint AS size
      FROM segments s LEFT JOIN segment_size_changes c ON c.segment_id = s.id AND c.bucket >= ${boundary}::timestamptz
      WHERE s.deleted_at IS NULL
      GROUP BY s.id`.execute(db);
    return new Map(recent.rows.map((r) => [r.id, (settled.get(r.id) ?? 0) + Number(r.size)]));
  };
};

/** Removes the counters of a segment that is gone for good (sizes and results), so that a segment created later under its id starts afresh. */
export const forgetSegmentCounters = async (trx: Db, segmentId: string): Promise<void> => {
  await trx.deleteFrom('segment_size_changes').where('segment_id', '=', segmentId).execute();
  await trx.deleteFrom('segment_results').where('segment_id', '=', segmentId).execute();
};

/** Deletes up to `limit` intervals that closed before `cutoff`; returns how many. */
export const pruneIntervals = async (db: Db, cutoff: Date, limit: number): Promise<number> => {
  const result = await sql`
    DELETE FROM membership_intervals WHERE ctid IN (
      SELECT ctid FROM membership_intervals WHERE exited_at < ${cutoff}::timestamptz LIMIT ${limit} FOR UPDATE SKIP LOCKED)`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
};

/**
 * Folds the counters, under a lock only one instance holds at a time (two folding at once
 * could deadlock on the rows they add to): each writer's size rows of an hour that is over
 * into one row (writer 0), and hours before `cutoff` into the '-infinity' row, which keeps
 * the size they add up to; the results likewise (see foldResults). Rows a batch is writing
 * are skipped until the next run. False when another instance holds the lock.
 */
export const foldCounters = async (db: Kysely<SegmentDb>, now: Date, cutoff: Date): Promise<boolean> =>
  db.transaction().execute(async (trx) => {
    const locked = await sql<{ locked: boolean }>`SELECT pg_try_advisory_xact_lock(hashtext(current_schema() || 'segflow-size-fold')) AS locked`.execute(trx);
    if (!locked.rows[0]?.locked) return false;
    const cutoffHour = hourOf(cutoff);
    await sql`
      WITH moved AS (
        DELETE FROM segment_size_changes WHERE ctid IN (
          SELECT ctid FROM segment_size_changes
          WHERE bucket > '-infinity' AND ((writer <> 0 AND bucket < ${hourOf(now)}::timestamptz) OR bucket < ${cutoffHour}::timestamptz)
          FOR UPDATE SKIP LOCKED)
        RETURNING segment_id, bucket, entered, exited)
      INSERT INTO segment_size_changes AS c (segment_id, bucket, writer, entered, exited)
      SELECT segment_id, CASE WHEN bucket < ${cutoffHour}::timestamptz THEN '-infinity'::timestamptz ELSE bucket END AS folded, 0, sum(entered), sum(exited)
      FROM moved GROUP BY segment_id, folded ORDER BY segment_id, folded
      ON CONFLICT (segment_id, bucket, writer) DO UPDATE SET entered = c.entered + excluded.entered, exited = c.exited + excluded.exited`.execute(trx);
    await foldResults(trx, cutoffHour);
    return true;
  });
