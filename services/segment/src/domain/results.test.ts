import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SCORING_MODEL } from '@segflow/contracts';
import type { CustomerEvent } from '@segflow/contracts';
import { applyEventBatch, currencyConverter, emptyProfile, OTHER } from '@segflow/profile-model';
import type { MemberStanding, ResultIncrement } from './results.js';
import { entryIncrement, figuresOf, respond, responseOf, sumIncrements } from './results.js';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-03-01T00:00:00Z');
const CAMPAIGNS = ['autumn', 'black-friday', 'spring', 'summer'];

/** One step of a random history of one customer in one segment. */
type Step = { kind: 'enter' } | { kind: 'exit' } | { kind: 'purchase'; units: number } | { kind: 'open'; campaign: string };
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.constant<Step>({ kind: 'enter' }),
  fc.constant<Step>({ kind: 'exit' }),
  fc.integer({ min: 0, max: 5_000_000 }).map<Step>((units) => ({ kind: 'purchase', units })),
  fc.constantFrom(...CAMPAIGNS).map<Step>((campaign) => ({ kind: 'open', campaign })),
);
/** Customers, each with a group and a history, each step 0–5 hours after the one before. */
const histories = fc.array(
  fc.record({
    group: fc.constantFrom('a', 'b', null),
    steps: fc.array(fc.tuple(step, fc.integer({ min: 0, max: 5 * HOUR })), { maxLength: 25 }),
  }),
  { maxLength: 12 },
);

interface Stay {
  group: string | null;
  enteredAt: number;
  purchases: number[];
  opens: string[];
}

/** Replays the histories through the reducer, as the segment service does, and returns the increments and every stay. */
const replay = (customers: { group: string | null; steps: [Step, number][] }[]) => {
  const increments: ResultIncrement[] = [];
  const stays: Stay[] = [];
  for (const customer of customers) {
    let at = T0;
    let standing: MemberStanding | null = null;
    let stay: Stay | null = null;
    for (const [s, gap] of customer.steps) {
      at += gap;
      if (s.kind === 'enter' && standing === null) {
        standing = { segmentId: 'seg', group: customer.group, enteredAt: at, purchased: false, opened: [] };
        increments.push(entryIncrement('seg', customer.group, at));
        stay = { group: customer.group, enteredAt: at, purchases: [], opens: [] };
        stays.push(stay);
      } else if (s.kind === 'exit') {
        standing = null;
        stay = null;
      } else if ((s.kind === 'purchase' || s.kind === 'open') && standing !== null) {
        const response = s.kind === 'purchase' ? { purchases: 1, revenueUnits: s.units, opens: new Map() } : { purchases: 0, revenueUnits: 0, opens: new Map([[s.campaign, 1]]) };
        const out = respond(standing, response);
        increments.push(...out.increments);
        standing = out.standing;
        if (s.kind === 'purchase') stay!.purchases.push(s.units);
        else stay!.opens.push(s.campaign);
      }
    }
  }
  return { increments, stays };
};

/** The results of the stays that began in [from, to), counted from the stays themselves. */
const naive = (stays: Stay[], from: number, to: number) => {
  const cohort = stays.filter((s) => s.enteredAt >= from && s.enteredAt < to);
  const entered = cohort.length;
  const share = (n: number) => (entered === 0 ? null : n / entered);
  const purchasers = cohort.filter((s) => s.purchases.length > 0).length;
  const purchases = cohort.reduce((n, s) => n + s.purchases.length, 0);
  const revenue = cohort.reduce((n, s) => n + s.purchases.reduce((a, b) => a + b, 0), 0) / 10_000;
  const campaigns = [...new Set(cohort.flatMap((s) => s.opens))].sort();
  return {
    entered,
    purchasers,
    purchasedShare: share(purchasers),
    purchases,
    purchasesPerMember: share(purchases),
    revenue,
    revenuePerMember: share(revenue),
    emailOpens: campaigns.map((campaignId) => {
      const openers = cohort.filter((s) => s.opens.includes(campaignId)).length;
      return { campaignId, opens: cohort.reduce((n, s) => n + s.opens.filter((c) => c === campaignId).length, 0), openers, openedShare: share(openers) };
    }),
  };
};

/** The figures of the counters whose cohort lies in [from, to), as the results route sums them. */
const counted = (increments: ResultIncrement[], from: number, to: number, group?: string) =>
  figuresOf(sumIncrements(increments).filter((i) => i.cohort >= from && i.cohort < to && (group === undefined || i.group === group)));

describe('segment results counters', () => {
  it('equal a naive count over the stays, for every period of whole hours, overall and per group', () => {
    fc.assert(
      fc.property(histories, fc.integer({ min: 0, max: 100 }), fc.integer({ min: 1, max: 200 }), (customers, fromHour, hours) => {
        const { increments, stays } = replay(customers);
        const [from, to] = [T0 + fromHour * HOUR, T0 + (fromHour + hours) * HOUR];
        // a stay's cohort is its entry hour: the period counts the stays entered within its hours
        const inHours = (s: Stay) => ({ ...s, enteredAt: Math.floor(s.enteredAt / HOUR) * HOUR });
        expect(counted(increments, from, to)).toEqual(naive(stays.map(inHours), from, to));
        for (const group of ['a', 'b']) {
          expect(counted(increments, from, to, group)).toEqual(naive(stays.filter((s) => s.group === group).map(inHours), from, to));
        }
      }),
    );
  });

  it('count a member as a purchaser and an opener once per stay, and again after a re-entry', () => {
    const { increments } = replay([
      {
        group: 'a',
        steps: [
          [{ kind: 'enter' }, 0],
          [{ kind: 'purchase', units: 10_000 }, HOUR],
          [{ kind: 'purchase', units: 20_000 }, HOUR],
          [{ kind: 'open', campaign: 'spring' }, 0],
          [{ kind: 'open', campaign: 'spring' }, 0],
          [{ kind: 'exit' }, 0],
          [{ kind: 'purchase', units: 99_000 }, 0], // not a member: not counted
          [{ kind: 'enter' }, HOUR],
          [{ kind: 'purchase', units: 5_000 }, 0],
        ],
      },
    ]);
    expect(counted(increments, T0, T0 + 10 * HOUR)).toEqual({
      entered: 2,
      purchasers: 2,
      purchasedShare: 1,
      purchases: 3,
      purchasesPerMember: 1.5,
      revenue: 3.5,
      revenuePerMember: 1.75,
      emailOpens: [{ campaignId: 'spring', opens: 2, openers: 1, openedShare: 0.5 }],
    });
  });

  it('answer null shares for a period nobody entered in', () => {
    expect(figuresOf([])).toEqual({ entered: 0, purchasers: 0, purchasedShare: null, purchases: 0, purchasesPerMember: null, revenue: 0, revenuePerMember: null, emailOpens: [] });
  });
});

describe('the response a profile change carries', () => {
  const context = (maxCampaigns: number) => ({
    now: T0,
    toBase: currencyConverter('EUR', {}),
    scoring: DEFAULT_SCORING_MODEL,
    limits: { maxCategories: 50, maxCampaigns, maxCappedDays: 1000 },
  });
  const at = (n: number) => new Date(T0 - 1000 * n).toISOString();
  const event = (n: number, e: { campaign: string } | { amount: number }): CustomerEvent =>
    'campaign' in e
      ? { eventId: `e-${n}`, type: 'email_open', customerId: 'c', occurredAt: at(n), receivedAt: at(0), campaignId: e.campaign }
      : { eventId: `e-${n}`, type: 'purchase', customerId: 'c', occurredAt: at(n), receivedAt: at(0), orderId: `o-${n}`, amount: e.amount, currency: 'EUR' };
  const eventArb = fc.oneof(fc.constantFrom(...CAMPAIGNS).map((campaign) => ({ campaign })), fc.integer({ min: 0, max: 1000 }).map((amount) => ({ amount })));

  it('is the purchases, revenue and opens of the events between two snapshots, the campaigns past the cap under __other__', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 15 }), fc.array(eventArb, { minLength: 1, maxLength: 15 }), fc.integer({ min: 1, max: 5 }), (earlier, later, cap) => {
        const events = [...earlier, ...later].map((e, n) => event(n + 1, e));
        const before = applyEventBatch(emptyProfile('c', T0), events.slice(0, earlier.length), context(cap)).state;
        const after = applyEventBatch(before, events.slice(earlier.length), context(cap)).state;
        const response = responseOf(before, after);
        const added = later.filter((e) => 'campaign' in e) as { campaign: string }[];
        const bought = later.filter((e) => 'amount' in e) as { amount: number }[];
        if (added.length === 0 && bought.length === 0) return expect(response).toBeNull();
        expect(response!.purchases).toBe(bought.length);
        expect(response!.revenueUnits).toBe(bought.reduce((n, b) => n + b.amount * 10_000, 0));
        expect([...response!.opens.values()].reduce((a, b) => a + b, 0)).toBe(added.length);
        // a campaign kept apart after the change counts exactly its own new opens
        for (const [campaign, opens] of response!.opens) {
          if (campaign !== OTHER) expect(opens).toBe(added.filter((e) => e.campaign === campaign).length);
        }
      }),
    );
  });
});
