import { LifecycleThresholds } from '@segflow/contracts';
import type { LifecycleStage, ProfileState } from '@segflow/contracts';
import { leadScore } from './lead-score.js';
import type { Instant } from './time.js';
import { DAY_MS, ms, parseIso } from './time.js';
import { windowCount, windowSum } from './windows.js';

/** Thresholds of the lifecycle stages; see the README for the definitions. */
export type LifecycleConfig = LifecycleThresholds;

export const DEFAULT_LIFECYCLE_CONFIG: Readonly<LifecycleConfig> = Object.freeze(LifecycleThresholds.parse(undefined));

/** Was `lastAt` within the last `days` days at `now` (lastAt > now − days)? */
export const withinDays = (lastAt: string | null, days: number, now: number): boolean => lastAt !== null && parseIso(lastAt) > now - days * DAY_MS;

/**
 * The customer's lifecycle stage at `now`: the first that applies of loyalty, retention,
 * decision, consideration; awareness otherwise (the customer is known, nothing more).
 */
export const lifecycleStage = (state: ProfileState, now: Instant, config: LifecycleConfig = DEFAULT_LIFECYCLE_CONFIG): LifecycleStage => {
  const n = ms(now);
  const { consideration, decision, retention, loyalty } = config;
  const loyaltyWindow = { ms: loyalty.windowDays * DAY_MS };
  if (
    state.purchase.count > 0 &&
    (windowCount(state, 'purchase', loyaltyWindow, n) >= loyalty.minPurchases ||
      (loyalty.minSpend !== null && windowSum(state, 'purchase', loyaltyWindow, n) >= loyalty.minSpend))
  ) {
    return 'loyalty';
  }
  if (state.purchase.count >= retention.minPurchases && withinDays(state.purchase.lastAt, retention.lastPurchaseWithinDays, n)) return 'retention';
  if (state.purchase.count > 0 || (decision.minLeadScore !== null && leadScore(state, n) >= decision.minLeadScore)) return 'decision';
  const engaged = consideration.engagedWithinDays;
  if (withinDays(state.pageView.lastAt, engaged, n) || withinDays(state.emailOpen.lastAt, engaged, n)) return 'consideration';
  return 'awareness';
};
