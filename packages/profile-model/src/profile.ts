import type { CustomerEvent, ProfileState, ScoringModel } from '@segflow/contracts';
import { applyEmailOpen, applyPageView, applyPurchase } from './activity.js';
import type { Cuts } from './buckets.js';
import { compactSeries, countCells, cutsAt, emptyCountBuckets, emptyPurchaseBuckets, purchaseCells, sameCuts } from './buckets.js';
import type { ToBaseCurrency } from './currency.js';
import { emptyLeadScore, scoreEvent } from './lead-score.js';
import type { ProfileLimits } from './limits.js';
import { cloneJson } from './records.js';
import type { Instant } from './time.js';
import { iso, laterIso, ms, parseIso } from './time.js';
import { applyTraits } from './traits.js';

export type { ProfileState } from '@segflow/contracts';

/** What applying events needs besides the events: the processing instant and the configuration in force. */
export interface ApplyContext {
  /** The processing instant: compaction and `updatedAt`; never the events' own time. */
  now: Instant;
  toBase: ToBaseCurrency;
  scoring: ScoringModel;
  limits: ProfileLimits;
}

export type ApplyResult = { ok: true; state: ProfileState } | { ok: false; reason: string };

/** A customer nothing is known about yet. */
export const emptyProfile = (customerId: string, now: Instant): ProfileState => ({
  customerId,
  version: 0,
  traits: {},
  traitSources: {},
  purchase: { count: 0, total: 0, totalUnits: 0, firstAt: null, lastAt: null, buckets: emptyPurchaseBuckets(), categories: {} },
  pageView: { count: 0, lastAt: null, buckets: emptyCountBuckets(), categories: {} },
  emailOpen: { count: 0, lastAt: null, buckets: emptyCountBuckets(), campaigns: {} },
  leadScore: emptyLeadScore(),
  lastEventAt: null,
  bucketsAsOf: iso(ms(now)),
  updatedAt: iso(ms(now)),
});

const compactInPlace = (draft: ProfileState, cuts: Cuts): void => {
  compactSeries(draft.purchase.buckets, cuts, 'fine', purchaseCells);
  compactSeries(draft.pageView.buckets, cuts, 'fine', countCells);
  compactSeries(draft.emailOpen.buckets, cuts, 'fine', countCells);
  for (const entry of Object.values(draft.purchase.categories)) compactSeries(entry.buckets, cuts, 'coarse', purchaseCells);
  for (const entry of Object.values(draft.pageView.categories)) compactSeries(entry.buckets, cuts, 'coarse', countCells);
  for (const entry of Object.values(draft.emailOpen.campaigns)) compactSeries(entry.buckets, cuts, 'coarse', countCells);
};

/**
 * Lays the buckets out as of max(bucketsAsOf, now), in place, and returns the cuts in force.
 * Compaction never goes back: a `now` earlier than `bucketsAsOf` changes nothing.
 */
const advanceLayout = (draft: ProfileState, now: number): Cuts => {
  const asOf = parseIso(draft.bucketsAsOf);
  if (now <= asOf) return cutsAt(asOf);
  const before = cutsAt(asOf);
  const after = cutsAt(now);
  if (!sameCuts(before, after)) compactInPlace(draft, after);
  draft.bucketsAsOf = iso(now);
  return after;
};

/**
 * Applies one event to a mutable draft; returns a reason (and leaves the draft untouched)
 * when the event cannot be applied.
 */
const applyInPlace = (draft: ProfileState, event: CustomerEvent, context: ApplyContext, now: number): string | null => {
  if (event.type === 'identify') return 'an identify event merges two profiles (mergeProfiles); it does not apply to one';
  const t = parseIso(event.occurredAt);
  if (Number.isNaN(t)) return `invalid occurredAt ${event.occurredAt}`;
  let amountBase: number | null = null;
  if (event.type === 'purchase') {
    amountBase = context.toBase(event.amount, event.currency);
    if (amountBase === null) return `no exchange rate for currency ${event.currency}`;
  }
  const cuts = advanceLayout(draft, now);
  const previousLastEventAt = draft.lastEventAt;
  draft.version += 1;
  draft.updatedAt = iso(now);
  draft.lastEventAt = laterIso(draft.lastEventAt, t);
  switch (event.type) {
    case 'purchase':
      applyPurchase(draft, event, amountBase!, { cuts, toBase: context.toBase, limits: context.limits });
      break;
    case 'page_view':
      applyPageView(draft, event, { cuts, limits: context.limits });
      break;
    case 'email_open':
      applyEmailOpen(draft, event, { cuts, limits: context.limits });
      break;
    case 'traits':
      applyTraits(draft, event);
      break;
  }
  scoreEvent(draft, event, amountBase, { now, scoring: context.scoring, limits: context.limits, previousLastEventAt });
  return null;
};

/**
 * Applies one event and returns the new profile (the input is not modified), or
 * `{ ok: false }` for a purchase in a currency with no rate. For a fixed `now`, scoring
 * model and limits, the result depends only on the set of events applied, not their
 * order (lead-score sums up to float rounding; see the README). The reducer does not
 * deduplicate: the caller applies each eventId once.
 */
export const applyEvent = (state: ProfileState, event: CustomerEvent, context: ApplyContext): ApplyResult => {
  const draft = cloneJson(state);
  const reason = applyInPlace(draft, event, context, ms(context.now));
  return reason === null ? { ok: true, state: draft } : { ok: false, reason };
};

/**
 * Applies events in order, copying the profile once: the same result as `applyEvent` one
 * at a time, skipping (and listing) those that cannot be applied. `state` is returned
 * unchanged when nothing applied.
 */
export const applyEventBatch = (
  state: ProfileState,
  events: readonly CustomerEvent[],
  context: ApplyContext,
): { state: ProfileState; applied: number; rejected: { eventId: string; reason: string }[] } => {
  const now = ms(context.now);
  let draft: ProfileState | null = null;
  let applied = 0;
  const rejected: { eventId: string; reason: string }[] = [];
  for (const event of events) {
    draft ??= cloneJson(state);
    const reason = applyInPlace(draft, event, context, now);
    if (reason === null) applied += 1;
    else rejected.push({ eventId: event.eventId, reason });
  }
  return { state: applied > 0 && draft ? draft : state, applied, rejected };
};

/**
 * The profile with its buckets laid out as of `now` (older buckets merged into coarser
 * ones, those past 400 days dropped). Queries give the same answers before and after,
 * so this only saves space; `applyEvent` does it as needed.
 */
export const compact = (state: ProfileState, now: Instant): ProfileState => {
  const n = ms(now);
  if (n <= parseIso(state.bucketsAsOf)) return state;
  const draft = cloneJson(state);
  advanceLayout(draft, n);
  return draft;
};
