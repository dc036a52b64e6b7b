import type { ProfileState } from '@segflow/contracts';
import { MAX_SERIES_BUCKETS } from './buckets.js';
import type { ProfileLimits } from './limits.js';

/**
 * The most buckets a profile holds under `limits`, whatever the customer does: three fine
 * series (purchases, page views, email opens) and one coarse series per kept category
 * and campaign plus each `__other__`.
 */
export const maxBucketCount = (limits: ProfileLimits): number =>
  3 * MAX_SERIES_BUCKETS.fine + (2 * (limits.maxCategories + 1) + limits.maxCampaigns + 1) * MAX_SERIES_BUCKETS.coarse;

const count = (series: { m: object; h: object; d: object }): number =>
  Object.keys(series.m).length + Object.keys(series.h).length + Object.keys(series.d).length;

/** How many buckets `state` holds. */
export const bucketCount = (state: ProfileState): number =>
  count(state.purchase.buckets) +
  count(state.pageView.buckets) +
  count(state.emailOpen.buckets) +
  [...Object.values(state.purchase.categories), ...Object.values(state.pageView.categories), ...Object.values(state.emailOpen.campaigns)].reduce(
    (n, entry) => n + count(entry.buckets),
    0,
  );
