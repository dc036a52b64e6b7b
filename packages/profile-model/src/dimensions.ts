import type { ActivityDimension, PurchaseCategory } from '@segflow/contracts';
import { countCells, emptyCountBuckets, emptyPurchaseBuckets, mergeSeries, purchaseCells } from './buckets.js';
import { OTHER } from './limits.js';
import { getOwn, setOwn } from './records.js';
import { parseIso } from './time.js';

/** How two entries of one dimension (categories, campaigns) merge when one folds into `__other__`. */
export type MergeEntry<E> = (into: E | undefined, from: E) => E;

const laterOf = (a: string, b: string): string => (parseIso(b) > parseIso(a) ? b : a);

export const mergePurchaseCategory: MergeEntry<PurchaseCategory> = (into, from) => {
  const target = into ?? { count: 0, totalUnits: 0, lastAt: from.lastAt, buckets: emptyPurchaseBuckets() };
  target.count += from.count;
  target.totalUnits += from.totalUnits;
  target.lastAt = laterOf(target.lastAt, from.lastAt);
  mergeSeries(target.buckets, from.buckets, purchaseCells);
  return target;
};

export const mergeActivityDimension: MergeEntry<ActivityDimension> = (into, from) => {
  const target = into ?? { count: 0, lastAt: from.lastAt, buckets: emptyCountBuckets() };
  target.count += from.count;
  target.lastAt = laterOf(target.lastAt, from.lastAt);
  mergeSeries(target.buckets, from.buckets, countCells);
  return target;
};

const largest = (names: string[]): string => names.reduce((a, b) => (b > a ? b : a));

/**
 * The key under which events of `name` are kept, in place. A customer keeps the `limit`
 * alphabetically first names (UTF-16 order) apart and folds every other one into
 * `__other__`: a name-based choice is a function of the set of names seen, so the result
 * does not depend on event order (an arrival-based one would). When a name earlier than
 * the last kept one arrives, that last one folds into `__other__` with all it had.
 * The name "__proto__" always goes to `__other__`.
 */
export const dimensionKey = <E>(map: Record<string, E>, name: string, limit: number, merge: MergeEntry<E>): string => {
  if (name === '__proto__') return OTHER; // parsers drop such a key (zod does): never make it one
  const kept = Object.keys(map).filter((key) => key !== OTHER);
  const fold = (key: string) => {
    setOwn(map, OTHER, merge(getOwn(map, OTHER), getOwn(map, key)!));
    delete map[key];
    kept.splice(kept.indexOf(key), 1);
  };
  while (kept.length > Math.max(0, limit)) fold(largest(kept)); // the limit was lowered since
  if (name === OTHER || Object.hasOwn(map, name)) return name;
  if (kept.length < limit) return name;
  if (kept.length === 0) return OTHER;
  const last = largest(kept);
  if (name > last) return OTHER;
  fold(last);
  return name;
};
