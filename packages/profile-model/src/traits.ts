import type { ProfileState, TraitsEvent } from '@segflow/contracts';
import { cloneJson } from './records.js';
import { iso, parseIso } from './time.js';

/**
 * Sets one top-level trait field in place when its source (occurredAt `at`, `eventId`)
 * wins over the field's current one: the latest occurredAt, ties broken by the greater
 * eventId.
 */
const offerTrait = (draft: ProfileState, field: string, value: unknown, at: number, eventId: string): void => {
  const current = draft.traitSources[field];
  const currentAt = current ? parseIso(current.at) : -Infinity;
  const wins = !current || at > currentAt || (at === currentAt && eventId > current.eventId);
  if (wins) {
    (draft.traits as Record<string, unknown>)[field] = typeof value === 'object' ? cloneJson(value) : value; // no aliasing of the source
    draft.traitSources[field] = { at: iso(at), eventId };
  }
};

/**
 * Merges a traits event into the profile, in place. Per top-level field (`custom` and
 * `consent` count as one field each), the value from the event with the latest
 * occurredAt wins, ties broken by the greater eventId, so the result does not depend on
 * arrival order.
 */
export const applyTraits = (draft: ProfileState, event: Pick<TraitsEvent, 'eventId' | 'occurredAt' | 'traits'>): void => {
  const at = parseIso(event.occurredAt);
  for (const [field, value] of Object.entries(event.traits)) {
    if (value !== undefined) offerTrait(draft, field, value, at, event.eventId);
  }
};

/**
 * Folds the traits of another profile into the draft, in place, by the same rule: per
 * field, the value whose source event is the latest (ties: greater eventId) wins, as if
 * that profile's traits events had been applied here.
 */
export const mergeTraits = (draft: ProfileState, from: ProfileState): void => {
  const traits = from.traits as Record<string, unknown>;
  for (const [field, source] of Object.entries(from.traitSources)) {
    const value = traits[field];
    if (value !== undefined) offerTrait(draft, field, value, parseIso(source.at), source.eventId);
  }
};
