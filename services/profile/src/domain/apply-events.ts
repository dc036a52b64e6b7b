import { DEFAULT_SCORING_MODEL } from '@segflow/contracts';
import type { CustomerEvent, IdentifyCustomerEvent, ProfileMerged, ProfileUpdated, ScoringModel } from '@segflow/contracts';
import { DEFAULT_PROFILE_LIMITS, applyEventBatch, emptyProfile, mergeProfiles } from '@segflow/profile-model';
import type { ProfileLimits, ProfileState, ToBaseCurrency } from '@segflow/profile-model';

/** An anonymous id merged into a customer: later events for it count for `mergedInto`. */
export interface Alias {
  customerId: string;
  mergedInto: string;
  /** The version its profile had when it merged (0: it had none), which the store expects to find. */
  version: number;
}

export interface AppliedEvents {
  /** The profiles that changed, to store. */
  changed: ProfileState[];
  /** One `updated` change per changed profile, with the final state. */
  changes: ProfileUpdated[];
  /** The ids this batch merged into another customer, to store as aliases. */
  aliases: Alias[];
  /** One `merged` change per alias that had a profile (the segment service knows only those). */
  merges: ProfileMerged[];
  /** Identify events ignored because their anonymous id was merged into another customer already. */
  conflicts: number;
}

/**
 * Applies new events (in offset order) to the current profiles and returns what changed.
 * `current` holds the profiles of the batch's customers, `aliases` the ids merged into
 * another customer before (id → the id it merged into, possibly an alias itself).
 *
 * An identify event merges the profile of its `anonymousId` (with everything merged into
 * it) into the one `customerId` resolves to, unless both resolve to the same customer
 * already (a repeat: nothing happens) or the anonymous id was merged into another
 * customer before (the first identify wins: nothing happens, counted in `conflicts`).
 * Every other event counts for the customer its id resolves to once the batch's
 * identifies are taken in, which gives the same profiles as applying it to the
 * anonymous profile first and merging that after, since a merge is the union of both
 * histories (mergeProfiles).
 *
 * An eventId seen twice in `events` applies once (the reducer itself does not
 * deduplicate; across batches the caller's `processed_events` claim does).
 * `scoring` and `limits` default to the built-in model (no rules) and limits.
 */
export const applyEvents = (
  current: ReadonlyMap<string, ProfileState>,
  events: CustomerEvent[],
  context: { now: Date; toBase: ToBaseCurrency; scoring?: ScoringModel; limits?: ProfileLimits },
  aliases: ReadonlyMap<string, string> = new Map(),
): AppliedEvents => {
  const applyContext = {
    now: context.now,
    toBase: context.toBase,
    scoring: context.scoring ?? DEFAULT_SCORING_MODEL,
    limits: context.limits ?? DEFAULT_PROFILE_LIMITS,
  };
  const links = new Map(aliases);
  const resolve = (id: string): string => {
    const path = new Set<string>();
    let at = id;
    while (links.has(at) && !path.has(at)) {
      path.add(at);
      at = links.get(at)!;
    }
    return at;
  };

  const seen = new Set<string>();
  const activity: CustomerEvent[] = [];
  const identified: IdentifyCustomerEvent[] = [];
  let conflicts = 0;
  for (const event of events) {
    if (seen.has(event.eventId)) continue;
    seen.add(event.eventId);
    if (event.type !== 'identify') {
      activity.push(event);
      continue;
    }
    const from = resolve(event.anonymousId);
    const into = resolve(event.customerId);
    if (from === into) continue;
    if (from !== event.anonymousId) {
      conflicts += 1;
      continue;
    }
    links.set(from, into);
    identified.push(event);
  }

  // Every merge and event goes straight to the customer its id resolves to at the end of
  // the batch: a chain a → b → c in one batch merges a and b into c.
  const states = new Map<string, ProfileState>();
  const stateOf = (id: string) => states.get(id) ?? current.get(id) ?? emptyProfile(id, context.now);
  const causes = new Map<string, { event: CustomerEvent; merged: boolean }>();
  const merges: ProfileMerged[] = [];
  for (const event of identified) {
    const target = resolve(event.anonymousId);
    const source = current.get(event.anonymousId);
    if (!source || source.version === 0) continue; // nothing known under it yet: only the alias
    states.set(target, mergeProfiles(stateOf(target), source, applyContext));
    causes.set(target, { event, merged: true });
    merges.push({
      kind: 'merged',
      customerId: event.anonymousId,
      into: target,
      mergedAt: context.now.toISOString(),
      causationEventId: event.eventId,
      eventTime: event.occurredAt,
    });
  }

  const byCustomer = new Map<string, CustomerEvent[]>();
  for (const event of activity) {
    const target = resolve(event.customerId);
    const list = byCustomer.get(target);
    if (list) list.push(event);
    else byCustomer.set(target, [event]);
  }
  for (const [customerId, batch] of byCustomer) {
    const { state, rejected } = applyEventBatch(stateOf(customerId), batch, applyContext);
    // triage refused unconvertible purchases before; a failure here is a bug, not bad input
    if (rejected.length > 0) throw new Error(`cannot apply ${rejected[0]!.eventId}: ${rejected[0]!.reason}`);
    states.set(customerId, state);
    // A merge names the identify as its cause: the memberships it flips carry reason `merged`.
    if (!causes.get(customerId)?.merged) causes.set(customerId, { event: batch[batch.length - 1]!, merged: false });
  }

  const changed = [...states.values()];
  const changes = changed.map((state): ProfileUpdated => {
    const cause = causes.get(state.customerId)!;
    return {
      kind: 'updated',
      customerId: state.customerId,
      version: state.version,
      profile: state,
      causationEventId: cause.event.eventId,
      eventTime: cause.event.occurredAt,
      receivedAt: cause.event.receivedAt,
      ...(cause.merged ? { reason: 'merged' as const } : {}),
    };
  });
  return {
    changed,
    changes,
    aliases: identified.map((e) => ({ customerId: e.anonymousId, mergedInto: resolve(e.anonymousId), version: current.get(e.anonymousId)?.version ?? 0 })),
    merges,
    conflicts,
  };
};
