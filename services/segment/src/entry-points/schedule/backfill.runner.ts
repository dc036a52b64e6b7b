import type { Kysely } from 'kysely';
import { currentRfmQuintiles } from '@segflow/db';
import type { LeasedRow, OutboxPublisher } from '@segflow/db';
import type { Logger } from '@segflow/observability';
import { advanceJob, advanceJobFrom, claimRunningJob, readRunningJob } from '../../data-access/backfill.repository.js';
import { forgetSegmentCounters } from '../../data-access/history.repository.js';
import type { MembershipDecisions } from '../../application/evaluate-memberships.js';
import { startWorkLoop } from '@segflow/service-kit';
import {
  exitMembersPage,
  loadSegmentMembershipsInRange,
  lockProfilesPage,
  scheduleNoLaterThan,
} from '../../data-access/membership.repository.js';
import type { SegmentDb } from '../../data-access/tables.js';
import type { MembershipDecision, segmentCompiler } from '../../domain/decide.js';

/** Where the page after one still in flight starts. */
interface Successor {
  jobId: bigint;
  cursor: string;
}
/** … and the page before it, settled (committed, rolled back or failed). */
type After = Successor & { settled: Promise<unknown> };

/** The page before this one rolled back, or its job ended: this one is undone too. */
class PageOrphaned extends Error {
  constructor() {
    super('the backfill page before this one did not commit; this one rolled back');
  }
}

/**
 * Re-evaluates every stored profile against a segment's new definition, a page per
 * transaction, alongside live traffic: each page row-locks its profiles in customer
 * order (as live batches do), so a customer is decided by one of them at a time, and
 * memberships change by compare-and-set, so nothing is lost or announced twice. The
 * cursor moves in the page's transaction: after a crash the job resumes where it was.
 * Several instances may run it; `SKIP LOCKED` gives each page to one of them. Within an
 * instance two pages are in flight: the next starts once the one before has read its
 * profiles, and commits only after it (see runOnePage). With an outbox publisher, a page's
 * membership events are leased to this process and published by it after commit, one page
 * at a time in page order, while the pages after it go on (the relay takes them if this
 * process dies first).
 */
export const startBackfillRunner = (deps: {
  db: Kysely<SegmentDb>;
  compile: ReturnType<typeof segmentCompiler>;
  decisions: MembershipDecisions;
  pageSize: number;
  idlePollMs: number;
  now: () => Date;
  log: Logger;
  outbox?: OutboxPublisher;
}) => {
  const { db, log } = deps;
  let stopping = false;

  // The publication of the last committed page's events. A page that commits waits for the
  // one before it to be out first: publishing never falls more than a page behind.
  let published: Promise<void> = Promise.resolve();
  const publishAfter = async (rows: LeasedRow[]): Promise<void> => {
    const before = published;
    published = before.then(() => deps.outbox?.publishLeased(rows)); // never rejects
    await before;
  };

  /**
   * One page of a running job, in its own transaction. Without `after`, of the oldest
   * running job no other runner holds (its row locked for the page). With `after`, the
   * page right after one still in flight: it reads the job without a lock, waits for that
   * page to settle, and moves the cursor on only if it committed where this one starts
   * (advanceJobFrom), else rolls back. `onRead` learns, as soon as the page's profiles are
   * read and locked, where the next page starts (null: no page follows this one here).
   */
  const runOnePage = async (after: After | null, onRead: (next: Successor | null) => void): Promise<boolean> => {
    const now = deps.now();
    const outcome = await db.transaction().execute(async (trx) => {
      const job = after === null ? await claimRunningJob(trx) : await readRunningJob(trx, after.jobId);
      if (!job) return null;
      const segmentRow = trx.selectFrom('segments').selectAll().where('id', '=', job.segment_id);
      // The page that follows takes no lock on the segment: it would wait on the job's row
      // with it held, while a change of the segment holds that row and waits for this one.
      const segment = await (after === null ? segmentRow.forShare() : segmentRow).executeTakeFirst();
      const finish = async (state: 'done' | 'superseded') => {
        if (after !== null) return null; // left to the next page that claims the job
        await advanceJob(trx, job.id, { cursor: job.cursor, processed: 0, entered: 0, exited: 0, done: true, state });
        return { decisions: [] as MembershipDecision[], leased: [] as LeasedRow[] };
      };
      if (!segment || segment.version !== job.segment_version) return finish('superseded');

      let decisions: MembershipDecision[];
      let leased: LeasedRow[] = [];
      let cursor = after?.cursor ?? job.cursor;
      let processed: number;
      if (segment.deleted_at !== null || !segment.enabled) {
        // Deleted or disabled: every member exits, a page at a time (by the page that holds the job).
        if (after !== null) return null;
        decisions = await exitMembersPage(trx, segment, deps.pageSize, now, job.reason);
        leased = await deps.decisions.announce(trx, decisions, job.reason, now, undefined, deps.outbox?.lease() ?? null);
        processed = decisions.length;
        if (decisions.length === 0) {
          if (segment.deleted_at !== null) {
            await trx.deleteFrom('segments').where('id', '=', segment.id).execute();
            await forgetSegmentCounters(trx, segment.id);
          }
          return finish('done');
        }
      } else {
        const profiles = await lockProfilesPage(trx, cursor, deps.pageSize);
        if (profiles.length === 0) return finish('done');
        const first = cursor; // the page holds every profile after it, up to `last`
        const last = profiles.at(-1)!.customerId;
        onRead(profiles.length === deps.pageSize ? { jobId: job.id, cursor: last } : null);
        const active = deps.compile(segment, { rfmQuintiles: await currentRfmQuintiles(trx) });
        const { won, nextEvaluationAt, leased: toPublish } = await deps.decisions.evaluate(trx, {
          reason: job.reason,
          now,
          lease: deps.outbox?.lease() ?? null,
          customers: profiles.map((profile) => ({ profile, before: null, segments: [active] })),
          // Only this segment's memberships matter: the others are not being re-decided.
          memberships: async (t) => {
            const stored = await loadSegmentMembershipsInRange(t, segment.id, first, last);
            return new Map([...stored].map(([id, state]) => [id, new Map([[segment.id, state]])]));
          },
        });
        decisions = won;
        leased = toPublish;
        // This segment may flip before the customer's stored instant: bring that forward.
        await scheduleNoLaterThan(
          trx,
          [...nextEvaluationAt].flatMap(([customerId, at]) => (at === null ? [] : [{ customerId, at }])),
        );
        cursor = last;
        processed = profiles.length;
      }
      const progress = { processed, entered: decisions.filter((d) => d.isMember).length, exited: decisions.filter((d) => !d.isMember).length };
      if (after === null) await advanceJob(trx, job.id, { cursor, ...progress, done: false });
      else {
        await after.settled;
        // The page before did not commit where this one starts (or the job ended): undo this one.
        if (!(await advanceJobFrom(trx, job.id, after.cursor, { cursor: cursor!, ...progress }))) throw new PageOrphaned();
      }
      return { decisions, leased };
    });
    if (!outcome) return false;
    await publishAfter(outcome.leased);
    await deps.decisions.afterCommit(outcome.decisions, now);
    return true;
  };

  /**
   * Runs pages of the oldest running job, two at a time: the next page starts once the
   * one before has read its profiles, so that evaluating one overlaps the other's
   * statements. False when there was nothing to do.
   */
  const runPage = async (): Promise<boolean> => {
    const start = (after: After | null) => {
      let announce!: (next: Successor | null) => void;
      const read = new Promise<Successor | null>((resolve) => (announce = resolve));
      const done = runOnePage(after, announce).finally(() => announce(null));
      return { read, done };
    };
    const orphanedAsNothing = (error: unknown) => (error instanceof PageOrphaned ? false : Promise.reject(error));
    let current = start(null);
    let didWork = false;
    for (;;) {
      const successor = stopping ? null : await current.read;
      // Started only once the page before `current` has settled: two pages in flight at most.
      const next = successor === null || stopping ? null : start({ ...successor, settled: current.done.catch(() => undefined) });
      let did: boolean;
      try {
        did = await current.done;
      } catch (error) {
        // The page in flight after a failed one rolls itself back: wait for it, then report.
        await next?.done.catch(() => false);
        throw error;
      }
      didWork ||= did;
      if (next === null) return didWork;
      if (!did) {
        // This page was undone or found the job over: so is the one after it.
        await next.done.catch(() => false);
        return didWork;
      }
      current = { read: next.read, done: next.done.catch(orphanedAsNothing) };
    }
  };

  const loop = startWorkLoop({ step: runPage, idleMs: deps.idlePollMs, log, failure: 'backfill page failed; retrying' });

  return {
    runPage,
    /** Starts looking for work now rather than at the next poll. */
    wake: loop.wake,
    /** Stops once the pages in flight have committed or rolled back. */
    stop: async () => {
      stopping = true;
      await loop.stop();
      await published;
    },
  };
};
export type BackfillRunner = ReturnType<typeof startBackfillRunner>;
