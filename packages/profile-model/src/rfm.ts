import type { ProfileState, RfmQuintiles, RfmSegment } from '@segflow/contracts';
import type { Instant } from './time.js';
import { DAY_MS, ms, parseIso } from './time.js';
import { windowCount, windowSum } from './windows.js';

export const DEFAULT_RFM_WINDOW_DAYS = 365;

/** What RFM scores a customer on. `recencyDays` is null for a customer who never purchased. */
export interface RfmInputs {
  /** Whole days since the last purchase. */
  recencyDays: number | null;
  /** Purchases in the window. */
  frequency: number;
  /** Spend in the window, base currency. */
  monetary: number;
}

export interface RfmScores {
  recency: number;
  frequency: number;
  monetary: number;
}

/** The customer's RFM inputs at `now`: days since the last purchase, purchases and spend over `windowDays` (default 365). */
export const rfmInputs = (state: ProfileState, now: Instant, windowDays: number = DEFAULT_RFM_WINDOW_DAYS): RfmInputs => {
  const n = ms(now);
  const window = { ms: windowDays * DAY_MS };
  const lastAt = state.purchase.lastAt;
  return {
    recencyDays: lastAt === null ? null : Math.max(0, Math.floor((n - parseIso(lastAt)) / DAY_MS)),
    frequency: windowCount(state, 'purchase', window, n),
    monetary: windowSum(state, 'purchase', window, n),
  };
};

type Cuts = [number, number, number, number];

/** Nearest-rank 20th/40th/60th/80th percentiles of `values`. */
const quintileCuts = (values: number[]): Cuts => {
  if (values.length === 0) return [0, 0, 0, 0];
  const sorted = [...values].sort((a, b) => a - b);
  const at = (k: number) => sorted[Math.ceil((k * sorted.length) / 5) - 1]!;
  return [at(1), at(2), at(3), at(4)];
};

/**
 * Population quintile boundaries of each input, over the customers who purchased
 * (those with `recencyDays` null are left out): the nearest-rank 20th, 40th, 60th and
 * 80th percentiles.
 */
export const computeQuintiles = (inputs: readonly RfmInputs[]): RfmQuintiles => {
  const buyers = inputs.filter((i): i is RfmInputs & { recencyDays: number } => i.recencyDays !== null);
  return {
    population: buyers.length,
    recencyDays: quintileCuts(buyers.map((i) => i.recencyDays)),
    frequency: quintileCuts(buyers.map((i) => i.frequency)),
    monetary: quintileCuts(buyers.map((i) => i.monetary)),
  };
};

/**
 * Scores 1–5 against the quintiles: frequency and monetary score 1 + the number of
 * boundaries the value exceeds; recency 1 + the number of boundaries it is at or below
 * (more recent = higher). Null for a customer who never purchased.
 */
export const rfmScores = (inputs: RfmInputs, quintiles: RfmQuintiles): RfmScores | null => {
  const { recencyDays } = inputs;
  if (recencyDays === null) return null;
  return {
    recency: 1 + quintiles.recencyDays.filter((c) => recencyDays <= c).length,
    frequency: 1 + quintiles.frequency.filter((c) => inputs.frequency > c).length,
    monetary: 1 + quintiles.monetary.filter((c) => inputs.monetary > c).length,
  };
};

/** The R/F grid: RFM_GRID[5 − r][f − 1] (rows r = 5…1, columns f = 1…5); see the README. */
export const RFM_GRID: readonly (readonly RfmSegment[])[] = [
  ['new-customers', 'potential-loyalist', 'potential-loyalist', 'champions', 'champions'],
  ['promising', 'potential-loyalist', 'potential-loyalist', 'loyal', 'loyal'],
  ['about-to-sleep', 'about-to-sleep', 'need-attention', 'loyal', 'loyal'],
  ['hibernating', 'hibernating', 'at-risk', 'at-risk', 'cannot-lose-them'],
  ['lost', 'lost', 'at-risk', 'at-risk', 'cannot-lose-them'],
];

/** The named segment of a recency and frequency score (monetary does not name segments). */
export const rfmSegment = (scores: Pick<RfmScores, 'recency' | 'frequency'>): RfmSegment => {
  const clamp = (x: number) => Math.min(5, Math.max(1, Math.round(x)));
  return RFM_GRID[5 - clamp(scores.recency)]![clamp(scores.frequency) - 1]!;
};
