import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CATEGORIES, NOW, context, eventTime, fold, histories, purchase } from './test-support.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from './time.js';
import { nextTrendChange, windowTrend } from './trends.js';
import type { Measure, WindowWhere } from './windows.js';
import { windowCount, windowSum } from './windows.js';

const H = { ms: HOUR_MS };
const q = (measure: Measure, window: { ms: number }, compareTo: { ms: number }, where?: WindowWhere) => ({ metric: 'purchase' as const, measure, window, compareTo, ...(where ? { where } : {}) });

describe('window trends', () => {
  it('compares the last hour with the hour before it: current, previous, ratio and difference', () => {
    const state = fold([purchase('e1', NOW - 90 * MINUTE_MS, 40), purchase('e2', NOW - 80 * MINUTE_MS, 60), purchase('e3', NOW - 10 * MINUTE_MS, 25)]);
    expect(windowTrend(state, q('sum', H, H), NOW)).toEqual({ current: 25, previous: 100, ratio: 0.25, difference: -75 });
    expect(windowTrend(state, q('count', H, H), NOW)).toEqual({ current: 1, previous: 2, ratio: 0.5, difference: -1 });
  });

  it('has no ratio when the previous period is empty, whatever the current one holds', () => {
    const state = fold([purchase('e1', NOW - 10 * MINUTE_MS, 25)]);
    expect(windowTrend(state, q('sum', H, H), NOW)).toEqual({ current: 25, previous: 0, ratio: null, difference: 25 });
    expect(windowTrend(fold([]), q('count', H, H), NOW)).toEqual({ current: 0, previous: 0, ratio: null, difference: 0 });
  });

  it('moves a bucket from the current window to the previous period, then out, at its end plus each window', () => {
    const at = Date.parse('2026-11-23T09:30:30.000Z'); // the minute bucket [09:30, 09:31)
    const state = fold([purchase('e1', at, 10)]);
    const trend = (t: number) => windowTrend(state, q('count', H, { ms: 2 * HOUR_MS }), t);
    expect(trend(Date.parse('2026-11-23T10:30:59.999Z'))).toMatchObject({ current: 1, previous: 0 });
    expect(trend(Date.parse('2026-11-23T10:31:00.000Z'))).toMatchObject({ current: 0, previous: 1 });
    expect(nextTrendChange(state, q('count', H, { ms: 2 * HOUR_MS }), NOW)).toBe(Date.parse('2026-11-23T10:31:00.000Z'));
    expect(trend(Date.parse('2026-11-23T12:30:59.999Z'))).toMatchObject({ current: 0, previous: 1 });
    expect(trend(Date.parse('2026-11-23T12:31:00.000Z'))).toMatchObject({ current: 0, previous: 0 });
    expect(nextTrendChange(state, q('count', H, { ms: 2 * HOUR_MS }), Date.parse('2026-11-23T10:31:00.000Z'))).toBe(Date.parse('2026-11-23T12:31:00.000Z'));
    expect(nextTrendChange(state, q('count', H, { ms: 2 * HOUR_MS }), Date.parse('2026-11-23T12:31:00.000Z'))).toBeNull();
  });

  it('compares 90 days with the 90 days before in day buckets, per category too', () => {
    const shoes = (id: string, at: number, price: number) => purchase(id, at, price, { items: [{ sku: 's', category: 'shoes', quantity: 1, price }] });
    const state = fold([shoes('e1', NOW - 150 * DAY_MS, 120), shoes('e2', NOW - 100 * DAY_MS, 80), purchase('e3', NOW - 20 * DAY_MS, 50)]);
    const ninety = { ms: 90 * DAY_MS };
    expect(windowTrend(state, q('sum', ninety, ninety), NOW)).toEqual({ current: 50, previous: 200, ratio: 0.25, difference: -150 });
    expect(windowTrend(state, q('sum', ninety, ninety, { category: 'shoes' }), NOW)).toEqual({ current: 0, previous: 200, ratio: 0, difference: -200 });
  });

  it('is the current window and the span of both periods less it, for random histories, windows and instants', () => {
    const wheres: fc.Arbitrary<WindowWhere | undefined> = fc.option(fc.constantFrom(...CATEGORIES).map((category) => ({ category })), { nil: undefined });
    const window = fc.oneof(fc.integer({ min: 1, max: 72 }).map((h) => h * HOUR_MS), fc.integer({ min: 1, max: 200 }).map((d) => d * DAY_MS));
    fc.assert(
      fc.property(
        histories(fc.oneof(eventTime(3), eventTime(450)), 40),
        window,
        window,
        fc.integer({ min: 0, max: 400 * DAY_MS }),
        fc.constantFrom<Measure>('count', 'sum'),
        wheres,
        (events, w, p, offset, measure, where) => {
          const state = fold(events, context());
          const at = NOW + offset;
          const figure = (span: number) => (measure === 'sum' ? windowSum(state, 'purchase', { ms: span }, at, where) : windowCount(state, 'purchase', { ms: span }, at, where));
          const trend = windowTrend(state, q(measure, { ms: w }, { ms: p }, where), at);
          expect(trend.current).toBe(figure(w));
          expect(trend.current + trend.previous).toBeCloseTo(figure(w + p), 8);
          expect(trend.previous).toBeGreaterThanOrEqual(0);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('changes first at nextTrendChange: different there, the same just before it and at every instant in between', () => {
    const window = fc.oneof(fc.integer({ min: 1, max: 72 }).map((h) => h * HOUR_MS), fc.integer({ min: 1, max: 200 }).map((d) => d * DAY_MS));
    fc.assert(
      fc.property(
        histories(fc.oneof(eventTime(3), eventTime(450)), 30, 1),
        window,
        window,
        fc.integer({ min: 0, max: 3 * DAY_MS }),
        fc.constantFrom<Measure>('count', 'sum'),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 5, maxLength: 5 }),
        (events, w, p, offset, measure, samples) => {
          const state = fold(events, context());
          const query = q(measure, { ms: w }, { ms: p });
          const now = NOW + offset;
          const value = (t: number) => JSON.stringify(windowTrend(state, query, t));
          const at = nextTrendChange(state, query, now);
          const until = at ?? now + 402 * DAY_MS;
          for (const s of samples) expect(value(now + Math.floor(s * (until - 1 - now)))).toBe(value(now));
          if (at === null) return;
          expect(value(at)).not.toBe(value(now));
          expect(value(at - 1)).toBe(value(now));
        },
      ),
      { numRuns: 500 },
    );
  });
});
