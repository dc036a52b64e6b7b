// Shared by this package's tests: event builders, fast-check arbitraries and a fold helper.
import fc from 'fast-check';
import { expect } from 'vitest';
import { DEFAULT_SCORING_MODEL } from '@segflow/contracts';
import type { CustomerEvent, PurchaseItem, ScoringModel } from '@segflow/contracts';
import { currencyConverter } from './currency.js';
import { leadScore } from './lead-score.js';
import type { ProfileLimits } from './limits.js';
import { DEFAULT_PROFILE_LIMITS } from './limits.js';
import type { ApplyContext, ProfileState } from './profile.js';
import { applyEventBatch, emptyProfile } from './profile.js';
import { DAY_MS, MINUTE_MS } from './time.js';

export const NOW = Date.parse('2026-11-23T10:00:00.000Z');
export const toBase = currencyConverter('EUR', { USD: 0.9 });

export const context = (overrides: Partial<ApplyContext> = {}): ApplyContext => ({
  now: NOW,
  toBase,
  scoring: DEFAULT_SCORING_MODEL,
  limits: DEFAULT_PROFILE_LIMITS,
  ...overrides,
});

/** Applies `events` in order to an empty profile; throws on a rejected event. */
export const fold = (events: readonly CustomerEvent[], ctx: ApplyContext = context(), customerId = 'c-1'): ProfileState => {
  const { state, rejected } = applyEventBatch(emptyProfile(customerId, ctx.now), events, ctx);
  if (rejected.length > 0) throw new Error(rejected[0]!.reason);
  return state;
};

const common = (eventId: string, at: number) => {
  const occurredAt = new Date(at).toISOString();
  return { eventId, customerId: 'c-1', occurredAt, receivedAt: occurredAt };
};

export const purchase = (eventId: string, at: number, amount: number, extra: { currency?: string; items?: PurchaseItem[] } = {}): CustomerEvent => ({
  ...common(eventId, at),
  type: 'purchase',
  orderId: `o-${eventId}`,
  amount,
  currency: extra.currency ?? 'EUR',
  ...(extra.items ? { items: extra.items } : {}),
});
export const pageView = (eventId: string, at: number, extra: { url?: string; category?: string } = {}): CustomerEvent => ({
  ...common(eventId, at),
  type: 'page_view',
  url: extra.url ?? '/home',
  ...(extra.category ? { category: extra.category } : {}),
});
export const emailOpen = (eventId: string, at: number, campaignId = 'spring'): CustomerEvent => ({ ...common(eventId, at), type: 'email_open', campaignId });
export const traits = (eventId: string, at: number, values: Extract<CustomerEvent, { type: 'traits' }>['traits']): CustomerEvent => ({
  ...common(eventId, at),
  type: 'traits',
  traits: values,
});

export const CATEGORIES = ['bags', 'hats', 'shoes', 'socks', 'toys', '__proto__', 'constructor'] as const;
export const CAMPAIGNS = ['autumn', 'spring', 'summer', 'winter'] as const;

/** Small limits so that folding into `__other__` happens in property tests. */
export const SMALL_LIMITS: ProfileLimits = { maxCategories: 3, maxCampaigns: 2, maxCappedDays: 6 };

/** A scoring model that exercises every filter, negative points and daily caps. */
export const SCORING: ScoringModel = {
  version: 3,
  halfLifeDays: 7,
  updatedAt: '2026-01-01T00:00:00.000Z',
  rules: [
    { id: 'buy', eventType: 'purchase', filters: {}, points: 20 },
    { id: 'big-buy', eventType: 'purchase', filters: { minAmount: 100 }, points: 15, dailyCap: 20 },
    { id: 'shoes', eventType: 'purchase', filters: { category: 'shoes' }, points: 5 },
    { id: 'pricing', eventType: 'page_view', filters: { urlPrefix: '/pricing' }, points: 3, dailyCap: 7 },
    { id: 'browse', eventType: 'page_view', filters: {}, points: 0.5, dailyCap: 2.5 },
    { id: 'open', eventType: 'email_open', filters: { campaignId: 'spring' }, points: 2 },
    { id: 'profile', eventType: 'traits', filters: {}, points: -1 },
  ],
};

/** A span of event times: from `backDays` before NOW to 10 minutes after it (events may run ahead of the clock). */
export const eventTime = (backDays: number): fc.Arbitrary<number> => fc.integer({ min: NOW - backDays * DAY_MS, max: NOW + 10 * MINUTE_MS });

const item: fc.Arbitrary<PurchaseItem> = fc.record({
  sku: fc.constantFrom('a', 'b'),
  category: fc.option(fc.constantFrom(...CATEGORIES), { nil: undefined }),
  quantity: fc.integer({ min: 1, max: 3 }),
  price: fc.integer({ min: 0, max: 50_000 }).map((c) => c / 100),
}).map((i) => (i.category === undefined ? { sku: i.sku, quantity: i.quantity, price: i.price } : (i as PurchaseItem)));

/** One event maker (it gets its eventId later), any type, at a time drawn from `time`. */
export const anyEvent = (time: fc.Arbitrary<number>): fc.Arbitrary<(id: string) => CustomerEvent> =>
  fc.oneof(
    fc
      .record({ at: time, amount: fc.integer({ min: 0, max: 100_000 }).map((c) => c / 100), usd: fc.boolean(), items: fc.option(fc.array(item, { maxLength: 3 }), { nil: undefined }) })
      .map(({ at, amount, usd, items }) => (id: string) => purchase(id, at, amount, { currency: usd ? 'USD' : 'EUR', ...(items ? { items } : {}) })),
    fc
      .record({ at: time, url: fc.constantFrom('/home', '/pricing', '/pricing/team'), category: fc.option(fc.constantFrom(...CATEGORIES), { nil: undefined }) })
      .map(({ at, url, category }) => (id: string) => pageView(id, at, { url, ...(category ? { category } : {}) })),
    fc.record({ at: time, campaign: fc.constantFrom(...CAMPAIGNS) }).map(({ at, campaign }) => (id: string) => emailOpen(id, at, campaign)),
    fc
      .record({ at: time, city: fc.constantFrom('Berlin', 'Paris'), country: fc.constantFrom('DE', 'FR'), birthDate: fc.constantFrom('1990-02-28', '2000-02-29') })
      .map(({ at, city, country, birthDate }) => (id: string) => traits(id, at, { city, country, birthDate })),
  );

/** Histories of distinct events (eventIds e-0, e-1, …). */
export const histories = (time: fc.Arbitrary<number>, maxLength = 40, minLength = 0): fc.Arbitrary<CustomerEvent[]> =>
  fc.array(anyEvent(time), { minLength, maxLength }).map((makers) => makers.map((make, i) => make(`e-${i}`)));

/** A history and a permutation of it. */
export const historyAndShuffle = (time: fc.Arbitrary<number>, maxLength = 40): fc.Arbitrary<[CustomerEvent[], CustomerEvent[]]> =>
  histories(time, maxLength).chain((events) => fc.tuple(fc.constant(events), fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length })));

/** Everything but the lead-score floats, which are sums whose rounding depends on order. */
const exactPart = (s: ProfileState) => ({
  ...s,
  leadScore: {
    ...s.leadScore,
    sum: 0,
    capped: Object.fromEntries(
      Object.entries(s.leadScore.capped).map(([id, r]) => [id, { cap: r.cap, days: Object.fromEntries(Object.entries(r.days).map(([d, [raw]]) => [d, raw])) }]),
    ),
  },
});

/** Σ|points| of `events` events decayed to NOW under SCORING: the scale the float tolerance is relative to. */
export const scoreScale = (events: number): number => events * 20 * 2 ** 7 + 1e-300;

/**
 * Asserts two profiles of `events` events are the same: exactly, but for the lead score's
 * float sums, which agree within 1e-9 of the scale (and each capped day within 1e-12).
 */
export const expectSameProfile = (a: ProfileState, b: ProfileState, events: number): void => {
  expect(exactPart(a)).toEqual(exactPart(b));
  expect(Math.abs(leadScore(a, NOW) - leadScore(b, NOW))).toBeLessThanOrEqual(1e-9 * scoreScale(events));
  for (const [id, rule] of Object.entries(a.leadScore.capped)) {
    for (const [day, [, weighted]] of Object.entries(rule.days)) {
      expect(Math.abs(weighted - b.leadScore.capped[id]!.days[day]![1])).toBeLessThanOrEqual(1e-12 * Math.abs(weighted) + 1e-300);
    }
  }
};
