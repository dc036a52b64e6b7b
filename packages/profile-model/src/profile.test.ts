import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProfileState as ProfileStateSchema } from '@segflow/contracts';
import type { CustomerEvent } from '@segflow/contracts';
import { leadScore } from './lead-score.js';
import { DEFAULT_PROFILE_LIMITS, OTHER } from './limits.js';
import type { ProfileState } from './profile.js';
import { applyEvent, applyEventBatch, compact, emptyProfile } from './profile.js';
import { MAX_SERIES_BUCKETS } from './buckets.js';
import { bucketCount, maxBucketCount } from './size.js';
import {
  NOW,
  SCORING,
  SMALL_LIMITS,
  context,
  emailOpen,
  eventTime,
  expectSameProfile,
  fold,
  historyAndShuffle,
  histories,
  pageView,
  purchase,
  traits,
} from './test-support.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from './time.js';
import { windowCount, windowSum } from './windows.js';

const ctx = context({ scoring: SCORING, limits: SMALL_LIMITS });

describe('profile reducer', () => {
  it('gives the same profile for any order of the same events (lead score within 1e-9 of the scale)', () => {
    fc.assert(
      fc.property(historyAndShuffle(eventTime(500)), ([events, shuffled]) => {
        expectSameProfile(fold(shuffled, ctx), fold(events, ctx), events.length);
      }),
      { numRuns: 200 },
    );
  });

  it('lays buckets out by the latest now only: any order, any earlier processing instants', () => {
    const nowsFor = (n: number) => fc.array(fc.integer({ min: NOW - 3 * DAY_MS, max: NOW }), { minLength: n, maxLength: n });
    fc.assert(
      fc.property(
        historyAndShuffle(eventTime(60), 25).chain(([events, shuffled]) => fc.tuple(fc.constant(events), fc.constant(shuffled), nowsFor(events.length), nowsFor(events.length))),
        ([events, shuffled, nowsA, nowsB]) => {
          const applyWith = (list: CustomerEvent[], nows: number[]) =>
            list.reduce((state, event, i) => {
              const result = applyEvent(state, event, { ...ctx, now: i === list.length - 1 ? NOW : nows[i]! });
              if (!result.ok) throw new Error(result.reason);
              return result.state;
            }, emptyProfile('c-1', NOW - 3 * DAY_MS));
          const a = applyWith(events, nowsA);
          const b = applyWith(shuffled, nowsB);
          expectSameProfile(a, b, events.length);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('counts purchases, totals them exactly in the base currency, and keeps first/last times', () => {
    const state = fold([
      purchase('e1', NOW - 5 * MINUTE_MS, 100),
      purchase('e2', NOW - 9 * MINUTE_MS, 10, { currency: 'USD' }),
      purchase('e3', NOW - 7 * MINUTE_MS, 0.1),
      purchase('e4', NOW - 8 * MINUTE_MS, 0.2),
      pageView('e5', NOW - MINUTE_MS),
    ]);
    expect(state.purchase).toMatchObject({ count: 4, total: 109.3, totalUnits: 1_093_000 });
    expect(state.purchase.firstAt).toBe(new Date(NOW - 9 * MINUTE_MS).toISOString());
    expect(state.purchase.lastAt).toBe(new Date(NOW - 5 * MINUTE_MS).toISOString());
    expect(state.pageView).toMatchObject({ count: 1, lastAt: new Date(NOW - MINUTE_MS).toISOString() });
    expect(state.version).toBe(5);
    expect(state.lastEventAt).toBe(new Date(NOW - MINUTE_MS).toISOString());
  });

  it('keeps, per trait, the value of the latest occurredAt, ties going to the greater eventId', () => {
    const state = fold([
      traits('e1', NOW - 10 * MINUTE_MS, { city: 'Paris', consent: { email: true } }),
      traits('e2', NOW - 20 * MINUTE_MS, { city: 'Berlin', country: 'DE', consent: { sms: true } }),
      traits('e4', NOW - 30 * MINUTE_MS, { firstName: 'Ann' }),
      traits('e3', NOW - 30 * MINUTE_MS, { firstName: 'Bob' }),
    ]);
    expect(state.traits).toEqual({ city: 'Paris', country: 'DE', consent: { email: true }, firstName: 'Ann' });
    expect(state.traitSources.firstName).toEqual({ at: new Date(NOW - 30 * MINUTE_MS).toISOString(), eventId: 'e4' });
  });

  it('refuses a purchase in a currency with no rate and leaves the profile as it was', () => {
    const before = fold([pageView('e0', NOW)]);
    expect(applyEvent(before, purchase('e1', NOW, 1, { currency: 'JPY' }), ctx)).toEqual({ ok: false, reason: 'no exchange rate for currency JPY' });
    const batch = applyEventBatch(before, [purchase('e1', NOW, 1, { currency: 'JPY' }), pageView('e2', NOW)], ctx);
    expect(batch.rejected).toEqual([{ eventId: 'e1', reason: 'no exchange rate for currency JPY' }]);
    expect(batch.state.version).toBe(2);
  });

  it('does not modify the profile it is given', () => {
    const before = fold([purchase('e1', NOW, 5, { items: [{ sku: 's', category: 'shoes', quantity: 1, price: 5 }] })], ctx);
    const copy = structuredClone(before);
    applyEvent(before, purchase('e2', NOW, 7, { items: [{ sku: 's', category: 'shoes', quantity: 1, price: 7 }] }), ctx);
    applyEventBatch(before, [pageView('e3', NOW, { category: 'hats' })], { ...ctx, now: NOW + 40 * DAY_MS });
    expect(before).toEqual(copy);
  });

  it('keeps per-category purchase counts and item totals, and page views per category and opens per campaign', () => {
    const state = fold([
      purchase('e1', NOW - HOUR_MS, 60, {
        items: [
          { sku: 'a', category: 'shoes', quantity: 2, price: 20 },
          { sku: 'b', category: 'shoes', quantity: 1, price: 10 },
          { sku: 'c', category: 'hats', quantity: 1, price: 10 },
        ],
      }),
      purchase('e2', NOW, 10, { currency: 'USD', items: [{ sku: 'a', category: 'shoes', quantity: 1, price: 10 }] }),
      pageView('e3', NOW, { category: 'shoes' }),
      emailOpen('e4', NOW, 'spring'),
      emailOpen('e5', NOW - DAY_MS, 'spring'),
    ]);
    expect(state.purchase.categories.shoes).toMatchObject({ count: 2, totalUnits: 590_000, lastAt: new Date(NOW).toISOString() });
    expect(state.purchase.categories.hats).toMatchObject({ count: 1, totalUnits: 100_000 });
    expect(state.pageView.categories.shoes?.count).toBe(1);
    expect(state.emailOpen.campaigns.spring?.count).toBe(2);
    expect(windowSum(state, 'purchase', { ms: 2 * HOUR_MS }, NOW, { category: 'shoes' })).toBe(59);
  });

  it('keeps the alphabetically first categories apart and folds the rest into __other__, whatever the order', () => {
    const names = ['kiwi', 'apple', 'fig', 'banana', 'cherry'];
    const events = names.map((name, i) => pageView(`e${i}`, NOW - i * HOUR_MS, { category: name }));
    const limits = { ...DEFAULT_PROFILE_LIMITS, maxCategories: 3 };
    const state = fold(events, context({ limits }));
    expect(Object.keys(state.pageView.categories).sort()).toEqual([OTHER, 'apple', 'banana', 'cherry']);
    expect(state.pageView.categories[OTHER]).toMatchObject({ count: 2, lastAt: new Date(NOW).toISOString() });
    expect(windowCount(state, 'pageView', { ms: DAY_MS }, NOW, { category: OTHER })).toBe(2);
    expect(windowCount(state, 'pageView', { ms: DAY_MS }, NOW, { category: 'kiwi' })).toBe(0);
    expect(fold([...events].reverse(), context({ limits }))).toEqual(state);
  });

  it('folds extra categories when the limit was lowered since', () => {
    const events = ['a', 'b', 'c', 'd'].map((name, i) => pageView(`e${i}`, NOW, { category: name }));
    const wide = fold(events);
    const narrowed = applyEventBatch(wide, [pageView('e9', NOW, { category: 'b' })], context({ limits: { ...DEFAULT_PROFILE_LIMITS, maxCategories: 2 } })).state;
    expect(Object.keys(narrowed.pageView.categories).sort()).toEqual([OTHER, 'a', 'b']);
    expect(narrowed.pageView.categories[OTHER]?.count).toBe(2);
  });

  it('keeps a category named constructor as a plain key and files __proto__ under __other__', () => {
    const state = fold([pageView('e1', NOW, { category: '__proto__' }), pageView('e2', NOW, { category: 'constructor' })]);
    const parsed = JSON.parse(JSON.stringify(state)) as ProfileState;
    expect(Object.keys(parsed.pageView.categories).sort()).toEqual([OTHER, 'constructor']);
    expect(windowCount(parsed, 'pageView', { ms: HOUR_MS }, NOW, { category: 'constructor' })).toBe(1);
    expect(windowCount(parsed, 'pageView', { ms: HOUR_MS }, NOW, { category: '__proto__' })).toBe(0);
    expect(windowCount(parsed, 'pageView', { ms: HOUR_MS }, NOW, { category: 'toString' })).toBe(0);
  });

  it('is JSON: a stored and reloaded profile parses with the contract schema and answers the same', () => {
    fc.assert(
      fc.property(histories(eventTime(500)), (events) => {
        const state = fold(events, ctx);
        const reloaded = JSON.parse(JSON.stringify(state)) as unknown;
        expect(ProfileStateSchema.parse(reloaded)).toEqual(state);
        expect(leadScore(reloaded as ProfileState, NOW)).toBe(leadScore(state, NOW));
      }),
      { numRuns: 100 },
    );
  });

  it('answers every window the same after compaction at a later instant', () => {
    fc.assert(
      fc.property(histories(eventTime(500)), fc.integer({ min: 0, max: 60 * DAY_MS }), fc.integer({ min: 0, max: 60 * DAY_MS }), (events, later, after) => {
        const state = fold(events, ctx);
        const compacted = compact(state, NOW + later);
        const q = NOW + later + after;
        for (const w of [HOUR_MS, 2 * DAY_MS, 31 * DAY_MS, 400 * DAY_MS]) {
          expect(windowCount(compacted, 'pageView', { ms: w }, q)).toBe(windowCount(state, 'pageView', { ms: w }, q));
          expect(windowSum(compacted, 'purchase', { ms: w }, q, { category: 'shoes' })).toBe(windowSum(state, 'purchase', { ms: w }, q, { category: 'shoes' }));
        }
      }),
      { numRuns: 100 },
    );
  });

  it('counts events older than 400 days in lifetime totals only', () => {
    const state = fold([purchase('e1', NOW - 500 * DAY_MS, 10), purchase('e2', NOW - DAY_MS, 5)]);
    expect(state.purchase.count).toBe(2);
    expect(state.purchase.total).toBe(15);
    expect(windowCount(state, 'purchase', { ms: 400 * DAY_MS }, NOW)).toBe(1);
    expect(Object.keys(state.purchase.buckets.d)).toHaveLength(0);
  });
});

describe('profile size', () => {
  /** A seeded generator (mulberry32), for a large history without fast-check's overhead. */
  const random = (seed: number) => () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };

  it('stays under 1 MB and within the bucket bound for 100k random events of one customer', () => {
    const rnd = random(7);
    const pick = (n: number) => Math.floor(rnd() * n);
    const events: CustomerEvent[] = [];
    for (let i = 0; i < 100_000; i += 1) {
      const at = NOW + 5 * MINUTE_MS - pick(450 * DAY_MS);
      const kind = rnd();
      const category = `category-${pick(200)}`;
      if (kind < 0.3) {
        events.push(purchase(`e${i}`, at, pick(100_000) / 100, { items: [{ sku: 's', category, quantity: 1 + pick(3), price: pick(10_000) / 100 }] }));
      } else if (kind < 0.7) events.push(pageView(`e${i}`, at, { category, url: rnd() < 0.3 ? '/pricing' : '/home' }));
      else if (kind < 0.95) events.push(emailOpen(`e${i}`, at, `campaign-${pick(200)}`));
      else events.push(traits(`e${i}`, at, { city: `city-${pick(1000)}`, interests: [`i${pick(10)}`] }));
    }
    const { state } = applyEventBatch(emptyProfile('c-1', NOW), events, context({ scoring: SCORING }));
    const bytes = JSON.stringify(state).length;
    expect(state.version).toBe(100_000);
    expect(Object.keys(state.purchase.categories)).toHaveLength(DEFAULT_PROFILE_LIMITS.maxCategories + 1);
    expect(bucketCount(state)).toBeLessThanOrEqual(maxBucketCount(DEFAULT_PROFILE_LIMITS));
    expect(bytes).toBeLessThan(1_000_000);
  });

  it('reaches but never exceeds the per-series bound when every minute, hour and day has an event', () => {
    const c = NOW + 14 * HOUR_MS - 1; // 23:59:59.999, where minute and hour levels are longest
    const events: CustomerEvent[] = [];
    let i = 0;
    for (let t = c - 50 * HOUR_MS; t <= c; t += MINUTE_MS) events.push(pageView(`m${i++}`, t, { category: 'shoes' }));
    for (let t = c - 402 * DAY_MS; t <= c; t += HOUR_MS) events.push(pageView(`h${i++}`, t, { category: 'shoes' }));
    const state = fold(events, context({ now: c }));
    const sizes = (b: { m: object; h: object; d: object }) => [b.m, b.h, b.d].map((level) => Object.keys(level).length);
    expect(sizes(state.pageView.buckets)).toEqual([49 * 60, 29 * 24 - 1, 370]);
    expect(sizes(state.pageView.categories.shoes!.buckets)).toEqual([0, 31 * 24, 370]);
    expect(49 * 60 + 29 * 24 - 1 + 370).toBeLessThanOrEqual(MAX_SERIES_BUCKETS.fine);
    expect(31 * 24 + 370).toBeLessThanOrEqual(MAX_SERIES_BUCKETS.coarse);
  });
});
