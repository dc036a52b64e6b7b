import type { ProfileState, RfmQuintiles } from '@segflow/contracts';
import { nextBirthday } from './age.js';
import type { Level } from './buckets.js';
import { UNIT, coarser, forEachBucket, levelChanges } from './buckets.js';
import { scoreCrossingAt } from './lead-score.js';
import type { LifecycleConfig } from './lifecycle.js';
import { DEFAULT_LIFECYCLE_CONFIG, lifecycleStage } from './lifecycle.js';
import type { RfmScores } from './rfm.js';
import { DEFAULT_RFM_WINDOW_DAYS, rfmInputs, rfmScores } from './rfm.js';
import type { Instant } from './time.js';
import { DAY_MS, floorTo, ms, parseIso } from './time.js';
import type { ActivityMetric, Cell, Measure, Window, WindowWhere } from './windows.js';
import { cellCount, cellUnits, effectiveWindowMs, seriesFor } from './windows.js';

export { scoreCrossingAt } from './lead-score.js';
export { nextBirthday } from './age.js';

/**
 * The instants q during which a bucket counts in a window of `w` ms, as half-open
 * intervals: through each phase of its level (see `levelChanges`) it stands for an
 * interval [S, E) and counts while S ≤ q < E + w — the rule of `windowCount`.
 */
const countedDuring = (storedLevel: Level, storedStart: number, fine: boolean, w: number): [number, number][] => {
  const { mh, hd, dx } = levelChanges(storedStart);
  const phases: { until: number; level: Level }[] = [
    ...(fine ? [{ until: mh, level: 'm' as const }] : []),
    { until: hd, level: 'h' },
    { until: dx, level: 'd' },
  ];
  const intervals: [number, number][] = [];
  let from = -Infinity;
  for (const phase of phases) {
    const level = coarser(storedLevel, phase.level)!;
    const start = floorTo(storedStart, UNIT[level]);
    const a = Math.max(from, start);
    const b = Math.min(phase.until, start + UNIT[level] + w);
    if (a < b) {
      const last = intervals[intervals.length - 1];
      if (last && a <= last[1]) last[1] = Math.max(last[1], b);
      else intervals.push([a, b]);
    }
    from = phase.until;
  }
  return intervals;
};

/**
 * The first instant after `now` at which `windowCount` (or `windowSum`, with measure
 * 'sum') of this (metric, window, where) changes with time alone — a bucket entering
 * (an event ahead of `now`) or leaving the window — or null if it never will. Exact at
 * bucket granularity: the value at the returned instant differs from the value at
 * `now`, and is the same at every instant in between.
 */
export const nextWindowChange = (
  state: ProfileState,
  metric: ActivityMetric,
  window: Window,
  now: Instant,
  where?: WindowWhere,
  measure: Measure = 'count',
): number | null => {
  const n = ms(now);
  const w = effectiveWindowMs(window);
  const ref = seriesFor(state, metric, where);
  if (ref.series === null) return null;
  const deltas = new Map<number, number>();
  const add = (t: number, d: number) => deltas.set(t, (deltas.get(t) ?? 0) + d);
  forEachBucket(ref.series, (level, start, value: Cell) => {
    const v = measure === 'count' ? cellCount(value) : cellUnits(value);
    if (v === 0) return;
    for (const [a, b] of countedDuring(level, start, ref.kind === 'fine', w)) {
      if (b <= n) continue;
      if (a > n) add(a, v);
      add(b, -v);
    }
  });
  // buckets entering and leaving at the same instant may cancel out: skip such instants
  let net = 0;
  for (const t of [...deltas.keys()].sort((x, y) => x - y)) {
    net += deltas.get(t)!;
    if (net !== 0) return t;
  }
  return null;
};

/**
 * Walks the candidate instants `next(t)` until `value` differs from its value at `now`;
 * null when the candidates run out. After `maxSteps` candidates it returns the last one,
 * an instant at which re-evaluating is harmless.
 */
const firstChange = <T>(now: number, value: (t: number) => T, next: (t: number) => number | null, maxSteps = 1000): number | null => {
  const initial = JSON.stringify(value(now));
  let t = now;
  for (let step = 0; step < maxSteps; step += 1) {
    const candidate = next(t);
    if (candidate === null) return null;
    if (JSON.stringify(value(candidate)) !== initial) return candidate;
    t = candidate;
  }
  return t;
};

const earliest = (candidates: (number | null)[]): number | null =>
  candidates.reduce<number | null>((min, c) => (c === null ? min : min === null || c < min ? c : min), null);

/** `lastAt + days` if it is after `now`: when a "within the last `days` days" test turns false. */
const leavesWithin = (lastAt: string | null, days: number, now: number): number | null => {
  if (lastAt === null) return null;
  const t = parseIso(lastAt) + days * DAY_MS;
  return t > now ? t : null;
};

/** The first instant after `now` at which `lifecycleStage` changes with time alone, or null. */
export const nextLifecycleChange = (state: ProfileState, now: Instant, config: LifecycleConfig = DEFAULT_LIFECYCLE_CONFIG): number | null => {
  const loyaltyWindow = { ms: config.loyalty.windowDays * DAY_MS };
  return firstChange(
    ms(now),
    (t) => lifecycleStage(state, t, config),
    (t) =>
      earliest([
        nextWindowChange(state, 'purchase', loyaltyWindow, t),
        config.loyalty.minSpend === null ? null : nextWindowChange(state, 'purchase', loyaltyWindow, t, undefined, 'sum'),
        leavesWithin(state.purchase.lastAt, config.retention.lastPurchaseWithinDays, t),
        config.decision.minLeadScore === null ? null : scoreCrossingAt(state, config.decision.minLeadScore, t),
        leavesWithin(state.pageView.lastAt, config.consideration.engagedWithinDays, t),
        leavesWithin(state.emailOpen.lastAt, config.consideration.engagedWithinDays, t),
      ]),
  );
};

/** The first instant after `now` at which the RFM scores against `quintiles` change with time alone, or null. */
export const nextRfmChange = (
  state: ProfileState,
  now: Instant,
  quintiles: RfmQuintiles,
  windowDays: number = DEFAULT_RFM_WINDOW_DAYS,
): number | null => {
  const window = { ms: windowDays * DAY_MS };
  const lastAt = state.purchase.lastAt;
  if (lastAt === null) return null;
  const scores = (t: number): RfmScores | null => rfmScores(rfmInputs(state, t, windowDays), quintiles);
  // recencyDays = floor((t − lastAt) / day) passes boundary c when it reaches floor(c) + 1
  const recencyChange = (t: number): number | null => {
    const days = rfmInputs(state, t, windowDays).recencyDays!;
    const next = quintiles.recencyDays.filter((c) => c >= days).sort((a, b) => a - b)[0];
    return next === undefined ? null : parseIso(lastAt) + (Math.floor(next) + 1) * DAY_MS;
  };
  return firstChange(ms(now), scores, (t) =>
    earliest([
      recencyChange(t),
      nextWindowChange(state, 'purchase', window, t),
      nextWindowChange(state, 'purchase', window, t, undefined, 'sum'),
    ]),
  );
};

/** The time-dependent values a caller evaluates on a profile; `nextChange` watches them all. */
export interface TimeWatch {
  windows?: { metric: ActivityMetric; window: Window; where?: WindowWhere; measure?: Measure }[];
  scoreThresholds?: number[];
  /** Watch `age` (from traits.birthDate). */
  age?: boolean;
  lifecycle?: LifecycleConfig;
  rfm?: { quintiles: RfmQuintiles; windowDays?: number };
}

/**
 * The earliest instant after `now` at which any watched value changes with time alone
 * (each exactly, see the functions it combines), or null if none will.
 */
export const nextChange = (state: ProfileState, now: Instant, watch: TimeWatch): number | null => {
  const n = ms(now);
  const birthDate = state.traits.birthDate;
  return earliest([
    ...(watch.windows ?? []).map((w) => nextWindowChange(state, w.metric, w.window, n, w.where, w.measure)),
    ...(watch.scoreThresholds ?? []).map((threshold) => scoreCrossingAt(state, threshold, n)),
    watch.age && birthDate !== undefined ? nextBirthday(birthDate, n) : null,
    watch.lifecycle ? nextLifecycleChange(state, n, watch.lifecycle) : null,
    watch.rfm ? nextRfmChange(state, n, watch.rfm.quintiles, watch.rfm.windowDays) : null,
  ]);
};
