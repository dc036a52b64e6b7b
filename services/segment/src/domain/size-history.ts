const HOUR_MS = 3_600_000;

/** The steps of a size history: UTC hours or UTC days. */
export const SIZE_STEPS = { '1h': HOUR_MS, '1d': 24 * HOUR_MS } as const;
export type SizeStep = keyof typeof SIZE_STEPS;

/** The most points one size history answers (400 days of hours fit). */
export const MAX_SIZE_POINTS = 10_000;

/** A segment's counters over a range: the size before it, and entries and exits per step index. */
export interface SizeChanges {
  before: number;
  bins: ReadonlyMap<number, { entered: number; exited: number }>;
}

export interface SizePoint {
  /** The step's start. */
  at: string;
  /** Members at the step's end (now, for the step in progress). */
  size: number;
  entered: number;
  exited: number;
}

/**
 * The steps a size history covers: `from` rounded down and `to` up to whole steps (UTC),
 * then kept within what is known: not before the oldest step the retention period still
 * holds whole (`keptSince`), not past the step in progress at `now`. Epoch milliseconds;
 * `from` equals `to` when nothing is left.
 */
export const sizeRange = (request: { from: number; to: number; step: SizeStep }, now: number, keptSince: number): { from: number; to: number } => {
  const ms = SIZE_STEPS[request.step];
  const to = Math.min(Math.ceil(request.to / ms), Math.ceil((now + 1) / ms)) * ms;
  const from = Math.max(Math.floor(request.from / ms), Math.ceil(keptSince / ms)) * ms;
  return { from: Math.min(from, to), to };
};

/**
 * The size at the end of every step from `from` to `to`, by a running sum of entries less
 * exits from the size before `from`.
 */
export const sizePoints = (range: { from: number; to: number }, stepMs: number, changes: SizeChanges): SizePoint[] => {
  const points: SizePoint[] = [];
  let size = changes.before;
  for (let i = 0, at = range.from; at < range.to; i++, at += stepMs) {
    const { entered, exited } = changes.bins.get(i) ?? { entered: 0, exited: 0 };
    size += entered - exited;
    points.push({ at: new Date(at).toISOString(), size, entered, exited });
  }
  return points;
};
