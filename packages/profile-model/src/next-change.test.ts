import { LifecycleThresholds } from '@segflow/contracts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OTHER } from './limits.js';
import { leadScore } from './lead-score.js';
import { DEFAULT_LIFECYCLE_CONFIG, lifecycleStage } from './lifecycle.js';
import { nextBirthday } from './age.js';
import { nextChange, nextLifecycleChange, nextWindowChange, scoreCrossingAt } from './next-change.js';
import { CATEGORIES, NOW, SCORING, SMALL_LIMITS, context, eventTime, fold, histories, pageView, purchase, traits } from './test-support.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from './time.js';
import type { ActivityMetric, Measure, WindowWhere } from './windows.js';
import { windowCount, windowSum } from './windows.js';

const windows = fc.oneof(
  fc.integer({ min: 1, max: 72 }).map((h) => h * HOUR_MS),
  fc.integer({ min: 1, max: 400 }).map((d) => d * DAY_MS),
  fc.integer({ min: 1, max: 400 * DAY_MS }),
);
const queries: fc.Arbitrary<{ metric: ActivityMetric; where?: WindowWhere; measure: Measure }> = fc.oneof(
  fc.constantFrom<ActivityMetric>('purchase', 'pageView', 'emailOpen').map((metric) => ({ metric, measure: 'count' as const })),
  fc.constant({ metric: 'purchase' as const, measure: 'sum' as const }),
  fc.constantFrom(...CATEGORIES, OTHER).map((category) => ({ metric: 'purchase' as const, where: { category }, measure: 'sum' as const })),
  fc.constantFrom(...CATEGORIES, OTHER).map((category) => ({ metric: 'pageView' as const, where: { category }, measure: 'count' as const })),
);

describe('next window change', () => {
  it('returns the instant the count or sum changes, unchanged just before it and at every instant in between', () => {
    fc.assert(
      fc.property(
        histories(fc.oneof(eventTime(3), eventTime(60), eventTime(450)), 40, 1),
        fc.oneof(fc.integer({ min: -2 * DAY_MS, max: 3 * DAY_MS }), fc.integer({ min: 0, max: 450 * DAY_MS })),
        windows,
        queries,
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 5, maxLength: 5 }),
        (events, offset, w, { metric, where, measure }, samples) => {
          const state = fold(events, context({ limits: SMALL_LIMITS }));
          const now = NOW + offset;
          const value = (t: number) => (measure === 'sum' ? windowSum(state, 'purchase', { ms: w }, t, where) : windowCount(state, metric, { ms: w }, t, where));
          const at = nextWindowChange(state, metric, { ms: w }, now, where, measure);
          if (at === null) {
            for (const s of samples) expect(value(now + Math.floor(s * 900 * DAY_MS))).toBe(value(now));
            return;
          }
          expect(at).toBeGreaterThan(now);
          expect(value(at)).not.toBe(value(now));
          expect(value(at - 1)).toBe(value(now));
          for (const s of samples) expect(value(now + Math.floor(s * (at - 1 - now)))).toBe(value(now));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('finds the lifecycle stage\'s next change exactly: another stage at it, the same one everywhere before it', () => {
    const configs = fc.constantFrom(
      DEFAULT_LIFECYCLE_CONFIG,
      LifecycleThresholds.parse({ loyalty: { minPurchases: 2, minSpend: 120, windowDays: 20 }, retention: { lastPurchaseWithinDays: 10 }, decision: { minLeadScore: null } }),
    );
    fc.assert(
      fc.property(
        histories(fc.oneof(eventTime(3), eventTime(60), eventTime(450)), 40, 1),
        fc.oneof(fc.integer({ min: 0, max: 3 * DAY_MS }), fc.integer({ min: 0, max: 450 * DAY_MS })),
        configs,
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 5, maxLength: 5 }),
        (events, offset, config, samples) => {
          const state = fold(events, context({ limits: SMALL_LIMITS }));
          const now = NOW + offset;
          const stage = (t: number) => lifecycleStage(state, t, config);
          const at = nextLifecycleChange(state, now, config);
          const horizon = at ?? now + 900 * DAY_MS;
          for (const s of samples) expect(stage(now + Math.floor(s * (horizon - 1 - now)))).toBe(stage(now));
          if (at === null) return;
          expect(at).toBeGreaterThan(now);
          expect(stage(at - 1)).toBe(stage(now));
          expect(stage(at)).not.toBe(stage(now));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('is the end of the oldest counted bucket plus the window', () => {
    const state = fold([pageView('e1', NOW - 30 * MINUTE_MS + 10_000), pageView('e2', NOW - 10 * MINUTE_MS)]);
    expect(nextWindowChange(state, 'pageView', { ms: HOUR_MS }, NOW)).toBe(NOW + 31 * MINUTE_MS);
    expect(nextWindowChange(state, 'pageView', { ms: HOUR_MS }, NOW + 31 * MINUTE_MS)).toBe(NOW + 51 * MINUTE_MS);
    expect(nextWindowChange(state, 'pageView', { ms: HOUR_MS }, NOW + 51 * MINUTE_MS)).toBeNull();
  });

  it('includes events ahead of now entering the window, and skips instants where changes cancel out', () => {
    const ahead = fold([pageView('e1', NOW + 4 * MINUTE_MS)]);
    expect(nextWindowChange(ahead, 'pageView', { ms: HOUR_MS }, NOW)).toBe(NOW + 4 * MINUTE_MS);
    // one bucket leaves at NOW + 2 min exactly as another enters
    const both = fold([pageView('e1', NOW - 58 * MINUTE_MS - 1), pageView('e2', NOW + 2 * MINUTE_MS)]);
    expect(windowCount(both, 'pageView', { ms: HOUR_MS }, NOW)).toBe(1);
    expect(nextWindowChange(both, 'pageView', { ms: HOUR_MS }, NOW)).toBe(NOW + 63 * MINUTE_MS);
  });

  it('ignores purchases of amount 0 for sums', () => {
    const state = fold([purchase('e1', NOW - 10 * MINUTE_MS, 0), purchase('e2', NOW - 5 * MINUTE_MS, 3)]);
    expect(nextWindowChange(state, 'purchase', { ms: HOUR_MS }, NOW, undefined, 'sum')).toBe(NOW + 56 * MINUTE_MS);
    expect(nextWindowChange(state, 'purchase', { ms: HOUR_MS }, NOW)).toBe(NOW + 51 * MINUTE_MS);
  });
});

describe('next change of any watched value', () => {
  it('is the earliest of the watched values’ next changes', () => {
    const state = fold(
      [traits('e0', NOW - DAY_MS, { birthDate: '1990-11-25' }), pageView('e1', NOW - 10 * MINUTE_MS, { url: '/pricing' }), purchase('e2', NOW - DAY_MS, 10)],
      context({ scoring: SCORING }),
    );
    const window = { metric: 'pageView' as const, window: { ms: 2 * HOUR_MS } };
    expect(nextChange(state, NOW, { windows: [window] })).toBe(NOW + 111 * MINUTE_MS);
    expect(nextChange(state, NOW, { age: true })).toBe(nextBirthday('1990-11-25', NOW));
    const threshold = leadScore(state, NOW) - 1;
    expect(nextChange(state, NOW, { scoreThresholds: [threshold] })).toBe(scoreCrossingAt(state, threshold, NOW));
    expect(nextChange(state, NOW, { lifecycle: DEFAULT_LIFECYCLE_CONFIG })).toBe(nextLifecycleChange(state, NOW));
    expect(nextChange(state, NOW, { windows: [window], age: true, scoreThresholds: [threshold] })).toBe(NOW + 111 * MINUTE_MS);
    expect(nextChange(state, NOW, {})).toBeNull();
  });
});
