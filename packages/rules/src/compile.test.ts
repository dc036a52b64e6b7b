import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Condition, ProfileSnapshot, Rule } from '@segflow/contracts';
import { NUMERIC_FIELDS, Rule as RuleSchema } from '@segflow/contracts';
import { compileRule, explainChange } from './compile.js';

const profile = (counts: { purchases?: number; total?: number; views?: number; opens?: number }): ProfileSnapshot => ({
  customerId: 'c-1',
  version: 1,
  traits: {},
  purchase: { count: counts.purchases ?? 0, total: counts.total ?? 0, firstAt: null, lastAt: null },
  pageView: { count: counts.views ?? 0, lastAt: null },
  emailOpen: { count: counts.opens ?? 0, lastAt: null },
  updatedAt: '2026-11-23T10:00:00.000Z',
});

// A deliberately plain interpreter, written from the rule grammar, to check the compiler against.
const interpret = (rule: Rule, p: ProfileSnapshot): boolean => {
  if ('all' in rule) return rule.all.every((r) => interpret(r, p));
  if ('any' in rule) return rule.any.some((r) => interpret(r, p));
  if ('not' in rule) return !interpret(rule.not, p);
  const actual = {
    'purchase.count': p.purchase.count,
    'purchase.total': p.purchase.total,
    'pageView.count': p.pageView.count,
    'emailOpen.count': p.emailOpen.count,
  }[rule.field];
  const v = rule.value;
  switch (rule.op) {
    case 'eq': return actual === v;
    case 'neq': return actual !== v;
    case 'gt': return actual > (v as number);
    case 'gte': return actual >= (v as number);
    case 'lt': return actual < (v as number);
    case 'lte': return actual <= (v as number);
    case 'between': { const [lo, hi] = v as [number, number]; return lo <= actual && actual <= hi; }
  }
};

const small = fc.integer({ min: 0, max: 10 });
const condition: fc.Arbitrary<Condition> = fc.oneof(
  fc.record({
    field: fc.constantFrom(...NUMERIC_FIELDS),
    op: fc.constantFrom('eq', 'neq', 'gt', 'gte', 'lt', 'lte' as const),
    value: small,
  }),
  fc.record({
    field: fc.constantFrom(...NUMERIC_FIELDS),
    op: fc.constant('between' as const),
    value: fc.tuple(small, small).map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as [number, number]),
  }),
);
const { rule } = fc.letrec<{ rule: Rule }>((tie) => ({
  rule: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    condition,
    fc.record({ all: fc.array(tie('rule'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ any: fc.array(tie('rule'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ not: tie('rule') }),
  ),
}));
const profiles = fc
  .record({ purchases: small, total: small, views: small, opens: small })
  .map((counts) => profile(counts));

describe('rule compiler', () => {
  it('agrees with a plain recursive interpreter on random rules and profiles', () => {
    fc.assert(
      fc.property(rule, profiles, (r, p) => {
        expect(RuleSchema.safeParse(r).success).toBe(true);
        expect(compileRule(r).matches(p)).toBe(interpret(r, p));
      }),
      { numRuns: 2000 },
    );
  });

  it('matches "at least 3 purchases"', () => {
    const compiled = compileRule({ field: 'purchase.count', op: 'gte', value: 3 });
    expect(compiled.matches(profile({ purchases: 2 }))).toBe(false);
    expect(compiled.matches(profile({ purchases: 3 }))).toBe(true);
  });

  it('lists the fields a rule reads', () => {
    const compiled = compileRule({ all: [{ field: 'purchase.total', op: 'gt', value: 1 }, { not: { field: 'emailOpen.count', op: 'eq', value: 0 } }] });
    expect([...compiled.fields].sort()).toEqual(['emailOpen.count', 'purchase.total']);
  });

  it('explains a change by the conditions that flipped, with values now and before', () => {
    const compiled = compileRule({
      all: [
        { field: 'purchase.total', op: 'gte', value: 1000 },
        { field: 'pageView.count', op: 'gte', value: 1 },
      ],
    });
    const before = profile({ total: 890, views: 4 });
    const after = profile({ total: 1043.5, views: 5 });
    expect(explainChange(compiled, before, after)).toEqual([
      { path: 'all[0]', field: 'purchase.total', op: 'gte', value: 1000, actual: 1043.5, was: 890 },
    ]);
  });

  it('explains a first evaluation with every condition and no previous value', () => {
    const compiled = compileRule({ not: { field: 'purchase.count', op: 'eq', value: 0 } });
    expect(explainChange(compiled, null, profile({ purchases: 1 }))).toEqual([
      { path: 'not', field: 'purchase.count', op: 'eq', value: 0, actual: 1, was: null },
    ]);
  });
});
