import type { ProfileState, TraitsEvent } from '@segflow/contracts';
import { iso, parseIso } from './time.js';

/**
 * Merges a traits event into the profile, in place. Per top-level field (`custom` and
 * `consent` count as one field each), the value from the event with the latest
 * occurredAt wins, ties broken by the greater eventId, so the result does not depend on
 * arrival order.
 */
export const applyTraits = (draft: ProfileState, event: Pick<TraitsEvent, 'eventId' | 'occurredAt' | 'traits'>): void => {
  const at = parseIso(event.occurredAt);
  const traits = draft.traits as Record<string, unknown>;
  for (const [field, value] of Object.entries(event.traits)) {
    if (value === undefined) continue;
    const current = draft.traitSources[field];
    const currentAt = current ? parseIso(current.at) : -Infinity;
    const wins = !current || at > currentAt || (at === currentAt && event.eventId > current.eventId);
    if (wins) {
      traits[field] = typeof value === 'object' ? structuredClone(value) : value; // no aliasing of the event
      draft.traitSources[field] = { at: iso(at), eventId: event.eventId };
    }
  }
};
