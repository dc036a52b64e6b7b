import { durationMs } from '@segflow/contracts';
import type { Condition, ProfileState, RfmQuintiles } from '@segflow/contracts';
import {
  DEFAULT_LIFECYCLE_CONFIG,
  age,
  avgOrderValue,
  leadScore,
  lifecycleStage,
  nextBirthday,
  nextLifecycleChange,
  nextRfmChange,
  nextTrendChange,
  nextWindowChange,
  rfmInputs,
  rfmScores,
  rfmSegment,
  scoreCrossingAt,
  windowCount,
  windowSum,
  windowTrend,
} from '@segflow/profile-model';
import type { LifecycleConfig, TrendQuery } from '@segflow/profile-model';
import type { ActivityMetric, WindowWhere } from '@segflow/profile-model';

export type FieldValue = string | number | boolean | string[] | null;

/** How a condition reads its field from a profile at an instant, and when that value next changes with time alone. */
export interface FieldReader {
  read: (profile: ProfileState, now: number) => FieldValue;
  nextChange?: (profile: ProfileState, now: number) => number | null;
  /** For a trend: the figures of both periods behind the value read (for explanations). */
  periods?: (profile: ProfileState, now: number) => { current: number; previous: number };
}

/**
 * What a rule is evaluated against besides the profile: the population's RFM quintiles,
 * when computed, and the lifecycle thresholds (the defaults when not given).
 */
export interface RuleEnvironment {
  rfmQuintiles: RfmQuintiles | null;
  lifecycle?: LifecycleConfig;
}

const MONEY_SCALE = 10_000;

const valueAt = (root: unknown, path: string[]): FieldValue => {
  let node: unknown = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return null;
    node = (node as Record<string, unknown>)[key];
  }
  if (node === undefined || node === null) return null;
  if (Array.isArray(node)) return node.filter((x): x is string => typeof x === 'string');
  return ['string', 'number', 'boolean'].includes(typeof node) ? (node as string | number | boolean) : null;
};

const metricOf = { purchase: 'purchase', pageView: 'pageView', emailOpen: 'emailOpen' } as const;

/** Lifetime figures, all or for one category/campaign (a name folded into `__other__` reads 0). */
const lifetime = (state: ProfileState, metric: ActivityMetric, measure: 'count' | 'total' | 'avgOrderValue', where?: WindowWhere): number | null => {
  if (!where?.category && !where?.campaignId) {
    if (metric === 'purchase') {
      if (measure === 'total') return state.purchase.total;
      if (measure === 'avgOrderValue') return avgOrderValue(state);
    }
    return state[metric].count;
  }
  if (metric === 'purchase') {
    const category = state.purchase.categories[where.category ?? ''];
    const count = category?.count ?? 0;
    const total = (category?.totalUnits ?? 0) / MONEY_SCALE;
    return measure === 'count' ? count : measure === 'total' ? total : count === 0 ? null : total / count;
  }
  const dimension = metric === 'pageView' ? state.pageView.categories[where.category ?? ''] : state.emailOpen.campaigns[where.campaignId ?? ''];
  return dimension?.count ?? 0;
};

/** A count or total over a window compared with the period before it (`compareTo`), read as its `measure`. */
const trendReader = (condition: Condition, metric: ActivityMetric, measure: 'count' | 'total'): FieldReader => {
  const query: TrendQuery = {
    metric,
    measure: measure === 'count' ? 'count' : 'sum',
    window: { ms: durationMs(condition.window!)! },
    compareTo: { ms: durationMs(condition.compareTo!.window)! },
    ...(condition.where ? { where: condition.where } : {}),
  };
  const pick = condition.measure ?? 'ratio';
  const trend = (p: ProfileState, now: number) => windowTrend(p, query, now);
  return {
    read: (p, now) => trend(p, now)[pick],
    nextChange: (p, now) => nextTrendChange(p, query, now),
    periods: (p, now) => {
      const { current, previous } = trend(p, now);
      return { current, previous };
    },
  };
};

/** Counts, totals and averages, over a lifetime or a window, optionally for one category or campaign. */
const behaviourReader = (condition: Condition, metric: ActivityMetric, measure: 'count' | 'total' | 'avgOrderValue'): FieldReader => {
  const where = condition.where;
  if (condition.window === undefined) return { read: (p) => lifetime(p, metric, measure, where) };
  if (condition.compareTo !== undefined && measure !== 'avgOrderValue') return trendReader(condition, metric, measure);
  const window = { ms: durationMs(condition.window)! };
  const count = (p: ProfileState, now: number) => windowCount(p, metric, window, now, where);
  const sum = (p: ProfileState, now: number) => windowSum(p, 'purchase', window, now, where);
  const read =
    measure === 'count'
      ? count
      : measure === 'total'
        ? sum
        : (p: ProfileState, now: number) => {
            const n = count(p, now);
            return n === 0 ? null : sum(p, now) / n;
          };
  const nextChange = (p: ProfileState, now: number): number | null => {
    const candidates = [
      nextWindowChange(p, metric, window, now, where, 'count'),
      measure === 'count' ? null : nextWindowChange(p, metric, window, now, where, 'sum'),
    ].filter((t): t is number => t !== null);
    return candidates.length === 0 ? null : Math.min(...candidates);
  };
  return { read, nextChange };
};

/** The thresholds a comparison on a continuously decaying value can cross. */
const thresholdsOf = (condition: Condition): number[] => {
  const v = condition.value;
  if (typeof v === 'number') return [v];
  if (Array.isArray(v)) return v.filter((x): x is number => typeof x === 'number');
  return [];
};

/** The reader for a condition's field (and window/where, when given). */
export const fieldReader = (condition: Condition, env: RuleEnvironment): FieldReader => {
  const { field } = condition;
  if (field.startsWith('traits.')) {
    const path = field.slice('traits.'.length).split('.');
    return { read: (p) => valueAt(p.traits, path) };
  }
  const [root, leaf] = field.split('.') as [string, string | undefined];
  if ((root === 'purchase' || root === 'pageView' || root === 'emailOpen') && leaf !== undefined) {
    const metric = metricOf[root];
    if (leaf === 'firstAt') return { read: (p) => p.purchase.firstAt };
    if (leaf === 'lastAt') return { read: (p) => p[metric].lastAt };
    return behaviourReader(condition, metric, leaf as 'count' | 'total' | 'avgOrderValue');
  }
  switch (field) {
    case 'age': {
      const birthDate = (p: ProfileState) => (typeof p.traits.birthDate === 'string' ? p.traits.birthDate : null);
      return {
        read: (p, now) => {
          const b = birthDate(p);
          return b === null ? null : age(b, now);
        },
        nextChange: (p, now) => {
          const b = birthDate(p);
          return b === null ? null : nextBirthday(b, now);
        },
      };
    }
    case 'leadScore': {
      const thresholds = thresholdsOf(condition);
      return {
        read: (p, now) => leadScore(p, now),
        // a decaying score changes continuously; what matters is when it crosses a threshold
        nextChange: (p, now) => {
          const crossings = thresholds.map((t) => scoreCrossingAt(p, t, now)).filter((t): t is number => t !== null);
          return crossings.length === 0 ? null : Math.min(...crossings);
        },
      };
    }
    case 'lifecycleStage':
    {
      const thresholds = env.lifecycle ?? DEFAULT_LIFECYCLE_CONFIG;
      return { read: (p, now) => lifecycleStage(p, now, thresholds), nextChange: (p, now) => nextLifecycleChange(p, now, thresholds) };
    }
  }
  if (root === 'rfm') {
    const quintiles = env.rfmQuintiles;
    const score = (p: ProfileState, now: number) => (quintiles ? rfmScores(rfmInputs(p, now), quintiles) : null);
    return {
      read: (p, now) => {
        const s = score(p, now);
        if (s === null) return null;
        return leaf === 'segment' ? rfmSegment(s) : s[leaf as 'recency' | 'frequency' | 'monetary'];
      },
      nextChange: (p, now) => (quintiles ? nextRfmChange(p, now, quintiles) : null),
    };
  }
  throw new Error(`no reader for field ${field}`); // the contract's schema admits no other field
};

/**
 * The parts of a profile a field depends on, for the dependency index: a profile change
 * that touches none of them cannot change the field's value (time aside).
 */
export const fieldSources = (field: string): string[] => {
  if (field.startsWith('traits.')) return [`traits.${field.slice('traits.'.length).split('.')[0]}`];
  if (field === 'age') return ['traits.birthDate'];
  if (field === 'lifecycleStage') return ['purchase', 'pageView', 'emailOpen', 'leadScore'];
  const [root] = field.split('.');
  if (root === 'rfm') return ['purchase'];
  return [root!];
};

const IGNORED = new Set(['traits', 'traitSources', 'version', 'updatedAt', 'customerId', 'bucketsAsOf', 'lastEventAt']);

/** Deep equality of JSON values, without serialising them (this runs for every profile change). */
export const sameJson = (a: unknown, b: unknown): boolean => {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  let keys = 0;
  for (const key in ra) {
    if (ra[key] === undefined) continue;
    keys++;
    if (!sameJson(ra[key], rb[key])) return false;
  }
  for (const key in rb) if (rb[key] !== undefined) keys--;
  return keys === 0;
};

/** The sources that differ between two profiles of a customer (everything, for a first one). */
export const changedSources = (before: ProfileState | null, after: ProfileState): Set<string> => {
  if (before === null) return new Set(['*']);
  const changed = new Set<string>();
  const b = before as unknown as Record<string, unknown>;
  const a = after as unknown as Record<string, unknown>;
  for (const key of new Set([...Object.keys(b), ...Object.keys(a)])) {
    if (!IGNORED.has(key) && !sameJson(b[key], a[key])) changed.add(key);
  }
  const bt = before.traits as Record<string, unknown>;
  const at = after.traits as Record<string, unknown>;
  for (const key of new Set([...Object.keys(bt), ...Object.keys(at)])) {
    if (!sameJson(bt[key], at[key])) changed.add(`traits.${key}`);
  }
  return changed;
};
