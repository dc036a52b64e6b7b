import { z } from 'zod';
import { Traits } from './events.js';

const count = z.number().int().nonnegative();
const instant = z.iso.datetime();
const activity = z.object({ count, lastAt: instant.nullable() });

/**
 * The fields of a profile every reader may rely on (rules, the segment service).
 * `ProfileState` below is the full profile: it has all of these, with the same names and
 * meaning, so a `ProfileState` is also a `ProfileSnapshot`.
 */
export const ProfileSnapshot = z.object({
  customerId: z.string(),
  version: z.number().int().nonnegative(),
  traits: Traits,
  purchase: activity.extend({ total: z.number().nonnegative(), firstAt: instant.nullable() }),
  pageView: activity,
  emailOpen: activity,
  updatedAt: instant,
});
export type ProfileSnapshot = z.infer<typeof ProfileSnapshot>;

/** Money in ten-thousandths of the base currency: integer sums do not depend on order. */
const units = z.number().int().nonnegative();

/**
 * Sparse time buckets behind the windowed counts: one map per granularity, keyed by the
 * bucket's start in whole minutes (`m`), hours (`h`) or days (`d`) since the Unix epoch
 * (UTC); only buckets that saw an event are present. See packages/profile-model/README.md.
 */
export const CountBuckets = z.object({
  m: z.record(z.string(), count),
  h: z.record(z.string(), count),
  d: z.record(z.string(), count),
});
export type CountBuckets = z.infer<typeof CountBuckets>;

/** Purchase buckets: `[count, total in ten-thousandths of the base currency]`. */
const purchaseCell = z.tuple([count, units]);
export const PurchaseBuckets = z.object({
  m: z.record(z.string(), purchaseCell),
  h: z.record(z.string(), purchaseCell),
  d: z.record(z.string(), purchaseCell),
});
export type PurchaseBuckets = z.infer<typeof PurchaseBuckets>;

/** Per category (or campaign): lifetime figures and the buckets for `where`-filtered windows. */
export const PurchaseCategory = z.object({ count, totalUnits: units, lastAt: instant, buckets: PurchaseBuckets });
export type PurchaseCategory = z.infer<typeof PurchaseCategory>;
export const ActivityDimension = z.object({ count, lastAt: instant, buckets: CountBuckets });
export type ActivityDimension = z.infer<typeof ActivityDimension>;

/**
 * The lead score accumulator. Value at instant t (epoch ms), with H = halfLifeDays in ms
 * and A = anchor × 64 × H:  (sum + Σ capped) × 2^(−(t − A)/H), where each capped
 * (rule, UTC day) adds min(1, cap / points) × weighted. See the profile-model README.
 */
export const LeadScoreState = z.object({
  halfLifeDays: z.number().positive(),
  /** Index of the 64-half-life cell the sums are expressed in. */
  anchor: z.number().int(),
  /** Σ points × 2^((tᵢ − A)/H) over events of uncapped rules. */
  sum: z.number(),
  /** Rules with a daily cap: the cap last applied, and per UTC day (days since the epoch) [raw points, weighted points]. */
  capped: z.record(z.string(), z.object({ cap: z.number().positive(), days: z.record(z.string(), z.tuple([z.number(), z.number()])) })),
});
export type LeadScoreState = z.infer<typeof LeadScoreState>;

/**
 * The full profile, as the profile service stores it (Postgres jsonb) and publishes it on
 * `profile-changes.v1`; the segment service evaluates rules on it with
 * `@segflow/profile-model`. JSON only: instants are ISO-8601 UTC strings, bucket keys are
 * epoch units. Built and read only through `@segflow/profile-model`.
 */
export const ProfileState = ProfileSnapshot.extend({
  /** Per top-level trait field, the event that set it: the latest occurredAt wins, ties by eventId. */
  traitSources: z.record(z.string(), z.object({ at: instant, eventId: z.string() })),
  /** The latest occurredAt of any applied event. */
  lastEventAt: instant.nullable(),
  /** The buckets are laid out (compacted) as of this instant. */
  bucketsAsOf: instant,
  purchase: ProfileSnapshot.shape.purchase.extend({
    totalUnits: units,
    buckets: PurchaseBuckets,
    categories: z.record(z.string(), PurchaseCategory),
  }),
  pageView: ProfileSnapshot.shape.pageView.extend({
    buckets: CountBuckets,
    categories: z.record(z.string(), ActivityDimension),
  }),
  emailOpen: ProfileSnapshot.shape.emailOpen.extend({
    buckets: CountBuckets,
    campaigns: z.record(z.string(), ActivityDimension),
  }),
  leadScore: LeadScoreState,
});
export type ProfileState = z.infer<typeof ProfileState>;

export const LIFECYCLE_STAGES = ['awareness', 'consideration', 'decision', 'retention', 'loyalty'] as const;
export const LifecycleStage = z.enum(LIFECYCLE_STAGES);
export type LifecycleStage = z.infer<typeof LifecycleStage>;

/**
 * Thresholds of the lifecycle stages (`SEGFLOW_LIFECYCLE`); every field has a default,
 * so a partial object overrides only what it names.
 */
export const LifecycleThresholds = z
  .strictObject({
    consideration: z.strictObject({ engagedWithinDays: z.number().positive().default(30) }).prefault({}),
    decision: z.strictObject({ minLeadScore: z.number().nullable().default(50) }).prefault({}),
    retention: z
      .strictObject({ minPurchases: z.number().int().min(1).default(2), lastPurchaseWithinDays: z.number().positive().default(180) })
      .prefault({}),
    loyalty: z
      .strictObject({
        minPurchases: z.number().int().min(1).default(5),
        minSpend: z.number().positive().nullable().default(null),
        windowDays: z.number().positive().default(365),
      })
      .prefault({}),
  })
  .prefault({});
export type LifecycleThresholds = z.output<typeof LifecycleThresholds>;

/** The named RFM segments, from the R/F score grid in the profile-model README. */
export const RFM_SEGMENTS = [
  'champions',
  'loyal',
  'potential-loyalist',
  'new-customers',
  'promising',
  'need-attention',
  'about-to-sleep',
  'at-risk',
  'cannot-lose-them',
  'hibernating',
  'lost',
] as const;
export const RfmSegment = z.enum(RFM_SEGMENTS);
export type RfmSegment = z.infer<typeof RfmSegment>;

const cuts = z.tuple([z.number(), z.number(), z.number(), z.number()]);
/** Population quintile boundaries (20th, 40th, 60th, 80th percentiles) of each RFM input, over customers with a purchase. */
export const RfmQuintiles = z.object({
  population: count,
  recencyDays: cuts,
  frequency: cuts,
  monetary: cuts,
});
export type RfmQuintiles = z.infer<typeof RfmQuintiles>;

const score = z.number().int().min(1).max(5);
const categoryView = z.object({ count, lastAt: instant });

/** `GET /v1/customers/{id}`: the profile with the fields derived at read time. */
export const ProfileView = z.object({
  customerId: z.string(),
  version: z.number().int().nonnegative(),
  updatedAt: instant,
  traits: Traits,
  age: z.number().int().nonnegative().nullable(),
  purchase: z.object({
    count,
    total: z.number().nonnegative(),
    avgOrderValue: z.number().nonnegative().nullable(),
    firstAt: instant.nullable(),
    lastAt: instant.nullable(),
    categories: z.record(z.string(), categoryView.extend({ total: z.number().nonnegative() })),
  }),
  pageView: activity.extend({ categories: z.record(z.string(), categoryView) }),
  emailOpen: activity.extend({ campaigns: z.record(z.string(), categoryView) }),
  leadScore: z.object({ value: z.number(), asOf: instant }),
  lifecycleStage: LifecycleStage,
  /** Null when the customer never purchased or no quintiles were computed yet. */
  rfm: z
    .object({
      recency: score,
      frequency: score,
      monetary: score,
      segment: RfmSegment,
      recencyDays: count,
      purchases: count,
      spend: z.number().nonnegative(),
    })
    .nullable(),
});
export type ProfileView = z.infer<typeof ProfileView>;
