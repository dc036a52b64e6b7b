import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LifecycleConfig } from './lifecycle.js';
import { DEFAULT_LIFECYCLE_CONFIG, lifecycleStage } from './lifecycle.js';
import { nextLifecycleChange } from './next-change.js';
import { NOW, SCORING, context, emailOpen, eventTime, fold, histories, pageView, purchase, traits } from './test-support.js';
import { DAY_MS } from './time.js';

const scored = context({ scoring: SCORING });

describe('lifecycle stage', () => {
  it('is awareness for a customer known only by traits, or whose engagement is old', () => {
    expect(lifecycleStage(fold([traits('e1', NOW, { city: 'Oslo' })]), NOW)).toBe('awareness');
    expect(lifecycleStage(fold([pageView('e1', NOW - 31 * DAY_MS)]), NOW)).toBe('awareness');
  });

  it('is consideration after a page view or email open in the last 30 days', () => {
    expect(lifecycleStage(fold([pageView('e1', NOW - 29 * DAY_MS)]), NOW)).toBe('consideration');
    expect(lifecycleStage(fold([emailOpen('e1', NOW - DAY_MS)]), NOW)).toBe('consideration');
  });

  it('is decision after a first purchase, or with a lead score of 50', () => {
    expect(lifecycleStage(fold([purchase('e1', NOW - 300 * DAY_MS, 10)]), NOW)).toBe('decision');
    const hot = fold([purchase('e1', NOW, 200)], scored); // 20 + 15 (capped at 20) = 35
    const lead = { ...hot, purchase: { ...hot.purchase, count: 0 } }; // the score without the purchase
    expect(lifecycleStage(lead, NOW)).toBe('awareness');
    expect(lifecycleStage(lead, NOW, { ...DEFAULT_LIFECYCLE_CONFIG, decision: { minLeadScore: 30 } })).toBe('decision');
    const hotter = fold([0, 1, 2].map((i) => pageView(`v${i}`, NOW - i, { url: '/pricing' })).concat([emailOpen('o', NOW, 'spring')]), scored);
    const config: LifecycleConfig = { ...DEFAULT_LIFECYCLE_CONFIG, decision: { minLeadScore: 9 } };
    expect(lifecycleStage(hotter, NOW, config)).toBe('decision'); // 7 + 1.5 + 2 = 10.5
    expect(lifecycleStage(hotter, NOW, { ...config, decision: { minLeadScore: null } })).toBe('consideration');
  });

  it('is retention with two purchases, the last within 180 days', () => {
    const two = fold([purchase('e1', NOW - 400 * DAY_MS, 10), purchase('e2', NOW - 179 * DAY_MS, 10)]);
    expect(lifecycleStage(two, NOW)).toBe('retention');
    expect(lifecycleStage(two, NOW + DAY_MS)).toBe('decision');
  });

  it('is loyalty with five purchases in 365 days, or the configured spend', () => {
    const five = fold([1, 2, 3, 4, 5].map((i) => purchase(`e${i}`, NOW - i * 30 * DAY_MS, 10)));
    expect(lifecycleStage(five, NOW)).toBe('loyalty');
    const big = fold([purchase('e1', NOW - 10 * DAY_MS, 900), purchase('e2', NOW - 5 * DAY_MS, 200)]);
    expect(lifecycleStage(big, NOW)).toBe('retention');
    expect(lifecycleStage(big, NOW, { ...DEFAULT_LIFECYCLE_CONFIG, loyalty: { ...DEFAULT_LIFECYCLE_CONFIG.loyalty, minSpend: 1000 } })).toBe('loyalty');
  });

  it('tells exactly when the stage next changes with time alone', () => {
    const config: LifecycleConfig = { ...DEFAULT_LIFECYCLE_CONFIG, decision: { minLeadScore: 20 }, loyalty: { minPurchases: 3, minSpend: 500, windowDays: 60 } };
    fc.assert(
      fc.property(
        histories(fc.oneof(eventTime(10), eventTime(200)), 25),
        fc.integer({ min: -DAY_MS, max: 200 * DAY_MS }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 4, maxLength: 4 }),
        (events, offset, samples) => {
          const state = fold(events, scored);
          const q = NOW + offset;
          const at = nextLifecycleChange(state, q, config);
          const stage = lifecycleStage(state, q, config);
          if (at === null) {
            for (const s of samples) expect(lifecycleStage(state, q + Math.floor(s * 800 * DAY_MS), config)).toBe(stage);
            return;
          }
          expect(lifecycleStage(state, at, config)).not.toBe(stage);
          expect(lifecycleStage(state, at - 1, config)).toBe(stage);
          for (const s of samples) expect(lifecycleStage(state, q + Math.floor(s * (at - q - 1)), config)).toBe(stage);
        },
      ),
      { numRuns: 300 },
    );
  });
});
