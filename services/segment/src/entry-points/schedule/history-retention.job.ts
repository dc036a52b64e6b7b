import type { Kysely } from 'kysely';
import type { Logger } from '@segflow/observability';
import { startWorkLoop } from '@segflow/service-kit';
import { foldCounters, pruneIntervals } from '../../data-access/history.repository.js';
import type { SegmentDb } from '../../data-access/tables.js';

/** Intervals deleted per transaction, so that a large prune never holds many rows at once. */
const PRUNE_PAGE = 10_000;

/**
 * Keeps the membership history within its retention period: deletes the intervals that
 * closed before it and the results of cohorts that entered before it, folds the size
 * counters of the hours before it into the size they add up to, and folds the
 * per-connection counter rows into one once they are no longer being written.
 * Every instance runs it; the pages skip rows another holds, and one folds at a time.
 */
export const startHistoryRetention = (deps: { db: Kysely<SegmentDb>; retentionMs: number; intervalMs: number; now: () => Date; log: Logger }) => {
  /** One round; true while intervals remain to prune (the loop goes on at once). */
  const runOnce = async (): Promise<boolean> => {
    const now = deps.now();
    const cutoff = new Date(now.getTime() - deps.retentionMs);
    const pruned = await pruneIntervals(deps.db, cutoff, PRUNE_PAGE);
    if (pruned < PRUNE_PAGE) await foldCounters(deps.db, now, cutoff);
    if (pruned > 0) deps.log.debug({ pruned }, 'membership intervals past the retention period deleted');
    return pruned === PRUNE_PAGE;
  };
  const loop = startWorkLoop({ step: runOnce, idleMs: deps.intervalMs, log: deps.log, failure: 'membership history retention failed; retrying' });
  return { runOnce, stop: loop.stop };
};
export type HistoryRetention = ReturnType<typeof startHistoryRetention>;
