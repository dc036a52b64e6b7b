/**
 * Consumer lag status in the manner of Burrow (its "consumer lag evaluation rules"), adapted
 * to what segflow can observe: Burrow stores one entry per offset *commit*; segflow polls
 * the committed and end offsets on an interval and stores one entry per *poll*. Pure: time
 * comes in as an argument.
 *
 * Per partition, over a sliding window of the last `window` observations, in this order:
 * 1. OK if the lag is zero now or at any observation in the window (the consumer caught up).
 * 2. REWIND if the committed offset ever went backwards within the window.
 * 3. STOPPED if the consumer has made no progress (no commit, never caught up) for longer
 *    than `stoppedAfterMs`: it is behind and nothing is being committed.
 * 4. STALLED if the window is full and the committed offset never moved across it while
 *    the lag stayed above zero.
 * 5. WARNING if the window is full, the committed offset moves, but the lag never decreased
 *    from one observation to the next: the consumer is falling behind.
 * 6. OK otherwise (including a window not yet full: too little evidence to accuse).
 */

export const LAG_STATUSES = ['OK', 'WARNING', 'STALLED', 'STOPPED', 'REWIND'] as const;
/** Ordered from healthy to worst; a group's status is the worst of its partitions'. */
export type LagStatus = (typeof LAG_STATUSES)[number];

/** One poll of one partition. */
export interface LagObservation {
  /** When the offsets were read, epoch milliseconds. */
  at: number;
  /** The next offset the group will consume: its committed offset, or the log start when it never committed. */
  committed: bigint;
  /** The high watermark: the offset the next message appended will get. */
  end: bigint;
}

export interface LagRules {
  /** Observations kept per partition (Burrow's `intervals`, default 10 there too). */
  window: number;
  /** Behind with no progress for longer than this is STOPPED. */
  stoppedAfterMs: number;
}

/** When the log first reached `end`: messages below `end` existed at `at`. */
interface Arrival {
  at: number;
  end: bigint;
}

/** What the evaluator remembers of one partition between polls. Treat as opaque. */
export interface PartitionLagState {
  /** The last observations, oldest first, at most `window` of them. */
  readonly observations: readonly LagObservation[];
  /** The last observation at which the committed offset moved or the lag was zero. */
  readonly progressAt: number;
  /** End offsets as they grew, from the one covering the oldest unprocessed message on. */
  readonly arrivals: readonly Arrival[];
}

export interface PartitionLagEvaluation {
  status: LagStatus;
  lag: bigint;
  /** Age of the oldest unprocessed message in seconds; 0 when there is none. */
  lagSeconds: number;
}

// Enough to date messages over hours of polling; older points are thinned, never the oldest.
const MAX_ARRIVALS = 512;

/** The lag of one observation: messages at or above `committed` and below `end`. */
export const lagOf = (o: LagObservation): bigint => (o.end > o.committed ? o.end - o.committed : 0n);

/**
 * Adds an observation to a partition's state (`undefined` for the first one) and returns
 * the new state; the old one is left as it was.
 */
export const observeLag = (state: PartitionLagState | undefined, observation: LagObservation, rules: LagRules): PartitionLagState => {
  const previous = state?.observations.at(-1);
  const progressed =
    previous === undefined || lagOf(observation) === 0n || observation.committed !== previous.committed;
  const observations = [...(state?.observations ?? []), observation].slice(-Math.max(1, rules.window));
  return {
    observations,
    progressAt: progressed ? observation.at : (state?.progressAt ?? observation.at),
    arrivals: recordArrival(state?.arrivals ?? [], observation),
  };
};

const recordArrival = (arrivals: readonly Arrival[], o: LagObservation): Arrival[] => {
  const last = arrivals.at(-1);
  // A log that shrank was recreated or truncated: what we knew of it no longer holds.
  let kept = last !== undefined && o.end < last.end ? [] : [...arrivals];
  if (o.end > (kept.at(-1)?.end ?? o.committed)) kept.push({ at: o.at, end: o.end });
  // Points whose messages are all consumed date nothing any more.
  kept = kept.filter((a) => a.end > o.committed);
  if (kept.length > MAX_ARRIVALS) kept = kept.filter((_, i) => i % 2 === 0 || i === kept.length - 1);
  return kept;
};

/** Evaluates a partition at time `now` (epoch milliseconds) by the rules above. */
export const evaluateLag = (state: PartitionLagState, now: number, rules: LagRules): PartitionLagEvaluation => {
  const window = state.observations;
  const latest = window.at(-1);
  if (latest === undefined) return { status: 'OK', lag: 0n, lagSeconds: 0 };
  const lag = lagOf(latest);
  return { status: statusOf(state, now, rules), lag, lagSeconds: lag === 0n ? 0 : ageSeconds(state, latest, now) };
};

const statusOf = (state: PartitionLagState, now: number, rules: LagRules): LagStatus => {
  const window = state.observations;
  if (window.some((o) => lagOf(o) === 0n)) return 'OK';
  const steps = window.slice(1).map((o, i) => [window[i] as LagObservation, o] as const);
  if (steps.some(([a, b]) => b.committed < a.committed)) return 'REWIND';
  if (now - state.progressAt > rules.stoppedAfterMs) return 'STOPPED';
  if (window.length < rules.window) return 'OK';
  if (steps.every(([a, b]) => b.committed === a.committed)) return 'STALLED';
  if (steps.every(([a, b]) => lagOf(b) >= lagOf(a))) return 'WARNING';
  return 'OK';
};

// The oldest unprocessed message sits at `committed`; it existed by the time of the first
// recorded end offset above it. That time is a lower bound of its age, off by at most one
// poll interval (or by the time it had already waited when polling began).
const ageSeconds = (state: PartitionLagState, latest: LagObservation, now: number): number => {
  const arrival = state.arrivals.find((a) => a.end > latest.committed);
  return arrival === undefined ? 0 : Math.max(0, now - arrival.at) / 1000;
};

/** The worst of several statuses (OK for none). */
export const worstLagStatus = (statuses: Iterable<LagStatus>): LagStatus => {
  let worst = 0;
  for (const status of statuses) worst = Math.max(worst, LAG_STATUSES.indexOf(status));
  return LAG_STATUSES[worst] as LagStatus;
};
