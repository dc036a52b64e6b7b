import { membershipEventId } from '@segflow/contracts';
import type { ExplanationItem, MembershipEvent, MembershipReason, ProfileSnapshot, Rule } from '@segflow/contracts';
import { compileRule, explainChange } from '@segflow/rules';
import type { CompiledRule } from '@segflow/rules';

export interface ActiveSegment {
  id: string;
  name: string;
  version: number;
  compiled: CompiledRule;
}

/** A customer's current state in one segment; absent means never a member (seq 0). */
export interface MembershipState {
  isMember: boolean;
  seq: bigint;
}

/** A membership change to write by compare-and-set: valid only if the stored seq is still `fromSeq`. */
export interface MembershipDecision {
  customerId: string;
  segment: Pick<ActiveSegment, 'id' | 'name' | 'version'>;
  isMember: boolean;
  fromSeq: bigint;
  seq: bigint;
  explanation: ExplanationItem[];
}

/** Compiles segment definitions, reusing the compiled form while a segment's version is unchanged. */
export const segmentCompiler = () => {
  const cache = new Map<string, CompiledRule>();
  return (segment: { id: string; name: string; version: number; rule: Rule }): ActiveSegment => {
    const key = `${segment.id}@${segment.version}`;
    let compiled = cache.get(key);
    if (!compiled) {
      compiled = compileRule(segment.rule);
      cache.set(key, compiled);
    }
    return { id: segment.id, name: segment.name, version: segment.version, compiled };
  };
};

/**
 * Evaluates `segments` against a customer's new profile and returns the memberships
 * that flip, each explained by the conditions whose result changed since `before`.
 */
export const decideMemberships = (
  segments: ActiveSegment[],
  before: ProfileSnapshot | null,
  after: ProfileSnapshot,
  current: ReadonlyMap<string, MembershipState>,
): MembershipDecision[] =>
  segments.flatMap((segment) => {
    const state = current.get(segment.id) ?? { isMember: false, seq: 0n };
    const isMember = segment.compiled.matches(after);
    if (isMember === state.isMember) return [];
    return [
      {
        customerId: after.customerId,
        segment: { id: segment.id, name: segment.name, version: segment.version },
        isMember,
        fromSeq: state.seq,
        seq: state.seq + 1n,
        explanation: explainChange(segment.compiled, before, after),
      },
    ];
  });

/** The CloudEvent announcing a decision; its id is deterministic in (segment, customer, seq). */
export const toMembershipEvent = (
  decision: MembershipDecision,
  context: {
    reason: MembershipReason;
    decidedAt: Date;
    causationEventId: string | null;
    eventTime: string | null;
    profileVersion: number | null;
  },
): MembershipEvent => ({
  specversion: '1.0',
  id: membershipEventId(decision.segment.id, decision.customerId, decision.seq),
  source: 'segflow/segment',
  type: decision.isMember ? 'segflow.segment.entered' : 'segflow.segment.exited',
  subject: decision.customerId,
  time: context.decidedAt.toISOString(),
  datacontenttype: 'application/json',
  data: {
    customerId: decision.customerId,
    segmentId: decision.segment.id,
    segmentVersion: decision.segment.version,
    segmentName: decision.segment.name,
    reason: context.reason,
    causationEventId: context.causationEventId,
    eventTime: context.eventTime,
    profileVersion: context.profileVersion,
    explanation: decision.explanation,
  },
});
