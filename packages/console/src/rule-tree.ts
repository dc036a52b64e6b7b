import { OPS_BY_KIND, RULE_FIELDS } from '@segflow/contracts';
import type { FieldKind, RuleOp } from '@segflow/contracts';
import type { Schemas } from './api.js';

export type Rule = Schemas['Rule'];
export type Condition = Schemas['Condition'];
/** Where a node sits in the tree: `['all', 0, 'not']` is `all[0].not`. */
export type NodePath = (string | number)[];

export const isGroup = (rule: Rule): rule is { all: Rule[] } | { any: Rule[] } => 'all' in rule || 'any' in rule;
export const isNot = (rule: Rule): rule is { not: Rule } => 'not' in rule;

/** A node's path as the API writes it in explanations and, after `body.rule`, in problems: `all[0].not`. */
export const pathText = (path: NodePath): string =>
  path.map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`)).join('');

/** The field's kind and what may qualify it; `traits.<name>` is a trait. */
export const fieldInfo = (field: string): { kind: FieldKind; window: boolean; trend: boolean; where: readonly ('category' | 'campaignId')[] } => {
  const known = (RULE_FIELDS as Record<string, { kind: FieldKind; window?: boolean; trend?: boolean; where?: readonly ('category' | 'campaignId')[] }>)[field];
  return { kind: known?.kind ?? 'trait', window: known?.window ?? false, trend: known?.trend ?? false, where: known?.where ?? [] };
};

export const FIELD_NAMES = Object.keys(RULE_FIELDS);
export const opsFor = (field: string): readonly RuleOp[] => OPS_BY_KIND[fieldInfo(field).kind];

/** A value that fits the operator, for when the field or operator changes. */
export const defaultValue = (field: string, op: RuleOp): unknown => {
  const kind = fieldInfo(field).kind;
  switch (op) {
    case 'exists':
    case 'notExists':
      return undefined;
    case 'between':
      return kind === 'time' ? ['2026-01-01', '2026-12-31'] : [0, 10];
    case 'in':
    case 'notIn':
      return kind === 'number' ? [1] : ['value'];
    case 'withinLast':
    case 'notWithinLast':
      return '30d';
    case 'before':
    case 'after':
      return new Date().toISOString().slice(0, 10);
    default:
      return kind === 'number' ? 1 : kind === 'string' ? (field === 'lifecycleStage' ? 'retention' : 'champions') : 'value';
  }
};

export const newCondition = (): Condition => ({ field: 'purchase.count', op: 'gte', value: 1 });

/** The condition with another field: the operator kept if the field takes it, the value reset when the kind changes. */
export const withField = (condition: Condition, field: string): Condition => {
  const ops = opsFor(field);
  const op = ops.includes(condition.op) ? condition.op : ops[0]!;
  const sameKind = fieldInfo(field).kind === fieldInfo(condition.field).kind;
  const info = fieldInfo(field);
  const next: Condition = { field, op };
  const value = sameKind && op === condition.op ? condition.value : defaultValue(field, op);
  if (value !== undefined) next.value = value;
  if (info.window && condition.window) next.window = condition.window;
  if (condition.where) {
    const where = Object.fromEntries(Object.entries(condition.where).filter(([key]) => (info.where as readonly string[]).includes(key)));
    if (Object.keys(where).length > 0) next.where = where;
  }
  if (info.trend && condition.compareTo) {
    next.compareTo = condition.compareTo;
    if (condition.measure) next.measure = condition.measure;
  }
  return next;
};

/** The condition with another operator and a value that fits it; choosing the operator it has changes nothing. */
export const withOp = (condition: Condition, op: RuleOp): Condition => {
  if (op === condition.op) return condition;
  const { value: _value, ...rest } = condition;
  const value = defaultValue(condition.field, op);
  return value === undefined ? { ...rest, op } : { ...rest, op, value };
};

export const nodeAt = (rule: Rule, path: NodePath): Rule => {
  let node: unknown = rule;
  for (const part of path) node = (node as Record<string | number, unknown>)[part];
  return node as Rule;
};

/** The tree with the node at `path` replaced by `update(node)`; `null` removes it from its group (or a `not` around it). */
export const updateAt = (rule: Rule, path: NodePath, update: (node: Rule) => Rule | null): Rule | null => {
  if (path.length === 0) return update(rule);
  const [head, ...rest] = path;
  if (isNot(rule) && head === 'not') {
    const inner = updateAt(rule.not, rest, update);
    return inner === null ? null : { not: inner };
  }
  if (isGroup(rule) && (head === 'all' || head === 'any') && typeof rest[0] === 'number') {
    const key = 'all' in rule ? 'all' : 'any';
    const children = 'all' in rule ? rule.all : rule.any;
    const [index, ...below] = rest as [number, ...NodePath];
    const replaced = updateAt(children[index]!, below, update);
    const next = replaced === null ? children.filter((_, i) => i !== index) : children.map((child, i) => (i === index ? replaced : child));
    return { [key]: next } as Rule;
  }
  throw new Error(`no node at ${pathText(path)}`);
};

/**
 * The field errors of a problem that belong to the node at `path` (its own keys, or the
 * node as a whole), not to a node below it. Problem paths look like `body.rule.all[0].op`.
 */
export const errorsAt = (errors: { path: string; message: string }[], path: NodePath, prefix = 'body.rule'): { path: string; message: string }[] => {
  const base = path.length === 0 ? prefix : `${prefix}.${pathText(path)}`;
  return errors.filter((error) => {
    if (error.path !== base && !error.path.startsWith(`${base}.`) && !error.path.startsWith(`${base}[`)) return false;
    const rest = error.path.slice(base.length);
    return /^(\.(field|op|value|window|where|compareTo|measure)([.[].*)?|\.(all|any|not))?$/.test(rest);
  });
};
