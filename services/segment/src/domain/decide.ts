import { membershipEventId } from '@segflow/contracts';
import type { Experiment, ExplanationItem, MembershipEvent, MembershipReason, ProfileState, Rule } from '@segflow/contracts';
import { changedSources, compileRule, explainChange, fieldSources, nextFlip } from '@segflow/rules';
import type { RuleEnvironment } from '@segflow/rules';
import type { CompiledRule } from '@segflow/rules';
import type { LifecycleConfig } from '@segflow/profile-model';
import { assignGroup } from './experiment.js';

export interface ActiveSegment {
  id: string;
  name: string;
  version: number;
  compiled: CompiledRule;
  /** The profile parts the rule reads (see fieldSources); '*' means all. */
  sources: ReadonlySet<string>;
  /** The A/B test among its members, if any: an entry gets its group from it. */
  experiment: Experiment | null;
}

/** A customer's current state in one segment; absent means never a member (seq 0). */
export interface MembershipState {
  isMember: boolean;
  seq: bigint;
  /** The A/B group the member got at entry (null: none); unknown where not read. */
  group?: string | null;
  /** For a member: when the stay began (epoch ms), and its responses so far (see planResponses). */
  enteredAt?: number | null;
  purchased?: boolean;
  opened?: readonly string[];
}

/** A membership change to write by compare-and-set: valid only if the stored seq is still `fromSeq`. */
export interface MembershipDecision {
  customerId: string;
  segment: Pick<ActiveSegment, 'id' | 'name' | 'version'>;
  isMember: boolean;
  fromSeq: bigint;
  /** fromSeq + 1; a new history's first sequence is the one the write assigns (see compareAndSetMemberships). */
  seq: bigint;
  explanation: ExplanationItem[];
  /** The member's A/B group: assigned on entry, the one it had on exit; null without an experiment. */
  group: string | null;
}

/** Compiles a rule with the deployment's lifecycle thresholds (the defaults when not given). */
export const compileWithSettings = (rule: Rule, env: RuleEnvironment, lifecycle?: LifecycleConfig): CompiledRule =>
  compileRule(rule, lifecycle ? { ...env, lifecycle } : env);

/**
 * Compiles segment definitions, reusing the compiled form while a segment's version (and
 * the RFM quintiles its rule scores against) is unchanged. `lifecycle` holds the
 * deployment's lifecycle thresholds (the defaults when not given).
 */
export const segmentCompiler = (lifecycle?: LifecycleConfig) => {
  const cache = new Map<string, CompiledRule>();
  let quintilesStamp = '';
  return (segment: { id: string; name: string; version: number; rule: Rule; experiment?: Experiment | null }, env: RuleEnvironment = { rfmQuintiles: null }): ActiveSegment => {
    const stamp = JSON.stringify(env.rfmQuintiles);
    if (stamp !== quintilesStamp) {
      cache.clear(); // new quintiles: rules reading rfm.* must score against them
      quintilesStamp = stamp;
    }
    const key = `${segment.id}@${segment.version}`;
    let compiled = cache.get(key);
    if (!compiled) {
      compiled = compileWithSettings(segment.rule, env, lifecycle);
      cache.set(key, compiled);
    }
    const sources = new Set([...compiled.fields].flatMap(fieldSources));
    return { id: segment.id, name: segment.name, version: segment.version, compiled, sources, experiment: segment.experiment ?? null };
  };
};

/**
 * The dependency index: which segments a profile change can affect. A segment whose
 * sources the change did not touch keeps its result (time-driven flips are the
 * scheduler's), so the cost per event grows with the segments that read what changed,
 * not with all segments.
 */
export const segmentIndex = (segments: ActiveSegment[]) => {
  const bySource = new Map<string, ActiveSegment[]>();
  for (const segment of segments) {
    for (const source of segment.sources) bySource.set(source, [...(bySource.get(source) ?? []), segment]);
  }
  const readAll = bySource.get('*') ?? [];
  return {
    all: segments,
    affectedBy: (before: ProfileState | null, after: ProfileState): ActiveSegment[] => {
      const changed = changedSources(before, after);
      if (changed.has('*')) return segments;
      const hit = new Set<ActiveSegment>(readAll);
      for (const source of changed) for (const segment of bySource.get(source) ?? []) hit.add(segment);
      return segments.filter((s) => hit.has(s));
    },
  };
};

/** A profile as evaluated at an instant (epoch ms). */
export interface Evaluated {
  profile: ProfileState;
  at: number;
}

/**
 * Evaluates `segments` against a customer's profile at `after.at` and returns the
 * memberships that flip, each explained by the conditions whose result changed since
 * the previous evaluation (`before`, null when there was none).
 */
export const decideMemberships = (
  segments: ActiveSegment[],
  before: Evaluated | null,
  after: Evaluated,
  current: ReadonlyMap<string, MembershipState>,
): MembershipDecision[] =>
  segments.flatMap((segment) => {
    const state = current.get(segment.id) ?? { isMember: false, seq: 0n };
    const isMember = segment.compiled.matches(after.profile, after.at);
    if (isMember === state.isMember) return [];
    return [
      {
        customerId: after.profile.customerId,
        segment: { id: segment.id, name: segment.name, version: segment.version },
        isMember,
        fromSeq: state.seq,
        seq: state.seq + 1n,
        explanation: explainChange(segment.compiled, before, after),
        group: isMember ? (segment.experiment ? assignGroup(segment.experiment, after.profile.customerId) : null) : (state.group ?? null),
      },
    ];
  });

/**
 * When the customer next needs evaluating with no event: the earliest instant any of
 * the segments' results can flip with time alone (null: never).
 */
export const nextEvaluationAt = (segments: ActiveSegment[], profile: ProfileState, now: number): number | null => {
  const flips = segments.map((s) => nextFlip(s.compiled, profile, now)).filter((t): t is number => t !== null);
  return flips.length === 0 ? null : Math.min(...flips);
};

/**
 * The CloudEvent announcing a decision; its id is deterministic in (segment, customer, seq),
 * its `source` and `dataschema` are the deployment's (see membershipEventOrigin).
 */
export const toMembershipEvent = (
  decision: MembershipDecision,
  context: {
    origin: { source: string; dataschema: string };
    reason: MembershipReason;
    decidedAt: Date;
    causationEventId: string | null;
    eventTime: string | null;
    profileVersion: number | null;
  },
): MembershipEvent => ({
  specversion: '1.0',
  id: membershipEventId(decision.segment.id, decision.customerId, decision.seq),
  source: context.origin.source,
  type: decision.isMember ? 'segflow.segment.entered' : 'segflow.segment.exited',
  subject: decision.customerId,
  time: context.decidedAt.toISOString(),
  datacontenttype: 'application/json',
  dataschema: context.origin.dataschema,
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
    ...(decision.group === null ? {} : { group: decision.group }),
  },
});
