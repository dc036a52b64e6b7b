import { z } from 'zod';

/**
 * The segment rule language (DESIGN §5). This version covers boolean composition
 * and numeric comparisons on lifetime behaviour counts and totals; the grammar is the
 * final one, so rules written now stay valid as fields and operators are added.
 */
export const NUMERIC_FIELDS = ['purchase.count', 'purchase.total', 'pageView.count', 'emailOpen.count'] as const;
export const RuleField = z.enum(NUMERIC_FIELDS);
export type RuleField = z.infer<typeof RuleField>;

export const COMPARISON_OPS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'between'] as const;
export const RuleOp = z.enum(COMPARISON_OPS);
export type RuleOp = z.infer<typeof RuleOp>;

export const Condition = z
  .strictObject({
    field: RuleField,
    op: RuleOp,
    value: z.union([z.number(), z.tuple([z.number(), z.number()])]),
  })
  .superRefine((condition, ctx) => {
    const isPair = Array.isArray(condition.value);
    if (condition.op === 'between' && !isPair) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'op "between" expects [low, high]' });
    } else if (condition.op !== 'between' && isPair) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: `op "${condition.op}" expects a number` });
    } else if (isPair && (condition.value as [number, number])[0] > (condition.value as [number, number])[1]) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'between expects low <= high' });
    }
  });
export type Condition = z.infer<typeof Condition>;

export type Rule = { all: Rule[] } | { any: Rule[] } | { not: Rule } | Condition;

export const Rule: z.ZodType<Rule> = z.lazy(() =>
  z.union([
    z.strictObject({ all: z.array(Rule).min(1) }),
    z.strictObject({ any: z.array(Rule).min(1) }),
    z.strictObject({ not: Rule }),
    Condition,
  ]),
);
