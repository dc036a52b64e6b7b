import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CustomerEvent } from '@segflow/contracts';
import { leadScore } from './lead-score.js';
import { DEFAULT_PROFILE_LIMITS, OTHER } from './limits.js';
import { mergeProfiles } from './merge.js';
import type { ProfileState } from './profile.js';
import { applyEvent, emptyProfile } from './profile.js';
import { NOW, SCORING, SMALL_LIMITS, context, emailOpen, eventTime, expectSameProfile, fold, histories, pageView, purchase, scoreScale, traits } from './test-support.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from './time.js';
import { windowCount, windowSum } from './windows.js';

const ctx = context({ scoring: SCORING, limits: SMALL_LIMITS });

/** A history with eventIds of its own (`<prefix>-0`, …), so that histories of two ids never share one. */
const historyOf = (prefix: string, backDays = 500, maxLength = 25, minLength = 0) =>
  histories(eventTime(backDays), maxLength, minLength).map((events) => events.map((e) => ({ ...e, eventId: `${prefix}-${e.eventId}` })));

const withId = (s: ProfileState, customerId: string): ProfileState => ({ ...s, customerId });

describe('profile merge', () => {
  it('equals applying both histories to one profile', () => {
    fc.assert(
      fc.property(historyOf('a'), historyOf('k'), fc.boolean(), (anonymous, known, interleave) => {
        const merged = mergeProfiles(fold(known, ctx, 'k'), fold(anonymous, ctx, 'a'), ctx);
        const together = interleave ? [...anonymous, ...known].sort((x, y) => (x.occurredAt < y.occurredAt ? -1 : 1)) : [...known, ...anonymous];
        expectSameProfile(merged, fold(together, ctx, 'k'), anonymous.length + known.length);
      }),
      { numRuns: 200 },
    );
  });

  it('does not depend on which profile merges into which, but for the id kept', () => {
    fc.assert(
      fc.property(historyOf('a'), historyOf('k'), (anonymous, known) => {
        const a = fold(anonymous, ctx, 'a');
        const k = fold(known, ctx, 'k');
        expectSameProfile(withId(mergeProfiles(a, k, ctx), 'k'), mergeProfiles(k, a, ctx), anonymous.length + known.length);
      }),
      { numRuns: 100 },
    );
  });

  it('gives the same profile for a chain a → b → c merged in any order', () => {
    fc.assert(
      fc.property(historyOf('a', 500, 15), historyOf('b', 500, 15), historyOf('c', 500, 15), (ha, hb, hc) => {
        const [a, b, c] = [fold(ha, ctx, 'a'), fold(hb, ctx, 'b'), fold(hc, ctx, 'c')];
        const aFirst = mergeProfiles(c, mergeProfiles(b, a, ctx), ctx); // a → b, then b → c
        const bFirst = mergeProfiles(mergeProfiles(c, b, ctx), a, ctx); // b → c, then a → (b →) c
        const n = ha.length + hb.length + hc.length;
        expectSameProfile(aFirst, bFirst, n);
        expectSameProfile(aFirst, fold([...ha, ...hb, ...hc], ctx, 'c'), n);
      }),
      { numRuns: 100 },
    );
  });

  it('lays buckets out as of the latest processing instant of either profile or the merge', () => {
    fc.assert(
      fc.property(
        historyOf('a', 60, 25, 1),
        historyOf('k', 60, 25, 1),
        fc.integer({ min: 0, max: 3 * DAY_MS }),
        fc.integer({ min: 0, max: 3 * DAY_MS }),
        fc.integer({ min: 0, max: 40 * DAY_MS }),
        (anonymous, known, backA, backK, ahead) => {
          const a = fold(anonymous, { ...ctx, now: NOW - backA }, 'a');
          const k = fold(known, { ...ctx, now: NOW - backK }, 'k');
          const merged = mergeProfiles(k, a, { ...ctx, now: NOW + ahead });
          const together = fold([...known, ...anonymous], { ...ctx, now: NOW + ahead }, 'k');
          const q = NOW + ahead;
          expect(merged.bucketsAsOf).toBe(together.bucketsAsOf);
          expect(merged.purchase).toEqual(together.purchase);
          expect(merged.pageView).toEqual(together.pageView);
          expect(merged.emailOpen).toEqual(together.emailOpen);
          for (const w of [HOUR_MS, 2 * DAY_MS, 31 * DAY_MS]) {
            expect(windowCount(merged, 'emailOpen', { ms: w }, q)).toBe(windowCount(together, 'emailOpen', { ms: w }, q));
            expect(windowSum(merged, 'purchase', { ms: w }, q, { category: 'shoes' })).toBe(windowSum(together, 'purchase', { ms: w }, q, { category: 'shoes' }));
          }
          const n = anonymous.length + known.length;
          expect(Math.abs(leadScore(merged, q) - leadScore(together, q))).toBeLessThanOrEqual(1e-9 * scoreScale(n));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('changes nothing when the profile merged in has no event, and takes the other whole when the known one has none', () => {
    fc.assert(
      fc.property(historyOf('a'), (events) => {
        const a = fold(events, ctx, 'a');
        const empty = emptyProfile('k', NOW);
        expect(mergeProfiles(a, emptyProfile('x', NOW), ctx)).toBe(a);
        expect(mergeProfiles(empty, a, ctx)).toEqual(events.length === 0 ? empty : { ...a, customerId: 'k' });
      }),
      { numRuns: 50 },
    );
  });

  it('keeps, per trait, the value with the latest occurredAt from either profile, ties to the greater eventId', () => {
    const known = fold([traits('k1', NOW - 10 * MINUTE_MS, { city: 'Paris', country: 'FR' }), traits('k2', NOW - 30 * MINUTE_MS, { firstName: 'Ann' })], ctx, 'k');
    const anonymous = fold(
      [traits('a1', NOW - 5 * MINUTE_MS, { city: 'Berlin' }), traits('a2', NOW - 20 * MINUTE_MS, { country: 'DE' }), traits('z9', NOW - 30 * MINUTE_MS, { firstName: 'Bob', interests: ['running'] })],
      ctx,
      'a',
    );
    const merged = mergeProfiles(known, anonymous, ctx);
    expect(merged.traits).toEqual({ city: 'Berlin', country: 'FR', firstName: 'Bob', interests: ['running'] });
    expect(merged.traitSources.city).toEqual({ at: new Date(NOW - 5 * MINUTE_MS).toISOString(), eventId: 'a1' });
    expect(merged.traitSources.firstName?.eventId).toBe('z9');
  });

  it('adds counts, money, categories and windows, and folds categories beyond the cap as one profile would', () => {
    const limits = { ...DEFAULT_PROFILE_LIMITS, maxCategories: 2 };
    const c = context({ limits });
    const known = fold([pageView('k1', NOW - HOUR_MS, { category: 'shoes' }), purchase('k2', NOW - DAY_MS, 10, { items: [{ sku: 's', category: 'hats', quantity: 1, price: 10 }] })], c, 'k');
    const anonymous = fold(
      [pageView('a1', NOW, { category: 'bags' }), pageView('a2', NOW - 2 * DAY_MS, { category: 'toys' }), purchase('a3', NOW - 2 * HOUR_MS, 5), emailOpen('a4', NOW, 'spring')],
      c,
      'a',
    );
    const merged = mergeProfiles(known, anonymous, c);
    expect(merged).toMatchObject({ customerId: 'k', version: 6, purchase: { count: 2, total: 15 }, pageView: { count: 3 }, emailOpen: { count: 1 } });
    expect(Object.keys(merged.pageView.categories).sort()).toEqual([OTHER, 'bags', 'shoes']);
    expect(merged.pageView.categories[OTHER]?.count).toBe(1); // toys
    expect(windowCount(merged, 'pageView', { ms: DAY_MS }, NOW)).toBe(2);
    expect(windowSum(merged, 'purchase', { ms: 3 * HOUR_MS }, NOW)).toBe(5);
    expect(merged.purchase.firstAt).toBe(new Date(NOW - DAY_MS).toISOString());
  });

  it('does not modify the profiles it is given', () => {
    const known = fold([purchase('k1', NOW, 5, { items: [{ sku: 's', category: 'shoes', quantity: 1, price: 5 }] })], ctx, 'k');
    const anonymous = fold([purchase('a1', NOW, 7, { items: [{ sku: 's', category: 'shoes', quantity: 1, price: 7 }] }), traits('a2', NOW, { interests: ['x'] })], ctx, 'a');
    const [k, a] = [structuredClone(known), structuredClone(anonymous)];
    const merged = mergeProfiles(known, anonymous, { ...ctx, now: NOW + 40 * DAY_MS });
    merged.traits.interests!.push('y');
    expect(known).toEqual(k);
    expect(anonymous).toEqual(a);
  });

  it('is a reducer input of its own: applying an identify event to one profile is refused', () => {
    const identify: CustomerEvent = { eventId: 'i1', type: 'identify', customerId: 'k', anonymousId: 'a', occurredAt: new Date(NOW).toISOString(), receivedAt: new Date(NOW).toISOString() };
    expect(applyEvent(emptyProfile('k', NOW), identify, ctx)).toMatchObject({ ok: false });
  });
});
