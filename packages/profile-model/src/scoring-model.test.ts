import { describe, expect, it } from 'vitest';
import { ScoringModelInput, validate } from '@segflow/contracts';

const rule = { id: 'pricing-views', eventType: 'page_view', filters: { urlPrefix: '/pricing' }, points: 5, dailyCap: 15 };

describe('scoring model validation', () => {
  it('accepts a model and defaults the half-life to 30 days and filters to none', () => {
    const parsed = ScoringModelInput.parse({ rules: [rule, { id: 'buy', eventType: 'purchase', points: 20 }] });
    expect(parsed.halfLifeDays).toBe(30);
    expect(parsed.rules[1]!.filters).toEqual({});
  });

  it.each([
    ['a duplicate rule id', { rules: [rule, rule] }, 'rules[1].id'],
    ['a filter that does not apply to the event type', { rules: [{ ...rule, eventType: 'email_open' }] }, 'rules[0].filters.urlPrefix'],
    ['zero points', { rules: [{ ...rule, points: 0 }] }, 'rules[0].points'],
    ['a daily cap on negative points', { rules: [{ ...rule, points: -2 }] }, 'rules[0].dailyCap'],
    ['a non-positive cap', { rules: [{ ...rule, dailyCap: 0 }] }, 'rules[0].dailyCap'],
    ['an id that is not a slug', { rules: [{ ...rule, id: 'Pricing Views' }] }, 'rules[0].id'],
    ['an unknown event type', { rules: [{ ...rule, eventType: 'click' }] }, 'rules[0].eventType'],
    ['an unknown key', { rules: [{ ...rule, weight: 2 }] }, 'rules[0].weight'],
    ['a half-life of zero', { halfLifeDays: 0, rules: [] }, 'halfLifeDays'],
    ['a half-life over ten years', { halfLifeDays: 3651, rules: [] }, 'halfLifeDays'],
    ['a negative minimum amount', { rules: [{ id: 'big', eventType: 'purchase', filters: { minAmount: -1 }, points: 1 }] }, 'rules[0].filters.minAmount'],
    ['more than 200 rules', { rules: Array.from({ length: 201 }, (_, i) => ({ ...rule, id: `r-${i}` })) }, 'rules'],
  ])('rejects %s', (_, input, path) => {
    const result = validate(ScoringModelInput, input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.map((e) => e.path)).toContain(path);
  });
});
