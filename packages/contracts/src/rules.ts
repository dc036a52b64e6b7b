import { z } from 'zod';
import { LIMITS, ruleTooBig, safeText } from './limits.js';

/**
 * The segment rule language (DESIGN §5):
 *   Rule      = { all: Rule[] } | { any: Rule[] } | { not: Rule } | Condition
 *   Condition = { field, op, value?, window?, where?, compareTo?, measure? }
 * Each field has a kind, and each kind accepts a set of operators; a condition that
 * mixes them is rejected with the path of the offending key.
 */
export type FieldKind = 'number' | 'time' | 'string' | 'trait';

/** Fields other than `traits.<name>`, with their kind and what may qualify them. */
export const RULE_FIELDS = {
  age: { kind: 'number' },
  'purchase.count': { kind: 'number', window: true, trend: true, where: ['category'] },
  'purchase.total': { kind: 'number', window: true, trend: true, where: ['category'] },
  'purchase.avgOrderValue': { kind: 'number', window: true, where: ['category'] },
  'purchase.firstAt': { kind: 'time' },
  'purchase.lastAt': { kind: 'time' },
  'pageView.count': { kind: 'number', window: true, where: ['category'] },
  'pageView.lastAt': { kind: 'time' },
  'emailOpen.count': { kind: 'number', window: true, where: ['campaignId'] },
  'emailOpen.lastAt': { kind: 'time' },
  leadScore: { kind: 'number' },
  lifecycleStage: { kind: 'string' },
  'rfm.recency': { kind: 'number' },
  'rfm.frequency': { kind: 'number' },
  'rfm.monetary': { kind: 'number' },
  'rfm.segment': { kind: 'string' },
} as const satisfies Record<string, { kind: FieldKind; window?: boolean; trend?: boolean; where?: readonly ('category' | 'campaignId')[] }>;
export type KnownField = keyof typeof RULE_FIELDS;
export type RuleField = KnownField | `traits.${string}`;

export const RULE_OPS = [
  'eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'between', 'in', 'notIn', 'contains',
  'exists', 'notExists', 'withinLast', 'notWithinLast', 'before', 'after',
] as const;
export const RuleOp = z.enum(RULE_OPS);
export type RuleOp = z.infer<typeof RuleOp>;

/** The operators each kind of field accepts (the rule editor offers these). */
export const OPS_BY_KIND: Record<FieldKind, readonly RuleOp[]> = {
  number: ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'between', 'in', 'notIn', 'exists', 'notExists'],
  time: ['withinLast', 'notWithinLast', 'before', 'after', 'exists', 'notExists'],
  string: ['eq', 'neq', 'in', 'notIn', 'exists', 'notExists'],
  trait: ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'between', 'in', 'notIn', 'contains', 'exists', 'notExists', 'withinLast', 'notWithinLast', 'before', 'after'],
};

/** `"30d"` or `"6h"`: 1 hour up to 400 days. */
export const DURATION_PATTERN = /^([1-9]\d{0,4})([hd])$/;
export const MAX_DURATION_MS = 400 * 24 * 3_600_000;
/** Milliseconds of a duration such as "30d"; null when malformed or out of range. */
export const durationMs = (text: string): number | null => {
  const match = DURATION_PATTERN.exec(text);
  if (!match) return null;
  const ms = Number(match[1]) * (match[2] === 'h' ? 3_600_000 : 24 * 3_600_000);
  return ms <= MAX_DURATION_MS ? ms : null;
};

/**
 * What a trend condition (one with `compareTo`) tests: the figure of the current window
 * (`window`), of the period of `compareTo.window` just before it (`previous`), current ÷
 * previous (`ratio`, null when previous is 0) or current − previous (`difference`).
 */
export const TREND_MEASURES = ['ratio', 'difference', 'current', 'previous'] as const;
export const TrendMeasure = z.enum(TREND_MEASURES);
export type TrendMeasure = z.infer<typeof TrendMeasure>;

/** The period a trend compares against: the `window` long stretch that ends where the condition's window begins. */
export const CompareTo = z.strictObject({ window: z.string() });
export type CompareTo = z.infer<typeof CompareTo>;

const scalar = z.union([safeText(1024), z.number(), z.boolean()]);

export const Condition = z
  .strictObject({
    field: z.string().min(1).max(200),
    op: RuleOp,
    value: z.unknown().optional(),
    window: z.string().optional(),
    where: z.strictObject({ category: safeText(LIMITS.labelLength, 1).optional(), campaignId: safeText(LIMITS.idLength, 1).optional() }).optional(),
    compareTo: CompareTo.optional(),
    measure: TrendMeasure.optional(),
  })
  .superRefine((c, ctx) => {
    const issue = (path: string | string[], message: string) => ctx.addIssue({ code: 'custom', path: typeof path === 'string' ? [path] : path, message });
    const known = (RULE_FIELDS as Record<string, { kind: FieldKind; window?: boolean; trend?: boolean; where?: readonly string[] }>)[c.field];
    const isTrait = /^traits\.[A-Za-z0-9_.-]{1,128}$/.test(c.field);
    if (!known && !isTrait) {
      issue('field', `unknown field "${c.field}"; expected traits.<name> or one of ${Object.keys(RULE_FIELDS).join(', ')}`);
      return;
    }
    const kind: FieldKind = known?.kind ?? 'trait';
    if (!OPS_BY_KIND[kind].includes(c.op)) {
      issue('op', `op "${c.op}" does not apply to ${c.field}; expected one of ${OPS_BY_KIND[kind].join(', ')}`);
      return;
    }
    if (c.window !== undefined) {
      if (!known?.window) issue('window', `${c.field} takes no window`);
      else if (durationMs(c.window) === null) issue('window', 'expected "<n>h" or "<n>d" between 1h and 400d');
    }
    if (c.compareTo !== undefined) {
      const current = c.window === undefined ? null : durationMs(c.window);
      const previous = durationMs(c.compareTo.window);
      if (!known?.trend) issue('compareTo', `${c.field} takes no compareTo; trends compare purchase.count or purchase.total`);
      else if (c.window === undefined) issue('window', 'a condition with compareTo needs a window: the current period');
      else if (previous === null) issue(['compareTo', 'window'], 'expected "<n>h" or "<n>d" between 1h and 400d');
      else if (current !== null && current + previous > MAX_DURATION_MS) {
        issue(['compareTo', 'window'], 'window and compareTo.window together span at most 400d, the bucket history a profile keeps');
      }
      if (c.measure === undefined) issue('measure', `a condition with compareTo needs a measure: one of ${TREND_MEASURES.join(', ')}`);
    } else if (c.measure !== undefined) issue('measure', 'measure applies only to a condition with compareTo');
    for (const key of Object.keys(c.where ?? {})) {
      if (!(known?.where ?? []).includes(key)) issue(`where`, `${c.field} cannot be filtered by ${key}`);
    }
    const v = c.value;
    switch (c.op) {
      case 'exists':
      case 'notExists':
        if (v !== undefined) issue('value', `op "${c.op}" takes no value`);
        break;
      case 'between':
        if (!Array.isArray(v) || v.length !== 2 || v.some((x) => typeof x !== typeof v[0] || !['number', 'string'].includes(typeof x))) {
          issue('value', 'op "between" expects [low, high]');
        } else if ((v[0] as number) > (v[1] as number)) issue('value', 'between expects low <= high');
        break;
      case 'in':
      case 'notIn':
        if (!Array.isArray(v) || v.length === 0 || v.length > 1000 || !v.every((x) => scalar.safeParse(x).success)) {
          issue('value', `op "${c.op}" expects a non-empty list of values`);
        }
        break;
      case 'withinLast':
      case 'notWithinLast':
        if (typeof v !== 'string' || durationMs(v) === null) issue('value', `op "${c.op}" expects a duration such as "14d" or "6h" (1h to 400d)`);
        break;
      case 'before':
      case 'after':
        if (typeof v !== 'string' || !z.iso.datetime({ offset: true }).or(z.iso.date()).safeParse(v).success) {
          issue('value', `op "${c.op}" expects an ISO-8601 date or date-time`);
        }
        break;
      case 'contains':
        if (!scalar.safeParse(v).success) issue('value', 'op "contains" expects a string, number or boolean');
        break;
      default:
        if (kind === 'number' && typeof v !== 'number') issue('value', `op "${c.op}" on ${c.field} expects a number`);
        else if (kind === 'string' && typeof v !== 'string') issue('value', `op "${c.op}" on ${c.field} expects a string`);
        else if (!scalar.safeParse(v).success) issue('value', `op "${c.op}" expects a string, number or boolean`);
    }
  });
export type Condition = {
  field: RuleField;
  op: RuleOp;
  value?: unknown;
  window?: string;
  where?: { category?: string; campaignId?: string };
  compareTo?: CompareTo;
  measure?: TrendMeasure;
};

export type Rule = { all: Rule[] } | { any: Rule[] } | { not: Rule } | Condition;

/** The grammar alone, without the size checks (its JSON Schema is the published one). */
export const RuleNode: z.ZodType<Rule> = z.lazy(() =>
  z.union([
    z.strictObject({ all: z.array(RuleNode).min(1).max(100) }),
    z.strictObject({ any: z.array(RuleNode).min(1).max(100) }),
    z.strictObject({ not: RuleNode }),
    Condition as unknown as z.ZodType<Condition>,
  ]),
);

/**
 * A whole rule tree. Its depth, node count and size are checked before the tree is
 * parsed, so a tree nested thousands deep is a 400 rather than a stack overflow.
 */
export const Rule: z.ZodType<Rule> = z.preprocess((raw, ctx) => {
  const problem = ruleTooBig(raw);
  if (problem === null) return raw;
  ctx.addIssue({ code: 'custom', message: problem });
  return z.NEVER;
}, RuleNode) as unknown as z.ZodType<Rule>;
