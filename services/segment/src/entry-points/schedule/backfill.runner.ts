import type { Kysely } from 'kysely';
import { CLOUDEVENTS_CONTENT_TYPE } from '@segflow/contracts';
import { currentRfmQuintiles, enqueueOutbox } from '@segflow/db';
import type { Logger } from '@segflow/observability';
import { advanceJob, claimRunningJob } from '../../data-access/backfill.repository.js';
import type { MembershipCache } from '../../data-access/membership-cache.js';
import { nextFlip } from '@segflow/rules';
import { startWorkLoop } from '@segflow/service-kit';
import {
  compareAndSetMemberships,
  exitMembersPage,
  loadSegmentMemberships,
  lockProfilesPage,
  scheduleNoLaterThan,
} from '../../data-access/membership.repository.js';
import type { SegmentDb } from '../../data-access/tables.js';
import type { MembershipDecision, segmentCompiler } from '../../domain/decide.js';
import { decideMemberships, toMembershipEvent } from '../../domain/decide.js';
import { cacheEntries } from '../cache-entries.js';
import { SEGMENT_OUTBOX } from '../kafka/profile-changes.handler.js';

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
  cache: MembershipCache;
  membershipTopic: string;
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
        decisions = await exitMembersPage(trx, segment, deps.pageSize, now);
        processed = decisions.length;
        if (decisions.length === 0) {
          if (segment.deleted_at !== null) await trx.deleteFrom('segments').where('id', '=', segment.id).execute();
          return finish('done');
        }
      } else {
        const profiles = await lockProfilesPage(trx, job.cursor, deps.pageSize);
        if (profiles.length === 0) return finish('done');
        const active = deps.compile(segment, { rfmQuintiles: await currentRfmQuintiles(trx) });
        const current = await loadSegmentMemberships(trx, segment.id, profiles.map((p) => p.customerId));
        const at = now.getTime();
        const wanted = profiles.flatMap((p) => {
          const state = current.get(p.customerId);
          return decideMemberships([active], null, { profile: p, at }, new Map(state ? [[segment.id, state]] : []));
        });
        decisions = await compareAndSetMemberships(trx, wanted, now);
        if (active.compiled.timeDependent) {
          const due = profiles.flatMap((p) => {
            const flip = nextFlip(active.compiled, p, at);
            return flip === null ? [] : [{ customerId: p.customerId, at: flip }];
          });
          await scheduleNoLaterThan(trx, due);
        }
        cursor = profiles.at(-1)!.customerId;
        processed = profiles.length;
      }
      await enqueueOutbox(
        trx,
        SEGMENT_OUTBOX,
        decisions.map((d) => ({
          topic: deps.membershipTopic,
          key: d.customerId,
          value: JSON.stringify(
            toMembershipEvent(d, { reason: job.reason, decidedAt: now, causationEventId: null, eventTime: null, profileVersion: null }),
          ),
          headers: { 'content-type': CLOUDEVENTS_CONTENT_TYPE },
        })),
      );
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
    await deps.cache.recordChanges(cacheEntries(outcome.decisions, now), now).catch((err: unknown) => log.warn({ err }, 'membership cache write failed'));
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
