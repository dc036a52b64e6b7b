/** An instant: a Date or epoch milliseconds. Domain code never reads the clock itself. */
export type Instant = Date | number;

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** Epoch milliseconds of an instant. */
export const ms = (t: Instant): number => (typeof t === 'number' ? t : t.getTime());

/** The largest instant a Date can hold (±100,000,000 days around the epoch). */
export const MAX_INSTANT_MS = 8.64e15;

/** Start of the `unit`-long interval containing `t`, aligned on the epoch (UTC). */
export const floorTo = (t: number, unit: number): number => Math.floor(t / unit) * unit;

// Profiles hold a handful of instants that every read parses again (bucketsAsOf, lastAt, …)
// and a batch stamps one processing instant many times: both conversions are remembered.
let lastIsoOf = Number.NaN;
let lastIso = '';
export const iso = (t: number): string => {
  if (t !== lastIsoOf) {
    lastIso = new Date(t).toISOString();
    lastIsoOf = t;
  }
  return lastIso;
};

const PARSED_LIMIT = 10_000;
const parsed = new Map<string, number>();
export const parseIso = (s: string): number => {
  let t = parsed.get(s);
  if (t === undefined) {
    t = Date.parse(s);
    if (parsed.size >= PARSED_LIMIT) parsed.clear();
    parsed.set(s, t);
  }
  return t;
};

/** The later of an optional ISO instant and `t`, as ISO (normalised to UTC). */
export const laterIso = (current: string | null, t: number): string => (current === null || t > parseIso(current) ? iso(t) : current);
export const earlierIso = (current: string | null, t: number): string => (current === null || t < parseIso(current) ? iso(t) : current);
