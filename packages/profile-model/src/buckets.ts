import type { CountBuckets, PurchaseBuckets } from '@segflow/contracts';
import { DAY_MS, HOUR_MS, MINUTE_MS, floorTo } from './time.js';

/** Minute buckets cover at least the last 48 h, hour buckets 30 days, day buckets 400 days. */
export const MINUTE_LEVEL_MS = 48 * HOUR_MS;
export const HOUR_LEVEL_MS = 30 * DAY_MS;
export const DAY_LEVEL_MS = 400 * DAY_MS;

export type Level = 'm' | 'h' | 'd';
export const LEVELS: readonly Level[] = ['m', 'h', 'd'];
export const UNIT: Readonly<Record<Level, number>> = { m: MINUTE_MS, h: HOUR_MS, d: DAY_MS };
const RANK: Readonly<Record<Level, number>> = { m: 0, h: 1, d: 2 };

/**
 * Totals (`fine`) keep minute buckets; per-category and per-campaign series (`coarse`)
 * start at hours, which bounds the profile's size (README, "Size").
 */
export type SeriesKind = 'fine' | 'coarse';

export type Series<V> = { m: Record<string, V>; h: Record<string, V>; d: Record<string, V> };
export type PurchaseCell = [count: number, units: number];

/** How two cells of one series kind add up. */
export interface CellOps<V> {
  add: (a: V, b: V) => V;
}
export const countCells: CellOps<number> = { add: (a, b) => a + b };
export const purchaseCells: CellOps<PurchaseCell> = { add: (a, b) => [a[0] + b[0], a[1] + b[1]] };

export const emptyCountBuckets = (): CountBuckets => ({ m: {}, h: {}, d: {} });
export const emptyPurchaseBuckets = (): PurchaseBuckets => ({ m: {}, h: {}, d: {} });

/**
 * Lower bounds of each level for a layout compacted at instant `c`. They are aligned on
 * the next coarser unit, so an hour (a day) is never split between two levels.
 */
export interface Cuts {
  m: number;
  h: number;
  d: number;
}
export const cutsAt = (c: number): Cuts => ({
  m: floorTo(c - MINUTE_LEVEL_MS, HOUR_MS),
  h: floorTo(c - HOUR_LEVEL_MS, DAY_MS),
  d: floorTo(c - DAY_LEVEL_MS, DAY_MS),
});
export const sameCuts = (a: Cuts, b: Cuts): boolean => a.m === b.m && a.h === b.h && a.d === b.d;

/** The level a bucket starting at `t` belongs to under `cuts`; null once older than 400 days. */
export const levelAt = (t: number, cuts: Cuts, kind: SeriesKind): Level | null =>
  kind === 'fine' && t >= cuts.m ? 'm' : t >= cuts.h ? 'h' : t >= cuts.d ? 'd' : null;

/** The coarser of two levels (null = dropped, coarsest of all). */
export const coarser = (a: Level | null, b: Level | null): Level | null =>
  a === null || b === null ? null : RANK[a] >= RANK[b] ? a : b;

const addCell = <V>(map: Record<string, V>, key: string, value: V, ops: CellOps<V>): void => {
  const current = map[key];
  map[key] = current === undefined ? value : ops.add(current, value);
};

/** Adds an event at `t` to the bucket its age calls for; nothing when older than 400 days. */
export const place = <V>(series: Series<V>, t: number, value: V, cuts: Cuts, kind: SeriesKind, ops: CellOps<V>): void => {
  const level = levelAt(t, cuts, kind);
  if (level !== null) addCell(series[level], String(Math.floor(t / UNIT[level])), value, ops);
};

/** Moves buckets that have aged past their level into the enclosing coarser bucket (in place). */
export const compactSeries = <V>(series: Series<V>, cuts: Cuts, kind: SeriesKind, ops: CellOps<V>): void => {
  for (const level of LEVELS) {
    const map = series[level];
    for (const key of Object.keys(map)) {
      const start = Number(key) * UNIT[level];
      const target = coarser(level, levelAt(start, cuts, kind));
      if (target === level) continue;
      const value = map[key]!;
      delete map[key];
      if (target !== null) addCell(series[target], String(Math.floor(start / UNIT[target])), value, ops);
    }
  }
};

/** Adds every bucket of `from` into `into` (same layout: both compacted at the same instant). */
export const mergeSeries = <V>(into: Series<V>, from: Series<V>, ops: CellOps<V>): void => {
  for (const level of LEVELS) for (const [key, value] of Object.entries(from[level])) addCell(into[level], key, value, ops);
};

/** Visits every stored bucket. A loop over the keys rather than a generator: reads walk every bucket of a series per segment and instant. */
export const forEachBucket = <V>(series: Series<V>, visit: (level: Level, start: number, value: V) => void): void => {
  for (const level of LEVELS) {
    const map = series[level];
    const unit = UNIT[level];
    for (const key of Object.keys(map)) visit(level, Number(key) * unit, map[key]!);
  }
};

/**
 * The interval [start, end) a stored bucket stands for at query instant `q`: the bucket
 * at the coarser of its stored level and the level its age at `q` calls for, so a query
 * answers the same whether or not the state was compacted since. Null once dropped.
 */
export const effectiveBucket = (storedLevel: Level, storedStart: number, qCuts: Cuts, kind: SeriesKind): { start: number; end: number } | null => {
  const level = coarser(storedLevel, levelAt(storedStart, qCuts, kind));
  if (level === null) return null;
  const start = floorTo(storedStart, UNIT[level]);
  return { start, end: start + UNIT[level] };
};

/**
 * Instants at which the level a bucket starting at `t` belongs to changes as time passes:
 * minute → hour at `mh`, hour → day at `hd`, dropped at `dx` (see `levelAt` and `cutsAt`).
 */
export const levelChanges = (t: number): { mh: number; hd: number; dx: number } => ({
  mh: floorTo(t, HOUR_MS) + HOUR_MS + MINUTE_LEVEL_MS,
  hd: floorTo(t, DAY_MS) + DAY_MS + HOUR_LEVEL_MS,
  dx: floorTo(t, DAY_MS) + DAY_MS + DAY_LEVEL_MS,
});

/** Minutes (hours) of buckets that events running ahead of the clock may add; ingest rejects events more than 5 minutes ahead. */
export const AHEAD_MINUTES = 10;

/**
 * The most buckets a series holds, whatever the events: a fine series has minutes of at
 * most 49 h (plus those ahead), hours of at most 696 h and 370 days; a coarse one hours of
 * at most 31 days (plus one ahead) and 370 days.
 */
export const MAX_SERIES_BUCKETS: Readonly<Record<SeriesKind, number>> = {
  fine: 49 * 60 + AHEAD_MINUTES + (31 * 24 - 48) + 370,
  coarse: 31 * 24 + 1 + 370,
};
