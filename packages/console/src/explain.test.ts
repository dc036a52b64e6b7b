import { describe, expect, it } from 'vitest';
import { explain } from './explain.js';

describe('membership explanations', () => {
  it('says which figure went from what to what', () => {
    expect(explain('entered', [{ path: '', field: 'purchase.count', op: 'gte', value: 3, actual: 3, was: 2 }], 'event')).toBe(
      'entered because purchase.count went from 2 to 3 (purchase.count ≥ 3)',
    );
    expect(explain('exited', [{ path: 'all[0]', field: 'purchase.total', window: '30d', op: 'gte', value: 100, actual: 80.5, was: 120 }], 'time')).toBe(
      'exited because purchase.total (30d) went from 120 to 80.5 (purchase.total (30d) ≥ 100)',
    );
  });

  it('names the figure alone for a customer seen for the first time, and the reason when nothing flipped', () => {
    expect(explain('entered', [{ path: '', field: 'lifecycleStage', op: 'eq', value: 'retention', actual: 'retention', was: null }], 'backfill')).toBe(
      'entered because lifecycleStage is retention (lifecycleStage = retention)',
    );
    expect(explain('exited', [], 'segment_deleted')).toBe('exited (segment deleted)');
  });
});
