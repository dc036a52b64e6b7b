import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ProfileState } from '@segflow/contracts';
import { emptyProfile } from '@segflow/profile-model';
import { nextFlip } from '@segflow/rules';
import { segmentCompiler } from './decide.js';
import type { MembershipState } from './decide.js';
import { planMemberships } from './plan-memberships.js';

const now = Date.parse('2026-11-23T10:00:00Z');
const DAY = 86_400_000;
const compile = segmentCompiler();
const buyers = compile({ id: 'buyers', name: 'Buyers', version: 1, rule: { field: 'purchase.count', op: 'gte', value: 2 } });
const recent = compile({ id: 'recent', name: 'Recent', version: 1, rule: { field: 'purchase.lastAt', op: 'withinLast', value: '7d' } });
const profile = (id: string, purchases: number, lastDaysAgo: number | null): ProfileState => {
  const base = emptyProfile(id, now - 30 * DAY);
  return {
    ...base,
    version: purchases,
    purchase: { ...base.purchase, count: purchases, lastAt: lastDaysAgo === null ? null : new Date(now - lastDaysAgo * DAY).toISOString() },
  };
};

describe('membership planning', () => {
  it('decides exactly the memberships whose result differs from the stored one, continuing each sequence', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ purchases: fc.nat(4), lastDaysAgo: fc.option(fc.nat(20)), wasBuyer: fc.boolean(), wasRecent: fc.boolean(), seq: fc.nat(5) }), { maxLength: 20 }),
        (rows) => {
          const candidates = rows.map((r, i) => {
            const memberships = new Map<string, MembershipState>([
              ['buyers', { isMember: r.wasBuyer, seq: BigInt(r.seq) }],
              ['recent', { isMember: r.wasRecent, seq: BigInt(r.seq) }],
            ]);
            return { profile: profile(`c-${i}`, r.purchases, r.lastDaysAgo), before: null, segments: [buyers, recent], memberships };
          });
          const { decisions } = planMemberships(candidates, now);
          const expected = rows.flatMap((r, i) => {
            const isBuyer = r.purchases >= 2;
            const isRecent = r.lastDaysAgo !== null && r.lastDaysAgo < 7;
            return [
              ...(isBuyer !== r.wasBuyer ? [{ customerId: `c-${i}`, segmentId: 'buyers', isMember: isBuyer, seq: BigInt(r.seq + 1) }] : []),
              ...(isRecent !== r.wasRecent ? [{ customerId: `c-${i}`, segmentId: 'recent', isMember: isRecent, seq: BigInt(r.seq + 1) }] : []),
            ];
          });
          expect(decisions.map((d) => ({ customerId: d.customerId, segmentId: d.segment.id, isMember: d.isMember, seq: d.seq }))).toEqual(expected);
        },
      ),
    );
  });

  it('schedules the earliest flip of the evaluated segments, keeping a stored instant still ahead', () => {
    const p = profile('c-1', 3, 2); // leaves the 7-day window 5 days from now
    const leaves = nextFlip(recent.compiled, p, now)!;
    expect(leaves).toBe(now + 5 * DAY);
    const plan = (scheduled: number | null, segments = [buyers, recent]) =>
      planMemberships([{ profile: p, before: null, segments, memberships: new Map(), scheduled }], now).nextEvaluationAt.get('c-1');
    expect(plan(null)).toBe(leaves);
    expect(plan(now + DAY)).toBe(now + DAY); // sooner, from a segment not evaluated now
    expect(plan(now - DAY)).toBe(leaves); // already past: superseded
    expect(plan(null, [buyers])).toBeNull(); // no time condition: only a change re-evaluates
    expect(plan(now + 9 * DAY, [buyers])).toBe(now + 9 * DAY);
  });
});
