import type { CustomerEvent, LeadScoreState, ProfileState, ScoringModel, ScoringRule } from '@segflow/contracts';
import type { ProfileLimits } from './limits.js';
import { cloneJson, getOwn, setOwn } from './records.js';
import type { Instant } from './time.js';
import { DAY_MS, MAX_INSTANT_MS, ms, parseIso } from './time.js';

/**
 * Sums are expressed relative to an anchor A on a grid of 64 half-lives, so each term
 * p·2^((t − A)/H) stays below |p|·2^64 and moving the anchor multiplies by an exact power
 * of two: a term's float value does not depend on when the anchor moved.
 */
export const CELL_HALF_LIVES = 64;
/** A capped (rule, day) older than this many half-lives before the newest event is forgotten (≤ 2^-32 of its cap). */
export const CAP_HORIZON_HALF_LIVES = 32;
/** …and never kept beyond 400 days, the profile's horizon for everything but lifetime totals. */
export const CAP_HORIZON_MAX_MS = 400 * DAY_MS;

export const DEFAULT_HALF_LIFE_DAYS = 30;

const halfLifeMs = (days: number): number => days * DAY_MS;
const cellMs = (halfLife: number): number => CELL_HALF_LIVES * halfLife;

export const emptyLeadScore = (halfLifeDays = DEFAULT_HALF_LIFE_DAYS): LeadScoreState => ({ halfLifeDays, anchor: 0, sum: 0, capped: {} });

/** Does `rule` match `event`? `amountBase` is a purchase's amount in the base currency (for `minAmount`). */
export const ruleMatches = (rule: ScoringRule, event: CustomerEvent, amountBase: number | null): boolean => {
  if (rule.eventType !== event.type) return false;
  const f = rule.filters;
  switch (event.type) {
    case 'purchase':
      return (
        (f.category === undefined || (event.items ?? []).some((item) => item.category === f.category)) &&
        (f.minAmount === undefined || (amountBase !== null && amountBase >= f.minAmount))
      );
    case 'page_view':
      return (f.urlPrefix === undefined || event.url.startsWith(f.urlPrefix)) && (f.category === undefined || event.category === f.category);
    case 'email_open':
      return f.campaignId === undefined || event.campaignId === f.campaignId;
    case 'traits':
      return true;
  }
};

const scaleAll = (ls: LeadScoreState, factor: number): void => {
  ls.sum *= factor;
  for (const rule of Object.values(ls.capped)) {
    for (const [day, [raw, weighted]] of Object.entries(rule.days)) rule.days[day] = [raw, weighted * factor];
  }
};

/** Capped days whose end is at or before this instant are forgotten. */
const capCutoff = (ls: LeadScoreState, lastEventAt: number): number =>
  lastEventAt - Math.min(CAP_HORIZON_HALF_LIVES * halfLifeMs(ls.halfLifeDays), CAP_HORIZON_MAX_MS);

const capEntries = (ls: LeadScoreState): number => Object.values(ls.capped).reduce((n, rule) => n + Object.keys(rule.days).length, 0);

/**
 * Keeps the capped (rule, day) entries within the horizon of the newest event, and at
 * most `limit` of them, the most recent days first (ties: rule id). Both are functions
 * of the set of events, so the kept set does not depend on order.
 */
const pruneCapped = (ls: LeadScoreState, lastEventAt: number | null, limit: number): void => {
  if (lastEventAt !== null) {
    const cutoff = capCutoff(ls, lastEventAt);
    for (const [id, rule] of Object.entries(ls.capped)) {
      for (const day of Object.keys(rule.days)) if ((Number(day) + 1) * DAY_MS <= cutoff) delete rule.days[day];
      if (Object.keys(rule.days).length === 0) delete ls.capped[id];
    }
  }
  let excess = capEntries(ls) - limit;
  while (excess > 0) {
    let victim: { id: string; day: number } | null = null;
    for (const [id, rule] of Object.entries(ls.capped)) {
      for (const key of Object.keys(rule.days)) {
        const day = Number(key);
        if (!victim || day < victim.day || (day === victim.day && id > victim.id)) victim = { id, day };
      }
    }
    const rule = ls.capped[victim!.id]!;
    delete rule.days[String(victim!.day)];
    if (Object.keys(rule.days).length === 0) delete ls.capped[victim!.id];
    excess -= 1;
  }
};

/**
 * Re-expresses the accumulator in the model's half-life, in place, keeping the score's
 * value at `now`: after a half-life change, what was scored before decays from `now` on
 * at the new rate (a model change applies to events processed after it).
 */
const alignHalfLife = (ls: LeadScoreState, halfLifeDays: number, now: number): void => {
  if (ls.halfLifeDays === halfLifeDays) return;
  const oldH = halfLifeMs(ls.halfLifeDays);
  const newH = halfLifeMs(halfLifeDays);
  const oldA = ls.anchor * cellMs(oldH);
  const anchor = Math.floor(now / cellMs(newH));
  const newA = anchor * cellMs(newH);
  scaleAll(ls, 2 ** ((now - newA) / newH - (now - oldA) / oldH));
  ls.anchor = anchor;
  ls.halfLifeDays = halfLifeDays;
};

/** Adds `points` scored at instant `t` for `rule`, in place. */
const addPoints = (ls: LeadScoreState, rule: ScoringRule, t: number, cutoff: number, limit: number): void => {
  const H = halfLifeMs(ls.halfLifeDays);
  const cell = Math.floor(t / cellMs(H));
  if (cell > ls.anchor) {
    scaleAll(ls, 2 ** (-CELL_HALF_LIVES * (cell - ls.anchor)));
    ls.anchor = cell;
  }
  // p·2^(local exponent in [0, 64)) × an exact power of two ≤ 1
  const term = rule.points * 2 ** ((t - cell * cellMs(H)) / H) * 2 ** (CELL_HALF_LIVES * (cell - ls.anchor));
  if (rule.dailyCap === undefined) {
    ls.sum += term;
    return;
  }
  const day = Math.floor(t / DAY_MS);
  if ((day + 1) * DAY_MS <= cutoff) return; // beyond the horizon: forgotten whatever the order
  const entry = getOwn(ls.capped, rule.id) ?? { cap: rule.dailyCap, days: {} };
  entry.cap = rule.dailyCap;
  setOwn(ls.capped, rule.id, entry);
  const key = String(day);
  const existing = entry.days[key];
  entry.days[key] = existing ? [existing[0] + rule.points, existing[1] + term] : [rule.points, term];
  if (!existing) pruneCapped(ls, null, limit);
};

/**
 * Scores one event into the profile's lead score, in place: aligns the half-life with the
 * model, forgets capped days that left the horizon, then adds the points of every
 * matching rule at the event's time. `previousLastEventAt` is `lastEventAt` before this
 * event (the caller has already folded the event into `draft.lastEventAt`).
 */
export const scoreEvent = (
  draft: ProfileState,
  event: CustomerEvent,
  amountBase: number | null,
  context: { now: number; scoring: ScoringModel; limits: ProfileLimits; previousLastEventAt: string | null },
): void => {
  const ls = draft.leadScore;
  const halfLifeChanged = ls.halfLifeDays !== context.scoring.halfLifeDays;
  alignHalfLife(ls, context.scoring.halfLifeDays, context.now);
  const lastEventAt = draft.lastEventAt === null ? null : parseIso(draft.lastEventAt);
  const cutoff = lastEventAt === null ? -Infinity : capCutoff(ls, lastEventAt);
  const previousCutoff = context.previousLastEventAt === null ? -Infinity : capCutoff(ls, parseIso(context.previousLastEventAt));
  if (halfLifeChanged || Math.floor(cutoff / DAY_MS) > Math.floor(previousCutoff / DAY_MS)) {
    pruneCapped(ls, lastEventAt, context.limits.maxCappedDays);
  }
  const t = parseIso(event.occurredAt);
  for (const rule of context.scoring.rules) {
    if (ruleMatches(rule, event, amountBase)) addPoints(ls, rule, t, cutoff, context.limits.maxCappedDays);
  }
};

/**
 * Adds the lead score `from` (another profile's) into the draft's, in place, as if its
 * events had been scored here: both are re-expressed in the model's half-life at `now`
 * (as the next event would), brought to the later anchor (an exact power of two), and
 * summed; capped (rule, day) entries add up per day, take the model's cap for the rule
 * (else the larger of the two), and are pruned against the draft's `lastEventAt`, which
 * the caller has already merged. Equal, up to float rounding, to scoring both histories
 * into one profile under one model.
 */
export const mergeLeadScore = (
  draft: ProfileState,
  from: LeadScoreState,
  context: { now: number; scoring: ScoringModel; limits: ProfileLimits },
): void => {
  const ls = draft.leadScore;
  const other = cloneJson(from);
  alignHalfLife(ls, context.scoring.halfLifeDays, context.now);
  alignHalfLife(other, context.scoring.halfLifeDays, context.now);
  if (other.anchor > ls.anchor) {
    scaleAll(ls, 2 ** (-CELL_HALF_LIVES * (other.anchor - ls.anchor)));
    ls.anchor = other.anchor;
  } else if (ls.anchor > other.anchor) {
    scaleAll(other, 2 ** (-CELL_HALF_LIVES * (ls.anchor - other.anchor)));
  }
  ls.sum += other.sum;
  for (const [id, rule] of Object.entries(other.capped)) {
    const entry = getOwn(ls.capped, id);
    const modelCap = context.scoring.rules.find((r) => r.id === id)?.dailyCap;
    if (!entry) {
      setOwn(ls.capped, id, { cap: modelCap ?? rule.cap, days: rule.days });
      continue;
    }
    entry.cap = modelCap ?? Math.max(entry.cap, rule.cap);
    for (const [day, [raw, weighted]] of Object.entries(rule.days)) {
      const existing = entry.days[day];
      entry.days[day] = existing ? [existing[0] + raw, existing[1] + weighted] : [raw, weighted];
    }
  }
  pruneCapped(ls, draft.lastEventAt === null ? null : parseIso(draft.lastEventAt), context.limits.maxCappedDays);
};

/** The undecayed total at the anchor: capped days added in a fixed order, so a stored and reloaded state reads the same. */
const anchoredTotal = (ls: LeadScoreState): number => {
  let total = ls.sum;
  for (const id of Object.keys(ls.capped).sort()) {
    const rule = ls.capped[id]!;
    const days = Object.keys(rule.days).sort((a, b) => Number(a) - Number(b));
    for (const day of days) {
      const [raw, weighted] = rule.days[day]!;
      total += raw > rule.cap ? (rule.cap / raw) * weighted : weighted;
    }
  }
  return total;
};

/** The score as a single exponential: value(t) = total × 2^(−(t − anchorMs)/halfLifeMs). */
export const scoreCurve = (state: ProfileState): { total: number; anchorMs: number; halfLifeMs: number } => {
  const H = halfLifeMs(state.leadScore.halfLifeDays);
  return { total: anchoredTotal(state.leadScore), anchorMs: state.leadScore.anchor * cellMs(H), halfLifeMs: H };
};

/**
 * The lead score at `now`: Σ points × 2^(−(now − tᵢ)/halfLife) over the scored events
 * (events a little ahead of `now` count with a factor slightly above 1), a capped rule's
 * points on one UTC day scaled down so they add up to at most the cap.
 */
export const leadScore = (state: ProfileState, now: Instant): number => {
  const { total, anchorMs, halfLifeMs: H } = scoreCurve(state);
  return total === 0 ? 0 : total * 2 ** (-(ms(now) - anchorMs) / H);
};

/**
 * The first whole millisecond after `now` at which `leadScore(state, t) >= threshold`
 * differs from its value at `now`, or null if it never will (the score is one
 * exponential decaying towards 0, so it crosses a threshold at most once).
 */
export const scoreCrossingAt = (state: ProfileState, threshold: number, now: Instant): number | null => {
  const n = ms(now);
  const { total, anchorMs, halfLifeMs: H } = scoreCurve(state);
  if (total === 0 || !Number.isFinite(threshold)) return null;
  const above = (t: number) => total * 2 ** (-(t - anchorMs) / H) >= threshold; // as leadScore computes it
  const initially = above(n);
  // decays to 0 from above (total > 0) or from below (total < 0): a crossing exists only
  // while the value sits on the far side of a threshold of the same sign
  const crosses = total > 0 ? threshold > 0 && initially : threshold < 0 && !initially;
  if (!crosses) return null;
  const exact = anchorMs + H * Math.log2(total / threshold);
  if (!Number.isFinite(exact) || exact > MAX_INSTANT_MS) return null;
  // float rounding: settle on the first millisecond whose computed value has flipped
  let t = Math.max(n + 1, Math.ceil(exact));
  while (t - 1 > n && above(t - 1) !== initially) t -= 1;
  for (let guard = 0; above(t) === initially; guard += 1) {
    if (guard > 10_000 || t > MAX_INSTANT_MS) return null;
    t += 1;
  }
  return t;
};
