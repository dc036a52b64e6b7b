import { sql } from 'kysely';
import type { ExpressionBuilder, Kysely, Selectable, Transaction } from 'kysely';
import type { SegmentDb } from './tables.js';

type Db = Kysely<SegmentDb> | Transaction<SegmentDb>;
export type BackfillJob = Selectable<SegmentDb['backfill_jobs']>;
export type BackfillReason = BackfillJob['reason'];

/**
 * Starts a backfill for a segment's new version (inside the transaction that changed the
 * definition), superseding any job still running for an older version.
 */
export const startBackfill = async (
  trx: Transaction<SegmentDb>,
  job: { segmentId: string; segmentVersion: number; reason: BackfillReason; total: number },
): Promise<void> => {
  await trx
    .updateTable('backfill_jobs')
    .set({ state: 'superseded', finished_at: sql<Date>`now()`, updated_at: sql<Date>`now()` })
    .where('segment_id', '=', job.segmentId)
    .where('state', '=', 'running')
    .execute();
  await trx
    .insertInto('backfill_jobs')
    .values({ segment_id: job.segmentId, segment_version: job.segmentVersion, reason: job.reason, state: 'running', total: job.total })
    .execute();
  await sql`SELECT pg_notify('segflow_backfill', ${job.segmentId})`.execute(trx);
};

/**
 * Locks the segment's running jobs for the rest of the transaction. A runner's page locks
 * its job, then the segment; a change of the segment takes the locks in the same order
 * (this, then the segment's row), so that the two wait for each other instead of deadlocking.
 */
export const lockRunningJobs = async (trx: Transaction<SegmentDb>, segmentId: string): Promise<void> => {
  await trx.selectFrom('backfill_jobs').select('id').where('segment_id', '=', segmentId).where('state', '=', 'running').forUpdate().execute();
};

/** The oldest running job no other runner holds, locked for this page's transaction. */
export const claimRunningJob = async (trx: Transaction<SegmentDb>): Promise<BackfillJob | undefined> =>
  trx.selectFrom('backfill_jobs').selectAll().where('state', '=', 'running').orderBy('id').limit(1).forUpdate().skipLocked().executeTakeFirst();

/** A running job as it stands (no lock: for the page that follows one still in flight, see advanceJobFrom). */
export const readRunningJob = async (trx: Transaction<SegmentDb>, id: bigint): Promise<BackfillJob | undefined> =>
  trx.selectFrom('backfill_jobs').selectAll().where('id', '=', id).where('state', '=', 'running').executeTakeFirst();

interface Progress {
  cursor: string | null;
  processed: number;
  entered: number;
  exited: number;
}
/** A page's progress as the update of its job's row: counts added, cursor moved. */
const progressed = (progress: Progress) => (eb: ExpressionBuilder<SegmentDb, 'backfill_jobs'>) => ({
  cursor: progress.cursor,
  processed: eb('processed', '+', progress.processed),
  entered: eb('entered', '+', progress.entered),
  exited: eb('exited', '+', progress.exited),
  updated_at: sql<Date>`now()`,
});

/**
 * Moves a job on from `from`, the cursor the page before this one leaves it at: waits for
 * that page's transaction (which holds the job's row) and changes nothing unless it
 * committed that cursor and the job still runs. Whether the job moved on.
 */
export const advanceJobFrom = async (trx: Transaction<SegmentDb>, id: bigint, from: string, progress: Progress & { cursor: string }): Promise<boolean> => {
  const result = await trx
    .updateTable('backfill_jobs')
    .set(progressed(progress))
    .where('id', '=', id)
    .where('state', '=', 'running')
    .where('cursor', '=', from)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
};

export const advanceJob = async (
  trx: Transaction<SegmentDb>,
  id: bigint,
  progress: Progress & { done: boolean; state?: BackfillJob['state'] },
): Promise<void> => {
  await trx
    .updateTable('backfill_jobs')
    .set((eb) => ({ ...progressed(progress)(eb), ...(progress.done ? { state: progress.state ?? 'done', finished_at: sql<Date>`now()` } : {}) }))
    .where('id', '=', id)
    .execute();
};

/** The latest job of a segment, for progress reporting. */
export const latestJob = async (db: Db, segmentId: string): Promise<BackfillJob | undefined> =>
  db.selectFrom('backfill_jobs').selectAll().where('segment_id', '=', segmentId).orderBy('id', 'desc').limit(1).executeTakeFirst();
