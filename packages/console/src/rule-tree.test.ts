import { describe, expect, it } from 'vitest';
import { errorsAt, pathText, updateAt, withField, withOp } from './rule-tree.js';
import type { Rule } from './rule-tree.js';

const rule: Rule = {
  all: [
    { field: 'purchase.count', op: 'gte', value: 3, window: '30d', where: { category: 'shoes' } },
    { not: { field: 'emailOpen.lastAt', op: 'withinLast', value: '14d' } },
  ],
};

describe('rule tree', () => {
  it('writes node paths as the API does', () => {
    expect(pathText(['all', 1, 'not'])).toBe('all[1].not');
    expect(pathText([])).toBe('');
  });

  it('replaces and removes nodes by path, leaving the rest as it was', () => {
    const changed = updateAt(rule, ['all', 1, 'not'], () => ({ field: 'leadScore', op: 'gt', value: 10 }));
    expect(changed).toEqual({ all: [rule.all[0], { not: { field: 'leadScore', op: 'gt', value: 10 } }] });
    expect(updateAt(rule, ['all', 0], () => null)).toEqual({ all: [rule.all[1]] });
    // Removing what a not wraps removes the not.
    expect(updateAt(rule, ['all', 1, 'not'], () => null)).toEqual({ all: [rule.all[0]] });
  });

  it('keeps what still applies when the field changes, and resets the value when the kind does', () => {
    expect(withField({ field: 'purchase.count', op: 'gte', value: 3, window: '30d', where: { category: 'shoes' } }, 'purchase.total')).toEqual({
      field: 'purchase.total', op: 'gte', value: 3, window: '30d', where: { category: 'shoes' },
    });
    expect(withField({ field: 'purchase.count', op: 'gte', value: 3, window: '30d', where: { category: 'shoes' } }, 'emailOpen.count')).toEqual({
      field: 'emailOpen.count', op: 'gte', value: 3, window: '30d',
    });
    expect(withField({ field: 'purchase.count', op: 'gte', value: 3 }, 'purchase.lastAt')).toEqual({ field: 'purchase.lastAt', op: 'withinLast', value: '30d' });
    expect(withOp({ field: 'purchase.count', op: 'gte', value: 3 }, 'exists')).toEqual({ field: 'purchase.count', op: 'exists' });
    expect(withOp({ field: 'purchase.count', op: 'gte', value: 3 }, 'gte')).toEqual({ field: 'purchase.count', op: 'gte', value: 3 });
    expect(withOp({ field: 'purchase.count', op: 'gte', value: 3 }, 'lt')).toEqual({ field: 'purchase.count', op: 'lt', value: 1 });
  });

  it('gives each node the problem errors of its own keys, not those of the nodes below it', () => {
    const errors = [
      { path: 'body.rule.all[0].value', message: 'expects a number' },
      { path: 'body.rule.all[1].not.field', message: 'unknown field' },
      { path: 'body.rule.all', message: 'too small' },
      { path: 'body.rule.all[0].where.category', message: 'too long' },
    ];
    expect(errorsAt(errors, ['all', 0]).map((e) => e.message)).toEqual(['expects a number', 'too long']);
    expect(errorsAt(errors, ['all', 1, 'not']).map((e) => e.message)).toEqual(['unknown field']);
    expect(errorsAt(errors, ['all', 1])).toEqual([]);
    expect(errorsAt(errors, []).map((e) => e.message)).toEqual(['too small']);
  });
});
