import { describe, expect, it } from 'vitest';
import { validate } from './issues.js';
import { SegmentInput, slugify } from './segments.js';

const pathsOf = (rule: unknown) => {
  const result = validate(SegmentInput, { name: 'x', rule });
  return result.ok ? [] : result.errors.map((e) => e.path);
};

describe('segment rule schema', () => {
  it('accepts nested all/any/not with numeric comparisons', () => {
    const rule = {
      all: [
        { field: 'purchase.count', op: 'gte', value: 3 },
        { any: [{ field: 'purchase.total', op: 'between', value: [100, 500] }, { not: { field: 'emailOpen.count', op: 'eq', value: 0 } }] },
      ],
    };
    expect(pathsOf(rule)).toEqual([]);
  });

  it('names the path of a bad operator deep in the tree', () => {
    const rule = { all: [{ field: 'purchase.count', op: 'gte', value: 1 }, { any: [{ field: 'purchase.count', op: 'bigger', value: 3 }] }] };
    expect(pathsOf(rule)).toEqual(['rule.all[1].any[0].op']);
  });

  it('names an unknown field', () => {
    expect(pathsOf({ not: { field: 'purchase.colour', op: 'eq', value: 1 } })).toEqual(['rule.not.field']);
  });

  it('rejects between without a pair, and a number op with a pair', () => {
    expect(pathsOf({ field: 'purchase.total', op: 'between', value: 3 })).toEqual(['rule.value']);
    expect(pathsOf({ field: 'purchase.total', op: 'gt', value: [1, 2] })).toEqual(['rule.value']);
    expect(pathsOf({ field: 'purchase.total', op: 'between', value: [5, 2] })).toEqual(['rule.value']);
  });

  it('accepts the DESIGN example: windows, where and withinLast', () => {
    const rule = {
      all: [
        { field: 'purchase.count', op: 'gte', value: 3, window: '30d', where: { category: 'shoes' } },
        { not: { field: 'emailOpen.lastAt', op: 'withinLast', value: '14d' } },
      ],
    };
    expect(pathsOf(rule)).toEqual([]);
  });

  it.each([
    [{ field: 'purchase.lastAt', op: 'gt', value: 3 }, 'rule.op'],
    [{ field: 'purchase.lastAt', op: 'withinLast', value: '2w' }, 'rule.value'],
    [{ field: 'purchase.lastAt', op: 'withinLast', value: '401d' }, 'rule.value'],
    [{ field: 'purchase.count', op: 'gte', value: 1, window: '30m' }, 'rule.window'],
    [{ field: 'leadScore', op: 'gte', value: 1, window: '30d' }, 'rule.window'],
    [{ field: 'emailOpen.count', op: 'gte', value: 1, where: { category: 'x' } }, 'rule.where'],
    [{ field: 'lifecycleStage', op: 'eq', value: 3 }, 'rule.value'],
    [{ field: 'traits.country', op: 'in', value: [] }, 'rule.value'],
    [{ field: 'traits.email', op: 'exists', value: true }, 'rule.value'],
    [{ field: 'purchase.firstAt', op: 'before', value: 'yesterday' }, 'rule.value'],
    [{ field: 'colour', op: 'eq', value: 'red' }, 'rule.field'],
  ])('rejects %j at %s', (condition, path) => {
    expect(pathsOf(condition)).toEqual([path]);
  });

  it('accepts trait conditions of every kind', () => {
    for (const condition of [
      { field: 'traits.country', op: 'in', value: ['DE', 'FR'] },
      { field: 'traits.interests', op: 'contains', value: 'running' },
      { field: 'traits.consent.email', op: 'eq', value: true },
      { field: 'traits.custom.tier', op: 'neq', value: 'gold' },
      { field: 'traits.email', op: 'exists' },
      { field: 'traits.birthDate', op: 'before', value: '2000-01-01' },
    ]) {
      expect(pathsOf(condition)).toEqual([]);
    }
  });

  it('accepts a trend: spend over a window compared with the period before it, in one rule with its count', () => {
    const rule = {
      all: [
        { field: 'purchase.total', window: '90d', compareTo: { window: '90d' }, measure: 'ratio', op: 'lt', value: 0.5 },
        { field: 'purchase.count', window: '90d', compareTo: { window: '90d' }, measure: 'previous', op: 'gte', value: 2 },
        { field: 'purchase.total', window: '7d', compareTo: { window: '21d' }, measure: 'difference', op: 'between', value: [-10, 10], where: { category: 'shoes' } },
        { field: 'purchase.total', window: '200d', compareTo: { window: '200d' }, measure: 'current', op: 'exists' },
      ],
    };
    expect(pathsOf(rule)).toEqual([]);
  });

  it.each([
    [{ field: 'purchase.avgOrderValue', window: '90d', compareTo: { window: '90d' }, measure: 'ratio', op: 'lt', value: 1 }, 'rule.compareTo'],
    [{ field: 'pageView.count', window: '90d', compareTo: { window: '90d' }, measure: 'ratio', op: 'lt', value: 1 }, 'rule.compareTo'],
    [{ field: 'purchase.total', compareTo: { window: '90d' }, measure: 'ratio', op: 'lt', value: 1 }, 'rule.window'],
    [{ field: 'purchase.total', window: '90d', compareTo: { window: '3w' }, measure: 'ratio', op: 'lt', value: 1 }, 'rule.compareTo.window'],
    [{ field: 'purchase.total', window: '365d', compareTo: { window: '365d' }, measure: 'ratio', op: 'lt', value: 1 }, 'rule.compareTo.window'],
    [{ field: 'purchase.total', window: '90d', compareTo: { window: '90d' }, op: 'lt', value: 1 }, 'rule.measure'],
    [{ field: 'purchase.total', window: '90d', measure: 'ratio', op: 'lt', value: 1 }, 'rule.measure'],
    [{ field: 'purchase.total', window: '90d', compareTo: { window: '90d' }, measure: 'share', op: 'lt', value: 1 }, 'rule.measure'],
    [{ field: 'purchase.total', window: '90d', compareTo: { window: '90d' }, measure: 'ratio', op: 'withinLast', value: '1d' }, 'rule.op'],
  ])('rejects the trend %j at %s', (condition, path) => {
    expect(pathsOf(condition)).toEqual([path]);
  });

  it('keeps measure beside compareTo, not inside it', () => {
    const condition = { field: 'purchase.total', window: '90d', compareTo: { window: '90d', measure: 'ratio' }, op: 'lt', value: 1 };
    expect(pathsOf(condition)).toEqual(['rule.compareTo.measure', 'rule.measure']);
  });

  it('rejects an empty all and an unknown key', () => {
    expect(pathsOf({ all: [] })).toEqual(['rule.all']);
    expect(pathsOf({ field: 'purchase.count', op: 'gt', value: 1, extra: true })).toEqual(['rule.extra']);
  });
});

describe('slugify', () => {
  it('derives a slug from a name', () => {
    expect(slugify('VIP Customers (EU)')).toBe('vip-customers-eu');
    expect(slugify('Café Lovers')).toBe('cafe-lovers');
    expect(slugify('***')).toBe('segment');
    expect(slugify('a'.repeat(80))).toHaveLength(64);
  });
});
