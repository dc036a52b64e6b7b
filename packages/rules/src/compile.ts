import { durationMs } from '@segflow/contracts';
import type { Condition, ExplanationItem, ProfileState, Rule } from '@segflow/contracts';
import { fieldReader } from './fields.js';
import type { FieldValue, RuleEnvironment } from './fields.js';

/** A leaf of a compiled rule: where it sits in the tree and how to test it at an instant. */
export interface CompiledCondition {
  path: string;
  condition: Condition;
  read: (profile: ProfileState, now: number) => FieldValue;
  test: (profile: ProfileState, now: number) => boolean;
  /** The first instant after `now` at which `test` may return another result; null if never. */
  nextChange: (profile: ProfileState, now: number) => number | null;
  timeDependent: boolean;
  /** For a trend condition: the figures of both periods behind `read`. */
  periods?: (profile: ProfileState, now: number) => { current: number; previous: number };
}

export interface CompiledRule {
  matches: (profile: ProfileState, now: number) => boolean;
  conditions: CompiledCondition[];
  /** The profile fields this rule reads: a change elsewhere cannot flip it. */
  fields: ReadonlySet<string>;
  /** Whether the result can change with time alone (windows, withinLast, age, decay). */
  timeDependent: boolean;
}

const isCondition = (rule: Rule): rule is Condition => 'field' in rule;
const asTime = (v: FieldValue): number | null => (typeof v === 'string' ? Date.parse(v) : null);
const isScalar = (v: FieldValue): v is string | number | boolean => ['string', 'number', 'boolean'].includes(typeof v);
const ordered = (a: FieldValue, b: unknown): number | null =>
  typeof a === 'number' && typeof b === 'number' ? a - b : typeof a === 'string' && typeof b === 'string' ? (a < b ? -1 : a > b ? 1 : 0) : null;

/**
 * The test of one operator against a read value. Missing values (null) match only
 * `notExists`, `neq`, `notIn` and `notWithinLast`: "not X" holds when nothing is known.
 */
const comparator = (condition: Condition): ((actual: FieldValue, now: number) => boolean) => {
  const v = condition.value;
  const cmp = (test: (order: number) => boolean) => (a: FieldValue) => {
    const order = ordered(a, v);
    return order !== null && test(order);
  };
  switch (condition.op) {
    case 'eq':
      return (a) => isScalar(a) && a === v;
    case 'neq':
      return (a) => !(isScalar(a) && a === v);
    case 'gt':
      return cmp((o) => o > 0);
    case 'gte':
      return cmp((o) => o >= 0);
    case 'lt':
      return cmp((o) => o < 0);
    case 'lte':
      return cmp((o) => o <= 0);
    case 'between': {
      const [low, high] = v as [unknown, unknown];
      return (a) => (ordered(a, low) ?? -1) >= 0 && (ordered(a, high) ?? 1) <= 0;
    }
    case 'in': {
      const set = new Set(v as unknown[]);
      return (a) => isScalar(a) && set.has(a);
    }
    case 'notIn': {
      const set = new Set(v as unknown[]);
      return (a) => !(isScalar(a) && set.has(a));
    }
    case 'contains':
      return (a) => (Array.isArray(a) ? a.includes(v as string) : typeof a === 'string' && typeof v === 'string' && a.includes(v));
    case 'exists':
      return (a) => a !== null;
    case 'notExists':
      return (a) => a === null;
    case 'withinLast': {
      const ms = durationMs(v as string)!;
      return (a, now) => {
        const t = asTime(a);
        return t !== null && t > now - ms;
      };
    }
    case 'notWithinLast': {
      const ms = durationMs(v as string)!;
      return (a, now) => {
        const t = asTime(a);
        return t === null || t <= now - ms;
      };
    }
    case 'before': {
      const limit = Date.parse(v as string);
      return (a) => (asTime(a) ?? Infinity) < limit;
    }
    case 'after': {
      const limit = Date.parse(v as string);
      return (a) => (asTime(a) ?? -Infinity) > limit;
    }
  }
};

/** When a `withinLast`/`notWithinLast` result flips: the instant the time leaves the window. */
const windowExit = (condition: Condition) => {
  const ms = durationMs(condition.value as string)!;
  return (a: FieldValue, now: number): number | null => {
    const t = asTime(a);
    return t !== null && t + ms > now ? t + ms : null;
  };
};

/**
 * The value of each field at the profile and instant evaluated last. Evaluating a change
 * reads the same fields many times over (every segment's match, its explanation, its next
 * flip), so they are computed once per profile and instant. Evaluation is synchronous: no
 * other profile can come between two reads of one evaluation.
 */
const lastRead = { profile: null as ProfileState | null, now: Number.NaN, values: new Map<string, FieldValue>() };
const memoized = (key: string, read: (profile: ProfileState, now: number) => FieldValue) => (profile: ProfileState, now: number): FieldValue => {
  if (lastRead.profile !== profile || lastRead.now !== now) {
    lastRead.profile = profile;
    lastRead.now = now;
    lastRead.values.clear();
  }
  const known = lastRead.values.get(key);
  if (known !== undefined || lastRead.values.has(key)) return known as FieldValue;
  const value = read(profile, now);
  lastRead.values.set(key, value);
  return value;
};

// Conditions read the same value when they name the same field, window, filter and trend under the same environment.
const readerKey = (condition: Condition, env: RuleEnvironment): string =>
  JSON.stringify([
    condition.field,
    condition.window ?? null,
    condition.where ?? null,
    condition.field === 'leadScore' ? null : condition.field.startsWith('rfm.') ? env.rfmQuintiles : condition.field === 'lifecycleStage' ? (env.lifecycle ?? null) : null,
    condition.compareTo?.window ?? null,
    condition.measure ?? null,
  ]);

const compileCondition = (condition: Condition, path: string, env: RuleEnvironment): CompiledCondition => {
  const field = fieldReader(condition, env);
  const reader = { ...field, read: memoized(readerKey(condition, env), field.read) };
  const compare = comparator(condition);
  const test = (p: ProfileState, now: number) => compare(reader.read(p, now), now);
  const exit = condition.op === 'withinLast' || condition.op === 'notWithinLast' ? windowExit(condition) : null;
  const nextChange = (p: ProfileState, now: number): number | null => {
    const candidates = [reader.nextChange?.(p, now) ?? null, exit?.(reader.read(p, now), now) ?? null].filter((t): t is number => t !== null && t > now);
    return candidates.length === 0 ? null : Math.min(...candidates);
  };
  return {
    path,
    condition,
    read: reader.read,
    test,
    nextChange,
    timeDependent: exit !== null || reader.nextChange !== undefined,
    ...(field.periods ? { periods: field.periods } : {}),
  };
};

/**
 * Compiles a validated rule once into closures; `matches(profile, now)` is then plain
 * function calls. Paths are those used in explanations and errors (`all[0].any[1]`).
 * `env` carries the RFM quintiles the rule's `rfm.*` conditions score against.
 */
export const compileRule = (rule: Rule, env: RuleEnvironment = { rfmQuintiles: null }): CompiledRule => {
  const conditions: CompiledCondition[] = [];
  const build = (node: Rule, path: string): ((p: ProfileState, now: number) => boolean) => {
    if (isCondition(node)) {
      const compiled = compileCondition(node, path, env);
      conditions.push(compiled);
      return compiled.test;
    }
    const join = (child: string) => (path === '' ? child : `${path}.${child}`);
    if ('all' in node) {
      const children = node.all.map((child, i) => build(child, join(`all[${i}]`)));
      return (p, now) => children.every((test) => test(p, now));
    }
    if ('any' in node) {
      const children = node.any.map((child, i) => build(child, join(`any[${i}]`)));
      return (p, now) => children.some((test) => test(p, now));
    }
    const inner = build(node.not, join('not'));
    return (p, now) => !inner(p, now);
  };
  const matches = build(rule, '');
  const timeDependent = conditions.some((c) => c.timeDependent);
  return { matches, conditions, fields: new Set(conditions.map((c) => c.condition.field)), timeDependent };
};

/** How far ahead `nextFlip` looks: beyond the longest window, nothing new can happen. */
const HORIZON_MS = 401 * 24 * 3_600_000;

/**
 * The first instant after `now` at which the rule's result differs from its result at
 * `now`, or null when it cannot change with time alone. Walks the conditions' own change
 * instants in order, since the rule can only flip when one of its conditions does.
 */
export const nextFlip = (compiled: CompiledRule, profile: ProfileState, now: number): number | null => {
  if (!compiled.timeDependent) return null;
  const initial = compiled.matches(profile, now);
  let t = now;
  for (let step = 0; step < 10_000; step++) {
    const candidates = compiled.conditions.map((c) => c.nextChange(profile, t)).filter((x): x is number => x !== null);
    if (candidates.length === 0) return null;
    t = Math.min(...candidates);
    if (t - now > HORIZON_MS) return null;
    if (compiled.matches(profile, t) !== initial) return t;
  }
  return null;
};

/**
 * The conditions whose result differs between `before` and `after`, with the value now
 * and before: why a customer entered or left. `before` is null for a first evaluation.
 * A trend condition adds its `compareTo`, `measure` and the figures of both periods.
 */
export const explainChange = (
  compiled: CompiledRule,
  before: { profile: ProfileState; at: number } | null,
  after: { profile: ProfileState; at: number },
): ExplanationItem[] =>
  compiled.conditions
    .filter((c) => before === null || c.test(before.profile, before.at) !== c.test(after.profile, after.at))
    .map((c) => ({
      path: c.path,
      field: c.condition.field,
      ...(c.condition.window ? { window: c.condition.window } : {}),
      ...(c.condition.compareTo ? { compareTo: c.condition.compareTo, measure: c.condition.measure ?? 'ratio' } : {}),
      op: c.condition.op,
      value: c.condition.value,
      actual: c.read(after.profile, after.at),
      was: before === null ? null : c.read(before.profile, before.at),
      ...(c.periods ? { periods: { actual: c.periods(after.profile, after.at), was: before === null ? null : c.periods(before.profile, before.at) } } : {}),
    }));
