import type { CachedMembership } from '../data-access/membership-cache.js';
import type { MembershipDecision } from '../domain/decide.js';

/** Groups committed decisions by customer, in the shape the read model stores. */
export const cacheEntries = (decisions: MembershipDecision[], decidedAt: Date): Map<string, CachedMembership[]> => {
  const entries = new Map<string, CachedMembership[]>();
  for (const d of decisions) {
    const list = entries.get(d.customerId) ?? [];
    list.push({ segmentId: d.segment.id, isMember: d.isMember, seq: d.seq, enteredAt: d.isMember ? decidedAt.toISOString() : null, group: d.group });
    entries.set(d.customerId, list);
  }
  return entries;
};
