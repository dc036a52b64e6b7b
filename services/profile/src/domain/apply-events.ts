import type { CustomerEvent, ProfileUpdated } from '@segflow/contracts';
import { applyEvent, emptyProfile } from '@segflow/profile-model';
import type { ProfileState, ToBaseCurrency } from '@segflow/profile-model';

/**
 * Applies new events (in offset order) to the current profiles and returns the
 * profiles that changed with one change message each, carrying the final snapshot.
 */
export const applyEvents = (
  current: ReadonlyMap<string, ProfileState>,
  events: CustomerEvent[],
  context: { now: Date; toBase: ToBaseCurrency },
): { changed: ProfileState[]; changes: ProfileUpdated[] } => {
  const states = new Map(current);
  const lastEvent = new Map<string, CustomerEvent>();
  for (const event of events) {
    const state = states.get(event.customerId) ?? emptyProfile(event.customerId, context.now);
    const result = applyEvent(state, event, context);
    // triage refused unconvertible purchases before; a failure here is a bug, not bad input
    if (!result.ok) throw new Error(`cannot apply ${event.eventId}: ${result.reason}`);
    states.set(event.customerId, result.state);
    lastEvent.set(event.customerId, event);
  }
  const changed = [...lastEvent.keys()].map((id) => states.get(id)!);
  const changes = changed.map((state): ProfileUpdated => {
    const cause = lastEvent.get(state.snapshot.customerId)!;
    return {
      kind: 'updated',
      customerId: state.snapshot.customerId,
      version: state.snapshot.version,
      profile: state.snapshot,
      causationEventId: cause.eventId,
      eventTime: cause.occurredAt,
    };
  });
  return { changed, changes };
};
