import type { EmailOpenEvent, PageViewEvent, ProfileState, PurchaseEvent } from '@segflow/contracts';
import type { Cuts, PurchaseCell } from './buckets.js';
import { countCells, emptyCountBuckets, emptyPurchaseBuckets, place, purchaseCells } from './buckets.js';
import type { ToBaseCurrency } from './currency.js';
import { fromUnits, toUnits } from './currency.js';
import { dimensionKey, mergeActivityDimension, mergePurchaseCategory } from './dimensions.js';
import type { ProfileLimits } from './limits.js';
import { getOwn, setOwn } from './records.js';
import { earlierIso, laterIso, parseIso } from './time.js';

/**
 * Adds a purchase (its amount already in the base currency) to the aggregates, in place.
 * Per category: a purchase counts once for each distinct category among its items, with
 * that category's items (price × quantity) converted to the base currency as its total.
 */
export const applyPurchase = (
  draft: ProfileState,
  event: PurchaseEvent,
  amountBase: number,
  context: { cuts: Cuts; toBase: ToBaseCurrency; limits: ProfileLimits },
): void => {
  const t = parseIso(event.occurredAt);
  const units = toUnits(amountBase);
  const p = draft.purchase;
  p.count += 1;
  p.totalUnits += units;
  p.total = fromUnits(p.totalUnits);
  p.firstAt = earlierIso(p.firstAt, t);
  p.lastAt = laterIso(p.lastAt, t);
  place<PurchaseCell>(p.buckets, t, [1, units], context.cuts, 'fine', purchaseCells);

  const subtotals = new Map<string, number>();
  for (const item of event.items ?? []) {
    if (item.category !== undefined) subtotals.set(item.category, (subtotals.get(item.category) ?? 0) + item.price * item.quantity);
  }
  for (const [category, subtotal] of [...subtotals].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const categoryUnits = toUnits(context.toBase(subtotal, event.currency) ?? 0);
    const key = dimensionKey(p.categories, category, context.limits.maxCategories, mergePurchaseCategory);
    const entry = getOwn(p.categories, key) ?? { count: 0, totalUnits: 0, lastAt: laterIso(null, t), buckets: emptyPurchaseBuckets() };
    entry.count += 1;
    entry.totalUnits += categoryUnits;
    entry.lastAt = laterIso(entry.lastAt, t);
    place<PurchaseCell>(entry.buckets, t, [1, categoryUnits], context.cuts, 'coarse', purchaseCells);
    setOwn(p.categories, key, entry);
  }
};

const applyDimension = (
  map: ProfileState['pageView']['categories'],
  name: string,
  t: number,
  limit: number,
  cuts: Cuts,
): void => {
  const key = dimensionKey(map, name, limit, mergeActivityDimension);
  const entry = getOwn(map, key) ?? { count: 0, lastAt: laterIso(null, t), buckets: emptyCountBuckets() };
  entry.count += 1;
  entry.lastAt = laterIso(entry.lastAt, t);
  place(entry.buckets, t, 1, cuts, 'coarse', countCells);
  setOwn(map, key, entry);
};

/** Adds a page view to the aggregates (and to its category, if any), in place. */
export const applyPageView = (draft: ProfileState, event: PageViewEvent, context: { cuts: Cuts; limits: ProfileLimits }): void => {
  const t = parseIso(event.occurredAt);
  const v = draft.pageView;
  v.count += 1;
  v.lastAt = laterIso(v.lastAt, t);
  place(v.buckets, t, 1, context.cuts, 'fine', countCells);
  if (event.category !== undefined) applyDimension(v.categories, event.category, t, context.limits.maxCategories, context.cuts);
};

/** Adds an email open to the aggregates and to its campaign, in place. */
export const applyEmailOpen = (draft: ProfileState, event: EmailOpenEvent, context: { cuts: Cuts; limits: ProfileLimits }): void => {
  const t = parseIso(event.occurredAt);
  const o = draft.emailOpen;
  o.count += 1;
  o.lastAt = laterIso(o.lastAt, t);
  place(o.buckets, t, 1, context.cuts, 'fine', countCells);
  applyDimension(o.campaigns, event.campaignId, t, context.limits.maxCampaigns, context.cuts);
};
