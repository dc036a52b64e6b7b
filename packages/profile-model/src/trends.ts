import type { ProfileState } from '@segflow/contracts';
import { fromUnits } from './currency.js';
import { nextWindowChange } from './next-change.js';
import type { Instant } from './time.js';
import { ms, parseIso } from './time.js';
import type { ActivityMetric, Measure, Window, WindowWhere } from './windows.js';
import { effectiveWindowMs, measureAt, seriesFor } from './windows.js';

/**
 * A figure over two adjacent periods: `current` over the window ending now, `previous`
 * over the period just before it, their `ratio` (null when `previous` is 0: there is no
 * basis to compare with) and their `difference`.
 */
export interface Trend {
  current: number;
  previous: number;
  ratio: number | null;
  difference: number;
}

/** What a trend measures: `measure` of `metric` (filtered by `where`) over `window`, against the `compareTo` long period before it. */
export interface TrendQuery {
  metric: ActivityMetric;
  measure: Measure;
  window: Window;
  compareTo: Window;
  where?: WindowWhere;
}

/** The window that covers both periods: `window` and `compareTo` back to back. */
const spanOf = (window: Window, compareTo: Window): Window => ({ ms: window.ms + compareTo.ms });

/**
 * Count (or, with measure 'sum', purchase amounts in the base currency) in the window
 * `(now − window, now]` and in the `compareTo` long period before it, at the bucket
 * granularity of `windowCount`. `previous` is the span of both periods minus the current
 * window: the buckets that overlap the span but no longer the current window. So every
 * bucket counts in one period at most, and moves from current to previous to neither as
 * it ages. `window + compareTo` is at most 400 days, the history the buckets keep.
 */
export const windowTrend = (state: ProfileState, query: TrendQuery, now: Instant): Trend => {
  const { metric, measure, window, compareTo, where } = query;
  const ref = seriesFor(state, metric, where);
  const n = ms(now);
  const asOf = parseIso(state.bucketsAsOf);
  const current = measureAt(ref, effectiveWindowMs(window), n, asOf, measure);
  const previous = measureAt(ref, effectiveWindowMs(spanOf(window, compareTo)), n, asOf, measure) - current;
  const scale = measure === 'sum' ? fromUnits : (x: number) => x;
  // the ratio of the integers (units for money), so that it does not depend on rounding
  return { current: scale(current), previous: scale(previous), ratio: previous === 0 ? null : current / previous, difference: scale(current - previous) };
};

/**
 * The first instant after `now` at which `windowTrend` may change with time alone, or
 * null: the earliest change of the current window or of the span of both periods (each
 * exact, see `nextWindowChange`), since the trend is a function of these two figures.
 */
export const nextTrendChange = (state: ProfileState, query: TrendQuery, now: Instant): number | null => {
  const { metric, measure, window, compareTo, where } = query;
  const a = nextWindowChange(state, metric, window, now, where, measure);
  const b = nextWindowChange(state, metric, spanOf(window, compareTo), now, where, measure);
  return a === null ? b : b === null ? a : Math.min(a, b);
};
