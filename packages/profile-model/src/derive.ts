import type { ProfileState, ProfileView, RfmQuintiles } from '@segflow/contracts';
import { age } from './age.js';
import { fromUnits } from './currency.js';
import { leadScore } from './lead-score.js';
import type { LifecycleConfig } from './lifecycle.js';
import { DEFAULT_LIFECYCLE_CONFIG, lifecycleStage } from './lifecycle.js';
import { DEFAULT_RFM_WINDOW_DAYS, rfmInputs, rfmScores, rfmSegment } from './rfm.js';
import type { Instant } from './time.js';
import { iso, ms } from './time.js';

export interface DeriveConfig {
  lifecycle?: LifecycleConfig;
  /** Without quintiles (none computed yet), `rfm` is null. */
  rfm?: { quintiles: RfmQuintiles; windowDays?: number } | null;
}

/** Average order value in the base currency, to 1/10,000; null before the first purchase. */
export const avgOrderValue = (state: ProfileState): number | null =>
  state.purchase.count === 0 ? null : fromUnits(Math.round(state.purchase.totalUnits / state.purchase.count));

const mapValues = <A, B>(record: Record<string, A>, f: (a: A) => B): Record<string, B> =>
  Object.fromEntries(Object.entries(record).map(([key, value]) => [key, f(value)]));

/**
 * The read view of a profile at `now` (`GET /v1/customers/{id}`): lifetime aggregates and
 * the fields derived at read time — age, average order value, lead score decayed to
 * `now`, lifecycle stage and, given quintiles, RFM. Buckets and bookkeeping are left out.
 */
export const deriveProfile = (state: ProfileState, now: Instant, config: DeriveConfig = {}): ProfileView => {
  const n = ms(now);
  const { purchase, pageView, emailOpen } = state;
  let rfm: ProfileView['rfm'] = null;
  if (config.rfm) {
    const inputs = rfmInputs(state, n, config.rfm.windowDays ?? DEFAULT_RFM_WINDOW_DAYS);
    const scores = rfmScores(inputs, config.rfm.quintiles);
    if (scores) {
      rfm = { ...scores, segment: rfmSegment(scores), recencyDays: inputs.recencyDays!, purchases: inputs.frequency, spend: inputs.monetary };
    }
  }
  return {
    customerId: state.customerId,
    version: state.version,
    updatedAt: state.updatedAt,
    traits: state.traits,
    age: state.traits.birthDate === undefined ? null : age(state.traits.birthDate, n),
    purchase: {
      count: purchase.count,
      total: purchase.total,
      avgOrderValue: avgOrderValue(state),
      firstAt: purchase.firstAt,
      lastAt: purchase.lastAt,
      categories: mapValues(purchase.categories, (c) => ({ count: c.count, total: fromUnits(c.totalUnits), lastAt: c.lastAt })),
    },
    pageView: { count: pageView.count, lastAt: pageView.lastAt, categories: mapValues(pageView.categories, (c) => ({ count: c.count, lastAt: c.lastAt })) },
    emailOpen: { count: emailOpen.count, lastAt: emailOpen.lastAt, campaigns: mapValues(emailOpen.campaigns, (c) => ({ count: c.count, lastAt: c.lastAt })) },
    leadScore: { value: leadScore(state, n), asOf: iso(n) },
    lifecycleStage: lifecycleStage(state, n, config.lifecycle ?? DEFAULT_LIFECYCLE_CONFIG),
    rfm,
  };
};
