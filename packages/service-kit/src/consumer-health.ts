import type { Subscription } from '@segflow/kafka';
import type { ReadinessCheck } from './service.js';

/** A partition retried for longer than this makes its service unready. */
export const STUCK_PARTITION_AFTER_MS = 30_000;

/**
 * The readiness checks of one consumer: `kafka` (in its group with an assignment) and
 * `partitions` (no partition has been failing and redelivered for longer than
 * `stuckAfterMs`: a database outage, or a failure not yet isolated, shows here instead of
 * hiding behind a healthy group).
 */
export const consumerReadiness = (
  subscription: () => Subscription | null,
  options: { stuckAfterMs?: number; now?: () => number } = {},
): ReadinessCheck[] => {
  const stuckAfterMs = options.stuckAfterMs ?? STUCK_PARTITION_AFTER_MS;
  const now = options.now ?? Date.now;
  return [
    { name: 'kafka', check: async () => subscription()?.ready ?? false },
    { name: 'partitions', check: async () => (subscription()?.retrying() ?? []).every((r) => now() - r.since < stuckAfterMs) },
  ];
};
