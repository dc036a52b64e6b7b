import type { ProfileState } from '@segflow/contracts';
import type { PurchaseCell, Series, SeriesKind } from './buckets.js';
import { DAY_LEVEL_MS, HOUR_LEVEL_MS, MINUTE_LEVEL_MS, cutsAt, effectiveBucket, forEachBucket } from './buckets.js';
import { fromUnits } from './currency.js';
import { getOwn } from './records.js';
import type { Instant } from './time.js';
import { DAY_MS, HOUR_MS, ms, parseIso } from './time.js';

export type ActivityMetric = 'purchase' | 'pageView' | 'emailOpen';
/** A window's length in milliseconds: more than 0, at most 400 days. */
export interface Window {
  ms: number;
}
/** `category` filters purchases (by item category) and page views; `campaignId` filters email opens. */
export interface WindowWhere {
  category?: string;
  campaignId?: string;
}

const ceilTo = (x: number, unit: number): number => Math.ceil(x / unit) * unit;

/**
 * The window actually applied: beyond 48 h rounded up to whole hours, beyond 30 days to
 * whole days — the granularity at its far edge. Without this, a window such as 30½ days
 * could drop a bucket and take it back when that bucket merges into a longer one.
 */
export const effectiveWindowMs = (window: Window): number => {
  const w = window.ms;
  if (!Number.isInteger(w) || w <= 0 || w > DAY_LEVEL_MS) throw new RangeError(`window must be a whole number of ms in (0, 400 days], got ${w}`);
  return w > HOUR_LEVEL_MS ? ceilTo(w, DAY_MS) : w > MINUTE_LEVEL_MS ? ceilTo(w, HOUR_MS) : w;
};

export type Cell = number | PurchaseCell;
export const cellCount = (v: Cell): number => (typeof v === 'number' ? v : v[0]);
export const cellUnits = (v: Cell): number => (typeof v === 'number' ? 0 : v[1]);

/** The series behind a (metric, where) and its kind; `series` is null when none exists. */
export interface SeriesRef {
  series: Series<Cell> | null;
  kind: SeriesKind;
}

const wrongFilter = (metric: ActivityMetric, key: string): never => {
  throw new RangeError(`${metric} cannot be filtered by ${key}`);
};

/**
 * Finds the series for `metric` filtered by `where`. A category (campaign) folded into
 * `__other__` by the cardinality cap has no series of its own and reads as empty;
 * `__other__` itself can be queried.
 */
export const seriesFor = (state: ProfileState, metric: ActivityMetric, where: WindowWhere = {}): SeriesRef => {
  switch (metric) {
    case 'purchase': {
      if (where.campaignId !== undefined) wrongFilter(metric, 'campaignId');
      if (where.category === undefined) return { series: state.purchase.buckets, kind: 'fine' };
      return { series: getOwn(state.purchase.categories, where.category)?.buckets ?? null, kind: 'coarse' };
    }
    case 'pageView': {
      if (where.campaignId !== undefined) wrongFilter(metric, 'campaignId');
      if (where.category === undefined) return { series: state.pageView.buckets, kind: 'fine' };
      return { series: getOwn(state.pageView.categories, where.category)?.buckets ?? null, kind: 'coarse' };
    }
    case 'emailOpen': {
      if (where.category !== undefined) wrongFilter(metric, 'category');
      if (where.campaignId === undefined) return { series: state.emailOpen.buckets, kind: 'fine' };
      return { series: getOwn(state.emailOpen.campaigns, where.campaignId)?.buckets ?? null, kind: 'coarse' };
    }
  }
};

export type Measure = 'count' | 'sum';

/** Count (or sum, in ten-thousandths) over the buckets counted at `now` for a window of `w` ms (already effective). */
export const measureAt = (ref: SeriesRef, w: number, now: number, asOf: number, measure: Measure): number => {
  if (ref.series === null) return 0;
  const cuts = cutsAt(Math.max(now, asOf));
  let total = 0;
  forEachBucket(ref.series, (level, start, value) => {
    const span = effectiveBucket(level, start, cuts, ref.kind);
    if (span !== null && span.start <= now && span.end > now - w) total += measure === 'count' ? cellCount(value) : cellUnits(value);
  });
  return total;
};

/**
 * Events of `metric` (optionally filtered) in the window (now − w, now], at bucket
 * granularity: a bucket counts while it overlaps the window — it has started
 * (start ≤ now) and has not ended before the window began (end > now − w). Buckets are
 * those of the events' age at `now` (minute up to 48 h, hour up to 30 days, day up to
 * 400 days; hour/day for filtered series) and `w` is `effectiveWindowMs`. So the count
 * never misses an event of the window, and may include events up to one bucket older.
 */
export const windowCount = (state: ProfileState, metric: ActivityMetric, window: Window, now: Instant, where?: WindowWhere): number =>
  measureAt(seriesFor(state, metric, where), effectiveWindowMs(window), ms(now), parseIso(state.bucketsAsOf), 'count');

/** Purchase amounts (base currency, exact to 1/10,000) in the window, with the bucket rule of `windowCount`. */
export const windowSum = (state: ProfileState, metric: 'purchase', window: Window, now: Instant, where?: WindowWhere): number =>
  fromUnits(measureAt(seriesFor(state, metric, where), effectiveWindowMs(window), ms(now), parseIso(state.bucketsAsOf), 'sum'));
