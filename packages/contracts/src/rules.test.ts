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
