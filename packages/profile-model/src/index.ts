// The public API of @segflow/profile-model; see README.md for the definitions.
export type { Instant } from './time.js';
export { DAY_MS, HOUR_MS, MINUTE_MS } from './time.js';
export * from './currency.js';
export * from './limits.js';
export * from './profile.js';
export { mergeProfiles } from './merge.js';
export type { MergeContext } from './merge.js';
export { AHEAD_MINUTES, DAY_LEVEL_MS, HOUR_LEVEL_MS, MAX_SERIES_BUCKETS, MINUTE_LEVEL_MS } from './buckets.js';
export * from './size.js';
export { effectiveWindowMs, windowCount, windowSum } from './windows.js';
export type { ActivityMetric, Measure, Window, WindowWhere } from './windows.js';
export { nextTrendChange, windowTrend } from './trends.js';
export type { Trend, TrendQuery } from './trends.js';
export {
  CAP_HORIZON_HALF_LIVES,
  CAP_HORIZON_MAX_MS,
  CELL_HALF_LIVES,
  DEFAULT_HALF_LIFE_DAYS,
  leadScore,
  ruleMatches,
  scoreCrossingAt,
  scoreCurve,
} from './lead-score.js';
export * from './lifecycle.js';
export * from './rfm.js';
export * from './age.js';
export { nextChange, nextLifecycleChange, nextRfmChange, nextWindowChange } from './next-change.js';
export type { TimeWatch } from './next-change.js';
export * from './derive.js';
