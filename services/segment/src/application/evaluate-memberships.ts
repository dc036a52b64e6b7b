import { CLOUDEVENTS_CONTENT_TYPE, membershipEventOrigin, RECEIVED_AT_HEADER } from '@segflow/contracts';
import type { MembershipReason } from '@segflow/contracts';
import { enqueueOutbox } from '@segflow/db';
import type { LeasedRow, OutboxLease } from '@segflow/db';
import type { Transaction } from 'kysely';
import type { Logger } from '@segflow/observability';
import type { MembershipCache } from '../data-access/membership-cache.js';
import { compareAndSetMemberships, loadMemberships } from '../data-access/membership.repository.js';
import { recordResponses } from '../data-access/results.repository.js';
import type { SegmentDb } from '../data-access/tables.js';
import type { MembershipDecision, MembershipState } from '../domain/decide.js';
import { toMembershipEvent } from '../domain/decide.js';
import type { Candidate } from '../domain/plan-memberships.js';
import { planMemberships } from '../domain/plan-memberships.js';
import { planResponses } from '../domain/results.js';
import { cacheEntries } from './cache-entries.js';

export const SEGMENT_OUTBOX = 'segment';

/** What caused a customer's changes, as the CloudEvents tell it. */
export interface MembershipCause {
  causationEventId: string | null;
  /** The causing event's time (or the instant a time condition flipped). */
  eventTime: string | null;
  profileVersion: number | null;
  /** When segflow received the cause (not announced: it times the pipeline, see observeEventToSegment). */
  receivedAt?: string;
}

const NO_CAUSE: MembershipCause = { causationEventId: null, eventTime: null, profileVersion: null };

export interface Evaluation {
  customers: (Omit<Candidate, 'memberships'> & { cause?: MembershipCause })[];
  reason: MembershipReason;
  now: Date;
  /** Announce under this lease, for the caller to publish right after commit (see enqueueOutbox); else the relay publishes. */
  lease?: OutboxLease | null;
  /** Reads the stored memberships to compare with; all of the customers' segments by default. */
  memberships?: (trx: Transaction<SegmentDb>, customerIds: string[]) => Promise<Map<string, Map<string, MembershipState>>>;
}

export interface EvaluationOutcome {
  /** The decisions that won their compare-and-set, announced in the outbox. */
  won: MembershipDecision[];
  nextEvaluationAt: Map<string, number | null>;
  /** The announcements leased to the caller (see Evaluation.lease). */
  leased: LeasedRow[];
}

/**
 * The one flow of membership decisions in the segment service, inside the caller's
 * transaction (whose row locks make each customer decided by one writer at a time): read
 * the stored memberships, count the purchases and opens of current members in their
 * segments' results, plan (pure), compare-and-set, and announce what won as
 * CloudEvents in the outbox. `afterCommit` then updates the read model. Drivers (the
 * profile-change consumer, the time scheduler, the backfill runner) only choose whom to
 * evaluate against which segments, and store the next-evaluation instants their way.
 */
export const membershipDecisions = (deps: { membershipTopic: string; publicUrl: string; cache: MembershipCache; log: Logger }) => {
  const origin = membershipEventOrigin(deps.publicUrl);
  const announce = async (
    trx: Transaction<SegmentDb>,
    decisions: MembershipDecision[],
    reason: MembershipReason,
    now: Date,
    causeOf: (customerId: string) => MembershipCause = () => NO_CAUSE,
    lease: OutboxLease | null = null,
  ): Promise<LeasedRow[]> =>
    enqueueOutbox(
      trx,
      SEGMENT_OUTBOX,
      decisions.map((decision) => {
        const { receivedAt, ...cause } = causeOf(decision.customerId);
        return {
          topic: deps.membershipTopic,
          key: decision.customerId,
          value: JSON.stringify(toMembershipEvent(decision, { origin, reason, decidedAt: now, ...cause })),
          headers: { 'content-type': CLOUDEVENTS_CONTENT_TYPE, ...(receivedAt ? { [RECEIVED_AT_HEADER]: receivedAt } : {}) },
        };
      }),
      lease,
    );

  const evaluate = async (trx: Transaction<SegmentDb>, evaluation: Evaluation): Promise<EvaluationOutcome> => {
    const { customers, reason, now } = evaluation;
    const ids = customers.map((c) => c.profile.customerId);
    const stored = await (evaluation.memberships ?? loadMemberships)(trx, ids);
    // Purchases and opens count for the stays they happen in: only events carry them (a
    // merge folds in history from before, the scheduler and backfills change no profile).
    if (reason === 'event') {
      await recordResponses(trx, planResponses(customers.map((c) => ({ before: c.before?.profile ?? null, after: c.profile })), stored));
    }
    const plan = planMemberships(
      customers.map((c) => ({ ...c, memberships: stored.get(c.profile.customerId) ?? new Map() })),
      now.getTime(),
    );
    const won = await compareAndSetMemberships(trx, plan.decisions, now, reason);
    const causes = new Map(customers.map((c) => [c.profile.customerId, c.cause ?? NO_CAUSE]));
    const leased = await announce(trx, won, reason, now, (id) => causes.get(id) ?? NO_CAUSE, evaluation.lease ?? null);
    return { won, nextEvaluationAt: plan.nextEvaluationAt, leased };
  };

  /** Writes committed decisions to the read model; best effort, since reads fall back to Postgres. */
  const afterCommit = async (won: MembershipDecision[], now: Date, options: { forget?: string[]; touched?: string[] } = {}) => {
    const entries = cacheEntries(won, now);
    for (const id of options.touched ?? []) if (!entries.has(id)) entries.set(id, []);
    if (options.forget && options.forget.length > 0) {
      await deps.cache.forget(options.forget).catch((err: unknown) => deps.log.warn({ err }, 'membership cache erase failed'));
    }
    await deps.cache.recordChanges(entries, now).catch((err: unknown) => deps.log.warn({ err }, 'membership cache write failed'));
  };

  return { evaluate, announce, afterCommit };
};
export type MembershipDecisions = ReturnType<typeof membershipDecisions>;
