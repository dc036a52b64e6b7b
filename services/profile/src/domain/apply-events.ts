import { DEFAULT_SCORING_MODEL } from '@segflow/contracts';
import type { CustomerEvent, ProfileUpdated, ScoringModel } from '@segflow/contracts';
import { DEFAULT_PROFILE_LIMITS, applyEventBatch, emptyProfile } from '@segflow/profile-model';
import type { ProfileLimits, ProfileState, ToBaseCurrency } from '@segflow/profile-model';

/**
 * Applies new events (in offset order) to the current profiles and returns the
 * profiles that changed with one change message each, carrying the final state.
 * An eventId seen twice in `events` applies once (the reducer itself does not
 * deduplicate; across batches the caller's `processed_events` claim does).
 * `scoring` and `limits` default to the built-in model (no rules) and limits.
 */
export const applyEvents = (
  current: ReadonlyMap<string, ProfileState>,
  events: CustomerEvent[],
  context: { now: Date; toBase: ToBaseCurrency; scoring?: ScoringModel; limits?: ProfileLimits },
): { changed: ProfileState[]; changes: ProfileUpdated[] } => {
  const applyContext = {
    now: context.now,
    toBase: context.toBase,
    scoring: context.scoring ?? DEFAULT_SCORING_MODEL,
    limits: context.limits ?? DEFAULT_PROFILE_LIMITS,
  };
  const seen = new Set<string>();
  const byCustomer = new Map<string, CustomerEvent[]>();
  for (const event of events) {
    if (seen.has(event.eventId)) continue;
    seen.add(event.eventId);
    const list = byCustomer.get(event.customerId);
    if (list) list.push(event);
    else byCustomer.set(event.customerId, [event]);
  }
  const changed: ProfileState[] = [];
  const changes: ProfileUpdated[] = [];
  for (const [customerId, batch] of byCustomer) {
    const before = current.get(customerId) ?? emptyProfile(customerId, context.now);
    const { state, rejected } = applyEventBatch(before, batch, applyContext);
    // triage refused unconvertible purchases before; a failure here is a bug, not bad input
    if (rejected.length > 0) throw new Error(`cannot apply ${rejected[0]!.eventId}: ${rejected[0]!.reason}`);
    const cause = batch[batch.length - 1]!;
    changed.push(state);
    changes.push({
      kind: 'updated',
      customerId,
      version: state.version,
      profile: state,
      causationEventId: cause.eventId,
      eventTime: cause.occurredAt,
      receivedAt: cause.receivedAt,
    });
  }
  return { changed, changes };
};
