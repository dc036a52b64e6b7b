import type { ProfileState } from '@segflow/contracts';
import type { ActiveSegment, Evaluated, MembershipDecision, MembershipState } from './decide.js';
import { decideMemberships, nextEvaluationAt } from './decide.js';

/** One customer to evaluate at the plan's instant. */
export interface Candidate {
  profile: ProfileState;
  /** The previous evaluation, for explanations; null when there was none. */
  before: Evaluated | null;
  /** The segments to evaluate: those the change can affect, all of them, or one (a backfill). */
  segments: readonly ActiveSegment[];
  /** The customer's stored memberships (absent: never a member). */
  memberships: ReadonlyMap<string, MembershipState>;
  /**
   * A next-evaluation instant stored earlier that still holds for the segments not
   * evaluated now (their flip instants did not move); kept when still ahead.
   */
  scheduled?: number | null;
}

export interface MembershipPlan {
  /** The memberships that flip, to write by compare-and-set. */
  decisions: MembershipDecision[];
  /** Per customer, the earliest instant a membership can flip with time alone (null: never). */
  nextEvaluationAt: Map<string, number | null>;
}

/**
 * Decides, for every candidate at instant `at`, which memberships flip (with their
 * explanations) and when the customer next needs evaluating with no event. Pure: what the
 * Kafka handler, the time scheduler and the backfill runner all plan the same way.
 */
export const planMemberships = (candidates: readonly Candidate[], at: number): MembershipPlan => {
  const decisions: MembershipDecision[] = [];
  const next = new Map<string, number | null>();
  for (const c of candidates) {
    const segments = c.segments as ActiveSegment[];
    decisions.push(...decideMemberships(segments, c.before, { profile: c.profile, at }, c.memberships));
    const flip = nextEvaluationAt(segments, c.profile, at);
    const kept = c.scheduled != null && c.scheduled > at ? c.scheduled : null;
    next.set(c.profile.customerId, flip === null ? kept : kept === null ? flip : Math.min(flip, kept));
  }
  return { decisions, nextEvaluationAt: next };
};
