import type { Condition, ExplanationItem, ProfileSnapshot, Rule, RuleField } from '@segflow/contracts';

/** Reads a rule field from a profile snapshot. */
const readers: Record<RuleField, (p: ProfileSnapshot) => number> = {
  'purchase.count': (p) => p.purchase.count,
  'purchase.total': (p) => p.purchase.total,
  'pageView.count': (p) => p.pageView.count,
  'emailOpen.count': (p) => p.emailOpen.count,
};

const comparators: Record<Condition['op'], (actual: number, value: Condition['value']) => boolean> = {
  eq: (a, v) => a === v,
  neq: (a, v) => a !== v,
  gt: (a, v) => a > (v as number),
  gte: (a, v) => a >= (v as number),
  lt: (a, v) => a < (v as number),
  lte: (a, v) => a <= (v as number),
  between: (a, v) => a >= (v as [number, number])[0] && a <= (v as [number, number])[1],
};

/** A leaf of a compiled rule: where it sits in the tree and how to test it. */
export interface CompiledCondition {
  path: string;
  condition: Condition;
  read: (profile: ProfileSnapshot) => number;
  test: (profile: ProfileSnapshot) => boolean;
}

export interface CompiledRule {
  matches: (profile: ProfileSnapshot) => boolean;
  conditions: CompiledCondition[];
  /** The profile fields this rule reads: a change elsewhere cannot flip it. */
  fields: ReadonlySet<RuleField>;
}

const isCondition = (rule: Rule): rule is Condition => 'field' in rule;

/**
 * Compiles a validated rule once into closures; `matches` is then a plain function call
 * per profile. Paths are those used in explanations and errors (`all[0].any[1]`).
 */
export const compileRule = (rule: Rule): CompiledRule => {
  const conditions: CompiledCondition[] = [];
  const build = (node: Rule, path: string): ((p: ProfileSnapshot) => boolean) => {
    if (isCondition(node)) {
      const read = readers[node.field];
      const compare = comparators[node.op];
      const test = (p: ProfileSnapshot) => compare(read(p), node.value);
      conditions.push({ path, condition: node, read, test });
      return test;
    }
    const join = (child: string) => (path === '' ? child : `${path}.${child}`);
    if ('all' in node) {
      const children = node.all.map((child, i) => build(child, join(`all[${i}]`)));
      return (p) => children.every((test) => test(p));
    }
    if ('any' in node) {
      const children = node.any.map((child, i) => build(child, join(`any[${i}]`)));
      return (p) => children.some((test) => test(p));
    }
    const inner = build(node.not, join('not'));
    return (p) => !inner(p);
  };
  const matches = build(rule, '');
  return { matches, conditions, fields: new Set(conditions.map((c) => c.condition.field)) };
};

/**
 * The conditions whose result differs between `before` and `after`, with the value now
 * and before: why a customer entered or left. `before` is null for a first evaluation.
 */
export const explainChange = (
  compiled: CompiledRule,
  before: ProfileSnapshot | null,
  after: ProfileSnapshot,
): ExplanationItem[] =>
  compiled.conditions
    .filter((c) => before === null || c.test(before) !== c.test(after))
    .map((c) => ({
      path: c.path,
      field: c.condition.field,
      op: c.condition.op,
      value: c.condition.value,
      actual: c.read(after),
      was: before === null ? null : c.read(before),
    }));
