import type { Kysely } from 'kysely';
import { currentRfmQuintiles } from '@segflow/db';
import type { OutboxPublisher } from '@segflow/db';
import type { Logger } from '@segflow/observability';
import { startWorkLoop } from '@segflow/service-kit';
import type { MembershipDecisions } from '../../application/evaluate-memberships.js';
import { lockDueProfiles, markEvaluated } from '../../data-access/membership.repository.js';
import { lockEnabledSegments } from '../../data-access/segment.repository.js';
import type { SegmentDb } from '../../data-access/tables.js';
import type { segmentCompiler } from '../../domain/decide.js';

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
  decisions: MembershipDecisions;
  batchSize: number;
  pollMs: number;
  now: () => Date;
  log: Logger;
  /** The segment outbox's relay: flips are published right after commit under its lease (else by the relay). */
  outbox?: OutboxPublisher;
}) => {
  /** Evaluates one batch of due customers; returns how many there were. */
  const runDue = async (): Promise<number> => {
    const now = deps.now();
    const outcome = await deps.db.transaction().execute(async (trx) => {
      const env = { rfmQuintiles: await currentRfmQuintiles(trx) };
      const segments = (await lockEnabledSegments(trx)).map((segment) => deps.compile(segment, env));
      const due = await lockDueProfiles(trx, now, deps.batchSize);
      if (due.length === 0) return null;
      const { won, nextEvaluationAt, leased } = await deps.decisions.evaluate(trx, {
        reason: 'time',
        now,
        lease: deps.outbox?.lease() ?? null,
        customers: due.map((d) => ({
          profile: d.profile,
          before: d,
          segments,
          // the instant the condition flipped: time − eventTime is the scheduler's delay
          cause: { causationEventId: null, eventTime: new Date(d.dueAt).toISOString(), profileVersion: null, receivedAt: new Date(d.dueAt).toISOString() },
        })),
      });
      await markEvaluated(trx, due.map((d) => ({ customerId: d.profile.customerId, nextEvaluationAt: nextEvaluationAt.get(d.profile.customerId) ?? null })), now);
      return { count: due.length, won, leased };
    });
    if (!outcome) return 0;
    await deps.outbox?.publishLeased(outcome.leased);
    await deps.decisions.afterCommit(outcome.won, now);
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
