import type { Kysely } from 'kysely';
import { currentRfmQuintiles } from '@segflow/db';
import type { Logger } from '@segflow/observability';
import { advanceJob, claimRunningJob } from '../../data-access/backfill.repository.js';
import { forgetSegmentCounters } from '../../data-access/history.repository.js';
import type { MembershipDecisions } from '../../application/evaluate-memberships.js';
import { startWorkLoop } from '@segflow/service-kit';
import {
  exitMembersPage,
  loadSegmentMemberships,
  lockProfilesPage,
  scheduleNoLaterThan,
} from '../../data-access/membership.repository.js';
import type { SegmentDb } from '../../data-access/tables.js';
import type { MembershipDecision, segmentCompiler } from '../../domain/decide.js';

/**
 * Re-evaluates every stored profile against a segment's new definition, a page per
 * transaction, alongside live traffic: each page row-locks its profiles in customer
 * order (as live batches do), so a customer is decided by one of them at a time, and
 * memberships change by compare-and-set, so nothing is lost or announced twice. The
 * cursor moves in the page's transaction: after a crash the job resumes where it was.
 * Several instances may run it; `SKIP LOCKED` gives each page to one of them.
 */
export const startBackfillRunner = (deps: {
  db: Kysely<SegmentDb>;
  compile: ReturnType<typeof segmentCompiler>;
  decisions: MembershipDecisions;
  pageSize: number;
  idlePollMs: number;
  now: () => Date;
  log: Logger;
}) => {
  const { db, log } = deps;

  /** Runs one page of the oldest running job; false when there was nothing to do. */
  const runPage = async (): Promise<boolean> => {
    const now = deps.now();
    const outcome = await db.transaction().execute(async (trx) => {
      const job = await claimRunningJob(trx);
      if (!job) return null;
      const segment = await trx.selectFrom('segments').selectAll().where('id', '=', job.segment_id).forShare().executeTakeFirst();
      const finish = async (state: 'done' | 'superseded') => {
        await advanceJob(trx, job.id, { cursor: job.cursor, processed: 0, entered: 0, exited: 0, done: true, state });
        return { decisions: [] as MembershipDecision[] };
      };
      if (!segment || segment.version !== job.segment_version) return finish('superseded');

      let decisions: MembershipDecision[];
      let cursor = job.cursor;
      let processed: number;
      if (segment.deleted_at !== null || !segment.enabled) {
        // Deleted or disabled: every member exits, a page at a time.
        decisions = await exitMembersPage(trx, segment, deps.pageSize, now, job.reason);
        await deps.decisions.announce(trx, decisions, job.reason, now);
        processed = decisions.length;
        if (decisions.length === 0) {
          if (segment.deleted_at !== null) {
            await trx.deleteFrom('segments').where('id', '=', segment.id).execute();
            await forgetSegmentCounters(trx, segment.id);
          }
          return finish('done');
        }
      } else {
        const profiles = await lockProfilesPage(trx, job.cursor, deps.pageSize);
        if (profiles.length === 0) return finish('done');
        const active = deps.compile(segment, { rfmQuintiles: await currentRfmQuintiles(trx) });
        const { won, nextEvaluationAt } = await deps.decisions.evaluate(trx, {
          reason: job.reason,
          now,
          customers: profiles.map((profile) => ({ profile, before: null, segments: [active] })),
          // Only this segment's memberships matter: the others are not being re-decided.
          memberships: async (t, ids) => {
            const stored = await loadSegmentMemberships(t, segment.id, ids);
            return new Map([...stored].map(([id, state]) => [id, new Map([[segment.id, state]])]));
          },
        });
        decisions = won;
        // This segment may flip before the customer's stored instant: bring that forward.
        await scheduleNoLaterThan(
          trx,
          [...nextEvaluationAt].flatMap(([customerId, at]) => (at === null ? [] : [{ customerId, at }])),
        );
        cursor = profiles.at(-1)!.customerId;
        processed = profiles.length;
      }
      await advanceJob(trx, job.id, {
        cursor,
        processed,
        entered: decisions.filter((d) => d.isMember).length,
        exited: decisions.filter((d) => !d.isMember).length,
        done: false,
      });
      return { decisions };
    });
    if (!outcome) return false;
    await deps.decisions.afterCommit(outcome.decisions, now);
    return true;
  };

  const loop = startWorkLoop({ step: runPage, idleMs: deps.idlePollMs, log, failure: 'backfill page failed; retrying' });

  return {
    runPage,
    /** Starts looking for work now rather than at the next poll. */
    wake: loop.wake,
    stop: loop.stop,
  };
};
export type BackfillRunner = ReturnType<typeof startBackfillRunner>;
