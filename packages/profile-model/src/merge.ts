import type { ProfileState } from '@segflow/contracts';
import { countCells, mergeSeries, purchaseCells } from './buckets.js';
import { fromUnits } from './currency.js';
import type { MergeEntry } from './dimensions.js';
import { dimensionKey, mergeActivityDimension, mergePurchaseCategory } from './dimensions.js';
import { mergeLeadScore } from './lead-score.js';
import type { ApplyContext } from './profile.js';
import { compact } from './profile.js';
import { cloneJson, getOwn, setOwn } from './records.js';
import { earlierIso, iso, laterIso, ms, parseIso } from './time.js';
import { mergeTraits } from './traits.js';

/** What merging needs: the processing instant and the configuration in force (no currency: amounts are already in the base). */
export type MergeContext = Pick<ApplyContext, 'now' | 'scoring' | 'limits'>;

const later = (a: string | null, b: string | null): string | null => (b === null ? a : laterIso(a, parseIso(b)));
const earlier = (a: string | null, b: string | null): string | null => (b === null ? a : earlierIso(a, parseIso(b)));

/** Adds every entry of `from` into `into` under the key the cardinality cap gives its name, in place. */
const mergeDimensions = <E>(into: Record<string, E>, from: Record<string, E>, limit: number, merge: MergeEntry<E>): void => {
  for (const name of Object.keys(from)) {
    const key = dimensionKey(into, name, limit, merge);
    setOwn(into, key, merge(getOwn(into, key), getOwn(from, name)!));
  }
};

/**
 * Folds profile `from` into profile `into` and returns the result (neither input is
 * modified): the profile `into.customerId` would have if every event applied to `from`
 * had been applied to it as well. Counts, money and versions add up; first/last times
 * take the earlier/later; buckets are laid out as of the latest of both layouts and
 * `now`, then add up; categories and campaigns keep the alphabetically first ones under
 * the cap as the reducer does; traits keep, per field, the value of the latest
 * occurredAt (ties: greater eventId); lead scores add up (see mergeLeadScore). With a
 * fixed scoring model and limits it equals applying both histories to one profile
 * (lead-score sums up to float rounding), and it is commutative (but for the id kept)
 * and associative. Merging a profile with no event returns `into` unchanged. Like the
 * reducer, it does not deduplicate: the caller merges each profile once.
 */
export const mergeProfiles = (into: ProfileState, from: ProfileState, context: MergeContext): ProfileState => {
  if (from.version === 0) return into;
  const now = ms(context.now);
  const layout = Math.max(now, parseIso(into.bucketsAsOf), parseIso(from.bucketsAsOf));
  const source = cloneJson(compact(from, layout));
  if (into.version === 0) return { ...source, customerId: into.customerId, updatedAt: iso(now) };
  const compacted = compact(into, layout);
  const draft = compacted === into ? cloneJson(into) : compacted;
  const { limits } = context;

  draft.version += source.version;
  draft.updatedAt = iso(now);
  draft.lastEventAt = later(draft.lastEventAt, source.lastEventAt);
  mergeTraits(draft, source);

  const p = draft.purchase;
  p.count += source.purchase.count;
  p.totalUnits += source.purchase.totalUnits;
  p.total = fromUnits(p.totalUnits);
  p.firstAt = earlier(p.firstAt, source.purchase.firstAt);
  p.lastAt = later(p.lastAt, source.purchase.lastAt);
  mergeSeries(p.buckets, source.purchase.buckets, purchaseCells);
  mergeDimensions(p.categories, source.purchase.categories, limits.maxCategories, mergePurchaseCategory);

  const v = draft.pageView;
  v.count += source.pageView.count;
  v.lastAt = later(v.lastAt, source.pageView.lastAt);
  mergeSeries(v.buckets, source.pageView.buckets, countCells);
  mergeDimensions(v.categories, source.pageView.categories, limits.maxCategories, mergeActivityDimension);

  const o = draft.emailOpen;
  o.count += source.emailOpen.count;
  o.lastAt = later(o.lastAt, source.emailOpen.lastAt);
  mergeSeries(o.buckets, source.emailOpen.buckets, countCells);
  mergeDimensions(o.campaigns, source.emailOpen.campaigns, limits.maxCampaigns, mergeActivityDimension);

  mergeLeadScore(draft, source.leadScore, { now, scoring: context.scoring, limits });
  return draft;
};
