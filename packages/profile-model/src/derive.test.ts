import { describe, expect, it } from 'vitest';
import { ProfileView } from '@segflow/contracts';
import { avgOrderValue, deriveProfile } from './derive.js';
import { computeQuintiles } from './rfm.js';
import { NOW, SCORING, context, emailOpen, fold, pageView, purchase, traits } from './test-support.js';
import { DAY_MS, HOUR_MS } from './time.js';

describe('derived profile', () => {
  const state = fold(
    [
      traits('e1', NOW - 10 * DAY_MS, { firstName: 'Ada', birthDate: '1990-11-24', country: 'DE' }),
      purchase('e2', NOW - 20 * DAY_MS, 30, { items: [{ sku: 's', category: 'shoes', quantity: 1, price: 30 }] }),
      purchase('e3', NOW - 2 * DAY_MS, 10, { currency: 'USD' }),
      purchase('e4', NOW - HOUR_MS, 0.01),
      pageView('e5', NOW - HOUR_MS, { url: '/pricing', category: 'shoes' }),
      emailOpen('e6', NOW - DAY_MS, 'spring'),
    ],
    context({ scoring: SCORING }),
  );

  it('adds age, average order value, the decayed lead score and the lifecycle stage', () => {
    const view = deriveProfile(state, NOW);
    expect(view.age).toBe(35);
    expect(deriveProfile(state, Date.parse('2026-11-24T00:00:00Z')).age).toBe(36);
    expect(view.purchase).toMatchObject({ count: 3, total: 39.01, avgOrderValue: 13.0033 });
    expect(view.purchase.categories).toEqual({ shoes: { count: 1, total: 30, lastAt: new Date(NOW - 20 * DAY_MS).toISOString() } });
    expect(view.pageView.categories.shoes?.count).toBe(1);
    expect(view.emailOpen.campaigns.spring?.count).toBe(1);
    expect(view.leadScore.asOf).toBe(new Date(NOW).toISOString());
    expect(view.leadScore.value).toBeGreaterThan(40);
    expect(view.lifecycleStage).toBe('retention');
    expect(view.rfm).toBeNull();
    expect(ProfileView.parse(view)).toEqual(view);
  });

  it('adds RFM scores and segment given population quintiles', () => {
    const quintiles = computeQuintiles([
      { recencyDays: 0, frequency: 3, monetary: 39.01 },
      { recencyDays: 10, frequency: 1, monetary: 5 },
      { recencyDays: 100, frequency: 1, monetary: 500 },
      { recencyDays: 200, frequency: 2, monetary: 50 },
      { recencyDays: 300, frequency: 1, monetary: 1 },
    ]);
    const view = deriveProfile(state, NOW, { rfm: { quintiles } });
    expect(view.rfm).toEqual({ recency: 5, frequency: 5, monetary: 3, segment: 'champions', recencyDays: 0, purchases: 3, spend: 39.01 });
    expect(deriveProfile(fold([pageView('e1', NOW)]), NOW, { rfm: { quintiles } }).rfm).toBeNull();
  });

  it('leaves out what is not known', () => {
    const view = deriveProfile(fold([pageView('e1', NOW)]), NOW);
    expect(view).toMatchObject({ age: null, purchase: { avgOrderValue: null, firstAt: null }, leadScore: { value: 0 }, lifecycleStage: 'consideration' });
    expect(avgOrderValue(fold([]))).toBeNull();
  });
});
