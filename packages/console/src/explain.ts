import type { Schemas } from './api.js';

type ExplanationItem = Schemas['ExplanationItem'];

const OP_WORDS: Record<string, string> = {
  eq: '=', neq: '≠', gt: '>', gte: '≥', lt: '<', lte: '≤', between: 'between', in: 'in', notIn: 'not in', contains: 'contains',
  exists: 'exists', notExists: 'does not exist', withinLast: 'within the last', notWithinLast: 'not within the last', before: 'before', after: 'after',
};

const show = (value: unknown): string => {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return value.map(show).join(' and ');
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(2).replace(/\.?0+$/, '');
  return typeof value === 'string' ? value : JSON.stringify(value);
};

/** The figure a condition reads: `purchase.count (30d)`, `purchase.total (7d vs the 7d before, ratio)`. */
export const figure = (item: Pick<ExplanationItem, 'field' | 'window' | 'compareTo' | 'measure'>): string => {
  const qualifiers = [item.window, item.compareTo ? `vs the ${item.compareTo.window} before` : undefined, item.measure].filter(Boolean);
  return qualifiers.length === 0 ? item.field : `${item.field} (${qualifiers.join(', ')})`;
};

/** The condition itself: `purchase.count ≥ 3`. */
export const conditionText = (item: Pick<ExplanationItem, 'field' | 'window' | 'compareTo' | 'measure' | 'op' | 'value'>): string =>
  item.op === 'exists' || item.op === 'notExists' ? `${figure(item)} ${OP_WORDS[item.op]}` : `${figure(item)} ${OP_WORDS[item.op] ?? item.op} ${show(item.value)}`;

/**
 * Why a membership changed, in words: "entered because purchase.count went from 2 to 3
 * (purchase.count ≥ 3)". `was` is null for a customer the segment service saw for the first time.
 */
export const explain = (verb: 'entered' | 'exited', items: ExplanationItem[], reason: string | null): string => {
  if (items.length === 0) return reason ? `${verb} (${reason.replace(/_/g, ' ')})` : verb;
  const parts = items.map((item) =>
    item.was === null || item.was === undefined
      ? `${figure(item)} is ${show(item.actual)} (${conditionText(item)})`
      : `${figure(item)} went from ${show(item.was)} to ${show(item.actual)} (${conditionText(item)})`,
  );
  return `${verb} because ${parts.join('; ')}`;
};
