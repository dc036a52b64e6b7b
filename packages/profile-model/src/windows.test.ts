import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CustomerEvent } from '@segflow/contracts';
import { toUnits } from './currency.js';
import { OTHER } from './limits.js';
import { CATEGORIES, CAMPAIGNS, NOW, SMALL_LIMITS, context, emailOpen, eventTime, fold, histories, pageView, purchase, toBase } from './test-support.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from './time.js';
import type { ActivityMetric, WindowWhere } from './windows.js';
import { effectiveWindowMs, windowCount, windowSum } from './windows.js';

const floor = (t: number, unit: number) => Math.floor(t / unit) * unit;

/**
 * The documented rule, written out from the raw events: an event at t falls, as of
 * instant c, in a minute bucket if t ≥ floorHour(c − 48 h) (totals only), else an hour
 * bucket if t ≥ floorDay(c − 30 d), else a day bucket if t ≥ floorDay(c − 400 d), else
 * none; a bucket counts while start ≤ now and end > now − w.
 */
const naive = (events: CustomerEvent[], metric: ActivityMetric, w: number, now: number, asOf: number, where: WindowWhere, limit: number) => {
  const filtered = where.category !== undefined || where.campaignId !== undefined;
  const names = new Set<string>();
  const rows: { at: number; name: string | null; units: number }[] = [];
  for (const e of events) {
    const at = Date.parse(e.occurredAt);
    if (metric === 'purchase' && e.type === 'purchase') {
      if (!filtered) rows.push({ at, name: null, units: toUnits(toBase(e.amount, e.currency)!) });
      const subtotals = new Map<string, number>();
      for (const item of e.items ?? []) if (item.category) subtotals.set(item.category, (subtotals.get(item.category) ?? 0) + item.price * item.quantity);
      for (const [name, subtotal] of subtotals) rows.push({ at, name, units: toUnits(toBase(subtotal, e.currency)!) });
    } else if (metric === 'pageView' && e.type === 'page_view') {
      if (!filtered) rows.push({ at, name: null, units: 0 });
      if (e.category) rows.push({ at, name: e.category, units: 0 });
    } else if (metric === 'emailOpen' && e.type === 'email_open') {
      if (!filtered) rows.push({ at, name: null, units: 0 });
      rows.push({ at, name: e.campaignId, units: 0 });
    }
  }
  for (const r of rows) if (r.name !== null && r.name !== OTHER && r.name !== '__proto__') names.add(r.name);
  const kept = new Set([...names].sort().slice(0, limit));
  const keyOf = (name: string) => (kept.has(name) ? name : OTHER);
  const wanted = where.category ?? where.campaignId;
  const mCut = floor(asOf - 48 * HOUR_MS, HOUR_MS);
  const hCut = floor(asOf - 30 * DAY_MS, DAY_MS);
  const dCut = floor(asOf - 400 * DAY_MS, DAY_MS);
  let count = 0;
  let units = 0;
  for (const r of rows) {
    if (filtered ? r.name === null || keyOf(r.name) !== wanted : r.name !== null) continue;
    const unit = !filtered && r.at >= mCut ? MINUTE_MS : r.at >= hCut ? HOUR_MS : r.at >= dCut ? DAY_MS : null;
    if (unit === null) continue;
    const start = floor(r.at, unit);
    if (start <= now && start + unit > now - w) {
      count += 1;
      units += r.units;
    }
  }
  return { count, units };
};

const windows = fc.oneof(
  fc.integer({ min: 1, max: 72 }).map((h) => h * HOUR_MS),
  fc.integer({ min: 1, max: 400 * 24 }).map((h) => h * HOUR_MS),
  fc.integer({ min: 1, max: 400 }).map((d) => d * DAY_MS),
  fc.integer({ min: 1, max: 400 * DAY_MS }),
);
const wheres: fc.Arbitrary<{ metric: ActivityMetric; where: WindowWhere }> = fc.oneof(
  fc.constantFrom<ActivityMetric>('purchase', 'pageView', 'emailOpen').map((metric) => ({ metric, where: {} })),
  fc.constantFrom(...CATEGORIES, OTHER, 'unknown').chain((category) => fc.constantFrom<ActivityMetric>('purchase', 'pageView').map((metric) => ({ metric, where: { category } }))),
  fc.constantFrom(...CAMPAIGNS, OTHER).map((campaignId) => ({ metric: 'emailOpen' as const, where: { campaignId } })),
);

describe('window counts', () => {
  it('equal a naive count over the raw events at bucket granularity, for random windows and instants', () => {
    fc.assert(
      fc.property(
        histories(fc.oneof(eventTime(3), eventTime(60), eventTime(450)), 80, 10),
        fc.oneof(fc.integer({ min: -2 * DAY_MS, max: 3 * DAY_MS }), fc.integer({ min: 0, max: 60 * DAY_MS }), fc.integer({ min: 0, max: 450 * DAY_MS })).map((d) => NOW + d),
        windows,
        wheres,
        (events, q, window, { metric, where }) => {
          const ctx = context({ limits: SMALL_LIMITS });
          const state = fold(events, ctx);
          const limit = metric === 'emailOpen' ? SMALL_LIMITS.maxCampaigns : SMALL_LIMITS.maxCategories;
          const expected = naive(events, metric, effectiveWindowMs({ ms: window }), q, Math.max(q, NOW), where, limit);
          expect(windowCount(state, metric, { ms: window }, q, where)).toBe(expected.count);
          if (metric === 'purchase') expect(windowSum(state, 'purchase', { ms: window }, q, where)).toBe(expected.units / 10_000);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('counts a bucket while it overlaps the window: from its start to its end plus the window', () => {
    const at = Date.parse('2026-11-23T09:30:30.000Z'); // in the minute bucket [09:30, 09:31)
    const state = fold([pageView('e1', at)]);
    const count = (now: number) => windowCount(state, 'pageView', { ms: HOUR_MS }, now);
    expect(count(Date.parse('2026-11-23T09:30:00.000Z'))).toBe(1); // the bucket has started
    expect(count(Date.parse('2026-11-23T09:29:59.999Z'))).toBe(0);
    expect(count(Date.parse('2026-11-23T10:30:59.999Z'))).toBe(1);
    expect(count(Date.parse('2026-11-23T10:31:00.000Z'))).toBe(0); // bucket end + 1 h
  });

  it('coarsens with age: an event 40 days old counts in whole days', () => {
    const at = NOW - 40 * DAY_MS + 5 * HOUR_MS; // 2026-10-14T15:00Z, a day bucket [10-14, 10-15)
    const state = fold([purchase('e1', at, 10)]);
    expect(windowCount(state, 'purchase', { ms: 40 * DAY_MS }, NOW)).toBe(1);
    expect(windowCount(state, 'purchase', { ms: 40 * DAY_MS }, Date.parse('2026-11-23T23:59:59.999Z'))).toBe(1);
    expect(windowCount(state, 'purchase', { ms: 40 * DAY_MS }, Date.parse('2026-11-24T00:00:00.000Z'))).toBe(0);
  });

  it('filters by category with hour buckets, and by campaign', () => {
    const state = fold([
      pageView('e1', NOW - 30 * MINUTE_MS, { category: 'shoes' }),
      pageView('e2', NOW - 3 * HOUR_MS, { category: 'shoes' }),
      pageView('e3', NOW - 10 * MINUTE_MS, { category: 'hats' }),
      emailOpen('e4', NOW - 10 * MINUTE_MS, 'spring'),
    ]);
    expect(windowCount(state, 'pageView', { ms: HOUR_MS }, NOW, { category: 'shoes' })).toBe(1);
    expect(windowCount(state, 'pageView', { ms: HOUR_MS }, NOW + 59 * MINUTE_MS, { category: 'shoes' })).toBe(1); // bucket [09:00, 10:00)
    expect(windowCount(state, 'pageView', { ms: HOUR_MS }, NOW + 60 * MINUTE_MS, { category: 'shoes' })).toBe(0);
    expect(windowCount(state, 'pageView', { ms: HOUR_MS }, NOW)).toBe(2);
    expect(windowCount(state, 'emailOpen', { ms: HOUR_MS }, NOW, { campaignId: 'spring' })).toBe(1);
    expect(windowCount(state, 'emailOpen', { ms: HOUR_MS }, NOW, { campaignId: 'autumn' })).toBe(0);
  });

  it('does not count events ahead of now until their bucket starts', () => {
    const state = fold([pageView('e1', NOW + 3 * MINUTE_MS)]);
    expect(windowCount(state, 'pageView', { ms: HOUR_MS }, NOW)).toBe(0);
    expect(windowCount(state, 'pageView', { ms: HOUR_MS }, NOW + 3 * MINUTE_MS)).toBe(1);
  });

  it('rounds windows beyond 48 h up to whole hours and beyond 30 days up to whole days', () => {
    expect(effectiveWindowMs({ ms: 90 * MINUTE_MS })).toBe(90 * MINUTE_MS);
    expect(effectiveWindowMs({ ms: 48 * HOUR_MS })).toBe(48 * HOUR_MS);
    expect(effectiveWindowMs({ ms: 48 * HOUR_MS + 1 })).toBe(49 * HOUR_MS);
    expect(effectiveWindowMs({ ms: 30 * DAY_MS + 1 })).toBe(31 * DAY_MS);
    expect(effectiveWindowMs({ ms: 400 * DAY_MS })).toBe(400 * DAY_MS);
  });

  it('rejects windows out of range and filters that do not apply', () => {
    const state = fold([]);
    expect(() => windowCount(state, 'pageView', { ms: 0 }, NOW)).toThrow(RangeError);
    expect(() => windowCount(state, 'pageView', { ms: 401 * DAY_MS }, NOW)).toThrow(RangeError);
    expect(() => windowCount(state, 'pageView', { ms: 1.5 }, NOW)).toThrow(RangeError);
    expect(() => windowCount(state, 'purchase', { ms: HOUR_MS }, NOW, { campaignId: 'x' })).toThrow(RangeError);
    expect(() => windowCount(state, 'emailOpen', { ms: HOUR_MS }, NOW, { category: 'x' })).toThrow(RangeError);
  });
});
