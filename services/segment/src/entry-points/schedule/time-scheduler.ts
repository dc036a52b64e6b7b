import type { Kysely } from 'kysely';
import { CLOUDEVENTS_CONTENT_TYPE } from '@segflow/contracts';
import { currentRfmQuintiles, enqueueOutbox } from '@segflow/db';
import type { Logger } from '@segflow/observability';
import { startWorkLoop } from '@segflow/service-kit';
import type { MembershipCache } from '../../data-access/membership-cache.js';
import { compareAndSetMemberships, loadMemberships, lockDueProfiles, markEvaluated } from '../../data-access/membership.repository.js';
import { lockEnabledSegments } from '../../data-access/segment.repository.js';
import type { SegmentDb } from '../../data-access/tables.js';
import type { segmentCompiler } from '../../domain/decide.js';
import { decideMemberships, nextEvaluationAt, toMembershipEvent } from '../../domain/decide.js';
import { cacheEntries } from '../cache-entries.js';
import { SEGMENT_OUTBOX } from '../kafka/profile-changes.handler.js';

/**
 * Re-evaluates customers whose memberships can flip with time alone, when they are due.
 * Every evaluation stores the customer's next instant (`next_evaluation_at`), so the
 * scheduler reads only due rows through an index — no scan of all profiles — and the
 * schedule survives restarts. Instances share the work with `SKIP LOCKED`, and
 * compare-and-set memberships make a flip announced once whoever decides it.
 */
export const startTimeScheduler = (deps: {
  db: Kysely<SegmentDb>;
  compile: ReturnType<typeof segmentCompiler>;
  cache: MembershipCache;
  membershipTopic: string;
  batchSize: number;
  pollMs: number;
  now: () => Date;
  log: Logger;
}) => {

  /** Evaluates one batch of due customers; returns how many there were. */
  const runDue = async (): Promise<number> => {
    const now = deps.now();
    const at = now.getTime();
    const outcome = await deps.db.transaction().execute(async (trx) => {
      const env = { rfmQuintiles: await currentRfmQuintiles(trx) };
    const segments = (await lockEnabledSegments(trx)).map((segment) => deps.compile(segment, env));
      const due = await lockDueProfiles(trx, now, deps.batchSize);
      if (due.length === 0) return null;
      const memberships = await loadMemberships(trx, due.map((d) => d.profile.customerId));
      const dueAt = new Map(due.map((d) => [d.profile.customerId, d.dueAt]));
      const decisions = due.flatMap((d) =>
        decideMemberships(segments, d, { profile: d.profile, at }, memberships.get(d.profile.customerId) ?? new Map()),
      );
      const won = await compareAndSetMemberships(trx, decisions, now);
      await enqueueOutbox(
        trx,
        SEGMENT_OUTBOX,
        won.map((decision) => ({
          topic: deps.membershipTopic,
          key: decision.customerId,
          value: JSON.stringify(
            toMembershipEvent(decision, {
              reason: 'time',
              decidedAt: now,
              causationEventId: null,
              // the instant the condition flipped: time − eventTime is the scheduler's delay
              eventTime: new Date(dueAt.get(decision.customerId)!).toISOString(),
              profileVersion: null,
            }),
          ),
          headers: { 'content-type': CLOUDEVENTS_CONTENT_TYPE },
        })),
      );
      await markEvaluated(
        trx,
        due.map((d) => ({ customerId: d.profile.customerId, nextEvaluationAt: nextEvaluationAt(segments, d.profile, at) })),
        now,
      );
      return { count: due.length, won };
    });
    if (!outcome) return 0;
    await deps.cache.recordChanges(cacheEntries(outcome.won, now), now).catch((err: unknown) => deps.log.warn({ err }, 'membership cache write failed'));
    return outcome.count;
  };

  // A full batch means more may be due: go again at once.
  const loop = startWorkLoop({ step: async () => (await runDue()) >= deps.batchSize, idleMs: deps.pollMs, log: deps.log, failure: 'scheduled evaluation failed; retrying' });

  return {
    runDue,
    stop: loop.stop,
  };
};
export type TimeScheduler = ReturnType<typeof startTimeScheduler>;
